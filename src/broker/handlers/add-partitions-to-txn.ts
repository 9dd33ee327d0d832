/**
 * AddPartitionsToTxn (v0-v5): partitions join a producer's transaction before it writes to them. v0-v3 come from
 * producers, one transaction each (v2+ answer PRODUCER_FENCED); v4+ (KIP-890) come from brokers, batching several
 * transactions, each adding partitions or only verifying that they are in it already.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AddPartitionsToTxn } from '../../protocol/messages/add-partitions-to-txn.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';
import type { PartitionResult } from '../txn/coordinator.js';

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
      const rs = await txn.addPartitions(
        req.v3AndBelowTransactionalId,
        req.v3AndBelowProducerId,
        req.v3AndBelowProducerEpoch,
        req.v3AndBelowTopics.map((t) => ({ name: t.name, partitions: t.partitions })),
        fenced,
      );
      return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: toWire(rs) };
    }
    const resultsByTransaction = [];
    for (const t of req.transactions) {
      const topics = t.topics.map((x) => ({ name: x.name, partitions: x.partitions }));
      const rs = t.verifyOnly
        ? txn.verifyPartitions(t.transactionalId, t.producerId, t.producerEpoch, topics)
        : await txn.addPartitions(t.transactionalId, t.producerId, t.producerEpoch, topics, ErrorCode.PRODUCER_FENCED);
      resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults: toWire(rs) });
    }
    return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  };
}

export const addPartitionsToTxnHandler = defineHandler(AddPartitionsToTxn, addPartitionsToTxn);
