/** AlterClientQuotas: sets or removes quota values of user, client-id and ip entities. */
import { api, arrayOf, bool, float64, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

const entity = () => arrayOf({ entityType: string(), entityName: string().nullable('0+') });

export const AlterClientQuotas = api({
  key: 49,
  name: 'AlterClientQuotas',
  versions: '0-1',
  flexible: '1+',
  request: {
    entries: arrayOf({
      entity: entity(),
      ops: arrayOf({ key: string(), value: float64(), remove: bool() }),
    }),
    validateOnly: bool(),
  },
  response: {
    throttleTimeMs: int32(),
    entries: arrayOf({
      errorCode: int16(),
      errorMessage: string().nullable('0+'),
      entity: entity(),
    }),
  },
});

export type AlterClientQuotasRequest = RequestOf<typeof AlterClientQuotas>;
export type AlterClientQuotasResponse = ResponseOf<typeof AlterClientQuotas>;
