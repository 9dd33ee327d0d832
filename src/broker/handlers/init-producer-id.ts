/**
 * InitProducerId (v0-v5): a fresh producer id for idempotent producers; for a transactional id, its producer id
 * and next epoch, fencing older instances and aborting their open transaction. v3+ let a producer bump its own
 * epoch (KIP-360); v4+ answer PRODUCER_FENCED (older versions: INVALID_PRODUCER_EPOCH); v2+ are flexible.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { InitProducerId } from '../../protocol/messages/init-producer-id.js';
import { AclOperation, CLUSTER, ResourceType, transactionalIdResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** InitProducerId: a fresh id for idempotent producers; for a transactional id, its id and next epoch (fencing). */
export function initProducerId({ txn }: HandlerDeps<'txn'>): Handler<typeof InitProducerId> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    // PRODUCER_FENCED exists from v4 (KIP-588); older clients know it as INVALID_PRODUCER_EPOCH.
    const fenced = v >= 4 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
    // A transactional producer needs WRITE on its transactional id; an idempotent one IDEMPOTENT_WRITE on the
    // cluster or, as Kafka decides since 3.0 (KIP-679), WRITE on some topic.
    const tid = req.transactionalId ?? null;
    const allowed =
      tid !== null
        ? ctx.authorize(AclOperation.WRITE, transactionalIdResource(tid))
        : ctx.authorize(AclOperation.IDEMPOTENT_WRITE, CLUSTER) ||
          ctx.authorizeAny(AclOperation.WRITE, ResourceType.TOPIC);
    if (!allowed) {
      const errorCode =
        tid !== null ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
    }
    const r = await txn.initProducerId(
      req.transactionalId ?? null,
      req.transactionTimeoutMs,
      v >= 3 ? req.producerId : -1,
      v >= 3 ? req.producerEpoch : -1,
      fenced,
    );
    return { throttleTimeMs: 0, ...r };
  };
}

export const initProducerIdHandler = defineHandler(InitProducerId, initProducerId);
