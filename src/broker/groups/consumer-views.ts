/**
 * What ConsumerGroupDescribe and (for old admin tools) DescribeGroups show of a KIP-848 consumer group.
 */
import { encodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js';
import { ZERO_UUID } from '../../protocol/schema.js';
import type { TopicManager } from '../topics.js';
import type { GroupDescription } from './api.js';
import type { Assignment } from './assignors.js';
import type { ConsumerGroup } from './consumer.js';

export function describeConsumerGroup(g: ConsumerGroup, topics: TopicManager) {
  const view = (a: Assignment) => ({
    topicPartitions: [...a].map(([t, s]) => ({
      topicId: topics.get(t)?.topicId ?? ZERO_UUID, // a deleted topic has no id left
      topicName: t,
      partitions: [...s].sort((x, y) => x - y),
    })),
  });
  return {
    errorCode: 0,
    errorMessage: null,
    groupId: g.groupId,
    groupState: g.stateName(),
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    assignorName: g.assignorName,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: m.names,
      subscribedTopicRegex: m.regex?.source ?? null,
      assignment: view(m.assigned),
      targetAssignment: view(g.target.get(m.memberId) ?? new Map()),
    })),
    authorizedOperations: -2147483648,
  };
}

/** DescribeGroups (classic API) view, with the embedded consumer protocol so old admin tools can read it. */
export function describeAsClassic(g: ConsumerGroup): GroupDescription {
  return {
    errorCode: 0,
    groupId: g.groupId,
    groupState: g.stateName(),
    protocolType: 'consumer',
    protocolData: g.assignorName,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: encodeSubscription(
        { topics: m.subscribed, userData: null, ownedPartitions: [], generationId: -1, rackId: m.rackId },
        0,
      ),
      memberAssignment: encodeAssignment(
        {
          assignedPartitions: [...m.assigned].map(([topic, s]) => ({
            topic,
            partitions: [...s].sort((x, y) => x - y),
          })),
          userData: null,
        },
        0,
      ),
    })),
  };
}
