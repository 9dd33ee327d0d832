import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { decodeBatches, encodeBatch, type DecodedBatch } from '../../src/protocol/records/batch.js';
import { Compression } from '../../src/protocol/records/layout.js';
import { CLEANER_OFFSET_CHECKPOINT, DELETE_HORIZON_BIT, LogCleaner } from '../../src/storage/cleaner.js';
import { defaultLogConfig, type LogConfig } from '../../src/storage/log-config.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { createStorageContext, PartitionLog } from '../../src/storage/partition-log.js';

const T0 = 1_700_000_000_000;

async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'samsa-compact-'));
  try {
    return await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

interface Env {
  log: PartitionLog;
  cleaner: LogCleaner;
  clock: { now: number };
  logDir: string;
}

function compactConfig(o: Partial<LogConfig> = {}): LogConfig {
  return defaultLogConfig({
    cleanupPolicy: 'compact',
    segmentBytes: 2048,
    indexIntervalBytes: 256,
    fileDeleteDelayMs: 0,
    ...o,
  });
}

function openEnv(root: string, cfg: LogConfig, clock = { now: T0 }, cleanShutdown = true): Env {
  const logDir = path.join(root, 'topic-0');
  const ctx = createStorageContext({ now: () => clock.now });
  const log = PartitionLog.open(logDir, { config: cfg, ctx, cleanShutdown });
  const cleaner = new LogCleaner({ dataDir: root, logs: () => [log], now: () => clock.now });
  return { log, cleaner, clock, logDir };
}

interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

async function readAll(log: PartitionLog): Promise<{ records: Rec[]; batches: DecodedBatch[] }> {
  const records: Rec[] = [];
  const batches: DecodedBatch[] = [];
  let off = log.logStartOffset;
  while (off < log.logEndOffset) {
    const r = log.read(off, 1 << 20);
    assert.equal(r.errorCode, 0);
    if (r.records.length === 0) break;
    const bs = await decodeBatches(r.records, { verifyCrc: true });
    for (const b of bs) {
      batches.push(b);
      if (!b.header.isControl) {
        for (const x of b.records) {
          records.push({
            offset: x.offset,
            key: x.key?.toString() ?? null,
            value: x.value?.toString() ?? null,
            timestamp: x.timestamp,
          });
        }
      }
      off = b.header.baseOffset + b.header.lastOffsetDelta + 1;
    }
  }
  return { records, batches };
}

/** Appends one batch; returns the offset of each record. */
async function put(
  log: PartitionLog,
  recs: Array<[string | null, string | null]>,
  opts: {
    ts?: number;
    compression?: Compression;
    producerId?: number;
    producerEpoch?: number;
    baseSequence?: number;
    transactional?: boolean;
  } = {},
): Promise<number[]> {
  const b = await encodeBatch({
    records: recs.map(([k, v]) => ({ key: k, value: v, timestamp: opts.ts ?? T0 })),
    compression: opts.compression,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: opts.baseSequence,
    transactional: opts.transactional,
  });
  const r = log.appendAsLeader(b);
  return recs.map((_, i) => r.baseOffset + i);
}

/** Latest value and offset per key, as the writer saw it. */
type Truth = Map<string, { offset: number; value: string | null }>;

function latestByKey(records: Rec[]): Map<string, Rec[]> {
  const m = new Map<string, Rec[]>();
  for (const r of records) {
    const l = m.get(r.key ?? '<null>') ?? [];
    l.push(r);
    m.set(r.key ?? '<null>', l);
  }
  return m;
}

function assertCompacted(records: Rec[], truth: Truth, opts: { tombstonesGone?: boolean } = {}): void {
  const by = latestByKey(records);
  for (const [k, t] of truth) {
    const got = by.get(k);
    if (t.value === null && opts.tombstonesGone) {
      assert.equal(got, undefined, `key ${k} should be gone`);
      continue;
    }
    assert.ok(got, `key ${k} missing`);
    assert.equal(got.length, 1, `key ${k} has ${got.length} records`);
    assert.equal(got[0]!.offset, t.offset, `key ${k} offset`);
    assert.equal(got[0]!.value, t.value, `key ${k} value`);
  }
  // offsets only grow
  for (let i = 1; i < records.length; i++) assert.ok(records[i]!.offset > records[i - 1]!.offset);
}

/** Writes `rounds` values for each of `keys` keys, `perBatch` records per batch; returns the truth. */
async function fill(
  log: PartitionLog,
  keys: number,
  rounds: number,
  perBatch: number,
  opts: Parameters<typeof put>[2] = {},
): Promise<Truth> {
  const truth: Truth = new Map();
  const all: Array<[string, string]> = [];
  for (let r = 0; r < rounds; r++) for (let k = 0; k < keys; k++) all.push([`key-${k}`, `value-${k}-round-${r}`]);
  let seq = opts.baseSequence ?? 0;
  for (let i = 0; i < all.length; i += perBatch) {
    const chunk = all.slice(i, i + perBatch);
    const offs = await put(log, chunk, opts.producerId !== undefined ? { ...opts, baseSequence: seq } : opts);
    seq += chunk.length;
    for (const [j, [k, v]] of chunk.entries()) truth.set(k, { offset: offs[j]!, value: v });
  }
  return truth;
}

/** Every retained offset can be fetched directly (offset index correct), before and after reopening. */
async function assertIndexedReads(log: PartitionLog, records: Rec[]): Promise<void> {
  for (const r of records) {
    const res = log.read(r.offset, 1);
    const bs = await decodeBatches(res.records);
    assert.ok(bs.length >= 1, `nothing read at ${r.offset}`);
    const b = bs[0]!;
    assert.ok(
      b.header.baseOffset <= r.offset && r.offset <= b.header.baseOffset + b.header.lastOffsetDelta,
      `read at ${r.offset} got batch ${b.header.baseOffset}`,
    );
  }
}

test('keys overwritten many times compact to one record per key at its original offset', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig());
    const truth = await fill(env.log, 20, 15, 4);
    await put(env.log, [['tail', 'x']]);
    env.log.roll();
    const segsBefore = env.log.segmentCount;
    const sizeBefore = env.log.size;
    assert.ok(segsBefore > 5, `only ${segsBefore} segments`);
    const a = env.cleaner.assess(env.log);
    assert.ok(a.dirtyRatio > 0.99);
    const stats = await env.cleaner.cleanOnce();
    assert.ok(stats, 'cleanOnce cleaned nothing');
    assert.equal(stats.recordsRead, 301);
    assert.equal(stats.recordsRetained, 21);
    const after = await readAll(env.log);
    truth.set('tail', { offset: 300, value: 'x' });
    assertCompacted(after.records, truth);
    assert.equal(after.records.length, 21);
    // small cleaned segments were grouped: all fit into one segment now (plus the active one)
    assert.equal(env.log.segmentCount, 2);
    assert.ok(env.log.size < sizeBefore / 5);
    assert.equal(env.log.logStartOffset, 0);
    assert.equal(env.log.logEndOffset, 301);
    await assertIndexedReads(env.log, after.records);
    // the checkpoint moved: nothing dirty is left, so a second pass finds nothing to do
    assert.equal(env.cleaner.firstDirtyOffset(env.log), 301);
    assert.equal(await env.cleaner.cleanOnce(), null);
    const cp = fs.readFileSync(path.join(root, CLEANER_OFFSET_CHECKPOINT), 'utf8');
    assert.match(cp, /^0\n1\ntopic 0 301\n$/);
    // survives a reopen, clean and unclean
    env.log.close();
    for (const clean of [true, false]) {
      const again = openEnv(root, compactConfig(), { now: T0 }, clean);
      const r = await readAll(again.log);
      assert.deepEqual(r.records, after.records);
      await assertIndexedReads(again.log, r.records);
      assert.equal(again.cleaner.firstDirtyOffset(again.log), 301);
      again.log.close();
    }
  }));

