/** CreateTopics: creates topics with a partition count and replication factor or an explicit assignment. */
import {
  api,
  array,
  arrayOf,
  bool,
  int16,
  int32,
  int8,
  string,
  uuid,
  type RequestOf,
  type ResponseOf,
} from '../schema.js';

export const CreateTopics = api({
  key: 19,
  name: 'CreateTopics',
  versions: '0-7',
  flexible: '5+',
  request: {
    topics: arrayOf({
      name: string(),
      numPartitions: int32(),
      replicationFactor: int16(),
      assignments: arrayOf({
        partitionIndex: int32(),
        brokerIds: array(int32()),
      }),
      configs: arrayOf({
        name: string(),
        value: string().nullable('0+'),
      }),
    }),
    timeoutMs: int32().dflt(60000),
    validateOnly: bool().v('1+').dflt(false),
  },
  response: {
    throttleTimeMs: int32().v('2+'),
    topics: arrayOf({
      name: string(),
      topicId: uuid().v('7+'),
      errorCode: int16(),
      errorMessage: string().v('1+').nullable('0+'),
      topicConfigErrorCode: int16().v('5+').tag(0, '5+'),
      numPartitions: int32().v('5+').dflt(-1),
      replicationFactor: int16().v('5+').dflt(-1),
      configs: arrayOf({
        name: string().v('5+'),
        value: string().v('5+').nullable('5+'),
        readOnly: bool().v('5+'),
        configSource: int8().v('5+').dflt(-1),
        isSensitive: bool().v('5+'),
      })
        .v('5+')
        .nullable('5+'),
    }),
  },
});

export type CreateTopicsRequest = RequestOf<typeof CreateTopics>;
export type CreateTopicsResponse = ResponseOf<typeof CreateTopics>;
