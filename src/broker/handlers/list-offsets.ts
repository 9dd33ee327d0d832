/**
 * ListOffsets: offsets by timestamp, and the earliest, latest and max-timestamp offsets of partitions, from the
 * partition's leader (debugging tools, replica id -2, may ask any replica). Consumers see offsets up to the high
 * watermark (read_committed: the last stable offset); replicas up to the log end.
 *
 * Versions: v0 answers a list of segment start offsets ("old style"); v1+ one offset; v2+ isolation level; v4+
 * the current leader epoch, checked by the replica manager (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH); v7+
 * the max-timestamp query; v8+ the tiered-storage timestamps (nothing is tiered: -1).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../protocol/errors.js';
import { ListOffsets } from '../../protocol/messages/list-offsets.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { decodeBatches } from '../../protocol/records/batch.js';
import { COMPRESSION_MASK, ATTRIBUTES } from '../../protocol/records/layout.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { AclOperation, topicResource } from '../../security/authorizer.js';
import { CONSUMER_REPLICA_ID, DEBUGGING_REPLICA_ID } from '../replica-manager.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

type PartitionOut = Encodable<ResponseOf<typeof ListOffsets>['topics'][number]['partitions'][number]>;

/** ListOffsets' special timestamps. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;

const READ_COMMITTED = 1;

/** The leader epoch that wrote `offset`, from the partition's epoch cache; -1 when unknown. */
export function epochForOffset(log: PartitionLog, offset: number): number {
  let epoch = -1;
  for (const e of log.epochCache.entries) {
    if (e.startOffset > offset) break;
    epoch = e.epoch;
  }
  return epoch;
}

/**
 * ListOffsets v0's answer: segment start offsets (plus the log end) whose segment was last modified at or before
 * `timestamp`, newest first, at most `max` of them. Consumers never see offsets above the high watermark.
 */
function legacyOffsets(log: PartitionLog, timestamp: number, max: number, fromConsumer: boolean): number[] {
  const bases = log.segmentBaseOffsets;
  const points: Array<[offset: number, time: number]> = [];
  let lastSize = 0;
  for (const base of bases) {
    let mtime = 0;
    lastSize = 0;
    // Modification times are only needed for real timestamps; the special ones pick by position.
    if (timestamp >= 0 || base === bases[bases.length - 1]) {
      try {
        const st = statSync(join(log.dir, `${String(base).padStart(20, '0')}.log`));
        mtime = st.mtimeMs;
        lastSize = st.size;
      } catch {
        // A segment removed meanwhile by retention simply has no usable time.
      }
    }
    points.push([Math.max(base, log.logStartOffset), mtime]);
  }
  if (lastSize > 0 || log.logEndOffset > (bases[bases.length - 1] ?? 0)) points.push([log.logEndOffset, Date.now()]);
  let start: number;
  if (timestamp === LATEST_TIMESTAMP) start = points.length - 1;
  else if (timestamp === EARLIEST_TIMESTAMP) start = 0;
  else {
    start = points.length - 1;
    while (start >= 0 && points[start]![1] > timestamp) start--;
  }
  const out: number[] = [];
  for (let i = start; i >= 0 && out.length < max; i--) out.push(points[i]![0]);
  out.sort((a, b) => b - a);
  if (!fromConsumer) return out;
  const hw = log.highWatermark;
  if (out.some((o) => o > hw)) return [hw, ...out.filter((o) => o <= hw)];
  return out;
}

/**
 * Storage finds timestamps by batch headers; inside a compressed batch it cannot see the records, so it answers
 * with the batch. This reads that batch and finds the exact record: the first with a timestamp >= `target`
 * (or, for the max-timestamp query, the first carrying the batch's max timestamp).
 */
async function exactRecord(log: PartitionLog, out: PartitionOut, target: number | 'max'): Promise<void> {
  const from = out.offset!;
  const res = log.read(from, 1, { minOneBatch: true });
  if (res.records.length < ATTRIBUTES + 2 || (res.records.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK) === 0) return;
  const [batch] = await decodeBatches(res.records);
  if (!batch) return;
  const want = target === 'max' ? batch.header.maxTimestamp : target;
  const rec = batch.records.find(
    (r) => r.offset >= from && (target === 'max' ? r.timestamp === want : r.timestamp >= want),
  );
  if (rec) {
    out.offset = rec.offset;
    out.timestamp = rec.timestamp;
  }
}