test('appends after a clean are compacted by the next pass; dirty ratio and min.cleanable.dirty.ratio', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig({ minCleanableDirtyRatio: 0.5 }));
    const truth = await fill(env.log, 10, 10, 5);
    env.log.roll();
    await env.cleaner.cleanOnce();
    // a little new data: ratio below 0.5, not picked
    const t2 = await fill(env.log, 2, 1, 2);
    env.log.roll();
    const a = env.cleaner.assess(env.log);
    assert.ok(a.dirtyRatio > 0 && a.dirtyRatio < 0.5, `ratio ${a.dirtyRatio}`);
    assert.equal(await env.cleaner.cleanOnce(), null);
    // but a forced clean of the log works, and uses the new values
    const s = await env.cleaner.cleanLog(env.log);
    assert.ok(s);
    for (const [k, v] of t2) truth.set(k, v);
    const r = await readAll(env.log);
    assertCompacted(r.records, truth);
    assert.equal(r.records.length, 10);
    env.log.close();
  }));

test('tombstones stay until delete.retention.ms after the first clean, then disappear', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig({ deleteRetentionMs: 60_000 }));
    const truth = await fill(env.log, 6, 3, 3);
    const offs = await put(env.log, [
      ['key-1', null],
      ['key-4', null],
    ]);
    truth.set('key-1', { offset: offs[0]!, value: null });
    truth.set('key-4', { offset: offs[1]!, value: null });
    env.log.roll();
    env.clock.now = T0 + 1000;
    assert.ok(await env.cleaner.cleanOnce());
    let r = await readAll(env.log);
    assertCompacted(r.records, truth);
    // the batch holding the tombstones carries its delete horizon
    const tb = r.batches.find((b) => b.records.some((x) => x.value === null))!;
    assert.ok(tb.header.attributes & DELETE_HORIZON_BIT);
    assert.equal(tb.header.baseTimestamp, T0 + 1000 + 60_000);
    // record timestamps are unchanged by the new base timestamp
    for (const x of r.records) assert.equal(x.timestamp, T0);
    // before the horizon: nothing due, and a forced pass keeps them
    env.clock.now = T0 + 1000 + 59_000;
    assert.equal(env.cleaner.assess(env.log).horizonDue, false);
    await env.cleaner.cleanLog(env.log);
    r = await readAll(env.log);
    assertCompacted(r.records, truth);
    // after: the cleaner picks the log by itself and removes them
    env.clock.now = T0 + 1000 + 61_000;
    assert.equal(env.cleaner.assess(env.log).horizonDue, true);
    const s = await env.cleaner.cleanOnce();
    assert.ok(s);
    assert.equal(s.tombstonesRemoved, 2);
    r = await readAll(env.log);
    assertCompacted(r.records, truth, { tombstonesGone: true });
    assert.equal(r.records.length, 4);
    assert.equal(env.cleaner.assess(env.log).horizonDue, false);
    env.log.close();
  }));

