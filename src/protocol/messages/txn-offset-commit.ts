/** TxnOffsetCommit: offsets committed inside a transaction, visible when it commits. */
import { api, arrayOf, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Stages offsets for a group inside a transaction; they become visible when it commits. */
export const TxnOffsetCommit = api({
  key: 28,
  name: 'TxnOffsetCommit',
  versions: '0-4',
  flexible: '3+',
  request: {
    transactionalId: string(),
    groupId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    generationId: int32().v('3+').dflt(-1),
    memberId: string().v('3+'),
    groupInstanceId: string().v('3+').nullable('3+').dflt(null),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        committedOffset: int64(),
        committedLeaderEpoch: int32().v('2+').dflt(-1),
        committedMetadata: string().nullable('0+'),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        errorCode: int16(),
      }),
    }),
  },
});

export type TxnOffsetCommitRequest = RequestOf<typeof TxnOffsetCommit>;
export type TxnOffsetCommitResponse = ResponseOf<typeof TxnOffsetCommit>;
