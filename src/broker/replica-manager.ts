/**
 * The replica manager: the one owner of partition state on this broker. For each partition hosted here it knows
 * the replicas, the leader and its epoch, the in-sync replicas, the high watermark, and whether this broker leads
 * or follows. Every request that reads or writes a partition (Produce, Fetch, ListOffsets, DeleteRecords,
 * OffsetForLeaderEpoch) asks it first, so NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH and UNKNOWN_LEADER_EPOCH
 * come from one place, and appends to a partition log go through it (`appendAsLeader`).
 *
 * Leadership changes through `becomeLeader` and `becomeFollower` (on one node: every partition is led here with
 * ISR = [this node], decided at startup and when topics are created); listeners registered per topic hear about
 * it, which is how the group and transaction coordinators load and unload their partitions.
 *
 * As a leader it tracks each follower's log end offset and when it last caught up (reported by the follower's
 * fetches), moves the high watermark to the lowest log end offset in the ISR, holds acks=all produces until the
 * high watermark passes their records, shrinks the ISR when a follower has not caught up for
 * replica.lag.time.max.ms and expands it when one catches up again; ISR changes are proposed through `alterIsr`
 * (on a cluster: a compare-and-swap write of the partition state) and take effect when accepted. As a follower
 * the partition is fetched by the replica fetcher (replica-fetcher.ts), which the manager starts and stops with
 * leadership.
 */
import { ErrorCode } from '../protocol/errors.js';
import { type Logger, silentLogger } from '../storage/logger.js';
import type { AppendMeta, AppendResult, PartitionLog, ReadOptions, ReadResult } from '../storage/partition-log.js';
import { FetchWaiters } from './fetch-waiters.js';
import { type AppendEvent, channels } from './observe.js';
import { type AlterIsr, type FollowerFetching, Partition, type PartitionState } from './partition.js';

export {
  type AlterIsr,
  CONSUMER_REPLICA_ID,
  DEBUGGING_REPLICA_ID,
  type FollowerFetching,
  type FollowerState,
  Partition,
  type PartitionState,
} from './partition.js';

/** Told when this broker starts or stops leading a partition of the topic it registered for. */
export interface LeadershipListener {
  /** This broker now leads `partition` (after the log is ready for leader appends). */
  onBecomeLeader(partition: Partition): void | Promise<void>;
  /** This broker no longer leads `partition` (it follows, or the partition left this broker). */
  onResign(partition: Partition, leaderEpoch: number): void;
}

export interface ReplicaManagerOptions {
  nodeId: number;
  /** Woken when records are appended, for long-polling fetches. */
  waiters: FetchWaiters;
  /**
   * Whether the cluster metadata knows a partition this broker does not host: requests for it get
   * NOT_LEADER_OR_FOLLOWER rather than UNKNOWN_TOPIC_OR_PARTITION, as in Kafka.
   */
  knownElsewhere?: (topic: string, partition: number) => boolean;
  /** Where ISR changes are written; without one they take effect here at once (a single node, or a test). */
  alterIsr?: AlterIsr;
  /** replica.lag.time.max.ms: a follower not caught up for this long leaves the ISR. */
  replicaLagTimeMaxMs?: number;
  now?: () => number;
  log?: Logger;
}

/** Why a partition cannot serve a request: a Kafka error code. */
export type PartitionError = number;

export interface AccessOptions {
  /** The requester's idea of the leader epoch; -1 when it sent none. */
  currentLeaderEpoch?: number;
  /** Only the leader may answer (false for debugging tools and follower reads). */
  requireLeader?: boolean;
}

export interface LeaderAppend {
  result: AppendResult;
  /**
   * Set for acks=all when the high watermark is not yet past the records: resolves with 0 once it is, or the
   * error the produce gets (REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS_AFTER_APPEND).
   */
  replicated?: Promise<number>;
}

/** How long a new leader waits for a follower's first fetch of the partition with short parks (see below). */
const FIRST_FETCH_WAIT_MS = 2000;
/** How long a follower's fetch parks meanwhile. */
const FIRST_FETCH_PARK_MS = 10;

