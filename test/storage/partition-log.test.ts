import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { defaultLogConfig } from '../../src/storage/log-config.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { createStorageContext, PartitionLog, StorageError } from '../../src/storage/partition-log.js';
import { buildBatch, parseBatches, simpleBatch, withTempDir } from './helpers.js';

const T0 = 1_700_000_000_000;

test('append assigns offsets and read returns the same bytes', () =>
  withTempDir((dir) => {
    const log = PartitionLog.open(path.join(dir, 't-0'));
    assert.equal(log.topic, 't');
    assert.equal(log.partition, 0);
    const b1 = simpleBatch(3);
    const r1 = log.appendAsLeader(b1);
    assert.deepEqual(r1, { baseOffset: 0, lastOffset: 2, logAppendTime: -1, logStartOffset: 0 });
    // two batches in one append
    const two = Buffer.concat([simpleBatch(2), simpleBatch(5)]);
    const r2 = log.appendAsLeader(two);
    assert.equal(r2.baseOffset, 3);
    assert.equal(r2.lastOffset, 9);
    assert.equal(log.logEndOffset, 10);
    assert.equal(log.highWatermark, 10);

    const all = log.read(0, 1 << 20);
    assert.equal(all.errorCode, 0);
    assert.deepEqual(all.records, Buffer.concat([b1, two]));
    const parsed = parseBatches(all.records);
    assert.deepEqual(
      parsed.map((b) => [b.baseOffset, b.lastOffset]),
      [
        [0, 2],
        [3, 4],
        [5, 9],
      ],
    );
    assert.ok(
      parsed.every((b) => b.crcOk),
      'offset/epoch rewrite must not break the CRC',
    );

    // fetch from the middle of a batch returns the batch holding it
    assert.deepEqual(
      parseBatches(log.read(6, 1 << 20).records).map((b) => b.baseOffset),
      [5],
    );
    assert.deepEqual(
      parseBatches(log.read(4, 1 << 20).records).map((b) => b.baseOffset),
      [3, 5],
    );
    // at the end: empty; beyond: out of range
    assert.equal(log.read(10, 1000).records.length, 0);
    assert.equal(log.read(10, 1000).errorCode, 0);
    assert.equal(log.read(11, 1000).errorCode, 1);
    log.close();
  }));

test('read honours maxBytes, minOneBatch and maxOffset', () =>
  withTempDir((dir) => {
    const log = PartitionLog.open(path.join(dir, 't-0'));
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b = simpleBatch(2, T0, 'x', 100);
      sizes.push(b.length);
      log.appendAsLeader(b);
    }
    const one = log.read(0, sizes[0]! + 10);
    assert.deepEqual(
      parseBatches(one.records).map((b) => b.baseOffset),
      [0],
    );
    const tooSmall = log.read(0, 10, { minOneBatch: true });
    assert.deepEqual(
      parseBatches(tooSmall.records).map((b) => b.baseOffset),
      [0],
    );
    assert.equal(log.read(0, 10, { minOneBatch: false }).records.length, 0);
    const capped = log.read(0, 1 << 20, { maxOffset: 6 });
    assert.deepEqual(
      parseBatches(capped.records).map((b) => b.lastOffset),
      [1, 3, 5],
    );
    assert.equal(log.read(6, 1 << 20, { maxOffset: 6 }).records.length, 0);
    log.close();
  }));

test('append rejects malformed input without writing', () =>
  withTempDir((dir) => {
    const log = PartitionLog.open(path.join(dir, 't-0'));
    const b = simpleBatch(1);
    assert.throws(
      () => log.appendAsLeader(b.subarray(0, 40)),
      (e: unknown) => e instanceof StorageError && e.code === 2,
    );
    const bad = Buffer.from(b);
    bad[16] = 1;
    assert.throws(() => log.appendAsLeader(bad), StorageError);
    assert.equal(log.logEndOffset, 0);
    assert.equal(log.size, 0);
    log.close();
  }));

