/** WriteTxnMarkers: a transaction coordinator asks partition leaders to write commit or abort markers. */
import { api, array, arrayOf, bool, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Sent by the transaction coordinator to partition leaders to write commit or abort markers. */
export const WriteTxnMarkers = api({
  key: 27,
  name: 'WriteTxnMarkers',
  versions: '0-1',
  flexible: '1+',
  request: {
    markers: arrayOf({
      producerId: int64(),
      producerEpoch: int16(),
      transactionResult: bool(),
      topics: arrayOf({
        name: string(),
        partitionIndexes: array(int32()),
      }),
      coordinatorEpoch: int32(),
    }),
  },
  response: {
    markers: arrayOf({
      producerId: int64(),
      topics: arrayOf({
        name: string(),
        partitions: arrayOf({
          partitionIndex: int32(),
          errorCode: int16(),
        }),
      }),
    }),
  },
});

export type WriteTxnMarkersRequest = RequestOf<typeof WriteTxnMarkers>;
export type WriteTxnMarkersResponse = ResponseOf<typeof WriteTxnMarkers>;
