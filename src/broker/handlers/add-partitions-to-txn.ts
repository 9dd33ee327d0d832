/**
 * AddPartitionsToTxn (v0-v5): partitions join a producer's transaction before it writes to them. v0-v3 come from
 * producers, one transaction each (v2+ answer PRODUCER_FENCED); v4+ (KIP-890) come from brokers, batching several
 * transactions, each adding partitions or only verifying that they are in it already.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AddPartitionsToTxn } from '../../protocol/messages/add-partitions-to-txn.js';
import { AclOperation, CLUSTER, topicResource, transactionalIdResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler, RequestContext } from '../dispatch.js';
import type { PartitionResult } from '../txn/coordinator.js';

/**
 * Kafka's authorization for one transaction: WRITE on the transactional id (else every partition answers
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and WRITE on each topic (else TOPIC_AUTHORIZATION_FAILED, and the
 * partitions of the allowed topics OPERATION_NOT_ATTEMPTED). Null when everything is allowed.
 */
function refused(
  ctx: RequestContext,
  transactionalId: string,
  topics: Array<{ name: string; partitions: number[] }>,
): PartitionResult[] | null {
  const all = (code: (name: string) => number) =>
    topics.map((t) => ({
      name: t.name,
      results: t.partitions.map((partition) => ({ partition, errorCode: code(t.name) })),
    }));
  if (!ctx.authorize(AclOperation.WRITE, transactionalIdResource(transactionalId))) {
    return all(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  const denied = new Set(
    topics.filter((t) => !ctx.authorize(AclOperation.WRITE, topicResource(t.name))).map((t) => t.name),
  );
  if (denied.size === 0) return null;
  return all((name) => (denied.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED));
}

const toWire = (rs: PartitionResult[]) =>
  rs.map((t) => ({
    name: t.name,
    resultsByPartition: t.results.map((r) => ({ partitionIndex: r.partition, partitionErrorCode: r.errorCode })),
  }));

/**
 * AddPartitionsToTxn. v0-v3 come from producers (one transaction); v4+ from brokers, batching several
 * transactions, each either adding partitions or only verifying that they are already in it (KIP-890).
 */
export function addPartitionsToTxn({ txn }: HandlerDeps<'txn'>): Handler<typeof AddPartitionsToTxn> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (v <= 3) {
      const fenced = v >= 2 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
      const topics = req.v3AndBelowTopics.map((t) => ({ name: t.name, partitions: t.partitions }));
      const rs =
        refused(ctx, req.v3AndBelowTransactionalId, topics) ??
        (await txn.addPartitions(
          req.v3AndBelowTransactionalId,
          req.v3AndBelowProducerId,
          req.v3AndBelowProducerEpoch,
          topics,
          fenced,
        ));
      return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: toWire(rs) };
    }
    // v4+ come from brokers, which need CLUSTER_ACTION on the cluster.
    if (!ctx.authorize(AclOperation.CLUSTER_ACTION, CLUSTER)) {
      const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return { throttleTimeMs: 0, errorCode, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    }
    const resultsByTransaction = [];
    for (const t of req.transactions) {
      const topics = t.topics.map((x) => ({ name: x.name, partitions: x.partitions }));
      const denied = refused(ctx, t.transactionalId, topics);
      const rs = denied
        ? denied
        : t.verifyOnly
          ? txn.verifyPartitions(t.transactionalId, t.producerId, t.producerEpoch, topics)
          : await txn.addPartitions(
              t.transactionalId,
              t.producerId,
              t.producerEpoch,
              topics,
              ErrorCode.PRODUCER_FENCED,
            );
      resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults: toWire(rs) });
    }
    return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  };
}

export const addPartitionsToTxnHandler = defineHandler(AddPartitionsToTxn, addPartitionsToTxn);
