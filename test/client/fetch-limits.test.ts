/**
 * Batches larger than the consumer's fetch limits are still consumed: the broker returns a whole first batch
 * only for the first partition of an answer, so for the others the consumer asks again with more room.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Consumer } from '../../src/client/consumer.js';
import { Producer } from '../../src/client/producer.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { createTopic, take, topicName } from './helpers.js';

describe('fetch limits', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
  });
  after(async () => {
    await b.stop();
  });

  test('batches larger than maxPartitionBytes and maxBytes, on several partitions, are all consumed', async () => {
    const topic = topicName('bigbatch');
    await createTopic(b.bootstrap, topic, 3);
    const p = new Producer({ bootstrapServers: b.bootstrap, compression: 'none' });
    const big = (n: number) => Buffer.alloc(200_000 + n, 65 + n);
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) sends.push(p.send({ topic, partition: 0, value: `small-${i}` }));
    for (const part of [1, 2]) {
      sends.push(p.send({ topic, partition: part, value: big(part) }));
      sends.push(p.send({ topic, partition: part, value: `after-${part}` }));
    }
    await Promise.all(sends);
    await p.close();
    const c = new Consumer({
      bootstrapServers: b.bootstrap,
      autoOffsetReset: 'earliest',
      maxPartitionBytes: 16 * 1024,
      maxBytes: 32 * 1024,
      maxWaitMs: 100,
    });
    c.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    const got = await take(c, 34, 15000);
    await c.close();
    assert.equal(got.filter((r) => r.partition === 0).length, 30);
    for (const part of [1, 2]) {
      const recs = got.filter((r) => r.partition === part);
      assert.equal(recs.length, 2);
      assert.ok(recs[0]!.value!.equals(big(part)), `the large record of partition ${part} arrived whole`);
      assert.equal(recs[1]!.value!.toString(), `after-${part}`);
    }
  });
});
