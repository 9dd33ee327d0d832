/**
 * Loading and recovery of one partition log, and the producer state that goes with it.
 *
 * `loadSegments` opens `<topic>-<partition>/`: it completes a cleaner swap interrupted by a crash, drops leftovers
 * (`.deleted`, `.tmp`, `.cleaned`, stray `.swap`, indexes without their log), opens the segments with their abort
 * indexes, and after an unclean shutdown re-validates every batch from the recovery point (sizes, CRC-32C, offset
 * order), truncating a torn tail and rebuilding the indexes; the leader epoch cache is rebuilt from the epochs
 * stamped in the recovered batches. After a clean shutdown only the active segment's tail headers are read.
 *
 * `rebuildProducerState` restores producer state from the newest usable snapshot plus the batches after it,
 * re-adding abort-index entries for markers after the snapshot; `writeProducerSnapshot` writes one (after syncing
 * the abort indexes, whose older entries recovery will not replay).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BATCH_HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  PRODUCER_ID,
  readInt64,
} from '../protocol/records/layout.js';
import { fsyncDir } from './checkpoint.js';
import type { StorageContext } from './context.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import { LocalLog } from './local-log.js';
import type { LogConfig } from './log-config.js';
import { completeInterruptedSwaps } from './log-swap.js';
import { listSnapshots, snapshotFileName, writeSnapshot, type ProducerStateManager } from './producer-state.js';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, Segment, TIME_INDEX_SUFFIX } from './segment.js';
import { TXN_INDEX_SUFFIX, TxnIndex } from './txn-index.js';

/** Producer snapshots kept per partition. */
const SNAPSHOTS_KEPT = 3;
const SEGMENT_NAME = /^\d{20}\.log$/;
const TXN_INDEX_NAME = /^\d{20}\.txnindex$/;

export interface LoadOptions {
  /** Whether the previous process shut down cleanly; when false, segments from `recoveryPoint` on are recovered. */
  cleanShutdown: boolean;
  /** From the recovery-point checkpoint; absent means recover everything (or, after a clean shutdown, nothing). */
  recoveryPoint?: number;
  /** Where a new, empty log starts. */
  initialOffset: number;
}

export interface LoadedSegments {
  segments: Segment[];
  nextOffset: number;
  recoveryPoint: number;
  /** No segment existed: an empty one was created. */
  created: boolean;
}

/** Opens the segments of `dir`, recovering them when the last shutdown was not clean. */
export function loadSegments(
  dir: string,
  config: LogConfig,
  ctx: StorageContext,
  epochCache: LeaderEpochCache,
  opts: LoadOptions,
): LoadedSegments {
  // a cleaner killed after making its output durable left a `.log.swap`: finish that swap first
  completeInterruptedSwaps(dir, ctx.logger);
  const names = fs.readdirSync(dir);
  const bases: number[] = [];
  const logs = new Set<string>();
  for (const n of names) {
    if (n.endsWith(DELETED_SUFFIX) || n.endsWith('.tmp') || n.endsWith('.cleaned') || n.endsWith('.swap')) {
      fs.rmSync(path.join(dir, n), { force: true });
    } else if (n.endsWith(LOG_SUFFIX) && SEGMENT_NAME.test(n)) {
      bases.push(Number(n.slice(0, 20)));
      logs.add(n.slice(0, 20));
    }
  }
  for (const n of names) {
    // an index without its log is a leftover of an interrupted delete
    const isIndex = n.endsWith(INDEX_SUFFIX) || n.endsWith(TIME_INDEX_SUFFIX) || TXN_INDEX_NAME.test(n);
    if (isIndex && !logs.has(n.slice(0, 20))) fs.rmSync(path.join(dir, n), { force: true });
  }
  bases.sort((a, b) => a - b);
  const segments = bases.map((b) => Segment.open(dir, b, config.segmentIndexBytes, ctx.files));
  for (const s of segments) {
    if (fs.existsSync(path.join(dir, segmentBaseName(s.baseOffset) + TXN_INDEX_SUFFIX)))
      s.txnIndex = new TxnIndex(dir, s.baseOffset);
  }
  const created = segments.length === 0;
  if (created) segments.push(LocalLog.newSegment(dir, config, ctx, opts.initialOffset));
  const clean = opts.cleanShutdown;
  if (!clean) {
    recover(dir, config, ctx, epochCache, segments, opts.recoveryPoint ?? 0);
  } else {
    const a = segments[segments.length - 1]!;
    a.ensureIndexes(config.indexIntervalBytes);
    if (!a.loadTail()) {
      ctx.logger.warn({ dir }, 'active segment tail is inconsistent after a clean shutdown; recovering it');
      recover(dir, config, ctx, epochCache, segments, a.baseOffset);
    }
  }
  const nextOffset = segments[segments.length - 1]!.nextOffset;
  const recoveryPoint = clean ? Math.min(opts.recoveryPoint ?? nextOffset, nextOffset) : nextOffset;
  return { segments, nextOffset, recoveryPoint, created };
}

const segmentBaseName = (base: number): string => String(base).padStart(20, '0');

/** Index of the segment holding `offset` in `segments` (greatest base <= offset), 0 if before all. */
function indexFor(segments: readonly Segment[], offset: number): number {
  let i = 0;
  while (i + 1 < segments.length && segments[i + 1]!.baseOffset <= offset) i++;
  return i;
}

