/**
 * The transaction coordinator service: producer ids and epochs for transactional ids, the partitions and group
 * offsets of each open transaction, and its completion by COMMIT/ABORT markers. A transactional id belongs to the
 * __transaction_state partition abs(javaHashCode(id)) % partitions; each partition this broker leads is one shard
 * (shard.ts), loaded from its log on onBecomeLeader (transactions found half-completed are finished then) and
 * dropped on onResign. Requests for ids of a partition being loaded get COORDINATOR_LOAD_IN_PROGRESS, of a
 * partition not loaded here NOT_COORDINATOR.
 *
 * On one broker every partition is local, so completing a transaction is synchronous: the Prepare record, the
 * markers in every partition, the staged offsets and the Complete record are all appended before EndTxn answers.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { markerBatch } from '../../protocol/records/control.js';
import type { Logger } from '../../storage/logger.js';
import type { LogManager } from '../../storage/log-manager.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { BrokerConfig } from '../config/index.js';
import { systemClock, type Clock, type TimerHandle } from '../coordinator/clock.js';
import {
  appendToLog,
  CoordinatorRuntime,
  errorCodeOf,
  type LeaderAppendFn,
  type PartitionCoordinator,
} from '../coordinator/runtime.js';
import { FetchWaiters } from '../fetch-waiters.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import { partitionForGroup } from '../groups/records.js';
import type { TopicManager } from '../topics.js';
import type { InitResult, PartitionResult, TopicPartitions, TxnMetadata, TxnOffsetCommitInput } from './api.js';
import { ProducerIdManager } from './producer-ids.js';
import { TXN_STATES, type TxnState } from './records.js';
import { TxnShard } from './shard.js';
import type { MarkerChannel } from './marker-channel.js';
import type { ReplicaManager } from '../replica-manager.js';

export type { InitResult, PartitionResult, TopicPartitions, TxnMetadata, TxnOffsetCommitInput } from './api.js';

export const TXN_TOPIC = '__transaction_state';

/** How markers are written when partitions are replicated (see useReplication). */
export interface TxnReplication {
  replicas: ReplicaManager;
  /** Markers for partitions led by other brokers; without it they fail with NOT_LEADER_OR_FOLLOWER. */
  markers?: MarkerChannel;
  /** How long a marker waits for the high watermark. */
  timeoutMs: number;
  /** Whether the topic exists in the cluster (hosted here or not). */
  topicExists(topic: string): boolean;
}

export interface TransactionCoordinatorDeps {
  config: BrokerConfig;
  topics: TopicManager;
  logs: LogManager;
  groups: GroupCoordinator;
  waiters: FetchWaiters;
  log: Logger;
  dataDir: string;
  clock?: Clock;
}

type PartitionErrors = Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;

export class TransactionCoordinator implements PartitionCoordinator {
  readonly topic = TXN_TOPIC;
  readonly producerIds: ProducerIdManager;
  readonly numPartitions: number;
  /** Fixed on one broker; markers carry it so partitions could tell coordinators apart. */
  readonly coordinatorEpoch = 0;
  private readonly runtime: CoordinatorRuntime<TxnShard>;
  private readonly clock: Clock;
  private producerExpiry: TimerHandle | undefined;
  private closed = false;
  private replication: TxnReplication | undefined;

  constructor(private readonly deps: TransactionCoordinatorDeps) {
    const { config, topics, log } = deps;
    this.clock = deps.clock ?? systemClock;
    this.producerIds = new ProducerIdManager(deps.dataDir);
    this.numPartitions = topics.get(TXN_TOPIC)?.partitions ?? config.transactionStateLogNumPartitions;
    const shardDeps = {
      config,
      topics,
      groups: deps.groups,
      producerIds: this.producerIds,
      log,
      writeMarkerTo: this.writeMarkerTo.bind(this),
    };
    this.runtime = new CoordinatorRuntime<TxnShard>({
      topic: TXN_TOPIC,
      logOf: (p) => topics.partition(TXN_TOPIC, p),
      createShard: (ctx) => new TxnShard(ctx, shardDeps),
      clock: this.clock,
      log,
    });
    this.scheduleProducerExpiry();
  }

  partitionFor(transactionalId: string): number {
    return partitionForGroup(transactionalId, this.numPartitions);
  }

