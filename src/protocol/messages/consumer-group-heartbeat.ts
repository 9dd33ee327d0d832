/** ConsumerGroupHeartbeat (KIP-848): join, stay in or leave a consumer group; the broker assigns partitions. */
import { api, array, arrayOf, int16, int32, string, struct, uuid, type RequestOf, type ResponseOf } from '../schema.js';

const topicPartitions = {
  topicId: uuid(),
  partitions: array(int32()),
};

/** The heartbeat of the new consumer group protocol (KIP-848): join, leave and receive assignments. */
export const ConsumerGroupHeartbeat = api({
  key: 68,
  name: 'ConsumerGroupHeartbeat',
  // Kafka 4.0 added v1 (a topic regex); librdkafka 2.12 speaks only v1, so Samsa accepts it too.
  versions: '0-1',
  kafka39Versions: '0',
  flexible: '0+',
  request: {
    groupId: string(),
    memberId: string(),
    memberEpoch: int32(),
    instanceId: string().nullable('0+').dflt(null),
    rackId: string().nullable('0+').dflt(null),
    rebalanceTimeoutMs: int32().dflt(-1),
    subscribedTopicNames: array(string()).nullable('0+').dflt(null),
    subscribedTopicRegex: string().v('1+').nullable('1+').dflt(null),
    serverAssignor: string().nullable('0+').dflt(null),
    topicPartitions: arrayOf({
      topicId: uuid(),
      partitions: array(int32()),
    })
      .nullable('0+')
      .dflt(null),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string().nullable('0+').dflt(null),
    memberId: string().nullable('0+').dflt(null),
    memberEpoch: int32(),
    heartbeatIntervalMs: int32(),
    assignment: struct({
      topicPartitions: arrayOf(topicPartitions),
    })
      .nullable('0+')
      .dflt(null),
  },
});

export type ConsumerGroupHeartbeatRequest = RequestOf<typeof ConsumerGroupHeartbeat>;
export type ConsumerGroupHeartbeatResponse = ResponseOf<typeof ConsumerGroupHeartbeat>;
