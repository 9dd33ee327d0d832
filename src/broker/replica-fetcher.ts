/**
 * The follower side of replication: one fetcher per source broker (the leader of the partitions it follows), as
 * Kafka's ReplicaFetcherThread. Each round sends one Fetch (v17, the replica's id in ReplicaState, every followed
 * partition of that leader in one request, fetch offset = the log end, last fetched epoch = the latest epoch of
 * the follower's log) and applies the answer per partition:
 *
 * - records are appended with `appendAsFollower` (the leader's offsets and epochs kept; producer state, abort
 *   index and epoch cache follow the batches), and the follower's high watermark moves to the leader's, bounded
 *   by its own log end;
 * - a diverging epoch (the leader's log took another branch after our last epoch) truncates the log to where the
 *   two agree: the smaller of the leader's end offset for that epoch and our own; the next fetch goes on from there;
 * - OFFSET_OUT_OF_RANGE: below the leader's log start, the log restarts there; above its end, it is cut to the
 *   leader's high watermark;
 * - leadership errors (NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH) and storage errors hold the partition
 *   back for replica.fetch.backoff.ms; a failed request holds back the whole source.
 *
 * Partitions come and go with `becomeFollower` / `becomeLeader` in the replica manager.
 */
import { ErrorCode, errorName } from '../protocol/errors.js';
import { Fetch, type FetchResponse } from '../protocol/messages/fetch.js';
import { LOG_OVERHEAD } from '../protocol/records/layout.js';
import type { Encodable, RequestOf } from '../protocol/schema.js';
import { StorageError } from '../storage/errors.js';
import type { Logger } from '../storage/logger.js';
import type { Partition } from './replica-manager.js';
import { InterBrokerClient, type InterBrokerSecurity, type PeerAddress } from './inter-broker.js';

/** The Fetch version followers send (topic ids, diverging epochs, ReplicaState). */
export const REPLICA_FETCH_VERSION = 17;

export interface FetchTransport {
  send(
    api: typeof Fetch,
    version: number,
    body: Encodable<RequestOf<typeof Fetch>>,
    timeoutMs: number,
  ): Promise<FetchResponse>;
  close(): void;
}

export interface ReplicaFetcherOptions {
  nodeId: number;
  /** The address of a broker on the inter-broker listener. */
  addressOf(nodeId: number): PeerAddress | undefined;
  /** The topic id Fetch v13+ names a topic by. */
  topicIdOf(topic: string): string | undefined;
  log: Logger;
  /** replica.fetch.wait.max.ms */
  maxWaitMs?: number;
  /** replica.fetch.min.bytes */
  minBytes?: number;
  /** replica.fetch.response.max.bytes */
  maxBytes?: number;
  /** replica.fetch.max.bytes */
  partitionMaxBytes?: number;
  /** replica.fetch.backoff.ms */
  backoffMs?: number;
  /** replica.socket.timeout.ms */
  socketTimeoutMs?: number;
  /** For tests: the connection to a source broker. */
  transport?: (sourceId: number) => FetchTransport;
  /** The inter-broker listener's security (TLS, SASL), read at each connect. */
  security?: () => InterBrokerSecurity | undefined;
  now?: () => number;
}

interface Followed {
  p: Partition;
  /** The leader epoch this partition is followed at; an answer to a request at another epoch is dropped. */
  epoch: number;
  /** Not fetched before this time (after an error). */
  backoffUntil: number;
}

/** What one partition's answer did to the follower's log (returned for tests and logs). */
export type FollowerOutcome =
  | { kind: 'appended'; records: number }
  | { kind: 'truncated'; to: number }
  | { kind: 'empty' }
  | { kind: 'error'; errorCode: number; message: string };

/**
 * Applies one partition of a leader's Fetch answer to the follower's log. Exposed for unit tests; the fetcher
 * calls it for every partition of every answer.
 */
export function applyFetchedPartition(
  p: Partition,
  part: FetchResponse['responses'][number]['partitions'][number],
  fetchOffset: number,
): FollowerOutcome {
  const log = p.log;
  if (part.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
    const leaderStart = part.logStartOffset;
    if (leaderStart >= 0 && fetchOffset < leaderStart) {
      log.truncateFullyAndStartAt(leaderStart);
      return { kind: 'truncated', to: leaderStart };
    }
    // Ahead of the leader's log end (an unclean election, or a leader that lost unflushed data): cut back to
    // what the leader has committed and fetch the rest again.
    const to = Math.max(part.highWatermark, log.logStartOffset);
    if (to < log.logEndOffset) {
      log.truncateTo(to);
      return { kind: 'truncated', to: log.logEndOffset };
    }
    return { kind: 'error', errorCode: part.errorCode, message: 'offset out of range at the leader' };
  }
  if (part.errorCode !== 0) {
    return { kind: 'error', errorCode: part.errorCode, message: errorName(part.errorCode) };
  }
  const diverging = part.divergingEpoch;
  if (diverging !== undefined && diverging !== null && diverging.epoch >= 0) {
    const own = log.endOffsetForEpoch(diverging.epoch);
    const to =
      own.epoch < 0 ? Math.min(diverging.endOffset, log.highWatermark) : Math.min(diverging.endOffset, own.endOffset);
    log.truncateTo(Math.max(to, log.logStartOffset));
    return { kind: 'truncated', to: log.logEndOffset };
  }
  let records = part.records ?? null;
  let appended = 0;
  if (records !== null && records.length > 0) {
    records = wholeBatches(records);
    if (records.length > 0) {
      const r = log.appendAsFollower(records);
      appended = r.lastOffset - r.baseOffset + 1;
    }
  }
  // The leader's log start may have moved (retention, DeleteRecords): follow it within what is committed here.
  const hw = Math.min(part.highWatermark, log.logEndOffset);
  if (hw >= 0) log.updateHighWatermark(hw);
  if (part.logStartOffset > log.logStartOffset && part.logStartOffset <= log.highWatermark) {
    log.deleteRecordsBefore(part.logStartOffset);
  }
  return appended > 0 ? { kind: 'appended', records: appended } : { kind: 'empty' };
}

