/**
 * KafkaJS 2.2.4 against Samsa: idempotent producer, transactions committed and aborted, sendOffsets, and a
 * read_committed consumer that sees only committed records.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kafka as KafkaType } from 'kafkajs';
import { withBroker } from '../helpers/broker.js';
import { uniqueTopic } from '../helpers/clients.js';

async function makeKafka(bootstrap: string): Promise<KafkaType> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId: 'samsa-txn-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
}

/** Reads `topic` from the start with a fresh group until `expect` records arrived or `idleMs` passed without any. */
async function readAll(
  kafka: KafkaType,
  topic: string,
  readUncommitted: boolean,
  expect: number,
  idleMs = 3000,
): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: uniqueTopic('js-reader'), readUncommitted, maxWaitTimeInMs: 100 });
  const got: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push(message.value!.toString());
      last = Date.now();
    },
  });
  const start = Date.now();
  while (Date.now() - start < 30_000) {
    await new Promise((r) => setTimeout(r, 100));
    if (got.length >= expect && Date.now() - last > 500) break;
    if (got.length < expect && Date.now() - last > idleMs && Date.now() - start > idleMs) break;
  }
  await consumer.disconnect();
  return got;
}

describe('KafkaJS exactly-once', () => {
  test('idempotent producer: every record once, in order', async () => {
    await withBroker({ config: { 'num.partitions': '1' } }, async (b) => {
      const kafka = await makeKafka(b.bootstrap);
      const topic = uniqueTopic('js-idem');
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      for (let i = 0; i < 20; i++) {
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: 50 }, (_, j) => ({ value: `v${i * 50 + j}` })),
        });
      }
      await producer.disconnect();
      const got = await readAll(kafka, topic, false, 1000);
      assert.deepEqual(
        got,
        Array.from({ length: 1000 }, (_, i) => `v${i}`),
      );
    });
  });

  test('transactions: commit and abort; read_committed sees only committed records, read_uncommitted sees all', async () => {
    await withBroker({ config: { 'num.partitions': '2' } }, async (b) => {
      const kafka = await makeKafka(b.bootstrap);
      const topic = uniqueTopic('js-txn');
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      const producer = kafka.producer({
        transactionalId: uniqueTopic('js-tid'),
        maxInFlightRequests: 1,
        idempotent: true,
      });
      await producer.connect();
      const t1 = await producer.transaction();
      await t1.send({
        topic,
        messages: [
          { value: 'c1', partition: 0 },
          { value: 'c2', partition: 1 },
        ],
      });
      await t1.commit();
      const t2 = await producer.transaction();
      await t2.send({
        topic,
        messages: [
          { value: 'a1', partition: 0 },
          { value: 'a2', partition: 1 },
        ],
      });
      await t2.abort();
      const t3 = await producer.transaction();
      await t3.send({ topic, messages: [{ value: 'c3', partition: 0 }] });
      // offsets of a group staged in the transaction
      await t3.sendOffsets({
        consumerGroupId: 'js-offsets-group',
        topics: [{ topic, partitions: [{ partition: 0, offset: '42' }] }],
      });
      await t3.commit();
      await producer.disconnect();
      const committed = await readAll(kafka, topic, false, 3);
      const all = await readAll(kafka, topic, true, 5);
      assert.deepEqual(committed.sort(), ['c1', 'c2', 'c3']);
      assert.deepEqual(all.sort(), ['a1', 'a2', 'c1', 'c2', 'c3']);
      const offsets = await admin.fetchOffsets({ groupId: 'js-offsets-group', topics: [topic] });
      assert.equal(offsets[0]!.partitions.find((p) => p.partition === 0)!.offset, '42');
      await admin.disconnect();
    });
  });
});
