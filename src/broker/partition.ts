/**
 * One partition as the replica manager holds it (replica-manager.ts): its leadership state, the in-sync replicas,
 * the high watermark and the acks=all produces waiting for it, and, as a leader, each follower's position and when
 * it last caught up, from which the ISR shrink and expand candidates are read.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { channels } from './observe.js';

/** Leadership of one partition as decided by whoever decides it (on one node: this broker, at startup). */
export interface PartitionState {
  /** Node id of the leader; -1 when there is none. */
  leader: number;
  leaderEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  offlineReplicas?: readonly number[];
  /** Cluster mode: the version of the partition's state record (AlterPartition names it). */
  partitionEpoch?: number;
}

/**
 * Cluster mode: how a leader changes its partition's ISR (AlterPartition, a compare-and-swap in etcd fenced on the
 * leader's registration). Resolves with the error code and, on success, the state written; the new state also
 * comes back through becomeLeader once every broker's metadata has it.
 */
export type AlterIsr = (
  topic: string,
  partition: number,
  req: { leaderEpoch: number; partitionEpoch: number; isr: number[] },
) => Promise<{ errorCode: number; isr?: number[]; leaderEpoch?: number; partitionEpoch?: number }>;

/** Replica id of consumers in Fetch and ListOffsets. */
export const CONSUMER_REPLICA_ID = -1;
/** Replica id of debugging tools: may read from followers, up to the log end. */
export const DEBUGGING_REPLICA_ID = -2;

interface HighWatermarkWaiter {
  offset: number;
  /** 0 once the high watermark passed `offset`; REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER, ... otherwise. */
  resolve: (errorCode: number) => void;
  timer: NodeJS.Timeout;
}

/** What the leader knows of one follower from its fetches (Kafka's Replica state). */
export interface FollowerState {
  /** Log end offset as of the last fetch (its fetch offset). */
  logEndOffset: number;
  /** Last time the follower was caught up with the leader's log end (or the time it became tracked). */
  lastCaughtUpMs: number;
  /** The leader's log end offset at the follower's previous fetch, and the time of that fetch. */
  lastFetchLeaderLogEndOffset: number;
  lastFetchMs: number;
}

/** Follows a partition from its leader (the replica fetcher). */
export interface FollowerFetching {
  follow(p: Partition, leaderId: number): void;
  unfollow(topic: string, index: number): void;
}

