/**
 * DescribeTransactions (v0): state, producer id and epoch, timeout and partitions of transactional ids
 * (TRANSACTIONAL_ID_NOT_FOUND for an unknown id).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeTransactions } from '../../protocol/messages/describe-transactions.js';
import { AclOperation, transactionalIdResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** DescribeTransactions: state, producer and partitions of transactional ids. */
export function describeTransactions({ txn }: HandlerDeps<'txn'>): Handler<typeof DescribeTransactions> {
  return (ctx, req) => ({
    throttleTimeMs: 0,
    transactionStates: req.transactionalIds.map((transactionalId) => {
      const allowed = ctx.authorize(AclOperation.DESCRIBE, transactionalIdResource(transactionalId));
      const m = allowed ? txn.describe(transactionalId) : undefined;
      if (!m) {
        return {
          errorCode: allowed ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          transactionalId,
          transactionState: '',
          transactionTimeoutMs: 0,
          transactionStartTimeMs: -1,
          producerId: -1,
          producerEpoch: -1,
          topics: [],
        };
      }
      return {
        errorCode: 0,
        transactionalId,
        transactionState: m.state,
        transactionTimeoutMs: m.timeoutMs,
        transactionStartTimeMs: m.startTimestamp,
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        topics: [...m.partitions].map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) })),
      };
    }),
  });
}

export const describeTransactionsHandler = defineHandler(DescribeTransactions, describeTransactions);
