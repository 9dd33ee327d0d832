/**
 * Flushing of one partition log and its recovery point. Appends mark segments dirty; a flush round fdatasyncs
 * every dirty file (the active segment's indexes only on a full flush), the abort indexes written since the last
 * round and, after a roll, the directory, then moves the recovery point to the log end the round started from.
 * Callers waiting for durability (flush.messages=1, appendDurable) wait for a round that covers their offset, so
 * concurrent waiters share one fdatasync per file (group commit). Rounds run one at a time.
 */
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import { fsyncDir } from './checkpoint.js';
import { fsyncDirAsync } from './context.js';
import { ErrorCode } from '../protocol/errors.js';
import { StorageError } from './errors.js';
import type { LocalLog } from './local-log.js';
import type { Segment } from './segment.js';

/**
 * Published after every flush round when someone listens (the metrics' log flush latency): `{ durationMs }`, the
 * wall time of the round's fdatasyncs.
 */
export const flushChannel = diagnostics.channel('samsa:log-flush');

export interface FlushEvent {
  durationMs: number;
}

interface FlushWaiter {
  offset: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class LogFlusher {
  private dirty = new Set<Segment>();
  private newSegmentSinceFlush = false;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private running = false;
  private again = false;
  private fullFlushWanted = false;
  private waiters: FlushWaiter[] = [];
  /** Number of flush rounds run (each round = one fdatasync per dirty file). */
  rounds = 0;
  /** Runs at the start of every flush (the unified log writes its leader epoch checkpoint). */
  beforeFlush: (() => void) | null = null;

  constructor(
    private readonly local: LocalLog,
    /** Everything below this offset is known to be on stable storage. */
    public recoveryPoint: number,
  ) {
    this.lastFlushMs = local.ctx.now();
  }

  get hasUnflushedData(): boolean {
    return this.recoveryPoint < this.local.logEndOffset || this.dirty.size > 0;
  }

  markDirty(s: Segment): void {
    this.dirty.add(s);
  }

  forget(s: Segment): void {
    this.dirty.delete(s);
  }

  onNewSegment(): void {
    this.newSegmentSinceFlush = true;
  }

  /** Counts appended records; flush.messages of them start a flush. */
  onAppend(records: number): void {
    this.unflushedMessages += records;
    if (this.unflushedMessages >= this.local.config.flushMessages) this.kick();
  }

  /** The log end moved back: the recovery point follows, and waiters beyond the end are released. */
  onTruncate(): void {
    const end = this.local.logEndOffset;
    if (this.recoveryPoint > end) this.recoveryPoint = end;
    this.settleWaiters();
  }

  /** Resolves once every offset below `offset` is on stable storage; concurrent waiters share fdatasyncs. */
  awaitFlush(offset: number): Promise<void> {
    if (offset <= this.recoveryPoint) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      this.kick();
    });
  }

  /** Flushes everything appended so far, including the active segment's index files. */
  flush(): Promise<void> {
    this.fullFlushWanted = true;
    this.dirty.add(this.local.active);
    return new Promise((resolve, reject) => {
      this.waiters.push({ offset: this.local.logEndOffset, resolve, reject });
      this.kick(true);
    });
  }

  /** Flush when data has been unflushed longer than flush.ms. */
  maybeFlushByTime(now: number): void {
    if (this.local.closed || !this.hasUnflushedData) return;
    if (now - this.lastFlushMs >= this.local.config.flushMs) this.kick();
  }

  kick(force = false): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (!force && !this.hasUnflushedData && this.waiters.length === 0) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    const local = this.local;
    const ctx = local.ctx;
    try {
      do {
        this.again = false;
        const target = local.logEndOffset;
        this.beforeFlush?.();
        const full = this.fullFlushWanted;
        this.fullFlushWanted = false;
        const syncDir = this.newSegmentSinceFlush;
        this.newSegmentSinceFlush = false;
        const segs = [...this.dirty];
        this.dirty.clear();
        const active = local.active;
        const pins: { fd: number; release: () => void }[] = [];
        try {
          for (const s of segs) {
            if (local.deleted) break;
            if (s !== active || full) {
              for (const p of s.paths) pins.push(ctx.files.pin(p));
            } else pins.push(ctx.files.pin(s.logPath));
          }
          this.rounds++;
          const started = flushChannel.hasSubscribers ? performance.now() : 0;
          await Promise.all(pins.map((h) => ctx.fdatasync(h.fd)));
          for (const s of local.segments) {
            const ti = s.txnIndex;
            if (ti?.needsSync && !local.deleted) await ti.sync(ctx.fdatasync);
          }
          if (syncDir && !local.deleted) await fsyncDirAsync(local.dir);
          if (started > 0 && flushChannel.hasSubscribers) {
            flushChannel.publish({ durationMs: performance.now() - started } satisfies FlushEvent);
          }
        } finally {
          for (const h of pins) h.release();
        }
        if (target > this.recoveryPoint) this.recoveryPoint = target;
        this.unflushedMessages = local.logEndOffset - this.recoveryPoint;
        this.lastFlushMs = ctx.now();
        this.settleWaiters();
      } while (this.again || this.waiters.length > 0);
    } catch (e) {
      ctx.logger.error({ dir: local.dir, err: e }, 'flush of partition log failed');
      this.rejectAll(`flush failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const rp = this.recoveryPoint;
    const end = this.local.logEndOffset;
    const keep: FlushWaiter[] = [];
    for (const w of this.waiters) {
      // a waiter beyond the log end (after a truncation) is released: nothing more to wait for
      if (w.offset <= rp || w.offset > end) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /** Fails every waiter with KAFKA_STORAGE_ERROR (flush failure, log deleted). */
  rejectAll(why: string): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(new StorageError(ErrorCode.KAFKA_STORAGE_ERROR, why));
  }

  /** Synchronous flush of everything (shutdown path). */
  flushSync(): void {
    const local = this.local;
    this.beforeFlush?.();
    for (const s of this.dirty) for (const p of s.paths) fs.fdatasyncSync(local.ctx.files.fd(p));
    for (const s of local.segments) s.txnIndex?.syncNow();
    this.dirty.clear();
    if (this.newSegmentSinceFlush) fsyncDir(local.dir);
    this.newSegmentSinceFlush = false;
    this.recoveryPoint = local.logEndOffset;
    this.unflushedMessages = 0;
    this.lastFlushMs = local.ctx.now();
    this.settleWaiters();
  }
}
