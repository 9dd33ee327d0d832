/** DeleteGroups: deletes empty groups together with their committed offsets. */
import { api, array, arrayOf, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Removes empty groups and their committed offsets. */
export const DeleteGroups = api({
  key: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexible: '2+',
  request: {
    groupsNames: array(string()),
  },
  response: {
    throttleTimeMs: int32(),
    results: arrayOf({
      groupId: string(),
      errorCode: int16(),
    }),
  },
});

export type DeleteGroupsRequest = RequestOf<typeof DeleteGroups>;
export type DeleteGroupsResponse = ResponseOf<typeof DeleteGroups>;