for (const [name, codec] of [
  ['gzip', Compression.Gzip],
  ['snappy', Compression.Snappy],
  ['lz4', Compression.Lz4],
  ['zstd', Compression.Zstd],
] as const) {
  test(`${name} batches are filtered and re-compressed, keeping offsets and producer fields`, () =>
    withTmp(async (root) => {
      const env = openEnv(root, compactConfig({ segmentBytes: 4096 }));
      const truth = await fill(env.log, 7, 12, 10, {
        compression: codec,
        producerId: 42,
        producerEpoch: 3,
        baseSequence: 0,
      });
      const before = await readAll(env.log);
      env.log.roll();
      assert.ok(await env.cleaner.cleanOnce());
      const after = await readAll(env.log);
      assertCompacted(after.records, truth);
      assert.equal(after.records.length, 7);
      const orig = new Map(before.batches.map((b) => [b.header.baseOffset, b.header]));
      for (const b of after.batches) {
        const o = orig.get(b.header.baseOffset);
        assert.ok(o, `batch at ${b.header.baseOffset} was not a batch before`);
        assert.equal(b.header.lastOffsetDelta, o.lastOffsetDelta);
        assert.equal(b.header.producerId, 42);
        assert.equal(b.header.producerEpoch, 3);
        assert.equal(b.header.baseSequence, o.baseSequence);
        if (b.header.recordCount > 0) assert.equal(b.header.compression, codec);
      }
      // the producer's last batch survives (here it also holds live records)
      const lastBefore = before.batches[before.batches.length - 1]!.header;
      assert.ok(after.batches.some((b) => b.header.baseOffset === lastBefore.baseOffset));
      await assertIndexedReads(env.log, after.records);
      env.log.close();
    }));
}

