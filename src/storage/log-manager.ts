import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, readOffsetCheckpoint, writeFileAtomic, writeOffsetCheckpoint } from './checkpoint.js';
import { LogCleaner } from './cleaner.js';
import { FileCache } from './file-cache.js';
import { resolveLogConfig, type LogConfig } from './log-config.js';
import { silentLogger, type Logger } from './logger.js';
import { createStorageContext, parseLogDirName, PartitionLog, type StorageContext } from './partition-log.js';

export const CLEAN_SHUTDOWN_FILE = '.samsa_clean_shutdown';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
/** Per partition, the high watermark (Kafka's name and format); read back only by logs whose HW does not follow LEO. */
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
const DELETE_DIR_SUFFIX = '-delete';

export interface LogManagerOptions {
  /** The log directory (log.dirs); created if missing. */
  dataDir: string;
  logger?: Logger;
  /** Broker properties (log.retention.hours, log.segment.bytes, ...) used as defaults for every topic. */
  brokerConfig?: Record<string, string>;
  /** Config of a topic's logs found on disk at open(); defaults to the broker defaults. */
  topicConfig?: (topic: string) => LogConfig;
  /** Upper bound on open segment/index files across all partitions. */
  maxOpenFiles?: number;
  /** log.retention.check.interval.ms; 0 disables the background retention pass. Default 300000. */
  retentionCheckIntervalMs?: number;
  /** How often logs with a finite flush.ms are checked. Default 1000 (log.flush.scheduler.interval.ms). */
  flushCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms. Default 60000. */
  checkpointIntervalMs?: number;
  fdatasync?: (fd: number) => Promise<void>;
  now?: () => number;
  /** Set false in tests that drive retention/flush by hand. Default true. */
  backgroundTasks?: boolean;
  /** log.cleaner.backoff.ms override (else taken from brokerConfig, default 15000). */
  cleanerBackoffMs?: number;
  /**
   * Whether each log's high watermark follows its log end (a single node, the default). When false, the replica
   * manager moves it (PartitionLog.updateHighWatermark) and logs reopen at the checkpointed high watermark.
   */
  hwFollowsLeo?: boolean;
}

function num(v: string | undefined, dflt: number): number {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : dflt;
}

/**
 * All partition logs of one log directory: loading (with crash recovery), creation, deletion, checkpoints,
 * the clean-shutdown marker and the background retention / flush passes.
 */
export class LogManager {
  readonly dataDir: string;
  readonly ctx: StorageContext;
  private readonly logs = new Map<string, PartitionLog>();
  private readonly logger: Logger;
  readonly brokerDefaults: LogConfig;
  private timers: NodeJS.Timeout[] = [];
  private opened = false;
  private closed = false;
  /** Whether the previous shutdown was clean (known after open()). */
  lastShutdownClean = false;
  /** Log compaction; null when log.cleaner.enable=false. Runs in the background only with backgroundTasks. */
  cleaner: LogCleaner | null = null;

  constructor(private readonly opts: LogManagerOptions) {
    this.dataDir = opts.dataDir;
    this.logger = opts.logger ?? silentLogger;
    this.brokerDefaults = resolveLogConfig({}, opts.brokerConfig ?? {});
    this.ctx = createStorageContext({
      files: new FileCache(opts.maxOpenFiles ?? 1000),
      logger: this.logger,
      fdatasync: opts.fdatasync,
      now: opts.now,
      onLogStartOffsetChange: () => this.writeLogStartOffsetCheckpoint(),
    });
  }

  static key(topic: string, partition: number): string {
    return `${topic}-${partition}`;
  }

