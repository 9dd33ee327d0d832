/**
 * The transactional side of the producer (KIP-98): the transaction's state machine, the transaction coordinator,
 * which partitions have joined the open transaction (AddPartitionsToTxn before their first batch is sent), offsets
 * committed in the transaction (AddOffsetsToTxn, then TxnOffsetCommit to the group's coordinator), and EndTxn.
 *
 * The producer owns one of these when it has a transactional id. Its sender asks `mayShip` before sending a
 * partition's batches and `addWaiting` after each pass; a failed batch taints the transaction (`taint`), which can
 * then only be aborted. Everything else the transaction needs of the producer comes through `TransactionalProducer`.
 */
import { AddOffsetsToTxn } from '../protocol/messages/add-offsets-to-txn.js';
import { AddPartitionsToTxn } from '../protocol/messages/add-partitions-to-txn.js';
import { EndTxn } from '../protocol/messages/end-txn.js';
import { FindCoordinator } from '../protocol/messages/find-coordinator.js';
import { InitProducerId } from '../protocol/messages/init-producer-id.js';
import { TxnOffsetCommit } from '../protocol/messages/txn-offset-commit.js';
import type { Api, Encodable } from '../protocol/schema.js';
import { backoff, sleep, type Cluster } from './cluster.js';
import { ClientStateError, ErrorCode, KafkaError, errorFor } from './errors.js';

/** What sendOffsetsToTransaction needs to know of the consumer's group (Consumer.groupMetadata()). */
export interface ConsumerGroupMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/** Offsets to commit in a transaction: the next offset to read per partition. */
export interface TransactionOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string | null;
}

type TxnState = 'uninitialized' | 'initializing' | 'ready' | 'in-transaction' | 'committing' | 'aborting';

