/**
 * Replication across three in-process brokers (test/helpers/replicated.ts: RF 3, min.insync.replicas 2, the test
 * as controller), through third-party clients: KafkaJS producing with acks=all, kafka-python reading back;
 * followers catching up, the ISR shrinking when a follower stops and expanding when it returns, a diverged
 * follower truncated after a leader change, acks=all timeouts and NOT_ENOUGH_REPLICAS, an idempotent producer
 * across a leader change, and committed offsets surviving a move of the group coordinator.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kafka as KafkaType } from 'kafkajs';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { waitUntil } from '../helpers/cluster.js';
import { type ReplicatedCluster, withCluster } from '../helpers/replicated.js';
import { RawClient } from '../helpers/raw-client.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';

async function makeKafka(bootstrap: string, retries = 8): Promise<KafkaType> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId: 'samsa-replication-kafkajs',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries, initialRetryTime: 100 },
  });
}

/** Every replica's log of the partition holds the same batches (compared byte for byte). */
function assertLogsIdentical(c: ReplicatedCluster, topic: string, partition: number): void {
  const s = c.state(topic, partition);
  const read = (id: number) => {
    const log = c.broker(id).topics.partition(topic, partition)!;
    return log.read(log.logStartOffset, 64 << 20, { minOneBatch: true }).records;
  };
  const leader = read(s.leader);
  for (const id of s.replicas) {
    if (!c.running(id)) continue;
    assert.ok(read(id).equals(leader), `replica ${id} of ${topic}-${partition} differs from the leader ${s.leader}`);
  }
}

/**
 * A one-partition topic on broker 1 whose followers (2 and 3) are stopped but still in the ISR, so no acks=all
 * produce can be acknowledged until it times out; and a raw client connected to broker 1.
 */
async function leaderWithStalledFollowers(c: ReplicatedCluster, prefix: string) {
  const topic = uniqueTopic(prefix);
  await c.createTopic(topic, 1);
  await c.stop(2, { elect: false });
  await c.stop(3, { elect: false });
  const client = await RawClient.connect(c.test(1)!.port);
  return { topic, client, log: c.broker(1).topics.partition(topic, 0)! };
}