test('an idempotent producer keeps an empty last batch when all its records are superseded', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig());
    await put(
      env.log,
      [
        ['a', '1'],
        ['b', '1'],
      ],
      { producerId: 9, producerEpoch: 0, baseSequence: 0 },
    );
    await put(env.log, [
      ['a', '2'],
      ['b', '2'],
    ]);
    env.log.roll();
    await env.cleaner.cleanLog(env.log);
    const r = await readAll(env.log);
    assert.deepEqual(
      r.records.map((x) => x.value),
      ['2', '2'],
    );
    const first = r.batches[0]!.header;
    assert.equal(first.producerId, 9);
    assert.equal(first.recordCount, 0);
    assert.equal(first.baseOffset, 0);
    assert.equal(first.lastOffsetDelta, 1);
    env.log.close();
  }));

test('compact,delete also applies time retention; compact alone does not', () =>
  withTmp(async (root) => {
    for (const policy of ['compact', 'compact,delete'] as const) {
      const dir = path.join(root, policy.replace(',', '_'));
      const env = openEnv(dir, compactConfig({ cleanupPolicy: policy, retentionMs: 10_000 }));
      await fill(env.log, 5, 6, 5, { ts: T0 });
      env.log.roll();
      assert.ok(await env.cleaner.cleanOnce());
      await put(env.log, [['fresh', 'y']], { ts: T0 + 50_000 });
      env.log.roll();
      const deleted = env.log.applyRetention(T0 + 55_000);
      const r = await readAll(env.log);
      if (policy === 'compact') {
        assert.equal(deleted, 0);
        assert.equal(r.records.length, 6);
      } else {
        assert.ok(deleted >= 1);
        assert.deepEqual(
          r.records.map((x) => x.key),
          ['fresh'],
        );
        assert.ok(env.log.logStartOffset > 0);
      }
      env.log.close();
    }
  }));

test('min.compaction.lag.ms keeps recent segments out of cleaning', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig({ minCompactionLagMs: 5_000, minCleanableDirtyRatio: 0.1 }));
    // old data: two values per key
    const old = await fill(env.log, 5, 2, 5, { ts: T0 });
    env.log.roll();
    // recent data: one more value per key
    const recent = await fill(env.log, 5, 1, 5, { ts: T0 + 10_000 });
    env.log.roll();
    env.clock.now = T0 + 11_000;
    const a = env.cleaner.assess(env.log);
    assert.equal(a.firstUncleanableOffset, 10);
    assert.ok(await env.cleaner.cleanOnce());
    let r = await readAll(env.log);
    // old part compacted among itself, recent part untouched
    assert.deepEqual(
      r.records.map((x) => x.offset),
      [...[...old.values()].map((v) => v.offset), ...[...recent.values()].map((v) => v.offset)],
    );
    // once the lag has passed, the recent values win
    env.clock.now = T0 + 16_000;
    assert.ok(await env.cleaner.cleanOnce());
    r = await readAll(env.log);
    assertCompacted(r.records, recent);
    assert.equal(r.records.length, 5);
    env.log.close();
  }));

test('a log overdue by max.compaction.lag.ms is cleaned even below min.cleanable.dirty.ratio', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig({ minCleanableDirtyRatio: 0.99, maxCompactionLagMs: 60_000 }));
    await fill(env.log, 10, 10, 10, { ts: T0 });
    env.log.roll();
    await env.cleaner.cleanLog(env.log);
    await put(env.log, [['key-1', 'new']], { ts: T0 + 1000 });
    env.log.roll();
    env.clock.now = T0 + 30_000;
    assert.equal(await env.cleaner.cleanOnce(), null);
    env.clock.now = T0 + 70_000;
    assert.equal(env.cleaner.assess(env.log).overdue, true);
    assert.ok(await env.cleaner.cleanOnce());
    const r = await readAll(env.log);
    assert.equal(r.records.find((x) => x.key === 'key-1')!.value, 'new');
    assert.equal(r.records.length, 10);
    env.log.close();
  }));

