/** Produce: a client appends record batches to partitions and learns the offsets they were given. */
import {
  api,
  arrayOf,
  int16,
  int32,
  int64,
  records,
  string,
  struct,
  type RequestOf,
  type ResponseOf,
} from '../schema.js';

export const Produce = api({
  key: 0,
  name: 'Produce',
  versions: '0-11',
  flexible: '9+',
  request: {
    transactionalId: string().v('3+').nullable('3+').dflt(null),
    acks: int16(),
    timeoutMs: int32(),
    topicData: arrayOf({
      name: string(),
      partitionData: arrayOf({
        index: int32(),
        records: records().nullable('0+'),
      }),
    }),
  },
  response: {
    responses: arrayOf({
      name: string(),
      partitionResponses: arrayOf({
        index: int32(),
        errorCode: int16(),
        baseOffset: int64(),
        logAppendTimeMs: int64().v('2+').dflt(-1),
        logStartOffset: int64().v('5+').dflt(-1),
        recordErrors: arrayOf({
          batchIndex: int32().v('8+'),
          batchIndexErrorMessage: string().v('8+').nullable('8+').dflt(null),
        }).v('8+'),
        errorMessage: string().v('8+').nullable('8+').dflt(null),
        currentLeader: struct({
          leaderId: int32().v('10+').dflt(-1),
          leaderEpoch: int32().v('10+').dflt(-1),
        })
          .v('10+')
          .tag(0, '10+'),
      }),
    }),
    throttleTimeMs: int32().v('1+').dflt(0),
    nodeEndpoints: arrayOf({
      nodeId: int32().v('10+'),
      host: string().v('10+'),
      port: int32().v('10+'),
      rack: string().v('10+').nullable('10+').dflt(null),
    })
      .v('10+')
      .tag(0, '10+'),
  },
});

export type ProduceRequest = RequestOf<typeof Produce>;
export type ProduceResponse = ResponseOf<typeof Produce>;
