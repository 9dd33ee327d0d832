/**
 * One shard of the group coordinator: the groups and committed offsets of one __consumer_offsets partition. It is
 * rebuilt by replaying the partition's records (offsets, classic group records, KIP-848 group records) and holds
 * the classic state machine (ClassicGroupManager), the KIP-848 groups and the offsets (OffsetMetadataManager).
 * Its operations are synchronous and return their response with the records to write; the shard runtime writes
 * them. Reads (describe, list, fetch offsets) answer from memory.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { decodeSubscription } from '../../protocol/consumer-protocol.js';
import type { RecordInput } from '../../protocol/records/batch.js';
import type { Logger } from '../../storage/logger.js';
import type { BrokerConfig } from '../config/index.js';
import { result, type CoordinatorResult, type CoordinatorShard, type ShardContext } from '../coordinator/runtime.js';
import type { TopicManager } from '../topics.js';
import type { CommitInput, FetchedGroup, Group, GroupDescription, ListedGroup } from './api.js';
import { ClassicGroup, EMPTY_BYTES } from './classic.js';
import { ClassicGroupManager } from './classic-manager.js';
import { ConsumerGroup, type HeartbeatInput, type HeartbeatOutput } from './consumer.js';
import { heartbeatError, type ConsumerGroupContext } from './consumer-member.js';
import { applyConsumerRecord, type StoredConsumerGroup } from './consumer-records.js';
import { restoreConsumerGroup } from './consumer-restore.js';
import { describeAsClassic, describeConsumerGroup } from './consumer-views.js';
import { committedValue, OffsetMetadataManager, type OffsetChange, type OffsetWrite } from './offsets.js';
import { groupKey, parseGroupValue, parseKey, parseOffsetValue, type GroupMetadataValue } from './records.js';
import { escapeForLog } from '../logger.js';

export interface GroupShardDeps {
  config: BrokerConfig;
  topics: TopicManager;
  log: Logger;
  /** KIP-848 session timeout and heartbeat interval. */
  consumerSessionTimeoutMs: number;
  consumerHeartbeatIntervalMs: number;
}

type PartitionErrors = Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;

export class GroupShard implements CoordinatorShard {
  readonly groups = new Map<string, Group>();
  readonly offsets = new OffsetMetadataManager();
  readonly classic: ClassicGroupManager;
  private readonly consumerCtx: ConsumerGroupContext;
  /** Group records read at load, turned into groups once the whole partition is read. */
  private loading: { classic: Map<string, GroupMetadataValue>; consumer: Map<string, StoredConsumerGroup> } = {
    classic: new Map(),
    consumer: new Map(),
  };

  constructor(
    private readonly ctx: ShardContext,
    private readonly d: GroupShardDeps,
  ) {
    this.consumerCtx = {
      timers: ctx.timers,
      topics: d.topics,
      log: d.log,
      sessionTimeoutMs: d.consumerSessionTimeoutMs,
      heartbeatIntervalMs: d.consumerHeartbeatIntervalMs,
    };
    this.classic = new ClassicGroupManager({
      config: d.config,
      log: d.log,
      timers: ctx.timers,
      groups: this.groups,
      removeConsumerGroup: (g) => this.removeConsumerGroup(g),
    });
  }

  private get now(): number {
    return this.ctx.clock.now();
  }

  // ------------------------------------------------------------------------------------------ load, unload

  replay(key: Buffer, value: Buffer | null): void {
    const k = parseKey(key);
    if (k.kind === 'consumer') applyConsumerRecord(this.loading.consumer, k.version, key, value);
    else if (k.kind === 'offset') this.offsets.replay(k.group, k.topic, k.partition, value && parseOffsetValue(value));
    else if (k.kind === 'group') {
      if (value === null) this.loading.classic.delete(k.group);
      else this.loading.classic.set(k.group, parseGroupValue(value));
    }
  }

  onLoaded(): void {
    const { classic, consumer } = this.loading;
    this.loading = { classic: new Map(), consumer: new Map() };
    for (const [id, v] of classic) {
      const g = ClassicGroup.fromRecord(id, v, this.now);
      this.groups.set(id, g);
      this.classic.restored(g);
    }
    for (const [id, stored] of consumer) {
      // Samsa deletes one kind's records when a group changes kind; should both be there, the classic one wins
      // unless it is empty.
      const other = this.groups.get(id);
      if (other?.kind === 'classic' && other.members.size > 0) continue;
      if (stored.epoch === undefined) continue;
      this.groups.set(id, restoreConsumerGroup(id, this.consumerCtx, stored));
    }
    // Groups that only ever had simple commits have no group record; they exist through their offsets.
    for (const id of this.offsets.groupIds())
      if (!this.groups.has(id)) this.groups.set(id, new ClassicGroup(id, this.now));
    this.scheduleExpiry();
  }

