/** InitProducerId: a producer id and epoch for idempotent and transactional producers. */
import { api, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Hands out a producer id and epoch, for idempotence or for a transactional id. */
export const InitProducerId = api({
  key: 22,
  name: 'InitProducerId',
  versions: '0-5',
  flexible: '2+',
  request: {
    transactionalId: string().nullable('0+'),
    transactionTimeoutMs: int32(),
    producerId: int64().v('3+').dflt(-1),
    producerEpoch: int16().v('3+').dflt(-1),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    producerId: int64().dflt(-1),
    producerEpoch: int16(),
  },
});

export type InitProducerIdRequest = RequestOf<typeof InitProducerId>;
export type InitProducerIdResponse = ResponseOf<typeof InitProducerId>;
