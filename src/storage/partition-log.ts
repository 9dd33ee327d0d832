import fs from 'node:fs';
import path from 'node:path';
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  BATCH_HEADER_SIZE,
  CONTROL_BIT,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  TRANSACTIONAL_BIT,
  readInt64,
  writeInt64,
} from '../protocol/records/layout.js';
import { fsyncDir } from './checkpoint.js';
import { FileCache } from './file-cache.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogConfig } from './log-config.js';
import { defaultLogConfig } from './log-config.js';
import { silentLogger, type Logger } from './logger.js';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, Segment, TIME_INDEX_SUFFIX } from './segment.js';
import { cleanedToSwap, completeInterruptedSwaps, swapIntoPlace } from './log-swap.js';
import { ProducerStateManager, listSnapshots, snapshotFileName, writeSnapshot } from './producer-state.js';
import { TXN_INDEX_SUFFIX, TxnIndex, type AbortedTxn } from './txn-index.js';

/** Kafka error codes storage can surface. */
export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  KAFKA_STORAGE_ERROR: 56,
} as const;

export class StorageError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** Shared services of all logs of a LogManager (or a default for a standalone log). */
export interface StorageContext {
  files: FileCache;
  logger: Logger;
  /** Asynchronous fdatasync; injectable so tests can count calls (group commit). */
  fdatasync: (fd: number) => Promise<void>;
  now: () => number;
  /** The log start offset moved because of deleteRecordsBefore; the owner persists its checkpoint. */
  onLogStartOffsetChange?: (log: PartitionLog) => void;
}

export function defaultFdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function createStorageContext(p: Partial<StorageContext> = {}): StorageContext {
  return {
    files: p.files ?? new FileCache(1000),
    logger: p.logger ?? silentLogger,
    fdatasync: p.fdatasync ?? defaultFdatasync,
    now: p.now ?? Date.now,
    onLogStartOffsetChange: p.onLogStartOffsetChange,
  };
}

export interface PartitionLogOptions {
  config?: LogConfig;
  ctx?: StorageContext;
  /**
   * Whether the previous process shut down cleanly. When false (the default for a standalone log), segments
   * from `recoveryPoint` on are re-validated batch by batch and their indexes rebuilt.
   */
  cleanShutdown?: boolean;
  recoveryPoint?: number;
  /** From the log-start-offset checkpoint, if any. */
  logStartOffset?: number;
  /** On a single broker the high watermark simply follows the log end; replication turns this off. */
  hwFollowsLeo?: boolean;
}

export interface AppendMeta {
  maxTimestamp?: number;
  recordCount?: number;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  logAppendTime: number;
  logStartOffset: number;
  /** The batch was a producer retry of one already in the log; the offsets are the original ones. */
  duplicate?: boolean;
}

export interface ReadOptions {
  /** Return the first batch even if it exceeds maxBytes (KIP-74). Default true. */
  minOneBatch?: boolean;
  /** Exclusive upper bound: no batch whose last offset reaches it is returned (e.g. the high watermark). */
  maxOffset?: number;
}

export interface ReadResult {
  errorCode: number;
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface TimestampOffset {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

interface FlushWaiter {
  offset: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

const EMPTY = Buffer.alloc(0);
const INT32_MAX = 2147483647;
const INVALID_RECORD = 87;

/** Parses `<topic>-<partition>` (the topic itself may contain dashes). */
export function parseLogDirName(name: string): { topic: string; partition: number } | null {
  const i = name.lastIndexOf('-');
  if (i <= 0) return null;
  const p = name.slice(i + 1);
  if (!/^\d+$/.test(p)) return null;
  return { topic: name.slice(0, i), partition: Number(p) };
}

/**
 * The log of one partition: an ordered list of segments in `<topic>-<partition>/`, the last one active.
 * Appends are pass-through: batches arrive validated, get their base offset and leader epoch stamped in place
 * (both outside the CRC) and are written with one synchronous write, so an acknowledged append survives a crash
 * of the process. Durability against power loss is opt-in (flush.messages / appendDurable).
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  private segments: Segment[] = [];
  private _logStartOffset = 0;
  private _nextOffset = 0;
  private _highWatermark = 0;
  private _recoveryPoint = 0;
  /** The last append failed with an I/O error (logged once until an append succeeds). */
  private appendsFailing = false;
  private _leaderEpoch = 0;
  private hwFollowsLeo: boolean;
  readonly epochCache: LeaderEpochCache;
  private closed = false;
  private deleted = false;
  /** Idempotent/transactional producers writing here (sequence checks, open transactions). */
  readonly producers = new ProducerStateManager();
  /** Abort indexes by segment base offset, only for segments that have one. */
  private readonly txnIndexes = new Map<number, TxnIndex>();

  // flush state
  private dirty = new Set<Segment>();
  private newSegmentSinceFlush = false;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private flushRunning = false;
  private flushAgain = false;
  private fullFlushWanted = false;
  private waiters: FlushWaiter[] = [];
  /** Number of flush rounds run (each round = one fdatasync per dirty file). */
  flushRounds = 0;

  private constructor(
    readonly dir: string,
    private _config: LogConfig,
    readonly ctx: StorageContext,
    hwFollowsLeo: boolean,
  ) {
    const parsed = parseLogDirName(path.basename(dir));
    this.topic = parsed?.topic ?? path.basename(dir);
    this.partition = parsed?.partition ?? 0;
    this.hwFollowsLeo = hwFollowsLeo;
    this.epochCache = new LeaderEpochCache(dir);
    this.lastFlushMs = ctx.now();
  }

  /** Opens (creating if absent) the log in `dir`, recovering it when the last shutdown was not clean. */
  static open(dir: string, opts: PartitionLogOptions = {}): PartitionLog {
    fs.mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(
      dir,
      opts.config ?? defaultLogConfig(),
      opts.ctx ?? createStorageContext(),
      opts.hwFollowsLeo ?? true,
    );
    log.load(opts);
    return log;
  }

  // ---------------------------------------------------------------- accessors

  get config(): LogConfig {
    return this._config;
  }
  updateConfig(c: LogConfig): void {
    this._config = c;
  }
  get logStartOffset(): number {
    return this._logStartOffset;
  }
  /** The offset the next appended record will get. */
  get logEndOffset(): number {
    return this._nextOffset;
  }
  get highWatermark(): number {
    return this._highWatermark;
  }
  set highWatermark(v: number) {
    this._highWatermark = Math.max(this._logStartOffset, Math.min(v, this._nextOffset));
  }
  /** Leader epoch stamped into appended batches. */
  get leaderEpoch(): number {
    return this._leaderEpoch;
  }
  set leaderEpoch(e: number) {
    this._leaderEpoch = e;
  }
  /** Everything below this offset is known to be on stable storage. */
  get recoveryPoint(): number {
    return this._recoveryPoint;
  }
  get segmentCount(): number {
    return this.segments.length;
  }
  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }
  /** Total bytes of all segments. */
  get size(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }
  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }
  /** True when acknowledgements must wait for fdatasync (flush.messages = 1). */
  get requiresDurableAppend(): boolean {
    return this._config.flushMessages <= 1;
  }
  get hasUnflushedData(): boolean {
    return this._recoveryPoint < this._nextOffset || this.dirty.size > 0;
  }

