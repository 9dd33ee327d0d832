/**
 * The consumer. Partitions come from assign() or from group membership (subscribe()). A fetcher keeps at most one
 * Fetch in flight per broker, inside an incremental fetch session (KIP-227) where the broker offers one, and only
 * for partitions that have nothing buffered: fetched data waits, undecoded, until the application takes it, and
 * no new fetch starts while the buffer holds `maxBufferedBytes`. So a slow application slows fetching down
 * instead of growing memory.
 *
 * Records come out through `for await (const r of consumer)` or, a partition's fetch at a time, through
 * `consumer.batches()`. The position of a partition moves past a record when the record is handed out.
 */
import { Fetch } from '../protocol/messages/fetch.js';
import { ListOffsets } from '../protocol/messages/list-offsets.js';
import { Cluster, backoff, type ClientOptions } from './cluster.js';
import { ClientStateError, ErrorCode, KafkaError, errorFor, needsMetadataRefresh } from './errors.js';
import { PartitionData, type ConsumerRecord, type RecordHeader, type RecordMaker } from './fetch-decoder.js';
import { GroupMember, type GroupOptions, type RebalanceListener } from './group.js';
import { ConsumerProtocolMember } from './group-kip848.js';
import { bufferDeserializer, type Deserializer } from './serde.js';
import type { ConsumerGroupMetadata } from './producer.js';

export type { ConsumerRecord, RecordHeader };

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
  metadata?: string | null;
}

export type OffsetReset = 'earliest' | 'latest' | 'none';

export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> extends ClientOptions, GroupOptions {
  /** Join this consumer group when subscribe() is used; needed for commits. */
  groupId?: string;
  /** Where to start when there is no committed offset or it is out of range (default 'latest', as Kafka). */
  autoOffsetReset?: OffsetReset;
  /** 'read_committed' hides records of aborted and open transactions (default 'read_uncommitted'). */
  isolationLevel?: 'read_uncommitted' | 'read_committed';
  /** Longest time the broker holds a fetch waiting for minBytes (default 500). */
  maxWaitMs?: number;
  minBytes?: number;
  /** Upper bound of one fetch answer (default 16 MiB). */
  maxBytes?: number;
  /** Upper bound per partition in one fetch (default 1 MiB). */
  maxPartitionBytes?: number;
  /** Fetched, not yet consumed bytes at which fetching pauses (default 32 MiB). */
  maxBufferedBytes?: number;
  keyDeserializer?: Deserializer<K>;
  valueDeserializer?: Deserializer<V>;
}

export interface RecordBatch<K, V> {
  topic: string;
  partition: number;
  records: ConsumerRecord<K, V>[];
  /** The partition's high watermark at fetch time. */
  highWatermark: number;
}

export interface ConsumerStats {
  bufferedBytes: number;
  fetchRequests: number;
  assigned: number;
}

interface PartState {
  topic: string;
  partition: number;
  /** Next offset to hand out; -1 while unknown. */
  position: number;
  paused: boolean;
  data: PartitionData | null;
  highWatermark: number;
  resetting: boolean;
  /** Reset policy for this partition's next position lookup, or a timestamp to seek to. */
  resetTo: OffsetReset | number | undefined;
  /** A larger per-partition fetch size while a batch bigger than maxPartitionBytes is in the way (0: default). */
  fetchSize: number;
}

interface SessionEntry {
  fetchOffset: number;
  maxBytes: number;
}

interface FetchSession {
  id: number;
  epoch: number;
  parts: Map<string, SessionEntry>;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** The largest single fetch a partition grows to for one oversized batch. */
const MAX_FETCH_SIZE = 256 * 1024 * 1024;

export class Consumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly cluster: Cluster;
  private readonly parts = new Map<string, PartState>();
  private readonly ready: PartitionData[] = [];
  private cur: { pd: PartitionData; st: PartState; records: ConsumerRecord<K, V>[]; idx: number } | undefined;
  private bufferedBytes = 0;
  private fetchRequests = 0;
  private readonly sessions = new Map<number, FetchSession>();
  private readonly fetching = new Set<number>();
  private waiters: Array<() => void> = [];
  private pendingError: Error | undefined;
  private resolving = false;
  private closed = false;
  private pumpTimer: NodeJS.Timeout | undefined;
  private readonly make: RecordMaker;
  private readonly isolation: number;
  private readonly maxWaitMs: number;
  private readonly minBytes: number;
  private readonly maxBytes: number;
  private readonly maxPartitionBytes: number;
  private readonly maxBufferedBytes: number;
  readonly autoOffsetReset: OffsetReset;
  private group: GroupMember | undefined;

