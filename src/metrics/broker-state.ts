/**
 * What the metrics read from the broker at scrape time, through a few small accessor functions: the partitions
 * this broker holds (with leader, replicas and in-sync replicas, log size and offsets), the consumer groups (state,
 * members, committed offsets) and the parked fetches. The broker core is being reshaped for clusters (replica
 * manager, metadata view); keeping every read here means the metrics follow it by changing this file alone.
 */
import type { Broker } from '../broker/broker.js';

export interface PartitionState {
  topic: string;
  partition: number;
  internal: boolean;
  /** Node id of the leader, -1 when the partition has none (offline). */
  leader: number;
  replicas: number[];
  isr: number[];
  /** Bytes in the partition's log on this broker. */
  size: number;
  segments: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
}

/** The partitions hosted on this broker, led here or followed, as the replica manager knows them. */
export function partitionStates(broker: Broker): PartitionState[] {
  const out: PartitionState[] = [];
  for (const p of broker.replicas.all()) {
    const log = p.log;
    if (log.isClosed) continue;
    out.push({
      topic: p.topic,
      partition: p.index,
      internal: broker.topics.isInternal(p.topic),
      leader: p.leader,
      replicas: [...p.replicas],
      isr: [...p.isr],
      size: log.size,
      segments: log.segmentCount,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      highWatermark: log.highWatermark,
    });
  }
  return out;
}

/** Topic names this broker knows, for dropping the per-topic series of deleted topics. */
export function topicNames(broker: Broker): Set<string> {
  return new Set(broker.topics.names());
}

export interface GroupState {
  group: string;
  /** Kafka's state name: Empty, Stable, PreparingRebalance, CompletingRebalance, Assigning, Reconciling, ... */
  state: string;
  /** classic or consumer (KIP-848). */
  type: string;
  members: number;
}

/** Consumer groups this broker coordinates. */
export function groupStates(broker: Broker): GroupState[] {
  return broker.groups.listGroups([], []).map((g) => ({
    group: g.groupId,
    state: g.groupState,
    type: g.groupType,
    members: broker.groups.describeGroup(g.groupId).members.length,
  }));
}

export interface CommittedOffset {
  group: string;
  topic: string;
  partition: number;
  offset: number;
}

/** Committed offsets of every group this broker coordinates (groups with offsets and no members are Empty). */
export function committedOffsets(broker: Broker): CommittedOffset[] {
  const out: CommittedOffset[] = [];
  for (const g of broker.groups.listGroups([], [])) {
    const byTopic = broker.groups.committedOffsets(g.groupId);
    if (byTopic === undefined) continue;
    for (const [topic, parts] of byTopic) {
      for (const [partition, v] of parts) out.push({ group: g.groupId, topic, partition, offset: v.offset });
    }
  }
  return out;
}

/** Fetches parked waiting for data (Kafka's fetch purgatory). */
export function fetchPurgatorySize(broker: Broker): number {
  return broker.waiters.size;
}

/** acks=all produces waiting for the in-sync replicas (Kafka's produce purgatory). */
export function producePurgatorySize(broker: Broker): number {
  let n = 0;
  for (const p of broker.replicas.all()) n += p.pendingAcks;
  return n;
}

/** Whether an ISR change published on the observation point is this broker's (the partition holds that very list). */
export function isOwnIsrChange(broker: Broker, topic: string, partition: number, isr: readonly number[]): boolean {
  return broker.replicas.get(topic, partition)?.isr === isr;
}