  // ---------------------------------------------------------------- loading and recovery

  private load(opts: PartitionLogOptions): void {
    // a cleaner killed after making its output durable left a `.log.swap`: finish that swap first
    completeInterruptedSwaps(this.dir, this.ctx.logger);
    const names = fs.readdirSync(this.dir);
    const bases: number[] = [];
    const logs = new Set<string>();
    for (const n of names) {
      if (n.endsWith(DELETED_SUFFIX) || n.endsWith('.tmp') || n.endsWith('.cleaned') || n.endsWith('.swap')) {
        fs.rmSync(path.join(this.dir, n), { force: true });
      } else if (n.endsWith(LOG_SUFFIX) && /^\d{20}\.log$/.test(n)) {
        bases.push(Number(n.slice(0, 20)));
        logs.add(n.slice(0, 20));
      }
    }
    for (const n of names) {
      // an index without its log is a leftover of an interrupted delete
      if ((n.endsWith(INDEX_SUFFIX) || n.endsWith(TIME_INDEX_SUFFIX)) && !logs.has(n.slice(0, 20)))
        fs.rmSync(path.join(this.dir, n), { force: true });
    }
    bases.sort((a, b) => a - b);
    const cfg = this._config;
    this.segments = bases.map((b) => Segment.open(this.dir, b, cfg.segmentIndexBytes, this.ctx.files));
    if (this.segments.length === 0) {
      this.segments.push(this.newSegment(opts.logStartOffset ?? 0));
    }
    const clean = opts.cleanShutdown ?? false;
    if (!clean) {
      this.recover(opts.recoveryPoint ?? 0);
    } else {
      const a = this.active;
      a.ensureIndexes(cfg.indexIntervalBytes);
      if (!a.loadTail()) {
        this.ctx.logger.warn(
          { dir: this.dir },
          'active segment tail is inconsistent after a clean shutdown; recovering it',
        );
        this.recover(a.baseOffset);
      }
    }
    this._nextOffset = this.active.nextOffset;
    this._logStartOffset = Math.max(opts.logStartOffset ?? 0, this.segments[0]!.baseOffset);
    if (this._logStartOffset > this._nextOffset) {
      // the checkpoint says data up to here was deleted, but the files end earlier: start afresh there
      this.truncateFullyAndStartAt(this._logStartOffset);
    }
    this.epochCache.truncateFromEnd(this._nextOffset);
    this.epochCache.truncateFromStart(this._logStartOffset);
    this._recoveryPoint = clean ? Math.min(opts.recoveryPoint ?? this._nextOffset, this._nextOffset) : this._nextOffset;
    this._highWatermark = this._nextOffset;
    this.loadProducerState(!clean);
  }

