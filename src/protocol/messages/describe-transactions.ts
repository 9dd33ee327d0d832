/** DescribeTransactions: state, producer and partitions of transactional ids. */
import { api, array, arrayOf, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Reports the coordinator's state of transactional ids. */
export const DescribeTransactions = api({
  key: 65,
  name: 'DescribeTransactions',
  versions: '0',
  flexible: '0+',
  request: {
    transactionalIds: array(string()),
  },
  response: {
    throttleTimeMs: int32(),
    transactionStates: arrayOf({
      errorCode: int16(),
      transactionalId: string(),
      transactionState: string(),
      transactionTimeoutMs: int32(),
      transactionStartTimeMs: int64(),
      producerId: int64(),
      producerEpoch: int16(),
      topics: arrayOf({
        topic: string(),
        partitions: array(int32()),
      }),
    }),
  },
});

export type DescribeTransactionsRequest = RequestOf<typeof DescribeTransactions>;
export type DescribeTransactionsResponse = ResponseOf<typeof DescribeTransactions>;
