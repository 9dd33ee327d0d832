import { statfs } from 'node:fs/promises';
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeLogDirs } from '../../protocol/messages/describe-log-dirs.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

type TopicOut = Encodable<ResponseOf<typeof DescribeLogDirs>['results'][number]['topics'][number]>;

/** The broker's single data directory, the size of each partition in it and the file system's capacity. */
export function describeLogDirs(broker: Broker): Handler<typeof DescribeLogDirs> {
  const sizes = (name: string, wanted: readonly number[] | null): TopicOut | null => {
    const logs = broker.topics.partitionsOf(name);
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
    const topics: TopicOut[] = [];
    if (req.topics === null) {
      for (const name of broker.topics.names()) {
        const t = sizes(name, null);
        if (t) topics.push(t);
      }
    } else {
      const merged = new Map<string, number[]>();
      for (const t of req.topics) merged.set(t.topic, [...(merged.get(t.topic) ?? []), ...t.partitions]);
      for (const [name, parts] of merged) {
        const t = sizes(name, parts);
        if (t) topics.push(t);
      }
    }
    let totalBytes = -1;
    let usableBytes = -1;
    let errorCode = 0;
    if (ctx.header.apiVersion >= 4) {
      try {
        const s = await statfs(broker.dataDir);
        totalBytes = s.blocks * s.bsize;
        usableBytes = s.bavail * s.bsize;
      } catch {
        errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
      }
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      results: [{ errorCode, logDir: broker.dataDir, topics, totalBytes, usableBytes }],
    };
  };
}