/** One partition hosted on this broker, as leader or follower. */
export class Partition {
  leader = -1;
  replicas: readonly number[] = [];
  private isrNow: readonly number[] = [];
  /** Whether this broker led the partition when the ISR was last set (only a leader's ISR changes are counted). */
  private isrLedHere = false;
  offlineReplicas: readonly number[] = [];
  partitionEpoch = 0;
  /** Followers' log end offsets as of their last fetch (kept while this broker leads). */
  readonly followerEnds = new Map<number, number>();
  /** Followers' positions and catch-up times (kept while this broker leads). */
  readonly followers = new Map<number, FollowerState>();
  /** An ISR change is out for acceptance: no other is proposed meanwhile. */
  isrChangePending = false;
  private hwWaiters: HighWatermarkWaiter[] = [];

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
    /** This broker's node id. */
    readonly localId: number,
  ) {}

  get isLeader(): boolean {
    return this.leader === this.localId;
  }

  /** In-sync replicas; a change while this broker keeps leading is published on the observation point. */
  get isr(): readonly number[] {
    return this.isrNow;
  }

  set isr(next: readonly number[]) {
    const before = this.isrNow;
    const counted = this.isrLedHere && this.isLeader;
    this.isrNow = next;
    this.isrLedHere = this.isLeader;
    if (counted && channels.isr.hasSubscribers)
      channels.isr.publish({ topic: this.topic, partition: this.index, before, after: next });
  }

  get leaderEpoch(): number {
    return this.log.leaderEpoch;
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** The state as the metadata view reports it. */
  get state(): PartitionState {
    return {
      leader: this.leader,
      leaderEpoch: this.leaderEpoch,
      replicas: this.replicas,
      isr: this.isr,
      offlineReplicas: this.offlineReplicas,
    };
  }

  /**
   * FENCED_LEADER_EPOCH when the requester's epoch is older than ours, UNKNOWN_LEADER_EPOCH when it is newer (we
   * have not heard of that epoch yet), 0 when it matches or the requester sent none (-1).
   */
  checkLeaderEpoch(currentLeaderEpoch: number): number {
    if (currentLeaderEpoch < 0 || currentLeaderEpoch === this.leaderEpoch) return 0;
    return currentLeaderEpoch < this.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
  }

  /** The high watermark a leader may expose: the lowest log end offset among the in-sync replicas. */
  private computeHighWatermark(): number {
    let hw = this.log.logEndOffset;
    for (const id of this.isr) {
      if (id === this.localId) continue;
      const end = this.followerEnds.get(id);
      hw = Math.min(hw, end ?? this.log.highWatermark);
    }
    return hw;
  }

  /** Moves the high watermark forward when the ISR allows it; returns whether it moved. */
  maybeIncrementHighWatermark(): boolean {
    if (!this.isLeader) return false;
    const before = this.log.highWatermark;
    const hw = this.computeHighWatermark();
    if (hw > before) this.log.updateHighWatermark(hw);
    const moved = this.log.highWatermark > before;
    if (this.hwWaiters.length > 0) this.settleWaiters();
    return moved;
  }

  /**
   * Resolves 0 once the high watermark reaches `offset`; REQUEST_TIMED_OUT after `timeoutMs`,
   * NOT_LEADER_OR_FOLLOWER when leadership moves first, and NOT_ENOUGH_REPLICAS_AFTER_APPEND when the records
   * got committed by an ISR smaller than min.insync.replicas (as Kafka's delayed produce answers).
   */
  waitForHighWatermark(offset: number, timeoutMs: number): Promise<number> {
    if (this.log.highWatermark >= offset) return Promise.resolve(this.committedCode());
    if (!this.isLeader) return Promise.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    return new Promise((resolve) => {
      const w: HighWatermarkWaiter = {
        offset,
        resolve,
        timer: setTimeout(
          () => {
            this.hwWaiters = this.hwWaiters.filter((x) => x !== w);
            resolve(ErrorCode.REQUEST_TIMED_OUT);
          },
          Math.max(0, timeoutMs),
        ),
      };
      this.hwWaiters.push(w);
    });
  }

  /** 0, or NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR is now below min.insync.replicas. */
  private committedCode(): number {
    return this.isr.length < this.log.config.minInsyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : 0;
  }

  private settleWaiters(): void {
    const hw = this.log.highWatermark;
    const keep: HighWatermarkWaiter[] = [];
    for (const w of this.hwWaiters) {
      if (w.offset <= hw) {
        clearTimeout(w.timer);
        w.resolve(this.committedCode());
      } else keep.push(w);
    }
    this.hwWaiters = keep;
  }

  /**
   * Records a follower's fetch at `fetchOffset` (its log end) at time `now`, as Kafka's Replica does: it is caught
   * up when it asked from the leader's log end, or from at least where the leader's log ended at its previous fetch.
   */
  recordFollowerFetch(replicaId: number, fetchOffset: number, now: number): void {
    const leo = this.log.logEndOffset;
    const end = Math.min(fetchOffset, leo);
    let f = this.followers.get(replicaId);
    if (f === undefined) {
      f = { logEndOffset: end, lastCaughtUpMs: 0, lastFetchLeaderLogEndOffset: -1, lastFetchMs: 0 };
      this.followers.set(replicaId, f);
    }
    if (fetchOffset >= leo) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, now);
    else if (f.lastFetchLeaderLogEndOffset >= 0 && fetchOffset >= f.lastFetchLeaderLogEndOffset)
      f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    f.logEndOffset = end;
    f.lastFetchLeaderLogEndOffset = leo;
    f.lastFetchMs = now;
    this.followerEnds.set(replicaId, end);
  }

  /** Starts tracking every replica as caught up at `now` (a new leader gives each follower a full lag window). */
  resetFollowers(now: number): void {
    this.followers.clear();
    this.followerEnds.clear();
    for (const id of this.replicas) {
      if (id === this.localId) continue;
      this.followers.set(id, {
        logEndOffset: -1,
        lastCaughtUpMs: this.isr.includes(id) ? now : 0,
        lastFetchLeaderLogEndOffset: -1,
        lastFetchMs: 0,
      });
    }
  }

  /**
   * The ISR after dropping followers that have not caught up within `lagMs`, or undefined when nothing changes.
   * The leader itself always stays.
   */
  shrinkIsrCandidate(now: number, lagMs: number): number[] | undefined {
    if (!this.isLeader) return undefined;
    const out = this.isr.filter((id) => {
      if (id === this.localId) return true;
      const f = this.followers.get(id);
      return f !== undefined && now - f.lastCaughtUpMs <= lagMs;
    });
    return out.length === this.isr.length ? undefined : out;
  }

  /**
   * The ISR with followers added that have caught up to the high watermark within the current leader epoch, or
   * undefined when nothing changes.
   */
  expandIsrCandidate(now: number, lagMs: number): number[] | undefined {
    if (!this.isLeader) return undefined;
    const epochStart = this.log.epochCache.entries.find((e) => e.epoch === this.leaderEpoch)?.startOffset ?? 0;
    const add: number[] = [];
    for (const id of this.replicas) {
      if (id === this.localId || this.isr.includes(id)) continue;
      const f = this.followers.get(id);
      if (f === undefined || f.logEndOffset < 0) continue;
      if (f.logEndOffset >= this.log.highWatermark && f.logEndOffset >= epochStart && now - f.lastCaughtUpMs <= lagMs)
        add.push(id);
    }
    return add.length === 0 ? undefined : [...this.isr, ...add];
  }

  /** acks=all produces waiting for the high watermark (this partition's share of the produce purgatory). */
  get pendingAcks(): number {
    return this.hwWaiters.length;
  }

  /** Fails every acks=all produce still waiting (leadership moved or the partition went). */
  abortWaiters(): void {
    for (const w of this.hwWaiters) {
      clearTimeout(w.timer);
      w.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    this.hwWaiters = [];
  }
}