  /** Loads every partition directory, recovering them if the last shutdown was not clean. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    fs.mkdirSync(this.dataDir, { recursive: true });
    const marker = path.join(this.dataDir, CLEAN_SHUTDOWN_FILE);
    const clean = fs.existsSync(marker);
    this.lastShutdownClean = clean;
    if (clean) {
      // from now on a crash must be treated as unclean
      fs.rmSync(marker);
      fsyncDir(this.dataDir);
    }
    const recovery = readOffsetCheckpoint(path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT));
    const starts = readOffsetCheckpoint(path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT));
    const hws = readOffsetCheckpoint(path.join(this.dataDir, REPLICATION_OFFSET_CHECKPOINT));
    const t0 = Date.now();
    for (const ent of fs.readdirSync(this.dataDir, { withFileTypes: true })) {
      if (!ent.isDirectory()) continue;
      const full = path.join(this.dataDir, ent.name);
      if (ent.name.endsWith(DELETE_DIR_SUFFIX)) {
        fs.promises.rm(full, { recursive: true, force: true }).catch(() => {});
        continue;
      }
      const parsed = parseLogDirName(ent.name);
      if (!parsed) continue;
      const config = this.opts.topicConfig?.(parsed.topic) ?? this.brokerDefaults;
      const rp = recovery.get(ent.name);
      const log = PartitionLog.open(full, {
        config,
        ctx: this.ctx,
        cleanShutdown: clean && rp !== undefined,
        recoveryPoint: rp ?? 0,
        logStartOffset: starts.get(ent.name),
        hwFollowsLeo: this.opts.hwFollowsLeo,
        highWatermark: hws.get(ent.name),
      });
      this.logs.set(ent.name, log);
    }
    this.logger.info({ dataDir: this.dataDir, logs: this.logs.size, clean, ms: Date.now() - t0 }, 'loaded logs');
    if (!clean) this.writeRecoveryCheckpoint();
    this.createCleaner();
    if (this.opts.backgroundTasks ?? true) this.startBackgroundTasks();
  }

  private startBackgroundTasks(): void {
    const bc = this.opts.brokerConfig ?? {};
    const retentionEvery = this.opts.retentionCheckIntervalMs ?? num(bc['log.retention.check.interval.ms'], 300000);
    const flushEvery =
      this.opts.flushCheckIntervalMs ?? Math.min(num(bc['log.flush.scheduler.interval.ms'], 1000), 1000);
    const checkpointEvery = this.opts.checkpointIntervalMs ?? num(bc['log.flush.offset.checkpoint.interval.ms'], 60000);
    const every = (ms: number, fn: () => void): void => {
      if (ms <= 0) return;
      const t = setInterval(() => {
        try {
          fn();
        } catch (e) {
          this.logger.error({ err: e }, 'background storage task failed');
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(retentionEvery, () => this.runRetention());
    every(flushEvery, () => {
      const now = this.ctx.now();
      for (const log of this.logs.values()) if (log.config.flushMs < 1e15) log.maybeFlushByTime(now);
    });
    every(checkpointEvery, () => this.writeRecoveryCheckpoint());
    this.cleaner?.start();
  }

  private createCleaner(): void {
    const bc = this.opts.brokerConfig ?? {};
    if ((bc['log.cleaner.enable'] ?? 'true').trim().toLowerCase() === 'false') return;
    this.cleaner = new LogCleaner({
      dataDir: this.dataDir,
      logs: () => this.logs.values(),
      logger: this.logger,
      now: this.ctx.now,
      backoffMs: this.opts.cleanerBackoffMs ?? num(bc['log.cleaner.backoff.ms'], 15000),
    });
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(LogManager.key(topic, partition));
  }

  get size(): number {
    return this.logs.size;
  }

  allLogs(): IterableIterator<PartitionLog> {
    return this.logs.values();
  }

  /** Creates the partition's log (or returns the existing one). */
  createLog(topic: string, partition: number, config?: LogConfig): PartitionLog {
    const key = LogManager.key(topic, partition);
    const existing = this.logs.get(key);
    if (existing) return existing;
    const log = PartitionLog.open(path.join(this.dataDir, key), {
      config: config ?? this.opts.topicConfig?.(topic) ?? this.brokerDefaults,
      ctx: this.ctx,
      cleanShutdown: true,
      hwFollowsLeo: this.opts.hwFollowsLeo,
    });
    this.logs.set(key, log);
    return log;
  }

