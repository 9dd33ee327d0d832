/**
 * The producer: records are serialized into per-partition batches (the accumulator), and a sender ships ready
 * batches to partition leaders, one Produce request per broker at a time up to `maxInFlightRequests`. A batch is
 * ready when it is full, when it waited `lingerMs`, or on flush(). Retriable failures put a batch back at the head
 * of its partition after a backoff (refreshing metadata first when leadership may have moved); other failures
 * reject its records. Each record's promise resolves with its offset once the broker acknowledged it.
 *
 * Idempotence: when the broker offers InitProducerId the producer gets a producer id and epoch and numbers each
 * partition's batches, so the broker drops duplicates caused by retries. Without it the producer falls back to
 * plain retries (and says so in a debug log) unless `idempotent: true` was asked for explicitly.
 *
 * Transactions: a producer with a transactional id keeps its transaction in `transactions.ts`; the sender asks it
 * which partitions have joined the open transaction before sending their batches.
 */
import { InitProducerId } from '../protocol/messages/init-producer-id.js';
import { Produce } from '../protocol/messages/produce.js';
import { Compression } from '../protocol/records/layout.js';
import { BatchBuilder, type DeliveryCallback, type HeadersInput, type RecordMetadata } from './batch-builder.js';
import { Cluster, backoff, sleep, type ClientOptions } from './cluster.js';
import { ClientStateError, ErrorCode, KafkaError, errorFor, needsMetadataRefresh } from './errors.js';
import { StickyPartitions, partitionForKey, type Partitioner } from './partitioner.js';
import { defaultSerializer, type Serialized, type Serializer } from './serde.js';
import { Transactions, type ConsumerGroupMetadata, type TransactionOffset } from './transactions.js';

