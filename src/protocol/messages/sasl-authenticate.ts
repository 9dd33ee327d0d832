/** SaslAuthenticate: carries SASL tokens framed as Kafka requests (after a v1+ handshake). */
import { api, bytes, int16, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

export const SaslAuthenticate = api({
  key: 36,
  name: 'SaslAuthenticate',
  versions: '0-2',
  flexible: '2+',
  request: {
    authBytes: bytes(),
  },
  response: {
    errorCode: int16(),
    errorMessage: string().nullable('0+'),
    authBytes: bytes(),
    sessionLifetimeMs: int64().v('1+').dflt(0),
  },
});

export type SaslAuthenticateRequest = RequestOf<typeof SaslAuthenticate>;
export type SaslAuthenticateResponse = ResponseOf<typeof SaslAuthenticate>;
