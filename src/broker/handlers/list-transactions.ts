/**
 * ListTransactions (v0-v1): transactional ids filtered by state and producer id, and (v1+) by how long their
 * transaction has been open.
 */
import { AclOperation, transactionalIdResource } from '../../security/authorizer.js';
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
      // Only the transactional ids the requester may describe are listed, as Kafka does.
      transactionStates: r.txns
        .filter((m) => ctx.authorize(AclOperation.DESCRIBE, transactionalIdResource(m.transactionalId)))
        .map((m) => ({
          transactionalId: m.transactionalId,
          producerId: m.producerId,
          transactionState: m.state,
        })),
    };
  };
}

export const listTransactionsHandler = defineHandler(ListTransactions, listTransactions);
