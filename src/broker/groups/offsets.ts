/**
 * Committed offsets of the groups of one __consumer_offsets partition (one shard): an in-memory cache that follows
 * the log, and the records that change it. A commit of many partitions is one batch; the cache takes it right after
 * the append (before any fsync), so it stays in log order. At load the partition's offset records are replayed,
 * the latest per key winning and tombstones deleting.
 */
import type { RecordInput } from '../../protocol/records/batch.js';
import { groupKey, offsetKey, offsetValue, type OffsetValue } from './records.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** topic -> partition -> committed value */
export type GroupOffsets = Map<string, Map<number, OffsetValue>>;

export interface OffsetWrite {
  topic: string;
  partition: number;
  value: OffsetValue;
}

/** The committed value of one partition of an OffsetCommit or TxnOffsetCommit request. */
export const committedValue = (
  p: { committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null },
  commitTimestamp: number,
): OffsetValue => ({
  offset: p.committedOffset,
  leaderEpoch: p.committedLeaderEpoch,
  metadata: p.committedMetadata ?? '',
  commitTimestamp,
});

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Records to write and the change of the cache that follows once they are appended. */
export interface OffsetChange {
  records: RecordInput[];
  apply: () => void;
}

const join = (changes: OffsetChange[]): OffsetChange => ({
  records: changes.flatMap((c) => c.records),
  apply: () => {
    for (const c of changes) c.apply();
  },
});

export class OffsetMetadataManager {
  private readonly byGroup = new Map<string, GroupOffsets>();

  /** Applies one offset record read back from the log (null: a tombstone). */
  replay(group: string, topic: string, partition: number, value: OffsetValue | null): void {
    if (value === null) this.forget(group, topic, partition);
    else this.remember(group, topic, partition, value);
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

  /** The records of a commit, and what to apply once they are appended. */
  commit(groupId: string, writes: OffsetWrite[]): OffsetChange {
    const records: RecordInput[] = writes.map((w) => ({
      key: offsetKey(groupId, w.topic, w.partition),
      value: offsetValue(w.value),
      timestamp: w.value.commitTimestamp,
    }));
    return { records, apply: () => this.applyCommit(groupId, writes) };
  }

  applyCommit(groupId: string, writes: OffsetWrite[]): void {
    for (const w of writes) this.remember(groupId, w.topic, w.partition, w.value);
  }

  /** Tombstones for the given partitions of a group (only those with a committed offset). */
  delete(groupId: string, parts: TopicPartition[]): OffsetChange {
    const present = parts.filter((p) => this.get(groupId, p.topic, p.partition) !== undefined);
    return {
      records: present.map((x) => ({ key: offsetKey(groupId, x.topic, x.partition), value: null })),
      apply: () => {
        for (const x of present) this.forget(groupId, x.topic, x.partition);
      },
    };
  }

  /** Tombstones for every group's offsets of a deleted topic, as Kafka writes when a topic goes away. */
  deleteTopic(topic: string): OffsetChange {
    const changes: OffsetChange[] = [];
    for (const [groupId, topics] of this.byGroup) {
      const parts = topics.get(topic);
      if (parts)
        changes.push(
          this.delete(
            groupId,
            [...parts.keys()].map((partition) => ({ topic, partition })),
          ),
        );
    }
    return join(changes);
  }

  /** Tombstones for every offset of a group and, with `metadata`, its group record. */
  deleteGroup(groupId: string, metadata: boolean): OffsetChange {
    const records: RecordInput[] = [];
    for (const [topic, parts] of this.byGroup.get(groupId) ?? []) {
      for (const partition of parts.keys()) records.push({ key: offsetKey(groupId, topic, partition), value: null });
    }
    if (metadata) records.push({ key: groupKey(groupId), value: null });
    return { records, apply: () => this.byGroup.delete(groupId) };
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
