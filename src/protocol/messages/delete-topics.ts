/** DeleteTopics: deletes topics, by name up to v5 and by name or topic id from v6. */
import { api, array, arrayOf, int16, int32, string, uuid, type RequestOf, type ResponseOf } from '../schema.js';

export const DeleteTopics = api({
  key: 20,
  name: 'DeleteTopics',
  versions: '0-6',
  flexible: '4+',
  request: {
    topics: arrayOf({
      name: string().v('6+').nullable('6+').dflt(null),
      topicId: uuid().v('6+'),
    }).v('6+'),
    topicNames: array(string()).v('0-5'),
    timeoutMs: int32(),
  },
  response: {
    throttleTimeMs: int32().v('1+'),
    responses: arrayOf({
      name: string().nullable('6+'),
      topicId: uuid().v('6+'),
      errorCode: int16(),
      errorMessage: string().v('5+').nullable('5+').dflt(null),
    }),
  },
});

export type DeleteTopicsRequest = RequestOf<typeof DeleteTopics>;
export type DeleteTopicsResponse = ResponseOf<typeof DeleteTopics>;