/** The prefix of `buf` made of whole batches (a leader may cut the last one at its byte limit). */
function wholeBatches(buf: Buffer): Buffer {
  let p = 0;
  while (p + LOG_OVERHEAD <= buf.length) {
    const size = LOG_OVERHEAD + buf.readInt32BE(p + 8);
    if (p + size > buf.length) break;
    p += size;
  }
  return p === buf.length ? buf : buf.subarray(0, p);
}

const key = (topic: string, index: number) => `${topic}\u0000${index}`;

/** Fetches for every partition led by one source broker. */
class SourceFetcher {
  readonly partitions = new Map<string, Followed>();
  private running = true;
  private wake: (() => void) | undefined;
  private readonly transport: FetchTransport;
  private failing = false;
  /** Whether an ACL refusal was logged (once per source). */
  private refusedByAcls = false;
  readonly done: Promise<void>;

  constructor(
    readonly sourceId: number,
    private readonly o: Required<Omit<ReplicaFetcherOptions, 'transport' | 'security'>>,
    transport: FetchTransport,
  ) {
    this.transport = transport;
    this.done = this.run();
  }

  add(p: Partition): void {
    const cur = this.partitions.get(key(p.topic, p.index));
    // Told again of the same leadership (the cluster re-applies state): the fetch in flight stays valid.
    if (cur !== undefined && cur.p === p && cur.epoch === p.leaderEpoch) return;
    this.partitions.set(key(p.topic, p.index), { p, epoch: p.leaderEpoch, backoffUntil: 0 });
    this.poke();
  }

  remove(topic: string, index: number): void {
    this.partitions.delete(key(topic, index));
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  stop(): Promise<void> {
    this.running = false;
    this.poke();
    this.transport.close();
    return this.done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const now = this.o.now();
      const ready: Followed[] = [];
      let nextReady = Number.POSITIVE_INFINITY;
      for (const f of this.partitions.values()) {
        if (f.p.log.isClosed) continue;
        if (f.backoffUntil <= now) ready.push(f);
        else nextReady = Math.min(nextReady, f.backoffUntil);
      }
      if (ready.length === 0) {
        await this.sleep(Number.isFinite(nextReady) ? Math.max(1, nextReady - now) : 60_000);
        continue;
      }
      await this.round(ready);
    }
  }

