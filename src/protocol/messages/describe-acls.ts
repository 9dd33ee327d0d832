/** DescribeAcls: the ACLs matching one filter, grouped by resource pattern. v0 knows only literal patterns. */
import { api, arrayOf, int8, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

export const DescribeAcls = api({
  key: 29,
  name: 'DescribeAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    resourceTypeFilter: int8(),
    resourceNameFilter: string().nullable('0+'),
    /** Kafka's PatternType (LITERAL = 3 before v1). */
    patternTypeFilter: int8().v('1+').dflt(3),
    principalFilter: string().nullable('0+'),
    hostFilter: string().nullable('0+'),
    operation: int8(),
    permissionType: int8(),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string().nullable('0+'),
    resources: arrayOf({
      resourceType: int8(),
      resourceName: string(),
      patternType: int8().v('1+').dflt(3),
      acls: arrayOf({ principal: string(), host: string(), operation: int8(), permissionType: int8() }),
    }),
  },
});

export type DescribeAclsRequest = RequestOf<typeof DescribeAcls>;
export type DescribeAclsResponse = ResponseOf<typeof DescribeAcls>;
