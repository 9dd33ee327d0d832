/** ConsumerGroupDescribe (KIP-848): members, epochs and assignments of consumer groups. */
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

const topicPartitions = {
  topicId: uuid(),
  topicName: string(),
  partitions: array(int32()),
};

const assignment = {
  topicPartitions: arrayOf(topicPartitions),
};

/** Reports the state, members and assignments of groups of the new consumer protocol. */
export const ConsumerGroupDescribe = api({
  key: 69,
  name: 'ConsumerGroupDescribe',
  versions: '0',
  flexible: '0+',
  request: {
    groupIds: array(string()),
    includeAuthorizedOperations: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    groups: arrayOf({
      errorCode: int16(),
      errorMessage: string().nullable('0+').dflt(null),
      groupId: string(),
      groupState: string(),
      groupEpoch: int32(),
      assignmentEpoch: int32(),
      assignorName: string(),
      members: arrayOf({
        memberId: string(),
        instanceId: string().nullable('0+').dflt(null),
        rackId: string().nullable('0+').dflt(null),
        memberEpoch: int32(),
        clientId: string(),
        clientHost: string(),
        subscribedTopicNames: array(string()),
        subscribedTopicRegex: string().nullable('0+').dflt(null),
        assignment: struct(assignment),
        targetAssignment: struct(assignment),
      }),
      authorizedOperations: int32().dflt(-2147483648),
    }),
  },
});

export type ConsumerGroupDescribeRequest = RequestOf<typeof ConsumerGroupDescribe>;
export type ConsumerGroupDescribeResponse = ResponseOf<typeof ConsumerGroupDescribe>;
