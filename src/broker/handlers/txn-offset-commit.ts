/**
 * TxnOffsetCommit (v0-v4): offsets staged in a transaction and published to the group when it commits. v2+ carry
 * the leader epoch; v3+ the group's generation, member id and instance id (checked like OffsetCommit) and are
 * flexible; v4 (KIP-890) changes nothing on the wire.
 */
import { TxnOffsetCommit } from '../../protocol/messages/txn-offset-commit.js';
import { AclOperation, groupResource, topicResource, transactionalIdResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Resource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** TxnOffsetCommit: offsets staged in a transaction, published to the group when it commits. */
export function txnOffsetCommit({ txn }: HandlerDeps<'txn'>): Handler<typeof TxnOffsetCommit> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    // WRITE on the transactional id, READ on the group, READ on each topic, as in Kafka.
    const may = (op: AclOperation, r: Resource) => ctx.authorize(op, r);
    const whole = !may(AclOperation.WRITE, transactionalIdResource(req.transactionalId))
      ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      : !may(AclOperation.READ, groupResource(req.groupId))
        ? ErrorCode.GROUP_AUTHORIZATION_FAILED
        : 0;
    const refuse = (t: (typeof req.topics)[number], errorCode: number) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    });
    if (whole !== 0) return { throttleTimeMs: 0, topics: req.topics.map((t) => refuse(t, whole)) };
    const refused = req.topics.filter((t) => !may(AclOperation.READ, topicResource(t.name)));
    if (refused.length > 0) {
      // Kafka answers the whole request then: the refused topics with the error, the others as not attempted.
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) =>
          refuse(t, refused.includes(t) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED),
        ),
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
