/**
 * One shard of the transaction coordinator: the transactional ids of one __transaction_state partition, rebuilt by
 * replaying its records (latest per id wins). Client operations return their response with the record of the new
 * state; the shard runtime writes it before the answer goes out. Completing a transaction is the one multi-step
 * write: the Prepare record is appended first (so a crash leaves something to finish from), then the markers in
 * every partition of the transaction and its staged offsets, then the Complete record; the answer waits until
 * all of them are as durable as their partitions' flush policies ask.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { RecordInput } from '../../protocol/records/batch.js';
import type { Logger } from '../../storage/logger.js';
import type { BrokerConfig } from '../config/index.js';
import { result, type CoordinatorResult, type CoordinatorShard, type ShardContext } from '../coordinator/runtime.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import { committedValue, OFFSETS_TOPIC } from '../groups/offsets.js';
import type { TopicManager } from '../topics.js';
import type { InitResult, PartitionResult, TopicPartitions, TxnMetadata, TxnOffsetCommitInput } from './api.js';
import type { ProducerIdManager } from './producer-ids.js';
import { parseTxnKey, parseTxnValue, txnKey, txnValue, type StagedOffset } from './records.js';

/** Kafka hands out a new producer id once the epoch would reach Short.MAX_VALUE. */
const MAX_EPOCH = 32766;

export interface TxnShardDeps {
  config: BrokerConfig;
  topics: TopicManager;
  groups: GroupCoordinator;
  producerIds: ProducerIdManager;
  log: Logger;
  /**
   * Writes one COMMIT/ABORT marker to a partition: appended here when this broker leads it (and its fetchers
   * woken), sent to its leader otherwise; null when the partition no longer exists.
   */
  writeMarkerTo(
    topic: string,
    partition: number,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
  ): { error?: string; code?: number; durable?: Promise<void> } | null;
}

type PartitionErrors = Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;

const isPrepare = (m: TxnMetadata) =>
  m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence';

export class TxnShard implements CoordinatorShard {
  readonly txns = new Map<string, TxnMetadata>();

  constructor(
    private readonly ctx: ShardContext,
    private readonly d: TxnShardDeps,
  ) {}

  private get now(): number {
    return this.ctx.clock.now();
  }

  /** The record of a transactional id's state as it is now (null: a tombstone). */
  private record(id: string, m: TxnMetadata | null): RecordInput {
    return { key: txnKey(id), value: m ? txnValue(m) : null, timestamp: this.now };
  }

  // ------------------------------------------------------------------------------------------ load, unload

  replay(key: Buffer, value: Buffer | null): void {
    const id = parseTxnKey(key);
    if (value === null) this.txns.delete(id);
    else this.txns.set(id, { transactionalId: id, ...parseTxnValue(value) });
  }

