/** DescribeConfigs: reads topic and broker configuration, with sources and synonyms from v1. */
import { api, array, arrayOf, bool, int16, int32, int8, string, type RequestOf, type ResponseOf } from '../schema.js';

export const DescribeConfigs = api({
  key: 32,
  name: 'DescribeConfigs',
  versions: '0-4',
  flexible: '4+',
  request: {
    resources: arrayOf({
      resourceType: int8(),
      resourceName: string(),
      configurationKeys: array(string()).nullable('0+'),
    }),
    includeSynonyms: bool().v('1+').dflt(false),
    includeDocumentation: bool().v('3+').dflt(false),
  },
  response: {
    throttleTimeMs: int32(),
    results: arrayOf({
      errorCode: int16(),
      errorMessage: string().nullable('0+'),
      resourceType: int8(),
      resourceName: string(),
      configs: arrayOf({
        name: string(),
        value: string().nullable('0+'),
        readOnly: bool(),
        isDefault: bool().v('0'),
        configSource: int8().v('1+').dflt(-1),
        isSensitive: bool(),
        synonyms: arrayOf({
          name: string().v('1+'),
          value: string().v('1+').nullable('0+'),
          source: int8().v('1+'),
        }).v('1+'),
        configType: int8().v('3+').dflt(0),
        documentation: string().v('3+').nullable('0+'),
      }),
    }),
  },
});

export type DescribeConfigsRequest = RequestOf<typeof DescribeConfigs>;
export type DescribeConfigsResponse = ResponseOf<typeof DescribeConfigs>;
