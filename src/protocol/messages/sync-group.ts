/** SyncGroup: the leader hands out the assignment of a classic group and every member receives its own. */
import { api, arrayOf, bytes, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Ends a classic rebalance: the leader hands in assignments and every member receives its own. */
export const SyncGroup = api({
  key: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexible: '4+',
  request: {
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: string().v('3+').nullable('3+').dflt(null),
    protocolType: string().v('5+').nullable('5+').dflt(null),
    protocolName: string().v('5+').nullable('5+').dflt(null),
    assignments: arrayOf({
      memberId: string(),
      assignment: bytes(),
    }),
  },
  response: {
    throttleTimeMs: int32().v('1+'),
    errorCode: int16(),
    protocolType: string().v('5+').nullable('5+').dflt(null),
    protocolName: string().v('5+').nullable('5+').dflt(null),
    assignment: bytes(),
  },
});

export type SyncGroupRequest = RequestOf<typeof SyncGroup>;
export type SyncGroupResponse = ResponseOf<typeof SyncGroup>;
