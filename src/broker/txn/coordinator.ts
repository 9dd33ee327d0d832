/**
 * The transaction coordinator: producer ids and epochs for transactional ids, the partitions and group offsets
 * of each open transaction, and its completion by COMMIT/ABORT markers. State lives in the compacted internal
 * topic __transaction_state (one record per change, keyed by transactional id) and is read back at startup;
 * transactions found half-completed (PrepareCommit/PrepareAbort) are finished then, before clients connect.
 *
 * On one broker every partition is local, so completing a transaction is synchronous: the Prepare record, the
 * markers in every partition, the staged offsets and the Complete record are all appended before EndTxn
 * answers. A crash in between leaves the Prepare record, from which load() finishes the job.
 */
import { replayInternalTopic } from '../internal-topic.js';
import { ErrorCode } from '../../protocol/errors.js';
import { buildBatch, encodeRecords } from '../../protocol/records/batch.js';
import { markerBatch } from '../../protocol/records/control.js';
import type { Logger } from '../../storage/logger.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { LogManager } from '../../storage/log-manager.js';
import type { BrokerConfig } from '../config/index.js';
import { FetchWaiters } from '../fetch-waiters.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import { OFFSETS_TOPIC } from '../groups/offsets.js';
import { partitionForGroup } from '../groups/records.js';
import type { TopicManager } from '../topics.js';
import { ProducerIdManager } from './producer-ids.js';
import {
  TXN_STATES,
  parseTxnKey,
  parseTxnValue,
  txnKey,
  txnValue,
  type StagedOffset,
  type TxnRecord,
  type TxnState,
} from './records.js';

export const TXN_TOPIC = '__transaction_state';
/** Kafka hands out a new producer id once the epoch would reach Short.MAX_VALUE. */
const MAX_EPOCH = 32766;

export interface TxnMetadata extends TxnRecord {
  transactionalId: string;
}

export interface InitResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TopicPartitions {
  name: string;
  partitions: number[];
}

export interface PartitionResult {
  name: string;
  results: Array<{ partition: number; errorCode: number }>;
}

export interface TxnOffsetCommitInput {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }>;
  }>;
}

interface Deps {
  config: BrokerConfig;
  topics: TopicManager;
  logs: LogManager;
  groups: GroupCoordinator;
  waiters: FetchWaiters;
  log: Logger;
  dataDir: string;
}

export class TransactionCoordinator {
  readonly producerIds: ProducerIdManager;
  private readonly txns = new Map<string, TxnMetadata>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly numPartitions: number;
  /** Fixed on one broker; markers carry it so partitions could tell coordinators apart. */
  readonly coordinatorEpoch = 0;

  constructor(private readonly d: Deps) {
    this.producerIds = new ProducerIdManager(d.dataDir);
    this.numPartitions = d.topics.get(TXN_TOPIC)?.partitions ?? d.config.transactionStateLogNumPartitions;
  }

  partitionFor(transactionalId: string): number {
    return partitionForGroup(transactionalId, this.numPartitions);
  }

  // ------------------------------------------------------------------------------------------ state log

  private ensureTopic(): void {
    if (this.d.topics.get(TXN_TOPIC)) return;
    const res = this.d.topics.create(TXN_TOPIC, this.numPartitions, 1, {
      'cleanup.policy': 'compact',
      'segment.bytes': String(this.d.config.transactionStateLogSegmentBytes),
      'compression.type': 'producer',
    });
    if (res.errorCode !== 0) throw new Error(`cannot create ${TXN_TOPIC}: ${res.errorMessage}`);
  }

  /** Appends the current state of a transactional id (null: a tombstone); resolves when durable per flush policy. */
  private persist(id: string, meta: TxnMetadata | null): Promise<void> {
    this.ensureTopic();
    const log = this.d.topics.partition(TXN_TOPIC, this.partitionFor(id));
    if (!log) throw new Error(`${TXN_TOPIC} partition ${this.partitionFor(id)} is missing`);
    const now = Date.now();
    const enc = encodeRecords([{ key: txnKey(id), value: meta ? txnValue(meta) : null, timestamp: now }], now);
    const batch = buildBatch(
      { recordCount: 1, lastOffsetDelta: 0, baseTimestamp: enc.baseTimestamp, maxTimestamp: enc.maxTimestamp },
      enc.data,
    );
    const res = log.appendAsLeader(batch, { recordCount: 1, maxTimestamp: enc.maxTimestamp });
    return log.requiresDurableAppend ? log.awaitFlush(res.lastOffset + 1) : Promise.resolve();
  }