  private async round(ready: Followed[]): Promise<void> {
    const byTopic = new Map<string, { topicId: string; parts: Array<{ f: Followed; fetchOffset: number }> }>();
    const topics: Encodable<RequestOf<typeof Fetch>>['topics'] = [];
    for (const f of ready) {
      const topicId = this.o.topicIdOf(f.p.topic);
      if (topicId === undefined) {
        f.backoffUntil = this.o.now() + this.o.backoffMs;
        continue;
      }
      let t = byTopic.get(topicId);
      if (t === undefined) byTopic.set(topicId, (t = { topicId, parts: [] }));
      t.parts.push({ f, fetchOffset: f.p.log.logEndOffset });
    }
    if (byTopic.size === 0) return;
    for (const t of byTopic.values()) {
      topics.push({
        topic: '',
        topicId: t.topicId,
        partitions: t.parts.map(({ f, fetchOffset }) => ({
          partition: f.p.index,
          currentLeaderEpoch: f.epoch,
          fetchOffset,
          lastFetchedEpoch: f.p.log.epochCache.latestEpoch,
          logStartOffset: f.p.log.logStartOffset,
          partitionMaxBytes: this.o.partitionMaxBytes,
        })),
      });
    }
    let res: FetchResponse;
    try {
      res = await this.transport.send(
        Fetch,
        REPLICA_FETCH_VERSION,
        {
          replicaState: { replicaId: this.o.nodeId, replicaEpoch: -1 },
          maxWaitMs: this.o.maxWaitMs,
          minBytes: this.o.minBytes,
          maxBytes: this.o.maxBytes,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics,
          forgottenTopicsData: [],
          rackId: '',
        },
        this.o.maxWaitMs + this.o.socketTimeoutMs,
      );
    } catch (err) {
      if (!this.running) return;
      if (!this.failing) {
        this.failing = true;
        this.o.log.warn(
          { source: this.sourceId, err: (err as Error).message },
          'replica fetches from this broker fail (not logged again until one succeeds)',
        );
      }
      await this.sleep(this.o.backoffMs);
      return;
    }
    if (this.failing) {
      this.failing = false;
      this.o.log.info({ source: this.sourceId }, 'replica fetches from this broker work again');
    }
    if (res.errorCode !== 0) {
      this.o.log.debug({ source: this.sourceId, error: errorName(res.errorCode) }, 'replica fetch refused');
      await this.sleep(this.o.backoffMs);
      return;
    }
    for (const t of res.responses) {
      const sent = byTopic.get(t.topicId);
      if (sent === undefined) continue;
      for (const part of t.partitions) {
        const at = sent.parts.find((x) => x.f.p.index === part.partitionIndex);
        if (at === undefined) continue;
        const f = at.f;
        // Dropped or re-added (another epoch) while the request was out: the answer is stale.
        if (this.partitions.get(key(f.p.topic, f.p.index)) !== f || f.p.leaderEpoch !== f.epoch) continue;
        if (f.p.log.isClosed || f.p.log.logEndOffset !== at.fetchOffset) continue;
        let out: FollowerOutcome;
        try {
          out = applyFetchedPartition(f.p, part, at.fetchOffset);
        } catch (err) {
          const code = err instanceof StorageError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
          out = { kind: 'error', errorCode: code, message: (err as Error).message };
        }
        if (out.kind === 'truncated') {
          this.o.log.info(
            { topic: f.p.topic, partition: f.p.index, leader: this.sourceId, offset: out.to },
            'follower log truncated to match the leader',
          );
        } else if (out.kind === 'error') {
          f.backoffUntil = this.o.now() + this.o.backoffMs;
          if (out.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED && !this.refusedByAcls) {
            this.refusedByAcls = true;
            this.o.log.warn(
              { source: this.sourceId, topic: f.p.topic, partition: f.p.index },
              'replica fetches refused by ACLs: the broker principal needs CLUSTER_ACTION on the cluster (or super.users)',
            );
          }
          this.o.log.debug(
            { topic: f.p.topic, partition: f.p.index, leader: this.sourceId, err: out.message },
            'replica fetch of a partition failed',
          );
        }
      }
    }
  }
}

/** Every source fetcher of this broker, keyed by the leader's node id. */
export class ReplicaFetcherManager {
  private readonly sources = new Map<number, SourceFetcher>();
  /** Which source each followed partition is fetched from. */
  private readonly sourceOf = new Map<string, number>();
  private readonly o: Required<Omit<ReplicaFetcherOptions, 'transport' | 'security'>>;
  private readonly transport: (sourceId: number) => FetchTransport;
  private closed = false;

  constructor(opts: ReplicaFetcherOptions) {
    this.o = {
      nodeId: opts.nodeId,
      addressOf: opts.addressOf,
      topicIdOf: opts.topicIdOf,
      log: opts.log,
      maxWaitMs: opts.maxWaitMs ?? 500,
      minBytes: opts.minBytes ?? 1,
      maxBytes: opts.maxBytes ?? 10 * 1024 * 1024,
      partitionMaxBytes: opts.partitionMaxBytes ?? 1024 * 1024,
      backoffMs: opts.backoffMs ?? 1000,
      socketTimeoutMs: opts.socketTimeoutMs ?? 30_000,
      now: opts.now ?? Date.now,
    };
    this.transport =
      opts.transport ??
      ((sourceId) =>
        new InterBrokerClient(
          () => this.o.addressOf(sourceId),
          `samsa-replica-fetcher-${this.o.nodeId}`,
          undefined,
          opts.security,
        ));
  }

  /** Follows `p` from broker `leaderId` (at the partition's current leader epoch). */
  follow(p: Partition, leaderId: number): void {
    if (this.closed) return;
    const k = key(p.topic, p.index);
    const before = this.sourceOf.get(k);
    if (before !== undefined && before !== leaderId) this.sources.get(before)?.remove(p.topic, p.index);
    let s = this.sources.get(leaderId);
    if (s === undefined)
      this.sources.set(leaderId, (s = new SourceFetcher(leaderId, this.o, this.transport(leaderId))));
    this.sourceOf.set(k, leaderId);
    s.add(p);
  }

  /** Stops fetching `topic`-`index` (this broker leads it now, or it left). */
  unfollow(topic: string, index: number): void {
    const k = key(topic, index);
    const src = this.sourceOf.get(k);
    if (src === undefined) return;
    this.sourceOf.delete(k);
    this.sources.get(src)?.remove(topic, index);
  }

  /** The source broker of a followed partition, if it is followed. */
  leaderOf(topic: string, index: number): number | undefined {
    return this.sourceOf.get(key(topic, index));
  }

  get followedCount(): number {
    return this.sourceOf.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.sources.values()];
    this.sources.clear();
    this.sourceOf.clear();
    await Promise.all(all.map((s) => s.stop()));
  }
}
