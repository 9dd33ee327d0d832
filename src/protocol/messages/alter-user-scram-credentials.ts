/** AlterUserScramCredentials: adds, replaces and deletes users' SCRAM credentials (salted by the client). */
import { api, arrayOf, bytes, int8, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

export const AlterUserScramCredentials = api({
  key: 51,
  name: 'AlterUserScramCredentials',
  versions: '0',
  flexible: '0+',
  request: {
    deletions: arrayOf({ name: string(), mechanism: int8() }),
    upsertions: arrayOf({
      name: string(),
      mechanism: int8(),
      iterations: int32(),
      salt: bytes(),
      saltedPassword: bytes(),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    results: arrayOf({ user: string(), errorCode: int16(), errorMessage: string().nullable('0+') }),
  },
});

export type AlterUserScramCredentialsRequest = RequestOf<typeof AlterUserScramCredentials>;
export type AlterUserScramCredentialsResponse = ResponseOf<typeof AlterUserScramCredentials>;
