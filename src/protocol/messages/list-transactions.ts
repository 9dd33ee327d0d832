/** ListTransactions: transactional ids filtered by state, producer id and open duration. */
import { api, array, arrayOf, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Lists transactional ids, filtered by state, producer id and (v1+) running time. */
export const ListTransactions = api({
  key: 66,
  name: 'ListTransactions',
  versions: '0-1',
  flexible: '0+',
  request: {
    stateFilters: array(string()),
    producerIdFilters: array(int64()),
    durationFilter: int64().v('1+').dflt(-1),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    unknownStateFilters: array(string()),
    transactionStates: arrayOf({
      transactionalId: string(),
      producerId: int64(),
      transactionState: string(),
    }),
  },
});

export type ListTransactionsRequest = RequestOf<typeof ListTransactions>;
export type ListTransactionsResponse = ResponseOf<typeof ListTransactions>;
