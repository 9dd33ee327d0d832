/**
 * WriteTxnMarkers (v0-v1): the inter-broker request a transaction coordinator sends to partition leaders to
 * write commit or abort markers. Samsa's own coordinator writes its markers directly; this serves tools and other
 * coordinators. v1 is flexible.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { WriteTxnMarkers } from '../../protocol/messages/write-txn-markers.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/**
 * WriteTxnMarkers: the inter-broker request a coordinator sends to partition leaders. Samsa's own coordinator
 * writes markers directly; this serves tools and other coordinators.
 */
export function writeTxnMarkers({ topics, txn }: HandlerDeps<'topics' | 'txn'>): Handler<typeof WriteTxnMarkers> {
  return async (_ctx, req) => {
    const durable: Array<Promise<void>> = [];
    const markers = req.markers.map((m) => ({
      producerId: m.producerId,
      topics: m.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const log = topics.partition(t.name, partitionIndex);
          if (!log) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          const w = txn.writeMarker(log, m.producerId, m.producerEpoch, m.transactionResult);
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
