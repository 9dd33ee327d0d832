import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeTransactions } from '../../protocol/messages/describe-transactions.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

/** DescribeTransactions: state, producer and partitions of transactional ids. */
export function describeTransactions(broker: Broker): Handler<typeof DescribeTransactions> {
  return (_ctx, req) => ({
    throttleTimeMs: 0,
    transactionStates: req.transactionalIds.map((transactionalId) => {
      const m = broker.txn.describe(transactionalId);
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
