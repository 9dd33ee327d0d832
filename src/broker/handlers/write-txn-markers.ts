/**
 * WriteTxnMarkers (v0-v1): the inter-broker request a transaction coordinator sends to partition leaders to
 * write commit or abort markers. Samsa's own coordinator writes its markers directly; this serves tools and other
 * coordinators. v1 is flexible.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { WriteTxnMarkers } from '../../protocol/messages/write-txn-markers.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/**
 * WriteTxnMarkers: the inter-broker request a coordinator sends to partition leaders. Samsa's own coordinator
 * writes markers directly; this serves tools and other coordinators.
 */
export function writeTxnMarkers({ replicas, txn }: HandlerDeps<'replicas' | 'txn'>): Handler<typeof WriteTxnMarkers> {
  return async (ctx, req) => {
    // Only brokers (CLUSTER_ACTION) write markers.
    const allowed = ctx.authorize(AclOperation.CLUSTER_ACTION, CLUSTER);
    const durable: Array<Promise<void>> = [];
    const markers = req.markers.map((m) => ({
      producerId: m.producerId,
      topics: m.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          if (!allowed) return { partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
          // Markers go to partitions this broker leads, like any append.
          const partition = replicas.access(t.name, partitionIndex);
          if (typeof partition === 'number') return { partitionIndex, errorCode: partition };
          const w = txn.writeMarker(partition.log, m.producerId, m.producerEpoch, m.transactionResult);
          if (w.durable) durable.push(w.durable);
          return { partitionIndex, errorCode: w.error ? w.code! : 0 };
        }),
      })),
    }));
    await Promise.all(durable);
    return { markers };
  };
}

export const writeTxnMarkersHandler = defineHandler(WriteTxnMarkers, writeTxnMarkers);
