/** The APIs of cluster mode's admin operations: leader elections and partition reassignments (KIP-460, KIP-455). */
import { api, array, arrayOf, int16, int32, int8, string, type Api } from '../schema.js';
import { DescribeTopicPartitions } from './describe-topic-partitions.js';

export const ElectLeaders = api({
  key: 43,
  name: 'ElectLeaders',
  versions: '0-2',
  flexible: '2+',
  request: {
    electionType: int8().v('1+'),
    topicPartitions: arrayOf({
      topic: string(),
      partitions: array(int32()),
    }).nullable('0+'),
    timeoutMs: int32().dflt(60000),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16().v('1+'),
    replicaElectionResults: arrayOf({
      topic: string(),
      partitionResult: arrayOf({
        partitionId: int32(),
        errorCode: int16(),
        errorMessage: string().nullable('0+'),
      }),
    }),
  },
});

export const AlterPartitionReassignments = api({
  key: 45,
  name: 'AlterPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: {
    timeoutMs: int32().dflt(60000),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        replicas: array(int32()).nullable('0+').dflt(null),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string().nullable('0+'),
    responses: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: string().nullable('0+'),
      }),
    }),
  },
});

export const ListPartitionReassignments = api({
  key: 46,
  name: 'ListPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: {
    timeoutMs: int32().dflt(60000),
    topics: arrayOf({
      name: string(),
      partitionIndexes: array(int32()),
    })
      .nullable('0+')
      .dflt(null),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string().nullable('0+'),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        replicas: array(int32()),
        addingReplicas: array(int32()),
        removingReplicas: array(int32()),
      }),
    }),
  },
});

export const CLUSTER_APIS: readonly Api[] = [
  ElectLeaders,
  AlterPartitionReassignments,
  ListPartitionReassignments,
  DescribeTopicPartitions,
];
