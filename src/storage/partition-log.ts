/**
 * The log of one partition, as the broker sees it (Kafka's UnifiedLog): the local log of segments (local-log.ts)
 * plus what makes it a partition replica: the log start offset, the high watermark, the leader epoch cache,
 * producer state with the abort indexes, and the offsets read_committed readers stop at.
 *
 * - A leader appends with `appendAsLeader`: batches arrive validated, get their base offset and partition leader
 *   epoch stamped in place (both outside the CRC; no record is decoded) and are written with one synchronous
 *   write, so an acknowledged append survives a crash of the process. Producer ids are checked (sequences,
 *   epochs) before anything is written.
 * - A follower appends with `appendAsFollower`: the leader's offsets and epochs stay as they are.
 * - The high watermark follows the log end on a single node (`hwFollowsLeo`); otherwise the replica manager moves
 *   it with `updateHighWatermark`. Truncation (`truncateTo`, `truncateFullyAndStartAt`) takes producer state,
 *   abort indexes, the epoch cache and the high watermark back with the data.
 * Durability against power loss is opt-in (flush.messages, appendDurable; see log-flusher.ts); loading and
 * recovery are in log-loader.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import {
  BATCH_HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_ID,
  readInt64,
  writeInt64,
} from '../protocol/records/layout.js';
import { checksumOk } from './batch-scan.js';
import { createStorageContext, parseLogDirName, type StorageContext } from './context.js';
import { StorageError } from './errors.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { LocalLog, type TimestampOffset } from './local-log.js';
import { defaultLogConfig, type LogConfig } from './log-config.js';
import { applyProducerBatch, loadSegments, rebuildProducerState, writeProducerSnapshot } from './log-loader.js';
import type { AppendMeta, AppendResult, PartitionLogOptions, ReadOptions, ReadResult } from './log-types.js';
import { ProducerStateManager } from './producer-state.js';
import type { Segment } from './segment.js';
import type { AbortedTxn } from './txn-index.js';

export { createStorageContext, defaultFdatasync, parseLogDirName, type StorageContext } from './context.js';
export { StorageError } from './errors.js';
export type { TimestampOffset } from './local-log.js';
export type {
  AppendMeta,
  AppendResult,
  FetchIsolation,
  PartitionLogOptions,
  ReadOptions,
  ReadResult,
} from './log-types.js';

const EMPTY = Buffer.alloc(0);

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  private readonly local: LocalLog;
  private _logStartOffset = 0;
  private _highWatermark = 0;
  /** The last append failed with an I/O error (logged once until an append succeeds). */
  private appendsFailing = false;
  private _leaderEpoch = 0;
  private readonly hwFollowsLeo: boolean;
  readonly epochCache: LeaderEpochCache;
  /** Idempotent/transactional producers writing here (sequence checks, open transactions). */
  readonly producers = new ProducerStateManager();

  private constructor(
    readonly dir: string,
    config: LogConfig,
    readonly ctx: StorageContext,
    opts: PartitionLogOptions,
  ) {
    const parsed = parseLogDirName(path.basename(dir));
    this.topic = parsed?.topic ?? path.basename(dir);
    this.partition = parsed?.partition ?? 0;
    this.hwFollowsLeo = opts.hwFollowsLeo ?? true;
    this.epochCache = new LeaderEpochCache(dir);
    const clean = opts.cleanShutdown ?? false;
    const loaded = loadSegments(dir, config, ctx, this.epochCache, {
      cleanShutdown: clean,
      recoveryPoint: opts.recoveryPoint,
      initialOffset: opts.logStartOffset ?? 0,
    });
    this.local = new LocalLog(dir, config, ctx, loaded.segments, loaded.nextOffset, loaded.recoveryPoint);
    if (loaded.created) this.local.flusher.onNewSegment();
    this.local.onRoll = () => this.takeProducerSnapshot();
    this.local.flusher.beforeFlush = () => this.epochCache.persistIfDirty();
    const end = this.local.logEndOffset;
    this._logStartOffset = Math.max(opts.logStartOffset ?? 0, this.local.segments[0]!.baseOffset);
    if (this._logStartOffset > end) {
      // the checkpoint says data up to here was deleted, but the files end earlier: start afresh there
      this.truncateFullyAndStartAt(this._logStartOffset);
    }
    this.epochCache.truncateFromEnd(this.logEndOffset);
    this.epochCache.truncateFromStart(this._logStartOffset);
    const hw = this.hwFollowsLeo ? this.logEndOffset : (opts.highWatermark ?? this._logStartOffset);
    this._highWatermark = Math.max(this._logStartOffset, Math.min(hw, this.logEndOffset));
    rebuildProducerState(this.local, this.producers, this._logStartOffset, !clean);
  }

  /** Opens (creating if absent) the log in `dir`, recovering it when the last shutdown was not clean. */
  static open(dir: string, opts: PartitionLogOptions = {}): PartitionLog {
    fs.mkdirSync(dir, { recursive: true });
    return new PartitionLog(dir, opts.config ?? defaultLogConfig(), opts.ctx ?? createStorageContext(), opts);
  }

  // ---------------------------------------------------------------- accessors

  get config(): LogConfig {
    return this.local.config;
  }
  updateConfig(c: LogConfig): void {
    this.local.config = c;
  }
  get logStartOffset(): number {
    return this._logStartOffset;
  }
  /** The offset the next appended record will get. */
  get logEndOffset(): number {
    return this.local.logEndOffset;
  }
  /** Offsets below this are replicated (on a single node: everything appended). Consumers read up to it. */
  get highWatermark(): number {
    return this._highWatermark;
  }
  /** Leader epoch stamped into batches appended as leader (see becomeLeader). */
  get leaderEpoch(): number {
    return this._leaderEpoch;
  }
  set leaderEpoch(e: number) {
    this._leaderEpoch = e;
  }
  /**
   * This replica leads from `epoch` on: appends as leader are stamped with it, and the epoch cache records that
   * it starts at the log end now (as Kafka does), so OffsetForLeaderEpoch answers before the first append.
   */
  becomeLeader(epoch: number): void {
    this._leaderEpoch = epoch;
    this.epochCache.assign(epoch, this.local.logEndOffset);
  }
  /** Everything below this offset is known to be on stable storage. */
  get recoveryPoint(): number {
    return this.local.flusher.recoveryPoint;
  }
  get segmentCount(): number {
    return this.local.segments.length;
  }
  get segmentBaseOffsets(): number[] {
    return this.local.segments.map((s) => s.baseOffset);
  }
  /** Total bytes of all segments. */
  get size(): number {
    return this.local.size;
  }
  /** True when acknowledgements must wait for fdatasync (flush.messages = 1). */
  get requiresDurableAppend(): boolean {
    return this.local.config.flushMessages <= 1;
  }
  get hasUnflushedData(): boolean {
    return this.local.flusher.hasUnflushedData;
  }
  /** Number of flush rounds run (each round = one fdatasync per dirty file). */
  get flushRounds(): number {
    return this.local.flusher.rounds;
  }
  get isClosed(): boolean {
    return this.local.closed;
  }

  // ---------------------------------------------------------------- appends

  private checkAppendable(n: number): void {
    if (this.local.closed) throw new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} is closed`);
    if (n === 0) throw new StorageError(ErrorCode.CORRUPT_MESSAGE, 'empty append');
  }

  /** Size of the batch at `p`, after checking its header is whole, magic 2 and inside `n` bytes. */
  private static batchSize(batches: Buffer, p: number, n: number): number {
    if (p + BATCH_HEADER_SIZE > n) throw new StorageError(ErrorCode.CORRUPT_MESSAGE, 'truncated batch header');
    const size = LOG_OVERHEAD + batches.readInt32BE(p + 8);
    if (size < BATCH_HEADER_SIZE || p + size > n || batches[p + MAGIC] !== 2)
      throw new StorageError(ErrorCode.CORRUPT_MESSAGE, `malformed batch at byte ${p}`);
    if (batches.readInt32BE(p + LAST_OFFSET_DELTA) < 0)
      throw new StorageError(ErrorCode.CORRUPT_MESSAGE, 'negative lastOffsetDelta');
    return size;
  }

  /**
   * Appends validated magic-2 batches as the partition leader. Offsets are assigned by overwriting each batch's
   * base offset, and its partition leader epoch with `meta.leaderEpoch` (default `leaderEpoch`), in `batches`
   * itself; records are not decoded. A batch with a producer id must be alone and is checked against producer
   * state first; a retry of a batch already in the log returns its original offsets (`duplicate`).
   */
  appendAsLeader(batches: Buffer, meta?: AppendMeta): AppendResult {
    const n = batches.length;
    this.checkAppendable(n);
    const cfg = this.local.config;
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
    const first = this.local.logEndOffset;
    const epoch = meta?.leaderEpoch ?? this._leaderEpoch;
    let next = first;
    let maxTs = -1;
    let p = 0;
    while (p < n) {
      const size = PartitionLog.batchSize(batches, p, n);
      writeInt64(batches, p, next);
      batches.writeInt32BE(epoch, p + PARTITION_LEADER_EPOCH);
      next += batches.readInt32BE(p + LAST_OFFSET_DELTA) + 1;
      const ts = readInt64(batches, p + MAX_TIMESTAMP);
      if (ts > maxTs) maxTs = ts;
      p += size;
    }
    const seg = this.write(batches, next - 1, maxTs);
    if (pid >= 0) applyProducerBatch(this.producers, seg, batches, 0, first, false);
    if (epoch > this.epochCache.latestEpoch) this.epochCache.assign(epoch, first, false);
    this.afterAppend(first, next);
    return { baseOffset: first, lastOffset: next - 1, logAppendTime: -1, logStartOffset: this._logStartOffset };
  }

  /**
   * Appends batches fetched from the leader as they are: their offsets and partition leader epochs are kept.
   * Offsets must go up from the log end without overlap (a gap, left by compaction on the leader, is kept);
   * each batch's CRC is checked. Producer state, abort indexes and the leader epoch cache follow the batches.
   * Throws StorageError (OFFSET_OUT_OF_RANGE when the first batch starts before the log end, CORRUPT_MESSAGE
   * for malformed or out-of-order batches) and writes nothing then.
   */
  appendAsFollower(batches: Buffer): AppendResult {
    const n = batches.length;
    this.checkAppendable(n);
    const first = this.local.logEndOffset;
    let expect = first;
    let maxTs = -1;
    let withPid = false;
    let p = 0;
    while (p < n) {
      const size = PartitionLog.batchSize(batches, p, n);
      const base = readInt64(batches, p);
      if (base < expect) {
        throw new StorageError(
          p === 0 ? ErrorCode.OFFSET_OUT_OF_RANGE : ErrorCode.CORRUPT_MESSAGE,
          p === 0
            ? `follower append starts at offset ${base}, before the log end ${first}`
            : `batch at byte ${p} starts at offset ${base}, overlapping the previous batch (next offset ${expect})`,
        );
      }
      if (!checksumOk(batches, p, size))
        throw new StorageError(ErrorCode.CORRUPT_MESSAGE, `checksum mismatch in batch at byte ${p}`);
      expect = base + batches.readInt32BE(p + LAST_OFFSET_DELTA) + 1;
      const ts = readInt64(batches, p + MAX_TIMESTAMP);
      if (ts > maxTs) maxTs = ts;
      if (readInt64(batches, p + PRODUCER_ID) >= 0) withPid = true;
      p += size;
    }
    const seg = this.write(batches, expect - 1, maxTs);
    for (p = 0; p < n; p += LOG_OVERHEAD + batches.readInt32BE(p + 8)) {
      const base = readInt64(batches, p);
      const epoch = batches.readInt32BE(p + PARTITION_LEADER_EPOCH);
      if (epoch > this.epochCache.latestEpoch) this.epochCache.assign(epoch, base, false);
      if (withPid && readInt64(batches, p + PRODUCER_ID) >= 0)
        applyProducerBatch(this.producers, seg, batches, p, base, false);
    }
    this.afterAppend(first, expect);
    return {
      baseOffset: readInt64(batches, 0),
      lastOffset: expect - 1,
      logAppendTime: -1,
      logStartOffset: this._logStartOffset,
    };
  }

  /** Writes stamped batches; an I/O failure becomes KAFKA_STORAGE_ERROR, logged once per run of failures. */
  private write(batches: Buffer, lastOffset: number, maxTs: number): Segment {
    let seg: Segment;
    try {
      seg = this.local.append(batches, lastOffset, maxTs);
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
    return seg;
  }

  private afterAppend(first: number, next: number): void {
    if (this.hwFollowsLeo) this._highWatermark = next;
    this.local.flusher.onAppend(next - first);
  }

  /** appendAsLeader that resolves only once the appended data has been fdatasync'ed (shared with others). */
  async appendDurable(batches: Buffer, meta?: AppendMeta): Promise<AppendResult> {
    const r = this.appendAsLeader(batches, meta);
    await this.awaitFlush(r.lastOffset + 1);
    return r;
  }

  /** Starts a new active segment at the log end; the old one is flushed in the background. */
  roll(): Segment {
    return this.local.roll();
  }

  // ---------------------------------------------------------------- flushing (see log-flusher.ts)

  /** Resolves once every offset below `offset` is on stable storage; concurrent waiters share fdatasyncs. */
  awaitFlush(offset: number): Promise<void> {
    return this.local.flusher.awaitFlush(offset);
  }
  /** Flushes everything appended so far, including the active segment's index files. */
  flush(): Promise<void> {
    return this.local.flusher.flush();
  }
  /** Called periodically by the manager: flush when data has been unflushed longer than flush.ms. */
  maybeFlushByTime(now: number): void {
    this.local.flusher.maybeFlushByTime(now);
  }

  // ---------------------------------------------------------------- high watermark

  /**
   * Moves the high watermark up to `offset`, never beyond the log end and never back (only truncation takes it
   * back). Returns the high watermark now.
   */
  updateHighWatermark(offset: number): number {
    const v = Math.min(offset, this.local.logEndOffset);
    if (v > this._highWatermark) this._highWatermark = v;
    return this._highWatermark;
  }

  /** Offsets below this hold no open transaction and are replicated: read_committed readers stop here. */
  get lastStableOffset(): number {
    const f = this.producers.firstUnstableOffset();
    return f >= 0 && f < this._highWatermark ? f : this._highWatermark;
  }

  // ---------------------------------------------------------------- reads

  private result(errorCode: number, records: Buffer): ReadResult {
    return {
      errorCode,
      records,
      highWatermark: this._highWatermark,
      logStartOffset: this._logStartOffset,
      logEndOffset: this.local.logEndOffset,
    };
  }

  /**
   * Whole batches from the one holding `fetchOffset`, up to `maxBytes` (or the first whole batch when
   * minOneBatch), from a single segment, bounded by the isolation and maxOffset. OFFSET_OUT_OF_RANGE outside
   * [logStartOffset, logEndOffset].
   */
  read(fetchOffset: number, maxBytes: number, opts: ReadOptions = {}): ReadResult {
    const end = this.local.logEndOffset;
    if (fetchOffset < this._logStartOffset || fetchOffset > end)
      return this.result(ErrorCode.OFFSET_OUT_OF_RANGE, EMPTY);
    let maxOffset = opts.maxOffset ?? Number.MAX_SAFE_INTEGER;
    if (opts.isolation === 'high-watermark') maxOffset = Math.min(maxOffset, this._highWatermark);
    else if (opts.isolation === 'committed') maxOffset = Math.min(maxOffset, this.lastStableOffset);
    if (fetchOffset === end || fetchOffset >= maxOffset) return this.result(0, EMPTY);
    const r = this.local.read(fetchOffset, maxBytes, opts.minOneBatch ?? true, maxOffset, opts.oneBuffer ?? false);
    return this.result(0, r ?? EMPTY);
  }

  /** First offset whose record timestamp is >= ts (ListOffsets by time); null if no such record. */
  offsetForTimestamp(ts: number): TimestampOffset | null {
    return this.local.offsetForTimestamp(ts, this._logStartOffset);
  }

  /** The record with the largest timestamp (first one if tied), for ListOffsets MAX_TIMESTAMP. */
  maxTimestampOffset(): TimestampOffset | null {
    return this.local.maxTimestampOffset(this._logStartOffset);
  }

  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.epochCache.endOffsetFor(epoch, this.local.logEndOffset);
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
    const cfg = this.local.config;
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
    const segs = this.local.segments;
    let k = 0;
    while (k < segs.length) {
      const s = segs[k]!;
      const next = segs[k + 1];
      const upper = next ? next.baseOffset : this.local.logEndOffset;
      if (upper > this._highWatermark) break;
      if (!next && s.size === 0) break;
      if (!pred(s, next)) break;
      k++;
    }
    if (k === 0) return 0;
    const gone = this.local.deleteOldestSegments(k);
    this._logStartOffset = Math.max(this._logStartOffset, this.local.segments[0]!.baseOffset);
    this.epochCache.truncateFromStart(this._logStartOffset);
    this.ctx.logger.info(
      { dir: this.dir, segments: gone.map((s) => s.baseOffset), logStartOffset: this._logStartOffset },
      'deleted log segments',
    );
    return k;
  }

  // ---------------------------------------------------------------- truncation (replication)

  /**
   * Removes every batch at or after `offset` (cut at the start of the batch holding it); producer state, abort
   * indexes, the leader epoch cache, the high watermark and the recovery point follow.
   */
  truncateTo(offset: number): void {
    if (offset >= this.local.logEndOffset) {
      // Nothing to cut, but an epoch this replica led without appending anything starts at its log end: it must go
      // (as in Kafka), or the follower keeps naming it as its last epoch, the leader (which never had it) keeps
      // answering with a diverging epoch at this same offset, and the follower never fetches again.
      this.epochCache.truncateFromEnd(this.local.logEndOffset);
      return;
    }
    if (offset < this.local.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    this.local.truncateTo(offset);
    this.afterTruncation();
  }

  /** Drops all data and restarts the log at `offset` (log start, log end and high watermark all there). */
  truncateFullyAndStartAt(offset: number): void {
    this.local.truncateFullyAndStartAt(offset);
    this._logStartOffset = offset;
    this._highWatermark = offset;
    this.epochCache.clear();
    this.afterTruncation();
  }

  private afterTruncation(): void {
    const end = this.local.logEndOffset;
    this.epochCache.truncateFromEnd(end);
    rebuildProducerState(this.local, this.producers, this._logStartOffset, true);
    if (this._highWatermark > end || this.hwFollowsLeo) this._highWatermark = end;
    if (this._logStartOffset > end) this._logStartOffset = end;
  }

  // ---------------------------------------------------------------- producer state and transactions

  /**
   * Validates a batch carrying a producer id before anything is written. Returns the original offsets for a
   * retried batch; throws StorageError with Kafka's code otherwise.
   */
  private checkProducer(batches: Buffer, pid: number): AppendResult | null {
    const size = LOG_OVERHEAD + batches.readInt32BE(8);
    if (size !== batches.length) {
      throw new StorageError(
        ErrorCode.INVALID_RECORD,
        'a batch with a producer id must be the only batch of its partition in a request',
      );
    }
    const r = this.producers.checkBatch(batches, pid);
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
   * Aborted transactions overlapping [from, upper), oldest marker first, for a read_committed fetch. A marker
   * written when the last stable offset had already reached `upper` ends the search: every later abort started
   * at or after it.
   */
  collectAbortedTxns(from: number, upper: number): AbortedTxn[] {
    return this.local.collectAbortedTxns(from, upper);
  }

  /** Writes `<log end>.snapshot` and keeps only the newest few. */
  takeProducerSnapshot(): void {
    writeProducerSnapshot(this.local, this.producers);
  }

  /** Drops producers idle longer than `expirationMs` (producer.id.expiration.ms); returns how many. */
  removeExpiredProducers(now: number, expirationMs: number): number {
    return this.producers.removeExpired(now, expirationMs);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Flushes and releases file handles. The log is unusable afterwards. */
  close(): void {
    if (this.local.closed) return;
    // no final time-index entry here: a clean open rescans the active segment's tail headers anyway
    if (!this.local.deleted) {
      this.local.flusher.flushSync();
      // so that a clean start needs no replay of the log to know its producers
      if (this.producers.size > 0 || this.logEndOffset > this._logStartOffset) this.takeProducerSnapshot();
    }
    this.local.closeFiles();
    this.local.closed = true;
  }

  /** Closes without flushing and removes the directory. */
  delete(): void {
    this.detach();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** For a manager renaming the directory before removal: drop handles without touching the files. */
  detach(): void {
    this.local.deleted = true;
    this.local.closeFiles();
    this.local.closed = true;
    this.local.flusher.rejectAll('log deleted');
  }

  // ---------------------------------------------------------------- log compaction support (used by cleaner.ts)

  /** The current segments, oldest first; the last one is the active segment. Read-only for the cleaner. */
  segmentsForCleaner(): readonly Segment[] {
    return this.local.segments.slice();
  }

  /**
   * Swaps the cleaner's durable output `<base>.log.cleaned` (and its index files) in for `old`, a run of
   * consecutive inactive segments starting at `base`. Synchronous, so readers and appenders never see a half
   * swap. Returns false (and touches nothing) when the segments changed meanwhile (retention, truncation, close).
   */
  replaceWithCleaned(old: readonly Segment[]): boolean {
    return this.local.replaceWithCleaned(old);
  }
}
