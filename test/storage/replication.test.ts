/**
 * The log as a replica, without sockets: follower appends keep the leader's offsets and epochs, truncation takes
 * producer state, abort indexes, the leader epoch cache and the high watermark back, and a high watermark that
 * lags the log end bounds what consumers read (read_committed by the last stable offset, itself bounded by it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { markerBatch } from '../../src/protocol/records/control.js';
import { LogManager, REPLICATION_OFFSET_CHECKPOINT } from '../../src/storage/log-manager.js';
import { PartitionLog, StorageError } from '../../src/storage/partition-log.js';
import { parseBatches, simpleBatch, withTempDir } from './helpers.js';

const T0 = 1_700_000_000_000;

function txnBatch(producerId: number, baseSequence: number, value = 'x'): Promise<Buffer> {
  return encodeBatch({
    records: [{ key: null, value }],
    producerId,
    producerEpoch: 0,
    baseSequence,
    transactional: true,
  });
}

/** A leader log with batches of 2, 3 (epoch 1) and 4 records (epoch 3): offsets 0-1, 2-4, 5-8. */
function leaderWithEpochs(dir: string): PartitionLog {
  const leader = PartitionLog.open(path.join(dir, 'leader-0'));
  leader.leaderEpoch = 1;
  leader.appendAsLeader(simpleBatch(2, T0));
  leader.appendAsLeader(simpleBatch(3, T0 + 1));
  leader.leaderEpoch = 3;
  leader.appendAsLeader(simpleBatch(4, T0 + 2));
  return leader;
}

/** Throws unless `fn` throws a StorageError with `code`. */
function assertStorageError(fn: () => unknown, code: number): void {
  assert.throws(fn, (e: unknown) => e instanceof StorageError && e.code === code);
}

test('a follower append keeps the leader offsets and epochs, byte for byte, and fills the epoch cache', () =>
  withTempDir((dir) => {
    const leader = leaderWithEpochs(dir);
    const bytes = leader.read(0, 1 << 20).records;
    const follower = PartitionLog.open(path.join(dir, 'follower-0'), { hwFollowsLeo: false });
    // two fetches: the first two batches, then the last one
    const first = parseBatches(bytes).slice(0, 2);
    const cut = first[0]!.size + first[1]!.size;
    const r1 = follower.appendAsFollower(Buffer.from(bytes.subarray(0, cut)));
    assert.deepEqual([r1.baseOffset, r1.lastOffset], [0, 4]);
    const r2 = follower.appendAsFollower(Buffer.from(bytes.subarray(cut)));
    assert.deepEqual([r2.baseOffset, r2.lastOffset], [5, 8]);
    assert.equal(follower.logEndOffset, 9);
    assert.deepEqual(follower.read(0, 1 << 20).records, bytes);
    assert.deepEqual(
      parseBatches(follower.read(0, 1 << 20).records).map((b) => [b.baseOffset, b.leaderEpoch]),
      [
        [0, 1],
        [2, 1],
        [5, 3],
      ],
    );
    assert.deepEqual(follower.epochCache.entries, leader.epochCache.entries);
    assert.deepEqual(follower.endOffsetForEpoch(1), { epoch: 1, endOffset: 5 });
    // the follower's own leader epoch is not stamped into anything
    assert.equal(follower.leaderEpoch, 0);
    // the high watermark does not follow the log end of a follower
    assert.equal(follower.highWatermark, 0);
    // and it all survives an unclean reopen (recovery rebuilds the epoch cache from the batches)
    follower.close();
    fs.rmSync(path.join(dir, 'follower-0', 'leader-epoch-checkpoint'));
    const again = PartitionLog.open(path.join(dir, 'follower-0'), { hwFollowsLeo: false });
    assert.deepEqual(again.epochCache.entries, leader.epochCache.entries);
    assert.deepEqual(again.read(0, 1 << 20).records, bytes);
    again.close();
    leader.close();
  }));

