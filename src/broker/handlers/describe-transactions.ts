/**
 * DescribeTransactions (v0): state, producer id and epoch, timeout and partitions of transactional ids
 * (TRANSACTIONAL_ID_NOT_FOUND for an unknown id).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeTransactions } from '../../protocol/messages/describe-transactions.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** DescribeTransactions: state, producer and partitions of transactional ids. */
export function describeTransactions({ txn }: HandlerDeps<'txn'>): Handler<typeof DescribeTransactions> {
  return (_ctx, req) => ({
    throttleTimeMs: 0,
    transactionStates: req.transactionalIds.map((transactionalId) => {
      const m = txn.describe(transactionalId);
      if (!m) {
        return {
          errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
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
