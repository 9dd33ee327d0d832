/** DeleteRecords: moves the log start offset of partitions forward, dropping older records. */
import { api, arrayOf, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

export const DeleteRecords = api({
  key: 21,
  name: 'DeleteRecords',
  versions: '0-2',
  flexible: '2+',
  request: {
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        offset: int64(),
      }),
    }),
    timeoutMs: int32(),
  },
  response: {
    throttleTimeMs: int32(),
    topics: arrayOf({
      name: string(),
      partitions: arrayOf({
        partitionIndex: int32(),
        lowWatermark: int64(),
        errorCode: int16(),
      }),
    }),
  },
});

export type DeleteRecordsRequest = RequestOf<typeof DeleteRecords>;
export type DeleteRecordsResponse = ResponseOf<typeof DeleteRecords>;
