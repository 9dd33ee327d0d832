/** EndTxn: a transactional producer commits or aborts its transaction. */
import { api, bool, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Commits or aborts a producer's ongoing transaction. */
export const EndTxn = api({
  key: 26,
  name: 'EndTxn',
  versions: '0-4',
  flexible: '3+',
  request: {
    transactionalId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    committed: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
  },
});

export type EndTxnRequest = RequestOf<typeof EndTxn>;
export type EndTxnResponse = ResponseOf<typeof EndTxn>;