/** What a transaction needs of its producer. */
export interface TransactionalProducer {
  readonly cluster: Cluster;
  /** Takes the producer id and epoch InitProducerId gave. */
  setProducerId(producerId: number, producerEpoch: number): void;
  readonly producerId: number;
  readonly producerEpoch: number;
  /** Whether the producer was closed (retries stop). */
  closed(): boolean;
  connect(): Promise<void>;
  /** Sends every queued record; rejects when one failed. */
  flush(): Promise<void>;
  /** Fails every batch waiting in a partition that could not join the transaction. */
  failPartition(topic: string, partition: number, err: KafkaError): void;
  /** Lets the sender run again (partitions joined, or failed). */
  wake(): void;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class Transactions {
  private state: TxnState = 'uninitialized';
  /** The first failure of the open transaction: it can only be aborted. */
  private error: KafkaError | undefined;
  private coordinator = -1;
  /** Partitions added to the open transaction, and those waiting for AddPartitionsToTxn. */
  private readonly added = new Set<string>();
  private readonly waiting = new Set<string>();
  private adding = false;
  private offsetsAdded = false;

  constructor(
    readonly transactionalId: string,
    private readonly timeoutMs: number,
    private readonly producer: TransactionalProducer,
  ) {}

  /** Whether records may be sent now: only inside a transaction. */
  get open(): boolean {
    return this.state === 'in-transaction';
  }

  stateError(what: string): KafkaError {
    const e = new ClientStateError(
      `cannot ${what}: the transaction state is ${this.state}${this.state === 'uninitialized' ? ' (call initTransactions() first)' : ''}`,
    );
    (e as { code: number }).code = ErrorCode.INVALID_TXN_STATE;
    return e;
  }

  /** Whether a partition's batches may be sent: it has joined the transaction (else it waits to join). */
  mayShip(topic: string, partition: number): boolean {
    const k = key(topic, partition);
    if (this.added.has(k)) return true;
    this.waiting.add(k);
    return false;
  }

  /** After a sender pass: partitions that wait to join are added (one AddPartitionsToTxn at a time). */
  addWaiting(): void {
    if (this.waiting.size > 0 && !this.adding) void this.addPartitions();
  }

  /** A batch of the transaction failed: the transaction must be aborted. */
  taint(err: KafkaError): void {
    this.error ??= err;
  }

  /**
   * Registers the transactional id with its coordinator and gets the producer id and epoch. Fences older
   * producers with the same transactional id, and completes (aborts) a transaction they left open.
   */
  async init(): Promise<void> {
    if (this.state !== 'uninitialized') throw this.stateError('initTransactions');
    this.state = 'initializing';
    try {
      await this.producer.connect();
      const conn = await this.producer.cluster.anyConnection();
      if (!conn.supports(InitProducerId) || !conn.supports(EndTxn) || !conn.supports(AddPartitionsToTxn)) {
        throw new KafkaError(
          ErrorCode.UNSUPPORTED_VERSION,
          'the broker does not offer transactions (InitProducerId, AddPartitionsToTxn, EndTxn)',
        );
      }
      const res = await this.toCoordinator(
        InitProducerId,
        {
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.timeoutMs,
          producerId: -1,
          producerEpoch: -1,
        },
        (r) => r.errorCode,
        'InitProducerId',
      );
      this.producer.setProducerId(res.producerId, res.producerEpoch);
      this.state = 'ready';
    } catch (e) {
      this.state = 'uninitialized';
      throw e;
    }
  }

  begin(): void {
    if (this.state !== 'ready') throw this.stateError('beginTransaction');
    this.state = 'in-transaction';
    this.error = undefined;
    this.added.clear();
    this.waiting.clear();
  }

  async sendOffsets(offsets: TransactionOffset[], groupMetadata: ConsumerGroupMetadata | string): Promise<void> {
    if (this.state !== 'in-transaction') throw this.stateError('sendOffsetsToTransaction');
    const group: ConsumerGroupMetadata =
      typeof groupMetadata === 'string'
        ? { groupId: groupMetadata, generationId: -1, memberId: '', groupInstanceId: null }
        : groupMetadata;
    if (offsets.length === 0) return;
    const { producerId, producerEpoch, cluster } = this.producer;
    await this.toCoordinator(
      AddOffsetsToTxn,
      { transactionalId: this.transactionalId, producerId, producerEpoch, groupId: group.groupId },
      (r) => r.errorCode,
      'AddOffsetsToTxn',
    );
    this.offsetsAdded = true;
    const topics = new Map<
      string,
      Array<{
        partitionIndex: number;
        committedOffset: number;
        committedLeaderEpoch: number;
        committedMetadata: string | null;
      }>
    >();
    for (const o of offsets) {
      let l = topics.get(o.topic);
      if (!l) topics.set(o.topic, (l = []));
      l.push({
        partitionIndex: o.partition,
        committedOffset: o.offset,
        committedLeaderEpoch: -1,
        committedMetadata: o.metadata ?? null,
      });
    }
    // TxnOffsetCommit goes to the group's coordinator.
    await cluster.retry(async () => {
      const conn = await cluster.anyConnection();
      const v = conn.versions.get(FindCoordinator.key) ?? 0;
      const fc = await conn.send(FindCoordinator, { key: group.groupId, keyType: 0, coordinatorKeys: [group.groupId] });
      const c =
        v >= 4
          ? fc.coordinators[0]
          : { nodeId: fc.nodeId, host: fc.host, port: fc.port, errorCode: fc.errorCode, errorMessage: fc.errorMessage };
      if (!c) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'FindCoordinator returned no coordinator');
      if (c.errorCode !== 0) throw errorFor(c.errorCode, `coordinator of group ${group.groupId}`, c.errorMessage);
      if (!cluster.brokers.has(c.nodeId))
        cluster.brokers.set(c.nodeId, { nodeId: c.nodeId, host: c.host, port: c.port, rack: null });
      const res = await (await cluster.coordinatorConnection(c.nodeId)).send(TxnOffsetCommit, {
        transactionalId: this.transactionalId,
        groupId: group.groupId,
        producerId,
        producerEpoch,
        generationId: group.generationId,
        memberId: group.memberId,
        groupInstanceId: group.groupInstanceId,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw errorFor(p.errorCode, `TxnOffsetCommit ${t.name}-${p.partitionIndex}`);
        }
      }
    });
  }