describe('replication across three brokers', () => {
  test('KafkaJS produces with acks=all to RF 3 partitions led by three brokers; every replica holds the same log; kafka-python reads it back', async (t) => {
    if (!requireClient(t, 'kafkajs') || !requireClient(t, 'kafka-python')) return;
    await withCluster(async (c) => {
      const topic = uniqueTopic('repl');
      await c.createTopic(topic, 3);
      assert.deepEqual(
        [0, 1, 2].map((p) => c.state(topic, p).leader),
        [1, 2, 3],
        'leaders spread over the brokers',
      );
      const kafka = await makeKafka(c.bootstrap());
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const sent: string[] = [];
      for (let i = 0; i < 30; i++) {
        const value = `v${i}`;
        sent.push(value);
        await producer.send({ topic, acks: -1, messages: [{ key: `k${i}`, value, partition: i % 3 }] });
      }
      await producer.disconnect();
      for (let p = 0; p < 3; p++) {
        const leader = c.broker(c.state(topic, p).leader).replicas.get(topic, p)!;
        assert.equal(leader.logEndOffset, 10);
        assert.equal(leader.highWatermark, 10, 'acks=all answered only once the ISR had the records');
        await c.waitInSync(topic, p);
        assertLogsIdentical(c, topic, p);
      }
      const { summary } = await runPython('kp_dump.py', [c.bootstrap(), topic], { timeoutMs: 60_000 });
      const got = (summary.records as Array<{ partition: number; value: string }>).map((r) =>
        Buffer.from(r.value, 'base64').toString(),
      );
      assert.deepEqual([...got].sort(), [...sent].sort());
    });
  });

  test('kafka-python produces with acks=all to three partitions led by three brokers; each acknowledged offset is committed on every replica', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withCluster(async (c) => {
      const topic = uniqueTopic('kp-repl');
      await c.createTopic(topic, 3);
      const { summary } = await runPython('kp_produce_acks_all.py', [c.bootstrap(), topic, '3', '15'], {
        timeoutMs: 60_000,
      });
      for (let p = 0; p < 3; p++) {
        assert.deepEqual(
          summary.sent[String(p)],
          Array.from({ length: 15 }, (_, i) => i),
        );
        const leader = c.broker(c.state(topic, p).leader).replicas.get(topic, p)!;
        assert.equal(leader.highWatermark, 15);
        await c.waitInSync(topic, p);
        assertLogsIdentical(c, topic, p);
      }
    });
  });

  test('a stopped follower leaves the ISR after replica.lag.time.max.ms (acks=all resumes with 2 of 3), catches up and rejoins when it returns', async (t) => {
    if (!requireClient(t, 'kafkajs')) return;
    await withCluster(async (c) => {
      const topic = uniqueTopic('isr');
      await c.createTopic(topic, 1);
      const kafka = await makeKafka(c.bootstrap());
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });
      await c.stop(3);
      const t0 = Date.now();
      // Held until the leader drops the stopped follower from the ISR (lag 2 s), then acknowledged by 1 and 2.
      await producer.send({ topic, acks: -1, timeout: 20_000, messages: [{ value: 'while-3-is-down' }] });
      assert.ok(Date.now() - t0 >= 1000, 'the produce waited for the ISR to shrink');
      assert.deepEqual([...c.state(topic, 0).isr].sort(), [1, 2]);
      assert.deepEqual([...c.broker(1).replicas.get(topic, 0)!.isr].sort(), [1, 2]);
      for (let i = 0; i < 20; i++) await producer.send({ topic, acks: -1, messages: [{ value: `m${i}` }] });
      await c.restart(3);
      await c.waitInSync(topic, 0);
      assert.deepEqual([...c.state(topic, 0).isr].sort(), [1, 2, 3], 'the returning follower is back in the ISR');
      assert.equal(c.broker(3).replicas.get(topic, 0)!.logEndOffset, 22);
      assertLogsIdentical(c, topic, 0);
      await producer.disconnect();
    });
  });

  test("a follower that diverged (records only the old leader had) is truncated to the new leader's log after a leader change", async (t) => {
    if (!requireClient(t, 'kafkajs') || !requireClient(t, 'kafka-python')) return;
    await withCluster(async (c) => {
      const topic = uniqueTopic('diverge');
      await c.createTopic(topic, 1, { configs: { 'min.insync.replicas': '1' } });
      let kafka = await makeKafka(c.bootstrap());
      let producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      for (let i = 0; i < 5; i++) await producer.send({ topic, acks: -1, messages: [{ value: `committed-${i}` }] });
      await producer.disconnect();
      await c.waitInSync(topic, 0);
      // Broker 1 goes on alone: its followers stop, and what it takes with acks=1 reaches no one else.
      await c.stop(2, { elect: false });
      await c.stop(3, { elect: false });
      kafka = await makeKafka(c.bootstrap());
      producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      for (let i = 0; i < 3; i++) await producer.send({ topic, acks: 1, messages: [{ value: `lost-${i}` }] });
      await producer.disconnect();
      assert.equal(c.broker(1).replicas.get(topic, 0)!.logEndOffset, 8);
      await c.stop(1, { elect: false });
      // 2 and 3 come back and 2 is elected (unclean: the controller lost track of 1's last records).
      await c.restart(2);
      await c.restart(3);
      await c.elect(topic, 0, { leader: 2, isr: [2, 3] });
      kafka = await makeKafka(c.bootstrap());
      producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      for (let i = 0; i < 2; i++) await producer.send({ topic, acks: -1, messages: [{ value: `new-${i}` }] });
      await producer.disconnect();
      // 1 returns as a follower: the leader answers its fetch with a diverging epoch, 1 truncates to 5 and refetches.
      await c.restart(1);
      await c.waitInSync(topic, 0);
      assert.equal(c.broker(1).replicas.get(topic, 0)!.logEndOffset, 7);
      assertLogsIdentical(c, topic, 0);
      const { summary } = await runPython('kp_dump.py', [c.bootstrap(), topic], { timeoutMs: 60_000 });
      const got = (summary.records as Array<{ value: string }>).map((r) => Buffer.from(r.value, 'base64').toString());
      assert.deepEqual(got, [
        'committed-0',
        'committed-1',
        'committed-2',
        'committed-3',
        'committed-4',
        'new-0',
        'new-1',
      ]);
    });
  });

  test('a replica that led an epoch and appended nothing in it drops that epoch when it follows the next leader, and rejoins the ISR', async (t) => {
    if (!requireClient(t, 'kafkajs')) return;
    await withCluster(async (c) => {
      const topic = uniqueTopic('empty-epoch');
      await c.createTopic(topic, 1);
      const kafka = await makeKafka(c.bootstrap());
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        for (let i = 0; i < 3; i++) await producer.send({ topic, acks: -1, messages: [{ value: `a-${i}` }] });
        await c.waitInSync(topic, 0);
        // Broker 2 leads epoch 1 and takes nothing (as a broker does that registers again after etcd came back and
        // briefly leads what the metadata still gave it); broker 1 leads again at epoch 2 and takes records.
        await c.elect(topic, 0, { leader: 2 });
        await c.elect(topic, 0, { leader: 1 });
        const log2 = c.broker(2).replicas.get(topic, 0)!.log;
        assert.equal(log2.epochCache.latestEpoch, 1, 'broker 2 recorded its epoch 1 at its log end');
        for (let i = 0; i < 2; i++) await producer.send({ topic, acks: -1, messages: [{ value: `b-${i}` }] });
        // Broker 2 fetches with last epoch 1, which the leader never had: it is told its log diverges at 3, its
        // own log end. Truncating there must drop the empty epoch, or every fetch gets the same answer and broker
        // 2 never catches up nor rejoins the ISR.
        await c.waitInSync(topic, 0);
        assert.deepEqual(
          log2.epochCache.entries.map((e) => [e.epoch, e.startOffset]),
          [
            [0, 0],
            [2, 3],
          ],
        );
        assertLogsIdentical(c, topic, 0);
      } finally {
        await producer.disconnect();
      }
    });
  });

  test('acks=all: REQUEST_TIMED_OUT while a follower is in the ISR but not fetching, NOT_ENOUGH_REPLICAS once the ISR is below min.insync.replicas; acks=1 still works', async () => {
    await withCluster(async (c) => {
      const { topic, client } = await leaderWithStalledFollowers(c, 'acks');
      try {
        const produce = async (acks: number, timeoutMs: number) => {
          const res = await client.send(Produce, 9, {
            acks,
            timeoutMs,
            topicData: [
              {
                name: topic,
                partitionData: [
                  { index: 0, records: await encodeBatch({ records: [{ key: null, value: Buffer.from('x') }] }) },
                ],
              },
            ],
          });
          return res.responses[0]!.partitionResponses[0]!;
        };
        const timedOut = await produce(-1, 300);
        assert.equal(timedOut.errorCode, ErrorCode.REQUEST_TIMED_OUT, 'the ISR still holds the stopped followers');
        await waitUntil('the ISR to shrink to the leader', () => c.state(topic, 0).isr.length === 1, 10_000);
        const refused = await produce(-1, 1000);
        assert.equal(refused.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
        assert.match(refused.errorMessage ?? '', /min\.insync\.replicas is 2 but only 1 replica is in sync/);
        const acks1 = await produce(1, 1000);
        assert.equal(acks1.errorCode, 0);
      } finally {
        client.close();
      }
    });
  });

  test('pipelined acks=all produces on one connection are each appended on arrival, answered in request order, with a Metadata request behind them answered last', async () => {
    await withCluster(async (c) => {
      const { topic, client, log } = await leaderWithStalledFollowers(c, 'pipelined');
      try {
        const answered: string[] = [];
        const batches = await Promise.all(
          [0, 1, 2].map((i) => encodeBatch({ records: [{ key: null, value: Buffer.from(`p${i}`) }] })),
        );
        const produce = async (i: number) => {
          const res = await client.send(Produce, 9, {
            acks: -1,
            timeoutMs: 1500,
            topicData: [{ name: topic, partitionData: [{ index: 0, records: batches[i]! }] }],
          });
          answered.push(`p${i}`);
          return res.responses[0]!.partitionResponses[0]!;
        };
        const sent = [produce(0), produce(1), produce(2)];
        const metadata = client.send(Metadata, 9, { topics: null, allowAutoTopicCreation: false }).then((m) => {
          answered.push('metadata');
          return m;
        });
        await waitUntil('all three produces to be appended', () => log.logEndOffset === 3, 1000);
        assert.deepEqual(answered, [], 'appended while the first one still waits for the in-sync replicas');
        const out = await Promise.all(sent);
        await metadata;
        assert.deepEqual(answered, ['p0', 'p1', 'p2', 'metadata']);
        assert.deepEqual(
          out.map((p) => p.baseOffset),
          [0, 1, 2],
        );
        for (const p of out)
          assert.ok(
            p.errorCode === ErrorCode.REQUEST_TIMED_OUT || p.errorCode === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            `error ${p.errorCode}`,
          );
      } finally {
        client.close();
      }
    });
  });

  test('past 16 pipelined acks=all produces, the next one is appended as soon as the oldest is answered (a sliding window, not a drain)', async () => {
    await withCluster(async (c) => {
      const { topic, client, log } = await leaderWithStalledFollowers(c, 'window');
      try {
        const answered: number[] = [];
        const batch = await encodeBatch({ records: [{ key: null, value: Buffer.from('w') }] });
        // The first one times out soon; the 15 behind it wait long; the 17th is beyond the window.
        const sent = Array.from({ length: 17 }, (_, i) =>
          client
            .send(Produce, 9, {
              acks: -1,
              timeoutMs: i === 0 ? 300 : 20_000,
              topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
            })
            .then(() => answered.push(i)),
        );
        // Closing the client fails those still waiting; that is expected, and must not hide a failure above it.
        const settled = Promise.allSettled(sent);
        await waitUntil('the first 16 to be appended', () => log.logEndOffset === 16, 5000);
        await waitUntil('the 17th to be appended', () => log.logEndOffset === 17, 10_000);
        // The broker answers the oldest and appends the 17th in one go; its answer may still be on the way here.
        await waitUntil('the oldest answer to arrive', () => answered.length > 0, 5000);
        assert.deepEqual(answered, [0], 'only the oldest was answered when the 17th was appended');
        client.close();
        await settled;
      } finally {
        client.close();
      }
    });
  });
});
