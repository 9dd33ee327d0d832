/**
 * Fetch: consumers and follower replicas read record batches from partitions, optionally within an incremental
 * fetch session (v7+), and by topic id instead of name from v13.
 */
import {
  api,
  array,
  arrayOf,
  int16,
  int32,
  int64,
  int8,
  records,
  string,
  struct,
  uuid,
  type RequestOf,
  type ResponseOf,
} from '../schema.js';

export const Fetch = api({
  key: 1,
  name: 'Fetch',
  versions: '0-17',
  flexible: '12+',
  request: {
    clusterId: string().v('12+').nullable('12+').tag(0, '12+').dflt(null),
    replicaId: int32().v('0-14').dflt(-1),
    replicaState: struct({
      replicaId: int32().v('15+').dflt(-1),
      replicaEpoch: int64().v('15+').dflt(-1),
    })
      .v('15+')
      .tag(1, '15+'),
    maxWaitMs: int32(),
    minBytes: int32(),
    maxBytes: int32().v('3+').dflt(0x7fffffff),
    isolationLevel: int8().v('4+').dflt(0),
    sessionId: int32().v('7+').dflt(0),
    sessionEpoch: int32().v('7+').dflt(-1),
    topics: arrayOf({
      topic: string().v('0-12'),
      topicId: uuid().v('13+'),
      partitions: arrayOf({
        partition: int32(),
        currentLeaderEpoch: int32().v('9+').dflt(-1),
        fetchOffset: int64(),
        lastFetchedEpoch: int32().v('12+').dflt(-1),
        logStartOffset: int64().v('5+').dflt(-1),
        partitionMaxBytes: int32(),
        replicaDirectoryId: uuid().v('17+').tag(0, '17+'),
      }),
    }),
    forgottenTopicsData: arrayOf({
      topic: string().v('7-12'),
      topicId: uuid().v('13+'),
      partitions: array(int32()).v('7+'),
    }).v('7+'),
    rackId: string().v('11+').dflt(''),
  },
  response: {
    throttleTimeMs: int32().v('1+'),
    errorCode: int16().v('7+'),
    sessionId: int32().v('7+').dflt(0),
    responses: arrayOf({
      topic: string().v('0-12'),
      topicId: uuid().v('13+'),
      partitions: arrayOf({
        partitionIndex: int32(),
        errorCode: int16(),
        highWatermark: int64(),
        lastStableOffset: int64().v('4+').dflt(-1),
        logStartOffset: int64().v('5+').dflt(-1),
        divergingEpoch: struct({
          epoch: int32().v('12+').dflt(-1),
          endOffset: int64().v('12+').dflt(-1),
        })
          .v('12+')
          .tag(0, '12+'),
        currentLeader: struct({
          leaderId: int32().v('12+').dflt(-1),
          leaderEpoch: int32().v('12+').dflt(-1),
        })
          .v('12+')
          .tag(1, '12+'),
        snapshotId: struct({
          endOffset: int64().dflt(-1),
          epoch: int32().dflt(-1),
        })
          .v('12+')
          .tag(2, '12+'),
        abortedTransactions: arrayOf({
          producerId: int64().v('4+'),
          firstOffset: int64().v('4+'),
        })
          .v('4+')
          .nullable('4+'),
        preferredReadReplica: int32().v('11+').dflt(-1),
        records: records().nullable('0+'),
      }),
    }),
    nodeEndpoints: arrayOf({
      nodeId: int32().v('16+'),
      host: string().v('16+'),
      port: int32().v('16+'),
      rack: string().v('16+').nullable('16+').dflt(null),
    })
      .v('16+')
      .tag(0, '16+'),
  },
});

export type FetchRequest = RequestOf<typeof Fetch>;
export type FetchResponse = ResponseOf<typeof Fetch>;
