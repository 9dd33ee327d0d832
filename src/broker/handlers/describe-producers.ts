/**
 * DescribeProducers (v0): the idempotent and transactional producers a partition knows (ids, epochs, last
 * sequence and timestamp, the open transaction's first offset), as `kafka-transactions describe-producers` shows.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeProducers } from '../../protocol/messages/describe-producers.js';
import { AclOperation, topicResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** DescribeProducers: the idempotent/transactional producers a partition knows. */
export function describeProducers({ replicas }: HandlerDeps<'replicas'>): Handler<typeof DescribeProducers> {
  return (ctx, req) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        const fail = (errorCode: number) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] });
        if (!ctx.authorize(AclOperation.READ, topicResource(t.name))) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        // The leader answers, as in Kafka.
        const partition = replicas.access(t.name, partitionIndex);
        if (typeof partition === 'number') return fail(partition);
        const log = partition.log;
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
