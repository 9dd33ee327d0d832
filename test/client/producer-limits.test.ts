/** Producer regressions: a full batch stays within batchSize; records sent before a topic's metadata arrives keep their order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Producer } from '../../src/client/producer.js';
import { startTestBroker } from '../helpers/broker.js';

test('a batch filled to batchSize (header included) is accepted by a broker with the same limit', async () => {
  const b = await startTestBroker();
  try {
    b.broker.topics.create('full', 1, 1, {});
    // 1 MiB batches against the topic default max.message.bytes of 1048588: the header must count in the limit.
    const producer = new Producer({ bootstrapServers: b.bootstrap, batchSize: 1048576, lingerMs: 50, acks: 1 });
    const value = 'x'.repeat(100);
    const sends = Array.from({ length: 30_000 }, () =>
      producer.send({ topic: 'full', partition: 0, key: null, value }),
    );
    const results = await Promise.allSettled(sends);
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(
      failed.length,
      0,
      `rejected: ${failed.length}, e.g. ${String((failed[0] as PromiseRejectedResult | undefined)?.reason)}`,
    );
    assert.equal(b.broker.topics.partition('full', 0)!.logEndOffset, 30_000);
    await producer.close();
  } finally {
    await b.stop();
  }
});

test('records produced while a new topic is being looked up keep their send order', async () => {
  const b = await startTestBroker();
  try {
    const producer = new Producer({ bootstrapServers: b.bootstrap, lingerMs: 1, acks: 1 });
    const offsets: number[] = [];
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < 5000; i++) {
      sends.push(
        producer
          .send({ topic: 'born-now', partition: 0, key: null, value: String(i) })
          .then((m) => void (offsets[i] = m.offset)),
      );
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(sends);
    const wrong = offsets.findIndex((o, i) => o !== i);
    assert.equal(wrong, -1, `record ${wrong} landed at offset ${offsets[wrong]}`);
    await producer.close();
  } finally {
    await b.stop();
  }
});