test('aborted transactional data is removed, committed data kept, markers kept', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig());
    const marker = async (pid: number, commit: boolean): Promise<void> => {
      const key = Buffer.alloc(4);
      key.writeInt16BE(0, 0);
      key.writeInt16BE(commit ? 1 : 0, 2);
      const value = Buffer.alloc(6);
      const b = await encodeBatch({
        records: [{ key, value, timestamp: T0 }],
        producerId: pid,
        producerEpoch: 0,
        baseSequence: -1,
        transactional: true,
        control: true,
      });
      env.log.appendAsLeader(b);
    };
    await put(env.log, [
      ['k1', 'base'],
      ['k2', 'base'],
    ]);
    await put(env.log, [['k1', 'aborted']], { producerId: 5, producerEpoch: 0, baseSequence: 0, transactional: true });
    await marker(5, false);
    await put(env.log, [['k2', 'committed']], {
      producerId: 6,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: true,
    });
    await marker(6, true);
    env.log.roll();
    await env.cleaner.cleanLog(env.log);
    const r = await readAll(env.log);
    const vals = Object.fromEntries(r.records.map((x) => [x.key, x.value]));
    assert.deepEqual(vals, { k1: 'base', k2: 'committed' });
    assert.equal(r.batches.filter((b) => b.header.isControl).length, 2);
    env.log.close();
  }));

test('markers go once their transaction has no data left, after delete.retention.ms, with their abort-index entry', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig({ deleteRetentionMs: 60_000 }));
    const marker = async (commit: boolean): Promise<number> => {
      const key = Buffer.alloc(4);
      key.writeInt16BE(0, 0);
      key.writeInt16BE(commit ? 1 : 0, 2);
      const b = await encodeBatch({
        records: [{ key, value: Buffer.alloc(6), timestamp: T0 }],
        producerId: 5,
        producerEpoch: 0,
        baseSequence: -1,
        transactional: true,
        control: true,
      });
      return env.log.appendAsLeader(b).baseOffset;
    };
    const txn = { producerId: 5, producerEpoch: 0, transactional: true };
    await put(env.log, [
      ['k1', 'base'],
      ['k2', 'base'],
    ]);
    await put(env.log, [['k1', 'aborted']], { ...txn, baseSequence: 0 });
    const abortAt = await marker(false);
    await put(env.log, [['k2', 'first']], { ...txn, baseSequence: 1 });
    const commitAt = await marker(true);
    await put(env.log, [['k2', 'second']], { ...txn, baseSequence: 2 });
    const lastAt = await marker(true);
    env.log.roll();
    const markers = async () => (await readAll(env.log)).batches.filter((b) => b.header.isControl);

    // Pass 1 removes the aborted data and the superseded committed record; their markers stay.
    env.clock.now = T0 + 1000;
    let s = await env.cleaner.cleanLog(env.log);
    assert.equal(s!.abortedBatchesRemoved, 1);
    assert.deepEqual(
      (await markers()).map((b) => b.header.baseOffset),
      [abortAt, commitAt, lastAt],
    );
    assert.deepEqual(
      env.log.collectAbortedTxns(0, env.log.logEndOffset).map((t) => t.lastOffset),
      [abortAt],
    );

    // Pass 2: their transactions are empty now, so they get a delete horizon; the producer's last batch does not.
    env.clock.now = T0 + 2000;
    s = await env.cleaner.cleanLog(env.log);
    assert.equal(s!.markersRemoved, 0);
    const stamped = await markers();
    assert.deepEqual(
      stamped.map((b) => b.header.baseOffset),
      [abortAt, commitAt, lastAt],
    );
    assert.deepEqual(
      stamped.map((b) => (b.header.attributes & DELETE_HORIZON_BIT) !== 0),
      [true, true, false],
    );
    assert.equal(stamped[0]!.header.baseTimestamp, T0 + 2000 + 60_000);
    assert.equal(stamped[0]!.records[0]!.timestamp, T0, 'the marker record keeps its timestamp');

    // Before the horizon nothing goes; after it the two markers and the abort entry go, the last marker stays.
    env.clock.now = T0 + 2000 + 59_000;
    assert.equal((await env.cleaner.cleanLog(env.log))!.markersRemoved, 0);
    env.clock.now = T0 + 2000 + 61_000;
    assert.equal(env.cleaner.assess(env.log).horizonDue, true);
    s = await env.cleaner.cleanOnce();
    assert.equal(s!.markersRemoved, 2);
    assert.deepEqual(
      (await markers()).map((b) => b.header.baseOffset),
      [lastAt],
    );
    assert.deepEqual(env.log.collectAbortedTxns(0, env.log.logEndOffset), []);
    const vals = Object.fromEntries((await readAll(env.log)).records.map((x) => [x.key, x.value]));
    assert.deepEqual(vals, { k1: 'base', k2: 'second' });
    // Reopened from disk, the log agrees, and no transaction is left open.
    env.log.close();
    const again = PartitionLog.open(env.logDir, {
      config: compactConfig({ deleteRetentionMs: 60_000 }),
      cleanShutdown: false,
    });
    assert.deepEqual(again.collectAbortedTxns(0, again.logEndOffset), []);
    assert.equal(again.lastStableOffset, again.logEndOffset);
    again.close();
  }));

