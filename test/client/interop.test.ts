/**
 * Our producer and consumer against kafka-python and KafkaJS on the same topics: each reads what the other
 * wrote, with keys, headers and timestamps intact, and keyed records land on the same partitions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import kafkajs from 'kafkajs';

const { Kafka, logLevel, CompressionTypes } = kafkajs;
import { Consumer } from '../../src/client/consumer.js';
import { Producer, type CompressionName } from '../../src/client/producer.js';
import { partitionForKey } from '../../src/client/partitioner.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { requireClient, runPython } from '../helpers/clients.js';
import { createTopic, take, topicName } from './helpers.js';

const N = 60;
const BASE = 1_710_000_000_000;

async function produceOurs(bootstrap: string, topic: string, compression: CompressionName = 'none'): Promise<void> {
  const p = new Producer({ bootstrapServers: bootstrap, compression });
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      p.send({
        topic,
        key: `our-${i}`,
        value: `from-samsa-${i}`,
        timestamp: BASE + i,
        headers: { origin: 'samsa', i: `${i}` },
      }),
    ),
  );
  await p.close();
}

function checkOurs(
  records: Array<{
    partition: number;
    key: string | null;
    value: string | null;
    timestamp: number;
    headers: Array<[string, string | null]>;
  }>,
  partitions: number,
): void {
  assert.equal(records.length, N);
  const byKey = new Map(records.map((r) => [r.key, r]));
  for (let i = 0; i < N; i++) {
    const r = byKey.get(`our-${i}`);
    assert.ok(r, `record our-${i} missing`);
    assert.equal(r.value, `from-samsa-${i}`);
    assert.equal(r.timestamp, BASE + i);
    assert.deepEqual(r.headers, [
      ['origin', 'samsa'],
      ['i', `${i}`],
    ]);
    assert.equal(r.partition, partitionForKey(Buffer.from(`our-${i}`), partitions));
  }
}

describe('interop with kafka-python and KafkaJS', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
  });
  after(async () => {
    await b.stop();
  });

  for (const codec of ['none', 'gzip', 'lz4', 'zstd', 'snappy'] as CompressionName[]) {
    test(`kafka-python reads what our producer wrote (${codec})`, async (t) => {
      if (!requireClient(t, 'kafka-python')) return;
      const topic = topicName(`kp-read-${codec}`);
      await createTopic(b.bootstrap, topic, 3);
      await produceOurs(b.bootstrap, topic, codec);
      const { summary } = await runPython(
        '../../client/py/kp_client_interop.py',
        ['consume', b.bootstrap, topic, String(N)],
        { timeoutMs: 60_000 },
      );
      checkOurs(summary.records, 3);
    });
  }

  test('our consumer reads what kafka-python wrote', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    const topic = topicName('kp-write');
    await createTopic(b.bootstrap, topic, 3);
    const { summary } = await runPython(
      '../../client/py/kp_client_interop.py',
      ['produce', b.bootstrap, topic, String(N), 'gzip'],
      { timeoutMs: 60_000 },
    );
    assert.equal(summary.ok, true);
    // kafka-python's default partitioner is murmur2 too: same partitions as ours.
    for (const [i, p] of (summary.partitions as number[]).entries()) {
      assert.equal(p, partitionForKey(Buffer.from(`kp-${i}`), 3));
    }
    const c = new Consumer({ bootstrapServers: b.bootstrap, autoOffsetReset: 'earliest' });
    c.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    const got = await take(c, N);
    await c.close();
    const byKey = new Map(got.map((r) => [r.key!.toString(), r]));
    for (let i = 0; i < N; i++) {
      const r = byKey.get(`kp-${i}`)!;
      assert.equal(r.value!.toString(), `from-python-${i}`);
      assert.equal(r.timestamp, 1_500_000_000_000 + i);
      assert.deepEqual(
        r.headers.map((h) => [h.key, h.value!.toString()]),
        [
          ['origin', 'kafka-python'],
          ['i', `${i}`],
        ],
      );
    }
  });

  test('KafkaJS reads what our producer wrote', async () => {
    const topic = topicName('kjs-read');
    await createTopic(b.bootstrap, topic, 3);
    await produceOurs(b.bootstrap, topic, 'gzip');
    const kafka = new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING, clientId: 'kjs' });
    const consumer = kafka.consumer({ groupId: topicName('kjs-g') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: Array<{
      partition: number;
      key: string | null;
      value: string | null;
      timestamp: number;
      headers: Array<[string, string | null]>;
    }> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`KafkaJS read ${got.length} of ${N}`)), 30000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            got.push({
              partition,
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? null,
              timestamp: Number(message.timestamp),
              headers: Object.entries(message.headers ?? {}).map(([k, v]) => [k, v === undefined ? null : String(v)]),
            });
            if (got.length === N) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    checkOurs(got, 3);
  });

  test('our consumer reads what KafkaJS wrote', async () => {
    const topic = topicName('kjs-write');
    await createTopic(b.bootstrap, topic, 1);
    const kafka = new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING, clientId: 'kjs' });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: N }, (_, i) => ({
        key: `kjs-${i}`,
        value: `from-kafkajs-${i}`,
        timestamp: String(1_400_000_000_000 + i),
        headers: { origin: 'kafkajs', i: `${i}` },
      })),
    });
    await producer.disconnect();
    const c = new Consumer({ bootstrapServers: b.bootstrap, autoOffsetReset: 'earliest' });
    c.assign([{ topic, partition: 0 }]);
    const got = await take(c, N);
    await c.close();
    got.forEach((r, i) => {
      assert.equal(r.key!.toString(), `kjs-${i}`);
      assert.equal(r.value!.toString(), `from-kafkajs-${i}`);
      assert.equal(r.timestamp, 1_400_000_000_000 + i);
      assert.deepEqual(
        r.headers.map((h) => [h.key, h.value!.toString()]),
        [
          ['origin', 'kafkajs'],
          ['i', `${i}`],
        ],
      );
    });
  });
});
