/** DescribeClientQuotas: the quota values stored for user, client-id and ip entities matching a filter. */
import { api, arrayOf, bool, float64, int8, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

export const DescribeClientQuotas = api({
  key: 48,
  name: 'DescribeClientQuotas',
  versions: '0-1',
  flexible: '1+',
  request: {
    components: arrayOf({
      entityType: string(),
      /** 0 = exact name, 1 = the default entity, 2 = any named entity. */
      matchType: int8(),
      match: string().nullable('0+'),
    }),
    strict: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string().nullable('0+'),
    entries: arrayOf({
      entity: arrayOf({ entityType: string(), entityName: string().nullable('0+') }),
      values: arrayOf({ key: string(), value: float64() }),
    }).nullable('0+'),
  },
});

export type DescribeClientQuotasRequest = RequestOf<typeof DescribeClientQuotas>;
export type DescribeClientQuotasResponse = ResponseOf<typeof DescribeClientQuotas>;