test('a cleaner killed mid-way: leftover .cleaned files are discarded, a .swap is completed', () =>
  withTmp(async (root) => {
    const srcRoot = path.join(root, 'src');
    const env = openEnv(srcRoot, compactConfig());
    const truth = await fill(env.log, 15, 10, 5);
    env.log.roll();
    env.log.close();
    // a copy cleaned for real gives us a genuine cleaned segment
    const doneRoot = path.join(root, 'done');
    fs.cpSync(srcRoot, doneRoot, { recursive: true });
    const done = openEnv(doneRoot, compactConfig());
    assert.ok(await done.cleaner.cleanLog(done.log));
    const expected = await readAll(done.log);
    assertCompacted(expected.records, truth);
    done.log.close();
    const base0 = '00000000000000000000';
    const cleanedLog = fs.readFileSync(path.join(done.logDir, `${base0}.log`));

    // state A: only .cleaned files (crash before the rename to .swap)
    const aRoot = path.join(root, 'a');
    fs.cpSync(srcRoot, aRoot, { recursive: true });
    const aDir = path.join(aRoot, 'topic-0');
    fs.writeFileSync(path.join(aDir, `${base0}.log.cleaned`), cleanedLog.subarray(0, 100));
    fs.writeFileSync(path.join(aDir, `${base0}.index.cleaned`), Buffer.alloc(8));
    const a = openEnv(aRoot, compactConfig(), { now: T0 }, false);
    const ra = await readAll(a.log);
    assert.equal(ra.records.length, 150);
    assert.equal(fs.readdirSync(aDir).filter((n) => n.includes('.cleaned')).length, 0);
    a.log.close();

    // state B: .swap written, some old segments already renamed to .deleted, a stray index swap
    const bRoot = path.join(root, 'b');
    fs.cpSync(srcRoot, bRoot, { recursive: true });
    const bDir = path.join(bRoot, 'topic-0');
    fs.writeFileSync(path.join(bDir, `${base0}.log.swap`), cleanedLog);
    const oldLogs = fs
      .readdirSync(bDir)
      .filter((n) => n.endsWith('.log'))
      .sort();
    assert.ok(oldLogs.length > 3);
    fs.renameSync(path.join(bDir, oldLogs[1]!), path.join(bDir, oldLogs[1]! + '.deleted'));
    fs.writeFileSync(path.join(bDir, `${oldLogs[2]!.slice(0, 20)}.log.cleaned`), Buffer.alloc(10));
    const b = openEnv(bRoot, compactConfig(), { now: T0 }, false);
    const rb = await readAll(b.log);
    assert.deepEqual(rb.records, expected.records);
    assertCompacted(rb.records, truth);
    await assertIndexedReads(b.log, rb.records);
    assert.deepEqual(
      fs.readdirSync(bDir).filter((n) => /\.(swap|cleaned|deleted)$/.test(n)),
      [],
    );
    // and it can be cleaned again
    const s = await b.cleaner.cleanLog(b.log);
    assert.ok(s);
    assertCompacted((await readAll(b.log)).records, truth);
    b.log.close();
  }));

