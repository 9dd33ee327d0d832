/**
 * Membership of a consumer group through the KIP-848 protocol (groupProtocol 'consumer'). There is no join/sync
 * round: the member sends ConsumerGroupHeartbeat with its subscription, the broker answers with a member epoch and,
 * when it changed, the partitions the member should own now. The member reconciles in Kafka's order: first it
 * gives up what it no longer has (commit, onRevoked), then it takes the new partitions (committed offsets,
 * onAssigned), and it tells the broker at once what it owns, because partitions it releases can only move to
 * their next owner after that. The heartbeat interval is the one the broker gives.
 *
 * Offsets, rebalance listeners and the consumer side are shared with the classic member: the member epoch is
 * what OffsetCommit carries where the classic protocol has the generation.
 */
import { ConsumerGroupHeartbeat } from '../protocol/messages/consumer-group-heartbeat.js';
import { backoff } from './cluster.js';
import { ErrorCode, KafkaError, errorFor } from './errors.js';
import { GroupMember } from './group.js';
import type { TopicPartition } from './consumer.js';

const key = (t: string, p: number) => `${t}\u0000${p}`;

/** Epochs with a meaning of their own in the request. */
const JOIN_EPOCH = 0;
const LEAVE_EPOCH = -1;
const STATIC_LEAVE_EPOCH = -2;

export class ConsumerProtocolMember extends GroupMember {
  memberEpoch = JOIN_EPOCH;
  /** Set when the broker must hear what we own now (after joining and after each reconciliation). */
  private ackNeeded = true;
  private sentTopics = '';
  private interval = 0;

  override setSubscription(
    topics: string | string[] | RegExp,
    listener?: import('./group.js').RebalanceListener,
  ): void {
    this.subscription = topics;
    if (listener) this.listener = listener;
    this.wakeSleep?.();
  }

  override requestRejoin(): void {
    this.wakeSleep?.();
  }