  /** Re-validates every batch from the segment holding `from`, truncating at the first bad one. */
  private recover(from: number): void {
    const cfg = this._config;
    let i = this.segmentIndexFor(from);
    this.epochCache.truncateFromEnd(this.segments[i]!.baseOffset);
    const recovered: Segment[] = [];
    for (; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const r = seg.walk({
        crc: true,
        indexIntervalBytes: cfg.indexIntervalBytes,
        onBatch: (e, b) => this.epochCache.assign(e, b, false),
      });
      recovered.push(seg);
      const next = this.segments[i + 1];
      const damaged = r.validBytes < seg.size;
      if (damaged) {
        this.ctx.logger.warn(
          { dir: this.dir, segment: seg.baseOffset, validBytes: r.validBytes, size: seg.size, problem: r.problem },
          'truncating invalid tail of log segment',
        );
        seg.truncateBytes(r.validBytes);
      }
      if (next && (damaged || next.baseOffset < r.nextOffset)) {
        // everything after a damaged segment is unreachable by offset order; drop it
        for (const s of this.segments.splice(i + 1)) this.removeSegmentFiles(s);
        break;
      }
    }
    this.epochCache.persist();
    for (const seg of recovered) {
      for (const p of seg.paths) fs.fsyncSync(this.ctx.files.fd(p));
    }
    fsyncDir(this.dir);
    const a = this.active;
    if (!a.offsetIndex.loaded || !a.timeIndex.loaded) a.ensureIndexes(cfg.indexIntervalBytes);
    if (a.nextOffset < 0 && !a.loadTail()) a.walk({ crc: true, indexIntervalBytes: cfg.indexIntervalBytes });
  }

  private newSegment(base: number): Segment {
    const s = Segment.create(this.dir, base, this._config.segmentIndexBytes, this.ctx.files, this.ctx.now());
    const j = this._config.segmentJitterMs;
    s.rollJitterMs = j > 0 ? Math.floor(Math.random() * Math.min(j, this._config.segmentMs)) : 0;
    this.newSegmentSinceFlush = true;
    return s;
  }

  /** Index of the segment holding `offset` (greatest base offset <= offset), 0 if before all. */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  // ---------------------------------------------------------------- append

