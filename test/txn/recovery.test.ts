/**
 * Recovery: producer state rebuilt from snapshots and the log tail after kill -9, open transactions still
 * holding the LSO, and transactions caught between Prepare and Complete finished at startup.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch, decodeBatches, encodeRecords } from '../../src/protocol/records/batch.js';
import { appendToLog } from '../../src/broker/coordinator/runtime.js';
import { TXN_TOPIC } from '../../src/broker/txn/coordinator.js';
import { txnKey, txnValue } from '../../src/broker/txn/records.js';
import { DescribeTransactions } from '../../src/protocol/messages/describe-transactions.js';
import { startBrokerProcess, startTestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { addPartitions, batch, createTopic, endTxn, fetchOne, initPid, produce } from './helpers.js';

async function committedValues(c: RawClient, topic: string): Promise<string[]> {
  const f = await fetchOne(c, topic, 0, 0, 1);
  const abortedPids = new Set((f.abortedTransactions ?? []).map((a) => a.producerId));
  const out: string[] = [];
  for (const b of await decodeBatches(f.records)) {
    if (b.header.isControl || (b.header.isTransactional && abortedPids.has(b.header.producerId))) continue;
    for (const r of b.records) out.push(r.value!.toString());
  }
  return out;
}

test('kill -9: retried batches are still recognised and an open transaction still holds the LSO', async () => {
  const config = { 'log.segment.bytes': '4096', 'log.flush.interval.messages': '1000000' };
  const p1 = await startBrokerProcess({ config });
  let dir = p1.dataDir;
  let c = await RawClient.connect(p1.port);
  const pid = await initPid(c);
  await createTopic(c, 'k9');
  const offsets: number[] = [];
  const pad = 'x'.repeat(300);
  for (let s = 0; s < 40; s++)
    offsets.push((await produce(c, 'k9', 0, await batch(pid, s, [`${s}${pad}`]))).baseOffset);
  await createTopic(c, 'k9-txn');
  const tid = 'k9-tid';
  const tp = await initPid(c, tid);
  await addPartitions(c, tid, tp, 'k9-txn', [0]);
  await produce(c, 'k9-txn', 0, await batch(tp, 0, ['in-flight'], true), tid);
  c.close();
  p1.kill('SIGKILL');
  await p1.exited;
  const snaps = readdirSync(join(dir, 'k9-0')).filter((n) => n.endsWith('.snapshot'));
  assert.ok(snaps.length > 0, 'segment rolls wrote producer snapshots');

  const p2 = await startBrokerProcess({ config, dataDir: dir });
  try {
    c = await RawClient.connect(p2.port);
    for (let s = 35; s < 40; s++) {
      const r = await produce(c, 'k9', 0, await batch(pid, s, [`${s}${pad}`]));
      assert.deepEqual([r.errorCode, r.baseOffset], [0, offsets[s]], `retry of sequence ${s} after kill -9`);
    }
    assert.equal(
      (await produce(c, 'k9', 0, await batch(pid, 41, ['gap']))).errorCode,
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    assert.equal((await produce(c, 'k9', 0, await batch(pid, 40, ['next']))).baseOffset, 40);
    const f = await fetchOne(c, 'k9-txn', 0, 0, 1);
    assert.equal(f.lastStableOffset, 0, 'the open transaction survived the crash');
    assert.equal(await endTxn(c, tid, tp, true), 0);
    assert.deepEqual(await committedValues(c, 'k9-txn'), ['in-flight']);
    c.close();
  } finally {
    dir = p2.dataDir;
    await p2.cleanup();
    await p1.cleanup();
  }
});

test('a transaction left in PrepareCommit is completed at startup, with its staged offsets', async () => {
  const tb = await startTestBroker();
  const c = await RawClient.connect(tb.port);
  await createTopic(c, 'prep');
  const tid = 'prep-tid';
  const tp = await initPid(c, tid);
  await addPartitions(c, tid, tp, 'prep', [0]);
  await produce(c, 'prep', 0, await batch(tp, 0, ['p1', 'p2'], true), tid);
  // What a crash right after the PrepareCommit record leaves behind: that record, and no markers.
  const meta = tb.broker.txn.get(tid)!;
  const stagedValue = { offset: 9, leaderEpoch: -1, metadata: '', commitTimestamp: Date.now() };
  const prepared = txnValue({
    ...meta,
    state: 'PrepareCommit',
    offsets: new Map([['prep-group', [{ topic: 'prep', partition: 0, value: stagedValue }]]]),
  });
  const stateLog = tb.broker.topics.partition(TXN_TOPIC, tb.broker.txn.partitionFor(tid))!;
  const enc = encodeRecords([{ key: txnKey(tid), value: prepared }], Date.now());
  const header = {
    recordCount: 1,
    lastOffsetDelta: 0,
    baseTimestamp: enc.baseTimestamp,
    maxTimestamp: enc.maxTimestamp,
  };
  appendToLog(stateLog, buildBatch(header, enc.data));
  assert.equal((await fetchOne(c, 'prep', 0, 0, 1)).lastStableOffset, 0);
  c.close();
  await tb.broker.close();

  const tb2 = await startTestBroker({ dataDir: tb.dataDir });
  const c2 = await RawClient.connect(tb2.port);
  try {
    assert.deepEqual(await committedValues(c2, 'prep'), ['p1', 'p2']);
    const d = (await c2.send(DescribeTransactions, 0, { transactionalIds: [tid] })) as any;
    assert.equal(d.transactionStates[0].transactionState, 'CompleteCommit');
    assert.equal(tb2.broker.groups.committedOffset('prep-group', 'prep', 0)?.offset, 9);
  } finally {
    c2.close();
    await tb2.stop();
    await tb.stop();
  }
});