  protected override async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.heartbeat();
        failures = 0;
        if (!this.ackNeeded && !this.stopping)
          await this.sleep(this.interval > 0 ? this.interval : this.heartbeatIntervalMs);
      } catch (e) {
        if (this.stopping) break;
        const err = e as Error;
        this.cluster.log.debug('consumer group heartbeat failed', { group: this.groupId, error: err.message });
        if (e instanceof KafkaError && !e.retriable) this.consumer['surface'](err);
        await this.sleep(backoff(this.cluster.retryBackoffMs, 5000, failures++));
      }
    }
  }

  private async heartbeat(): Promise<void> {
    // A pattern is matched against all topics on joining and then every 30 s, not on every heartbeat.
    let topics: string[];
    if (this.subscription instanceof RegExp && this.sentTopics !== '' && Date.now() - this.lastPatternCheck < 30000) {
      topics = [...this.patternTopics].sort();
    } else {
      this.lastPatternCheck = Date.now();
      topics = await this.subscribedTopics();
    }
    const topicsKey = topics.join('\u0000');
    // Subscription and owned partitions are sent when they changed (and always when joining); null means "same".
    const joining = this.memberEpoch === JOIN_EPOCH;
    const sendTopics = joining || topicsKey !== this.sentTopics;
    if (sendTopics) await this.cluster.ensureTopics(topics);
    const owned = this.ackNeeded || joining ? this.ownedWithIds() : null;
    const res = await this.toCoordinator(ConsumerGroupHeartbeat, {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.memberEpoch,
      instanceId: this.opts.groupInstanceId ?? null,
      rackId: null,
      rebalanceTimeoutMs: joining || sendTopics ? this.rebalanceTimeoutMs : -1,
      subscribedTopicNames: sendTopics ? topics : null,
      serverAssignor: joining ? (this.opts.groupRemoteAssignor ?? null) : null,
      topicPartitions: owned,
    });
    switch (res.errorCode) {
      case 0:
        break;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.FENCED_MEMBER_EPOCH:
        // The broker no longer counts us in: what we had may already be someone else's, so no commit.
        this.cluster.log.info('fenced from the consumer group; rejoining', {
          group: this.groupId,
          error: errorFor(res.errorCode).message,
        });
        if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        this.memberEpoch = JOIN_EPOCH;
        this.generationId = -1;
        this.sentTopics = '';
        await this.lose();
        this.ackNeeded = true;
        return;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        throw errorFor(res.errorCode, `ConsumerGroupHeartbeat ${this.groupId}`, res.errorMessage);
      default:
        throw errorFor(res.errorCode, `ConsumerGroupHeartbeat ${this.groupId}`, res.errorMessage);
    }
    if (sendTopics) this.sentTopics = topicsKey;
    if (res.memberId) this.memberId = res.memberId;
    this.memberEpoch = res.memberEpoch;
    this.generationId = res.memberEpoch;
    if (res.heartbeatIntervalMs > 0) this.interval = res.heartbeatIntervalMs;
    if (owned !== null) this.ackNeeded = false;
    if (res.assignment !== null) await this.reconcile(res.assignment.topicPartitions);
    if (this.autoCommit && !this.ackNeeded && Date.now() - this.lastCommit >= this.autoCommitIntervalMs) {
      this.lastCommit = Date.now();
      await this.commit(this.consumer.positions()).catch((e: Error) =>
        this.cluster.log.warn('auto commit failed', { error: e.message }),
      );
    }
  }

  /** Names for the topic ids of an assignment, refreshing metadata once for ids we do not know yet. */
  private async toNames(assigned: Array<{ topicId: string; partitions: number[] }>): Promise<TopicPartition[]> {
    const lookup = () => {
      const byId = new Map<string, string>();
      for (const t of this.cluster.topics.values()) byId.set(t.topicId, t.name);
      return byId;
    };
    let byId = lookup();
    if (assigned.some((a) => !byId.has(a.topicId))) {
      await this.cluster.refreshMetadata();
      byId = lookup();
    }
    const out: TopicPartition[] = [];
    for (const a of assigned) {
      const name = byId.get(a.topicId);
      if (name === undefined) {
        this.cluster.log.warn('assigned a topic id missing from metadata', { topicId: a.topicId });
        continue;
      }
      for (const p of [...a.partitions].sort((x, y) => x - y)) out.push({ topic: name, partition: p });
    }
    return out;
  }

  private ownedWithIds(): Array<{ topicId: string; partitions: number[] }> {
    const m = new Map<string, number[]>();
    for (const tp of this.owned) {
      const id = this.cluster.topics.get(tp.topic)?.topicId;
      if (id === undefined) continue;
      let l = m.get(id);
      if (!l) m.set(id, (l = []));
      l.push(tp.partition);
    }
    return [...m].map(([topicId, partitions]) => ({ topicId, partitions }));
  }

  /** Revoke first, then take the new partitions; the next heartbeat (sent at once) acknowledges the result. */
  private async reconcile(assigned: Array<{ topicId: string; partitions: number[] }>): Promise<void> {
    const target = await this.toNames(assigned);
    const targetKeys = new Set(target.map((t) => key(t.topic, t.partition)));
    const ownedKeys = new Set(this.owned.map((t) => key(t.topic, t.partition)));
    const revoked = this.owned.filter((t) => !targetKeys.has(key(t.topic, t.partition)));
    const added = target.filter((t) => !ownedKeys.has(key(t.topic, t.partition)));
    if (revoked.length === 0 && added.length === 0) return;
    if (revoked.length > 0) await this.revoke(revoked, false);
    if (added.length > 0) {
      const committed = await this.fetchCommitted(added);
      const positions = new Map<string, number>();
      for (const [k, v] of committed) if (v >= 0) positions.set(k, v);
      this.owned = [...this.owned, ...added];
      this.consumer.setAssignment(this.owned, positions);
      if (this.listener?.onAssigned) await this.listener.onAssigned(added);
    }
    this.ackNeeded = true;
  }

  /** Commits (auto-commit) and gives up the partitions, then leaves with epoch -1 (-2 for a static member). */
  override async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSleep?.();
    await this.loop?.catch(() => {});
    try {
      if (this.owned.length > 0) await this.revoke(this.owned, true);
      if (this.memberId && this.memberEpoch > 0) {
        await this.toCoordinator(ConsumerGroupHeartbeat, {
          groupId: this.groupId,
          memberId: this.memberId,
          memberEpoch: this.opts.groupInstanceId ? STATIC_LEAVE_EPOCH : LEAVE_EPOCH,
          instanceId: this.opts.groupInstanceId ?? null,
          rackId: null,
          rebalanceTimeoutMs: -1,
          subscribedTopicNames: null,
          serverAssignor: null,
          topicPartitions: null,
        });
      }
    } catch (e) {
      this.cluster.log.debug('leaving the consumer group failed', { error: (e as Error).message });
    }
  }
}
