/**
 * The shard runtime shared by the group and the transaction coordinator, after Kafka's coordinator runtime. Each
 * partition of an internal topic (__consumer_offsets, __transaction_state) that this broker leads is one shard: its
 * state is rebuilt by reading the partition's log (onBecomeLeader) and dropped when leadership goes (onResign).
 * Operations on a shard are synchronous state changes that return their response together with the records to
 * write; the runtime appends those records to the partition as one batch and, where the partition's flush policy
 * asks for it, waits for the fdatasync before the response is released. The runtime is the one place the
 * coordinators call into a partition log.
 *
 * While a partition loads, its keys get COORDINATOR_LOAD_IN_PROGRESS; once unloaded (or never loaded), NOT_COORDINATOR.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { buildBatch, encodeRecords, type RecordInput } from '../../protocol/records/batch.js';
import type { Logger } from '../../storage/logger.js';
import { StorageError, type AppendMeta, type AppendResult, type PartitionLog } from '../../storage/partition-log.js';
import { replayInternalTopic } from '../internal-topic.js';
import type { Clock } from './clock.js';
import { Timers } from './timers.js';

/**
 * A coordinator seen from the replica manager: it is told when this broker gains or loses the leadership of one of
 * its internal topic's partitions.
 */
export interface PartitionCoordinator {
  /** The internal topic whose partitions it serves. */
  readonly topic: string;
  /** Loads the partition's state from its log; resolves once its keys are served (until then LOAD_IN_PROGRESS). */
  onBecomeLeader(partition: number, leaderEpoch: number): Promise<void>;
  /** Drops the partition's state; its keys get NOT_COORDINATOR. Ignored for an epoch older than the one loaded. */
  onResign(partition: number, leaderEpoch: number): void;
  /** Replicated partitions: writes go through the replica manager and complete at the high watermark. */
  setLeaderAppend?(fn: LeaderAppendFn | undefined): void;
}

/** What an operation on a shard produces: its answer and the records that must be in the log before it is sent. */
export interface CoordinatorResult<T> {
  response: T;
  records: RecordInput[];
  /** Runs right after the records were appended (before any flush): state that must follow the log goes here. */
  appended?: () => void;
  /** The answer when the records cannot be written or flushed, or the partition was unloaded meanwhile. */
  failed?: (errorCode: number) => T;
  /** Runs once the write is durable (0) or failed (its error code); records it returns are written next. */
  // biome-ignore lint/suspicious/noConfusingVoidType: most completions write nothing
  done?: (errorCode: number) => RecordInput[] | void;
}

export const result = <T>(response: T, records: RecordInput[] = []): CoordinatorResult<T> => ({ response, records });

/** A shard: the state of one internal partition, rebuilt from its records. */
export interface CoordinatorShard {
  /** Applies one record read back from the log at load (latest per key wins; a null value is a tombstone). */
  replay(key: Buffer, value: Buffer | null): void;
  /** The log has been read and the shard is active: start timers, finish interrupted work. */
  onLoaded(): Promise<void> | void;
  /** The shard is dropped: answer parked requests with `errorCode`. Its timers are already cancelled. */
  onUnloaded(errorCode: number): void;
}

/** What a shard is given when it is created. */
export interface ShardContext {
  partition: number;
  leaderEpoch: number;
  clock: Clock;
  /** The shard's timers; records a timer callback returns are written to the partition. */
  timers: Timers;
  /** Appends records now (throws on a storage error); the promise settles when they are as durable as asked. */
  append(records: RecordInput[]): Promise<void>;
  /** Writes records in the background, logging a failure. */
  appendInBackground(records: RecordInput[], what: string): void;
}

export interface RuntimeOptions<S extends CoordinatorShard> {
  topic: string;
  /** The partition's log, or undefined when it does not exist (here). */
  logOf(partition: number): PartitionLog | undefined;
  createShard(ctx: ShardContext): S;
  clock: Clock;
  log: Logger;
}

interface Context<S> {
  partition: number;
  leaderEpoch: number;
  state: 'loading' | 'active';
  shard: S;
  timers: Timers;
  loaded: Promise<void>;
}

/**
 * How a coordinator appends as partition leader when the partition is replicated: the replica manager's
 * appendAsLeader with acks=all, whose `replicated` settles once the high watermark covers the records (0) or with
 * the error the write failed with. Throws StorageError (or an error with a numeric `code`) when it cannot append.
 */