export class ReplicaManager {
  readonly nodeId: number;
  /** Set in cluster mode (the ISR lives in etcd); undefined on a single node. */
  alterIsr: AlterIsr | undefined;
  private readonly partitions = new Map<string, Partition[]>();
  private readonly listeners = new Map<string, LeadershipListener[]>();
  private readonly waiters: FetchWaiters;
  private readonly knownElsewhere: (topic: string, partition: number) => boolean;
  private fetching: FollowerFetching | undefined;
  readonly replicaLagTimeMaxMs: number;
  private readonly now: () => number;
  private readonly log: Logger;
  private isrTimer: NodeJS.Timeout | undefined;
  /**
   * Partitions this broker took the leadership of that a follower has not fetched yet, per follower, and until
   * when that is worth waiting for. While a follower is here, its fetches park only briefly (see `parkLimitMs`).
   */
  private readonly firstFetchDue = new Map<number, { partitions: Set<Partition>; until: number }>();

  constructor(opts: ReplicaManagerOptions) {
    this.nodeId = opts.nodeId;
    this.waiters = opts.waiters;
    this.knownElsewhere = opts.knownElsewhere ?? (() => false);
    this.alterIsr = opts.alterIsr;
    this.replicaLagTimeMaxMs = opts.replicaLagTimeMaxMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? silentLogger;
  }

  /**
   * Turns on replication: followed partitions are fetched by `fetching`, ISR changes go through `alterIsr`, and
   * the ISR is checked every half replica.lag.time.max.ms (Kafka's isr-expiration schedule).
   */
  enableReplication(fetching: FollowerFetching, alterIsr?: AlterIsr): void {
    this.fetching = fetching;
    if (alterIsr !== undefined) this.alterIsr = alterIsr;
    if (this.isrTimer === undefined) {
      this.isrTimer = setInterval(() => this.checkIsr(), Math.max(10, Math.floor(this.replicaLagTimeMaxMs / 2)));
      this.isrTimer.unref();
    }
  }

  /** Stops the ISR checks (the fetcher is closed by its owner). */
  close(): void {
    if (this.isrTimer !== undefined) clearInterval(this.isrTimer);
    this.isrTimer = undefined;
  }

  /** Shrinks the ISR of every led partition whose followers fell behind; run on a timer, and by tests. */
  checkIsr(now = this.now()): void {
    // First fetches no longer waited for (a follower that is down never fetches): let go of their partitions.
    for (const [id, due] of this.firstFetchDue) if (now > due.until) this.firstFetchDue.delete(id);
    for (const p of this.all()) {
      if (!p.isLeader || p.isrChangePending) continue;
      const shrunk = p.shrinkIsrCandidate(now, this.replicaLagTimeMaxMs);
      if (shrunk !== undefined) this.proposeIsr(p, shrunk, 'shrink');
    }
  }

  /**
   * Proposes a new ISR for a partition this broker leads. Without an alterIsr writer it takes effect at once;
   * with one, when accepted (a refusal leaves the ISR as it was; the next leadership update brings the truth).
   */
  proposeIsr(p: Partition, isr: readonly number[], why: 'shrink' | 'expand'): Promise<void> {
    const epoch = p.leaderEpoch;
    const before = p.isr;
    const apply = (accepted: readonly number[], partitionEpoch?: number) => {
      if (!p.isLeader || p.leaderEpoch !== epoch) return;
      p.isr = [...accepted];
      if (partitionEpoch !== undefined) p.partitionEpoch = partitionEpoch;
      this.log.info(
        { topic: p.topic, partition: p.index, from: before.join(','), to: accepted.join(','), why },
        why === 'shrink' ? 'shrinking the ISR' : 'expanding the ISR',
      );
      if (p.maybeIncrementHighWatermark()) this.waiters.wakeAll(FetchWaiters.key(p.topic, p.index));
    };
    if (this.alterIsr === undefined) {
      apply(isr);
      return Promise.resolve();
    }
    p.isrChangePending = true;
    return this.alterIsr(p.topic, p.index, { leaderEpoch: epoch, partitionEpoch: p.partitionEpoch, isr: [...isr] })
      .then(
        (res) => {
          if (res.errorCode === 0) apply(res.isr ?? isr, res.partitionEpoch);
          else
            this.log.debug(
              { topic: p.topic, partition: p.index, error: res.errorCode },
              'an ISR change was refused (the next leadership update brings the current state)',
            );
        },
        (err) => {
          this.log.warn(
            { topic: p.topic, partition: p.index, err: (err as Error).message },
            'writing an ISR change failed',
          );
        },
      )
      .finally(() => {
        p.isrChangePending = false;
      });
  }

