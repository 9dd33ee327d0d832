/**
 * Rebuilding a KIP-848 consumer group from the records a shard read back from __consumer_offsets at load.
 */
import { ASSIGNORS, type Assignment } from './assignors.js';
import { ConsumerGroup } from './consumer.js';
import { compileTopicRegex, ConsumerMember, size, type ConsumerGroupContext } from './consumer-member.js';
import {
  CurrentMemberKeyLayout,
  MEMBER_STATE_UNRELEASED_PARTITIONS,
  PartitionMetadataValueLayout,
  TargetMemberKeyLayout,
  type StoredConsumerGroup,
  type StoredTopicPartitions,
} from './consumer-records.js';

/**
 * Rebuilds a group from its records in __consumer_offsets. Members keep their epochs, subscriptions, owned and
 * revoking partitions and targets; their session timeouts start now. Nothing is rebalanced: the next heartbeat
 * bumps the epoch only if something changed meanwhile, as it would have before the restart.
 */
export function restoreConsumerGroup(
  groupId: string,
  ctx: ConsumerGroupContext,
  stored: StoredConsumerGroup,
): ConsumerGroup {
  const g = new ConsumerGroup(groupId, ctx);
  const byName = (tps: StoredTopicPartitions | undefined): Assignment => {
    const a: Assignment = new Map();
    for (const tp of tps ?? []) {
      const name = ctx.topics.nameForId(tp.topicId);
      if (name !== undefined && tp.partitions.length > 0) a.set(name, new Set(tp.partitions));
    }
    return a;
  };
  g.groupEpoch = stored.epoch ?? 0;
  g.assignmentEpoch = stored.assignmentEpoch ?? g.groupEpoch;
  let assignor: string | undefined;
  const orphans: string[] = [];
  for (const [memberId, s] of stored.members) {
    const md = s.metadata;
    if (md === undefined) {
      orphans.push(memberId);
      continue;
    }
    const m = new ConsumerMember(memberId, md.instanceId, md.rackId, md.clientId, md.clientHost);
    m.names = [...new Set(md.subscribedTopicNames)].sort();
    const re =
      md.subscribedTopicRegex === null || md.subscribedTopicRegex === ''
        ? undefined
        : compileTopicRegex(md.subscribedTopicRegex);
    m.regex = re === undefined ? null : { source: md.subscribedTopicRegex!, re };
    if (md.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = md.rebalanceTimeoutMs;
    if (md.serverAssignor !== null && ASSIGNORS.has(md.serverAssignor)) assignor ??= md.serverAssignor;
    if (s.current !== undefined) {
      m.memberEpoch = s.current.memberEpoch;
      m.previousMemberEpoch = s.current.previousMemberEpoch;
      m.assigned = byName(s.current.assignedPartitions);
      m.revoking = byName(s.current.partitionsPendingRevocation);
      m.unreleased = s.current.state === MEMBER_STATE_UNRELEASED_PARTITIONS;
    }
    // The member may have missed the last response before the restart: its next one carries its assignment.
    m.dirty = true;
    g.members.set(memberId, m);
    if (s.target !== undefined) g.target.set(memberId, byName(s.target));
  }
  if (assignor !== undefined) g.assignorName = assignor;
  g.matchSubscriptions();
  // The partition counts the target was computed from: a topic missing from the record had none then.
  if (stored.partitionMetadata !== undefined) {
    const counts = new Map(stored.partitionMetadata.topics.map((t) => [t.topicName, t.numPartitions]));
    g.metadataSignature = [...g.subscribedTopics()]
      .sort()
      .map((t) => `${t}:${counts.get(t) ?? 0}`)
      .join(',');
  } else {
    g.metadataSignature = g.signature();
  }
  for (const m of g.members.values()) {
    g.scheduleSession(m);
    if (size(m.revoking) > 0) g.scheduleRevoke(m);
  }
  // What the log holds now, so that only changes are written from here on.
  for (const [name, key, value] of g.records(true, g.members.values())) g.written.set(name, { key: key(), value });
  if (stored.partitionMetadata !== undefined)
    g.written.get('p')!.value = PartitionMetadataValueLayout.encode(stored.partitionMetadata);
  // Records of members without metadata are left over: the next flush deletes them.
  for (const memberId of orphans) {
    g.written.set(`t\0${memberId}`, {
      key: TargetMemberKeyLayout.encode({ groupId, memberId }),
      value: Buffer.alloc(0),
    });
    g.written.set(`c\0${memberId}`, {
      key: CurrentMemberKeyLayout.encode({ groupId, memberId }),
      value: Buffer.alloc(0),
    });
    g.removed.add(memberId);
  }
  return g;
}
