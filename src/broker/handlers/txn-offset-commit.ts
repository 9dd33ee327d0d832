import { TxnOffsetCommit } from '../../protocol/messages/txn-offset-commit.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** TxnOffsetCommit: offsets staged in a transaction, published to the group when it commits. */
export function txnOffsetCommit({ txn }: HandlerDeps<'txn'>): Handler<typeof TxnOffsetCommit> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
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