  /**
   * Appends one or more validated magic-2 batches. Offsets are assigned by overwriting each batch's base
   * offset (and its partition leader epoch) in `batches` itself; records are not decoded.
   */
  append(batches: Buffer, _meta?: AppendMeta): AppendResult {
    if (this.closed) throw new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} is closed`);
    const n = batches.length;
    if (n === 0) throw new StorageError(ErrorCode.CORRUPT_MESSAGE, 'empty append');
    const cfg = this._config;
    if (n > cfg.segmentBytes) {
      throw new StorageError(
        ErrorCode.RECORD_LIST_TOO_LARGE,
        `append of ${n} bytes exceeds segment.bytes ${cfg.segmentBytes}`,
      );
    }
    // Only batches with a producer id (idempotent/transactional writers, markers) pay for producer state.
    const pid = n >= BATCH_HEADER_SIZE ? readInt64(batches, PRODUCER_ID) : -1;
    if (pid >= 0) {
      const dup = this.checkProducer(batches, pid);
      if (dup) return dup;
    }
    const first = this._nextOffset;
    let next = first;
    let maxTs = -1;
    let p = 0;
    const epoch = this._leaderEpoch;
    while (p < n) {
      if (p + BATCH_HEADER_SIZE > n) throw new StorageError(ErrorCode.CORRUPT_MESSAGE, 'truncated batch header');
      const size = LOG_OVERHEAD + batches.readInt32BE(p + 8);
      if (size < BATCH_HEADER_SIZE || p + size > n || batches[p + MAGIC] !== 2) {
        throw new StorageError(ErrorCode.CORRUPT_MESSAGE, `malformed batch at byte ${p}`);
      }
      const delta = batches.readInt32BE(p + LAST_OFFSET_DELTA);
      if (delta < 0) throw new StorageError(ErrorCode.CORRUPT_MESSAGE, 'negative lastOffsetDelta');
      writeInt64(batches, p, next);
      batches.writeInt32BE(epoch, p + PARTITION_LEADER_EPOCH);
      next += delta + 1;
      const ts = readInt64(batches, p + MAX_TIMESTAMP);
      if (ts > maxTs) maxTs = ts;
      p += size;
    }
    const last = next - 1;
    let seg: Segment;
    try {
      seg = this.maybeRoll(n, maxTs, last);
      seg.append(batches, last, cfg.indexIntervalBytes);
    } catch (e) {
      const why = (e as Error).message;
      // Logged once per run of failures (a full disk fails every produce), then once when appends work again.
      if (!this.appendsFailing) {
        this.appendsFailing = true;
        this.ctx.logger.error(
          { dir: this.dir, err: why },
          'appends to this partition fail (not logged again until one succeeds)',
        );
      }
      throw new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `write to ${this.dir} failed: ${why}`);
    }
    if (this.appendsFailing) {
      this.appendsFailing = false;
      this.ctx.logger.info({ dir: this.dir }, 'appends to this partition work again');
    }
    this.dirty.add(seg);
    this._nextOffset = next;
    if (pid >= 0) this.applyProducerBatch(batches, 0, first, seg.baseOffset, false);
    if (this.hwFollowsLeo) this._highWatermark = next;
    if (epoch > this.epochCache.latestEpoch) this.epochCache.assign(epoch, first, false);
    this.unflushedMessages += next - first;
    if (this.unflushedMessages >= cfg.flushMessages) this.kickFlush();
    return { baseOffset: first, lastOffset: last, logAppendTime: -1, logStartOffset: this._logStartOffset };
  }

  /** append() that resolves only once the appended data has been fdatasync'ed (shared with concurrent callers). */
  async appendDurable(batches: Buffer, meta?: AppendMeta): Promise<AppendResult> {
    const r = this.append(batches, meta);
    await this.awaitFlush(r.lastOffset + 1);
    return r;
  }

  private maybeRoll(bytes: number, maxTs: number, lastOffset: number): Segment {
    const seg = this.active;
    if (seg.size === 0) return seg;
    const cfg = this._config;
    const waited = seg.firstBatchTimestamp >= 0 ? maxTs - seg.firstBatchTimestamp : this.ctx.now() - seg.createdMs;
    if (
      seg.size > cfg.segmentBytes - bytes ||
      waited > cfg.segmentMs - seg.rollJitterMs ||
      seg.offsetIndex.isFull ||
      seg.timeIndex.isFull ||
      lastOffset - seg.baseOffset > INT32_MAX
    ) {
      return this.roll();
    }
    return seg;
  }

  /** Starts a new active segment at the log end; the old one is flushed in the background. */
  roll(): Segment {
    const old = this.active;
    if (old.size === 0) return old;
    old.onBecomeInactive();
    const seg = this.newSegment(this._nextOffset);
    this.segments.push(seg);
    this.takeProducerSnapshot();
    this.dirty.add(old);
    this.ctx.logger.debug({ dir: this.dir, baseOffset: seg.baseOffset }, 'rolled log segment');
    this.kickFlush();
    return seg;
  }

  // ---------------------------------------------------------------- flushing

  /** Resolves once every offset below `offset` is on stable storage; concurrent waiters share fdatasyncs. */
  awaitFlush(offset: number): Promise<void> {
    if (offset <= this._recoveryPoint) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      this.kickFlush();
    });
  }

  /** Flushes everything appended so far, including the active segment's index files. */
  flush(): Promise<void> {
    this.fullFlushWanted = true;
    this.dirty.add(this.active);
    return new Promise((resolve, reject) => {
      this.waiters.push({ offset: this._nextOffset, resolve, reject });
      this.kickFlush(true);
    });
  }

  /** Called periodically by the manager: flush when data has been unflushed longer than flush.ms. */
  maybeFlushByTime(now: number): void {
    if (this.closed || !this.hasUnflushedData) return;
    if (now - this.lastFlushMs >= this._config.flushMs) this.kickFlush();
  }

  private kickFlush(force = false): void {
    if (this.flushRunning) {
      this.flushAgain = true;
      return;
    }
    if (!force && !this.hasUnflushedData && this.waiters.length === 0) return;
    this.flushRunning = true;
    void this.runFlush();
  }

  private async runFlush(): Promise<void> {
    try {
      do {
        this.flushAgain = false;
        const target = this._nextOffset;
        this.epochCache.persistIfDirty();
        const full = this.fullFlushWanted;
        this.fullFlushWanted = false;
        const syncDir = this.newSegmentSinceFlush;
        this.newSegmentSinceFlush = false;
        const segs = [...this.dirty];
        this.dirty.clear();
        const active = this.active;
        const pins: { fd: number; release: () => void }[] = [];
        try {
          for (const s of segs) {
            if (this.deleted) break;
            if (s !== active || full) {
              for (const p of s.paths) pins.push(this.ctx.files.pin(p));
            } else pins.push(this.ctx.files.pin(s.logPath));
          }
          this.flushRounds++;
          await Promise.all(pins.map((h) => this.ctx.fdatasync(h.fd)));
          for (const ti of this.txnIndexes.values())
            if (ti.needsSync && !this.deleted) await ti.sync(this.ctx.fdatasync);
          if (syncDir && !this.deleted) await fsyncDirAsync(this.dir);
        } finally {
          for (const h of pins) h.release();
        }
        if (target > this._recoveryPoint) this._recoveryPoint = target;
        this.unflushedMessages = this._nextOffset - this._recoveryPoint;
        this.lastFlushMs = this.ctx.now();
        this.settleWaiters();
      } while (this.flushAgain || this.waiters.length > 0);
    } catch (e) {
      this.ctx.logger.error({ dir: this.dir, err: e }, 'flush of partition log failed');
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws)
        w.reject(new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `flush failed: ${(e as Error).message}`));
    } finally {
      this.flushRunning = false;
    }
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const rp = this._recoveryPoint;
    const keep: FlushWaiter[] = [];
    for (const w of this.waiters) {
      // a waiter beyond the log end (after a truncation) is released: nothing more to wait for
      if (w.offset <= rp || w.offset > this._nextOffset) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /** Synchronous flush of everything (shutdown path). */
  flushSync(): void {
    this.epochCache.persistIfDirty();
    for (const s of this.dirty) for (const p of s.paths) fs.fdatasyncSync(this.ctx.files.fd(p));
    for (const ti of this.txnIndexes.values()) ti.syncNow();
    this.dirty.clear();
    if (this.newSegmentSinceFlush) fsyncDir(this.dir);
    this.newSegmentSinceFlush = false;
    this._recoveryPoint = this._nextOffset;
    this.unflushedMessages = 0;
    this.lastFlushMs = this.ctx.now();
    this.settleWaiters();
  }

  // ---------------------------------------------------------------- reads

  private result(errorCode: number, records: Buffer): ReadResult {
    return {
      errorCode,
      records,
      highWatermark: this._highWatermark,
      logStartOffset: this._logStartOffset,
      logEndOffset: this._nextOffset,
    };
  }

  /**
   * Whole batches from the one holding `fetchOffset`, up to `maxBytes` (or the first whole batch when
   * minOneBatch), from a single segment. OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset].
   */
  read(fetchOffset: number, maxBytes: number, opts: ReadOptions = {}): ReadResult {
    if (fetchOffset < this._logStartOffset || fetchOffset > this._nextOffset)
      return this.result(ErrorCode.OFFSET_OUT_OF_RANGE, EMPTY);
    const maxOffset = opts.maxOffset ?? Number.MAX_SAFE_INTEGER;
    if (fetchOffset === this._nextOffset || fetchOffset >= maxOffset) return this.result(0, EMPTY);
    const minOne = opts.minOneBatch ?? true;
    const interval = this._config.indexIntervalBytes;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const r = this.segments[i]!.read(fetchOffset, maxBytes, minOne, maxOffset, interval);
      if (r) return this.result(0, r);
    }
    return this.result(0, EMPTY);
  }

  /** First offset whose record timestamp is >= ts (ListOffsets by time); null if no such record. */
  offsetForTimestamp(ts: number): TimestampOffset | null {
    const interval = this._config.indexIntervalBytes;
    for (const seg of this.segments) {
      if (seg.size === 0 || seg.largestTimestamp() < ts) continue;
      const hit = seg.findOffsetByTimestamp(ts, this._logStartOffset, interval);
      if (hit) return hit;
    }
    return null;
  }

  earliestOffset(): number {
    return this._logStartOffset;
  }

  latestOffset(): number {
    return this._nextOffset;
  }

  /** The record with the largest timestamp (first one if tied), for ListOffsets MAX_TIMESTAMP. */
  maxTimestampOffset(): TimestampOffset | null {
    let best: Segment | null = null;
    let bestTs = -1;
    for (const seg of this.segments) {
      if (seg.size === 0) continue;
      if (!seg.timeIndex.loaded && seg.maxTimestamp < 0) seg.largestTimestamp();
      if (seg.maxTimestamp > bestTs) {
        bestTs = seg.maxTimestamp;
        best = seg;
      }
    }
    if (!best) return null;
    return best.findOffsetByTimestamp(bestTs, this._logStartOffset, this._config.indexIntervalBytes);
  }

  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.epochCache.endOffsetFor(epoch, this._nextOffset);
  }

  // ---------------------------------------------------------------- deletion of old data

  /** DeleteRecords: moves the log start offset up to `offset` and drops segments wholly below it. */
  deleteRecordsBefore(offset: number): number {
    if (offset > this._highWatermark) {
      throw new StorageError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `cannot delete before ${offset}: high watermark is ${this._highWatermark}`,
      );
    }
    if (offset <= this._logStartOffset) return this._logStartOffset;
    this._logStartOffset = offset;
    this.deleteSegmentsWhile((_s, next) => next !== undefined && next.baseOffset <= offset);
    this.epochCache.truncateFromStart(this._logStartOffset);
    this.ctx.onLogStartOffsetChange?.(this);
    return this._logStartOffset;
  }

  /**
   * Deletes old segments by retention.ms (segment's largest timestamp) and retention.bytes, and any segment
   * wholly below the log start offset. Returns the number of segments deleted.
   */
  applyRetention(now: number): number {
    const cfg = this._config;
    let deleted = 0;
    if (cfg.cleanupPolicy !== 'compact') {
      if (cfg.retentionMs >= 0) {
        deleted += this.deleteSegmentsWhile((s) => now - s.largestTimestamp() > cfg.retentionMs);
      }
      if (cfg.retentionBytes >= 0) {
        let excess = this.size - cfg.retentionBytes;
        deleted += this.deleteSegmentsWhile((s) => {
          if (excess - s.size >= 0) {
            excess -= s.size;
            return true;
          }
          return false;
        });
      }
    }
    deleted += this.deleteSegmentsWhile((_s, next) => next !== undefined && next.baseOffset <= this._logStartOffset);
    return deleted;
  }

  /**
   * Deletes segments from the oldest while `pred` holds, never past the high watermark and never an empty
   * active segment. Deleting the whole log first rolls a fresh active segment at the log end.
   */
  private deleteSegmentsWhile(pred: (s: Segment, next: Segment | undefined) => boolean): number {
    let k = 0;
    while (k < this.segments.length) {
      const s = this.segments[k]!;
      const next = this.segments[k + 1];
      const upper = next ? next.baseOffset : this._nextOffset;
      if (upper > this._highWatermark) break;
      if (!next && s.size === 0) break;
      if (!pred(s, next)) break;
      k++;
    }
    if (k === 0) return 0;
    if (k === this.segments.length) this.roll();
    const gone = this.segments.splice(0, k);
    for (const s of gone) this.removeSegmentFiles(s);
    this._logStartOffset = Math.max(this._logStartOffset, this.segments[0]!.baseOffset);
    this.epochCache.truncateFromStart(this._logStartOffset);
    this.ctx.logger.info(
      { dir: this.dir, segments: gone.map((s) => s.baseOffset), logStartOffset: this._logStartOffset },
      'deleted log segments',
    );
    return k;
  }

  private removeSegmentFiles(s: Segment): void {
    this.dirty.delete(s);
    const files = s.markDeleted();
    const ti = this.txnIndexes.get(s.baseOffset);
    if (ti) {
      this.txnIndexes.delete(s.baseOffset);
      try {
        fs.renameSync(ti.path, ti.path + DELETED_SUFFIX);
        files.push(ti.path + DELETED_SUFFIX);
      } catch {
        /* never written */
      }
    }
    const delay = this._config.fileDeleteDelayMs;
    const unlink = (): void => {
      for (const f of files) fs.rmSync(f, { force: true });
    };
    if (delay <= 0) unlink();
    else setTimeout(unlink, Math.min(delay, INT32_MAX)).unref();
  }

  // ---------------------------------------------------------------- truncation (replication)

  /** Removes every batch at or after `offset` (cut at the start of the batch holding it). */
  truncateTo(offset: number): void {
    if (offset >= this._nextOffset) return;
    if (offset < this.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    const i = this.segments.findIndex((s) => s.baseOffset > offset);
    if (i > 0) for (const s of this.segments.splice(i)) this.removeSegmentFiles(s);
    this._nextOffset = this.active.truncateTo(offset, this._config.indexIntervalBytes);
    this.dirty.add(this.active);
    this.afterTruncation();
  }

  /** Drops all data and restarts the log at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    for (const s of this.segments.splice(0)) this.removeSegmentFiles(s);
    this.segments.push(this.newSegment(offset));
    this._nextOffset = offset;
    this._logStartOffset = offset;
    this.epochCache.clear();
    this.afterTruncation();
  }

  private afterTruncation(): void {
    this.epochCache.truncateFromEnd(this._nextOffset);
    this.loadProducerState(true);
    if (this._highWatermark > this._nextOffset || this.hwFollowsLeo) this._highWatermark = this._nextOffset;
    if (this._recoveryPoint > this._nextOffset) this._recoveryPoint = this._nextOffset;
    if (this._logStartOffset > this._nextOffset) this._logStartOffset = this._nextOffset;
  }

  // ---------------------------------------------------------------- producer state and transactions

  /** Offsets below this hold no open transaction: read_committed readers stop here. */
  get lastStableOffset(): number {
    const f = this.producers.firstUnstableOffset();
    return f >= 0 && f < this._highWatermark ? f : this._highWatermark;
  }

  /**
   * Validates a batch carrying a producer id before anything is written: sequence and epoch checks for data,
   * the epoch check for transaction markers. Returns the original offsets for a retried batch; throws
   * StorageError with Kafka's code otherwise.
   */
  private checkProducer(batches: Buffer, pid: number): AppendResult | null {
    const size = LOG_OVERHEAD + batches.readInt32BE(8);
    if (size !== batches.length) {
      throw new StorageError(
        INVALID_RECORD,
        'a batch with a producer id must be the only batch of its partition in a request',
      );
    }
    const attrs = batches.readInt16BE(ATTRIBUTES);
    const epoch = batches.readInt16BE(PRODUCER_EPOCH);
    if (attrs & CONTROL_BIT) {
      const code = this.producers.checkMarker(pid, epoch);
      if (code !== 0)
        throw new StorageError(code, `marker for producer ${pid} has epoch ${epoch}, older than its current one`);
      return null;
    }
    const firstSeq = batches.readInt32BE(BASE_SEQUENCE);
    const delta = batches.readInt32BE(LAST_OFFSET_DELTA);
    const r = this.producers.check(pid, epoch, firstSeq, seqAdd(firstSeq, delta), (attrs & TRANSACTIONAL_BIT) !== 0);
    if (r.kind === 'ok') return null;
    if (r.kind === 'error') throw new StorageError(r.code, r.message);
    return {
      baseOffset: r.batch.firstOffset,
      lastOffset: r.batch.lastOffset,
      logAppendTime: -1,
      logStartOffset: this._logStartOffset,
      duplicate: true,
    };
  }

  /**
   * Updates producer state for the batch at `at` (already written at `firstOffset`), recording aborted
   * transactions in the abort index of the segment holding the marker. `replay` skips index entries a previous
   * run already wrote.
   */
  private applyProducerBatch(buf: Buffer, at: number, firstOffset: number, segmentBase: number, replay: boolean): void {
    const pid = readInt64(buf, at + PRODUCER_ID);
    const attrs = buf.readInt16BE(at + ATTRIBUTES);
    const epoch = buf.readInt16BE(at + PRODUCER_EPOCH);
    const delta = buf.readInt32BE(at + LAST_OFFSET_DELTA);
    const ts = readInt64(buf, at + MAX_TIMESTAMP);
    if (attrs & CONTROL_BIT) {
      const type = controlType(buf, at);
      if (type !== 0 && type !== 1) return;
      const coordinatorEpoch = controlCoordinatorEpoch(buf, at);
      const done = this.producers.onMarker(pid, epoch, firstOffset, type === 1, coordinatorEpoch, ts);
      if (done?.aborted) {
        let ti = this.txnIndexes.get(segmentBase);
        if (!ti) this.txnIndexes.set(segmentBase, (ti = new TxnIndex(this.dir, segmentBase)));
        if (replay && ti.lastMarkerOffset >= firstOffset) return;
        const f = this.producers.firstUnstableOffset();
        ti.append({
          producerId: pid,
          firstOffset: done.firstOffset,
          lastOffset: done.lastOffset,
          lastStableOffset: f >= 0 ? f : firstOffset + 1,
        });
      }
      return;
    }
    const firstSeq = buf.readInt32BE(at + BASE_SEQUENCE);
    this.producers.onBatch(
      pid,
      epoch,
      firstSeq,
      firstSeq < 0 ? -1 : seqAdd(firstSeq, delta),
      firstOffset,
      firstOffset + delta,
      ts,
      (attrs & TRANSACTIONAL_BIT) !== 0,
    );
  }

  /**
   * Aborted transactions overlapping [from, upper), oldest marker first, for a read_committed fetch. A marker
   * written when the last stable offset had already reached `upper` ends the search: every later abort started
   * at or after it.
   */
  collectAbortedTxns(from: number, upper: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    if (this.txnIndexes.size === 0) return out;
    const startBase = this.segments[this.segmentIndexFor(from)]!.baseOffset;
    const bases = [...this.txnIndexes.keys()].filter((b) => b >= startBase).sort((a, b) => a - b);
    for (const b of bases) {
      for (const e of this.txnIndexes.get(b)!.entries()) {
        if (e.lastOffset >= from && e.firstOffset < upper) out.push(e);
        if (e.lastStableOffset >= upper) return out;
      }
    }
    return out;
  }

  /** Writes `<log end>.snapshot` and keeps only the newest few. */
  takeProducerSnapshot(): void {
    try {
      // Recovery replays only the markers after the snapshot: the abort entries before it must be on disk first.
      for (const ti of this.txnIndexes.values()) ti.syncNow();
      writeSnapshot(this.dir, this._nextOffset, this.producers.encodeSnapshot());
      const all = listSnapshots(this.dir);
      for (const o of all.slice(0, Math.max(0, all.length - 3)))
        fs.rmSync(path.join(this.dir, snapshotFileName(o)), { force: true });
    } catch (e) {
      this.ctx.logger.warn({ dir: this.dir, err: (e as Error).message }, 'could not write producer state snapshot');
    }
  }

  /**
   * Rebuilds producer state: the newest usable snapshot at or below the log end, then the batches after it.
   * `unclean` also trims abort-index entries beyond the log end (after recovery or truncation).
   */
  private loadProducerState(unclean: boolean): void {
    this.producers.clear();
    const bases = new Set(this.segments.map((s) => s.baseOffset));
    this.txnIndexes.clear();
    for (const n of fs.readdirSync(this.dir)) {
      if (!n.endsWith(TXN_INDEX_SUFFIX) || !/^\d{20}\.txnindex$/.test(n)) continue;
      const base = Number(n.slice(0, 20));
      if (!bases.has(base)) fs.rmSync(path.join(this.dir, n), { force: true });
      else this.txnIndexes.set(base, new TxnIndex(this.dir, base));
    }
    const end = this._nextOffset;
    if (unclean) for (const ti of this.txnIndexes.values()) ti.truncateTo(end);
    let from = this._logStartOffset;
    const snaps = listSnapshots(this.dir);
    for (let i = snaps.length - 1; i >= 0; i--) {
      const o = snaps[i]!;
      const file = path.join(this.dir, snapshotFileName(o));
      if (o > end) {
        fs.rmSync(file, { force: true });
        continue;
      }
      try {
        this.producers.loadSnapshot(fs.readFileSync(file));
        from = Math.max(o, this._logStartOffset);
        break;
      } catch (e) {
        this.ctx.logger.warn(
          { dir: this.dir, snapshot: o, err: (e as Error).message },
          'ignoring unreadable producer snapshot',
        );
        this.producers.clear();
        fs.rmSync(file, { force: true });
      }
    }
    let at = from;
    while (at < end) {
      const r = this.read(at, 1 << 20, { minOneBatch: true });
      if (r.errorCode !== 0 || r.records.length === 0) break;
      const buf = r.records;
      let p = 0;
      let next = at;
      while (p + BATCH_HEADER_SIZE <= buf.length) {
        const size = LOG_OVERHEAD + buf.readInt32BE(p + 8);
        if (p + size > buf.length) break;
        const base = readInt64(buf, p);
        if (buf[p + MAGIC] === 2) {
          next = base + buf.readInt32BE(p + LAST_OFFSET_DELTA) + 1;
          if (next > at && readInt64(buf, p + PRODUCER_ID) >= 0) {
            this.applyProducerBatch(buf, p, base, this.segments[this.segmentIndexFor(base)]!.baseOffset, true);
          }
        } else next = base + 1;
        p += size;
      }
      if (next <= at) break;
      at = next;
    }
  }

  /** Drops producers idle longer than `expirationMs` (producer.id.expiration.ms); returns how many. */
  removeExpiredProducers(now: number, expirationMs: number): number {
    return this.producers.removeExpired(now, expirationMs);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Flushes and releases file handles. The log is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    // no final time-index entry here: a clean open rescans the active segment's tail headers anyway
    if (!this.deleted) {
      this.flushSync();
      // so that a clean start needs no replay of the log to know its producers
      if (this.producers.size > 0 || this._nextOffset > this._logStartOffset) this.takeProducerSnapshot();
    }
    for (const s of this.segments) s.closeFiles();
    this.closed = true;
  }

  /** Closes without flushing and removes the directory. */
  delete(): void {
    this.deleted = true;
    for (const s of this.segments) s.closeFiles();
    this.closed = true;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, 'log deleted'));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** For a manager renaming the directory before removal: drop handles without touching the files. */
  detach(): void {
    this.deleted = true;
    for (const s of this.segments) s.closeFiles();
    this.closed = true;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, 'log deleted'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---------------------------------------------------------------- log compaction support (used by cleaner.ts)

  /** The current segments, oldest first; the last one is the active segment. Read-only for the cleaner. */
  segmentsForCleaner(): readonly Segment[] {
    return this.segments.slice();
  }

  /**
   * Swaps the cleaner's durable output `<base>.log.cleaned` (and its index files) in for `old`, a run of
   * consecutive inactive segments starting at `base`. Synchronous, so readers and appenders never see a half
   * swap. Returns false (and touches nothing) when the segments changed meanwhile (retention, truncation, close).
   */
  replaceWithCleaned(old: readonly Segment[]): boolean {
    if (this.closed || old.length === 0) return false;
    const i = this.segments.indexOf(old[0]!);
    if (i < 0 || i + old.length >= this.segments.length) return false;
    for (let k = 1; k < old.length; k++) if (this.segments[i + k] !== old[k]) return false;
    const base = old[0]!.baseOffset;
    const baseStr = String(base).padStart(20, '0');
    cleanedToSwap(this.dir, baseStr);
    for (const s of old) {
      this.removeSegmentFiles(s);
      // abort indexes of the old segments: the cleaner wrote their entries into the new segment's one
      const ti = path.join(this.dir, String(s.baseOffset).padStart(20, '0') + TXN_INDEX_SUFFIX);
      if (fs.existsSync(ti)) fs.rmSync(ti, { force: true });
    }
    swapIntoPlace(this.dir, baseStr);
    const seg = Segment.open(this.dir, base, this._config.segmentIndexBytes, this.ctx.files);
    this.segments.splice(i, old.length, seg);
    if (fs.existsSync(path.join(this.dir, baseStr + TXN_INDEX_SUFFIX)))
      this.txnIndexes.set(base, new TxnIndex(this.dir, base));
    this.ctx.logger.info(
      { dir: this.dir, replaced: old.map((s) => s.baseOffset), size: seg.size },
      'swapped in cleaned log segment',
    );
    return true;
  }
}

function fsyncDirAsync(dir: string): Promise<void> {
  return new Promise((resolve) => {
    fs.open(dir, 'r', (err, fd) => {
      if (err) return resolve();
      fs.fsync(fd, () => fs.close(fd, () => resolve()));
    });
  });
}

/** Adds `delta` to a producer sequence, wrapping past INT32_MAX as Kafka does. */
function seqAdd(seq: number, delta: number): number {
  const v = seq + delta;
  return v > INT32_MAX ? v - INT32_MAX - 1 : v;
}

/** Reads an unsigned-zigzag varint at `p`; returns [value, next position]. */
function varint(b: Buffer, p: number): [number, number] {
  let u = 0;
  let mul = 1;
  for (;;) {
    const x = b[p++]!;
    u += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) break;
    mul *= 128;
  }
  return [u % 2 === 0 ? u / 2 : -(u + 1) / 2, p];
}

/** Position of the key of a control batch's single record, or -1. */
function controlKeyAt(b: Buffer, at: number): number {
  let p = at + BATCH_HEADER_SIZE;
  if ((b.readInt16BE(at + ATTRIBUTES) & 0x07) !== 0) return -1;
  p = varint(b, p)[1]; // record length
  p += 1; // attributes
  p = varint(b, p)[1]; // timestamp delta
  p = varint(b, p)[1]; // offset delta
  const [keyLen, k] = varint(b, p);
  return keyLen >= 4 ? k : -1;
}

/** Control record type: 0 abort, 1 commit, -1 unknown. */
function controlType(b: Buffer, at: number): number {
  const k = controlKeyAt(b, at);
  return k < 0 ? -1 : b.readInt16BE(k + 2);
}

/** The coordinator epoch in a marker's value (version int16, coordinatorEpoch int32), -1 if absent. */
function controlCoordinatorEpoch(b: Buffer, at: number): number {
  const k = controlKeyAt(b, at);
  if (k < 0) return -1;
  const [valLen, v] = varint(b, k + 4);
  return valLen >= 6 ? b.readInt32BE(v + 2) : -1;
}