test('segments roll by size and reads cross segment boundaries', () =>
  withTempDir((dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 1000 });
    const log = PartitionLog.open(path.join(dir, 't-1'), { config: cfg });
    let expected = 0;
    for (let i = 0; i < 40; i++) {
      const r = log.appendAsLeader(simpleBatch(3, T0, 'v', 50));
      assert.equal(r.baseOffset, expected);
      expected += 3;
    }
    assert.ok(log.segmentCount > 5, `expected several segments, got ${log.segmentCount}`);
    for (const s of log.segmentBaseOffsets)
      assert.ok(fs.existsSync(path.join(dir, 't-1', String(s).padStart(20, '0') + '.log')));
    const files = fs.readdirSync(path.join(dir, 't-1')).filter((f) => f.endsWith('.log'));
    for (const f of files) assert.ok(fs.statSync(path.join(dir, 't-1', f)).size <= 1000);
    // read every offset and check the first batch returned holds it
    for (let o = 0; o < expected; o++) {
      const b = parseBatches(log.read(o, 1 << 20).records)[0]!;
      assert.ok(b.baseOffset <= o && o <= b.lastOffset, `offset ${o} in ${b.baseOffset}..${b.lastOffset}`);
    }
    log.close();
  }));

test('segments roll when segment.ms has passed since the first record', () =>
  withTempDir((dir) => {
    const cfg = defaultLogConfig({ segmentMs: 60_000 });
    const log = PartitionLog.open(path.join(dir, 't-0'), { config: cfg });
    log.appendAsLeader(simpleBatch(1, T0));
    log.appendAsLeader(simpleBatch(1, T0 + 30_000));
    assert.equal(log.segmentCount, 1);
    log.appendAsLeader(simpleBatch(1, T0 + 60_001));
    assert.equal(log.segmentCount, 2);
    assert.deepEqual(log.segmentBaseOffsets, [0, 2]);
    log.appendAsLeader(simpleBatch(1, T0 + 100_000));
    assert.equal(log.segmentCount, 2);
    log.close();
  }));

test('sparse index lookups stay correct over many batches and after reopen', () =>
  withTempDir((dir) => {
    const cfg = defaultLogConfig({ indexIntervalBytes: 256, segmentBytes: 64 * 1024 });
    const d = path.join(dir, 'idx-0');
    let log = PartitionLog.open(d, { config: cfg });
    let next = 0;
    const bounds: [number, number][] = [];
    for (let i = 0; i < 2000; i++) {
      const n = 1 + (i % 4);
      log.appendAsLeader(simpleBatch(n, T0 + i, 'r', 20 + (i % 7) * 10));
      bounds.push([next, next + n - 1]);
      next += n;
    }
    const check = (l: PartitionLog): void => {
      for (let o = 0; o < next; o += 7) {
        const got = parseBatches(l.read(o, 1).records);
        assert.equal(got.length, 1);
        const want = bounds.find(([a, b]) => a <= o && o <= b)!;
        assert.deepEqual([got[0]!.baseOffset, got[0]!.lastOffset], want);
      }
    };
    check(log);
    const idx = fs.readdirSync(d).filter((f) => f.endsWith('.index'));
    assert.ok(
      idx.some((f) => fs.statSync(path.join(d, f)).size > 8 * 10),
      'index has entries',
    );
    log.close();
    log = PartitionLog.open(d, { config: cfg, cleanShutdown: true, recoveryPoint: next });
    assert.equal(log.logEndOffset, next);
    check(log);
    log.appendAsLeader(simpleBatch(1));
    assert.equal(log.logEndOffset, next + 1);
    log.close();
  }));

test('offsetForTimestamp finds the first record at or after a time, across segments', () =>
  withTempDir((dir) => {
    const cfg = defaultLogConfig({ indexIntervalBytes: 100, segmentBytes: 2000 });
    const log = PartitionLog.open(path.join(dir, 'ts-0'), { config: cfg });
    // batch i holds records at T0 + i*100 + {0, 10, 20}
    for (let i = 0; i < 60; i++) {
      log.appendAsLeader(buildBatch([0, 10, 20].map((d) => ({ value: 'x', timestamp: T0 + i * 100 + d }))));
    }
    assert.ok(log.segmentCount > 1);
    assert.deepEqual(log.offsetForTimestamp(T0), { offset: 0, timestamp: T0, leaderEpoch: 0 });
    assert.equal(log.offsetForTimestamp(T0 + 5)!.offset, 1);
    assert.equal(log.offsetForTimestamp(T0 + 2510)!.offset, 25 * 3 + 1);
    assert.equal(log.offsetForTimestamp(T0 + 2511)!.offset, 25 * 3 + 2);
    assert.equal(log.offsetForTimestamp(T0 + 2521)!.offset, 26 * 3);
    assert.equal(log.offsetForTimestamp(T0 + 2521)!.timestamp, T0 + 2600);
    assert.equal(log.offsetForTimestamp(T0 + 59 * 100 + 21), null);
    assert.deepEqual(log.maxTimestampOffset(), { offset: 179, timestamp: T0 + 5920, leaderEpoch: 0 });
    log.close();
  }));

