/**
 * EndTxn (v0-v4): commits or aborts a producer's transaction; the markers are written to every partition before
 * the answer. v2+ answer a fenced producer with PRODUCER_FENCED; v3+ are flexible; v4 (KIP-890) changes nothing on
 * the wire.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { EndTxn } from '../../protocol/messages/end-txn.js';
import { AclOperation, transactionalIdResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** EndTxn: commits or aborts the producer's transaction (markers written before the answer). */
export function endTxn({ txn }: HandlerDeps<'txn'>): Handler<typeof EndTxn> {
  return async (ctx, req) => {
    if (!ctx.authorize(AclOperation.WRITE, transactionalIdResource(req.transactionalId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    }
    const fenced = ctx.header.apiVersion >= 2 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
    const errorCode = await txn.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed, fenced);
    return { throttleTimeMs: 0, errorCode };
  };
}

export const endTxnHandler = defineHandler(EndTxn, endTxn);
