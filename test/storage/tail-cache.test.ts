/**
 * The tail cache (src/storage/tail-cache.ts): reads at the log end come from the appended buffers and return
 * exactly what a read of the segment files returns, whatever the offset, byte limit, one-batch rule and upper
 * offset; rolls and truncation empty it; logs share one budget.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createStorageContext } from '../../src/storage/context.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { TailBudget } from '../../src/storage/tail-cache.js';
import { simpleBatch, withTempDir } from './helpers.js';

const T0 = 1_700_000_000_000;

/** A copy of `b` in a buffer of its own (as a produce request's or a fetch answer's batches are). */
function own(b: Buffer): Buffer {
  const o = Buffer.alloc(b.length);
  b.copy(o);
  return o;
}

/** What the segment files hold for this read (LocalLog.read without the cache). */
function fileRead(log: PartitionLog, offset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number) {
  const segs = log.segmentsForCleaner();
  let i = 0;
  while (i + 1 < segs.length && segs[i + 1]!.baseOffset <= offset) i++;
  for (; i < segs.length; i++) {
    const r = segs[i]!.read(offset, maxBytes, minOneBatch, maxOffset, log.config.indexIntervalBytes);
    if (r) return r;
  }
  return Buffer.alloc(0);
}

/** The log's own tail cache size. */
const cached = (log: PartitionLog) => (log as unknown as { local: { tail: { size: number } } }).local.tail.size;

function checkReads(log: PartitionLog): number {
  let compared = 0;
  const end = log.logEndOffset;
  for (let offset = Math.max(0, end - 120); offset < end; offset++) {
    for (const maxBytes of [0, 1, 100, 700, 2_000, 10_000, 1 << 20]) {
      for (const minOneBatch of [true, false]) {
        for (const maxOffset of [Number.MAX_SAFE_INTEGER, end - 3, offset + 1, offset]) {
          const got = log.read(offset, maxBytes, { minOneBatch, maxOffset }).records;
          const want = fileRead(log, offset, maxBytes, minOneBatch, maxOffset);
          assert.ok(
            got.equals(want),
            `read(${offset}, ${maxBytes}, minOneBatch ${minOneBatch}, maxOffset ${maxOffset}): ${got.length} bytes, the file has ${want.length}`,
          );
          compared++;
        }
      }
    }
  }
  return compared;
}

test('reads at the log end come from the appended buffers and equal what the segment file holds', () =>
  withTempDir((dir) => {
    const log = PartitionLog.open(path.join(dir, 't-0'));
    let last: Buffer | undefined;
    for (let i = 0; i < 40; i++) {
      last = own(simpleBatch(1 + (i % 5), T0 + i, `r${i}`, 10 + ((i * 37) % 300)));
      log.appendAsLeader(last);
    }
    assert.ok(cached(log) > 0, 'the appends are kept');
    // A read of the last batch is a view of the appended buffer itself: no file read, no new buffer.
    const lastBase = log.logEndOffset - 5;
    const tail = log.read(lastBase, 1 << 20).records;
    assert.equal(tail.buffer, last!.buffer);
    assert.ok(checkReads(log) > 1000);

    // A batch that is a small view into a larger buffer is kept as a copy, so as not to keep the larger one alive.
    const big = Buffer.alloc(64 * 1024);
    const small = simpleBatch(2, T0 + 100);
    small.copy(big, 100);
    const before = cached(log);
    log.appendAsLeader(big.subarray(100, 100 + small.length));
    assert.equal(cached(log), before + small.length);
    const copied = log.read(log.logEndOffset - 2, 1 << 20).records;
    assert.equal(copied.length, small.length);
    assert.notEqual(copied.buffer, big.buffer);
    for (let i = 0; i < 10; i++) log.appendAsLeader(own(simpleBatch(3, T0 + 200 + i, `s${i}`, 50)));
    checkReads(log);

    // A roll empties it (reads come from one segment); so does truncation.
    log.roll();
    assert.equal(cached(log), 0);
    for (let i = 0; i < 10; i++) log.appendAsLeader(own(simpleBatch(2, T0 + 300 + i, `t${i}`, 80)));
    checkReads(log);
    log.truncateTo(log.logEndOffset - 7);
    assert.equal(cached(log), 0);
    for (let i = 0; i < 5; i++) log.appendAsLeader(own(simpleBatch(4, T0 + 400 + i, `u${i}`, 20)));
    checkReads(log);
    log.close();
  }));

