/**
 * The group coordinator service: the entry point for every group and offset API. A group belongs to the
 * __consumer_offsets partition abs(javaHashCode(groupId)) % partitions, as in Kafka; each partition this broker
 * leads is one shard (shard.ts: its classic and KIP-848 groups and committed offsets), loaded from the partition's
 * log when leadership arrives (onBecomeLeader) and dropped when it goes (onResign). Requests for groups of a
 * partition being loaded get COORDINATOR_LOAD_IN_PROGRESS, of a partition not loaded here NOT_COORDINATOR.
 *
 * Each operation runs synchronously on its shard and returns its response with the records to write; the shard
 * runtime (coordinator/runtime.ts) appends them, and waits for the flush where the partition's policy asks for it,
 * before the response is released.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { Logger } from '../../storage/logger.js';
import type { BrokerConfig } from '../config/index.js';
import { systemClock, type Clock } from '../coordinator/clock.js';
import { CoordinatorRuntime, type LeaderAppendFn, type PartitionCoordinator } from '../coordinator/runtime.js';
import type { TopicManager } from '../topics.js';
import type { CommitInput, FetchedGroup, GroupDescription, JoinInput, ListedGroup, SyncInput } from './api.js';
import { joinError, syncError, type JoinResult, type SyncResult } from './classic.js';
import type { HeartbeatInput, HeartbeatOutput } from './consumer.js';
import { heartbeatError } from './consumer-member.js';
import { OFFSETS_TOPIC, type OffsetWrite } from './offsets.js';
import { partitionForGroup } from './records.js';
import { GroupShard } from './shard.js';

export type { CommitInput, FetchedGroup, GroupDescription, JoinInput, ListedGroup, SyncInput } from './api.js';

type PartitionErrors = Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
type LeaveResult = {
  errorCode: number;
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
};

export class GroupCoordinator implements PartitionCoordinator {
  readonly topic = OFFSETS_TOPIC;
  readonly numPartitions: number;
  private readonly runtime: CoordinatorRuntime<GroupShard>;

  constructor(
    readonly config: BrokerConfig,
    readonly topics: TopicManager,
    readonly log: Logger,
    clock: Clock = systemClock,
  ) {
    // An existing topic keeps its partition count even if the setting changed, as in Kafka.
    this.numPartitions = topics.get(OFFSETS_TOPIC)?.partitions ?? config.offsetsTopicNumPartitions;
    // KIP-848 settings are not typed broker config yet: read them raw, with Kafka's defaults.
    const rawInt = (k: string, d: number) => {
      const v = Number(config.raw[k]);
      return Number.isInteger(v) && v > 0 ? v : d;
    };
    const deps = {
      config,
      topics,
      log,
      consumerSessionTimeoutMs: rawInt('group.consumer.session.timeout.ms', 45_000),
      consumerHeartbeatIntervalMs: rawInt('group.consumer.heartbeat.interval.ms', 5_000),
    };
    this.runtime = new CoordinatorRuntime<GroupShard>({
      topic: OFFSETS_TOPIC,
      logOf: (p) => topics.partition(OFFSETS_TOPIC, p),
      createShard: (ctx) => new GroupShard(ctx, deps),
      clock,
      log,
    });
  }

  // ------------------------------------------------------------------------------------------ leadership

  /** Partitions of __consumer_offsets that exist now. */
  partitions(): number[] {
    const n = this.topics.get(OFFSETS_TOPIC)?.partitions ?? 0;
    return Array.from({ length: n }, (_, p) => p);
  }

  /**
   * This broker became leader of `partition` of __consumer_offsets at `leaderEpoch`: its groups and offsets are read
   * from the log (latest record per key wins, tombstones delete); resolves when they are served.
   */
  onBecomeLeader(partition: number, leaderEpoch: number): Promise<void> {
    return this.runtime.onBecomeLeader(partition, leaderEpoch);
  }

  /** This broker stopped leading `partition`: its timers stop, parked requests get NOT_COORDINATOR, state goes. */
  onResign(partition: number, leaderEpoch: number): void {
    this.runtime.onResign(partition, leaderEpoch);
  }

  /** Stops every shard (broker shutdown); parked requests get COORDINATOR_NOT_AVAILABLE. */
  /** Replicated partitions: writes go through the replica manager and complete at the high watermark. */
  setLeaderAppend(fn: LeaderAppendFn | undefined): void {
    this.runtime.setLeaderAppend(fn);
  }

  close(): void {
    this.runtime.close();
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.numPartitions);
  }

  /**
   * Creates __consumer_offsets (compacted) if it does not exist yet, as Kafka does on the first FindCoordinator
   * for a group; its new, empty partitions are led (and served) here.
   */
  ensureTopic(): void {
    if (this.topics.get(OFFSETS_TOPIC)) return;
    const res = this.topics.create(OFFSETS_TOPIC, this.numPartitions, 1, {
      'cleanup.policy': 'compact',
      'segment.bytes': String(this.config.offsetsTopicSegmentBytes),
      'compression.type': 'producer',
    });
    if (res.errorCode !== 0) throw new Error(`cannot create ${OFFSETS_TOPIC}: ${res.errorMessage}`);
    for (const p of this.partitions()) void this.onBecomeLeader(p, 0);
  }

  /** The shard of a group, or the error code its requests get. */
  private shardOf(groupId: string): { partition: number; shard: GroupShard } | number {
    if (!this.topics.get(OFFSETS_TOPIC)) {
      try {
        this.ensureTopic();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, `could not create ${OFFSETS_TOPIC}`);
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
    }
    const partition = this.partitionFor(groupId);
    const shard = this.runtime.shard(partition);
    return typeof shard === 'number' ? shard : { partition, shard };
  }

  // ------------------------------------------------------------------------------------------ KIP-848

  /**
   * ConsumerGroupHeartbeat. The answer is synchronous, except under a flush-per-write policy on __consumer_offsets
   * (flush.messages=1), where it waits until the group state it changed is on disk, as an offset commit does.
   */
  consumerGroupHeartbeat(req: HeartbeatInput): HeartbeatOutput | Promise<HeartbeatOutput> {
    const at = this.shardOf(req.groupId);
    if (typeof at === 'number') return heartbeatError(at);
    return this.runtime.commit(at.partition, at.shard.consumerGroupHeartbeat(req));
  }

  consumerGroupDescribe(groupId: string): ReturnType<GroupShard['consumerGroupDescribe']> {
    const at = this.shardOf(groupId);
    if (typeof at === 'number') return { errorCode: at, errorMessage: `Group ${groupId} is not served here.`, groupId };
    return at.shard.consumerGroupDescribe(groupId);
  }

  // ------------------------------------------------------------------------------------------ classic

  joinGroup(req: JoinInput): Promise<JoinResult> | JoinResult {
    const at = this.shardOf(req.groupId);
    if (typeof at === 'number') return joinError(at, req.memberId);
    return this.runtime.commit(at.partition, at.shard.classic.joinGroup(req));
  }

  syncGroup(req: SyncInput): Promise<SyncResult> | SyncResult {
    const at = this.shardOf(req.groupId);
    if (typeof at === 'number') return syncError(at);
    return this.runtime.commit(at.partition, at.shard.classic.syncGroup(req));
  }

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    const at = this.shardOf(groupId);
    if (typeof at === 'number') return at;
    return at.shard.classic.heartbeat(groupId, generationId, memberId, groupInstanceId);
  }

  leaveGroup(
    groupId: string,
    members: Array<{ memberId: string; groupInstanceId: string | null; reason: string | null }>,
  ): LeaveResult | Promise<LeaveResult> {
    const at = this.shardOf(groupId);
    if (typeof at === 'number') return { errorCode: at, members: [] };
    return this.runtime.commit(at.partition, at.shard.classic.leaveGroup(groupId, members));
  }

  // ------------------------------------------------------------------------------------------ offsets

  /** Validates and stores a commit; returns an error code per partition in request order. */
  async commitOffsets(req: CommitInput, version: number): Promise<PartitionErrors> {
    const at = this.shardOf(req.groupId);
    if (typeof at === 'number')
      return req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: at })),
      }));
    return this.runtime.commit(at.partition, at.shard.commitOffsets(req, version));
  }

  /** The group-level check of a commit (also for TxnOffsetCommit, KIP-447): 0, or the error every partition gets. */
  checkCommitter(req: CommitInput): number {
    const at = this.shardOf(req.groupId);
    return typeof at === 'number' ? at : at.shard.checkCommitter(req);
  }

  /** Publishes the offsets of a committed transaction; rejects when they could not be written. */
  async commitTransactionalOffsets(groupId: string, writes: OffsetWrite[]): Promise<void> {
    const at = this.shardOf(groupId);
    if (typeof at === 'number') throw Object.assign(new Error(`group ${groupId} is not served here`), { code: at });
    let failed = 0;
    await this.runtime.commit(at.partition, {
      ...at.shard.commitTransactionalOffsets(groupId, writes),
      failed: (code) => {
        failed = code;
      },
    });
    if (failed !== 0) throw Object.assign(new Error(`offsets of group ${groupId} were not written`), { code: failed });
  }

  /** Committed offsets of one group; `topics` null means every partition with an offset. */
  fetchOffsets(
    groupId: string,
    topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    member?: { memberId: string | null; memberEpoch: number },
  ): FetchedGroup {
    const at = this.shardOf(groupId);
    if (typeof at === 'number') return { errorCode: at, topics: [] };
    return at.shard.fetchOffsets(groupId, topics, member);
  }

  /** One committed offset (tests and tools). */
  committedOffset(groupId: string, topic: string, partition: number) {
    const at = this.shardOf(groupId);
    return typeof at === 'number' ? undefined : at.shard.offsets.get(groupId, topic, partition);
  }

  /** Every committed offset of a group (tests and tools). */
  committedOffsets(groupId: string) {
    const at = this.shardOf(groupId);
    return typeof at === 'number' ? undefined : at.shard.offsets.offsetsOf(groupId);
  }

  /** OffsetDelete: refuses partitions of topics the group's members are subscribed to. */
  async deleteOffsets(
    groupId: string,
    topics: Array<{ name: string; partitions: number[] }>,
  ): Promise<{ errorCode: number; topics: PartitionErrors }> {
    const at = this.shardOf(groupId);
    if (typeof at === 'number') return { errorCode: at, topics: [] };
    return this.runtime.commit(at.partition, at.shard.deleteOffsets(groupId, topics));
  }

  /** Removes every group's offsets for a deleted topic, as Kafka does when a topic goes away. */
  async deleteTopic(topic: string): Promise<void> {
    await Promise.all(
      this.runtime.hostedPartitions().map(async (p) => {
        const shard = this.runtime.shard(p);
        if (typeof shard !== 'number') await this.runtime.commit(p, shard.deleteTopic(topic));
      }),
    );
  }

  // ------------------------------------------------------------------------------------------ describe, list, delete

  describeGroup(groupId: string): GroupDescription {
    const at = this.shardOf(groupId);
    if (typeof at === 'number')
      return { errorCode: at, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    return at.shard.describeGroup(groupId);
  }

  /** The group object itself (tests and tools). */
  group(groupId: string) {
    const at = this.shardOf(groupId);
    return typeof at === 'number' ? undefined : at.shard.groups.get(groupId);
  }

  /** Groups of every loaded partition. */
  listGroups(states: string[], types: string[]): ListedGroup[] {
    return this.runtime.activeShards().flatMap((s) => s.listGroups(states, types));
  }

  async deleteGroups(ids: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    const byPartition = new Map<number, string[]>();
    const codes = new Map<string, number>();
    for (const id of ids) {
      const at = this.shardOf(id);
      if (typeof at === 'number') codes.set(id, at);
      else (byPartition.get(at.partition) ?? byPartition.set(at.partition, []).get(at.partition)!).push(id);
    }
    await Promise.all(
      [...byPartition].map(async ([p, group]) => {
        const shard = this.runtime.shard(p) as GroupShard;
        for (const r of await this.runtime.commit(p, shard.deleteGroups(group))) codes.set(r.groupId, r.errorCode);
      }),
    );
    return ids.map((groupId) => ({ groupId, errorCode: codes.get(groupId)! }));
  }

  /** Runs offset expiry on every loaded partition now (it also runs every offsets.retention.check.interval.ms). */
  async expireOffsets(now: number): Promise<number> {
    let n = 0;
    for (const p of this.runtime.hostedPartitions()) {
      const shard = this.runtime.shard(p);
      if (typeof shard !== 'number') n += await this.runtime.commit(p, shard.expireOffsets(now));
    }
    return n;
  }
}
