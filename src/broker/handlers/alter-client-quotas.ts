/**
 * AlterClientQuotas (v0-v1): sets and removes quota values (`producer_byte_rate`, `consumer_byte_rate`,
 * `request_percentage`, `controller_mutation_rate`; `connection_creation_rate` for ips) of user, client-id and ip
 * entities, as `kafka-configs --alter` does. Needs ALTER_CONFIGS on the cluster. Each entry is checked on its own
 * with Kafka's errors (INVALID_REQUEST with Kafka's message); the valid ones are stored durably together before
 * the response, and apply to the next request (validate_only checks without storing).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AlterClientQuotas } from '../../protocol/messages/alter-client-quotas.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

export function alterClientQuotas({ quotas }: HandlerDeps<'quotas'>): Handler<typeof AlterClientQuotas> {
  return async (ctx, req) => {
    if (!ctx.authorize(AclOperation.ALTER_CONFIGS, CLUSTER)) {
      return {
        throttleTimeMs: 0,
        entries: req.entries.map((e) => ({
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: null,
          entity: e.entity,
        })),
      };
    }
    return { throttleTimeMs: 0, entries: await quotas.alter(req.entries, req.validateOnly) };
  };
}

export const alterClientQuotasHandler = defineHandler(AlterClientQuotas, alterClientQuotas);
