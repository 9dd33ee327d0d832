/** AlterConfigs: replaces the whole set of overridden configs of a resource (the legacy, non-incremental API). */
import { api, arrayOf, bool, int16, int32, int8, string, type RequestOf, type ResponseOf } from '../schema.js';

export const AlterConfigs = api({
  key: 33,
  name: 'AlterConfigs',
  versions: '0-2',
  flexible: '2+',
  request: {
    resources: arrayOf({
      resourceType: int8(),
      resourceName: string(),
      configs: arrayOf({
        name: string(),
        value: string().nullable('0+'),
      }),
    }),
    validateOnly: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    responses: arrayOf({
      errorCode: int16(),
      errorMessage: string().nullable('0+'),
      resourceType: int8(),
      resourceName: string(),
    }),
  },
});

export type AlterConfigsRequest = RequestOf<typeof AlterConfigs>;
export type AlterConfigsResponse = ResponseOf<typeof AlterConfigs>;