test('retention by bytes and by time deletes whole old segments only', () =>
  withTempDir((dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 1000, fileDeleteDelayMs: 0 });
    const d = path.join(dir, 'r-0');
    const log = PartitionLog.open(d, { config: cfg });
    for (let i = 0; i < 50; i++) log.appendAsLeader(simpleBatch(2, T0 + i * 1000, 'v', 40));
    const segs = log.segmentCount;
    const total = log.size;
    assert.ok(segs >= 5);
    // nothing expires under the defaults (7 days) relative to the records' time
    assert.equal(log.applyRetention(T0 + 50_000), 0);
    // by bytes: keep at most half
    const cap = Math.floor(total / 2);
    log.updateConfig({ ...cfg, retentionBytes: cap });
    const n = log.applyRetention(T0 + 50_000);
    assert.ok(n > 0);
    // as in Kafka, a segment goes only if the log still holds at least retention.bytes without it
    assert.ok(log.size >= cap && log.size < cap + 1000, `size ${log.size} of ${total}, cap ${cap}`);
    assert.equal(log.logStartOffset, log.segmentBaseOffsets[0]);
    assert.equal(log.read(0, 100).errorCode, 1);
    assert.equal(parseBatches(log.read(log.logStartOffset, 100).records)[0]!.baseOffset, log.logStartOffset);
    const logFiles = fs.readdirSync(d).filter((f) => f.endsWith('.log'));
    assert.equal(logFiles.length, log.segmentCount);
    // by time: everything older than the newest record by > 10s, except segments with newer data
    log.updateConfig({ ...cfg, retentionMs: 10_000 });
    log.applyRetention(T0 + 49_000 + 10_000 + 1);
    // the active segment holds the newest record, which is only 10_001 ms old: once expired it goes too
    assert.ok(log.segmentCount >= 1);
    const remaining = log.segmentBaseOffsets;
    log.applyRetention(T0 + 10_000_000);
    assert.equal(log.segmentCount, 1, 'everything expired: a fresh empty active segment remains');
    assert.equal(log.size, 0);
    assert.equal(log.logStartOffset, 100);
    assert.equal(log.logEndOffset, 100);
    assert.ok(remaining.length >= 1);
    assert.equal(log.appendAsLeader(simpleBatch(1)).baseOffset, 100);
    log.close();
  }));

test('deleteRecordsBefore moves the log start and persists across reopen', () =>
  withTempDir(async (dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 600, fileDeleteDelayMs: 0 });
    let mgr = new LogManager({ dataDir: dir, backgroundTasks: false });
    mgr.open();
    let log = mgr.createLog('dr', 0, cfg);
    for (let i = 0; i < 30; i++) log.appendAsLeader(simpleBatch(2, T0, 'v', 30));
    const before = log.segmentCount;
    assert.equal(log.deleteRecordsBefore(37), 37);
    assert.ok(log.segmentCount < before);
    assert.equal(log.logStartOffset, 37);
    assert.equal(log.read(36, 1000).errorCode, 1);
    assert.equal(log.read(37, 1000).errorCode, 0);
    assert.throws(
      () => log.deleteRecordsBefore(61),
      (e: unknown) => e instanceof StorageError && e.code === 1,
    );
    await mgr.close();
    mgr = new LogManager({ dataDir: dir, backgroundTasks: false, topicConfig: () => cfg });
    mgr.open();
    assert.equal(mgr.lastShutdownClean, true);
    log = mgr.getLog('dr', 0)!;
    assert.equal(log.logStartOffset, 37);
    assert.equal(log.logEndOffset, 60);
    assert.equal(log.read(36, 1000).errorCode, 1);
    await mgr.close();
  }));

