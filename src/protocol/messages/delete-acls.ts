/** DeleteAcls: removes the ACLs matching each filter and lists them. v0 knows only literal patterns. */
import { api, arrayOf, int8, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

export const DeleteAcls = api({
  key: 31,
  name: 'DeleteAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    filters: arrayOf({
      resourceTypeFilter: int8(),
      resourceNameFilter: string().nullable('0+'),
      /** Kafka's PatternType (LITERAL = 3 before v1). */
      patternTypeFilter: int8().v('1+').dflt(3),
      principalFilter: string().nullable('0+'),
      hostFilter: string().nullable('0+'),
      operation: int8(),
      permissionType: int8(),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    filterResults: arrayOf({
      errorCode: int16(),
      errorMessage: string().nullable('0+'),
      matchingAcls: arrayOf({
        errorCode: int16(),
        errorMessage: string().nullable('0+'),
        resourceType: int8(),
        resourceName: string(),
        patternType: int8().v('1+').dflt(3),
        principal: string(),
        host: string(),
        operation: int8(),
        permissionType: int8(),
      }),
    }),
  },
});

export type DeleteAclsRequest = RequestOf<typeof DeleteAcls>;
export type DeleteAclsResponse = ResponseOf<typeof DeleteAcls>;