test('a follower append that overlaps the log or goes backwards is refused and writes nothing; a gap is kept', () =>
  withTempDir((dir) => {
    const leader = leaderWithEpochs(dir);
    const bytes = leader.read(0, 1 << 20).records;
    const [b0, b1, b2] = parseBatches(bytes);
    const batch = (i: number): Buffer => {
      const at = [0, b0!.size, b0!.size + b1!.size][i]!;
      return Buffer.from(bytes.subarray(at, at + [b0, b1, b2][i]!.size));
    };
    const follower = PartitionLog.open(path.join(dir, 'follower-0'), { hwFollowsLeo: false });
    follower.appendAsFollower(Buffer.concat([batch(0), batch(1)]));
    const size = follower.size;
    // starts before the log end (5): offsets 2-4 again
    assertStorageError(() => follower.appendAsFollower(batch(1)), ErrorCode.OFFSET_OUT_OF_RANGE);
    // out of order inside one append: 5-8 then 2-4
    assertStorageError(() => follower.appendAsFollower(Buffer.concat([batch(2), batch(1)])), ErrorCode.CORRUPT_MESSAGE);
    // a corrupted batch
    const bad = batch(2);
    bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
    assertStorageError(() => follower.appendAsFollower(bad), ErrorCode.CORRUPT_MESSAGE);
    assert.equal(follower.logEndOffset, 5);
    assert.equal(follower.size, size, 'nothing was written');
    assert.deepEqual(follower.epochCache.entries, [{ epoch: 1, startOffset: 0 }]);
    // offsets after a gap (batches the leader's cleaner removed) are kept as they are
    const later = batch(2);
    later.writeBigInt64BE(20n, 0);
    const r = follower.appendAsFollower(later);
    assert.deepEqual([r.baseOffset, r.lastOffset], [20, 23]);
    assert.equal(follower.logEndOffset, 24);
    assert.deepEqual(
      parseBatches(follower.read(5, 1 << 20).records).map((b) => b.baseOffset),
      [20],
    );
    assert.deepEqual(follower.epochCache.entries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 20 },
    ]);
    follower.close();
    leader.close();
  }));

test('truncation then re-append: a diverged suffix is replaced, the epoch cache and high watermark follow', () =>
  withTempDir((dir) => {
    const leader = leaderWithEpochs(dir);
    const follower = PartitionLog.open(path.join(dir, 'follower-0'), { hwFollowsLeo: false });
    follower.appendAsFollower(Buffer.from(leader.read(0, 1 << 20).records));
    follower.updateHighWatermark(9);
    assert.equal(follower.highWatermark, 9);
    // the leader of epoch 3 is gone; the new leader (epoch 4) kept only offsets 0-4
    follower.truncateTo(6);
    assert.equal(follower.logEndOffset, 5, 'cut at the start of the batch holding offset 6');
    assert.equal(follower.highWatermark, 5);
    assert.deepEqual(follower.epochCache.entries, [{ epoch: 1, startOffset: 0 }]);
    assert.equal(follower.read(5, 1 << 20).records.length, 0);
    const newLeader = PartitionLog.open(path.join(dir, 'new-leader-0'));
    newLeader.appendAsFollower(Buffer.from(leader.read(0, 1 << 20, { maxOffset: 5 }).records));
    newLeader.becomeLeader(4);
    // the new epoch is known before anything is appended in it
    assert.deepEqual(newLeader.endOffsetForEpoch(1), { epoch: 1, endOffset: 5 });
    assert.deepEqual(newLeader.endOffsetForEpoch(4), { epoch: 4, endOffset: 5 });
    newLeader.appendAsLeader(simpleBatch(2, T0 + 5));
    follower.appendAsFollower(Buffer.from(newLeader.read(5, 1 << 20).records));
    assert.equal(follower.logEndOffset, 7);
    assert.deepEqual(follower.epochCache.entries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 4, startOffset: 5 },
    ]);
    assert.deepEqual(follower.read(0, 1 << 20).records, newLeader.read(0, 1 << 20).records);
    // truncating below the first segment starts the log afresh there
    follower.truncateFullyAndStartAt(100);
    assert.deepEqual([follower.logStartOffset, follower.logEndOffset, follower.highWatermark], [100, 100, 100]);
    assert.deepEqual(follower.epochCache.entries, []);
    for (const l of [follower, newLeader, leader]) l.close();
  }));

