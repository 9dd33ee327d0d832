/**
 * DescribeLogDirs (v0-v4): the broker's data directory, the size of each partition in it, and (v4+) the file
 * system's total and usable bytes. v2+ are flexible; v3+ carry a top-level error code.
 */
import { statfs } from 'node:fs/promises';
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeLogDirs } from '../../protocol/messages/describe-log-dirs.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

type TopicOut = Encodable<ResponseOf<typeof DescribeLogDirs>['results'][number]['topics'][number]>;

/** The broker's single data directory, the size of each partition in it and the file system's capacity. */
export function describeLogDirs({
  dataDir,
  topics,
}: HandlerDeps<'dataDir' | 'topics'>): Handler<typeof DescribeLogDirs> {
  const sizes = (name: string, wanted: readonly number[] | null): TopicOut | null => {
    const logs = topics.partitionsOf(name);
    if (!logs) return null;
    const partitions = [];
    const indexes = wanted ?? logs.map((_l, i) => i);
    for (const i of new Set(indexes)) {
      const log = logs[i];
      if (log === undefined) continue;
      partitions.push({ partitionIndex: i, partitionSize: log.size, offsetLag: 0, isFutureKey: false });
    }
    return partitions.length > 0 ? { name, partitions } : null;
  };

  return async (ctx, req) => {
    if (!ctx.authorize(AclOperation.DESCRIBE, CLUSTER)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    }
    const found: TopicOut[] = [];
    if (req.topics === null) {
      for (const name of topics.names()) {
        const t = sizes(name, null);
        if (t) found.push(t);
      }
    } else {
      const merged = new Map<string, number[]>();
      for (const t of req.topics) merged.set(t.topic, [...(merged.get(t.topic) ?? []), ...t.partitions]);
      for (const [name, parts] of merged) {
        const t = sizes(name, parts);
        if (t) found.push(t);
      }
    }
    let totalBytes = -1;
    let usableBytes = -1;
    let errorCode = 0;
    if (ctx.header.apiVersion >= 4) {
      try {
        const s = await statfs(dataDir);
        totalBytes = s.blocks * s.bsize;
        usableBytes = s.bavail * s.bsize;
      } catch {
        errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
      }
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      results: [{ errorCode, logDir: dataDir, topics: found, totalBytes, usableBytes }],
    };
  };
}

export const describeLogDirsHandler = defineHandler(DescribeLogDirs, describeLogDirs);
