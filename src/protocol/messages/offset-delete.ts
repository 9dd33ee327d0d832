/** OffsetDelete: removes a group's committed offsets for partitions it no longer consumes. */
import { api, arrayOf, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Removes committed offsets of partitions a group no longer consumes. */
export const OffsetDelete = api({
  key: 47,
  name: 'OffsetDelete',
  versions: '0',
  flexible: 'none',
  request: {
    groupId: string(),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
      }),
    }),
  },
  response: {
    errorCode: int16(),
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

export type OffsetDeleteRequest = RequestOf<typeof OffsetDelete>;
export type OffsetDeleteResponse = ResponseOf<typeof OffsetDelete>;
