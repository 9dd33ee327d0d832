/** ListGroups: the groups a broker coordinates, optionally filtered by state and type. */
import { api, array, arrayOf, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Lists the groups a broker coordinates, optionally filtered by state (v4+) and type (v5+). */
export const ListGroups = api({
  key: 16,
  name: 'ListGroups',
  versions: '0-5',
  flexible: '3+',
  request: {
    statesFilter: array(string()).v('4+'),
    typesFilter: array(string()).v('5+'),
  },
  response: {
    throttleTimeMs: int32().v('1+'),
    errorCode: int16(),
    groups: arrayOf({
      groupId: string(),
      protocolType: string(),
      groupState: string().v('4+'),
      groupType: string().v('5+'),
    }),
  },
});

export type ListGroupsRequest = RequestOf<typeof ListGroups>;
export type ListGroupsResponse = ResponseOf<typeof ListGroups>;
