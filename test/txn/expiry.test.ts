/** Idle transactional ids and producer ids expire (transactional.id.expiration.ms, producer.id.expiration.ms). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeProducers } from '../../src/protocol/messages/describe-producers.js';
import { DescribeTransactions } from '../../src/protocol/messages/describe-transactions.js';
import { startTestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { batch, createTopic, initPid, produce } from './helpers.js';

const TRANSACTIONAL_ID_NOT_FOUND = 105;

test('an idle transactional id is forgotten, durably; an idle producer loses its state', async () => {
  const config = { 'transactional.id.expiration.ms': '60000', 'producer.id.expiration.ms': '60000' };
  const first = await startTestBroker({ config });
  let tb = first;
  let c = await RawClient.connect(tb.broker.port);
  const describe = async (tid: string) =>
    (await c.send(DescribeTransactions, 0, { transactionalIds: [tid] })).transactionStates[0]!.errorCode;
  try {
    const tid = 'idle-' + Date.now();
    const pid = await initPid(c, tid);
    assert.equal(pid.errorCode, 0);
    assert.equal(await describe(tid), 0);
    // Not yet idle long enough: kept.
    assert.equal(tb.broker.txn.expireTransactionalIds(Date.now()), 0);
    assert.equal(await describe(tid), 0);
    // Past the expiration: forgotten, and a tombstone keeps it forgotten across a restart.
    assert.equal(tb.broker.txn.expireTransactionalIds(Date.now() + 61_000), 1);
    assert.equal(await describe(tid), TRANSACTIONAL_ID_NOT_FOUND);

    await createTopic(c, 'idle-producer');
    const idem = await initPid(c);
    await produce(c, 'idle-producer', 0, await batch(idem, 0, ['a']));
    const producers = async () =>
      (
        await c.send(DescribeProducers, 0, { topics: [{ name: 'idle-producer', partitionIndexes: [0] }] })
      ).topics[0]!.partitions[0]!.activeProducers.map((p) => p.producerId);
    assert.deepEqual(await producers(), [idem.producerId]);
    assert.equal(tb.broker.txn.expireProducers(Date.now()), 0);
    assert.ok(tb.broker.txn.expireProducers(Date.now() + 61_000) >= 1);
    assert.deepEqual(await producers(), []);

    c.close();
    await tb.broker.close();
    tb = await startTestBroker({ config, dataDir: first.dataDir });
    c = await RawClient.connect(tb.broker.port);
    assert.equal(await describe(tid), TRANSACTIONAL_ID_NOT_FOUND, 'still forgotten after a restart');
  } finally {
    c.close();
    await tb.stop();
    await first.stop();
  }
});
