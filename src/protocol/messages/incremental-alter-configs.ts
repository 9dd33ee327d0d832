/** IncrementalAlterConfigs: sets, deletes, appends to or subtracts from single config entries. */
import { api, arrayOf, bool, int16, int32, int8, string, type RequestOf, type ResponseOf } from '../schema.js';

export const IncrementalAlterConfigs = api({
  key: 44,
  name: 'IncrementalAlterConfigs',
  versions: '0-1',
  flexible: '1+',
  request: {
    resources: arrayOf({
      resourceType: int8(),
      resourceName: string(),
      configs: arrayOf({
        name: string(),
        configOperation: int8(),
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

export type IncrementalAlterConfigsRequest = RequestOf<typeof IncrementalAlterConfigs>;
export type IncrementalAlterConfigsResponse = ResponseOf<typeof IncrementalAlterConfigs>;
