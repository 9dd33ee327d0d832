/**
 * Reading back the internal compacted topics (__consumer_offsets, __transaction_state) at startup: every keyed,
 * non-control record of every partition, in offset order, so later records override earlier ones.
 */
import { decodeBatches, type Record } from '../protocol/records/batch.js';
import type { Logger } from '../storage/logger.js';
import type { PartitionLog } from '../storage/partition-log.js';

const READ_CHUNK = 4 * 1024 * 1024;

/**
 * Calls `apply` for each keyed record of `logs`; a record `apply` cannot parse (it throws) is logged and skipped.
 * Returns how many records were read.
 */
export async function replayInternalTopic(
  topic: string,
  logs: readonly PartitionLog[],
  log: Logger,
  apply: (record: Record & { key: Buffer }, partition: number) => void,
): Promise<number> {
  let records = 0;
  for (const p of logs) {
    let at = p.logStartOffset;
    const end = p.logEndOffset;
    while (at < end) {
      const res = p.read(at, READ_CHUNK, { minOneBatch: true });
      if (res.errorCode !== 0 || res.records.length === 0) break;
      let next = at;
      for (const b of await decodeBatches(res.records)) {
        next = b.header.baseOffset + b.header.lastOffsetDelta + 1;
        if (b.header.isControl) continue;
        for (const r of b.records) {
          if (r.key === null) continue;
          records++;
          try {
            apply(r as Record & { key: Buffer }, p.partition);
          } catch (err) {
            log.warn(
              { topic, partition: p.partition, offset: r.offset, err: (err as Error).message },
              'skipping an unreadable record',
            );
          }
        }
      }
      if (next <= at) break; // no progress: nothing more can be read from here
      at = next;
    }
  }
  return records;
}
