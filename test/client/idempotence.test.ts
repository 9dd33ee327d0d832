/**
 * The idempotent producer: producer id and epoch from InitProducerId, sequences per partition, retries that the
 * broker recognises as duplicates, order kept with several batches in flight, and a new epoch (KIP-360) when the
 * broker says it does not know the producer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Consumer } from '../../src/client/consumer.js';
import { ErrorCode } from '../../src/client/errors.js';
import { Producer } from '../../src/client/producer.js';
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { startFaultProxy } from './proxy.js';
import { createTopic, take, topicName } from './helpers.js';

async function readAll(bootstrap: string, topic: string, partitions: number, count: number) {
  const c = new Consumer<string | null, string | null>({
    bootstrapServers: bootstrap,
    autoOffsetReset: 'earliest',
    keyDeserializer: (b) => (b === null ? null : b.toString()),
    valueDeserializer: (b) => (b === null ? null : b.toString()),
  });
  c.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const got = await take(c, count);
  // Nothing more after a short wait: a duplicate would show up here.
  const extra = await take(c, 1, 600).catch(() => []);
  await c.close();
  return [...got, ...extra];
}

describe('idempotent producer', () => {
  let b: TestBroker;
  let supported = false;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
    const p = new Producer({ bootstrapServers: b.bootstrap });
    supported = await p.cluster.supports(InitProducerId);
    await p.close();
  });
  after(async () => {
    await b.stop();
  });

  test('is idempotent by default when the broker offers InitProducerId', async (t) => {
    if (!supported) return t.skip('no InitProducerId');
    const topic = topicName('idem-default');
    await createTopic(b.bootstrap, topic, 1);
    const p = new Producer({ bootstrapServers: b.bootstrap });
    await p.send({ topic, value: 'x' });
    assert.ok(p.idempotent);
    assert.ok(p.producerId >= 0);
    assert.ok(p.producerEpoch >= 0);
    await p.close();
    const acks1 = new Producer({ bootstrapServers: b.bootstrap, acks: 1 });
    await acks1.send({ topic, value: 'y' });
    assert.equal(acks1.idempotent, false, 'acks=1 turns idempotence off');
    await acks1.close();
  });

  for (const idempotent of [true, false]) {
    test(`a dropped Produce answer and a retry: ${idempotent ? 'stored once' : 'stored twice without idempotence'}`, async (t) => {
      if (!supported) return t.skip('no InitProducerId');
      const topic = topicName('idem-drop');
      await createTopic(b.bootstrap, topic, 1);
      const proxy = await startFaultProxy(b.port, (n) => (n === 0 ? 'drop-response' : 'forward'));
      const p = new Producer({
        bootstrapServers: proxy.bootstrap,
        idempotent,
        requestTimeoutMs: 500,
        retryBackoffMs: 10,
      });
      const m = await p.send({ topic, key: 'k', value: 'once' });
      await p.close();
      await proxy.close();
      assert.equal(proxy.produceSeen, 2, 'the batch was sent twice');
      const got = await readAll(b.bootstrap, topic, 1, 1);
      if (idempotent) {
        assert.equal(m.offset, 0, 'the retry is answered with the offset of the first write');
        assert.deepEqual(
          got.map((r) => r.value),
          ['once'],
        );
      } else {
        assert.deepEqual(
          got.map((r) => r.value),
          ['once', 'once'],
        );
      }
    });
  }

  test('several batches in flight per partition, an answer dropped mid-stream: every record once, in order', async (t) => {
    if (!supported) return t.skip('no InitProducerId');
    const topic = topicName('idem-inflight');
    await createTopic(b.bootstrap, topic, 2);
    // The third and seventh Produce answers are lost; later batches in flight behind them get
    // OUT_OF_ORDER_SEQUENCE_NUMBER or are written, and everything is retried in sequence order.
    const proxy = await startFaultProxy(b.port, (n) => (n === 2 || n === 6 ? 'drop-response' : 'forward'));
    const p = new Producer<string, string>({
      bootstrapServers: proxy.bootstrap,
      requestTimeoutMs: 800,
      retryBackoffMs: 10,
      batchSize: 400,
      lingerMs: 0,
      maxInFlightRequests: 5,
    });
    const N = 600;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) sends.push(p.send({ topic, partition: i % 2, key: `k${i}`, value: `v${i}` }));
    await Promise.all(sends);
    await p.close();
    await proxy.close();
    assert.ok(proxy.produceSeen > 10, `expected many Produce requests, saw ${proxy.produceSeen}`);
    const got = await readAll(b.bootstrap, topic, 2, N);
    assert.equal(got.length, N, 'no duplicates and nothing lost');
    for (const part of [0, 1]) {
      const values = got.filter((r) => r.partition === part).map((r) => Number(r.value!.slice(1)));
      const expected = Array.from({ length: N / 2 }, (_, j) => 2 * j + part);
      assert.deepEqual(values, expected, `partition ${part} holds its records once and in send order`);
    }
  });

  test('UNKNOWN_PRODUCER_ID bumps the epoch (KIP-360) and the batch is delivered once', async (t) => {
    if (!supported) return t.skip('no InitProducerId');
    const topic = topicName('idem-bump');
    await createTopic(b.bootstrap, topic, 1);
    const p0 = new Producer({ bootstrapServers: b.bootstrap });
    await p0.send({ topic, value: 'before' });
    await p0.close();
    const proxy = await startFaultProxy(b.port, (n) => (n === 1 ? ErrorCode.UNKNOWN_PRODUCER_ID : 'forward'));
    const p = new Producer({ bootstrapServers: proxy.bootstrap, retryBackoffMs: 10 });
    await p.send({ topic, value: 'first' });
    const epoch = p.producerEpoch;
    const pid = p.producerId;
    const m = await p.send({ topic, value: 'second' });
    assert.equal(p.producerId, pid, 'same producer id');
    assert.equal(p.producerEpoch, epoch + 1, 'next epoch');
    assert.equal(m.offset, 2);
    // Sequences restarted with the new epoch: more records go through.
    await Promise.all([p.send({ topic, value: 'third' }), p.send({ topic, value: 'fourth' })]);
    await p.close();
    await proxy.close();
    const got = await readAll(b.bootstrap, topic, 1, 5);
    assert.deepEqual(
      got.map((r) => r.value),
      ['before', 'first', 'second', 'third', 'fourth'],
    );
  });

  test('maxRequestSize: a record larger than one request is refused without being sent', async (t) => {
    const topic = topicName('maxreq');
    await createTopic(b.bootstrap, topic, 1);
    const p = new Producer({ bootstrapServers: b.bootstrap, maxRequestSize: 10_000 });
    await assert.rejects(
      p.send({ topic, value: Buffer.alloc(20_000) }),
      (e: unknown) => (e as { code: number }).code === ErrorCode.MESSAGE_TOO_LARGE,
    );
    // Smaller records still go, and many of them are split over requests within the limit.
    const ms = await Promise.all(Array.from({ length: 20 }, (_, i) => p.send({ topic, value: Buffer.alloc(3000, i) })));
    assert.deepEqual(
      ms.map((m) => m.offset).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i),
    );
    await p.close();
    void t;
  });
});