  // ------------------------------------------------------------------------------------------ leadership

  /** Partitions of __transaction_state that exist now. */
  partitions(): number[] {
    const n = this.deps.topics.get(TXN_TOPIC)?.partitions ?? 0;
    return Array.from({ length: n }, (_, p) => p);
  }

  /**
   * This broker became leader of `partition` of __transaction_state at `leaderEpoch`: its transactional ids are
   * read from the log (latest record per id wins) and half-completed transactions finished; resolves when served.
   */
  onBecomeLeader(partition: number, leaderEpoch: number): Promise<void> {
    return this.runtime.onBecomeLeader(partition, leaderEpoch);
  }

  /** This broker stopped leading `partition`: its timers stop and its state goes. */
  onResign(partition: number, leaderEpoch: number): void {
    this.runtime.onResign(partition, leaderEpoch);
  }

  /** Replicated partitions: writes go through the replica manager and complete at the high watermark. */
  setLeaderAppend(fn: LeaderAppendFn | undefined): void {
    this.runtime.setLeaderAppend(fn);
  }

  close(): void {
    this.closed = true;
    if (this.producerExpiry !== undefined) this.clock.cancel(this.producerExpiry);
    this.runtime.close();
  }

  private ensureTopic(): void {
    if (this.deps.topics.get(TXN_TOPIC)) return;
    const res = this.deps.topics.create(TXN_TOPIC, this.numPartitions, 1, {
      'cleanup.policy': 'compact',
      'segment.bytes': String(this.deps.config.transactionStateLogSegmentBytes),
      'compression.type': 'producer',
    });
    if (res.errorCode !== 0) throw new Error(`cannot create ${TXN_TOPIC}: ${res.errorMessage}`);
    // New, empty partitions: led and served here at once.
    for (const p of this.partitions()) void this.onBecomeLeader(p, 0);
  }