  /** Sends everything of the transaction, then commits it. A failed send makes the commit fail (abort then). */
  async commit(): Promise<void> {
    if (this.state !== 'in-transaction') throw this.stateError('commitTransaction');
    this.state = 'committing';
    try {
      await this.producer.flush().catch((e: Error) => {
        this.error ??= e instanceof KafkaError ? e : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, e.message);
      });
      if (this.error) throw this.error;
      if (this.added.size > 0 || this.offsetsAdded) await this.end(true);
      this.state = 'ready';
    } catch (e) {
      // Still in the transaction: the application must abort it.
      this.state = 'in-transaction';
      throw e;
    }
  }

  /** Drops the transaction: its records and offsets are never shown to read_committed consumers. */
  async abort(): Promise<void> {
    if (this.state !== 'in-transaction') throw this.stateError('abortTransaction');
    this.state = 'aborting';
    try {
      // Records still queued are written and then aborted with the rest; their promises settle first.
      await this.producer.flush().catch(() => {});
      if (this.added.size > 0 || this.offsetsAdded) await this.end(false);
      this.error = undefined;
      this.state = 'ready';
    } catch (e) {
      this.state = 'in-transaction';
      throw e;
    }
  }

  private async end(committed: boolean): Promise<void> {
    const { producerId, producerEpoch } = this.producer;
    await this.toCoordinator(
      EndTxn,
      { transactionalId: this.transactionalId, producerId, producerEpoch, committed },
      (r) => r.errorCode,
      committed ? 'commit' : 'abort',
    );
    this.added.clear();
    this.offsetsAdded = false;
  }

  /** Adds the partitions that have batches waiting to the transaction, then lets those batches go. */
  private async addPartitions(): Promise<void> {
    this.adding = true;
    const keys = [...this.waiting];
    try {
      const byTopic = new Map<string, number[]>();
      for (const k of keys) {
        const [topic, p] = k.split('\u0000') as [string, string];
        let l = byTopic.get(topic);
        if (!l) byTopic.set(topic, (l = []));
        l.push(Number(p));
      }
      const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
      await this.toCoordinator(
        AddPartitionsToTxn,
        {
          transactions: [],
          v3AndBelowTransactionalId: this.transactionalId,
          v3AndBelowProducerId: this.producer.producerId,
          v3AndBelowProducerEpoch: this.producer.producerEpoch,
          v3AndBelowTopics: topics,
        },
        (r) => {
          let code = 0;
          for (const t of r.resultsByTopicV3AndBelow) {
            for (const p of t.resultsByPartition) {
              // OPERATION_NOT_ATTEMPTED only says another partition of the request failed.
              if (p.partitionErrorCode !== 0 && p.partitionErrorCode !== ErrorCode.OPERATION_NOT_ATTEMPTED)
                code = p.partitionErrorCode;
            }
          }
          return code;
        },
        'AddPartitionsToTxn',
      );
      for (const k of keys) {
        this.added.add(k);
        this.waiting.delete(k);
      }
    } catch (e) {
      // The batches of these partitions cannot be part of the transaction: fail them; the transaction must abort.
      const err = e instanceof KafkaError ? e : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (e as Error).message);
      this.error ??= err;
      for (const k of keys) {
        this.waiting.delete(k);
        const [topic, p] = k.split('\u0000') as [string, string];
        this.producer.failPartition(topic, Number(p), err);
      }
    } finally {
      this.adding = false;
      this.producer.wake();
    }
  }

  /**
   * Sends a request to the transaction coordinator; `check` pulls the error code out of the answer. Retries
   * retriable errors, CONCURRENT_TRANSACTIONS (the previous transaction is still being completed) included, and
   * looks the coordinator up again when it moved.
   */
  private async toCoordinator<Req, Res>(
    api: Api<Req, Res>,
    req: Encodable<Req>,
    check: (res: Res) => number,
    what: string,
  ): Promise<Res> {
    const cluster = this.producer.cluster;
    const deadline = Date.now() + Math.max(cluster.requestTimeoutMs, this.timeoutMs);
    for (let attempt = 0; ; attempt++) {
      let code: number;
      let res: Res | undefined;
      try {
        if (this.coordinator < 0)
          this.coordinator = await cluster.findCoordinator(
            this.transactionalId,
            1,
            `transaction coordinator of ${this.transactionalId}`,
          );
        res = await (await cluster.coordinatorConnection(this.coordinator)).send(api, req);
        code = check(res);
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
        code = e.code;
        this.coordinator = -1;
      }
      if (code === 0) return res!;
      if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.coordinator = -1;
      const again = code === ErrorCode.CONCURRENT_TRANSACTIONS || errorFor(code).retriable;
      if (!again || Date.now() > deadline || this.producer.closed())
        throw errorFor(code, `${what} (${this.transactionalId})`);
      // Completing the previous transaction takes a moment; poll briskly at first.
      await sleep(
        code === ErrorCode.CONCURRENT_TRANSACTIONS
          ? Math.min(20 * 2 ** attempt, 500)
          : backoff(cluster.retryBackoffMs, cluster.retryBackoffMaxMs, attempt),
      );
    }
  }
}
