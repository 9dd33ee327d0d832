/**
 * DeleteRecords: moves partitions' log start offsets forward ("delete records before"), on the partition's
 * leader; offset -1 means up to the high watermark. Refused for internal topics and for logs whose cleanup policy
 * does not include deletion (POLICY_VIOLATION), as Kafka refuses them. All versions (v0-v2) share one shape.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteRecords } from '../../protocol/messages/delete-records.js';
import { AclOperation, topicResource } from '../../security/authorizer.js';
import { StorageError } from '../../storage/partition-log.js';
import type { Handler } from '../dispatch.js';
import { defineHandler, type HandlerDeps } from './define.js';

const HIGH_WATERMARK = -1;

export function deleteRecords({ replicas, topics }: HandlerDeps<'replicas' | 'topics'>): Handler<typeof DeleteRecords> {
  return (ctx, req) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => {
      const allowed = ctx.authorize(AclOperation.DELETE, topicResource(t.name));
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          const fail = (errorCode: number) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode });
          if (!allowed) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const partition = replicas.access(t.name, p.partitionIndex);
          if (typeof partition === 'number') return fail(partition);
          if (topics.isInternal(t.name)) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION);
          const log = partition.log;
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
      };
    }),
  });
}

export const deleteRecordsHandler = defineHandler(DeleteRecords, deleteRecords);