test('truncating to the log end drops an epoch this replica led without appending anything (as Kafka does)', () =>
  withTempDir((dir) => {
    const leader = leaderWithEpochs(dir);
    const replica = PartitionLog.open(path.join(dir, 'replica-0'), { hwFollowsLeo: false });
    replica.appendAsFollower(Buffer.from(leader.read(0, 1 << 20).records));
    // it led epoch 5 for a moment and took nothing; the new leader (epoch 6) never heard of 5
    replica.becomeLeader(5);
    assert.equal(replica.epochCache.latestEpoch, 5);
    leader.becomeLeader(6);
    const answer = leader.endOffsetForEpoch(replica.epochCache.latestEpoch);
    assert.deepEqual(answer, { epoch: 3, endOffset: 9 }, 'the leader: your log diverges after epoch 3, at 9');
    replica.truncateTo(answer.endOffset);
    assert.equal(replica.logEndOffset, 9, 'nothing to cut');
    assert.deepEqual(
      replica.epochCache.entries.map((e) => e.epoch),
      [1, 3],
      'the empty epoch 5 went, so the next fetch names epoch 3 and goes on',
    );
    assert.deepEqual(leader.endOffsetForEpoch(replica.epochCache.latestEpoch), { epoch: 3, endOffset: 9 });
    for (const l of [replica, leader]) l.close();
  }));

test('a high watermark behind the log end bounds reads: read_uncommitted by it, read_committed by the LSO', () =>
  withTempDir(async (dir) => {
    const log = PartitionLog.open(path.join(dir, 'hw-0'), { hwFollowsLeo: false });
    for (let i = 0; i < 5; i++) log.appendAsLeader(simpleBatch(2, T0 + i)); // offsets 0-9
    assert.equal(log.highWatermark, 0);
    assert.equal(log.lastStableOffset, 0);
    assert.equal(log.read(0, 1 << 20, { isolation: 'high-watermark' }).records.length, 0);
    assert.equal(log.read(0, 1 << 20, { isolation: 'committed' }).records.length, 0);
    assert.equal(parseBatches(log.read(0, 1 << 20).records).length, 5, 'a follower fetch reads to the log end');
    assert.equal(log.updateHighWatermark(5), 5);
    // whole batches only: 0-1 and 2-3, not 4-5 which crosses the high watermark
    assert.deepEqual(
      parseBatches(log.read(0, 1 << 20, { isolation: 'high-watermark' }).records).map((b) => b.lastOffset),
      [1, 3],
    );
    assert.equal(log.read(0, 1 << 20).highWatermark, 5);
    // never beyond the log end, never backwards
    assert.equal(log.updateHighWatermark(50), 10);
    assert.equal(log.updateHighWatermark(3), 10);
    assert.equal(log.highWatermark, 10);
    // an open transaction at 10: the LSO stays there while the high watermark moves past it
    log.appendAsLeader(await txnBatch(7, 0, 't1')); // 10
    log.appendAsLeader(simpleBatch(2, T0 + 9)); // 11-12
    assert.equal(log.lastStableOffset, 10);
    log.updateHighWatermark(13);
    assert.equal(log.lastStableOffset, 10);
    assert.deepEqual(
      parseBatches(log.read(0, 1 << 20, { isolation: 'committed' }).records).map((b) => b.lastOffset),
      [1, 3, 5, 7, 9],
    );
    // (the transactional batch carries today's time: it started a new segment, and a read stays in one segment)
    assert.deepEqual(
      parseBatches(log.read(10, 1 << 20, { isolation: 'high-watermark' }).records).map((b) => b.lastOffset),
      [10, 12],
    );
    assert.equal(log.read(10, 1 << 20, { isolation: 'committed' }).records.length, 0);
    // the commit marker (13) completes the transaction, but the LSO still waits for the high watermark
    log.appendAsLeader(markerBatch(7, 0, true, 0));
    assert.equal(log.logEndOffset, 14);
    assert.equal(log.lastStableOffset, 13);
    log.updateHighWatermark(14);
    assert.equal(log.lastStableOffset, 14);
    assert.deepEqual(
      parseBatches(log.read(10, 1 << 20, { isolation: 'committed' }).records).map((b) => b.lastOffset),
      [10, 12, 13],
    );
    // a high watermark given at open is kept within [log start, log end]
    log.close();
    const again = PartitionLog.open(path.join(dir, 'hw-0'), { hwFollowsLeo: false, highWatermark: 12 });
    assert.equal(again.highWatermark, 12);
    again.close();
    const clamped = PartitionLog.open(path.join(dir, 'hw-0'), { hwFollowsLeo: false, highWatermark: 99 });
    assert.equal(clamped.highWatermark, 14);
    clamped.close();
  }));