test('a follower log caches the fetched batches with the leader offsets', () =>
  withTempDir((dir) => {
    const leader = PartitionLog.open(path.join(dir, 'leader-0'));
    for (let i = 0; i < 30; i++) leader.appendAsLeader(own(simpleBatch(1 + (i % 3), T0 + i, `f${i}`, 40)));
    const follower = PartitionLog.open(path.join(dir, 'follower-0'), { hwFollowsLeo: false });
    while (follower.logEndOffset < leader.logEndOffset) {
      const fetched = own(leader.read(follower.logEndOffset, 900, { minOneBatch: true }).records);
      follower.appendAsFollower(fetched);
    }
    assert.ok(cached(follower) > 0);
    checkReads(follower);
    assert.ok(
      follower.read(0, 1 << 20).records.equals(leader.read(0, 1 << 20).records),
      'the follower holds the leader log',
    );
    leader.close();
    follower.close();
  }));

test('logs of one storage context share a budget: the log that appended least recently gives its cache up', () =>
  withTempDir((dir) => {
    const batch = () => own(simpleBatch(10, T0, 'b', 1000)); // about 10 KB
    const size = batch().length;
    const budget = new TailBudget(5 * size);
    const ctx = createStorageContext({ tailBudget: budget });
    const a = PartitionLog.open(path.join(dir, 'a-0'), { ctx });
    const b = PartitionLog.open(path.join(dir, 'b-0'), { ctx });
    for (let i = 0; i < 3; i++) a.appendAsLeader(batch());
    for (let i = 0; i < 2; i++) b.appendAsLeader(batch());
    assert.equal(budget.bytes, 5 * size);
    b.appendAsLeader(batch());
    assert.equal(cached(a), 0, 'a appended least recently');
    assert.equal(cached(b), 3 * size);
    assert.equal(budget.bytes, 3 * size);
    checkReads(a);
    checkReads(b);
    a.close();
    b.close();
    assert.equal(budget.bytes, 0, 'closed logs hold nothing');
  }));

test('oneBuffer reads (followers) return the batches of one appended buffer as a view, a prefix of the full read', () =>
  withTempDir((dir) => {
    const log = PartitionLog.open(path.join(dir, 'one-0'));
    const appended: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      // Each append holds two batches, so a read may start inside an appended buffer.
      const b = own(
        Buffer.concat([simpleBatch(2, T0 + i, `a${i}`, 60 + i), simpleBatch(3, T0 + i, `b${i}`, 30 + 7 * i)]),
      );
      appended.push(b);
      log.appendAsLeader(b);
    }
    const end = log.logEndOffset;
    for (let offset = 0; offset < end; offset++) {
      for (const maxBytes of [1, 300, 1 << 20]) {
        const full = log.read(offset, maxBytes, { minOneBatch: true }).records;
        const one = log.read(offset, maxBytes, { minOneBatch: true, oneBuffer: true }).records;
        assert.ok(one.length > 0 && one.length <= full.length, `read(${offset}, ${maxBytes})`);
        assert.ok(full.subarray(0, one.length).equals(one), 'a prefix of the full read');
        assert.ok(
          appended.some((b) => b.buffer === one.buffer),
          'a view of one appended buffer, not a copy',
        );
      }
    }
    // Reading on from where each answer ends gets the whole log, as a follower does.
    const got: Buffer[] = [];
    for (let at = 0; at < end; ) {
      const r = log.read(at, 1 << 20, { minOneBatch: true, oneBuffer: true }).records;
      got.push(r);
      let p = 0;
      while (p < r.length) {
        at = Number(r.readBigInt64BE(p)) + r.readInt32BE(p + 23) + 1;
        p += 12 + r.readInt32BE(p + 8);
      }
    }
    assert.equal(got.length, appended.length);
    assert.ok(Buffer.concat(got).equals(log.read(0, 1 << 30).records));
    log.close();
  }));