  /** Applies a new config to all logs of a topic (after AlterConfigs). */
  updateTopicConfig(topic: string, config: LogConfig): void {
    for (const log of this.logs.values()) if (log.topic === topic) log.updateConfig(config);
  }

  /** Deletes all logs of `topic`: directories are renamed to `*-delete` at once and removed in the background. */
  deleteLogs(topic: string): number {
    let n = 0;
    for (const [key, log] of [...this.logs]) {
      if (log.topic !== topic) continue;
      this.deleteLogEntry(key, log);
      n++;
    }
    if (n > 0) {
      fsyncDir(this.dataDir);
      this.writeRecoveryCheckpoint();
      this.writeLogStartOffsetCheckpoint();
    }
    return n;
  }

  deleteLog(topic: string, partition: number): boolean {
    const key = LogManager.key(topic, partition);
    const log = this.logs.get(key);
    if (!log) return false;
    this.deleteLogEntry(key, log);
    fsyncDir(this.dataDir);
    this.writeRecoveryCheckpoint();
    this.writeLogStartOffsetCheckpoint();
    return true;
  }

  private deleteLogEntry(key: string, log: PartitionLog): void {
    log.detach();
    this.cleaner?.forget(log.topic, log.partition);
    this.logs.delete(key);
    const target = path.join(this.dataDir, `${key}.${crypto.randomUUID().replace(/-/g, '')}${DELETE_DIR_SUFFIX}`);
    fs.renameSync(log.dir, target);
    fs.promises
      .rm(target, { recursive: true, force: true })
      .catch((e) => this.logger.warn({ err: e, dir: target }, 'could not remove deleted log'));
  }

  /** One retention pass over every log; returns the number of segments deleted. */
  runRetention(now = this.ctx.now()): number {
    let n = 0;
    for (const log of this.logs.values()) {
      try {
        n += log.applyRetention(now);
      } catch (e) {
        this.logger.error({ err: e, dir: log.dir }, 'retention failed');
      }
    }
    return n;
  }

  /** Writes the recovery points and, with them, the high watermarks (replication-offset-checkpoint). */
  writeRecoveryCheckpoint(): void {
    const entries: [string, number, number][] = [];
    const hws: [string, number, number][] = [];
    for (const log of this.logs.values()) {
      entries.push([log.topic, log.partition, log.recoveryPoint]);
      hws.push([log.topic, log.partition, log.highWatermark]);
    }
    writeOffsetCheckpoint(path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT), entries);
    writeOffsetCheckpoint(path.join(this.dataDir, REPLICATION_OFFSET_CHECKPOINT), hws);
  }

  writeLogStartOffsetCheckpoint(): void {
    const entries: [string, number, number][] = [];
    for (const log of this.logs.values()) entries.push([log.topic, log.partition, log.logStartOffset]);
    writeOffsetCheckpoint(path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT), entries);
  }

  /** Flushes every log (a bounded number at a time). */
  async flushAll(concurrency = 32): Promise<void> {
    const logs = [...this.logs.values()].filter((l) => l.hasUnflushedData);
    let i = 0;
    const worker = async (): Promise<void> => {
      while (i < logs.length) await logs[i++]!.flush();
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, logs.length) }, worker));
  }

  /** Clean shutdown: flush everything, write checkpoints, close files, then leave the clean marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // a pass in progress is abandoned (its partial files removed) before the logs close
    await this.cleaner?.stop();
    await this.flushAll();
    for (const log of this.logs.values()) log.close();
    this.writeRecoveryCheckpoint();
    this.writeLogStartOffsetCheckpoint();
    this.ctx.files.closeAll();
    writeFileAtomic(path.join(this.dataDir, CLEAN_SHUTDOWN_FILE), '');
    this.logger.info({ dataDir: this.dataDir, logs: this.logs.size }, 'log manager closed cleanly');
  }
}
