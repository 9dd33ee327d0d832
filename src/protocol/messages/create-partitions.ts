/** CreatePartitions: raises the partition count of existing topics. */
import { api, array, arrayOf, bool, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

export const CreatePartitions = api({
  key: 37,
  name: 'CreatePartitions',
  versions: '0-3',
  flexible: '2+',
  request: {
    topics: arrayOf({
      name: string(),
      count: int32(),
      assignments: arrayOf({
        brokerIds: array(int32()),
      }).nullable('0+'),
    }),
    timeoutMs: int32(),
    validateOnly: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    results: arrayOf({
      name: string(),
      errorCode: int16(),
      errorMessage: string().nullable('0+').dflt(null),
    }),
  },
});

export type CreatePartitionsRequest = RequestOf<typeof CreatePartitions>;
export type CreatePartitionsResponse = ResponseOf<typeof CreatePartitions>;
