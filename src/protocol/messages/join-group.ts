/** JoinGroup: a member joins a classic group; the answer comes when the rebalance completes. */
import { api, arrayOf, bool, bytes, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

/** A member enters (or re-enters) a classic group and offers the protocols it can use. */
export const JoinGroup = api({
  key: 11,
  name: 'JoinGroup',
  versions: '0-9',
  flexible: '6+',
  request: {
    groupId: string(),
    sessionTimeoutMs: int32(),
    rebalanceTimeoutMs: int32().v('1+').dflt(-1),
    memberId: string(),
    groupInstanceId: string().v('5+').nullable('5+').dflt(null),
    protocolType: string(),
    protocols: arrayOf({
      name: string(),
      metadata: bytes(),
    }),
    reason: string().v('8+').nullable('8+').dflt(null),
  },
  response: {
    throttleTimeMs: int32().v('2+'),
    errorCode: int16(),
    generationId: int32().dflt(-1),
    protocolType: string().v('7+').nullable('7+').dflt(null),
    protocolName: string().nullable('7+'),
    leader: string(),
    skipAssignment: bool().v('9+'),
    memberId: string(),
    members: arrayOf({
      memberId: string(),
      groupInstanceId: string().v('5+').nullable('5+').dflt(null),
      metadata: bytes(),
    }),
  },
});

export type JoinGroupRequest = RequestOf<typeof JoinGroup>;
export type JoinGroupResponse = ResponseOf<typeof JoinGroup>;
