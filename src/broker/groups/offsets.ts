/**
 * Committed offsets and group metadata in the internal compacted topic __consumer_offsets, with an in-memory
 * cache. Every write is one record batch appended to the group's partition (abs(hash(groupId)) % partitions),
 * so a commit of many partitions is still a single append; the cache is updated right after the append, which
 * keeps it in log order. At startup the partitions are read once and the latest record per key wins.
 */
import { replayInternalTopic } from '../internal-topic.js';
import { buildBatch, encodeRecords, type RecordInput } from '../../protocol/records/batch.js';
import type { Logger } from '../../storage/logger.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { BrokerConfig } from '../config/index.js';
import type { TopicManager } from '../topics.js';
import {
  groupKey,
  offsetKey,
  offsetValue,
  groupValue,
  parseGroupValue,
  parseKey,
  parseOffsetValue,
  partitionForGroup,
  type GroupMetadataValue,
  type OffsetValue,
} from './records.js';
import { applyConsumerRecord, type StoredConsumerGroup } from './consumer-records.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** topic -> partition -> committed value */
export type GroupOffsets = Map<string, Map<number, OffsetValue>>;

export interface OffsetWrite {
  topic: string;
  partition: number;
  value: OffsetValue;
}

export interface LoadResult {
  groups: Map<string, GroupMetadataValue>;
  /** KIP-848 consumer groups, as their records left them. */
  consumerGroups: Map<string, StoredConsumerGroup>;
  records: number;
}

export class OffsetStore {
  private readonly byGroup = new Map<string, GroupOffsets>();
  readonly numPartitions: number;