test('producer state and the abort index follow truncation, and a follower rebuilds both from the batches', () =>
  withTempDir(async (dir) => {
    const leader = PartitionLog.open(path.join(dir, 'leader-0'));
    leader.appendAsLeader(await txnBatch(7, 0, 'a')); // 0
    leader.appendAsLeader(markerBatch(7, 0, false, 0)); // 1: abort
    leader.appendAsLeader(await txnBatch(8, 0, 'b')); // 2
    leader.appendAsLeader(await txnBatch(7, 1, 'c')); // 3
    assert.deepEqual(
      leader.collectAbortedTxns(0, 4).map((t) => [t.producerId, t.firstOffset, t.lastOffset]),
      [[7, 0, 1]],
    );
    assert.equal(leader.lastStableOffset, 2);

    // a follower learns the same from the batches alone
    const follower = PartitionLog.open(path.join(dir, 'follower-0'), { hwFollowsLeo: false });
    follower.appendAsFollower(Buffer.from(leader.read(0, 1 << 20).records));
    follower.updateHighWatermark(4);
    assert.deepEqual(follower.collectAbortedTxns(0, 4), leader.collectAbortedTxns(0, 4));
    assert.equal(follower.lastStableOffset, 2);
    assert.equal(follower.producers.producers.get(7)!.batches.at(-1)!.lastSeq, 1);

    // truncating before the abort marker: the transaction of 7 is open again and its abort entry is gone
    leader.truncateTo(1);
    assert.equal(leader.logEndOffset, 1);
    assert.deepEqual(leader.collectAbortedTxns(0, 10), []);
    assert.equal(fs.statSync(path.join(dir, 'leader-0', '00000000000000000000.txnindex')).size, 0);
    assert.equal(leader.lastStableOffset, 0);
    assert.equal(leader.producers.producers.has(8), false, 'producer 8 wrote only after the truncation point');
    assert.equal(leader.producers.producers.get(7)!.batches.at(-1)!.lastSeq, 0);
    // producer 8 starts again at sequence 0 (not a duplicate); producer 7 continues with 1
    assert.equal(leader.appendAsLeader(await txnBatch(8, 0, 'b2')).duplicate, undefined);
    assert.equal(leader.appendAsLeader(await txnBatch(7, 1, 'c2')).baseOffset, 2);
    const outOfOrder = await txnBatch(7, 5);
    assertStorageError(() => leader.appendAsLeader(outOfOrder), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    leader.appendAsLeader(markerBatch(7, 0, false, 0)); // 3: abort again
    assert.deepEqual(
      leader.collectAbortedTxns(0, 10).map((t) => [t.producerId, t.firstOffset, t.lastOffset]),
      [[7, 0, 3]],
    );
    // the same after an unclean reopen (snapshot-less replay)
    leader.close();
    for (const f of fs.readdirSync(path.join(dir, 'leader-0')))
      if (f.endsWith('.snapshot')) fs.rmSync(path.join(dir, 'leader-0', f));
    const reopened = PartitionLog.open(path.join(dir, 'leader-0'));
    assert.deepEqual(
      reopened.collectAbortedTxns(0, 10).map((t) => [t.producerId, t.firstOffset, t.lastOffset]),
      [[7, 0, 3]],
    );
    assert.equal(reopened.lastStableOffset, 1, 'producer 8 still has its transaction open at 1');
    reopened.close();
    follower.close();
  }));

test('with hwFollowsLeo off the log manager keeps each high watermark in replication-offset-checkpoint', () =>
  withTempDir(async (dir) => {
    const open = (): LogManager => {
      const m = new LogManager({ dataDir: dir, backgroundTasks: false, hwFollowsLeo: false });
      m.open();
      return m;
    };
    let mgr = open();
    const log = mgr.createLog('r', 0);
    for (let i = 0; i < 5; i++) log.appendAsLeader(simpleBatch(2, T0 + i));
    assert.equal(log.highWatermark, 0, 'appends do not move it');
    log.updateHighWatermark(4);
    await mgr.close();
    const text = fs.readFileSync(path.join(dir, REPLICATION_OFFSET_CHECKPOINT), 'utf8');
    assert.match(text, /^r 0 4$/m);
    mgr = open();
    assert.equal(mgr.getLog('r', 0)!.highWatermark, 4);
    assert.equal(mgr.getLog('r', 0)!.logEndOffset, 10);
    await mgr.close();
  }));
