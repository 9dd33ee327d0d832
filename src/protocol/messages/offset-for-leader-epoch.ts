/** OffsetForLeaderEpoch: the end offset of a leader epoch, used to detect and truncate diverged logs. */
import { api, arrayOf, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

export const OffsetForLeaderEpoch = api({
  key: 23,
  name: 'OffsetForLeaderEpoch',
  versions: '0-4',
  flexible: '4+',
  request: {
    replicaId: int32().v('3+').dflt(-2),
    topics: arrayOf({
      topic: string(),
      partitions: arrayOf({
        partition: int32(),
        currentLeaderEpoch: int32().v('2+').dflt(-1),
        leaderEpoch: int32(),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32().v('2+'),
    topics: arrayOf({
      topic: string(),
      partitions: arrayOf({
        errorCode: int16(),
        partition: int32(),
        leaderEpoch: int32().v('1+').dflt(-1),
        endOffset: int64().dflt(-1),
      }),
    }),
  },
});

export type OffsetForLeaderEpochRequest = RequestOf<typeof OffsetForLeaderEpoch>;
export type OffsetForLeaderEpochResponse = ResponseOf<typeof OffsetForLeaderEpoch>;
