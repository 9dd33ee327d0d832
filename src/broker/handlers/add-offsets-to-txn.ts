/**
 * AddOffsetsToTxn (v0-v4): a transactional producer adds its consumer group's `__consumer_offsets` partition to
 * the transaction before TxnOffsetCommit. v2+ answer a fenced producer with PRODUCER_FENCED (older versions:
 * INVALID_PRODUCER_EPOCH); v3+ are flexible; v4 (KIP-890) changes nothing on the wire.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AddOffsetsToTxn } from '../../protocol/messages/add-offsets-to-txn.js';
import { AclOperation, groupResource, transactionalIdResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** AddOffsetsToTxn: the group's offsets partition joins the transaction, ahead of TxnOffsetCommit. */
export function addOffsetsToTxn({ txn }: HandlerDeps<'txn'>): Handler<typeof AddOffsetsToTxn> {
  return async (ctx, req) => {
    if (!ctx.authorize(AclOperation.WRITE, transactionalIdResource(req.transactionalId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    }
    if (!ctx.authorize(AclOperation.READ, groupResource(req.groupId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    }
    const fenced = ctx.header.apiVersion >= 2 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
    const errorCode = await txn.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId, fenced);
    return { throttleTimeMs: 0, errorCode };
  };
}

export const addOffsetsToTxnHandler = defineHandler(AddOffsetsToTxn, addOffsetsToTxn);
