/**
 * The types of the partition log's public face (partition-log.ts): how it is opened, what an append takes and
 * returns, and how far a read may go.
 */
import type { StorageContext } from './context.js';
import type { LogConfig } from './log-config.js';

export interface PartitionLogOptions {
  config?: LogConfig;
  ctx?: StorageContext;
  /**
   * Whether the previous process shut down cleanly. When false (the default for a standalone log), segments
   * from `recoveryPoint` on are re-validated batch by batch and their indexes rebuilt.
   */
  cleanShutdown?: boolean;
  recoveryPoint?: number;
  /** From the log-start-offset checkpoint, if any. */
  logStartOffset?: number;
  /** On a single broker the high watermark simply follows the log end; replication turns this off. */
  hwFollowsLeo?: boolean;
  /** The high watermark to start from when it does not follow the log end (default: the log start offset). */
  highWatermark?: number;
}

export interface AppendMeta {
  maxTimestamp?: number;
  recordCount?: number;
  /** Partition leader epoch to stamp into the batches; default the log's `leaderEpoch`. */
  leaderEpoch?: number;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  logAppendTime: number;
  logStartOffset: number;
  /** The batch was a producer retry of one already in the log; the offsets are the original ones. */
  duplicate?: boolean;
}

/**
 * How far a read may go (Kafka's FetchIsolation): the log end (followers, internal readers), the high
 * watermark (read_uncommitted consumers) or the last stable offset (read_committed consumers).
 */
export type FetchIsolation = 'log-end' | 'high-watermark' | 'committed';

export interface ReadOptions {
  /** Return the first batch even if it exceeds maxBytes (KIP-74). Default true. */
  minOneBatch?: boolean;
  /** Exclusive upper bound: no batch whose last offset reaches it is returned. */
  maxOffset?: number;
  /** Default 'log-end'; the bound it implies applies together with maxOffset. */
  isolation?: FetchIsolation;
  /**
   * Answer from the in-memory tail with the batches of one appended buffer only, rather than joining several into
   * a new buffer (at least one batch still comes back): for readers that fetch again at once, such as followers.
   */
  oneBuffer?: boolean;
}

export interface ReadResult {
  errorCode: number;
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
}
