/**
 * ListTransactions (v0-v1): transactional ids filtered by state and producer id, and (v1+) by how long their
 * transaction has been open.
 */
import { ListTransactions } from '../../protocol/messages/list-transactions.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** ListTransactions: transactional ids filtered by state, producer id and (v1) how long they have been open. */
export function listTransactions({ txn }: HandlerDeps<'txn'>): Handler<typeof ListTransactions> {
  return (ctx, req) => {
    const r = txn.list(req.stateFilters, req.producerIdFilters, ctx.header.apiVersion >= 1 ? req.durationFilter : -1);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      unknownStateFilters: r.unknownStates,
      transactionStates: r.txns.map((m) => ({
        transactionalId: m.transactionalId,
        producerId: m.producerId,
        transactionState: m.state,
      })),
    };
  };
}

export const listTransactionsHandler = defineHandler(ListTransactions, listTransactions);