  /** The shard of a transactional id, or the error code its requests get. */
  private shardOf(transactionalId: string, create = true): { partition: number; shard: TxnShard } | number {
    if (!create && !this.deps.topics.get(TXN_TOPIC)) return ErrorCode.NOT_COORDINATOR;
    try {
      this.ensureTopic();
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, `could not create ${TXN_TOPIC}`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const partition = this.partitionFor(transactionalId);
    const shard = this.runtime.shard(partition);
    return typeof shard === 'number' ? shard : { partition, shard };
  }

  // ------------------------------------------------------------------------------------------ markers

  /**
   * Replicated partitions: markers are appended through the replica manager with acks=all (their promise settles
   * when the high watermark covers them) and sent to the leader of partitions led elsewhere.
   */
  useReplication(r: TxnReplication | undefined): void {
    this.replication = r;
  }

  /** A marker for `topic`-`partition`: appended here when led here, else sent to its leader (replicated). */
  writeMarkerTo(
    topic: string,
    partition: number,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
  ): { error?: string; code?: number; durable?: Promise<void> } | null {
    const r = this.replication;
    if (r === undefined) {
      const log = this.deps.topics.partition(topic, partition);
      return log === undefined ? null : this.writeMarker(log, producerId, producerEpoch, commit);
    }
    const p = r.replicas.get(topic, partition);
    if (p?.isLeader) return this.writeMarker(p.log, producerId, producerEpoch, commit);
    if (!r.topicExists(topic)) return null; // deleted since it was added
    if (r.markers === undefined)
      return { error: `${topic}-${partition} is led elsewhere`, code: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    return { durable: r.markers.send(topic, partition, producerId, producerEpoch, commit, this.coordinatorEpoch) };
  }

  /** Appends one marker to a partition and wakes its long-polling fetchers. */
  writeMarker(
    log: PartitionLog,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
  ): { error?: string; code?: number; durable?: Promise<void> } {
    const r = this.replication;
    if (r !== undefined) {
      const p = r.replicas.get(log.topic, log.partition);
      if (p === undefined || !p.isLeader)
        return { error: `not the leader of ${log.topic}-${log.partition}`, code: ErrorCode.NOT_LEADER_OR_FOLLOWER };
      try {
        const batch = markerBatch(producerId, producerEpoch, commit, this.coordinatorEpoch);
        const a = r.replicas.appendAsLeader(p, batch, { recordCount: 1 }, -1, r.timeoutMs);
        const flushed = log.requiresDurableAppend ? log.awaitFlush(a.result.lastOffset + 1) : Promise.resolve();
        const committed = (a.replicated ?? Promise.resolve(0)).then((code) => {
          if (code !== 0)
            this.deps.log.warn(
              { topic: log.topic, partition: log.partition, err: code },
              'a transaction marker was written but not replicated in time',
            );
        });
        return { durable: Promise.all([flushed, committed]).then(() => undefined) };
      } catch (err) {
        return { error: (err as Error).message, code: errorCodeOf(err) };
      }
    }
    try {
      const res = appendToLog(log, markerBatch(producerId, producerEpoch, commit, this.coordinatorEpoch));
      this.deps.waiters.notify(FetchWaiters.key(log.topic, log.partition), 1);
      return { durable: log.requiresDurableAppend ? log.awaitFlush(res.lastOffset + 1) : undefined };
    } catch (err) {
      return { error: (err as Error).message, code: errorCodeOf(err) };
    }
  }

  // ------------------------------------------------------------------------------------------ client APIs

  /** InitProducerId. `fencedCode` is what this request version calls a fenced producer. */
  async initProducerId(
    transactionalId: string | null,
    timeoutMs: number,
    reqPid: number,
    reqEpoch: number,
    fencedCode: number,
  ): Promise<InitResult> {
    const fail = (errorCode: number): InitResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (transactionalId === null) {
      // Idempotent producers (also KIP-360 epoch bumps without a transactional id) get a fresh id.
      try {
        return { errorCode: 0, producerId: await this.producerIds.allocateAsync(), producerEpoch: 0 };
      } catch (err) {
        return fail(errorCodeOf(err));
      }
    }
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.deps.config.transactionMaxTimeoutMs)
      return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const at = this.shardOf(transactionalId);
    if (typeof at === 'number') return fail(at);
    return this.runtime.commit(
      at.partition,
      at.shard.initProducerId(transactionalId, timeoutMs, reqPid, reqEpoch, fencedCode),
    );
  }

  /** AddPartitionsToTxn (client form): every partition gets the same error unless some are unknown. */
  async addPartitions(
    transactionalId: string,
    pid: number,
    epoch: number,
    topics: TopicPartitions[],
    fencedCode: number,
  ): Promise<PartitionResult[]> {
    const at = this.shardOf(transactionalId);
    if (typeof at === 'number')
      return topics.map((t) => ({
        name: t.name,
        results: t.partitions.map((partition) => ({ partition, errorCode: at })),
      }));
    return this.runtime.commit(at.partition, at.shard.addPartitions(transactionalId, pid, epoch, topics, fencedCode));
  }

  /** KIP-890 verification: 0 when the partition is in the producer's ongoing transaction. */
  verifyPartition(
    transactionalId: string | null,
    pid: number,
    epoch: number,
    topic: string,
    partition: number,
  ): number {
    if (transactionalId === null) return ErrorCode.INVALID_TXN_STATE;
    // Replicated: the coordinator of this id may be on another broker; verification (KIP-890) is done only where
    // it is local, as with transaction.partition.verification.enable=false elsewhere.
    const r = this.replication;
    if (r !== undefined && !r.replicas.get(TXN_TOPIC, this.partitionFor(transactionalId))?.isLeader) return 0;
    const at = this.shardOf(transactionalId);
    if (typeof at === 'number') return at;
    return at.shard.verifyPartition(transactionalId, pid, epoch, topic, partition);
  }

  /** AddPartitionsToTxn with verifyOnly: per partition, whether it is already in the transaction. */
  verifyPartitions(transactionalId: string, pid: number, epoch: number, topics: TopicPartitions[]): PartitionResult[] {
    const at = this.shardOf(transactionalId);
    if (typeof at === 'number')
      return topics.map((t) => ({
        name: t.name,
        results: t.partitions.map((partition) => ({ partition, errorCode: at })),
      }));
    return at.shard.verifyPartitions(transactionalId, pid, epoch, topics);
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  async addOffsets(
    transactionalId: string,
    pid: number,
    epoch: number,
    groupId: string,
    fencedCode: number,
  ): Promise<number> {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const at = this.shardOf(transactionalId);
    if (typeof at === 'number') return at;
    return this.runtime.commit(at.partition, at.shard.addOffsets(transactionalId, pid, epoch, groupId, fencedCode));
  }

  /** TxnOffsetCommit: stages offsets in the transaction; they become the group's when it commits. */
  async txnOffsetCommit(req: TxnOffsetCommitInput): Promise<PartitionErrors> {
    const at = this.shardOf(req.transactionalId);
    if (typeof at === 'number')
      return req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: at })),
      }));
    return this.runtime.commit(at.partition, at.shard.txnOffsetCommit(req));
  }

  /** Whether a group has offsets staged in an open transaction (for OffsetFetch's require_stable). */
  hasPendingOffsets(groupId: string, topic: string, partition: number): boolean {
    return this.runtime.activeShards().some((s) => s.hasPendingOffsets(groupId, topic, partition));
  }

  /** EndTxn. */
  async endTxn(
    transactionalId: string,
    pid: number,
    epoch: number,
    commit: boolean,
    fencedCode: number,
  ): Promise<number> {
    const at = this.shardOf(transactionalId);
    if (typeof at === 'number') return at;
    return this.runtime.commit(at.partition, at.shard.endTxn(transactionalId, pid, epoch, commit, fencedCode));
  }

  // ------------------------------------------------------------------------------------------ background tasks

  /** Aborts transactions open longer than their timeout on every loaded partition (also runs periodically). */
  async abortTimedOut(now: number): Promise<number> {
    let n = 0;
    for (const p of this.runtime.hostedPartitions()) {
      const shard = this.runtime.shard(p);
      if (typeof shard !== 'number') n += await this.runtime.commit(p, shard.abortTimedOut(now));
    }
    return n;
  }

  /** Forgets transactional ids idle for transactional.id.expiration.ms (also runs periodically). */
  expireTransactionalIds(now: number): number {
    let n = 0;
    for (const p of this.runtime.hostedPartitions()) {
      const shard = this.runtime.shard(p);
      if (typeof shard === 'number') continue;
      const r = shard.expireTransactionalIds(now);
      void this.runtime.commit(p, r);
      n += r.response;
    }
    return n;
  }

  private scheduleProducerExpiry(): void {
    if (this.closed) return;
    this.producerExpiry = this.clock.schedule(this.deps.config.producerIdExpirationCheckIntervalMs, () => {
      try {
        this.expireProducers(this.clock.now());
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message }, 'producer id expiry failed');
      }
      this.scheduleProducerExpiry();
    });
  }

  /** Drops idle producer state in every partition (producer.id.expiration.ms). */
  expireProducers(now: number): number {
    let n = 0;
    for (const log of this.deps.logs.allLogs())
      n += log.removeExpiredProducers(now, this.deps.config.producerIdExpirationMs);
    return n;
  }

  // ------------------------------------------------------------------------------------------ operator views

  /** The state of a transactional id, if it is served here. */
  get(transactionalId: string): TxnMetadata | undefined {
    const at = this.shardOf(transactionalId, false);
    return typeof at === 'number' ? undefined : at.shard.txns.get(transactionalId);
  }

  describe(transactionalId: string): TxnMetadata | undefined {
    return this.get(transactionalId);
  }

  list(
    states: string[],
    producerIds: number[],
    minDurationMs: number,
    now = this.clock.now(),
  ): { unknownStates: string[]; txns: TxnMetadata[] } {
    const known = new Set<string>(TXN_STATES);
    const unknownStates = states.filter((s) => !known.has(s));
    const stateSet = new Set(states);
    const pidSet = new Set(producerIds);
    const txns: TxnMetadata[] = [];
    for (const shard of this.runtime.activeShards()) {
      for (const m of shard.txns.values()) {
        if (stateSet.size > 0 && !stateSet.has(m.state)) continue;
        if (pidSet.size > 0 && !pidSet.has(m.producerId)) continue;
        if (minDurationMs >= 0 && (m.state !== 'Ongoing' || now - m.startTimestamp < minDurationMs)) continue;
        txns.push(m);
      }
    }
    return { unknownStates, txns };
  }

  stateOf(m: TxnMetadata): TxnState {
    return m.state;
  }
}
