/**
 * What every partition log of a log directory shares (the descriptor cache, the logger, the clock and the
 * fdatasync used for group commit), and the naming of partition directories. Kept apart so the log's modules
 * (local log, loader, flusher, unified log) depend on it rather than on each other.
 */
import fs from 'node:fs';
import { FileCache } from './file-cache.js';
import { silentLogger, type Logger } from './logger.js';
import { TAIL_CACHE_TOTAL_BYTES, TailBudget } from './tail-cache.js';
import type { PartitionLog } from './partition-log.js';

/** Shared services of all logs of a LogManager (or a default for a standalone log). */
export interface StorageContext {
  files: FileCache;
  logger: Logger;
  /** Asynchronous fdatasync; injectable so tests can count calls (group commit). */
  fdatasync: (fd: number) => Promise<void>;
  now: () => number;
  /** The log start offset moved because of deleteRecordsBefore; the owner persists its checkpoint. */
  onLogStartOffsetChange?: (log: PartitionLog) => void;
  /** Memory the logs' tail caches share (tail-cache.ts); without it each log keeps its own share only. */
  tailBudget?: TailBudget;
}

export function defaultFdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function createStorageContext(p: Partial<StorageContext> = {}): StorageContext {
  return {
    files: p.files ?? new FileCache(1000),
    logger: p.logger ?? silentLogger,
    fdatasync: p.fdatasync ?? defaultFdatasync,
    now: p.now ?? Date.now,
    onLogStartOffsetChange: p.onLogStartOffsetChange,
    tailBudget: p.tailBudget ?? new TailBudget(TAIL_CACHE_TOTAL_BYTES),
  };
}

/** Parses `<topic>-<partition>` (the topic itself may contain dashes). */
export function parseLogDirName(name: string): { topic: string; partition: number } | null {
  const i = name.lastIndexOf('-');
  if (i <= 0) return null;
  const p = name.slice(i + 1);
  if (!/^\d+$/.test(p)) return null;
  return { topic: name.slice(0, i), partition: Number(p) };
}

/** Asynchronous fsync of a directory (new or renamed files in it); errors are ignored. */
export function fsyncDirAsync(dir: string): Promise<void> {
  return new Promise((resolve) => {
    fs.open(dir, 'r', (err, fd) => {
      if (err) return resolve();
      fs.fsync(fd, () => fs.close(fd, () => resolve()));
    });
  });
}