test('produce and fetch keep working while a clean runs', () =>
  withTmp(async (root) => {
    const env = openEnv(root, compactConfig({ segmentBytes: 16 * 1024 }));
    const truth = await fill(env.log, 200, 25, 50, { compression: Compression.Lz4 });
    env.log.roll();
    let finished = false;
    const cleaning = env.cleaner.cleanLog(env.log).finally(() => {
      finished = true;
    });
    let turns = 0;
    const added: Truth = new Map();
    while (!finished) {
      const offs = await put(env.log, [[`live-${turns}`, `v${turns}`]]);
      added.set(`live-${turns}`, { offset: offs[0]!, value: `v${turns}` });
      const mid = Math.floor(env.log.logEndOffset / 2);
      const r = env.log.read(mid, 4096);
      assert.equal(r.errorCode, 0);
      assert.ok(r.records.length > 0);
      const last = env.log.read(offs[0]!, 4096);
      const bs = await decodeBatches(last.records);
      assert.equal(bs[0]!.records[0]!.value!.toString(), `v${turns}`);
      turns++;
      await new Promise((res) => setImmediate(res));
    }
    const s = await cleaning;
    assert.ok(s);
    assert.ok(turns > 3, `the clean blocked the event loop: only ${turns} turns`);
    const r = await readAll(env.log);
    for (const [k, v] of added) truth.set(k, v);
    assertCompacted(r.records, truth);
    assert.equal(r.records.length, 200 + added.size);
    env.log.close();
  }));

test('retention deleting segments during a clean makes the pass give up safely', () =>
  withTmp(async (root) => {
    const env = openEnv(
      root,
      compactConfig({ cleanupPolicy: 'compact,delete', retentionMs: 1000, segmentBytes: 8192 }),
    );
    await fill(env.log, 50, 20, 10, { ts: T0 });
    env.log.roll();
    const p = env.cleaner.cleanLog(env.log);
    // let the cleaner start reading, then retention removes everything old
    await new Promise((res) => setImmediate(res));
    env.log.applyRetention(T0 + 100_000);
    const s = await p;
    assert.equal(s, null);
    assert.equal((await readAll(env.log)).records.length, 0);
    assert.deepEqual(
      fs.readdirSync(env.logDir).filter((n) => /\.(swap|cleaned)$/.test(n)),
      [],
    );
    env.log.close();
  }));

test('LogManager runs the cleaner in the background for compacted topics only', () =>
  withTmp(async (root) => {
    const m = new LogManager({ dataDir: root, cleanerBackoffMs: 20, retentionCheckIntervalMs: 0 });
    m.open();
    try {
      assert.ok(m.cleaner);
      const c = m.createLog('compacted', 0, compactConfig({ minCleanableDirtyRatio: 0.01 }));
      const d = m.createLog('plain', 0, compactConfig({ cleanupPolicy: 'delete' }));
      const truth = await fill(c, 10, 10, 5);
      await fill(d, 10, 10, 5);
      c.roll();
      d.roll();
      const dSegs = d.segmentCount;
      const deadline = Date.now() + 10_000;
      while (c.segmentCount > 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      assert.equal(c.segmentCount, 2);
      assertCompacted((await readAll(c)).records, truth);
      assert.equal(d.segmentCount, dSegs);
      assert.equal((await readAll(d)).records.length, 100);
    } finally {
      await m.close();
    }
    assert.ok(fs.existsSync(path.join(root, CLEANER_OFFSET_CHECKPOINT)));
    const off = new LogManager({
      dataDir: root,
      backgroundTasks: false,
      brokerConfig: { 'log.cleaner.enable': 'false' },
    });
    off.open();
    assert.equal(off.cleaner, null);
    await off.close();
  }));
