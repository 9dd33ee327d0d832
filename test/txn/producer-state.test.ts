/** ProducerStateManager, snapshots, the abort index and PartitionLog's use of them, without a broker. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { fdatasync as fdatasyncCb, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { createStorageContext, PartitionLog, StorageError } from '../../src/storage/partition-log.js';
import { ProducerStateManager } from '../../src/storage/producer-state.js';
import { TxnIndex } from '../../src/storage/txn-index.js';
import { markerBatch } from '../../src/protocol/records/control.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-pstate-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('check: duplicates among the last five batches, gaps, epochs, sequence wrap-around', () => {
  const m = new ProducerStateManager();
  assert.equal(m.check(1, 0, 3, 3, false).kind, 'error');
  for (let i = 0; i < 7; i++) m.onBatch(1, 0, i * 2, i * 2 + 1, i * 10, i * 10 + 1, 1000, false);
  const dup = m.check(1, 0, 8, 9, false);
  assert.deepEqual(dup, {
    kind: 'duplicate',
    batch: { firstSeq: 8, lastSeq: 9, firstOffset: 40, lastOffset: 41, timestamp: 1000 },
  });
  const tooOld = m.check(1, 0, 2, 3, false);
  assert.equal(tooOld.kind === 'error' && tooOld.code, 45, 'only five batches are remembered');
  assert.equal(m.check(1, 0, 14, 14, false).kind, 'ok');
  m.onBatch(2, 3, 2147483646, 2147483647, 100, 101, 1000, false);
  assert.equal(m.check(2, 3, 0, 4, false).kind, 'ok', 'sequence 0 follows INT32_MAX');
  const older = m.check(2, 2, 0, 0, false);
  assert.equal(older.kind === 'error' && older.code, 47);
});

test('transactions: LSO from the oldest open transaction, markers complete them; snapshots round-trip', () => {
  const m = new ProducerStateManager();
  m.onBatch(5, 0, 0, 1, 10, 11, 1, true);
  m.onBatch(6, 0, 0, 0, 12, 12, 1, true);
  assert.equal(m.firstUnstableOffset(), 10);
  const n = m.check(5, 0, 2, 2, false);
  assert.equal(n.kind === 'error' && n.code, 48, 'non-transactional write inside an open transaction');
  assert.deepEqual(m.onMarker(5, 0, 13, false, 0, 2), {
    producerId: 5,
    firstOffset: 10,
    lastOffset: 13,
    aborted: true,
  });
  assert.equal(m.firstUnstableOffset(), 12);
  const copy = new ProducerStateManager();
  copy.loadSnapshot(m.encodeSnapshot());
  assert.equal(copy.firstUnstableOffset(), 12);
  assert.deepEqual(copy.check(6, 0, 0, 0, true).kind, 'duplicate');
  // producer.id.expiration.ms: idle producers go, producers with an open transaction stay
  m.onBatch(8, 0, 0, 0, 20, 20, 1, false);
  assert.equal(m.removeExpired(1000, 500), 2);
  assert.deepEqual([...m.producers.keys()], [6]);
  const bad = m.encodeSnapshot();
  bad[bad.length - 1] ^= 1;
  assert.throws(() => copy.loadSnapshot(bad), /checksum/);
});

test('abort index: Kafka layout, torn tails ignored, truncation', async () => {
  await withDir(async (dir) => {
    const ti = new TxnIndex(dir, 0);
    ti.append({ producerId: 1, firstOffset: 0, lastOffset: 5, lastStableOffset: 6 });
    ti.append({ producerId: 2, firstOffset: 3, lastOffset: 9, lastStableOffset: 10 });
    // a crash in the middle of an append leaves a partial entry
    writeFileSync(ti.path, Buffer.concat([readFileSync(ti.path), Buffer.alloc(7, 1)]));
    const again = new TxnIndex(dir, 0);
    assert.deepEqual(
      again.entries().map((e) => e.producerId),
      [1, 2],
    );
    again.append({ producerId: 3, firstOffset: 11, lastOffset: 12, lastStableOffset: 13 });
    assert.deepEqual(
      new TxnIndex(dir, 0).entries().map((e) => e.producerId),
      [1, 2, 3],
    );
    again.truncateTo(9);
    assert.deepEqual(
      new TxnIndex(dir, 0).entries().map((e) => e.lastOffset),
      [5],
    );
  });
});

test('PartitionLog: duplicate appends return the original offsets; aborted transactions are collected; state reloads', async () => {
  await withDir(async (dir) => {
    const ldir = join(dir, 't-0');
    const b = (seq: number, v: string, txn = false) =>
      encodeBatch({
        records: [{ key: null, value: v }],
        producerId: 7,
        producerEpoch: 0,
        baseSequence: seq,
        transactional: txn,
      });
    let log = PartitionLog.open(ldir);
    assert.equal(log.appendAsLeader(await b(0, 'a')).baseOffset, 0);
    const dup = log.appendAsLeader(await b(0, 'a'));
    assert.deepEqual([dup.baseOffset, dup.duplicate], [0, true]);
    assert.equal(log.logEndOffset, 1);
    assert.throws(
      () => log.appendAsLeader(encodeBatchSync()),
      (e: unknown) => e instanceof StorageError,
    );
    log.appendAsLeader(await b(1, 't1', true));
    assert.equal(log.lastStableOffset, 1);
    log.appendAsLeader(markerBatch(7, 0, false, 0));
    assert.equal(log.lastStableOffset, 3);
    assert.deepEqual(log.collectAbortedTxns(0, 3), [
      { producerId: 7, firstOffset: 1, lastOffset: 2, lastStableOffset: 3 },
    ]);
    assert.deepEqual(log.collectAbortedTxns(3, 4), []);
    log.appendAsLeader(await b(2, 't2', true));
    log.close();
    assert.ok(readdirSync(ldir).some((n) => n.endsWith('.snapshot')));
    log = PartitionLog.open(ldir, { cleanShutdown: true, recoveryPoint: 4 });
    assert.equal(log.lastStableOffset, 3, 'the open transaction is known after a clean restart');
    assert.equal(log.appendAsLeader(await b(2, 't2', true)).duplicate, true);
    log.close();
    // without snapshots (as after a crash before any was written) the log itself is replayed
    for (const n of readdirSync(ldir)) if (n.endsWith('.snapshot')) await rm(join(ldir, n));
    log = PartitionLog.open(ldir);
    assert.equal(log.lastStableOffset, 3);
    assert.equal(log.collectAbortedTxns(0, 4).length, 1, 'replay does not duplicate abort index entries');
    log.close();
  });
});

test('abort index entries reach the disk with the log flush and before a producer snapshot', async () => {
  await withDir(async (dir) => {
    const ldir = join(dir, 't-0');
    const synced: string[] = [];
    const fdatasync = (fd: number) => {
      synced.push(readlinkSync(`/proc/self/fd/${fd}`));
      return new Promise<void>((res, rej) => fdatasyncCb(fd, (err) => (err ? rej(err) : res())));
    };
    const log = PartitionLog.open(ldir, { ctx: createStorageContext({ fdatasync }) });
    const txn = await encodeBatch({
      records: [{ key: null, value: 'x' }],
      producerId: 7,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: true,
    });
    log.appendAsLeader(txn);
    log.appendAsLeader(markerBatch(7, 0, false, 0));
    const index = join(ldir, '00000000000000000000.txnindex');
    await log.flush();
    assert.equal(synced.filter((p) => p === index).length, 1, `synced: ${synced.join(', ')}`);
    // nothing new in the index: the next flush leaves it alone
    log.appendAsLeader(await encodeBatch({ records: [{ key: null, value: 'y' }] }));
    await log.flush();
    assert.equal(synced.filter((p) => p === index).length, 1);
    // an abort followed at once by a snapshot (segment roll): the snapshot must not be on disk before the entry
    log.appendAsLeader(
      await encodeBatch({
        records: [{ key: null, value: 'z' }],
        producerId: 8,
        producerEpoch: 0,
        baseSequence: 0,
        transactional: true,
      }),
    );
    log.appendAsLeader(markerBatch(8, 0, false, 0));
    const ti = new TxnIndex(ldir, 0);
    assert.equal(ti.entries().length, 2);
    assert.equal(log.segmentsForCleaner()[0]!.txnIndex!.needsSync, true);
    log.takeProducerSnapshot();
    assert.equal(log.segmentsForCleaner()[0]!.txnIndex!.needsSync, false);
    log.close();
  });
});

function encodeBatchSync(): Buffer {
  // two producer batches in one append are refused
  const one = markerBatch(9, 0, true, 0);
  return Buffer.concat([one, one]);
}
