/** DescribeGroups: state, protocol and members of classic groups. */
import { api, array, arrayOf, bool, bytes, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Reports the state, protocol and members of classic groups. */
export const DescribeGroups = api({
  key: 15,
  name: 'DescribeGroups',
  versions: '0-5',
  flexible: '5+',
  request: {
    groups: array(string()),
    includeAuthorizedOperations: bool().v('3+'),
  },
  response: {
    throttleTimeMs: int32().v('1+'),
    groups: arrayOf({
      errorCode: int16(),
      groupId: string(),
      groupState: string(),
      protocolType: string(),
      protocolData: string(),
      members: arrayOf({
        memberId: string(),
        groupInstanceId: string().v('4+').nullable('4+').dflt(null),
        clientId: string(),
        clientHost: string(),
        memberMetadata: bytes(),
        memberAssignment: bytes(),
      }),
      authorizedOperations: int32().v('3+').dflt(-2147483648),
    }),
  },
});

export type DescribeGroupsRequest = RequestOf<typeof DescribeGroups>;
export type DescribeGroupsResponse = ResponseOf<typeof DescribeGroups>;
