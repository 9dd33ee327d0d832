/** OffsetFetch: committed offsets of one group (v8+: several groups). */
import { api, array, arrayOf, bool, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Reads back a group's committed positions (v8+: several groups in one request). */
export const OffsetFetch = api({
  key: 9,
  name: 'OffsetFetch',
  versions: '0-9',
  flexible: '6+',
  request: {
    groupId: string().v('0-7'),
    topics: arrayOf({
      name: string().v('0-7'),
      partitionIndexes: array(int32()).v('0-7'),
    })
      .v('0-7')
      .nullable('2-7'),
    groups: arrayOf({
      groupId: string().v('8+'),
      memberId: string().v('9+').nullable('9+').dflt(null),
      memberEpoch: int32().v('9+').dflt(-1),
      topics: arrayOf({
        name: string().v('8+'),
        partitionIndexes: array(int32()).v('8+'),
      })
        .v('8+')
        .nullable('8+'),
    }).v('8+'),
    requireStable: bool().v('7+'),
  },
  response: {
    throttleTimeMs: int32().v('3+'),
    topics: arrayOf({
      name: string().v('0-7'),
      partitions: arrayOf({
        partitionIndex: int32().v('0-7'),
        committedOffset: int64().v('0-7'),
        committedLeaderEpoch: int32().v('5-7').dflt(-1),
        metadata: string().v('0-7').nullable('0-7'),
        errorCode: int16().v('0-7'),
      }).v('0-7'),
    }).v('0-7'),
    errorCode: int16().v('2-7'),
    groups: arrayOf({
      groupId: string().v('8+'),
      topics: arrayOf({
        name: string().v('8+'),
        partitions: arrayOf({
          partitionIndex: int32().v('8+'),
          committedOffset: int64().v('8+'),
          committedLeaderEpoch: int32().v('8+').dflt(-1),
          metadata: string().v('8+').nullable('8+'),
          errorCode: int16().v('8+'),
        }).v('8+'),
      }).v('8+'),
      errorCode: int16().v('8+'),
    }).v('8+'),
  },
});

export type OffsetFetchRequest = RequestOf<typeof OffsetFetch>;
export type OffsetFetchResponse = ResponseOf<typeof OffsetFetch>;
