/** DescribeUserScramCredentials: the SCRAM mechanisms and iteration counts stored for users (never the keys). */
import { api, arrayOf, int8, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

export const DescribeUserScramCredentials = api({
  key: 50,
  name: 'DescribeUserScramCredentials',
  versions: '0',
  flexible: '0+',
  request: {
    users: arrayOf({ name: string() }).nullable('0+'),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string().nullable('0+'),
    results: arrayOf({
      user: string(),
      errorCode: int16(),
      errorMessage: string().nullable('0+'),
      credentialInfos: arrayOf({ mechanism: int8(), iterations: int32() }),
    }),
  },
});

export type DescribeUserScramCredentialsRequest = RequestOf<typeof DescribeUserScramCredentials>;
export type DescribeUserScramCredentialsResponse = ResponseOf<typeof DescribeUserScramCredentials>;
