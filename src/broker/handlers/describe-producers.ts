/**
 * DescribeProducers (v0): the idempotent and transactional producers a partition knows (ids, epochs, last
 * sequence and timestamp, the open transaction's first offset), as `kafka-transactions describe-producers` shows.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeProducers } from '../../protocol/messages/describe-producers.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** DescribeProducers: the idempotent/transactional producers a partition knows. */
export function describeProducers({ topics }: HandlerDeps<'topics'>): Handler<typeof DescribeProducers> {
  return (_ctx, req) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const log = topics.partition(t.name, partitionIndex);
        if (!log)
          return {
            partitionIndex,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: null,
            activeProducers: [],
          };
        const activeProducers = [...log.producers.producers.values()].map((e) => ({
          producerId: e.producerId,
          producerEpoch: e.epoch,
          lastSequence: e.batches.length > 0 ? e.batches[e.batches.length - 1]!.lastSeq : -1,
          lastTimestamp: e.lastTimestamp,
          coordinatorEpoch: e.coordinatorEpoch,
          currentTxnStartOffset: e.currentTxnFirstOffset,
        }));
        return { partitionIndex, errorCode: 0, errorMessage: null, activeProducers };
      }),
    })),
  });
}

export const describeProducersHandler = defineHandler(DescribeProducers, describeProducers);
