/**
 * The local log of one partition: the ordered list of segments in `<topic>-<partition>/` (the last one active),
 * the log end offset, and the operations on bytes at offsets: append of already offset-stamped batches (rolling
 * when the active segment says so), reads of whole batches, lookups by timestamp, roll, truncation, deletion of
 * the oldest segments and the cleaner's swap of rewritten ones. It knows nothing of producers, leader epochs,
 * the high watermark or the log start offset: the unified log (partition-log.ts) keeps those on top.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StorageContext } from './context.js';
import { LogFlusher } from './log-flusher.js';
import type { LogConfig } from './log-config.js';
import { cleanedToSwap, swapIntoPlace } from './log-swap.js';
import { Segment } from './segment.js';
import { TAIL_CACHE_LOG_BYTES, TailCache } from './tail-cache.js';
import { TXN_INDEX_SUFFIX, TxnIndex, type AbortedTxn } from './txn-index.js';

const INT32_MAX = 2147483647;

export interface TimestampOffset {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export class LocalLog {
  private segs: Segment[];
  private nextOffset: number;
  /** Group commit and the recovery point. */
  readonly flusher: LogFlusher;
  /** Called after a roll made a new active segment (the unified log snapshots producer state then). */
  onRoll: (() => void) | null = null;
  closed = false;
  deleted = false;
  /** The last appended bytes of the active segment, for reads at the log end. */
  readonly tail: TailCache;

  constructor(
    readonly dir: string,
    public config: LogConfig,
    readonly ctx: StorageContext,
    segments: Segment[],
    nextOffset: number,
    recoveryPoint: number,
  ) {
    this.segs = segments;
    this.nextOffset = nextOffset;
    this.flusher = new LogFlusher(this, recoveryPoint);
    this.tail = new TailCache(TAIL_CACHE_LOG_BYTES, ctx.tailBudget);
  }

  /** The offset the next appended record gets. */
  get logEndOffset(): number {
    return this.nextOffset;
  }

  /** The current segments, oldest first; the last one is active. */
  get segments(): readonly Segment[] {
    return this.segs;
  }

  get active(): Segment {
    return this.segs[this.segs.length - 1]!;
  }

  /** Total bytes of all segments. */
  get size(): number {
    let n = 0;
    for (const s of this.segs) n += s.size;
    return n;
  }

  /** Creates the files of a new segment at `base` with its share of segment.jitter.ms (not yet in the list). */
  static newSegment(dir: string, config: LogConfig, ctx: StorageContext, base: number): Segment {
    const s = Segment.create(dir, base, config.segmentIndexBytes, ctx.files, ctx.now());
    const j = config.segmentJitterMs;
    s.rollJitterMs = j > 0 ? Math.floor(Math.random() * Math.min(j, config.segmentMs)) : 0;
    return s;
  }

  private addSegment(base: number): Segment {
    const s = LocalLog.newSegment(this.dir, this.config, this.ctx, base);
    this.segs.push(s);
    this.flusher.onNewSegment();
    return s;
  }

  /** Index of the segment holding `offset` (greatest base offset <= offset), 0 if before all. */
  segmentIndexFor(offset: number): number {
    const segs = this.segs;
    let lo = 0;
    let hi = segs.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (segs[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The segment holding `offset` (the first one if the offset is before all). */
  segmentFor(offset: number): Segment {
    return this.segs[this.segmentIndexFor(offset)]!;
  }

  // ---------------------------------------------------------------- append and roll

  /**
   * Writes batches already stamped with offsets up to `lastOffset` (whole batches, `bytes.length` in all, largest
   * timestamp `maxTimestamp`) at the end of the log, in a new segment when the active one says it must roll.
   * Throws the I/O error of a failed write (the segment file is cut back; the log end does not move).
   */
  append(bytes: Buffer, lastOffset: number, maxTimestamp: number): Segment {
    let seg = this.active;
    const cfg = this.config;
    if (seg.shouldRoll(cfg, bytes.length, maxTimestamp, lastOffset, this.ctx.now)) seg = this.roll();
    seg.append(bytes, lastOffset, cfg.indexIntervalBytes);
    this.flusher.markDirty(seg);
    this.nextOffset = lastOffset + 1;
    this.tail.add(bytes, lastOffset);
    return seg;
  }

  /** Starts a new active segment at the log end (unless the active one is empty); the old one is flushed soon. */
  roll(): Segment {
    const old = this.active;
    if (old.size === 0) return old;
    old.onBecomeInactive();
    const seg = this.addSegment(this.nextOffset);
    this.tail.clear();
    this.flusher.markDirty(old);
    this.onRoll?.();
    this.ctx.logger.debug({ dir: this.dir, baseOffset: seg.baseOffset }, 'rolled log segment');
    this.flusher.kick();
    return seg;
  }

  // ---------------------------------------------------------------- reads

  /**
   * Whole batches from the one holding `offset`, up to `maxBytes` (or the first whole batch when `minOneBatch`),
   * none whose last offset reaches `maxOffset`, from a single segment. Empty when nothing qualifies.
   */
  read(offset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number, oneBuffer = false): Buffer | null {
    const cached = this.tail.read(offset, maxBytes, minOneBatch, maxOffset, oneBuffer);
    if (cached !== undefined) return cached;
    const interval = this.config.indexIntervalBytes;
    for (let i = this.segmentIndexFor(offset); i < this.segs.length; i++) {
      const r = this.segs[i]!.read(offset, maxBytes, minOneBatch, maxOffset, interval);
      if (r) return r;
    }
    return null;
  }

  /** First record at or after `minOffset` whose timestamp is >= ts; null if there is none. */
  offsetForTimestamp(ts: number, minOffset: number): TimestampOffset | null {
    const interval = this.config.indexIntervalBytes;
    for (const seg of this.segs) {
      if (seg.size === 0 || seg.largestTimestamp() < ts) continue;
      const hit = seg.findOffsetByTimestamp(ts, minOffset, interval);
      if (hit) return hit;
    }
    return null;
  }

  /** The record with the largest timestamp (the first one if tied) at or after `minOffset`. */
  maxTimestampOffset(minOffset: number): TimestampOffset | null {
    let best: Segment | null = null;
    let bestTs = -1;
    for (const seg of this.segs) {
      if (seg.size === 0) continue;
      if (!seg.timeIndex.loaded && seg.maxTimestamp < 0) seg.largestTimestamp();
      if (seg.maxTimestamp > bestTs) {
        bestTs = seg.maxTimestamp;
        best = seg;
      }
    }
    if (!best) return null;
    return best.findOffsetByTimestamp(bestTs, minOffset, this.config.indexIntervalBytes);
  }

  // ---------------------------------------------------------------- truncation and deletion

  /**
   * Removes every batch at or after `offset` (cut at the start of the batch holding it) and the abort-index
   * entries of markers there. Returns the new log end offset. `offset` must be at or after the first segment.
   */
  truncateTo(offset: number): number {
    this.tail.clear();
    const i = this.segs.findIndex((s) => s.baseOffset > offset);
    if (i > 0) for (const s of this.segs.splice(i)) this.removeSegmentFiles(s);
    const a = this.active;
    this.nextOffset = a.truncateTo(offset, this.config.indexIntervalBytes);
    a.txnIndex?.truncateTo(this.nextOffset);
    this.flusher.markDirty(a);
    this.flusher.onTruncate();
    return this.nextOffset;
  }

  /** Drops every segment and starts again with an empty one at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    this.tail.clear();
    for (const s of this.segs.splice(0)) this.removeSegmentFiles(s);
    this.nextOffset = offset;
    this.addSegment(offset);
    this.flusher.onTruncate();
  }

  /**
   * Deletes the `k` oldest segments (rolling first when that is all of them, so an active segment remains);
   * returns them.
   */
  deleteOldestSegments(k: number): Segment[] {
    if (k <= 0) return [];
    if (k >= this.segs.length) this.roll();
    const gone = this.segs.splice(0, k);
    for (const s of gone) this.removeSegmentFiles(s);
    return gone;
  }

  /** Renames a segment's files to `.deleted` and unlinks them after file.delete.delay.ms. */
  removeSegmentFiles(s: Segment): void {
    this.flusher.forget(s);
    const files = s.markDeleted();
    const delay = this.config.fileDeleteDelayMs;
    const unlink = (): void => {
      for (const f of files) fs.rmSync(f, { force: true });
    };
    if (delay <= 0) unlink();
    else setTimeout(unlink, Math.min(delay, INT32_MAX)).unref();
  }

  /**
   * Swaps the cleaner's durable output `<base>.log.cleaned` (and its index files) in for `old`, a run of
   * consecutive inactive segments starting at `base`. Synchronous, so readers and appenders never see a half
   * swap. Returns false (and touches nothing) when the segments changed meanwhile (retention, truncation, close).
   */
  replaceWithCleaned(old: readonly Segment[]): boolean {
    if (this.closed || old.length === 0) return false;
    const i = this.segs.indexOf(old[0]!);
    if (i < 0 || i + old.length >= this.segs.length) return false;
    for (let k = 1; k < old.length; k++) if (this.segs[i + k] !== old[k]) return false;
    const base = old[0]!.baseOffset;
    const baseStr = String(base).padStart(20, '0');
    cleanedToSwap(this.dir, baseStr);
    // the old segments' abort indexes go with them: the cleaner wrote their entries into the new one's
    for (const s of old) this.removeSegmentFiles(s);
    swapIntoPlace(this.dir, baseStr);
    const seg = Segment.open(this.dir, base, this.config.segmentIndexBytes, this.ctx.files);
    if (fs.existsSync(path.join(this.dir, baseStr + TXN_INDEX_SUFFIX))) seg.txnIndex = new TxnIndex(this.dir, base);
    this.segs.splice(i, old.length, seg);
    this.ctx.logger.info(
      { dir: this.dir, replaced: old.map((s) => s.baseOffset), size: seg.size },
      'swapped in cleaned log segment',
    );
    return true;
  }

  /**
   * Aborted transactions overlapping [from, upper), oldest marker first, for a read_committed fetch. A marker
   * written when the last stable offset had already reached `upper` ends the search: every later abort started
   * at or after it.
   */
  collectAbortedTxns(from: number, upper: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    for (let i = this.segmentIndexFor(from); i < this.segs.length; i++) {
      const ti = this.segs[i]!.txnIndex;
      if (!ti) continue;
      for (const e of ti.entries()) {
        if (e.lastOffset >= from && e.firstOffset < upper) out.push(e);
        if (e.lastStableOffset >= upper) return out;
      }
    }
    return out;
  }

  closeFiles(): void {
    this.tail.clear();
    for (const s of this.segs) s.closeFiles();
  }
}