export type { RecordMetadata, HeadersInput, DeliveryCallback, ConsumerGroupMetadata, TransactionOffset };

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
const CODECS: Record<CompressionName, Compression> = {
  none: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

export interface ProducerOptions<K = unknown, V = unknown> extends ClientOptions {
  /** 0: no answer; 1: the leader stored it; -1/'all': all in-sync replicas did (default 'all'). */
  acks?: 0 | 1 | -1 | 'all';
  /** How long a batch waits for more records before it is sent (default 5). */
  lingerMs?: number;
  /** Bytes per batch before it is sent without waiting (default 16384). */
  batchSize?: number;
  compression?: CompressionName;
  /** Produce requests awaiting an answer per broker (default 5). */
  maxInFlightRequests?: number;
  /** Give up on a record this long after send() (default 120000). */
  deliveryTimeoutMs?: number;
  /** How long send() waits for metadata of an unknown topic (default 60000). */
  maxBlockMs?: number;
  /** Custom partitioner; return -1 to fall back to the default choice. */
  partitioner?: Partitioner;
  keySerializer?: Serializer<K>;
  valueSerializer?: Serializer<V>;
  /** Default: on when the broker supports it (and acks is all), else off. true makes missing support an error. */
  idempotent?: boolean;
  /** Ask the broker to create unknown topics (default true, as the Java producer does). */
  allowAutoTopicCreation?: boolean;
  /** Largest Produce request, and so largest record, the producer sends (default 1048576, as Kafka). */
  maxRequestSize?: number;
  /** Makes the producer transactional (implies idempotence); call initTransactions() before the first send. */
  transactionalId?: string;
  /** How long the coordinator lets a transaction stay open before aborting it (default 60000). */
  transactionTimeoutMs?: number;
}

export interface ProducerRecord<K = unknown, V = unknown> {
  topic: string;
  key?: K | null;
  value: V | null;
  /** Explicit partition; skips the partitioner. */
  partition?: number;
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
  headers?: HeadersInput;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  current: BatchBuilder | null;
  /** Closed batches waiting to be sent, oldest first. */
  ready: BatchBuilder[];
  inFlight: number;
  nextSequence: number;
  /** Batches that carry a sequence number and are not acknowledged or failed yet, oldest first. */
  sent: BatchBuilder[];
}

const MAX_SEQUENCE = 0x7fffffff;

export class Producer<K = unknown, V = unknown> {
  readonly cluster: Cluster;
  private readonly acks: number;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly codec: Compression;
  private readonly maxInFlight: number;
  private readonly deliveryTimeoutMs: number;
  private readonly maxBlockMs: number;
  private readonly keySer: Serializer<K>;
  private readonly valueSer: Serializer<V>;
  private readonly partitioner: Partitioner | undefined;
  private readonly sticky: StickyPartitions;
  private readonly queues = new Map<string, PartitionQueue[]>();
  /** Queues holding an open or ready batch. */
  private readonly active = new Set<PartitionQueue>();
  private readonly nodeInFlight = new Map<number, number>();
  private outstanding = 0;
  /** Records waiting for first metadata of their topic. */
  private pendingFirst = 0;
  /** Per topic, records that arrived while its metadata was being fetched, in send order. */
  private readonly waitingForMetadata = new Map<string, Array<[ProducerRecord<K, V>, DeliveryCallback | undefined]>>();
  /** First failure of a record sent without a callback, reported by flush(). */
  private unreported: Error | undefined;
  private idleWaiters: Array<() => void> = [];
  private flushing = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private drainScheduled = false;
  private connecting: Promise<void> | undefined;
  private closed = false;
  producerId = -1;
  producerEpoch = -1;
  private readonly maxRequestSize: number;
  /** KIP-360: the broker lost our sequence state; a new epoch is needed before anything more is sent. */
  private bumpNeeded = false;
  private bumping = false;
  private totalInFlight = 0;
  readonly transactionalId: string | null;
  /** The transaction state of a producer with a transactional id (src/client/transactions.ts). */
  private readonly txn: Transactions | undefined;

  constructor(private readonly opts: ProducerOptions<K, V>) {
    this.cluster = new Cluster({ ...opts, allowAutoTopicCreation: opts.allowAutoTopicCreation ?? true });
    const acks = opts.acks ?? 'all';
    this.acks = acks === 'all' ? -1 : acks;
    if (this.acks !== 0 && this.acks !== 1 && this.acks !== -1)
      throw new ClientStateError(`acks must be 0, 1, -1 or 'all'`);
    this.lingerMs = opts.lingerMs ?? 5;
    this.batchSize = Math.max(opts.batchSize ?? 16384, 1);
    const codec = CODECS[opts.compression ?? 'none'];
    if (codec === undefined) throw new ClientStateError(`unknown compression ${String(opts.compression)}`);
    this.codec = codec;
    this.maxInFlight = Math.max(1, opts.maxInFlightRequests ?? 5);
    this.deliveryTimeoutMs = opts.deliveryTimeoutMs ?? 120000;
    this.maxBlockMs = opts.maxBlockMs ?? 60000;
    this.keySer = (opts.keySerializer ?? defaultSerializer) as Serializer<K>;
    this.valueSer = (opts.valueSerializer ?? defaultSerializer) as Serializer<V>;
    this.partitioner = opts.partitioner;
    this.sticky = new StickyPartitions(this.batchSize);
    if (opts.idempotent === true && this.acks !== -1)
      throw new ClientStateError("an idempotent producer needs acks 'all'");
    this.maxRequestSize = opts.maxRequestSize ?? 1048576;
    this.transactionalId = opts.transactionalId ?? null;
    if (this.transactionalId !== null) {
      if (this.acks !== -1) throw new ClientStateError("a transactional producer needs acks 'all'");
      if (opts.idempotent === false)
        throw new ClientStateError(
          'a transactional producer is idempotent; idempotent: false contradicts transactionalId',
        );
      const producer = this;
      this.txn = new Transactions(this.transactionalId, opts.transactionTimeoutMs ?? 60000, {
        cluster: this.cluster,
        get producerId() {
          return producer.producerId;
        },
        get producerEpoch() {
          return producer.producerEpoch;
        },
        setProducerId: (id, epoch) => {
          this.producerId = id;
          this.producerEpoch = epoch;
        },
        closed: () => this.closedHard,
        connect: () => this.connect(),
        flush: () => this.flush(),
        failPartition: (topic, partition, err) => {
          const q = this.queues.get(topic)?.[partition];
          if (!q) return;
          if (q.current) this.closeBatch(q);
          for (const b of q.ready.splice(0)) this.finish(b, err);
        },
        wake: () => this.scheduleDrain(),
      });
    }
    // A batch never grows past what one request may carry.
    this.batchSize = Math.min(this.batchSize, this.maxRequestSize);
    this.cluster.onMetadata.push(() => {
      this.availableCache.clear();
      // A topic may have grown: make room for its new partitions.
      for (const [topic, parts] of this.queues) {
        const n = this.cluster.partitionCount(topic);
        if (n !== undefined && n > parts.length) this.ensureQueues(topic, n);
      }
      this.scheduleDrain();
    });
  }

  get idempotent(): boolean {
    return this.producerId >= 0;
  }

  /** Connects and sets up idempotence. send() calls it on first use, so calling it is optional. */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect();
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const conn = await this.cluster.anyConnection();
    // A transactional producer gets its id from initTransactions().
    if (this.transactionalId !== null) return;
    const want = this.opts.idempotent;
    if (want === false || this.acks !== -1) return;
    if (!conn.supports(InitProducerId)) {
      if (want === true) {
        throw new KafkaError(
          ErrorCode.UNSUPPORTED_VERSION,
          'idempotence was asked for but the broker does not offer InitProducerId',
        );
      }
      this.cluster.log.debug('broker does not offer InitProducerId; producing without idempotence');
      return;
    }
    const res = await this.cluster.sendAny(InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000 });
    if (res.errorCode !== 0) {
      if (want === true) throw errorFor(res.errorCode, 'InitProducerId');
      this.cluster.log.debug('InitProducerId failed; producing without idempotence', { error: res.errorCode });
      return;
    }
    this.producerId = res.producerId;
    this.producerEpoch = res.producerEpoch;
  }

  /** Queues a record; resolves with its partition and offset once the broker acknowledged it. */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.produce(record, (err, m) => (err ? reject(err) : resolve(m!)));
    });
  }

  /**
   * Queues a record without creating a promise: the leanest path. `callback`, if given, hears about delivery;
   * without one, a failure is remembered and reported by the next flush().
   */
  produce(record: ProducerRecord<K, V>, callback?: DeliveryCallback): void {
    if (this.closed) {
      this.report(callback, new ClientStateError('the producer is closed'));
      return;
    }
    if (this.txn !== undefined && !this.txn.open && !this.reentry) {
      this.report(callback, this.txn.stateError('send'));
      return;
    }
    // Records of a topic still waiting for its metadata queue up behind the first one, so order is kept.
    const waiting = this.waitingForMetadata.get(record.topic);
    if (waiting !== undefined) {
      this.pendingFirst++;
      waiting.push([record, callback]);
      return;
    }
    const parts = this.queues.get(record.topic);
    if (parts === undefined || this.connecting === undefined) {
      this.pendingFirst++;
      const queue: Array<[ProducerRecord<K, V>, DeliveryCallback | undefined]> = [[record, callback]];
      this.waitingForMetadata.set(record.topic, queue);
      this.produceSlow(record).then(
        () => {
          this.waitingForMetadata.delete(record.topic);
          // Accepted before a commit or abort began: they belong to that transaction.
          this.reentry = true;
          try {
            for (const [r, cb] of queue) {
              this.pendingFirst--;
              this.produce(r, cb);
            }
          } finally {
            this.reentry = false;
          }
          this.checkIdle();
        },
        (err: Error) => {
          this.waitingForMetadata.delete(record.topic);
          for (const [, cb] of queue) {
            this.pendingFirst--;
            this.report(cb, err);
          }
          this.checkIdle();
        },
      );
      return;
    }
    let key: Serialized;
    let value: Serialized;
    let partition: number;
    try {
      key = record.key === undefined || record.key === null ? null : this.keySer(record.key, record.topic);
      value = record.value === null ? null : this.valueSer(record.value, record.topic);
      partition = this.choosePartition(record, parts.length, key, value);
    } catch (e) {
      this.report(callback, e as Error);
      return;
    }
    if (!(partition >= 0 && partition < parts.length)) {
      this.report(
        callback,
        new KafkaError(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `partition ${partition} of ${record.topic} does not exist (${parts.length} partitions)`,
        ),
      );
      return;
    }
    const q = parts[partition]!;
    const ts = record.timestamp ?? Date.now();
    let b = q.current;
    if (b === null || !b.append(ts, key, value, record.headers)) {
      if (b !== null) this.closeBatch(q);
      b = new BatchBuilder(record.topic, partition, this.batchSize);
      b.append(ts, key, value, record.headers);
      if (b.sizeInBytes > this.maxRequestSize) {
        // Alone in its batch and still too large for one request: Kafka's RecordTooLargeException.
        this.report(
          callback,
          new KafkaError(
            ErrorCode.MESSAGE_TOO_LARGE,
            `a record of ${b.sizeInBytes} bytes for ${record.topic} exceeds maxRequestSize ${this.maxRequestSize}`,
          ),
        );
        return;
      }
      q.current = b;
      this.outstanding++;
      this.active.add(q);
      this.wakeIn(this.lingerMs);
    }
    b.callbacks.push(callback);
    if (b.full) {
      this.closeBatch(q);
      this.scheduleDrain();
    }
  }

  private report(callback: DeliveryCallback | undefined, err: Error): void {
    if (callback) callback(err, null);
    else this.unreported ??= err;
  }

  /** First send to a topic: wait for its metadata (bounded by maxBlockMs); the caller then takes the fast path. */
  private async produceSlow(record: ProducerRecord<K, V>): Promise<void> {
    await this.connect();
    const deadline = Date.now() + this.maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      await this.cluster.ensureTopics([record.topic]);
      const n = this.cluster.partitionCount(record.topic);
      if (n !== undefined && n > 0) {
        this.ensureQueues(record.topic, n);
        break;
      }
      if (Date.now() >= deadline || this.closed) {
        const err = await this.cluster.topicError(record.topic).catch(() => undefined);
        throw (
          err ??
          new KafkaError(
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            `topic ${record.topic} not present in metadata after ${this.maxBlockMs} ms`,
          )
        );
      }
      await sleep(backoff(this.cluster.retryBackoffMs, this.cluster.retryBackoffMaxMs, attempt));
      await this.cluster.refreshMetadata();
    }
  }

  private ensureQueues(topic: string, n: number): void {
    let parts = this.queues.get(topic);
    if (parts === undefined) {
      parts = [];
      this.queues.set(topic, parts);
    }
    for (let p = parts.length; p < n; p++) {
      parts.push({ topic, partition: p, current: null, ready: [], inFlight: 0, nextSequence: 0, sent: [] });
    }
  }

  private choosePartition(record: ProducerRecord<K, V>, n: number, key: Serialized, value: Serialized): number {
    if (record.partition !== undefined) return record.partition;
    const keyBytes = key === null ? null : typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    if (this.partitioner) {
      const p = this.partitioner({
        topic: record.topic,
        key: keyBytes,
        value: record.value,
        numPartitions: n,
        availablePartitions: this.available(record.topic),
      });
      if (p >= 0) return p;
    } else if (keyBytes !== null) {
      return partitionForKey(keyBytes, n);
    }
    const size = (key === null ? 0 : key.length) + (value === null ? 0 : value.length) + 16;
    return this.sticky.partition(record.topic, n, this.available(record.topic), size);
  }

  /** Partitions with a leader, cached until the next metadata update. */
  private available(topic: string): number[] {
    let out = this.availableCache.get(topic);
    if (out === undefined) {
      out = [];
      const t = this.cluster.topics.get(topic);
      if (t) for (const p of t.partitions) if (p.leader >= 0) out.push(p.partition);
      this.availableCache.set(topic, out);
    }
    return out;
  }

  private readonly availableCache = new Map<string, number[]>();

  private closeBatch(q: PartitionQueue): void {
    const b = q.current;
    if (b === null) return;
    q.current = null;
    q.ready.push(b);
  }

  private wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (at >= this.wakeAt) return;
    this.wakeAt = at;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.drain();
      },
      Math.max(0, ms),
    );
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Sends what is ready to every broker that has room for another request. */
  private drain(): void {
    if (this.bumping) return;
    if (this.bumpNeeded) {
      // A new epoch restarts every partition's sequence at 0: wait until nothing is in flight, then bump.
      if (this.totalInFlight === 0) void this.bumpEpoch();
      return;
    }
    const now = Date.now();
    const txn = this.txn;
    const requestBytes = new Map<number, number>();
    let nextWake = Infinity;
    let needMetadata = false;
    const byNode = new Map<number, BatchBuilder[]>();
    for (const q of this.active) {
      const cur = q.current;
      if (cur !== null) {
        if (this.flushing > 0 || this.closed || now - cur.createdAt >= this.lingerMs) this.closeBatch(q);
        else nextWake = Math.min(nextWake, cur.createdAt + this.lingerMs);
      }
      if (q.ready.length === 0) {
        if (q.current === null) this.active.delete(q);
        continue;
      }
      const head = q.ready[0]!;
      if (now - head.createdAt > this.deliveryTimeoutMs) {
        q.ready.shift();
        this.forget(q, head);
        this.finish(
          head,
          head.lastError ??
            new KafkaError(
              ErrorCode.REQUEST_TIMED_OUT,
              `record expired after ${this.deliveryTimeoutMs} ms without being sent`,
            ),
        );
        nextWake = Math.min(nextWake, now);
        continue;
      }
      if (head.retryAt > now) {
        nextWake = Math.min(nextWake, head.retryAt);
        continue;
      }
      // Idempotence keeps at most five batches per partition in flight (the broker remembers five sequences);
      // without it, one keeps retries from reordering records of a partition.
      if (q.inFlight >= (this.idempotent ? 5 : 1)) continue;
      // A retried batch goes alone: the broker must see a partition's sequences in order.
      if (head.attempts > 0 && q.inFlight > 0) continue;
      if (txn !== undefined && !txn.mayShip(q.topic, q.partition)) continue;
      const leader = this.cluster.leaderFor(q.topic, q.partition);
      if (leader < 0) {
        needMetadata = true;
        nextWake = Math.min(nextWake, now + this.cluster.retryBackoffMs);
        continue;
      }
      if ((this.nodeInFlight.get(leader) ?? 0) >= this.maxInFlight) continue;
      // Keep each Produce request within maxRequestSize (a single batch always goes).
      const size = head.sizeInBytes;
      const used = requestBytes.get(leader) ?? 0;
      if (used > 0 && used + size > this.maxRequestSize) {
        nextWake = Math.min(nextWake, now);
        continue;
      }
      requestBytes.set(leader, used + size);
      let list = byNode.get(leader);
      if (list === undefined) {
        list = [];
        byNode.set(leader, list);
      }
      q.ready.shift();
      q.inFlight++;
      if (this.idempotent && head.baseSequence < 0) {
        head.baseSequence = q.nextSequence;
        q.nextSequence = (q.nextSequence + head.count) % (MAX_SEQUENCE + 1);
        q.sent.push(head);
      }
      list.push(head);
    }
    txn?.addWaiting();
    for (const [node, batches] of byNode) {
      this.totalInFlight += batches.length;
      this.nodeInFlight.set(node, (this.nodeInFlight.get(node) ?? 0) + 1);
      void this.sendToNode(node, batches);
    }
    if (needMetadata) this.cluster.refreshMetadata().catch(() => {});
    if (nextWake < Infinity) this.wakeIn(Math.max(0, nextWake - Date.now()));
  }

  private queueOf(b: BatchBuilder): PartitionQueue {
    return this.queues.get(b.topic)![b.partition]!;
  }

  private async sendToNode(node: number, batches: BatchBuilder[]): Promise<void> {
    const topicData = new Map<string, Array<{ index: number; records: Buffer }>>();
    try {
      const transactional = this.transactionalId !== null;
      for (const b of batches) {
        const records = await b.build(this.codec, this.producerId, this.producerEpoch, transactional);
        let list = topicData.get(b.topic);
        if (list === undefined) {
          list = [];
          topicData.set(b.topic, list);
        }
        list.push({ index: b.partition, records });
      }
      const conn = await this.cluster.connection(node);
      const request = {
        transactionalId: this.transactionalId,
        acks: this.acks,
        timeoutMs: this.cluster.requestTimeoutMs,
        topicData: [...topicData].map(([name, partitionData]) => ({ name, partitionData })),
      };
      if (this.acks === 0) {
        await conn.send(Produce, request, { noResponse: true });
        for (const b of batches) this.succeed(b, -1, -1);
        return;
      }
      const res = await conn.send(Produce, request);
      const byKey = new Map<string, BatchBuilder>();
      for (const b of batches) byKey.set(`${b.topic}\u0000${b.partition}`, b);
      let refresh = false;
      for (const t of res.responses) {
        for (const p of t.partitionResponses) {
          const key = `${t.name}\u0000${p.index}`;
          const b = byKey.get(key);
          if (b === undefined) continue;
          byKey.delete(key);
          if (p.errorCode === 0 || (p.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER && this.idempotent)) {
            this.succeed(b, p.baseOffset, p.logAppendTimeMs);
          } else if (this.idempotent && this.sequenceError(b, p.errorCode)) {
            // handled: put back for a retry in order, possibly after an epoch bump
          } else {
            const err = errorFor(p.errorCode, `${b.topic}-${b.partition}`, p.errorMessage);
            if (needsMetadataRefresh(p.errorCode)) refresh = true;
            this.failed(b, err);
          }
        }
      }
      // A partition missing from the answer is as good as a network failure for it.
      for (const b of byKey.values())
        this.failed(b, new KafkaError(ErrorCode.NETWORK_EXCEPTION, `no answer for ${b.topic}-${b.partition}`));
      if (refresh) this.cluster.refreshMetadata().catch(() => {});
    } catch (e) {
      const err = e instanceof KafkaError ? e : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (e as Error).message);
      for (const b of batches) this.failed(b, err);
      if (err.retriable) this.cluster.refreshMetadata().catch(() => {});
    } finally {
      this.totalInFlight -= batches.length;
      this.nodeInFlight.set(node, (this.nodeInFlight.get(node) ?? 1) - 1);
      this.scheduleDrain();
    }
  }

  /**
   * Idempotence errors about sequences and producer state. OUT_OF_ORDER_SEQUENCE_NUMBER behind an earlier batch
   * of the partition that is not acknowledged yet only means that batch failed first: retry after it. On the
   * oldest unacknowledged batch it, and UNKNOWN_PRODUCER_ID, mean the broker lost our state (KIP-360): a new
   * epoch restarts sequences at 0 and the batch is retried. A batch stamped with an epoch we have since replaced
   * is retried with the new one. Returns false for errors handled the ordinary way.
   */
  private sequenceError(b: BatchBuilder, code: number): boolean {
    const q = this.queueOf(b);
    const err = errorFor(code, `${b.topic}-${b.partition}`);
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH && b.stampedEpoch >= 0 && b.stampedEpoch < this.producerEpoch) {
      this.failed(b, err, true);
      return true;
    }
    if (code !== ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && code !== ErrorCode.UNKNOWN_PRODUCER_ID) return false;
    const oldest = q.sent[0];
    if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && oldest !== undefined && oldest !== b && oldest.id < b.id) {
      this.failed(b, err, true);
      return true;
    }
    if (this.txn !== undefined) {
      // A transaction cannot continue with a new epoch: only an abort can clean up.
      this.txn.taint(err);
      return false;
    }
    this.cluster.log.info('producer sequence state lost on the broker; bumping the epoch', {
      partition: `${b.topic}-${b.partition}`,
      error: err.message,
    });
    this.bumpNeeded = true;
    this.failed(b, err, true);
    return true;
  }

  /**
   * KIP-360 for a producer without transactional id: the epoch is bumped locally (the broker accepts a higher
   * epoch starting at sequence 0); only when the epoch would overflow is a new producer id fetched. Sequences of
   * every partition restart at 0.
   */
  private async bumpEpoch(): Promise<void> {
    if (this.bumping) return;
    this.bumping = true;
    try {
      if (this.producerEpoch < 0x7ffe) {
        this.producerEpoch++;
      } else {
        for (let attempt = 0; ; attempt++) {
          try {
            const res = await this.cluster.sendAny(InitProducerId, {
              transactionalId: null,
              transactionTimeoutMs: this.opts.transactionTimeoutMs ?? 60000,
            });
            if (res.errorCode !== 0) throw errorFor(res.errorCode, 'InitProducerId (new producer id)');
            this.producerId = res.producerId;
            this.producerEpoch = res.producerEpoch;
            break;
          } catch (e) {
            if (this.closedHard || !(e instanceof KafkaError) || !e.retriable || attempt >= this.cluster.retries)
              throw e;
            await sleep(backoff(this.cluster.retryBackoffMs, this.cluster.retryBackoffMaxMs, attempt));
          }
        }
      }
      for (const parts of this.queues.values()) {
        for (const q of parts) {
          q.nextSequence = 0;
          q.sent = [];
          for (const r of q.ready) r.baseSequence = -1;
        }
      }
      this.bumpNeeded = false;
    } catch (e) {
      // Without a new epoch nothing pending can be written safely.
      this.bumpNeeded = false;
      const err = e instanceof KafkaError ? e : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (e as Error).message);
      for (const parts of this.queues.values()) {
        for (const q of parts) {
          for (const r of q.ready.splice(0)) this.finish(r, err);
          q.sent = [];
        }
      }
    } finally {
      this.bumping = false;
      this.scheduleDrain();
    }
  }

  private forget(q: PartitionQueue, b: BatchBuilder): void {
    if (b.baseSequence < 0) return;
    const i = q.sent.indexOf(b);
    if (i >= 0) q.sent.splice(i, 1);
  }

  private succeed(b: BatchBuilder, baseOffset: number, logAppendTime: number): void {
    const q = this.queueOf(b);
    q.inFlight--;
    this.forget(q, b);
    b.complete(baseOffset, logAppendTime);
    this.done();
  }

  private failed(b: BatchBuilder, err: KafkaError, retry = err.retriable): void {
    const q = this.queueOf(b);
    q.inFlight--;
    b.lastError = err;
    const expired = Date.now() - b.createdAt > this.deliveryTimeoutMs;
    if (retry && !expired && !this.closedHard) {
      b.attempts++;
      b.retryAt = Date.now() + backoff(this.cluster.retryBackoffMs, this.cluster.retryBackoffMaxMs, b.attempts - 1);
      // Back at the head, ahead of later batches of the partition, so order is kept.
      let i = 0;
      while (i < q.ready.length && q.ready[i]!.id < b.id) i++;
      q.ready.splice(i, 0, b);
      this.active.add(q);
      this.wakeIn(b.retryAt - Date.now());
      return;
    }
    this.forget(q, b);
    // A gap in a partition's sequences cannot be filled later: later batches would be refused, so start anew.
    if (this.idempotent && b.baseSequence >= 0 && this.transactionalId === null) this.bumpNeeded = true;
    this.txn?.taint(err);
    this.finish(b, err);
  }

  private finish(b: BatchBuilder, err: Error): void {
    if (!b.fail(err)) this.unreported ??= err;
    this.done();
  }

  private done(): void {
    this.outstanding--;
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.outstanding === 0 && this.pendingFirst === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /** Sends every queued record now and resolves when all records sent so far have been acknowledged or failed. */
  async flush(): Promise<void> {
    if (this.outstanding > 0 || this.pendingFirst > 0) {
      this.flushing++;
      try {
        this.drain();
        await new Promise<void>((r) => this.idleWaiters.push(r));
      } finally {
        this.flushing--;
      }
    }
    const err = this.unreported;
    if (err) {
      this.unreported = undefined;
      throw err;
    }
  }

  private closedHard = false;
  private reentry = false;

  // -----------------------------------------------------------------------------------------------------------
  // Transactions (src/client/transactions.ts)

  private transactions(): Transactions {
    if (this.txn === undefined) throw new ClientStateError('transactions need a transactionalId');
    return this.txn;
  }

  /**
   * Registers the transactional id with its coordinator and gets the producer id and epoch. Fences older
   * producers with the same transactional id, and completes (aborts) a transaction they left open.
   */
  initTransactions(): Promise<void> {
    return this.transactions().init();
  }

  /** Starts a transaction: records sent from now on are committed or aborted together. */
  beginTransaction(): void {
    this.transactions().begin();
  }

  /**
   * Commits a consumer's offsets as part of the transaction (consume-transform-produce): they become visible
   * to the group only if the transaction commits. `groupMetadata` comes from `consumer.groupMetadata()`.
   */
  async sendOffsetsToTransaction(
    offsets: TransactionOffset[],
    groupMetadata: ConsumerGroupMetadata | string,
  ): Promise<void> {
    return this.transactions().sendOffsets(offsets, groupMetadata);
  }

  /** Sends everything of the transaction, then commits it. A failed send makes the commit fail (abort then). */
  commitTransaction(): Promise<void> {
    return this.transactions().commit();
  }

  /** Drops the transaction: its records and offsets are never shown to read_committed consumers. */
  abortTransaction(): Promise<void> {
    return this.transactions().abort();
  }

  /** Flushes, then closes connections. Records still failing after flush are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.closedHard = true;
      if (this.wakeTimer) clearTimeout(this.wakeTimer);
      this.cluster.close();
    }
  }
}

export function createProducer<K = unknown, V = unknown>(opts: ProducerOptions<K, V>): Producer<K, V> {
  return new Producer(opts);
}
