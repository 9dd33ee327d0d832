import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Consumer } from '../../src/client/consumer.js';
import { Producer, type CompressionName } from '../../src/client/producer.js';
import { partitionForKey } from '../../src/client/partitioner.js';
import { jsonDeserializer, jsonSerializer, stringDeserializer, stringSerializer } from '../../src/client/serde.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { createTopic, take, topicName } from './helpers.js';

describe('produce and consume', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
  });
  after(async () => {
    await b.stop();
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionName[]) {
    test(`round trip with keys, headers and timestamps (${codec})`, async () => {
      const topic = topicName(`rt-${codec}`);
      await createTopic(b.bootstrap, topic, 1);
      const producer = new Producer({ bootstrapServers: b.bootstrap, compression: codec, lingerMs: 2 });
      const base = 1_700_000_000_000;
      const sent = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          producer.send({
            topic,
            key: i % 10 === 0 ? null : `key-${i}`,
            value: i === 5 ? null : `value-${i}-${'z'.repeat(i % 50)}`,
            timestamp: base + i * 1000,
            headers:
              i % 2 === 0
                ? { trace: `t${i}`, empty: null }
                : [
                    { key: 'dup', value: 'a' },
                    { key: 'dup', value: Buffer.from([0, 1, 2]) },
                  ],
          }),
        ),
      );
      assert.deepEqual(
        sent.map((m) => m.offset),
        Array.from({ length: 200 }, (_, i) => i),
      );
      assert.equal(sent[7]!.timestamp, base + 7000);
      await producer.close();

      const consumer = new Consumer({ bootstrapServers: b.bootstrap, autoOffsetReset: 'earliest' });
      consumer.assign([{ topic, partition: 0 }]);
      const got = await take(consumer, 200);
      await consumer.close();
      got.forEach((r, i) => {
        assert.equal(r.offset, i);
        assert.equal(r.timestamp, base + i * 1000);
        assert.equal(r.timestampType, 'CreateTime');
        assert.equal(r.key?.toString() ?? null, i % 10 === 0 ? null : `key-${i}`);
        assert.equal(r.value?.toString() ?? null, i === 5 ? null : `value-${i}-${'z'.repeat(i % 50)}`);
        if (i % 2 === 0) {
          assert.deepEqual(
            r.headers.map((h) => [h.key, h.value?.toString() ?? null]),
            [
              ['trace', `t${i}`],
              ['empty', null],
            ],
          );
        } else {
          assert.deepEqual(
            r.headers.map((h) => [h.key, h.value]),
            [
              ['dup', Buffer.from('a')],
              ['dup', Buffer.from([0, 1, 2])],
            ],
          );
        }
      });
    });
  }

  test('keyed records land where the Java partitioner puts them; explicit partitions are kept', async () => {
    const topic = topicName('keyed');
    await createTopic(b.bootstrap, topic, 5);
    const producer = new Producer({ bootstrapServers: b.bootstrap });
    const metas = await Promise.all(
      Array.from({ length: 50 }, (_, i) => producer.send({ topic, key: `user-${i}`, value: 'v' })),
    );
    for (const [i, m] of metas.entries()) assert.equal(m.partition, partitionForKey(Buffer.from(`user-${i}`), 5));
    const explicit = await producer.send({ topic, key: 'user-1', value: 'v', partition: 3 });
    assert.equal(explicit.partition, 3);
    // A custom partitioner is consulted first.
    const custom = new Producer({ bootstrapServers: b.bootstrap, partitioner: () => 4 });
    assert.equal((await custom.send({ topic, key: 'x', value: 'y' })).partition, 4);
    await custom.close();
    // Null keys stick to one partition for a while instead of spreading.
    const unkeyed = await Promise.all(Array.from({ length: 20 }, () => producer.send({ topic, value: 'small' })));
    assert.equal(new Set(unkeyed.map((m) => m.partition)).size, 1);
    await producer.close();
  });

  test('typed serializers (JSON values, string keys) and the batch API', async () => {
    const topic = topicName('json');
    await createTopic(b.bootstrap, topic, 2);
    const producer = new Producer<string, { n: number; tags: string[] }>({
      bootstrapServers: b.bootstrap,
      keySerializer: stringSerializer as (k: string) => string,
      valueSerializer: jsonSerializer,
    });
    for (let i = 0; i < 40; i++) producer.produce({ topic, key: `k${i % 4}`, value: { n: i, tags: ['a', `${i}`] } });
    await producer.flush();
    await producer.close();
    const consumer = new Consumer<string | null, unknown>({
      bootstrapServers: b.bootstrap,
      autoOffsetReset: 'earliest',
      keyDeserializer: stringDeserializer,
      valueDeserializer: jsonDeserializer,
    });
    consumer.assign([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ]);
    const seen: Array<{ n: number }> = [];
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) {
        assert.equal(r.partition, batch.partition);
        assert.equal(partitionForKey(Buffer.from(r.key!), 2), r.partition);
        seen.push(r.value as { n: number });
      }
      assert.ok(batch.highWatermark > 0);
      if (seen.length >= 40) break;
    }
    assert.deepEqual(
      seen.map((v) => v.n).sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => i),
    );
    assert.equal(consumer.position({ topic, partition: 0 })! + consumer.position({ topic, partition: 1 })!, 40);
    await consumer.close();
  });

  test('seek, seekToEnd, seekToTimestamp, pause and resume', async () => {
    const topic = topicName('seek');
    await createTopic(b.bootstrap, topic, 1);
    const producer = new Producer({ bootstrapServers: b.bootstrap });
    const base = 1_600_000_000_000;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => producer.send({ topic, value: `${i}`, timestamp: base + i })),
    );
    const consumer = new Consumer({ bootstrapServers: b.bootstrap, autoOffsetReset: 'earliest' });
    const tp = { topic, partition: 0 };
    consumer.assign([tp]);
    consumer.seek(tp, 42);
    assert.equal((await take(consumer, 1))[0]!.offset, 42);
    consumer.seekToTimestamp(tp, base + 77);
    assert.equal((await take(consumer, 1))[0]!.offset, 77);
    consumer.pause([tp]);
    assert.deepEqual(consumer.paused(), [tp]);
    consumer.resume([tp]);
    assert.equal((await take(consumer, 1))[0]!.offset, 78);
    consumer.seekToEnd();
    const later = take(consumer, 1);
    await new Promise((r) => setTimeout(r, 300));
    await producer.send({ topic, value: 'after-end' });
    const [r] = await later;
    assert.equal(r!.offset, 100);
    assert.equal(r!.value!.toString(), 'after-end');
    const offs = await consumer.listOffsets([tp], -2);
    assert.equal(offs.get(`${topic}\u0000${0}`), 0);
    await consumer.close();
    await producer.close();
  });

  test('backpressure: an idle application stops fetching; the buffer stays bounded', async () => {
    const topic = topicName('bp');
    await createTopic(b.bootstrap, topic, 1);
    const producer = new Producer({ bootstrapServers: b.bootstrap, batchSize: 8 * 1024 });
    const value = Buffer.alloc(1000, 7);
    for (let i = 0; i < 3000; i++) producer.produce({ topic, value });
    await producer.flush();
    await producer.close();
    const consumer = new Consumer({
      bootstrapServers: b.bootstrap,
      autoOffsetReset: 'earliest',
      maxPartitionBytes: 32 * 1024,
      maxBufferedBytes: 16 * 1024,
    });
    consumer.assign([{ topic, partition: 0 }]);
    const it = consumer[Symbol.asyncIterator]();
    assert.equal((await it.next()).value.offset, 0);
    await new Promise((r) => setTimeout(r, 500));
    const idle = consumer.stats();
    // One answer sits in the buffer, undecoded; no further fetch was made while it waits.
    assert.ok(idle.fetchRequests <= 2, `fetches while idle: ${idle.fetchRequests}`);
    assert.ok(idle.bufferedBytes <= 48 * 1024, `buffered ${idle.bufferedBytes}`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(consumer.stats().fetchRequests, idle.fetchRequests);
    let n = 1;
    let last = 0;
    while (n < 3000) {
      const r = await it.next();
      assert.equal(r.value.offset, last + 1);
      last = r.value.offset;
      n++;
    }
    assert.ok(consumer.stats().fetchRequests > 20, 'fetching resumed as records were consumed');
    await consumer.close();
  });

  test('acks 0 and acks 1 deliver; flush reports a failure of records sent without callback', async () => {
    const topic = topicName('acks');
    await createTopic(b.bootstrap, topic, 1);
    const p0 = new Producer({ bootstrapServers: b.bootstrap, acks: 0 });
    const m0 = await p0.send({ topic, value: 'a0' });
    assert.equal(m0.offset, -1);
    await p0.close();
    const p1 = new Producer({ bootstrapServers: b.bootstrap, acks: 1 });
    const m1 = await p1.send({ topic, value: 'a1' });
    assert.equal(m1.offset, 1);
    p1.produce({ topic, value: 'bad', partition: 9 });
    await assert.rejects(p1.flush(), (e: Error & { code?: number }) => e.code === 3);
    await p1.close();
    const c = new Consumer({ bootstrapServers: b.bootstrap, autoOffsetReset: 'earliest' });
    c.assign([{ topic, partition: 0 }]);
    assert.deepEqual(
      (await take(c, 2)).map((r) => r.value!.toString()),
      ['a0', 'a1'],
    );
    await c.close();
  });

  test('read_committed consumer reads plain records (no transactions present)', async () => {
    const topic = topicName('rc');
    await createTopic(b.bootstrap, topic, 1);
    const p = new Producer({ bootstrapServers: b.bootstrap });
    await Promise.all([p.send({ topic, value: 'x' }), p.send({ topic, value: 'y' })]);
    await p.close();
    const c = new Consumer({
      bootstrapServers: b.bootstrap,
      autoOffsetReset: 'earliest',
      isolationLevel: 'read_committed',
    });
    c.assign([{ topic, partition: 0 }]);
    assert.deepEqual(
      (await take(c, 2)).map((r) => r.value!.toString()),
      ['x', 'y'],
    );
    await c.close();
  });
});
