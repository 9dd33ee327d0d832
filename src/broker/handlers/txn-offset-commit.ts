/**
 * TxnOffsetCommit (v0-v4): offsets staged in a transaction and published to the group when it commits. v2+ carry
 * the leader epoch; v3+ the group's generation, member id and instance id (checked like OffsetCommit) and are
 * flexible; v4 (KIP-890) changes nothing on the wire.
 */
import { TxnOffsetCommit } from '../../protocol/messages/txn-offset-commit.js';
import { AclOperation, transactionalIdResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** TxnOffsetCommit: offsets staged in a transaction, published to the group when it commits. */
export function txnOffsetCommit({ txn }: HandlerDeps<'txn'>): Handler<typeof TxnOffsetCommit> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (!ctx.authorize(AclOperation.WRITE, transactionalIdResource(req.transactionalId))) {
      const denied = (p: { partitionIndex: number }) => ({
        partitionIndex: p.partitionIndex,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      });
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map(denied) })),
      };
    }
    const topics = await txn.txnOffsetCommit({
      transactionalId: req.transactionalId,
      groupId: req.groupId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      generationId: v >= 3 ? req.generationId : -1,
      memberId: v >= 3 ? req.memberId : '',
      groupInstanceId: v >= 3 ? (req.groupInstanceId ?? null) : null,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: v >= 2 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata ?? null,
        })),
      })),
    });
    return { throttleTimeMs: 0, topics };
  };
}

export const txnOffsetCommitHandler = defineHandler(TxnOffsetCommit, txnOffsetCommit);
