/** OffsetCommit: a consumer stores its committed offsets with the group coordinator. */
import { api, arrayOf, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Stores a group's consumed positions, per partition, at the group coordinator. */
export const OffsetCommit = api({
  key: 8,
  name: 'OffsetCommit',
  versions: '0-9',
  flexible: '8+',
  request: {
    groupId: string(),
    generationIdOrMemberEpoch: int32().v('1+').dflt(-1),
    memberId: string().v('1+'),
    groupInstanceId: string().v('7+').nullable('7+').dflt(null),
    retentionTimeMs: int64().v('2-4').dflt(-1),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        committedOffset: int64(),
        committedLeaderEpoch: int32().v('6+').dflt(-1),
        commitTimestamp: int64().v('1').dflt(-1),
        committedMetadata: string().nullable('0+'),
      }),
    }),
  },
  response: {
    throttleTimeMs: int32().v('3+'),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        errorCode: int16(),
      }),
    }),
  },
});

export type OffsetCommitRequest = RequestOf<typeof OffsetCommit>;
export type OffsetCommitResponse = ResponseOf<typeof OffsetCommit>;