export function listOffsets({ replicas }: HandlerDeps<'replicas'>): Handler<typeof ListOffsets> {
  const unknown = (partitionIndex: number, errorCode: number): PartitionOut => ({
    partitionIndex,
    errorCode,
    oldStyleOffsets: [],
    timestamp: -1,
    offset: -1,
    leaderEpoch: -1,
  });

  const lookup = (
    log: PartitionLog,
    timestamp: number,
    lastFetchable: number,
  ): { timestamp: number; offset: number; leaderEpoch: number } | null => {
    switch (timestamp) {
      case LATEST_TIMESTAMP:
        return { timestamp: -1, offset: lastFetchable, leaderEpoch: log.leaderEpoch };
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP: {
        const start = log.logStartOffset;
        return { timestamp: -1, offset: start, leaderEpoch: epochForOffset(log, start) };
      }
      case LATEST_TIERED_TIMESTAMP:
        // Nothing is tiered: Kafka answers offset -1 for logs without remote storage.
        return { timestamp: -1, offset: -1, leaderEpoch: -1 };
      case MAX_TIMESTAMP: {
        const hit = log.maxTimestampOffset();
        if (hit === null) return { timestamp: -1, offset: -1, leaderEpoch: -1 };
        return hit.offset < lastFetchable ? hit : null;
      }
      default: {
        const hit = log.offsetForTimestamp(timestamp);
        return hit !== null && hit.offset < lastFetchable ? hit : null;
      }
    }
  };

  return (ctx, req) => {
    const version = ctx.header.apiVersion;
    const refinements: Array<Promise<void>> = [];
    const fromConsumer = req.replicaId === CONSUMER_REPLICA_ID;
    // Debugging tools (-2) may ask a follower; everyone else needs the leader.
    const requireLeader = req.replicaId !== DEBUGGING_REPLICA_ID;
    // Seen counts per topic-partition, so every entry of a repeated partition is refused.
    const seen = new Map<string, number>();
    if (version > 0) {
      for (const t of req.topics) {
        for (const p of t.partitions) {
          const k = `${t.name}\u0000${p.partitionIndex}`;
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
      }
    }
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): PartitionOut => {
        if (!ctx.authorize(AclOperation.DESCRIBE, topicResource(t.name)))
          return unknown(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (version === 0) {
          const partition = replicas.access(t.name, p.partitionIndex, { requireLeader });
          if (typeof partition === 'number') return unknown(p.partitionIndex, partition);
          return {
            partitionIndex: p.partitionIndex,
            errorCode: 0,
            oldStyleOffsets: legacyOffsets(partition.log, p.timestamp, Math.max(0, p.maxNumOffsets), fromConsumer),
          };
        }
        if (seen.get(`${t.name}\u0000${p.partitionIndex}`)! > 1)
          return unknown(p.partitionIndex, ErrorCode.INVALID_REQUEST);
        const partition = replicas.access(t.name, p.partitionIndex, {
          currentLeaderEpoch: p.currentLeaderEpoch,
          requireLeader,
        });
        if (typeof partition === 'number') return unknown(p.partitionIndex, partition);
        const log = partition.log;
        const lastFetchable = !fromConsumer
          ? log.logEndOffset
          : req.isolationLevel === READ_COMMITTED
            ? log.lastStableOffset
            : log.highWatermark;
        const hit = lookup(log, p.timestamp, lastFetchable);
        if (hit === null) return unknown(p.partitionIndex, 0);
        const out: PartitionOut = {
          partitionIndex: p.partitionIndex,
          errorCode: 0,
          timestamp: hit.timestamp,
          offset: hit.offset,
          leaderEpoch: hit.leaderEpoch,
        };
        if (p.timestamp >= 0 || p.timestamp === MAX_TIMESTAMP) {
          refinements.push(exactRecord(log, out, p.timestamp === MAX_TIMESTAMP ? 'max' : p.timestamp));
        }
        return out;
      }),
    }));
    if (refinements.length === 0) return { throttleTimeMs: 0, topics };
    return Promise.all(refinements).then(() => ({ throttleTimeMs: 0, topics }));
  };
}

export const listOffsetsHandler = defineHandler(ListOffsets, listOffsets);
