/** DescribeProducers: the idempotent and transactional producers a partition knows. */
import { api, array, arrayOf, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Reports the active producers of partitions (for finding hanging transactions). */
export const DescribeProducers = api({
  key: 61,
  name: 'DescribeProducers',
  versions: '0',
  flexible: '0+',
  request: {
    topics: arrayOf({
      name: string(),
      partitionIndexes: array(int32()),
    }),
  },
  response: {
    throttleTimeMs: int32(),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: string().nullable('0+').dflt(null),
        activeProducers: arrayOf({
          producerId: int64(),
          producerEpoch: int32(),
          lastSequence: int32().dflt(-1),
          lastTimestamp: int64().dflt(-1),
          coordinatorEpoch: int32(),
          currentTxnStartOffset: int64().dflt(-1),
        }),
      }),
    }),
  },
});

export type DescribeProducersRequest = RequestOf<typeof DescribeProducers>;
export type DescribeProducersResponse = ResponseOf<typeof DescribeProducers>;