export type LeaderAppendFn = (
  partition: number,
  log: PartitionLog,
  batch: Buffer,
  meta: AppendMeta,
) => { result: AppendResult; replicated?: Promise<number> };

/**
 * The error a coordinator answers for a write that failed to replicate, as Kafka's coordinators map them:
 * leadership lost -> NOT_COORDINATOR; too few replicas or a timeout -> COORDINATOR_NOT_AVAILABLE.
 */
export function coordinatorWriteError(code: number): number {
  switch (code) {
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    default:
      return code;
  }
}

class ReplicationError extends Error {
  constructor(readonly code: number) {
    super(`coordinator records not replicated (error ${code})`);
  }
}

/** The single call into a partition log for a leader append (storage may rename it; only this line changes). */
export function appendToLog(log: PartitionLog, batch: Buffer, meta?: AppendMeta): AppendResult {
  return log.appendAsLeader(batch, meta);
}

/** The error code a failed write is reported with. */
export function errorCodeOf(err: unknown): number {
  if (err instanceof StorageError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : ErrorCode.UNKNOWN_SERVER_ERROR;
}

class UnloadedError extends Error {
  readonly code = ErrorCode.NOT_COORDINATOR;
}

export class CoordinatorRuntime<S extends CoordinatorShard> {
  private readonly contexts = new Map<number, Context<S>>();
  private leaderAppend: LeaderAppendFn | undefined;

  constructor(private readonly opts: RuntimeOptions<S>) {}

  /**
   * Replicated partitions: records are appended through `fn` (the replica manager, acks=all) and a write completes
   * only once the high watermark covers it, so an acknowledged commit survives a change of leader.
   */
  setLeaderAppend(fn: LeaderAppendFn | undefined): void {
    this.leaderAppend = fn;
  }

  /**
   * This broker leads `partition` from `leaderEpoch` on: read its log into a new shard. A call for an epoch not
   * newer than the one loaded (or loading) returns that load; a newer epoch drops the old state and reloads.
   */
  onBecomeLeader(partition: number, leaderEpoch: number): Promise<void> {
    const current = this.contexts.get(partition);
    if (current !== undefined && current.leaderEpoch >= leaderEpoch) return current.loaded;
    if (current !== undefined) this.unload(current, ErrorCode.NOT_COORDINATOR);
    const timers = new Timers(this.opts.clock, (records) => this.appendInBackground(ctx, records, 'timer'));
    const ctx: Context<S> = {
      partition,
      leaderEpoch,
      state: 'loading',
      timers,
      shard: undefined as unknown as S,
      loaded: Promise.resolve(),
    };
    ctx.shard = this.opts.createShard({
      partition,
      leaderEpoch,
      clock: this.opts.clock,
      timers,
      append: (records) => this.append(ctx, records),
      appendInBackground: (records, what) => this.appendInBackground(ctx, records, what),
    });
    this.contexts.set(partition, ctx);
    const log = this.opts.logOf(partition);
    if (log === undefined || log.logEndOffset <= log.logStartOffset) {
      // Nothing to read (a new partition): served at once.
      ctx.state = 'active';
      ctx.loaded = Promise.resolve(ctx.shard.onLoaded());
    } else {
      ctx.loaded = this.load(ctx, log);
    }
    return ctx.loaded;
  }

  private async load(ctx: Context<S>, log: PartitionLog): Promise<void> {
    const t0 = performance.now();
    let records = 0;
    try {
      records = await replayInternalTopic(this.opts.topic, [log], this.opts.log, (r) =>
        ctx.shard.replay(r.key, r.value),
      );
    } catch (err) {
      if (this.contexts.get(ctx.partition) === ctx) this.unload(ctx, ErrorCode.NOT_COORDINATOR);
      throw err;
    }
    // Resigned (or superseded) while reading: the state read is dropped.
    if (this.contexts.get(ctx.partition) !== ctx) return;
    ctx.state = 'active';
    await ctx.shard.onLoaded();
    if (records > 0)
      this.opts.log.info(
        `loaded ${records} records of ${this.opts.topic}-${ctx.partition} in ${Math.round(performance.now() - t0)} ms`,
      );
  }

  /**
   * This broker no longer leads `partition` (from `leaderEpoch` on): its timers stop, its state goes and parked
   * requests get NOT_COORDINATOR. A resignation older than the leadership loaded is ignored.
   */
  onResign(partition: number, leaderEpoch: number): void {
    const ctx = this.contexts.get(partition);
    if (ctx === undefined || ctx.leaderEpoch > leaderEpoch) return;
    this.unload(ctx, ErrorCode.NOT_COORDINATOR);
  }

  private unload(ctx: Context<S>, errorCode: number): void {
    this.contexts.delete(ctx.partition);
    ctx.timers.close();
    ctx.shard.onUnloaded(errorCode);
  }

  /** Unloads every shard; parked requests get COORDINATOR_NOT_AVAILABLE (the broker is stopping). */
  close(): void {
    for (const ctx of [...this.contexts.values()]) this.unload(ctx, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }

  /** The active shard of a partition, or the error its keys get now. */
  shard(partition: number): S | number {
    const ctx = this.contexts.get(partition);
    if (ctx === undefined) return ErrorCode.NOT_COORDINATOR;
    if (ctx.state === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ctx.shard;
  }

  /** Every active shard. */
  activeShards(): S[] {
    return [...this.contexts.values()].filter((c) => c.state === 'active').map((c) => c.shard);
  }

  /** Partitions loaded or loading. */
  hostedPartitions(): number[] {
    return [...this.contexts.keys()];
  }

  /**
   * Completes an operation of `partition`'s shard: writes its records, then releases its response. Synchronous when
   * there is nothing to write or wait for.
   */
  commit<T>(partition: number, res: CoordinatorResult<T>): T | Promise<Awaited<T>> {
    const ctx = this.contexts.get(partition);
    if (res.records.length === 0 && ctx !== undefined) {
      res.appended?.();
      const more = res.done?.(0);
      if (more && more.length > 0) this.appendInBackground(ctx, more, 'follow-up');
      return res.response;
    }
    return this.write(ctx, res);
  }

  private async write<T>(ctx: Context<S> | undefined, res: CoordinatorResult<T>): Promise<Awaited<T>> {
    let code = 0;
    try {
      if (ctx === undefined || this.contexts.get(ctx.partition) !== ctx) throw new UnloadedError('not loaded');
      const durable = this.append(ctx, res.records);
      res.appended?.();
      await durable;
      if (this.contexts.get(ctx.partition) !== ctx) throw new UnloadedError('unloaded while writing');
    } catch (err) {
      code = errorCodeOf(err);
      this.opts.log.error(
        { topic: this.opts.topic, partition: ctx?.partition, err: (err as Error).message },
        'could not write coordinator records',
      );
    }
    const more = res.done?.(code);
    if (ctx !== undefined && more && more.length > 0) this.appendInBackground(ctx, more, 'follow-up');
    if (code !== 0 && res.failed !== undefined) return await res.failed(code);
    return await res.response;
  }

  /** Appends records as one batch now; the promise settles when the flush policy is met. */
  private append(ctx: Context<S>, records: RecordInput[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    if (this.contexts.get(ctx.partition) !== ctx)
      throw new UnloadedError(`${this.opts.topic}-${ctx.partition} is unloaded`);
    const log = this.opts.logOf(ctx.partition);
    if (log === undefined) throw new UnloadedError(`${this.opts.topic}-${ctx.partition} does not exist`);
    const now = this.opts.clock.now();
    const enc = encodeRecords(records, now);
    const batch = buildBatch(
      {
        recordCount: records.length,
        lastOffsetDelta: enc.lastOffsetDelta,
        baseTimestamp: enc.baseTimestamp,
        maxTimestamp: enc.maxTimestamp,
      },
      enc.data,
    );
    const meta = { recordCount: records.length, maxTimestamp: enc.maxTimestamp };
    if (this.leaderAppend !== undefined) {
      const { result, replicated } = this.leaderAppend(ctx.partition, log, batch, meta);
      const durable = log.requiresDurableAppend ? log.awaitFlush(result.lastOffset + 1) : Promise.resolve();
      if (replicated === undefined) return durable;
      const committed = replicated.then((code) => {
        if (code !== 0) throw new ReplicationError(coordinatorWriteError(code));
      });
      return Promise.all([durable, committed]).then(() => undefined);
    }
    const res = appendToLog(log, batch, meta);
    return log.requiresDurableAppend ? log.awaitFlush(res.lastOffset + 1) : Promise.resolve();
  }

  private appendInBackground(ctx: Context<S>, records: RecordInput[], what: string): void {
    const fail = (err: unknown) =>
      this.opts.log.error(
        { topic: this.opts.topic, partition: ctx.partition, err: (err as Error).message },
        `could not write coordinator records (${what})`,
      );
    try {
      this.append(ctx, records).catch(fail);
    } catch (err) {
      fail(err);
    }
  }
}
