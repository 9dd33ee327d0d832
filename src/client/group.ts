/**
 * Membership of a classic consumer group: find the coordinator, JoinGroup, (as leader) run the assignor, SyncGroup,
 * then heartbeat until a rebalance is announced. Eager assignors give up every partition before rejoining;
 * cooperative ones give up only the partitions that move, and rejoin once more so those can be handed over.
 * Offsets are committed to the coordinator: automatically every `autoCommitIntervalMs`, before partitions are
 * revoked, and on close; or by the application.
 */
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../protocol/consumer-protocol.js';
import { FindCoordinator } from '../protocol/messages/find-coordinator.js';
import { Heartbeat } from '../protocol/messages/heartbeat.js';
import { JoinGroup } from '../protocol/messages/join-group.js';
import { LeaveGroup } from '../protocol/messages/leave-group.js';
import { OffsetCommit } from '../protocol/messages/offset-commit.js';
import { OffsetFetch } from '../protocol/messages/offset-fetch.js';
import { SyncGroup } from '../protocol/messages/sync-group.js';
import type { Api, Encodable } from '../protocol/schema.js';
import { cooperativeStickyAssignor, rangeAssignor, type Assignor, type MemberSubscription } from './assignors.js';
import { backoff, type Cluster } from './cluster.js';
import { ErrorCode, KafkaError, errorFor } from './errors.js';
import type { Consumer, TopicPartition, TopicPartitionOffset } from './consumer.js';

export interface GroupOptions {
  /** The coordinator drops a member it has not heard from for this long (default 45000). */
  sessionTimeoutMs?: number;
  /** How long members may take to rejoin during a rebalance (default 60000). */
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Commit positions in the background (default true). */
  enableAutoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Assignors offered to the group, preferred first (default range, then cooperative-sticky, as Java 3.x). */
  assignors?: Assignor[];
  /** Static membership id (KIP-345). */
  groupInstanceId?: string;
  /**
   * 'classic' (default): JoinGroup/SyncGroup with a client-side assignor. 'consumer': the KIP-848 protocol
   * (ConsumerGroupHeartbeat), where the broker computes assignments and the heartbeat interval.
   */
  groupProtocol?: 'classic' | 'consumer';
  /** With groupProtocol 'consumer': the broker-side assignor to ask for ('uniform', 'range'); default the broker's. */
  groupRemoteAssignor?: string;
}

export interface RebalanceListener {
  /** Partitions newly given to this member. */
  onAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions this member gives up in an orderly way (offsets can still be committed). */
  onRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions lost without a chance to commit (session expired, fenced). */
  onLost?(partitions: TopicPartition[]): void | Promise<void>;
}

const key = (t: string, p: number) => `${t}\u0000${p}`;

class Interrupt extends Error {}

export class GroupMember {
  memberId = '';
  generationId = -1;
  protected coordinator = -1;
  protected protocol: string | null = null;
  protected owned: TopicPartition[] = [];
  protected stopping = false;
  protected loop: Promise<void> | undefined;
  protected rejoinNeeded = true;
  protected wakeSleep: (() => void) | undefined;
  protected lastCommit = Date.now();
  protected readonly assignors: Assignor[];
  protected readonly autoCommit: boolean;
  protected readonly sessionTimeoutMs: number;
  protected readonly rebalanceTimeoutMs: number;
  protected readonly heartbeatIntervalMs: number;
  protected readonly autoCommitIntervalMs: number;
  protected patternTopics: string[] = [];
  readonly positionsReady = true;

  constructor(
    protected readonly consumer: Consumer<any, any>,
    protected readonly cluster: Cluster,
    readonly groupId: string,
    protected readonly opts: GroupOptions,
    protected subscription: string | string[] | RegExp,
    protected listener: RebalanceListener | undefined,
  ) {
    this.assignors = opts.assignors ?? [rangeAssignor, cooperativeStickyAssignor];
    this.autoCommit = opts.enableAutoCommit ?? true;
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 45000;
    this.rebalanceTimeoutMs = opts.rebalanceTimeoutMs ?? 60000;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 3000;
    this.autoCommitIntervalMs = opts.autoCommitIntervalMs ?? 5000;
  }

  start(): void {
    this.loop ??= this.run();
  }

  setSubscription(topics: string | string[] | RegExp, listener?: RebalanceListener): void {
    this.subscription = topics;
    if (listener) this.listener = listener;
    this.requestRejoin();
  }

  requestRejoin(): void {
    this.rejoinNeeded = true;
    this.wakeSleep?.();
  }