  onUnloaded(errorCode: number): void {
    this.classic.unload(errorCode);
    this.groups.clear();
  }

  // ------------------------------------------------------------------------------------------ KIP-848

  consumerGroupHeartbeat(req: HeartbeatInput): CoordinatorResult<HeartbeatOutput> {
    if (req.groupId === '') return result(heartbeatError(ErrorCode.INVALID_GROUP_ID, 'The group id is empty.'));
    let records: RecordInput[] = [];
    let g = this.groups.get(req.groupId);
    if (g?.kind === 'classic') {
      if (g.members.size > 0 || g.state !== 'Empty')
        return result(heartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`));
      // An empty classic group (for example one with only committed offsets) becomes a consumer group; its
      // group record goes, so that a restart does not bring the classic group back.
      g.state = 'Dead';
      this.groups.delete(req.groupId);
      g = undefined;
      records = [{ key: groupKey(req.groupId), value: null }];
    }
    if (g === undefined) {
      if (req.memberEpoch !== 0)
        return result(
          heartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} has no member ${req.memberId}.`),
          records,
        );
      g = new ConsumerGroup(req.groupId, this.consumerCtx);
      this.groups.set(req.groupId, g);
    }
    const r = g.heartbeat(req);
    return { ...r, records: [...records, ...r.records] };
  }

  consumerGroupDescribe(
    groupId: string,
  ): ReturnType<typeof describeConsumerGroup> | { errorCode: number; errorMessage: string; groupId: string } {
    const g = this.groups.get(groupId);
    if (g === undefined)
      return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.`, groupId };
    if (g.kind !== 'consumer')
      return {
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: `Group ${groupId} is not a consumer group.`,
        groupId,
      };
    return describeConsumerGroup(g, this.d.topics);
  }

  /** Forgets an empty consumer group; returns the tombstones of its records (its offsets stay). */
  removeConsumerGroup(g: ConsumerGroup): RecordInput[] {
    g.close();
    this.groups.delete(g.groupId);
    return g.tombstones();
  }

  // ------------------------------------------------------------------------------------------ offsets

  /** Validates and stores a commit; an error code per partition in request order. */
  commitOffsets(req: CommitInput, version: number): CoordinatorResult<PartitionErrors> {
    const all = (code: number) =>
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
      }));
    if (req.groupId === '') return result(all(ErrorCode.INVALID_GROUP_ID));
    const groupError = this.checkCommitter(req);
    if (groupError !== 0) return result(all(groupError));

    const now = this.now;
    const maxMeta = this.d.config.offsetMetadataMaxBytes;
    const writes: OffsetWrite[] = [];
    const response = req.topics.map((t) => {
      const logs = this.d.topics.partitionsOf(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          let errorCode = 0;
          if (logs === undefined || p.partitionIndex < 0 || p.partitionIndex >= logs.length)
            errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if (p.committedMetadata !== null && p.committedMetadata.length > maxMeta)
            errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
          else {
            writes.push({
              topic: t.name,
              partition: p.partitionIndex,
              value: committedValue(p, version === 1 && p.commitTimestamp >= 0 ? p.commitTimestamp : now),
            });
          }
          return { partitionIndex: p.partitionIndex, errorCode };
        }),
      };
    });
    if (writes.length === 0) return result(response);
    // Simple commits make the group exist (Empty, no protocol), as in Kafka, so it is listed and described.
    if (!this.groups.has(req.groupId)) this.groups.set(req.groupId, new ClassicGroup(req.groupId, now));
    const change = this.offsets.commit(req.groupId, writes);
    return {
      response,
      records: change.records,
      appended: change.apply,
      failed: (code) =>
        response.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ ...p, errorCode: p.errorCode === 0 ? code : p.errorCode })),
        })),
    };
  }

  /** Offsets of a committed transaction (staged by the transaction coordinator) become the group's. */
  commitTransactionalOffsets(groupId: string, writes: OffsetWrite[]): CoordinatorResult<void> {
    const change = this.offsets.commit(groupId, writes);
    return { response: undefined, records: change.records, appended: change.apply };
  }

  /** The group-level check of a commit: 0, or the error every partition gets. */
  checkCommitter(req: CommitInput): number {
    const g = this.groups.get(req.groupId);
    const simple = req.generationIdOrMemberEpoch < 0 && req.memberId === '';
    if (g === undefined)
      return simple
        ? 0
        : req.generationIdOrMemberEpoch >= 0
          ? ErrorCode.ILLEGAL_GENERATION
          : ErrorCode.UNKNOWN_MEMBER_ID;
    if (g.kind === 'consumer') return g.checkCommit(req.memberId, req.generationIdOrMemberEpoch, simple);
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationIdOrMemberEpoch < 0 && req.memberId === '' && req.groupInstanceId === null) {
      // A commit from outside the group (admin tools, manual assignment) is only allowed while nobody is in it.
      return g.state === 'Empty' ? 0 : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (g.isStaticFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const m = g.members.get(req.memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationIdOrMemberEpoch !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (g.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.classic.scheduleHeartbeat(g, m);
    return 0;
  }

  /** Committed offsets of one group; `topics` null means every partition with an offset. */
  fetchOffsets(
    groupId: string,
    topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    member?: { memberId: string | null; memberEpoch: number },
  ): FetchedGroup {
    if (member && member.memberId !== null) {
      const g = this.groups.get(groupId);
      if (g?.kind === 'consumer') {
        const code = g.checkFetch(member.memberId, member.memberEpoch);
        if (code !== 0) return { errorCode: code, topics: [] };
      }
    }
    const stored = this.offsets.offsetsOf(groupId);
    const out: FetchedGroup['topics'] = [];
    if (topics === null) {
      for (const [name, parts] of stored ?? []) {
        out.push({
          name,
          partitions: [...parts].map(([partitionIndex, v]) => ({
            partitionIndex,
            committedOffset: v.offset,
            committedLeaderEpoch: v.leaderEpoch,
            metadata: v.metadata,
            errorCode: 0,
          })),
        });
      }
      return { errorCode: 0, topics: out };
    }
    for (const t of topics) {
      const parts = stored?.get(t.name);
      out.push({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const v = parts?.get(partitionIndex);
          return v
            ? {
                partitionIndex,
                committedOffset: v.offset,
                committedLeaderEpoch: v.leaderEpoch,
                metadata: v.metadata,
                errorCode: 0,
              }
            : { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 };
        }),
      });
    }
    return { errorCode: 0, topics: out };
  }

  /** OffsetDelete: refuses partitions of topics the group's members are subscribed to. */
  deleteOffsets(
    groupId: string,
    topics: Array<{ name: string; partitions: number[] }>,
  ): CoordinatorResult<{ errorCode: number; topics: PartitionErrors }> {
    if (groupId === '') return result({ errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] });
    const g = this.groups.get(groupId);
    if (g === undefined && !this.offsets.hasOffsets(groupId))
      return result({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] });
    let subscribed: Set<string> | undefined;
    if (g?.kind === 'classic' && g.state !== 'Empty' && g.state !== 'Dead') {
      if (g.protocolType !== 'consumer') return result({ errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] });
      subscribed = this.classicSubscriptions(g);
    } else if (g?.kind === 'consumer') {
      subscribed = g.subscribedTopics();
    }
    const del: Array<{ topic: string; partition: number }> = [];
    const out = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partitionIndex) => {
        let errorCode = 0;
        if (subscribed?.has(t.name)) errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else if (
          this.d.topics.partition(t.name, partitionIndex) === undefined &&
          this.offsets.get(groupId, t.name, partitionIndex) === undefined
        ) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else del.push({ topic: t.name, partition: partitionIndex });
        return { partitionIndex, errorCode };
      }),
    }));
    const change = this.offsets.delete(groupId, del);
    return {
      response: { errorCode: 0, topics: out },
      records: change.records,
      appended: change.apply,
      failed: (errorCode) => ({ errorCode, topics: [] }),
    };
  }

  /** Every group's offsets of a deleted topic become tombstones. */
  deleteTopic(topic: string): CoordinatorResult<void> {
    const change = this.offsets.deleteTopic(topic);
    return { response: undefined, records: change.records, appended: change.apply };
  }

  private classicSubscriptions(g: ClassicGroup): Set<string> {
    const topics = new Set<string>();
    for (const m of g.members.values()) {
      try {
        for (const t of decodeSubscription(m.metadataFor(g.protocolName)).topics) topics.add(t);
      } catch {
        // Not the consumer embedded protocol: nothing to protect.
      }
    }
    return topics;
  }

  // ------------------------------------------------------------------------------------------ describe, list, delete

  describeGroup(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (g === undefined) {
      return { errorCode: 0, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    }
    if (g.kind === 'consumer') return describeAsClassic(g);
    const stable = g.state === 'Stable';
    return {
      errorCode: 0,
      groupId,
      groupState: g.state,
      protocolType: g.protocolType ?? '',
      protocolData: stable ? (g.protocolName ?? '') : '',
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(g.protocolName) : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  listGroups(states: string[], types: string[]): ListedGroup[] {
    const wantStates = new Set(states.map((s) => s.toLowerCase()));
    const wantTypes = new Set(types.map((s) => s.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      const row =
        g.kind === 'classic'
          ? { groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }
          : { groupId: g.groupId, protocolType: 'consumer', groupState: g.stateName(), groupType: 'consumer' };
      if (row.groupState === 'Dead') continue;
      if (wantStates.size > 0 && !wantStates.has(row.groupState.toLowerCase())) continue;
      if (wantTypes.size > 0 && !wantTypes.has(row.groupType)) continue;
      out.push(row);
    }
    return out;
  }

  /** DeleteGroups for the ids of this shard: one batch of tombstones; a failed write fails every deleted id. */
  deleteGroups(ids: string[]): CoordinatorResult<Array<{ groupId: string; errorCode: number }>> {
    const response: Array<{ groupId: string; errorCode: number }> = [];
    const changes: OffsetChange[] = [];
    for (const id of ids) {
      const g = this.groups.get(id);
      let errorCode = 0;
      if (id === '') errorCode = ErrorCode.INVALID_GROUP_ID;
      else if (g === undefined && !this.offsets.hasOffsets(id)) errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
      else if (g !== undefined && !(g.kind === 'classic' ? g.state === 'Empty' : g.members.size === 0))
        errorCode = ErrorCode.NON_EMPTY_GROUP;
      else {
        if (g?.kind === 'classic') g.state = 'Dead';
        // A consumer group's records all become tombstones, in the same batch as its offsets'.
        const tombstones = g?.kind === 'consumer' ? this.removeConsumerGroup(g) : [];
        this.groups.delete(id);
        const change = this.offsets.deleteGroup(id, true);
        changes.push({ records: [...tombstones, ...change.records], apply: change.apply });
      }
      response.push({ groupId: id, errorCode });
    }
    return {
      response,
      records: changes.flatMap((c) => c.records),
      appended: () => {
        for (const c of changes) c.apply();
      },
      failed: (code) => response.map((r) => (r.errorCode === 0 ? { ...r, errorCode: code } : r)),
    };
  }

  // ------------------------------------------------------------------------------------------ expiry

  private scheduleExpiry(): void {
    this.ctx.timers.set('expire-offsets', this.d.config.offsetsRetentionCheckIntervalMs, () => {
      const r = this.expireOffsets(this.now);
      this.scheduleExpiry();
      return r.records;
    });
  }

  /**
   * Drops offsets of groups without members once offsets.retention.minutes has passed: counted from the moment
   * a classic group became empty, or from each commit for groups that never had members. Empty groups without
   * offsets are forgotten. The cache changes at once; the records (tombstones) are written after.
   */
  expireOffsets(now: number): CoordinatorResult<number> {
    const retention = this.d.config.offsetsRetentionMinutes * 60_000;
    const records: RecordInput[] = [];
    const forget = (groupId: string): void => {
      const g = this.groups.get(groupId);
      if (g?.kind === 'consumer') {
        records.push(...this.removeConsumerGroup(g));
        return;
      }
      if (g?.kind === 'classic') g.state = 'Dead';
      this.groups.delete(groupId);
      const change = this.offsets.deleteGroup(groupId, true);
      change.apply();
      records.push(...change.records);
    };
    let expired = 0;
    // Empty groups that hold no offsets are forgotten right away, as Kafka's cleanup does.
    for (const g of [...this.groups.values()]) {
      if (this.offsets.hasOffsets(g.groupId)) continue;
      if (g.kind === 'classic' && g.state === 'Empty' && g.pending.size === 0) forget(g.groupId);
      else if (g.kind === 'consumer' && g.members.size === 0) forget(g.groupId);
    }
    for (const groupId of [...this.offsets.groupIds()]) {
      const g = this.groups.get(groupId);
      if (g?.kind === 'consumer' && g.members.size > 0) continue;
      if (g?.kind === 'classic' && g.state !== 'Empty') continue;
      const since = g?.kind === 'classic' && g.protocolType !== null ? g.stateTimestamp : undefined;
      const gone: Array<{ topic: string; partition: number }> = [];
      for (const [topic, parts] of this.offsets.offsetsOf(groupId) ?? []) {
        for (const [partition, v] of parts) {
          if (now - (since ?? v.commitTimestamp) >= retention) gone.push({ topic, partition });
        }
      }
      if (gone.length === 0) continue;
      const change = this.offsets.delete(groupId, gone);
      change.apply();
      records.push(...change.records);
      expired += gone.length;
      this.d.log.info(`group ${escapeForLog(groupId)}: expired ${gone.length} committed offset(s)`);
      if (!this.offsets.hasOffsets(groupId)) forget(groupId);
    }
    return { response: expired, records };
  }
}
