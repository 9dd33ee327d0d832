/**
 * Log compaction (cleanup.policy=compact / compact,delete).
 *
 * One pass over one log:
 *  1. scan every inactive segment below the first uncleanable offset (active segment, min.compaction.lag.ms),
 *     learning which transactions were aborted or committed and which batch is each producer's last, and
 *     building key -> latest offset over the dirty part (from the cleaner checkpoint on);
 *  2. rewrite those segments in groups (at most segment.bytes of input per group), keeping per key only the
 *     latest record, dropping aborted transactional data, and dropping tombstones whose delete horizon (set the
 *     first time a batch with tombstones is cleaned: now + delete.retention.ms, kept in the batch's baseTimestamp
 *     with attribute bit 6) has passed. A transaction marker stays while any batch of its transaction is in the
 *     log; once none is left (an earlier pass removed them), it gets a delete horizon the same way and goes when
 *     that has passed, with its abort-index entry, unless it is its producer's last batch. Offsets never change:
 *     a batch keeps its base offset and last offset delta, and records keep their offset deltas.
 * Each group is written to `<base>.log.cleaned` and swapped in through `.swap` files (see log-swap.ts).
 * This file schedules passes and runs them; pass 1 is cleaner-scan.ts (the key map), pass 2 cleaner-rewrite.ts
 * (segment rewriting) with the record-level rules of cleaner-records.ts.
 * All file I/O is asynchronous and work is cut into chunks, so produce and fetch keep running during a clean.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BATCH_HEADER_SIZE, MAGIC, MAX_TIMESTAMP, readInt64 } from '../protocol/records/layout.js';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint.js';
import type { CleanStats } from './cleaner-records.js';
import { rewriteGroup } from './cleaner-rewrite.js';
import { CleanAborted, filterContext, scanDirty } from './cleaner-scan.js';
import { silentLogger, type Logger } from './logger.js';
import type { PartitionLog } from './partition-log.js';
import type { Segment } from './segment.js';

export { DELETE_HORIZON_BIT, type CleanStats } from './cleaner-records.js';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

export interface LogCleanerOptions {
  /** The log directory (where the cleaner-offset-checkpoint lives). */
  dataDir: string;
  /** The logs to consider (the manager's current set). */
  logs: () => Iterable<PartitionLog>;
  logger?: Logger;
  now?: () => number;
  /** log.cleaner.backoff.ms: pause when no log needs cleaning. Default 15000. */
  backoffMs?: number;
  /** Upper bound on distinct keys per pass; the dirty range is cut at a segment boundary when reached. */
  maxMapEntries?: number;
}

export interface LogAssessment {
  firstDirtyOffset: number;
  /** Offset from which nothing may be cleaned (a segment base offset). */
  firstUncleanableOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes), 0 when there is nothing cleanable. */
  dirtyRatio: number;
  /** The oldest dirty record is older than max.compaction.lag.ms. */
  overdue: boolean;
  /** Tombstones written by an earlier pass have reached their delete horizon. */
  horizonDue: boolean;
}

function sleep(ms: number, wake: { fn: (() => void) | null }): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      wake.fn = null;
      resolve();
    }, ms);
    t.unref();
    wake.fn = () => {
      clearTimeout(t);
      wake.fn = null;
      resolve();
    };
  });
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

// ---------------------------------------------------------------------------------------------------------------

/**
 * The background cleaner of one log directory. Cleans one log at a time: the one with the highest dirty ratio
 * above its min.cleanable.dirty.ratio (or overdue by max.compaction.lag.ms, or with tombstones due for removal).
 */
export class LogCleaner {
  private readonly logger: Logger;
  private readonly now: () => number;
  /** log.cleaner.backoff.ms; a dynamic broker config, so it may change while the cleaner runs. */
  backoffMs: number;
  private readonly maxMapEntries: number;
  private readonly checkpointFile: string;
  /** First dirty offset by `topic-partition`. */
  private readonly firstDirty: Map<string, number>;
  /** Earliest delete horizon of tombstones left by the last pass, by `topic-partition`. */
  private readonly horizons = new Map<string, number>();
  private stopped = false;
  private loopDone: Promise<void> | null = null;
  private readonly wake: { fn: (() => void) | null } = { fn: null };
  private running: Promise<unknown> | null = null;
  /** Completed passes (for tests and metrics). */
  passes = 0;

