import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteRecords } from '../../protocol/messages/delete-records.js';
import { StorageError } from '../../storage/partition-log.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

const HIGH_WATERMARK = -1;

/** Moves log start offsets forward ("delete records before"); -1 means up to the high watermark. */
export function deleteRecords(broker: Broker): Handler<typeof DeleteRecords> {
  return (_ctx, req) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const fail = (errorCode: number) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode });
        const log = broker.topics.partition(t.name, p.partitionIndex);
        if (log === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (broker.topics.isInternal(t.name)) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION);
        // Kafka refuses to cut into a log whose cleanup policy does not include deletion.
        if (log.config.cleanupPolicy === 'compact') return fail(ErrorCode.POLICY_VIOLATION);
        const offset = p.offset === HIGH_WATERMARK ? log.highWatermark : p.offset;
        if (offset < 0 || offset > log.highWatermark) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
        try {
          return { partitionIndex: p.partitionIndex, lowWatermark: log.deleteRecordsBefore(offset), errorCode: 0 };
        } catch (err) {
          if (err instanceof StorageError) return fail(err.code);
          throw err;
        }
      }),
    })),
  });
}
