/**
 * The mechanism behind the duplicates the etcd-restart fault found (docs/cluster.md, "Failure behaviour"), made
 * deterministic on three in-process brokers: KafkaJS 2.2.4's idempotent producer, in one send spanning two
 * leaders, retries as soon as one leader fails, while the other leader's request is still waiting for acks=all.
 * The retry builds a new request for that leader, which waits for the client's per-broker lock; when the first
 * request then succeeds, the client advances the partition's sequence and the retry sends the same records again
 * under the next sequence number. To the broker (any Kafka broker) that is a new batch, in sequence, so it is
 * appended: the records are in the log twice, and the client reports the second copy's offset.
 *
 * The test shows the broker side is right (the second copy carries the next sequence number, not the first
 * one's: the broker's duplicate detection was not at fault; the fault runs' duplicates had the same signature),
 * and that the fault harness's writer, which sends each partition on its own (test/helpers/faults.ts,
 * `sendPerPartition`), writes every record once in the same situation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka as KafkaType, Producer } from 'kafkajs';
import { readBatchHeader } from '../../src/protocol/records/batch.js';
import { LOG_OVERHEAD } from '../../src/protocol/records/layout.js';
import { requireClient, uniqueTopic } from '../helpers/clients.js';
import { sendPerPartition } from '../helpers/faults.js';
import { type ReplicatedCluster, withCluster } from '../helpers/replicated.js';

async function makeKafka(bootstrap: string): Promise<KafkaType> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId: 'samsa-resend-kafkajs',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

/** KafkaJS's idempotent producer, one request in flight per connection (as the fault writer has it). */
const idempotentProducer = (kafka: KafkaType): Producer =>
  kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });

/**
 * Runs `fn` with Math.random returning 0, which makes KafkaJS's random pick of the broker it refreshes metadata
 * from fall on the connected broker with the highest node id first (its shuffle then moves the lowest id, broker
 * 1, to the end). A broker answers requests on a connection in order, so a Metadata request sent to broker 1
 * waits behind the produce waiting there, and the retry would come after it; that pick is what made the flaw
 * show in only some fault runs. Pinned, the race goes the same way every time.
 */
async function withClientRandomPinned<T>(fn: () => Promise<T>): Promise<T> {
  const random = Math.random;
  Math.random = () => 0;
  try {
    return await fn();
  } finally {
    Math.random = random;
  }
}

interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

/** Batch headers of partition `index` as broker `id` stores them. */
function batchesOn(c: ReplicatedCluster, id: number, topic: string, index: number): StoredBatch[] {
  const log = c.broker(id).replicas.get(topic, index)!.log;
  const out: StoredBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 1 << 20);
    if (r.errorCode !== 0 || r.records.length === 0) break;
    for (let pos = 0; pos + LOG_OVERHEAD <= r.records.length; ) {
      const h = readBatchHeader(r.records, pos);
      out.push({
        baseOffset: h.baseOffset,
        lastOffset: h.baseOffset + h.lastOffsetDelta,
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence,
      });
      offset = h.baseOffset + h.lastOffsetDelta + 1;
      pos += LOG_OVERHEAD + h.length;
    }
  }
  return out;
}

/**
 * Sets up the race: partition 0 led by broker 1 with broker 2 its only follower, partition 1 led by broker 3 with
 * broker 1 its follower (min.insync.replicas 1); the producer learns these leaders; then broker 2 stops (so an
 * acks=all produce to partition 0 waits until broker 1 drops it from the ISR, about replica.lag.time.max.ms) and
 * partition 1 moves to broker 1 without the client knowing (so broker 3 answers NOT_LEADER_OR_FOLLOWER at once).
 */
async function race(c: ReplicatedCluster, topic: string, producer: Producer): Promise<void> {
  await c.createTopic(topic, 2, {
    replicationFactor: 2,
    leaders: [1, 3],
    configs: { 'min.insync.replicas': '1' },
  });
  await producer.connect();
  const warm = await sendPerPartition(producer, topic, [
    { partition: 0, value: 'warm-0' },
    { partition: 1, value: 'warm-1' },
  ]);
  assert.deepEqual(warm.errors, []);
  await c.waitInSync(topic, 0);
  await c.waitInSync(topic, 1);
  await c.stop(2, { elect: false });
  await c.elect(topic, 1, { leader: 1 });
}

const batchOf = (partition: number) =>
  Array.from({ length: 5 }, (_, i) => ({ partition, value: `p${partition}-${i}` }));

test('KafkaJS 2.2.4: one send over two leaders, one failing while the other waits for acks=all, writes records twice under a new sequence number', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  await withCluster(async (c) => {
    const topic = uniqueTopic('resend');
    const kafka = await makeKafka(c.bootstrap());
    const producer = idempotentProducer(kafka);
    try {
      await race(c, topic, producer);
      const started = Date.now();
      const meta = await withClientRandomPinned(() =>
        producer.send({ topic, acks: -1, timeout: 10_000, messages: [...batchOf(0), ...batchOf(1)] }),
      );
      const tookMs = Date.now() - started;
      const p0 = meta.find((m) => m.partition === 0);
      assert.equal(p0?.errorCode, 0, `partition 0 acknowledged (${JSON.stringify(meta)})`);

      const stored = batchesOn(c, 1, topic, 0);
      // warm-0, then the five records, then the same five again: the client reported the second copy's offset.
      assert.deepEqual(
        stored.map((b) => [b.baseOffset, b.lastOffset]),
        [
          [0, 0],
          [1, 5],
          [6, 10],
        ],
        `stored batches of partition 0 (send took ${tookMs} ms): ${JSON.stringify(stored)}`,
      );
      assert.equal(Number(p0!.baseOffset), 6, 'the client was answered with the second copy');
      const [warm, first, second] = stored as [StoredBatch, StoredBatch, StoredBatch];
      // One producer, one epoch, and the second copy under the *next* sequence number: to the broker it is a new
      // batch, in sequence; a retry of the first would have carried sequence 1 and been answered as a duplicate.
      assert.deepEqual(
        [warm, first, second].map((b) => [b.producerId, b.producerEpoch]),
        Array(3).fill([warm.producerId, warm.producerEpoch]),
      );
      assert.deepEqual(
        [warm.baseSequence, first.baseSequence, second.baseSequence],
        [0, 1, 6],
        'sequences: the second copy was sent as new records',
      );
    } finally {
      await producer.disconnect();
    }
  });
});

test('the fault writer (one send per partition) writes every record once in the same race', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  await withCluster(async (c) => {
    const topic = uniqueTopic('resend-per-partition');
    const kafka = await makeKafka(c.bootstrap());
    const producer = idempotentProducer(kafka);
    try {
      await race(c, topic, producer);
      const { meta, errors } = await withClientRandomPinned(() =>
        sendPerPartition(producer, topic, [...batchOf(0), ...batchOf(1)]),
      );
      assert.deepEqual(errors, []);
      assert.deepEqual(
        meta.map((m) => [m.partition, m.errorCode, Number(m.baseOffset)]).sort(),
        [
          [0, 0, 1],
          [1, 0, 1],
        ],
        JSON.stringify(meta),
      );
      for (const [partition, leader] of [
        [0, 1],
        [1, 1],
      ] as const) {
        const stored = batchesOn(c, leader, topic, partition);
        assert.deepEqual(
          stored.map((b) => [b.baseOffset, b.lastOffset, b.baseSequence]),
          [
            [0, 0, 0],
            [1, 5, 1],
          ],
          `partition ${partition}: every record once`,
        );
      }
    } finally {
      await producer.disconnect();
    }
  });
});