  /** Reads __transaction_state (latest record per id wins), finishes half-completed transactions, starts timers. */
  async load(): Promise<void> {
    const t0 = performance.now();
    const records = await replayInternalTopic(
      TXN_TOPIC,
      this.d.topics.partitionsOf(TXN_TOPIC) ?? [],
      this.d.log,
      (r) => {
        const id = parseTxnKey(r.key);
        if (r.value === null) this.txns.delete(id);
        else this.txns.set(id, { transactionalId: id, ...parseTxnValue(r.value) });
      },
    );
    const pending: Array<Promise<void>> = [];
    for (const m of this.txns.values()) {
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') {
        this.d.log.info(
          { transactionalId: m.transactionalId, state: m.state },
          'completing a transaction interrupted by a restart',
        );
        if (m.state === 'PrepareEpochFence') m.state = 'PrepareAbort';
        pending.push(...this.complete(m, m.state === 'PrepareCommit'));
      }
    }
    await Promise.all(pending);
    if (records > 0)
      this.d.log.info(
        `loaded ${records} records of ${TXN_TOPIC} (${this.txns.size} transactional ids) in ${Math.round(performance.now() - t0)} ms`,
      );
    const c = this.d.config;
    this.every(c.transactionAbortTimedOutTransactionCleanupIntervalMs, () => this.abortTimedOut(Date.now()));
    this.every(c.transactionRemoveExpiredTransactionCleanupIntervalMs, () => this.expireTransactionalIds(Date.now()));
    this.every(c.producerIdExpirationCheckIntervalMs, () => this.expireProducers(Date.now()));
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      try {
        fn();
      } catch (err) {
        this.d.log.error({ err: (err as Error).message }, 'transaction coordinator task failed');
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  get(transactionalId: string): TxnMetadata | undefined {
    return this.txns.get(transactionalId);
  }

  // ------------------------------------------------------------------------------------------ completion

  /**
   * Writes Prepare*, the markers, the staged offsets (commit) and Complete*; all appends happen before this
   * returns. Returns durability promises to await.
   */
  private complete(m: TxnMetadata, commit: boolean): Array<Promise<void>> {
    const now = Date.now();
    const durable: Array<Promise<void>> = [];
    m.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    m.lastUpdateTimestamp = now;
    durable.push(this.persist(m.transactionalId, m));
    for (const [topic, parts] of m.partitions) {
      // Staged offsets are published through the group coordinator below; its partition needs no marker.
      if (topic === OFFSETS_TOPIC) continue;
      for (const p of parts) {
        const log = this.d.topics.partition(topic, p);
        if (!log) continue; // deleted since it was added
        const w = this.writeMarker(log, m.producerId, m.producerEpoch, commit);
        if (w.error) this.d.log.warn({ topic, partition: p, err: w.error }, 'could not write transaction marker');
        else if (w.durable) durable.push(w.durable);
      }
    }
    if (commit) {
      for (const [group, staged] of m.offsets) {
        durable.push(
          this.d.groups.offsets.commit(
            group,
            staged.map((s) => ({ topic: s.topic, partition: s.partition, value: s.value })),
          ),
        );
      }
    }
    m.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    m.partitions = new Map();
    m.offsets = new Map();
    m.lastUpdateTimestamp = Date.now();
    durable.push(this.persist(m.transactionalId, m));
    return durable;
  }

  /** Appends one marker to a partition and wakes its long-polling fetchers. */
  writeMarker(
    log: PartitionLog,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
  ): { error?: string; code?: number; durable?: Promise<void> } {
    try {
      const res = log.appendAsLeader(markerBatch(producerId, producerEpoch, commit, this.coordinatorEpoch));
      this.d.waiters.notify(FetchWaiters.key(log.topic, log.partition), 1);
      return { durable: log.requiresDurableAppend ? log.awaitFlush(res.lastOffset + 1) : undefined };
    } catch (err) {
      const code = (err as { code?: number }).code;
      return { error: (err as Error).message, code: typeof code === 'number' ? code : ErrorCode.UNKNOWN_SERVER_ERROR };
    }
  }

  /** Moves to the next epoch, or to a fresh producer id once epochs run out. */
  private bumpEpoch(m: TxnMetadata): void {
    if (m.producerEpoch >= MAX_EPOCH) {
      m.lastProducerId = m.producerId;
      m.lastProducerEpoch = m.producerEpoch;
      m.producerId = this.producerIds.allocate();
      m.producerEpoch = 0;
    } else {
      m.lastProducerEpoch = m.producerEpoch;
      m.producerEpoch++;
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
      return { errorCode: 0, producerId: this.producerIds.allocate(), producerEpoch: 0 };
    }
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.d.config.transactionMaxTimeoutMs)
      return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const now = Date.now();
    let m = this.txns.get(transactionalId);
    const durable: Array<Promise<void>> = [];
    if (m === undefined) {
      m = {
        transactionalId,
        producerId: this.producerIds.allocate(),
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
          return { errorCode: 0, producerId: m.producerId, producerEpoch: m.producerEpoch };
        }
      }
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence')
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      if (m.state === 'Ongoing') {
        // A new instance fences the old one: its open transaction is aborted under a bumped epoch first.
        this.bumpEpoch(m);
        durable.push(...this.complete(m, false));
      }
      this.bumpEpoch(m);
      m.timeoutMs = timeoutMs;
      m.state = 'Empty';
      m.partitions = new Map();
      m.offsets = new Map();
      m.startTimestamp = -1;
      m.lastUpdateTimestamp = now;
    }
    durable.push(this.persist(transactionalId, m));
    await Promise.all(durable);
    return { errorCode: 0, producerId: m.producerId, producerEpoch: m.producerEpoch };
  }

  /** Common checks of a client request against a transactional id; 0 when it may proceed. */
  private check(
    transactionalId: string,
    pid: number,
    epoch: number,
    fencedCode: number,
  ): { code: number; meta?: TxnMetadata } {
    const m = this.txns.get(transactionalId);
    if (m === undefined || m.state === 'Dead') return { code: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (m.producerId !== pid) return { code: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (m.producerEpoch !== epoch) return { code: fencedCode };
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence')
      return { code: ErrorCode.CONCURRENT_TRANSACTIONS };
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
  async addPartitions(
    transactionalId: string,
    pid: number,
    epoch: number,
    topics: TopicPartitions[],
    fencedCode: number,
  ): Promise<PartitionResult[]> {
    const all = (code: number) =>
      topics.map((t) => ({ name: t.name, results: t.partitions.map((partition) => ({ partition, errorCode: code })) }));
    const c = this.check(transactionalId, pid, epoch, fencedCode);
    if (c.code !== 0) return all(c.code);
    const m = c.meta!;
    const unknown = (t: string, p: number) => this.d.topics.partition(t, p) === undefined;
    if (topics.some((t) => t.partitions.some((p) => unknown(t.name, p)))) {
      return topics.map((t) => ({
        name: t.name,
        results: t.partitions.map((partition) => ({
          partition,
          errorCode: unknown(t.name, partition)
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : ErrorCode.OPERATION_NOT_ATTEMPTED,
        })),
      }));
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
    if (added || m.state !== 'Ongoing') {
      this.begin(m, Date.now());
      await this.persist(transactionalId, m);
    }
    return all(0);
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
  async addOffsets(
    transactionalId: string,
    pid: number,
    epoch: number,
    groupId: string,
    fencedCode: number,
  ): Promise<number> {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const c = this.check(transactionalId, pid, epoch, fencedCode);
    if (c.code !== 0) return c.code;
    const m = c.meta!;
    this.d.groups.offsets.ensureTopic();
    const p = this.d.groups.offsets.partitionFor(groupId);
    let set = m.partitions.get(OFFSETS_TOPIC);
    if (set?.has(p) && m.state === 'Ongoing') return 0;
    if (!set) m.partitions.set(OFFSETS_TOPIC, (set = new Set()));
    set.add(p);
    this.begin(m, Date.now());
    await this.persist(transactionalId, m);
    return 0;
  }

  /**
   * TxnOffsetCommit: stages offsets in the transaction (persisted with its state); they reach the group's
   * committed offsets only when it commits, and are dropped if it aborts.
   */
  async txnOffsetCommit(
    req: TxnOffsetCommitInput,
  ): Promise<Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>> {
    const all = (code: number) =>
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
      }));
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    const m = this.txns.get(req.transactionalId);
    if (m === undefined || m.producerId !== req.producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (m.producerEpoch !== req.producerEpoch) return all(ErrorCode.INVALID_PRODUCER_EPOCH);
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    const offsetsPartition = this.d.groups.offsets.partitionFor(req.groupId);
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
    const now = Date.now();
    const maxMeta = this.d.config.offsetMetadataMaxBytes;
    let staged = m.offsets.get(req.groupId);
    if (!staged) m.offsets.set(req.groupId, (staged = []));
    const result = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (p.committedMetadata !== null && p.committedMetadata.length > maxMeta)
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        const s: StagedOffset = {
          topic: t.name,
          partition: p.partitionIndex,
          value: {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata ?? '',
            commitTimestamp: now,
          },
        };
        const i = staged!.findIndex((x) => x.topic === s.topic && x.partition === s.partition);
        if (i >= 0) staged![i] = s;
        else staged!.push(s);
        return { partitionIndex: p.partitionIndex, errorCode: 0 };
      }),
    }));
    m.lastUpdateTimestamp = now;
    await this.persist(req.transactionalId, m);
    return result;
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
  async endTxn(
    transactionalId: string,
    pid: number,
    epoch: number,
    commit: boolean,
    fencedCode: number,
  ): Promise<number> {
    const m = this.txns.get(transactionalId);
    if (m === undefined || m.producerId !== pid) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== epoch) return fencedCode;
    switch (m.state) {
      case 'Ongoing':
        await Promise.all(this.complete(m, commit));
        return 0;
      case 'CompleteCommit':
        // a retry of the commit that already happened
        return commit ? 0 : ErrorCode.INVALID_TXN_STATE;
      case 'CompleteAbort':
        return commit ? ErrorCode.INVALID_TXN_STATE : 0;
      case 'PrepareCommit':
      case 'PrepareAbort':
        return ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  // ------------------------------------------------------------------------------------------ background tasks

  /** Aborts transactions open longer than their timeout, bumping the epoch so the old producer is fenced. */
  abortTimedOut(now: number): number {
    let n = 0;
    for (const m of this.txns.values()) {
      if (m.state !== 'Ongoing' || now - m.startTimestamp <= m.timeoutMs) continue;
      this.d.log.info(
        { transactionalId: m.transactionalId, producerId: m.producerId, timeoutMs: m.timeoutMs },
        'aborting a transaction past its timeout',
      );
      this.bumpEpoch(m);
      void Promise.all(this.complete(m, false)).catch((err) =>
        this.d.log.error({ err: (err as Error).message }, 'timed-out transaction abort'),
      );
      n++;
    }
    return n;
  }

  /** Forgets transactional ids idle for transactional.id.expiration.ms (tombstones in the state log). */
  expireTransactionalIds(now: number): number {
    let n = 0;
    for (const [id, m] of this.txns) {
      if (m.state !== 'Empty' && m.state !== 'CompleteCommit' && m.state !== 'CompleteAbort') continue;
      if (now - m.lastUpdateTimestamp < this.d.config.transactionalIdExpirationMs) continue;
      this.txns.delete(id);
      void this.persist(id, null).catch(() => {});
      n++;
    }
    return n;
  }

  /** Drops idle producer state in every partition (producer.id.expiration.ms). */
  expireProducers(now: number): number {
    let n = 0;
    for (const log of this.d.logs.allLogs()) n += log.removeExpiredProducers(now, this.d.config.producerIdExpirationMs);
    return n;
  }

  // ------------------------------------------------------------------------------------------ operator views

  describe(transactionalId: string): TxnMetadata | undefined {
    return this.txns.get(transactionalId);
  }

  list(
    states: string[],
    producerIds: number[],
    minDurationMs: number,
    now = Date.now(),
  ): { unknownStates: string[]; txns: TxnMetadata[] } {
    const known = new Set<string>(TXN_STATES);
    const unknownStates = states.filter((s) => !known.has(s));
    const stateSet = new Set(states);
    const pidSet = new Set(producerIds);
    const txns: TxnMetadata[] = [];
    for (const m of this.txns.values()) {
      if (stateSet.size > 0 && !stateSet.has(m.state)) continue;
      if (pidSet.size > 0 && !pidSet.has(m.producerId)) continue;
      if (minDurationMs >= 0 && (m.state !== 'Ongoing' || now - m.startTimestamp < minDurationMs)) continue;
      txns.push(m);
    }
    return { unknownStates, txns };
  }

  stateOf(m: TxnMetadata): TxnState {
    return m.state;
  }
}