  constructor(readonly opts: ConsumerOptions<K, V>) {
    this.cluster = new Cluster(opts);
    this.autoOffsetReset = opts.autoOffsetReset ?? 'latest';
    this.isolation = opts.isolationLevel === 'read_committed' ? 1 : 0;
    this.maxWaitMs = opts.maxWaitMs ?? 500;
    this.minBytes = opts.minBytes ?? 1;
    this.maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
    this.maxPartitionBytes = opts.maxPartitionBytes ?? 1024 * 1024;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 32 * 1024 * 1024;
    const kd = (opts.keyDeserializer ?? bufferDeserializer) as Deserializer<K>;
    const vd = (opts.valueDeserializer ?? bufferDeserializer) as Deserializer<V>;
    this.make = (topic, partition, offset, timestamp, logAppend, key, value, headers) => ({
      topic,
      partition,
      offset,
      timestamp,
      timestampType: logAppend ? 'LogAppendTime' : 'CreateTime',
      key: kd(key, topic),
      value: vd(value, topic),
      headers,
    });
    this.cluster.onMetadata.push(() => this.schedulePump(0));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Assignment

  /** Consumes exactly these partitions (replacing any previous manual assignment). */
  assign(partitions: TopicPartition[]): void {
    if (this.group) throw new ClientStateError('assign() cannot be mixed with subscribe()');
    this.setAssignment(partitions);
  }

  /** @internal Used by assign() and by group membership. */
  setAssignment(partitions: TopicPartition[], positions?: Map<string, number>): void {
    this.checkOpen();
    const keep = new Set<string>();
    for (const tp of partitions) {
      const k = tpKey(tp.topic, tp.partition);
      keep.add(k);
      if (!this.parts.has(k)) {
        this.parts.set(k, {
          topic: tp.topic,
          partition: tp.partition,
          position: positions?.get(k) ?? -1,
          paused: false,
          data: null,
          highWatermark: -1,
          resetting: false,
          resetTo: undefined,
          fetchSize: 0,
        });
      }
    }
    for (const [k, st] of this.parts) {
      if (!keep.has(k)) {
        this.drop(st);
        this.parts.delete(k);
      }
    }
    void this.cluster.ensureTopics(new Set(partitions.map((p) => p.topic))).then(
      () => this.schedulePump(0),
      (e) => this.surface(e),
    );
  }

  /** The partitions currently assigned. */
  assignment(): TopicPartition[] {
    return [...this.parts.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /**
   * Joins the consumer group (`groupId`) and consumes what the group assigns: a list of topic names or a pattern
   * matched against all topics. Rebalance listeners hear about assigned, revoked and lost partitions.
   */
  subscribe(topics: string | string[] | RegExp, listener?: RebalanceListener): void {
    this.checkOpen();
    if (!this.opts.groupId) throw new ClientStateError('subscribe() needs a groupId');
    if (this.group) {
      this.group.setSubscription(topics, listener);
      return;
    }
    if (this.parts.size > 0) throw new ClientStateError('subscribe() cannot be mixed with assign()');
    const Member = this.opts.groupProtocol === 'consumer' ? ConsumerProtocolMember : GroupMember;
    this.group = new Member(this, this.cluster, this.opts.groupId, this.opts, topics, listener);
    this.group.start();
  }

  private checkOpen(): void {
    if (this.closed) throw new ClientStateError('the consumer is closed');
  }

  private state(tp: TopicPartition): PartState {
    const st = this.parts.get(tpKey(tp.topic, tp.partition));
    if (!st) throw new ClientStateError(`${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return st;
  }

  /** Drops buffered data of a partition (seek, pause, revoke), returning its bytes to the budget. */
  private drop(st: PartState): void {
    if (st.data) {
      this.bufferedBytes -= st.data.byteLength;
      const i = this.ready.indexOf(st.data);
      if (i >= 0) this.ready.splice(i, 1);
      st.data = null;
    }
    if (this.cur && this.cur.st === st) this.cur = undefined;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Positions

  /** The next offset this consumer will hand out for a partition, or undefined while not yet known. */
  position(tp: TopicPartition): number | undefined {
    const p = this.state(tp).position;
    return p < 0 ? undefined : p;
  }

  /** Continues from `offset`. */
  seek(tp: TopicPartition, offset: number): void {
    const st = this.state(tp);
    this.drop(st);
    st.position = offset;
    st.resetTo = undefined;
    this.schedulePump(0);
  }

  seekToBeginning(tps: TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.resetPosition(this.state(tp), 'earliest');
  }

  seekToEnd(tps: TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.resetPosition(this.state(tp), 'latest');
  }

  /** Continues from the first record with a timestamp at or after `timestamp` (the end if none). */
  seekToTimestamp(tp: TopicPartition, timestamp: number): void {
    this.resetPosition(this.state(tp), timestamp);
  }

  private resetPosition(st: PartState, to: OffsetReset | number): void {
    this.drop(st);
    st.position = -1;
    st.resetTo = to;
    this.schedulePump(0);
  }

  pause(tps: TopicPartition[]): void {
    for (const tp of tps) {
      const st = this.state(tp);
      st.paused = true;
      this.drop(st);
    }
  }

  resume(tps: TopicPartition[]): void {
    for (const tp of tps) this.state(tp).paused = false;
    this.schedulePump(0);
  }

  paused(): TopicPartition[] {
    return [...this.parts.values()].filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Positions of all assigned partitions whose position is known (what a commit stores). */
  positions(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const s of this.parts.values())
      if (s.position >= 0) out.push({ topic: s.topic, partition: s.partition, offset: s.position });
    return out;
  }

  stats(): ConsumerStats {
    return { bufferedBytes: this.bufferedBytes, fetchRequests: this.fetchRequests, assigned: this.parts.size };
  }

  /** Offsets for a timestamp (-1 latest, -2 earliest) per partition, asked of each leader. */
  async listOffsets(tps: TopicPartition[], timestamp: number): Promise<Map<string, number>> {
    await this.cluster.ensureTopics(new Set(tps.map((t) => t.topic)));
    return listOffsetsVia(
      this.cluster,
      tps.map((t) => ({ ...t, timestamp })),
      this.isolation,
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Commits (group mode)

  /** Commits offsets (default: the current positions) to the group, waiting for the answer. */
  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    if (!this.group) throw new ClientStateError('commit() needs a groupId and subscribe()');
    await this.group.commit(offsets ?? this.positions());
  }

  /** Commits without waiting; failures go to `callback` (or are logged). */
  commitAsync(offsets?: TopicPartitionOffset[], callback?: (err: Error | null) => void): void {
    this.commit(offsets).then(
      () => callback?.(null),
      (e: Error) => (callback ? callback(e) : this.cluster.log.warn('async commit failed', { error: e.message })),
    );
  }

  /** This member's group identity, for a transactional producer's sendOffsetsToTransaction(). */
  groupMetadata(): ConsumerGroupMetadata {
    if (!this.opts.groupId) throw new ClientStateError('groupMetadata() needs a groupId');
    return {
      groupId: this.opts.groupId,
      generationId: this.group?.generationId ?? -1,
      memberId: this.group?.memberId ?? '',
      groupInstanceId: this.opts.groupInstanceId ?? null,
    };
  }

  /** The group's committed offsets for these partitions (-1 when none). */
  async committed(tps: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    if (!this.opts.groupId) throw new ClientStateError('committed() needs a groupId');
    const group = this.group ?? new GroupMember(this, this.cluster, this.opts.groupId, this.opts, [], undefined);
    const m = await group.fetchCommitted(tps);
    return tps.map((tp) => ({ ...tp, offset: m.get(tpKey(tp.topic, tp.partition)) ?? -1 }));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Fetching

  private schedulePump(ms: number): void {
    if (this.closed) return;
    if (ms <= 0) {
      queueMicrotask(() => this.pump());
      return;
    }
    if (this.pumpTimer) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, ms);
  }

  private pump(): void {
    if (this.closed) return;
    let unknown = false;
    let leaderless = false;
    const byNode = new Map<number, PartState[]>();
    /** Nodes some of whose partitions hold fetched data the application has still to take. */
    let holding: Set<number> | undefined;
    const full = this.bufferedBytes >= this.maxBufferedBytes;
    for (const st of this.parts.values()) {
      if (st.position < 0) {
        if (!st.resetting) unknown = true;
        continue;
      }
      if (st.paused || full) continue;
      const leader = this.cluster.leaderFor(st.topic, st.partition);
      if (st.data !== null) {
        (holding ??= new Set()).add(leader);
        continue;
      }
      if (leader < 0) {
        leaderless = true;
        continue;
      }
      if (this.fetching.has(leader)) continue;
      let l = byNode.get(leader);
      if (!l) byNode.set(leader, (l = []));
      l.push(st);
    }
    for (const [node, list] of byNode) {
      // Only partitions already read to their end: the broker would hold the fetch for maxWaitMs, and partitions
      // the application releases meanwhile would wait behind it (one fetch per broker at a time). It starts when
      // the next of them is released instead, with partitions that have records to return at once.
      if (holding?.has(node) && list.every((st) => st.highWatermark >= 0 && st.position >= st.highWatermark)) continue;
      this.fetching.add(node);
      void this.fetchFrom(node, list);
    }
    if (unknown && !this.resolving) void this.resolvePositions();
    if (leaderless) {
      this.cluster.refreshMetadata().catch(() => {});
      this.schedulePump(this.cluster.retryBackoffMs);
    }
  }

  /** Looks up start positions: committed offsets are set by the group; the rest follow their reset policy. */
  private async resolvePositions(): Promise<void> {
    this.resolving = true;
    try {
      for (let attempt = 0; ; attempt++) {
        const todo = [...this.parts.values()].filter((s) => s.position < 0 && !s.resetting);
        if (todo.length === 0 || this.closed) return;
        if (this.group && !this.group.positionsReady) return;
        const byTs: Array<TopicPartition & { timestamp: number }> = [];
        for (const st of todo) {
          const policy = st.resetTo ?? this.autoOffsetReset;
          if (policy === 'none') {
            st.resetting = true;
            this.surface(
              new KafkaError(
                ErrorCode.OFFSET_OUT_OF_RANGE,
                `no position for ${st.topic}-${st.partition} and autoOffsetReset is 'none'`,
              ),
            );
            continue;
          }
          byTs.push({
            topic: st.topic,
            partition: st.partition,
            timestamp: policy === 'earliest' ? -2 : policy === 'latest' ? -1 : policy,
          });
        }
        try {
          await this.cluster.ensureTopics(new Set(byTs.map((t) => t.topic)));
          const found = await listOffsetsVia(this.cluster, byTs, this.isolation);
          for (const t of byTs) {
            const st = this.parts.get(tpKey(t.topic, t.partition));
            const off = found.get(tpKey(t.topic, t.partition));
            if (st && st.position < 0 && off !== undefined) {
              // A timestamp past the last record gives -1: continue from the end.
              if (off >= 0) st.position = off;
              else st.resetTo = 'latest';
              if (off >= 0) st.resetTo = undefined;
            }
          }
          this.schedulePump(0);
          if (todo.every((s) => s.position >= 0 || s.resetting)) return;
        } catch (e) {
          if (!(e instanceof KafkaError) || !e.retriable) {
            this.surface(e as Error);
            return;
          }
          await new Promise((r) =>
            setTimeout(r, backoff(this.cluster.retryBackoffMs, this.cluster.retryBackoffMaxMs, attempt)),
          );
          this.cluster.refreshMetadata().catch(() => {});
        }
      }
    } finally {
      this.resolving = false;
    }
  }

  private async fetchFrom(node: number, list: PartState[]): Promise<void> {
    let session = this.sessions.get(node);
    if (!session) this.sessions.set(node, (session = { id: 0, epoch: 0, parts: new Map() }));
    let retryIn = 0;
    try {
      const conn = await this.cluster.connection(node);
      const version = conn.versions.get(Fetch.key) ?? -1;
      const useSession = version >= 7;
      const wanted = new Map<string, SessionEntry & { st: PartState }>();
      let grown = 0;
      for (const st of list) {
        const size = Math.max(this.maxPartitionBytes, st.fetchSize);
        if (st.fetchSize > 0) grown += size;
        wanted.set(tpKey(st.topic, st.partition), { fetchOffset: st.position, maxBytes: size, st });
      }
      const incremental = useSession && session.id !== 0;
      const topics = new Map<string, Array<{ partition: number; fetchOffset: number; partitionMaxBytes: number }>>();
      const forgotten = new Map<string, number[]>();
      for (const [k, w] of wanted) {
        if (incremental) {
          const old = session.parts.get(k);
          if (old && old.fetchOffset === w.fetchOffset && old.maxBytes === w.maxBytes) continue;
        }
        let l = topics.get(w.st.topic);
        if (!l) topics.set(w.st.topic, (l = []));
        l.push({ partition: w.st.partition, fetchOffset: w.fetchOffset, partitionMaxBytes: w.maxBytes });
      }
      if (incremental) {
        for (const k of session.parts.keys()) {
          if (wanted.has(k)) continue;
          const [topic, p] = k.split('\u0000') as [string, string];
          let l = forgotten.get(topic);
          if (!l) forgotten.set(topic, (l = []));
          l.push(Number(p));
        }
      }
      this.fetchRequests++;
      const res = await conn.send(
        Fetch,
        {
          replicaId: -1,
          maxWaitMs: this.maxWaitMs,
          minBytes: this.minBytes,
          // Room for a grown partition on top of the usual limit, so one large batch cannot block it.
          maxBytes: grown > 0 ? Math.max(this.maxBytes, grown + this.maxPartitionBytes) : this.maxBytes,
          isolationLevel: this.isolation,
          sessionId: useSession ? session.id : 0,
          sessionEpoch: useSession ? session.epoch : -1,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
          forgottenTopicsData: [...forgotten].map(([topic, partitions]) => ({ topic, partitions })),
          rackId: '',
        },
        { timeoutMs: this.cluster.requestTimeoutMs + this.maxWaitMs },
      );
      if (
        res.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND ||
        res.errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH
      ) {
        this.sessions.delete(node);
        return;
      }
      if (res.errorCode !== 0) throw errorFor(res.errorCode, `fetch from broker ${node}`);
      // The session now holds what we sent.
      if (useSession) {
        if (!incremental) session.parts.clear();
        for (const [topic, ps] of forgotten) for (const p of ps) session.parts.delete(tpKey(topic, p));
        for (const [k, w] of wanted) session.parts.set(k, { fetchOffset: w.fetchOffset, maxBytes: w.maxBytes });
        if (res.sessionId !== 0) {
          session.id = res.sessionId;
          session.epoch = session.epoch >= 0x7fffffff ? 1 : session.epoch + 1;
        } else {
          session.id = 0;
          session.epoch = 0;
        }
      }
      let refresh = false;
      for (const t of res.responses) {
        for (const p of t.partitions) {
          const k = tpKey(t.topic, p.partitionIndex);
          const st = this.parts.get(k);
          const sent = useSession ? session.parts.get(k) : wanted.get(k);
          // Drop answers overtaken by a seek, pause or revoke while the fetch was out.
          if (!st || !sent || st.position !== sent.fetchOffset || st.data !== null || st.paused) continue;
          st.highWatermark = p.highWatermark;
          if (p.errorCode !== 0) {
            if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
              if (this.autoOffsetReset === 'none')
                this.surface(errorFor(p.errorCode, `${st.topic}-${st.partition} at offset ${st.position}`));
              else this.resetPosition(st, this.autoOffsetReset);
            } else if (needsMetadataRefresh(p.errorCode) || p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) {
              refresh = true;
              retryIn = this.cluster.retryBackoffMs;
            } else if (!errorFor(p.errorCode).retriable) {
              this.surface(errorFor(p.errorCode, `${st.topic}-${st.partition}`));
            } else retryIn = this.cluster.retryBackoffMs;
            continue;
          }
          const records = p.records;
          const sentSize = sent.maxBytes;
          if (records === null || records.length === 0) {
            // Nothing came back although records are there: a batch too large for the limits we gave (the broker
            // returns a whole first batch only for the first partition of an answer). Ask for more next time.
            const end = this.isolation === 1 && p.lastStableOffset >= 0 ? p.lastStableOffset : p.highWatermark;
            if (end > st.position) {
              st.fetchSize = Math.min(Math.max(sentSize * 2, this.maxPartitionBytes), MAX_FETCH_SIZE);
              retryIn = 0;
            }
            continue;
          }
          const pd = new PartitionData(
            st.topic,
            st.partition,
            records,
            st.position,
            p.highWatermark,
            p.abortedTransactions,
            this.make,
          );
          if (pd.exhausted) {
            // Only part of a batch came back: it is larger than the limit we gave. Its header tells its size;
            // fetch again with room for it (Kafka does not split a batch across answers).
            const need = records.length >= 12 ? records.readInt32BE(8) + 12 : sentSize * 2;
            if (need > MAX_FETCH_SIZE) {
              this.surface(
                new KafkaError(
                  ErrorCode.MESSAGE_TOO_LARGE,
                  `a batch of ${need} bytes in ${st.topic}-${st.partition} at offset ${st.position} is too large to fetch`,
                ),
              );
              continue;
            }
            st.fetchSize = Math.max(need, sentSize + 1);
            continue;
          }
          st.fetchSize = 0;
          st.data = pd;
          this.bufferedBytes += pd.byteLength;
          this.ready.push(pd);
        }
      }
      if (this.ready.length > 0) this.wake();
      if (refresh) await this.cluster.refreshMetadata().catch(() => {});
    } catch (e) {
      this.sessions.delete(node);
      const err = e instanceof KafkaError ? e : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, (e as Error).message);
      if (this.closed) return;
      if (!err.retriable) this.surface(err);
      this.cluster.refreshMetadata().catch(() => {});
      retryIn = Math.max(retryIn, this.cluster.retryBackoffMs);
    } finally {
      this.fetching.delete(node);
      if (retryIn > 0) this.schedulePump(retryIn);
      else this.schedulePump(0);
    }
  }

  /** Hands an error to whoever reads records next. */
  private surface(e: Error): void {
    this.pendingError ??= e;
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private waitForData(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Marks a partition's fetched data as fully handed out and lets fetching continue. */
  private release(pd: PartitionData, st: PartState): void {
    if (st.data === pd) {
      if (pd.nextOffset > st.position) st.position = pd.nextOffset;
      st.data = null;
      this.bufferedBytes -= pd.byteLength;
      this.schedulePump(0);
    }
  }

  private live(pd: PartitionData, st: PartState): boolean {
    return st.data === pd && this.parts.get(tpKey(st.topic, st.partition)) === st;
  }

  /** The next record, or null once the consumer is closed. */
  async next(): Promise<ConsumerRecord<K, V> | null> {
    for (;;) {
      if (this.closed) return null;
      if (this.pendingError) {
        const e = this.pendingError;
        this.pendingError = undefined;
        throw e;
      }
      const c = this.cur;
      if (c !== undefined) {
        if (!this.live(c.pd, c.st)) {
          this.cur = undefined;
          continue;
        }
        if (c.idx < c.records.length) {
          const r = c.records[c.idx++]!;
          c.st.position = r.offset + 1;
          return r;
        }
        const recs = (await c.pd.nextBatch()) as ConsumerRecord<K, V>[] | null;
        if (this.cur !== c) continue;
        if (recs === null) {
          this.cur = undefined;
          this.release(c.pd, c.st);
          continue;
        }
        c.records = recs;
        c.idx = 0;
        continue;
      }
      const pd = this.ready.shift();
      if (pd === undefined) {
        await this.waitForData();
        continue;
      }
      const st = this.parts.get(tpKey(pd.topic, pd.partition));
      if (!st || st.data !== pd) continue;
      this.cur = { pd, st, records: [], idx: 0 };
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    for (;;) {
      const r = await this.next();
      if (r === null) return;
      yield r;
    }
  }

  /** One partition's fetched records at a time; the position moves past them when they are handed out. */
  async *batches(): AsyncGenerator<RecordBatch<K, V>> {
    for (;;) {
      if (this.closed) return;
      if (this.pendingError) {
        const e = this.pendingError;
        this.pendingError = undefined;
        throw e;
      }
      let pd: PartitionData | undefined;
      let st: PartState | undefined;
      let records: ConsumerRecord<K, V>[] = [];
      if (this.cur) {
        ({ pd, st } = this.cur);
        records = this.cur.records.slice(this.cur.idx);
        this.cur = undefined;
      } else {
        pd = this.ready.shift();
        if (pd === undefined) {
          await this.waitForData();
          continue;
        }
        st = this.parts.get(tpKey(pd.topic, pd.partition));
      }
      if (!st || !this.live(pd, st)) continue;
      for (;;) {
        const more = (await pd.nextBatch()) as ConsumerRecord<K, V>[] | null;
        if (more === null) break;
        for (const r of more) records.push(r);
      }
      if (!this.live(pd, st)) continue;
      this.release(pd, st);
      if (records.length === 0) continue;
      yield { topic: pd.topic, partition: pd.partition, records, highWatermark: pd.highWatermark };
    }
  }

  /** Leaves the group (committing first when auto-commit is on), stops fetching and closes connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.group) await this.group.stop();
    } finally {
      this.closed = true;
      if (this.pumpTimer) clearTimeout(this.pumpTimer);
      this.wake();
      this.cluster.close();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** ListOffsets for partitions on their leaders; returns offset per partition key. */
export async function listOffsetsVia(
  cluster: Cluster,
  tps: Array<TopicPartition & { timestamp: number }>,
  isolationLevel: number,
): Promise<Map<string, number>> {
  const byNode = new Map<number, Array<TopicPartition & { timestamp: number }>>();
  for (const t of tps) {
    const leader = cluster.leaderFor(t.topic, t.partition);
    if (leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `no leader for ${t.topic}-${t.partition}`);
    let l = byNode.get(leader);
    if (!l) byNode.set(leader, (l = []));
    l.push(t);
  }
  const out = new Map<string, number>();
  await Promise.all(
    [...byNode].map(async ([node, list]) => {
      const topics = new Map<string, Array<{ partitionIndex: number; timestamp: number }>>();
      for (const t of list) {
        let l = topics.get(t.topic);
        if (!l) topics.set(t.topic, (l = []));
        l.push({ partitionIndex: t.partition, timestamp: t.timestamp });
      }
      const res = await (await cluster.connection(node)).send(ListOffsets, {
        replicaId: -1,
        isolationLevel,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) {
            if (needsMetadataRefresh(p.errorCode)) cluster.refreshMetadata().catch(() => {});
            throw errorFor(p.errorCode, `${t.name}-${p.partitionIndex}`);
          }
          out.set(tpKey(t.name, p.partitionIndex), p.offset);
        }
      }
    }),
  );
  return out;
}

export function createConsumer<K = Buffer | null, V = Buffer | null>(opts: ConsumerOptions<K, V>): Consumer<K, V> {
  return new Consumer(opts);
}

export { tpKey };