  /** The partition if this broker hosts it (as leader or follower). */
  get(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(topic)?.[partition];
  }

  /** Every partition of `topic` hosted here, by index (holes for partitions hosted elsewhere). */
  partitionsOf(topic: string): readonly (Partition | undefined)[] {
    return this.partitions.get(topic) ?? [];
  }

  /**
   * Registers for leadership changes of `topic`'s partitions (the coordinators use their internal topics). The
   * listener first hears of every partition of the topic this broker already leads; the promise resolves when it
   * has taken them on.
   */
  addLeadershipListener(topic: string, listener: LeadershipListener): Promise<void> {
    const list = this.listeners.get(topic);
    if (list) list.push(listener);
    else this.listeners.set(topic, [listener]);
    const pending: Array<Promise<void>> = [];
    for (const p of this.partitionsOf(topic)) {
      if (p === undefined || !p.isLeader) continue;
      const r = listener.onBecomeLeader(p);
      if (r instanceof Promise) pending.push(r);
    }
    return Promise.all(pending).then(() => undefined);
  }

  private host(topic: string, index: number, log: PartitionLog): Partition {
    let list = this.partitions.get(topic);
    if (list === undefined) this.partitions.set(topic, (list = []));
    let p = list[index];
    if (p === undefined || p.log !== log) list[index] = p = new Partition(topic, index, log, this.nodeId);
    return p;
  }

  private apply(p: Partition, state: PartitionState): void {
    p.leader = state.leader;
    p.replicas = [...state.replicas];
    p.isr = [...state.isr];
    p.offlineReplicas = [...(state.offlineReplicas ?? [])];
    if (state.partitionEpoch !== undefined) p.partitionEpoch = state.partitionEpoch;
    if (p.log.leaderEpoch !== state.leaderEpoch) p.log.leaderEpoch = state.leaderEpoch;
  }

  /**
   * Makes this broker the leader of a partition at `state.leaderEpoch`. A stale epoch (older than the one the
   * partition has) is ignored. Resolves when every listener has taken the partition on.
   */
  becomeLeader(topic: string, index: number, log: PartitionLog, state: PartitionState): Promise<void> {
    const p = this.host(topic, index, log);
    if (state.leaderEpoch < p.leaderEpoch) return Promise.resolve();
    const wasLeader = p.isLeader;
    const newEpoch = !wasLeader || state.leaderEpoch > p.leaderEpoch;
    this.apply(p, { ...state, leader: this.nodeId });
    this.fetching?.unfollow(topic, index);
    // The epoch starts at the log end now, so followers' diverging-epoch checks and OffsetForLeaderEpoch see it.
    if (newEpoch) p.log.becomeLeader(state.leaderEpoch);
    if (!wasLeader) p.resetFollowers(this.now());
    for (const id of [...p.followerEnds.keys()]) if (!p.replicas.includes(id)) p.followerEnds.delete(id);
    for (const id of [...p.followers.keys()]) if (!p.replicas.includes(id)) p.followers.delete(id);
    p.maybeIncrementHighWatermark();
    if (wasLeader) return Promise.resolve();
    // Followers parked on a fetch here for other partitions ask for this one now (see FetchWaiters), and until
    // they have, their fetches park only briefly: one that learns of the change after its fetch was woken is
    // otherwise not heard from for replica.fetch.wait.max.ms, and with acks=all no produce completes before it.
    const others = p.replicas.filter((id) => id !== this.nodeId);
    const until = this.now() + FIRST_FETCH_WAIT_MS;
    for (const id of others) {
      let due = this.firstFetchDue.get(id);
      if (due === undefined) this.firstFetchDue.set(id, (due = { partitions: new Set(), until }));
      due.partitions.add(p);
      due.until = until;
    }
    this.waiters.wakeReplicas(others);
    const pending: Array<Promise<void>> = [];
    for (const l of this.listeners.get(topic) ?? []) {
      const r = l.onBecomeLeader(p);
      if (r instanceof Promise) pending.push(r);
    }
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
  }

