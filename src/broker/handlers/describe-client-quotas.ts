/**
 * DescribeClientQuotas (v0-v1): the stored quota values of the user, client-id and ip entities a filter matches
 * (exact name, the default entity, or any entity of a type; `strict` leaves out entities with other types), as
 * `kafka-configs --describe --entity-type users|clients|ips` shows them. Needs DESCRIBE_CONFIGS on the cluster.
 * A bad filter is answered with Kafka's error and message for the whole request and null entries.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeClientQuotas } from '../../protocol/messages/describe-client-quotas.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import { filterFromWire, isQuotaError } from '../quotas/entities.js';
import { recordsToWire } from '../quotas/client-quotas.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

export function describeClientQuotas({ quotas }: HandlerDeps<'quotas'>): Handler<typeof DescribeClientQuotas> {
  return (ctx, req) => {
    const fail = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      entries: null,
    });
    if (!ctx.authorize(AclOperation.DESCRIBE_CONFIGS, CLUSTER)) {
      return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    }
    const filter = filterFromWire(req.components, req.strict);
    if (isQuotaError(filter)) return fail(filter.code, filter.message);
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, entries: recordsToWire(quotas.describe(filter)) };
  };
}

export const describeClientQuotasHandler = defineHandler(DescribeClientQuotas, describeClientQuotas);