  /** Finishes transactions found half-completed, then starts the timeout and expiry tasks. */
  async onLoaded(): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const m of this.txns.values()) {
      if (!isPrepare(m)) continue;
      this.d.log.info(
        { transactionalId: m.transactionalId, state: m.state },
        'completing a transaction interrupted by a restart',
      );
      if (m.state === 'PrepareEpochFence') m.state = 'PrepareAbort';
      const done = this.complete(m, m.state === 'PrepareCommit');
      pending.push(this.ctx.append(done.records), ...done.durable);
    }
    this.every('abort-timed-out', this.d.config.transactionAbortTimedOutTransactionCleanupIntervalMs, () =>
      this.abortTimedOut(this.now),
    );
    this.every('expire-ids', this.d.config.transactionRemoveExpiredTransactionCleanupIntervalMs, () =>
      this.expireTransactionalIds(this.now),
    );
    await Promise.all(pending);
  }

  private every(name: string, ms: number, task: () => CoordinatorResult<number>): void {
    this.ctx.timers.set(name, ms, () => {
      this.every(name, ms, task);
      try {
        return task().records;
      } catch (err) {
        this.d.log.error({ err: (err as Error).message }, 'transaction coordinator task failed');
        return [];
      }
    });
  }

  onUnloaded(): void {
    this.txns.clear();
  }

  // ------------------------------------------------------------------------------------------ completion

  /**
   * Completes a transaction: appends its Prepare record now, writes the markers and (on commit) publishes the
   * staged offsets; returns the Complete record still to be written and the durability promises to await.
   */
  private complete(m: TxnMetadata, commit: boolean): { records: RecordInput[]; durable: Array<Promise<void>> } {
    const durable: Array<Promise<void>> = [];
    m.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    m.lastUpdateTimestamp = this.now;
    durable.push(this.ctx.append([this.record(m.transactionalId, m)]));
    for (const [topic, parts] of m.partitions) {
      // Staged offsets are published through the group coordinator below; its partition needs no marker.
      if (topic === OFFSETS_TOPIC) continue;
      for (const p of parts) {
        const w = this.d.writeMarkerTo(topic, p, m.producerId, m.producerEpoch, commit);
        if (w === null) continue; // deleted since it was added
        if (w.error) this.d.log.warn({ topic, partition: p, err: w.error }, 'could not write transaction marker');
        else if (w.durable) durable.push(w.durable);
      }
    }
    if (commit) {
      for (const [group, staged] of m.offsets) {
        const writes = staged.map((s) => ({ topic: s.topic, partition: s.partition, value: s.value }));
        durable.push(this.d.groups.commitTransactionalOffsets(group, writes));
      }
    }
    m.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    m.partitions = new Map();
    m.offsets = new Map();
    m.lastUpdateTimestamp = this.now;
    return { records: [this.record(m.transactionalId, m)], durable };
  }

  /** Moves to the next epoch, or to a fresh producer id once epochs run out. */
  private bumpEpoch(m: TxnMetadata): void {
    if (m.producerEpoch >= MAX_EPOCH) {
      m.lastProducerId = m.producerId;
      m.lastProducerEpoch = m.producerEpoch;
      m.producerId = this.d.producerIds.allocate();
      m.producerEpoch = 0;
    } else {
      m.lastProducerEpoch = m.producerEpoch;
      m.producerEpoch++;
    }
  }

  // ------------------------------------------------------------------------------------------ client APIs

  /** InitProducerId for a transactional id. `fencedCode` is what this request version calls a fenced producer. */
  initProducerId(
    transactionalId: string,
    timeoutMs: number,
    reqPid: number,
    reqEpoch: number,
    fencedCode: number,
  ): CoordinatorResult<InitResult | Promise<InitResult>> {
    const fail = (errorCode: number) => result<InitResult>({ errorCode, producerId: -1, producerEpoch: -1 });
    const now = this.now;
    let m = this.txns.get(transactionalId);
    const records: RecordInput[] = [];
    const durable: Array<Promise<void>> = [];
    if (m === undefined) {
      m = {
        transactionalId,
        producerId: this.d.producerIds.allocate(),
        producerEpoch: 0,
        lastProducerId: -1,
        lastProducerEpoch: -1,
        timeoutMs,
        state: 'Empty',
        partitions: new Map(),
        lastUpdateTimestamp: now,
        startTimestamp: -1,
        offsets: new Map(),
      };
      this.txns.set(transactionalId, m);
    } else {
      if (reqPid >= 0) {
        // KIP-360: a producer that knows its id and epoch may only bump from the current (or, retrying, the previous) one.
        const current = reqPid === m.producerId && reqEpoch === m.producerEpoch;
        const retry =
          (reqPid === m.producerId || reqPid === m.lastProducerId) &&
          reqEpoch === m.lastProducerEpoch &&
          m.lastProducerEpoch >= 0;
        if (!current && !retry) return fail(fencedCode);
        if (retry && !current && (m.state === 'Empty' || m.state === 'CompleteAbort' || m.state === 'CompleteCommit')) {
          return result({ errorCode: 0, producerId: m.producerId, producerEpoch: m.producerEpoch });
        }
      }
      if (isPrepare(m)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      if (m.state === 'Ongoing') {
        // A new instance fences the old one: its open transaction is aborted under a bumped epoch first.
        this.bumpEpoch(m);
        const done = this.complete(m, false);
        records.push(...done.records);
        durable.push(...done.durable);
      }
      this.bumpEpoch(m);
      m.timeoutMs = timeoutMs;
      m.state = 'Empty';
      m.partitions = new Map();
      m.offsets = new Map();
      m.startTimestamp = -1;
      m.lastUpdateTimestamp = now;
    }
    records.push(this.record(transactionalId, m));
    const answer = { errorCode: 0, producerId: m.producerId, producerEpoch: m.producerEpoch };
    return { response: Promise.all(durable).then(() => answer), records };
  }

  /** Common checks of a client request against a transactional id; 0 when it may proceed. */
  private check(id: string, pid: number, epoch: number, fencedCode: number): { code: number; meta?: TxnMetadata } {
    const m = this.txns.get(id);
    if (m === undefined || m.state === 'Dead') return { code: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (m.producerId !== pid) return { code: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (m.producerEpoch !== epoch) return { code: fencedCode };
    if (isPrepare(m)) return { code: ErrorCode.CONCURRENT_TRANSACTIONS };
    return { code: 0, meta: m };
  }

  private begin(m: TxnMetadata, now: number): void {
    if (m.state !== 'Ongoing') {
      m.state = 'Ongoing';
      m.startTimestamp = now;
    }
    m.lastUpdateTimestamp = now;
  }

  /** AddPartitionsToTxn (client form): every partition gets the same error unless some are unknown. */
  addPartitions(
    transactionalId: string,
    pid: number,
    epoch: number,
    topics: TopicPartitions[],
    fencedCode: number,
  ): CoordinatorResult<PartitionResult[]> {
    const all = (code: number) =>
      topics.map((t) => ({ name: t.name, results: t.partitions.map((partition) => ({ partition, errorCode: code })) }));
    const c = this.check(transactionalId, pid, epoch, fencedCode);
    if (c.code !== 0) return result(all(c.code));
    const m = c.meta!;
    const unknown = (t: string, p: number) => this.d.topics.partition(t, p) === undefined;
    if (topics.some((t) => t.partitions.some((p) => unknown(t.name, p)))) {
      return result(
        topics.map((t) => ({
          name: t.name,
          results: t.partitions.map((partition) => ({
            partition,
            errorCode: unknown(t.name, partition)
              ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
              : ErrorCode.OPERATION_NOT_ATTEMPTED,
          })),
        })),
      );
    }
    let added = false;
    for (const t of topics) {
      let set = m.partitions.get(t.name);
      for (const p of t.partitions) {
        if (set?.has(p) && m.state === 'Ongoing') continue;
        if (!set) m.partitions.set(t.name, (set = new Set()));
        set.add(p);
        added = true;
      }
    }
    if (!added && m.state === 'Ongoing') return result(all(0));
    this.begin(m, this.now);
    return result(all(0), [this.record(transactionalId, m)]);
  }

  /** KIP-890 verification: 0 when the partition is in the producer's ongoing transaction. */
  verifyPartition(transactionalId: string, pid: number, epoch: number, topic: string, partition: number): number {
    const m = this.txns.get(transactionalId);
    if (m === undefined || m.producerId !== pid) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (epoch < m.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (m.state !== 'Ongoing' || m.producerEpoch !== epoch || !m.partitions.get(topic)?.has(partition))
      return ErrorCode.INVALID_TXN_STATE;
    return 0;
  }

  /** AddPartitionsToTxn with verifyOnly: per partition, whether it is already in the transaction. */
  verifyPartitions(transactionalId: string, pid: number, epoch: number, topics: TopicPartitions[]): PartitionResult[] {
    const m = this.txns.get(transactionalId);
    let code = 0;
    if (m === undefined || m.producerId !== pid) code = ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    else if (m.producerEpoch !== epoch) code = ErrorCode.PRODUCER_FENCED;
    return topics.map((t) => ({
      name: t.name,
      results: t.partitions.map((partition) => ({
        partition,
        errorCode:
          code !== 0
            ? code
            : m!.state === 'Ongoing' && m!.partitions.get(t.name)?.has(partition)
              ? 0
              : ErrorCode.INVALID_TXN_STATE,
      })),
    }));
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  addOffsets(
    transactionalId: string,
    pid: number,
    epoch: number,
    groupId: string,
    fencedCode: number,
  ): CoordinatorResult<number> {
    if (groupId === '') return result(ErrorCode.INVALID_GROUP_ID);
    const c = this.check(transactionalId, pid, epoch, fencedCode);
    if (c.code !== 0) return result(c.code);
    const m = c.meta!;
    this.d.groups.ensureTopic();
    const p = this.d.groups.partitionFor(groupId);
    let set = m.partitions.get(OFFSETS_TOPIC);
    if (set?.has(p) && m.state === 'Ongoing') return result(0);
    if (!set) m.partitions.set(OFFSETS_TOPIC, (set = new Set()));
    set.add(p);
    this.begin(m, this.now);
    return result(0, [this.record(transactionalId, m)]);
  }

  /**
   * TxnOffsetCommit: stages offsets in the transaction (persisted with its state); they reach the group's
   * committed offsets only when it commits, and are dropped if it aborts.
   */
  txnOffsetCommit(req: TxnOffsetCommitInput): CoordinatorResult<PartitionErrors> {
    const all = (code: number) =>
      result(
        req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
        })),
      );
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    const m = this.txns.get(req.transactionalId);
    if (m === undefined || m.producerId !== req.producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (m.producerEpoch !== req.producerEpoch) return all(ErrorCode.INVALID_PRODUCER_EPOCH);
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    const offsetsPartition = this.d.groups.partitionFor(req.groupId);
    if (m.state !== 'Ongoing' || !m.partitions.get(OFFSETS_TOPIC)?.has(offsetsPartition))
      return all(ErrorCode.INVALID_TXN_STATE);
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      // KIP-447: a commit made on behalf of a group member is checked against the group's current generation.
      const code = this.d.groups.checkCommitter({
        groupId: req.groupId,
        generationIdOrMemberEpoch: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        topics: [],
      });
      if (code !== 0) return all(code);
    }
    const now = this.now;
    const maxMeta = this.d.config.offsetMetadataMaxBytes;
    let staged = m.offsets.get(req.groupId);
    if (!staged) m.offsets.set(req.groupId, (staged = []));
    const response = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (p.committedMetadata !== null && p.committedMetadata.length > maxMeta)
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        const s: StagedOffset = {
          topic: t.name,
          partition: p.partitionIndex,
          value: committedValue(p, now),
        };
        const i = staged!.findIndex((x) => x.topic === s.topic && x.partition === s.partition);
        if (i >= 0) staged![i] = s;
        else staged!.push(s);
        return { partitionIndex: p.partitionIndex, errorCode: 0 };
      }),
    }));
    m.lastUpdateTimestamp = now;
    return result(response, [this.record(req.transactionalId, m)]);
  }

  /** Whether a group has offsets staged in an open transaction (for OffsetFetch's require_stable). */
  hasPendingOffsets(groupId: string, topic: string, partition: number): boolean {
    for (const m of this.txns.values()) {
      if (m.state !== 'Ongoing') continue;
      if (m.offsets.get(groupId)?.some((s) => s.topic === topic && s.partition === partition)) return true;
    }
    return false;
  }

  /** EndTxn. */
  endTxn(
    transactionalId: string,
    pid: number,
    epoch: number,
    commit: boolean,
    fencedCode: number,
  ): CoordinatorResult<number | Promise<number>> {
    const m = this.txns.get(transactionalId);
    if (m === undefined || m.producerId !== pid) return result(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (m.producerEpoch !== epoch) return result(fencedCode);
    switch (m.state) {
      case 'Ongoing': {
        const done = this.complete(m, commit);
        return { response: Promise.all(done.durable).then(() => 0), records: done.records };
      }
      case 'CompleteCommit':
        // a retry of the commit that already happened
        return result(commit ? 0 : ErrorCode.INVALID_TXN_STATE);
      case 'CompleteAbort':
        return result(commit ? ErrorCode.INVALID_TXN_STATE : 0);
      case 'PrepareCommit':
      case 'PrepareAbort':
        return result(ErrorCode.CONCURRENT_TRANSACTIONS);
      default:
        return result(ErrorCode.INVALID_TXN_STATE);
    }
  }

  // ------------------------------------------------------------------------------------------ background tasks

  /** Aborts transactions open longer than their timeout, bumping the epoch so the old producer is fenced. */
  abortTimedOut(now: number): CoordinatorResult<number> {
    let n = 0;
    const records: RecordInput[] = [];
    for (const m of this.txns.values()) {
      if (m.state !== 'Ongoing' || now - m.startTimestamp <= m.timeoutMs) continue;
      this.d.log.info(
        { transactionalId: m.transactionalId, producerId: m.producerId, timeoutMs: m.timeoutMs },
        'aborting a transaction past its timeout',
      );
      this.bumpEpoch(m);
      const done = this.complete(m, false);
      records.push(...done.records);
      void Promise.all(done.durable).catch((err) =>
        this.d.log.error({ err: (err as Error).message }, 'timed-out transaction abort'),
      );
      n++;
    }
    return { response: n, records };
  }

  /** Forgets transactional ids idle for transactional.id.expiration.ms (tombstones in the state log). */
  expireTransactionalIds(now: number): CoordinatorResult<number> {
    const records: RecordInput[] = [];
    for (const [id, m] of this.txns) {
      if (m.state !== 'Empty' && m.state !== 'CompleteCommit' && m.state !== 'CompleteAbort') continue;
      if (now - m.lastUpdateTimestamp < this.d.config.transactionalIdExpirationMs) continue;
      this.txns.delete(id);
      records.push(this.record(id, null));
    }
    return { response: records.length, records };
  }
}