  constructor(private readonly opts: LogCleanerOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.backoffMs = opts.backoffMs ?? 15000;
    this.maxMapEntries = opts.maxMapEntries ?? 1_000_000;
    this.checkpointFile = path.join(opts.dataDir, CLEANER_OFFSET_CHECKPOINT);
    this.firstDirty = readOffsetCheckpoint(this.checkpointFile);
  }

  /** Starts the background loop. */
  start(): void {
    if (this.loopDone || this.stopped) return;
    this.loopDone = this.loop();
  }

  /** Stops the loop, abandoning a pass in progress (its partial output is removed). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.fn?.();
    await this.loopDone;
    await this.running?.catch(() => {});
  }

  /** Runs a pass now instead of waiting for the backoff (tests, admin). */
  poke(): void {
    this.wake.fn?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let did: CleanStats | null = null;
      try {
        did = await this.cleanOnce();
      } catch (e) {
        if (!(e instanceof CleanAborted)) this.logger.error({ err: e }, 'log cleaner pass failed');
      }
      if (this.stopped) break;
      if (did) await yieldToLoop();
      else await sleep(this.backoffMs, this.wake);
    }
  }

  /** The first dirty offset of a log (cleaner checkpoint, bounded to the log's current range). */
  firstDirtyOffset(log: PartitionLog): number {
    const cp = this.firstDirty.get(`${log.topic}-${log.partition}`);
    if (cp === undefined || cp < log.logStartOffset || cp > log.logEndOffset) return log.logStartOffset;
    return cp;
  }

  /** Where a log stands with respect to cleaning. */
  assess(log: PartitionLog, now = this.now()): LogAssessment {
    const cfg = log.config;
    const segs = log.segmentsForCleaner();
    const firstDirty = this.firstDirtyOffset(log);
    let uncleanable = segs.length - 1;
    if (cfg.minCompactionLagMs > 0) {
      for (let i = 0; i < uncleanable; i++) {
        if (segs[i]!.largestTimestamp() > now - cfg.minCompactionLagMs) {
          uncleanable = i;
          break;
        }
      }
    }
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let firstDirtySeg: Segment | null = null;
    for (let i = 0; i < uncleanable; i++) {
      const s = segs[i]!;
      if (segs[i + 1]!.baseOffset <= firstDirty) cleanBytes += s.size;
      else {
        dirtyBytes += s.size;
        firstDirtySeg ??= s;
      }
    }
    const total = cleanBytes + dirtyBytes;
    let overdue = false;
    if (firstDirtySeg && dirtyBytes > 0 && cfg.maxCompactionLagMs < 1e15) {
      const ts = this.firstTimestamp(firstDirtySeg);
      overdue = ts >= 0 && now - ts > cfg.maxCompactionLagMs;
    }
    const h = this.horizons.get(`${log.topic}-${log.partition}`);
    return {
      firstDirtyOffset: firstDirty,
      firstUncleanableOffset: segs[uncleanable]!.baseOffset,
      cleanBytes,
      dirtyBytes,
      dirtyRatio: total > 0 ? dirtyBytes / total : 0,
      overdue,
      horizonDue: h !== undefined && h <= now && uncleanable > 0,
    };
  }

  /** Max timestamp of a segment's first batch (a lower bound for its oldest record's age), -1 if unknown. */
  private firstTimestamp(seg: Segment): number {
    if (seg.firstBatchTimestamp >= 0) return seg.firstBatchTimestamp;
    let fd = -1;
    try {
      fd = fs.openSync(seg.logPath, 'r');
      const b = Buffer.alloc(BATCH_HEADER_SIZE);
      if (fs.readSync(fd, b, 0, BATCH_HEADER_SIZE, 0) < BATCH_HEADER_SIZE || b[MAGIC] !== 2)
        return seg.largestTimestamp();
      return readInt64(b, MAX_TIMESTAMP);
    } catch {
      return -1;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /** Picks the log that most needs cleaning and cleans it; null when none qualifies. */
  async cleanOnce(now = this.now()): Promise<CleanStats | null> {
    let best: PartitionLog | null = null;
    let bestScore = -1;
    let fallback: PartitionLog | null = null;
    for (const log of this.opts.logs()) {
      if (log.isClosed || log.config.cleanupPolicy === 'delete') continue;
      const a = this.assess(log, now);
      const eligible = a.dirtyBytes > 0 && (a.overdue || a.dirtyRatio > log.config.minCleanableDirtyRatio);
      if (eligible) {
        const score = a.dirtyRatio + (a.overdue ? 1 : 0);
        if (score > bestScore) {
          best = log;
          bestScore = score;
        }
      } else if (a.horizonDue && !fallback) fallback = log;
    }
    const log = best ?? fallback;
    if (!log) return null;
    return this.cleanLog(log, now);
  }

  /**
   * Cleans `log` now, whatever its dirty ratio (still never the active segment nor segments within
   * min.compaction.lag.ms). Returns null when there is nothing it may clean.
   */
  async cleanLog(log: PartitionLog, now = this.now()): Promise<CleanStats | null> {
    while (this.running) await this.running.catch(() => {});
    const p = this.doClean(log, now);
    this.running = p;
    try {
      return await p;
    } catch (e) {
      if (e instanceof CleanAborted) {
        this.logger.info({ dir: log.dir, reason: e.message }, 'log cleaning abandoned');
        return null;
      }
      throw e;
    } finally {
      if (this.running === p) this.running = null;
    }
  }

  private async doClean(log: PartitionLog, now: number): Promise<CleanStats | null> {
    if (log.isClosed || log.config.cleanupPolicy === 'delete') return null;
    const t0 = Date.now();
    const cfg = log.config;
    const key = `${log.topic}-${log.partition}`;
    const a = this.assess(log, now);
    const segs = log.segmentsForCleaner();
    let rewrite = segs.filter((s) => s.baseOffset < a.firstUncleanableOffset);
    if (rewrite.length === 0) return null;
    const stats: CleanStats = {
      topic: log.topic,
      partition: log.partition,
      firstDirtyOffset: a.firstDirtyOffset,
      endOffset: a.firstUncleanableOffset,
      segmentsBefore: rewrite.length,
      segmentsAfter: 0,
      bytesBefore: 0,
      bytesAfter: 0,
      recordsRead: 0,
      recordsRetained: 0,
      tombstonesRemoved: 0,
      abortedBatchesRemoved: 0,
      markersRemoved: 0,
      groups: 0,
      ms: 0,
    };
    const check = (): void => {
      if (this.stopped) throw new CleanAborted('cleaner stopping');
      if (log.isClosed) throw new CleanAborted('log closed');
    };
    const nextBase = (s: Segment): number => segs[segs.indexOf(s) + 1]!.baseOffset;

    const scan = await scanDirty(
      rewrite,
      nextBase,
      a.firstDirtyOffset,
      a.firstUncleanableOffset,
      this.maxMapEntries,
      check,
    );
    rewrite = scan.rewrite;
    const mapEnd = scan.mapEnd;
    stats.endOffset = mapEnd;
    const fctx = filterContext(scan, now, cfg.deleteRetentionMs, stats);

    // ---- pass 2: rewrite in groups
    let minHorizon = Infinity;
    let at = 0;
    while (at < rewrite.length) {
      const r = await rewriteGroup(log, rewrite.slice(at), nextBase, fctx, check);
      if (r === null) {
        this.logger.info({ dir: log.dir }, 'log changed during cleaning; pass abandoned');
        return null;
      }
      for (let k = 0; k < r.consumed; k++) stats.bytesBefore += rewrite[at + k]!.size;
      at += r.consumed;
      stats.groups++;
      stats.bytesAfter += r.size;
      if (r.minHorizon < minHorizon) minHorizon = r.minHorizon;
    }
    stats.segmentsAfter = stats.groups;
    if (minHorizon < Infinity) this.horizons.set(key, minHorizon);
    else this.horizons.delete(key);
    this.firstDirty.set(key, mapEnd);
    this.writeCheckpoint();
    stats.ms = Date.now() - t0;
    this.passes++;
    this.logger.info({ ...stats }, 'cleaned log');
    return stats;
  }

  /** Forgets a deleted log. */
  forget(topic: string, partition: number): void {
    const key = `${topic}-${partition}`;
    this.firstDirty.delete(key);
    this.horizons.delete(key);
  }

  /** Writes first dirty offsets of the logs that still exist. */
  writeCheckpoint(): void {
    const live = new Set<string>();
    for (const l of this.opts.logs()) live.add(`${l.topic}-${l.partition}`);
    const entries: [string, number, number][] = [];
    for (const [k, off] of this.firstDirty) {
      if (!live.has(k)) continue;
      const i = k.lastIndexOf('-');
      entries.push([k.slice(0, i), Number(k.slice(i + 1)), off]);
    }
    writeOffsetCheckpoint(this.checkpointFile, entries);
  }
}
