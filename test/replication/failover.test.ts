/**
 * Leadership moving under clients on three in-process brokers (test/helpers/replicated.ts, RF 3,
 * min.insync.replicas 2): KafkaJS's idempotent producer writing while the leader moves (no record lost or written
 * twice: the new leader deduplicates from the producer state it rebuilt from replicated batches), committed group
 * offsets surviving the loss of the coordinator's broker, and a transaction over partitions led by three brokers
 * (markers sent to the other leaders with WriteTxnMarkers) read back with read_committed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kafka as KafkaType } from 'kafkajs';
import { partitionForGroup } from '../../src/broker/groups/records.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { waitUntil } from '../helpers/cluster.js';
import { withCluster } from '../helpers/replicated.js';

async function makeKafka(bootstrap: string): Promise<KafkaType> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId: 'samsa-failover-kafkajs',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100 },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads `topic` from the start with a fresh group until `expect` records arrived (or 20 s passed). */
async function readAll(kafka: KafkaType, topic: string, expect: number, readUncommitted = false): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: uniqueTopic('reader'), readUncommitted, maxWaitTimeInMs: 100 });
  const got: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push(message.value!.toString());
    },
  });
  const start = Date.now();
  while (got.length < expect && Date.now() - start < 20_000) await sleep(100);
  await sleep(500); // anything beyond `expect` would show up now
  await consumer.disconnect();
  return got;
}

describe('failover on three brokers', () => {
  test('KafkaJS idempotent producer writing while the leader moves three times: every acknowledged record exactly once, in order', async (t) => {
    if (!requireClient(t, 'kafkajs') || !requireClient(t, 'kafka-python')) return;
    await withCluster(async (c) => {
      const topic = uniqueTopic('idem');
      await c.createTopic(topic, 1);
      const kafka = await makeKafka(c.bootstrap());
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      const acked: string[] = [];
      let stop = false;
      const writer = (async () => {
        for (let i = 0; !stop; i++) {
          await producer.send({ topic, acks: -1, messages: [{ value: `r${i}` }] });
          acked.push(`r${i}`);
        }
      })();
      const leaders: number[] = [];
      for (const next of [2, 3, 1]) {
        await sleep(400);
        const s = await c.elect(topic, 0, { leader: next });
        leaders.push(s.leader);
      }
      await sleep(400);
      stop = true;
      await writer;
      await producer.disconnect();
      assert.deepEqual(leaders, [2, 3, 1]);
      assert.ok(acked.length > 20, `the producer kept writing (${acked.length} records)`);
      await c.waitInSync(topic, 0);
      const { summary } = await runPython('kp_dump.py', [c.bootstrap(), topic], { timeoutMs: 60_000 });
      const got = (summary.records as Array<{ value: string }>).map((r) => Buffer.from(r.value, 'base64').toString());
      assert.deepEqual(got, acked, 'each acknowledged record once, in send order');
    });
  });

  test('KafkaJS group: offsets committed, then the coordinator broker stops; the group resumes from the committed offsets on the new coordinator', async (t) => {
    if (!requireClient(t, 'kafkajs')) return;
    await withCluster(async (c) => {
      const topic = uniqueTopic('grp');
      await c.createTopic(topic, 1);
      const groupId = uniqueTopic('g');
      const kafka = await makeKafka(c.bootstrap());
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })) });

      const consume = async (expect: number): Promise<string[]> => {
        const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
        const got: string[] = [];
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ message, partition }) => {
            got.push(message.value!.toString());
            await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
          },
        });
        const start = Date.now();
        while (got.length < expect && Date.now() - start < 30_000) await sleep(100);
        await sleep(300);
        await consumer.disconnect();
        return got;
      };
      assert.equal((await consume(10)).length, 10);
      const coordinatorPartition = partitionForGroup(groupId, 3);
      const coordinator = c.state('__consumer_offsets', coordinatorPartition).leader;
      await c.stop(coordinator);
      const moved = c.state('__consumer_offsets', coordinatorPartition).leader;
      assert.notEqual(moved, coordinator);

      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      assert.equal(offsets[0]!.partitions[0]!.offset, '10', 'the commit survived the coordinator broker');
      await admin.disconnect();

      await producer.send({ topic, acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${i}` })) });
      await producer.disconnect();
      assert.deepEqual(await consume(5), ['b0', 'b1', 'b2', 'b3', 'b4'], 'nothing read twice, nothing skipped');
    });
  });

  test('KafkaJS transaction over partitions led by three brokers: markers reach every leader; read_committed sees the committed one only', async (t) => {
    if (!requireClient(t, 'kafkajs')) return;
    await withCluster(async (c) => {
      const topic = uniqueTopic('txn');
      await c.createTopic(topic, 3);
      const kafka = await makeKafka(c.bootstrap());
      const producer = kafka.producer({
        transactionalId: uniqueTopic('tid'),
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      const committed = await producer.transaction();
      for (let p = 0; p < 3; p++) await committed.send({ topic, messages: [{ value: `c${p}`, partition: p }] });
      await committed.commit();
      const aborted = await producer.transaction();
      for (let p = 0; p < 3; p++) await aborted.send({ topic, messages: [{ value: `x${p}`, partition: p }] });
      await aborted.abort();
      await producer.disconnect();

      for (let p = 0; p < 3; p++) {
        await c.waitInSync(topic, p);
        const leader = c.broker(c.state(topic, p).leader).replicas.get(topic, p)!;
        // c, its COMMIT marker, x, its ABORT marker: nothing left open on any leader.
        assert.equal(leader.logEndOffset, 4, `partition ${p} (leader ${leader.leader}) has both markers`);
        assert.equal(leader.log.lastStableOffset, 4);
        // Followers learn the high watermark with their next fetch.
        await waitUntil(`every replica of ${topic}-${p} past both transactions`, () =>
          c.ids.every((id) => c.broker(id).replicas.get(topic, p)!.log.lastStableOffset === 4),
        );
      }
      assert.deepEqual((await readAll(kafka, topic, 3)).sort(), ['c0', 'c1', 'c2']);
      assert.deepEqual((await readAll(kafka, topic, 6, true)).sort(), ['c0', 'c1', 'c2', 'x0', 'x1', 'x2']);
    });
  });
});