  /** Kafka's rule: the cooperative protocol is used only when every offered assignor supports it. */
  private get cooperative(): boolean {
    return this.assignors.every((x) => x.rebalanceProtocol === 'cooperative');
  }

  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleep = done;
    });
  }

  protected async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        if (this.rejoinNeeded) {
          await this.joinAndSync();
          failures = 0;
        }
        await this.heartbeatOnce();
        if (!this.rejoinNeeded) await this.sleep(this.heartbeatIntervalMs);
      } catch (e) {
        if (this.stopping) break;
        if (e instanceof Interrupt) continue;
        const err = e as Error;
        this.cluster.log.debug('group membership step failed', { group: this.groupId, error: err.message });
        if (e instanceof KafkaError && !e.retriable && !this.recoverable(e.code)) {
          this.consumer['surface'](err);
        }
        await this.sleep(backoff(this.cluster.retryBackoffMs, 5000, failures++));
      }
    }
  }

  protected recoverable(code: number): boolean {
    return (
      code === ErrorCode.UNKNOWN_MEMBER_ID ||
      code === ErrorCode.ILLEGAL_GENERATION ||
      code === ErrorCode.REBALANCE_IN_PROGRESS ||
      code === ErrorCode.MEMBER_ID_REQUIRED ||
      code === ErrorCode.INCONSISTENT_GROUP_PROTOCOL ||
      code === ErrorCode.FENCED_INSTANCE_ID ||
      code === ErrorCode.UNSUPPORTED_VERSION
    );
  }

  /** Sends a request to the coordinator, looking it up first, and forgets it when it moved. */
  protected async toCoordinator<Req, Res>(api: Api<Req, Res>, req: Encodable<Req>, timeoutMs?: number): Promise<Res> {
    if (this.coordinator < 0) await this.findCoordinator();
    try {
      const conn = await this.cluster.coordinatorConnection(this.coordinator);
      const res = await conn.send(api, req, timeoutMs ? { timeoutMs } : undefined);
      const code = (res as { errorCode?: number }).errorCode ?? 0;
      if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.coordinator = -1;
      return res;
    } catch (e) {
      if (e instanceof KafkaError && e.retriable) this.coordinator = -1;
      throw e;
    }
  }

  protected async findCoordinator(): Promise<void> {
    const conn = await this.cluster.anyConnection();
    const v = conn.versions.get(FindCoordinator.key);
    const res = await conn.send(FindCoordinator, { key: this.groupId, keyType: 0, coordinatorKeys: [this.groupId] });
    let node: { nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null };
    if (v !== undefined && v >= 4) {
      const c = res.coordinators[0];
      if (!c) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'FindCoordinator returned no coordinator');
      node = c;
    } else
      node = {
        nodeId: res.nodeId,
        host: res.host,
        port: res.port,
        errorCode: res.errorCode,
        errorMessage: res.errorMessage,
      };
    if (node.errorCode !== 0) throw errorFor(node.errorCode, `coordinator of group ${this.groupId}`, node.errorMessage);
    if (!this.cluster.brokers.has(node.nodeId)) {
      this.cluster.brokers.set(node.nodeId, { nodeId: node.nodeId, host: node.host, port: node.port, rack: null });
    }
    this.coordinator = node.nodeId;
  }

  protected async subscribedTopics(): Promise<string[]> {
    const s = this.subscription;
    if (s instanceof RegExp) {
      const res = await this.cluster.fetchMetadata(null, false);
      this.patternTopics = res.topics
        .filter((t) => t.name !== null && !t.isInternal && s.test(t.name))
        .map((t) => t.name!);
      return [...this.patternTopics].sort();
    }
    return (Array.isArray(s) ? [...s] : [s]).sort();
  }

  private async joinAndSync(): Promise<void> {
    const topics = await this.subscribedTopics();
    const eager = !this.cooperative;
    if (eager && this.owned.length > 0) await this.revoke(this.owned, true);
    this.rejoinNeeded = false;
    for (;;) {
      const res = await this.toCoordinator(
        JoinGroup,
        {
          groupId: this.groupId,
          sessionTimeoutMs: this.sessionTimeoutMs,
          rebalanceTimeoutMs: this.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: this.opts.groupInstanceId ?? null,
          protocolType: 'consumer',
          protocols: this.assignors.map((a) => ({
            name: a.name,
            metadata: encodeSubscription({
              topics,
              userData: null,
              ownedPartitions: this.ownedByTopic(),
              generationId: this.generationId,
              rackId: null,
            }),
          })),
          reason: null,
        },
        this.rebalanceTimeoutMs + 5000,
      );
      if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = res.memberId;
        continue;
      }
      if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || res.errorCode === ErrorCode.ILLEGAL_GENERATION) {
        this.memberId = '';
        this.generationId = -1;
        if (this.owned.length > 0) await this.lose();
        continue;
      }
      if (res.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) continue;
      if (res.errorCode !== 0) {
        this.rejoinNeeded = true;
        throw errorFor(res.errorCode, `JoinGroup ${this.groupId}`);
      }
      this.memberId = res.memberId;
      this.generationId = res.generationId;
      this.protocol = res.protocolName;
      let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
      if (res.leader === res.memberId && !res.skipAssignment)
        assignments = await this.leaderAssign(res.protocolName ?? '', res.members);
      const sync = await this.toCoordinator(
        SyncGroup,
        {
          groupId: this.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: this.opts.groupInstanceId ?? null,
          protocolType: 'consumer',
          protocolName: this.protocol,
          assignments,
        },
        this.rebalanceTimeoutMs + 5000,
      );
      if (sync.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) continue;
      if (sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || sync.errorCode === ErrorCode.ILLEGAL_GENERATION) {
        if (sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        if (this.owned.length > 0) await this.lose();
        continue;
      }
      if (sync.errorCode !== 0) {
        this.rejoinNeeded = true;
        throw errorFor(sync.errorCode, `SyncGroup ${this.groupId}`);
      }
      const a = decodeAssignment(sync.assignment);
      const next: TopicPartition[] = [];
      for (const t of a.assignedPartitions) for (const p of t.partitions) next.push({ topic: t.topic, partition: p });
      await this.applyAssignment(next);
      return;
    }
  }

  private ownedByTopic(): Array<{ topic: string; partitions: number[] }> {
    const m = new Map<string, number[]>();
    for (const tp of this.owned) {
      let l = m.get(tp.topic);
      if (!l) m.set(tp.topic, (l = []));
      l.push(tp.partition);
    }
    return [...m].map(([topic, partitions]) => ({ topic, partitions }));
  }

  private async leaderAssign(protocol: string, members: Array<{ memberId: string; metadata: Buffer }>) {
    const assignor = this.assignors.find((a) => a.name === protocol);
    if (!assignor)
      throw new KafkaError(
        ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
        `the group chose assignor ${protocol}, which this client lacks`,
      );
    const subs: MemberSubscription[] = members.map((m) => {
      const s = decodeSubscription(m.metadata);
      return {
        memberId: m.memberId,
        topics: s.topics,
        ownedPartitions: s.ownedPartitions,
        generationId: s.generationId,
      };
    });
    const all = [...new Set(subs.flatMap((s) => s.topics))];
    await this.cluster.ensureTopics(all);
    const counts = new Map<string, number>();
    for (const t of all) {
      const n = this.cluster.partitionCount(t);
      if (n !== undefined) counts.set(t, n);
    }
    const result = assignor.assign(subs, counts);
    return subs.map((s) => {
      const a = result.get(s.memberId) ?? {};
      return {
        memberId: s.memberId,
        assignment: encodeAssignment({
          assignedPartitions: Object.entries(a).map(([topic, partitions]) => ({ topic, partitions })),
          userData: null,
        }),
      };
    });
  }

  private async applyAssignment(next: TopicPartition[]): Promise<void> {
    const nextKeys = new Set(next.map((t) => key(t.topic, t.partition)));
    const ownedKeys = new Set(this.owned.map((t) => key(t.topic, t.partition)));
    const revoked = this.owned.filter((t) => !nextKeys.has(key(t.topic, t.partition)));
    const added = next.filter((t) => !ownedKeys.has(key(t.topic, t.partition)));
    if (revoked.length > 0) {
      await this.revoke(revoked, false);
      // Cooperative: what we gave up can now go to its new owner in one more round.
      if (this.cooperative) this.rejoinNeeded = true;
    }
    const committed = added.length > 0 ? await this.fetchCommitted(added) : new Map<string, number>();
    const positions = new Map<string, number>();
    for (const [k, v] of committed) if (v >= 0) positions.set(k, v);
    this.owned = next;
    this.consumer.setAssignment(next, positions);
    if (added.length > 0 && this.listener?.onAssigned) await this.listener.onAssigned(added);
  }

  /** Gives partitions up in order: commit their positions (auto-commit), tell the listener, drop them. */
  protected async revoke(parts: TopicPartition[], all: boolean): Promise<void> {
    if (this.autoCommit && this.generationId >= 0) {
      const keys = new Set(parts.map((t) => key(t.topic, t.partition)));
      const offsets = this.consumer.positions().filter((o) => keys.has(key(o.topic, o.partition)));
      await this.commit(offsets).catch((e: Error) =>
        this.cluster.log.warn('commit before revoke failed', { error: e.message }),
      );
    }
    if (this.listener?.onRevoked) await this.listener.onRevoked(parts);
    const keys = new Set(parts.map((t) => key(t.topic, t.partition)));
    this.owned = all ? [] : this.owned.filter((t) => !keys.has(key(t.topic, t.partition)));
    this.consumer.setAssignment(this.owned);
  }

  protected async lose(): Promise<void> {
    const lost = this.owned;
    this.owned = [];
    this.consumer.setAssignment([]);
    if (lost.length > 0 && this.listener?.onLost) await this.listener.onLost(lost);
  }

  private async heartbeatOnce(): Promise<void> {
    if (this.rejoinNeeded) return;
    if (this.subscription instanceof RegExp && Date.now() - this.lastPatternCheck > 30000) {
      this.lastPatternCheck = Date.now();
      const before = this.patternTopics.join(',');
      const now = (await this.subscribedTopics()).join(',');
      if (before !== now) {
        this.rejoinNeeded = true;
        return;
      }
    }
    const res = await this.toCoordinator(Heartbeat, {
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.opts.groupInstanceId ?? null,
    });
    switch (res.errorCode) {
      case 0:
        break;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.rejoinNeeded = true;
        break;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
      case ErrorCode.FENCED_INSTANCE_ID:
        if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        this.generationId = -1;
        await this.lose();
        this.rejoinNeeded = true;
        break;
      default:
        if (!errorFor(res.errorCode).retriable) throw errorFor(res.errorCode, `Heartbeat ${this.groupId}`);
    }
    if (this.autoCommit && !this.rejoinNeeded && Date.now() - this.lastCommit >= this.autoCommitIntervalMs) {
      this.lastCommit = Date.now();
      await this.commit(this.consumer.positions()).catch((e: Error) =>
        this.cluster.log.warn('auto commit failed', { error: e.message }),
      );
    }
  }

  protected lastPatternCheck = Date.now();

  /** Commits offsets for this member's generation; throws the first per-partition error. */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const topics = new Map<
      string,
      Array<{ partitionIndex: number; committedOffset: number; committedMetadata: string | null }>
    >();
    for (const o of offsets) {
      let l = topics.get(o.topic);
      if (!l) topics.set(o.topic, (l = []));
      l.push({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata ?? null });
    }
    const res = await this.cluster.retry(() =>
      this.toCoordinator(OffsetCommit, {
        groupId: this.groupId,
        generationIdOrMemberEpoch: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.opts.groupInstanceId ?? null,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      }).then((r) => {
        for (const t of r.topics) {
          for (const p of t.partitions) {
            if (p.errorCode === ErrorCode.NOT_COORDINATOR || p.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE)
              this.coordinator = -1;
            if (p.errorCode !== 0) throw errorFor(p.errorCode, `commit ${t.name}-${p.partitionIndex}`);
          }
        }
        return r;
      }),
    );
    void res;
    this.lastCommit = Date.now();
  }

  /** Committed offsets of the group for these partitions (-1 where none). */
  async fetchCommitted(tps: TopicPartition[]): Promise<Map<string, number>> {
    const topics = new Map<string, number[]>();
    for (const t of tps) {
      let l = topics.get(t.topic);
      if (!l) topics.set(t.topic, (l = []));
      l.push(t.partition);
    }
    const list = [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    const out = new Map<string, number>();
    await this.cluster.retry(async () => {
      const res = await this.toCoordinator(OffsetFetch, {
        groupId: this.groupId,
        topics: list,
        groups: [{ groupId: this.groupId, memberId: null, memberEpoch: -1, topics: list }],
        requireStable: true,
      });
      const groupError = res.groups.length > 0 ? res.groups[0]!.errorCode : res.errorCode;
      if (groupError === ErrorCode.NOT_COORDINATOR || groupError === ErrorCode.COORDINATOR_NOT_AVAILABLE)
        this.coordinator = -1;
      if (groupError) throw errorFor(groupError, `offsets of group ${this.groupId}`);
      const ts = res.groups.length > 0 ? res.groups[0]!.topics : res.topics;
      for (const t of ts) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw errorFor(p.errorCode, `offset of ${t.name}-${p.partitionIndex}`);
          out.set(key(t.name, p.partitionIndex), p.committedOffset);
        }
      }
    });
    return out;
  }

  /** Commits (auto-commit), revokes, leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSleep?.();
    await this.loop?.catch(() => {});
    try {
      if (this.owned.length > 0) await this.revoke(this.owned, true);
      if (this.memberId && this.coordinator >= 0 && !this.opts.groupInstanceId) {
        await this.toCoordinator(LeaveGroup, {
          groupId: this.groupId,
          memberId: this.memberId,
          members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer is closing' }],
        });
      }
    } catch (e) {
      this.cluster.log.debug('leaving the group failed', { error: (e as Error).message });
    }
  }
}

export { Interrupt };
