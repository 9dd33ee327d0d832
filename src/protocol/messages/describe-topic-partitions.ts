/**
 * DescribeTopicPartitions (KIP-966): topics with their partitions' leaders, replicas, ISR and eligible leader
 * replicas, a page at a time (ResponsePartitionLimit, Cursor in, NextCursor out).
 */
import {
  api,
  array,
  arrayOf,
  bool,
  int16,
  int32,
  string,
  struct,
  uuid,
  type RequestOf,
  type ResponseOf,
} from '../schema.js';

export const DescribeTopicPartitions = api({
  key: 75,
  name: 'DescribeTopicPartitions',
  versions: '0',
  flexible: '0+',
  request: {
    topics: arrayOf({ name: string() }),
    responsePartitionLimit: int32().dflt(2000),
    cursor: struct({ topicName: string(), partitionIndex: int32() }).nullable('0+').dflt(null),
  },
  response: {
    throttleTimeMs: int32(),
    topics: arrayOf({
      errorCode: int16(),
      name: string().nullable('0+'),
      topicId: uuid(),
      isInternal: bool().dflt(false),
      partitions: arrayOf({
        errorCode: int16(),
        partitionIndex: int32(),
        leaderId: int32(),
        leaderEpoch: int32().dflt(-1),
        replicaNodes: array(int32()),
        isrNodes: array(int32()),
        eligibleLeaderReplicas: array(int32()).nullable('0+').dflt(null),
        lastKnownElr: array(int32()).nullable('0+').dflt(null),
        offlineReplicas: array(int32()),
      }),
      topicAuthorizedOperations: int32().dflt(-2147483648),
    }),
    nextCursor: struct({ topicName: string(), partitionIndex: int32() }).nullable('0+').dflt(null),
  },
});

export type DescribeTopicPartitionsRequest = RequestOf<typeof DescribeTopicPartitions>;
export type DescribeTopicPartitionsResponse = ResponseOf<typeof DescribeTopicPartitions>;