  constructor(
    private readonly topics: TopicManager,
    private readonly config: BrokerConfig,
    private readonly log: Logger,
  ) {
    // An existing topic keeps its partition count even if the setting changed, as in Kafka.
    this.numPartitions = topics.get(OFFSETS_TOPIC)?.partitions ?? config.offsetsTopicNumPartitions;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.numPartitions);
  }

  /** Creates __consumer_offsets (compacted) if it does not exist yet. */
  ensureTopic(): void {
    if (this.topics.get(OFFSETS_TOPIC)) return;
    const res = this.topics.create(OFFSETS_TOPIC, this.numPartitions, 1, {
      'cleanup.policy': 'compact',
      'segment.bytes': String(this.config.offsetsTopicSegmentBytes),
      'compression.type': 'producer',
    });
    if (res.errorCode !== 0) throw new Error(`cannot create ${OFFSETS_TOPIC}: ${res.errorMessage}`);
  }

  private logFor(groupId: string): PartitionLog {
    this.ensureTopic();
    const log = this.topics.partition(OFFSETS_TOPIC, this.partitionFor(groupId));
    if (!log) throw new Error(`${OFFSETS_TOPIC} partition ${this.partitionFor(groupId)} is missing`);
    return log;
  }

  /** Reads every partition of the topic, rebuilding the offsets cache; returns the live group metadata. */
  async load(): Promise<LoadResult> {
    const groups = new Map<string, GroupMetadataValue>();
    const consumerGroups = new Map<string, StoredConsumerGroup>();
    const records = await replayInternalTopic(
      OFFSETS_TOPIC,
      this.topics.partitionsOf(OFFSETS_TOPIC) ?? [],
      this.log,
      (r) => this.applyLoaded(r.key, r.value, groups, consumerGroups),
    );
    return { groups, consumerGroups, records };
  }

  private applyLoaded(
    key: Buffer,
    value: Buffer | null,
    groups: Map<string, GroupMetadataValue>,
    consumerGroups: Map<string, StoredConsumerGroup>,
  ): void {
    const k = parseKey(key);
    if (k.kind === 'consumer') {
      applyConsumerRecord(consumerGroups, k.version, key, value);
      return;
    }
    if (k.kind === 'offset') {
      if (value === null) this.forget(k.group, k.topic, k.partition);
      else this.remember(k.group, k.topic, k.partition, parseOffsetValue(value));
    } else if (k.kind === 'group') {
      if (value === null) groups.delete(k.group);
      else groups.set(k.group, parseGroupValue(value));
    }
  }

  private remember(group: string, topic: string, partition: number, v: OffsetValue): void {
    let g = this.byGroup.get(group);
    if (!g) this.byGroup.set(group, (g = new Map()));
    let t = g.get(topic);
    if (!t) g.set(topic, (t = new Map()));
    t.set(partition, v);
  }

  private forget(group: string, topic: string, partition: number): void {
    const g = this.byGroup.get(group);
    const t = g?.get(topic);
    if (!g || !t) return;
    t.delete(partition);
    if (t.size === 0) g.delete(topic);
    if (g.size === 0) this.byGroup.delete(group);
  }

  /**
   * Appends records for one group as one batch. The append itself happens before this returns (and throws on a
   * storage error); the promise settles once the data is as durable as the partition's flush policy asks.
   */
  private append(groupId: string, records: RecordInput[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const log = this.logFor(groupId);
    const now = Date.now();
    const enc = encodeRecords(records, now);
    const batch = buildBatch(
      {
        recordCount: records.length,
        lastOffsetDelta: enc.lastOffsetDelta,
        baseTimestamp: enc.baseTimestamp,
        maxTimestamp: enc.maxTimestamp,
      },
      enc.data,
    );
    const res = log.appendAsLeader(batch, { recordCount: records.length, maxTimestamp: enc.maxTimestamp });
    return log.requiresDurableAppend ? log.awaitFlush(res.lastOffset + 1) : Promise.resolve();
  }

  /** Stores commits; the cache reflects them as soon as the append returns (before any fsync completes). */
  async commit(groupId: string, writes: OffsetWrite[]): Promise<void> {
    const records: RecordInput[] = writes.map((w) => ({
      key: offsetKey(groupId, w.topic, w.partition),
      value: offsetValue(w.value),
      timestamp: w.value.commitTimestamp,
    }));
    const p = this.append(groupId, records);
    for (const w of writes) this.remember(groupId, w.topic, w.partition, w.value);
    await p;
  }

  /** Writes tombstones for the given partitions of a group (only those that have a committed offset). */
  async delete(groupId: string, parts: Array<{ topic: string; partition: number }>): Promise<void> {
    const present = parts.filter((p) => this.get(groupId, p.topic, p.partition) !== undefined);
    const p = this.append(
      groupId,
      present.map((x) => ({ key: offsetKey(groupId, x.topic, x.partition), value: null })),
    );
    for (const x of present) this.forget(groupId, x.topic, x.partition);
    await p;
  }

  /** Removes every group's offsets for a deleted topic, as Kafka does when a topic goes away. */
  async deleteTopic(topic: string): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const [groupId, topics] of this.byGroup) {
      const parts = topics.get(topic);
      if (parts)
        pending.push(
          this.delete(
            groupId,
            [...parts.keys()].map((partition) => ({ topic, partition })),
          ),
        );
    }
    await Promise.all(pending);
  }

  /**
   * Appends records of one group (KIP-848 group state) as one batch. The append is done when this returns (it
   * throws on a storage error); the promise settles when the partition's flush policy is met.
   */
  appendRecords(groupId: string, records: RecordInput[]): Promise<void> {
    return this.append(groupId, records);
  }

  /** Whether appends for this group wait for fdatasync (the offsets partition's flush policy is per write). */
  requiresDurableAppend(groupId: string): boolean {
    return this.logFor(groupId).requiresDurableAppend;
  }

  /**
   * Removes every offset of a group and, with `metadata`, its group record too; `extra` records (tombstones of
   * a consumer group's state) go into the same batch.
   */
  async deleteGroup(groupId: string, metadata: boolean, extra: RecordInput[] = []): Promise<void> {
    const records: RecordInput[] = [...extra];
    for (const [topic, parts] of this.byGroup.get(groupId) ?? []) {
      for (const partition of parts.keys()) records.push({ key: offsetKey(groupId, topic, partition), value: null });
    }
    if (metadata) records.push({ key: groupKey(groupId), value: null });
    const p = this.append(groupId, records);
    this.byGroup.delete(groupId);
    await p;
  }

  /** A tombstone for the classic group record only (the group's offsets stay). */
  deleteGroupRecord(groupId: string): Promise<void> {
    return this.append(groupId, [{ key: groupKey(groupId), value: null }]);
  }

  async storeGroup(groupId: string, value: GroupMetadataValue): Promise<void> {
    await this.append(groupId, [{ key: groupKey(groupId), value: groupValue(value) }]);
  }

  get(groupId: string, topic: string, partition: number): OffsetValue | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  offsetsOf(groupId: string): GroupOffsets | undefined {
    return this.byGroup.get(groupId);
  }

  hasOffsets(groupId: string): boolean {
    return this.byGroup.has(groupId);
  }

  groupIds(): IterableIterator<string> {
    return this.byGroup.keys();
  }
}
