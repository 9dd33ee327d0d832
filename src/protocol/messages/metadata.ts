/** Metadata: brokers, the controller, and topics with their partitions' leaders, replicas and ISR. */
import { api, array, arrayOf, bool, int16, int32, string, uuid, type RequestOf, type ResponseOf } from '../schema.js';

export const Metadata = api({
  key: 3,
  name: 'Metadata',
  versions: '0-12',
  flexible: '9+',
  request: {
    topics: arrayOf({ topicId: uuid().v('10+'), name: string().nullable('10+') }).nullable('1+'),
    allowAutoTopicCreation: bool().v('4+').dflt(true),
    includeClusterAuthorizedOperations: bool().v('8-10'),
    includeTopicAuthorizedOperations: bool().v('8+'),
  },
  response: {
    throttleTimeMs: int32().v('3+'),
    brokers: arrayOf({
      nodeId: int32(),
      host: string(),
      port: int32(),
      rack: string().v('1+').nullable('1+').dflt(null),
    }),
    clusterId: string().v('2+').nullable('2+').dflt(null),
    controllerId: int32().v('1+').dflt(-1),
    topics: arrayOf({
      errorCode: int16(),
      name: string().nullable('12+'),
      topicId: uuid().v('10+'),
      isInternal: bool().v('1+'),
      partitions: arrayOf({
        errorCode: int16(),
        partitionIndex: int32(),
        leaderId: int32(),
        leaderEpoch: int32().v('7+').dflt(-1),
        replicaNodes: array(int32()),
        isrNodes: array(int32()),
        offlineReplicas: array(int32()).v('5+'),
      }),
      topicAuthorizedOperations: int32().v('8+').dflt(-2147483648),
    }),
    clusterAuthorizedOperations: int32().v('8-10').dflt(-2147483648),
  },
});

export type MetadataRequest = RequestOf<typeof Metadata>;
export type MetadataResponse = ResponseOf<typeof Metadata>;