test('leader epochs are stamped, cached, persisted and answer endOffsetForEpoch', () =>
  withTempDir((dir) => {
    const d = path.join(dir, 'e-0');
    let log = PartitionLog.open(d);
    log.leaderEpoch = 1;
    log.appendAsLeader(simpleBatch(5));
    log.appendAsLeader(simpleBatch(5));
    log.leaderEpoch = 3;
    log.appendAsLeader(simpleBatch(5));
    assert.deepEqual(
      parseBatches(log.read(0, 1 << 20).records).map((b) => b.leaderEpoch),
      [1, 1, 3],
    );
    assert.deepEqual(log.epochCache.entries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
    ]);
    assert.deepEqual(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 15 });
    assert.deepEqual(log.endOffsetForEpoch(1), { epoch: 1, endOffset: 10 });
    assert.deepEqual(log.endOffsetForEpoch(2), { epoch: 1, endOffset: 10 });
    assert.deepEqual(log.endOffsetForEpoch(0), { epoch: 0, endOffset: 0 });
    assert.deepEqual(log.endOffsetForEpoch(4), { epoch: -1, endOffset: -1 });
    log.close();
    log = PartitionLog.open(d, { cleanShutdown: true, recoveryPoint: 15 });
    assert.deepEqual(log.epochCache.entries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
    ]);
    // unclean reopen without the checkpoint file: rebuilt from the batches
    log.close();
    fs.rmSync(path.join(d, 'leader-epoch-checkpoint'));
    log = PartitionLog.open(d);
    assert.deepEqual(log.epochCache.entries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
    ]);
    log.truncateTo(7);
    assert.equal(log.logEndOffset, 5, 'truncation cuts at the start of the batch holding the offset');
    assert.deepEqual(log.epochCache.entries, [{ epoch: 1, startOffset: 0 }]);
    assert.equal(log.appendAsLeader(simpleBatch(1)).baseOffset, 5);
    log.close();
  }));

test('truncateTo across segments and truncateFullyAndStartAt', () =>
  withTempDir((dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 500, fileDeleteDelayMs: 0 });
    const log = PartitionLog.open(path.join(dir, 'tr-0'), { config: cfg });
    for (let i = 0; i < 30; i++) log.appendAsLeader(simpleBatch(1, T0, 'v', 60));
    assert.ok(log.segmentCount > 3);
    log.truncateTo(12);
    assert.equal(log.logEndOffset, 12);
    assert.ok(log.segmentBaseOffsets.every((b) => b <= 12));
    assert.equal(log.read(12, 100).records.length, 0);
    assert.equal(parseBatches(log.read(11, 100).records)[0]!.baseOffset, 11);
    assert.equal(log.appendAsLeader(simpleBatch(1)).baseOffset, 12);
    log.truncateFullyAndStartAt(500);
    assert.equal(log.logStartOffset, 500);
    assert.equal(log.appendAsLeader(simpleBatch(1)).baseOffset, 500);
    log.close();
  }));

test('a failing disk (ENOSPC) fails appends with KAFKA_STORAGE_ERROR, logged once, leaves no partial batch, and recovers', () =>
  withTempDir(async (dir) => {
    const lines: Array<[string, string]> = [];
    const logger = {
      debug: () => {},
      info: (_o: object | string, m?: string) => lines.push(['info', m ?? '']),
      warn: (_o: object | string, m?: string) => lines.push(['warn', m ?? '']),
      error: (_o: object | string, m?: string) => lines.push(['error', m ?? '']),
    };
    const log = PartitionLog.open(path.join(dir, 'full-0'), { ctx: createStorageContext({ logger }) });
    log.appendAsLeader(simpleBatch(2, 1_700_000_000_000, 'before'));
    const sizeBefore = log.size;
    const realWrite = fs.writeSync;
    // The disk fills up part-way through the write.
    (fs as { writeSync: unknown }).writeSync = (fd: number, buf: Buffer, off: number, len: number, pos: number) => {
      if (len > 10) realWrite(fd, buf, off, 10, pos);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    try {
      for (let i = 0; i < 3; i++) {
        assert.throws(
          () => log.appendAsLeader(simpleBatch(1, 1_700_000_000_000, `lost-${i}`)),
          (e: unknown) => e instanceof StorageError && e.code === 56 && /ENOSPC/.test(e.message),
        );
      }
    } finally {
      (fs as { writeSync: unknown }).writeSync = realWrite;
    }
    assert.deepEqual(lines.filter(([l]) => l === 'error').length, 1, JSON.stringify(lines));
    assert.equal(log.logEndOffset, 2);
    assert.equal(
      fs.statSync(path.join(dir, 'full-0', '00000000000000000000.log')).size,
      sizeBefore,
      'no partial batch on disk',
    );
    assert.equal(log.appendAsLeader(simpleBatch(1, 1_700_000_000_000, 'after')).baseOffset, 2);
    assert.ok(lines.some(([l, m]) => l === 'info' && /work again/.test(m)));
    const r = log.read(0, 1 << 20);
    assert.deepEqual(
      parseBatches(r.records).map((b) => b.baseOffset),
      [0, 2],
    );
    log.close();
  }));
