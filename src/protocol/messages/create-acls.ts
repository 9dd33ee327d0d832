/** CreateAcls: adds ACLs, answering each one. v0 knows only literal patterns. */
import { api, arrayOf, int8, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

export const CreateAcls = api({
  key: 30,
  name: 'CreateAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    creations: arrayOf({
      resourceType: int8(),
      resourceName: string(),
      /** Kafka's PatternType (LITERAL = 3 before v1). */
      resourcePatternType: int8().v('1+').dflt(3),
      principal: string(),
      host: string(),
      operation: int8(),
      permissionType: int8(),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    results: arrayOf({ errorCode: int16(), errorMessage: string().nullable('0+') }),
  },
});

export type CreateAclsRequest = RequestOf<typeof CreateAcls>;
export type CreateAclsResponse = ResponseOf<typeof CreateAcls>;
