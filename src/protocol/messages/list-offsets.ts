/** ListOffsets: finds the offset for a timestamp, or the earliest/latest/max-timestamp offset of partitions. */
import { api, array, arrayOf, int16, int32, int64, int8, string, type RequestOf, type ResponseOf } from '../schema.js';

export const ListOffsets = api({
  key: 2,
  name: 'ListOffsets',
  versions: '0-9',
  flexible: '6+',
  request: {
    replicaId: int32(),
    isolationLevel: int8().v('2+'),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        currentLeaderEpoch: int32().v('4+').dflt(-1),
        timestamp: int64(),
        maxNumOffsets: int32().v('0').dflt(1),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32().v('2+'),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        errorCode: int16(),
        oldStyleOffsets: array(int64()).v('0'),
        timestamp: int64().v('1+').dflt(-1),
        offset: int64().v('1+').dflt(-1),
        leaderEpoch: int32().v('4+').dflt(-1),
      }),
    }),
  },
});

export type ListOffsetsRequest = RequestOf<typeof ListOffsets>;
export type ListOffsetsResponse = ResponseOf<typeof ListOffsets>;
