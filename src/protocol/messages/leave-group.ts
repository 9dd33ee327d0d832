/** LeaveGroup: members leave a classic group (v3+: several at once). */
import { api, arrayOf, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Members leave a classic group at once instead of waiting for their session to expire. */
export const LeaveGroup = api({
  key: 13,
  name: 'LeaveGroup',
  versions: '0-5',
  flexible: '4+',
  request: {
    groupId: string(),
    memberId: string().v('0-2'),
    members: arrayOf({
      memberId: string().v('3+'),
      groupInstanceId: string().v('3+').nullable('3+').dflt(null),
      reason: string().v('5+').nullable('5+').dflt(null),
    }).v('3+'),
  },
  response: {
    throttleTimeMs: int32().v('1+'),
    errorCode: int16(),
    members: arrayOf({
      memberId: string().v('3+'),
      groupInstanceId: string().v('3+').nullable('3+'),
      errorCode: int16().v('3+'),
    }).v('3+'),
  },
});

export type LeaveGroupRequest = RequestOf<typeof LeaveGroup>;
export type LeaveGroupResponse = ResponseOf<typeof LeaveGroup>;