/** Re-validates every batch from the segment holding `from`, truncating at the first bad one. */
function recover(
  dir: string,
  config: LogConfig,
  ctx: StorageContext,
  epochCache: LeaderEpochCache,
  segments: Segment[],
  from: number,
): void {
  let i = indexFor(segments, from);
  epochCache.truncateFromEnd(segments[i]!.baseOffset);
  const recovered: Segment[] = [];
  for (; i < segments.length; i++) {
    const seg = segments[i]!;
    const r = seg.walk({
      crc: true,
      indexIntervalBytes: config.indexIntervalBytes,
      onBatch: (e, b) => epochCache.assign(e, b, false),
    });
    recovered.push(seg);
    const next = segments[i + 1];
    const damaged = r.validBytes < seg.size;
    if (damaged) {
      ctx.logger.warn(
        { dir, segment: seg.baseOffset, validBytes: r.validBytes, size: seg.size, problem: r.problem },
        'truncating invalid tail of log segment',
      );
      seg.truncateBytes(r.validBytes);
    }
    if (next && (damaged || next.baseOffset < r.nextOffset)) {
      // everything after a damaged segment is unreachable by offset order; drop it
      for (const s of segments.splice(i + 1)) for (const f of s.markDeleted()) fs.rmSync(f, { force: true });
      break;
    }
  }
  epochCache.persist();
  for (const seg of recovered) {
    for (const p of seg.paths) fs.fsyncSync(ctx.files.fd(p));
  }
  fsyncDir(dir);
  const a = segments[segments.length - 1]!;
  if (!a.offsetIndex.loaded || !a.timeIndex.loaded) a.ensureIndexes(config.indexIntervalBytes);
  if (a.nextOffset < 0 && !a.loadTail()) a.walk({ crc: true, indexIntervalBytes: config.indexIntervalBytes });
}

// ---------------------------------------------------------------------------------------------------------------
// producer state

/**
 * Applies an appended batch with a producer id (at `at` in `buf`, written at `firstOffset` into `seg`) to producer
 * state; a marker that aborted a transaction adds its entry to the segment's abort index. `replay` skips entries
 * a previous run already wrote.
 */
export function applyProducerBatch(
  producers: ProducerStateManager,
  seg: Segment,
  buf: Buffer,
  at: number,
  firstOffset: number,
  replay: boolean,
): void {
  const done = producers.applyBatch(buf, at, firstOffset);
  if (!done?.aborted) return;
  const ti = seg.abortIndex();
  if (replay && ti.lastMarkerOffset >= firstOffset) return;
  const f = producers.firstUnstableOffset();
  ti.append({
    producerId: done.producerId,
    firstOffset: done.firstOffset,
    lastOffset: done.lastOffset,
    lastStableOffset: f >= 0 ? f : firstOffset + 1,
  });
}

/**
 * Rebuilds producer state: the newest usable snapshot at or below the log end, then the batches after it.
 * `unclean` also trims abort-index entries beyond the log end (after recovery or truncation).
 */
export function rebuildProducerState(
  local: LocalLog,
  producers: ProducerStateManager,
  logStartOffset: number,
  unclean: boolean,
): void {
  producers.clear();
  const dir = local.dir;
  const end = local.logEndOffset;
  if (unclean) for (const s of local.segments) s.txnIndex?.truncateTo(end);
  let from = logStartOffset;
  const snaps = listSnapshots(dir);
  for (let i = snaps.length - 1; i >= 0; i--) {
    const o = snaps[i]!;
    const file = path.join(dir, snapshotFileName(o));
    if (o > end) {
      fs.rmSync(file, { force: true });
      continue;
    }
    try {
      producers.loadSnapshot(fs.readFileSync(file));
      from = Math.max(o, logStartOffset);
      break;
    } catch (e) {
      local.ctx.logger.warn({ dir, snapshot: o, err: (e as Error).message }, 'ignoring unreadable producer snapshot');
      producers.clear();
      fs.rmSync(file, { force: true });
    }
  }
  let at = from;
  while (at < end) {
    const buf = local.read(at, 1 << 20, true, Number.MAX_SAFE_INTEGER);
    if (buf === null || buf.length === 0) break;
    let p = 0;
    let next = at;
    while (p + BATCH_HEADER_SIZE <= buf.length) {
      const size = LOG_OVERHEAD + buf.readInt32BE(p + 8);
      if (p + size > buf.length) break;
      const base = readInt64(buf, p);
      if (buf[p + MAGIC] === 2) {
        next = base + buf.readInt32BE(p + LAST_OFFSET_DELTA) + 1;
        if (next > at && readInt64(buf, p + PRODUCER_ID) >= 0)
          applyProducerBatch(producers, local.segmentFor(base), buf, p, base, true);
      } else next = base + 1;
      p += size;
    }
    if (next <= at) break;
    at = next;
  }
}

/** Writes `<log end>.snapshot` and keeps only the newest few; a failure is logged (recovery replays more). */
export function writeProducerSnapshot(local: LocalLog, producers: ProducerStateManager): void {
  try {
    // Recovery replays only the markers after the snapshot: the abort entries before it must be on disk first.
    for (const s of local.segments) s.txnIndex?.syncNow();
    writeSnapshot(local.dir, local.logEndOffset, producers.encodeSnapshot());
    const all = listSnapshots(local.dir);
    for (const o of all.slice(0, Math.max(0, all.length - SNAPSHOTS_KEPT)))
      fs.rmSync(path.join(local.dir, snapshotFileName(o)), { force: true });
  } catch (e) {
    local.ctx.logger.warn({ dir: local.dir, err: (e as Error).message }, 'could not write producer state snapshot');
  }
}