  /** Makes this broker a follower of `state.leader`; a leader resigns first (its waiting produces fail). */
  becomeFollower(topic: string, index: number, log: PartitionLog, state: PartitionState): void {
    const p = this.host(topic, index, log);
    if (state.leaderEpoch < p.leaderEpoch) return;
    const wasLeader = p.isLeader;
    const epoch = p.leaderEpoch;
    this.apply(p, state);
    if (wasLeader) this.resigned(p, epoch);
    if (this.fetching !== undefined) {
      if (state.leader >= 0 && state.leader !== this.nodeId) this.fetching.follow(p, state.leader);
      else this.fetching.unfollow(topic, index);
    }
  }

  /** The partition left this broker (its topic was deleted, or it moved away). */
  remove(topic: string, index: number): void {
    const list = this.partitions.get(topic);
    const p = list?.[index];
    if (p === undefined) return;
    list![index] = undefined as unknown as Partition;
    if (list!.every((x) => x === undefined)) this.partitions.delete(topic);
    this.fetching?.unfollow(topic, index);
    if (p.isLeader) this.resigned(p, p.leaderEpoch);
  }

  /** Every partition of `topic` left this broker. */
  removeTopic(topic: string): void {
    const list = this.partitions.get(topic);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) this.remove(topic, i);
    this.partitions.delete(topic);
  }

  private resigned(p: Partition, epoch: number): void {
    for (const [id, due] of this.firstFetchDue)
      if (due.partitions.delete(p) && due.partitions.size === 0) this.firstFetchDue.delete(id);
    p.abortWaiters();
    p.followerEnds.clear();
    p.followers.clear();
    for (const l of this.listeners.get(p.topic) ?? []) l.onResign(p, epoch);
    // Long-polling fetches return now and learn of the change on their next request.
    this.waiters.wakeAll(FetchWaiters.key(p.topic, p.index));
  }

  /**
   * The partition for a request, or why it cannot serve it: UNKNOWN_TOPIC_OR_PARTITION (nowhere),
   * NOT_LEADER_OR_FOLLOWER (hosted elsewhere, or here as a follower when the leader is required), or the
   * requester's stale or future leader epoch. Checked in Kafka's order: epoch first, then leadership.
   */
  access(topic: string, index: number, opts: AccessOptions = {}): Partition | PartitionError {
    const p = this.get(topic, index);
    if (p === undefined) {
      return this.knownElsewhere(topic, index)
        ? ErrorCode.NOT_LEADER_OR_FOLLOWER
        : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    }
    const epochError = p.checkLeaderEpoch(opts.currentLeaderEpoch ?? -1);
    if (epochError !== 0) return epochError;
    if ((opts.requireLeader ?? true) && !p.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return p;
  }

  /**
   * Whether a produce with `acks` may append to `p` now: NOT_ENOUGH_REPLICAS for acks=all while the ISR is
   * smaller than min.insync.replicas (Kafka checks before appending); else 0.
   */
  checkEnoughReplicas(p: Partition, acks: number): PartitionError {
    if (acks !== -1) return 0;
    return p.isr.length < p.log.config.minInsyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS : 0;
  }

  /** The message for NOT_ENOUGH_REPLICAS on `p`. */
  notEnoughReplicasMessage(p: Partition): string {
    const n = p.isr.length;
    const where = p.replicas.length === 1 ? ' on a single broker' : '';
    return `min.insync.replicas is ${p.log.config.minInsyncReplicas} but only ${n} replica${n === 1 ? ' is' : 's are'} in sync${where}.`;
  }

  /**
   * Appends validated batches to a partition this broker leads, assigning offsets (the log validates producer
   * state and may throw its StorageError). Wakes long-polling fetches and publishes the append. With acks=all the
   * result carries a promise for the high watermark passing the records, unless it already has.
   */
  appendAsLeader(p: Partition, batches: Buffer, meta: AppendMeta, acks: number, timeoutMs: number): LeaderAppend {
    const result = p.log.appendAsLeader(batches, meta);
    p.maybeIncrementHighWatermark();
    if (!result.duplicate) {
      this.waiters.notify(FetchWaiters.key(p.topic, p.index), batches.length);
      if (channels.append.hasSubscribers) {
        channels.append.publish({
          topic: p.topic,
          partition: p.index,
          records: meta.recordCount ?? 0,
          bytes: batches.length,
        } satisfies AppendEvent);
      }
    }
    const end = result.lastOffset + 1;
    if (acks !== -1 || p.highWatermark >= end) return { result };
    return { result, replicated: p.waitForHighWatermark(end, timeoutMs) };
  }

  /**
   * Reads from a partition for a consumer (up to the high watermark, or the last stable offset for
   * read_committed) or, with `fromFollower`, for a follower replica (up to the log end).
   */
  read(
    p: Partition,
    fetchOffset: number,
    maxBytes: number,
    opts: { minOneBatch: boolean; readCommitted: boolean; fromFollower?: boolean },
  ): ReadResult {
    const maxOffset = opts.fromFollower
      ? p.log.logEndOffset
      : opts.readCommitted
        ? p.log.lastStableOffset
        : p.log.highWatermark;
    // A follower fetches again as soon as it has appended: it gets the batches of one appended buffer, a view of
    // it, rather than several joined into a new buffer for each follower.
    const ro: ReadOptions = { minOneBatch: opts.minOneBatch, maxOffset, oneBuffer: opts.fromFollower === true };
    return p.log.read(fetchOffset, maxBytes, ro);
  }

  /**
   * Checks a follower's fetch and records its position: only the leader serves follower fetches, and only from a
   * replica assigned to the partition (anyone else gets NOT_LEADER_OR_FOLLOWER, as Kafka answers a replica it
   * does not know). Moves the high watermark when the follower's progress allows.
   */
  followerFetch(p: Partition, replicaId: number, fetchOffset: number): PartitionError {
    if (!p.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (replicaId === this.nodeId || !p.replicas.includes(replicaId)) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const now = this.now();
    const due = this.firstFetchDue.get(replicaId);
    if (due?.partitions.delete(p) && due.partitions.size === 0) this.firstFetchDue.delete(replicaId);
    p.recordFollowerFetch(replicaId, fetchOffset, now);
    // Consumers parked on this partition may now read what became committed.
    if (p.maybeIncrementHighWatermark()) this.waiters.wakeAll(FetchWaiters.key(p.topic, p.index));
    if (!p.isrChangePending && !p.isr.includes(replicaId)) {
      const expanded = p.expandIsrCandidate(now, this.replicaLagTimeMaxMs);
      if (expanded !== undefined) void this.proposeIsr(p, expanded, 'expand');
    }
    return 0;
  }

  /**
   * How long a fetch of follower `replicaId` that found nothing may park: `maxWaitMs`, or a few milliseconds while
   * the follower has not yet fetched a partition this broker has just become the leader of.
   */
  parkLimitMs(replicaId: number, maxWaitMs: number): number {
    const due = this.firstFetchDue.get(replicaId);
    if (due === undefined) return maxWaitMs;
    if (this.now() > due.until) {
      this.firstFetchDue.delete(replicaId);
      return maxWaitMs;
    }
    return Math.min(maxWaitMs, FIRST_FETCH_PARK_MS);
  }

  /** Every hosted partition, for shutdown and diagnostics. */
  *all(): IterableIterator<Partition> {
    for (const list of this.partitions.values()) for (const p of list) if (p !== undefined) yield p;
  }
}
