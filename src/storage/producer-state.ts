/**
 * Per-partition state of idempotent and transactional producers: for each producer id its epoch, the sequence
 * ranges and offsets of its last few batches (to recognise retries), and the first offset of its open
 * transaction, if any. The oldest open transaction bounds the last stable offset.
 *
 * Snapshots use Kafka's `<offset>.snapshot` layout (version 1): int16 version, uint32 CRC-32C of the rest, then an
 * int32 count of 46-byte entries (producerId int64, epoch int16, lastSequence int32, lastOffset int64,
 * offsetDelta int32, timestamp int64, coordinatorEpoch int32, currentTxnFirstOffset int64). Like Kafka's, they keep
 * only the newest batch per producer; the log after the snapshot is replayed on load to restore the rest.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import { readControlBatch } from '../protocol/records/control.js';
import { crc32c } from '../protocol/records/crc.js';
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  CONTROL_BIT,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  TRANSACTIONAL_BIT,
  readInt64,
} from '../protocol/records/layout.js';

/** How many recent batches per producer are remembered for duplicate detection (Kafka's value). */
export const BATCHES_KEPT = 5;
export const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_VERSION = 1;
const ENTRY_BYTES = 46;
const INT32_MAX = 2147483647;

export interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Oldest first, at most BATCHES_KEPT. */
  batches: BatchMeta[];
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of this producer's open transaction in the partition, -1 when none. */
  currentTxnFirstOffset: number;
}

/** A completed transaction, as the log learns it from a marker. */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  aborted: boolean;
}

/** Outcome of checking a batch: ok, a retry of a batch already in the log, or a Kafka error code. */
export type CheckResult =
  | { kind: 'ok' }
  | { kind: 'duplicate'; batch: BatchMeta }
  | { kind: 'error'; code: number; message: string };

const OK: CheckResult = { kind: 'ok' };

export function snapshotFileName(offset: number): string {
  return String(offset).padStart(20, '0') + SNAPSHOT_SUFFIX;
}

/** Adds `delta` to a producer sequence, wrapping past INT32_MAX as Kafka does. */
export function seqAdd(seq: number, delta: number): number {
  const v = seq + delta;
  return v > INT32_MAX ? v - INT32_MAX - 1 : v;
}

/** True when `next` directly follows `last` (sequences wrap at INT32_MAX). */
function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (last === INT32_MAX && next === 0);
}

export class ProducerStateManager {
  readonly producers = new Map<number, ProducerEntry>();
  /** producerId -> first offset of its open transaction. */
  private readonly ongoing = new Map<number, number>();

  get size(): number {
    return this.producers.size;
  }

  get ongoingCount(): number {
    return this.ongoing.size;
  }

  /** First offset of the oldest open transaction, or -1 when none is open. */
  firstUnstableOffset(): number {
    if (this.ongoing.size === 0) return -1;
    let min = -1;
    for (const o of this.ongoing.values()) if (min < 0 || o < min) min = o;
    return min;
  }

  /**
   * Checks a client batch against the producer's state without changing it. Unknown producers must start at
   * sequence 0 (anything else is UNKNOWN_PRODUCER_ID, so KIP-360 clients reset their sequence with a new epoch).
   */
  check(pid: number, epoch: number, firstSeq: number, lastSeq: number, transactional: boolean): CheckResult {
    if (firstSeq < 0)
      return {
        kind: 'error',
        code: ErrorCode.INVALID_RECORD,
        message: `batch of producer ${pid} has no sequence number`,
      };
    const e = this.producers.get(pid);
    if (e === undefined) {
      if (firstSeq !== 0) {
        return {
          kind: 'error',
          code: ErrorCode.UNKNOWN_PRODUCER_ID,
          message: `no state for producer ${pid}; its first batch here has sequence ${firstSeq}, not 0`,
        };
      }
      return OK;
    }
    if (epoch < e.epoch) {
      return {
        kind: 'error',
        code: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `producer ${pid} epoch ${epoch} is older than the current ${e.epoch}`,
      };
    }
    if (epoch > e.epoch) {
      if (firstSeq !== 0) {
        return {
          kind: 'error',
          code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `new epoch ${epoch} of producer ${pid} must start at sequence 0, not ${firstSeq}`,
        };
      }
    } else {
      for (const b of e.batches) {
        if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return { kind: 'duplicate', batch: b };
      }
      const last = e.batches.length > 0 ? e.batches[e.batches.length - 1]!.lastSeq : -1;
      if (!inSequence(last, firstSeq)) {
        return {
          kind: 'error',
          code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `producer ${pid} epoch ${epoch}: sequence ${firstSeq} does not follow ${last}`,
        };
      }
    }
    if (!transactional && e.currentTxnFirstOffset >= 0) {
      return {
        kind: 'error',
        code: ErrorCode.INVALID_TXN_STATE,
        message: `producer ${pid} wrote a non-transactional batch inside its open transaction`,
      };
    }
    return OK;
  }

  /**
   * Checks the batch at the start of `batch` (producer id `pid`) that a leader is about to append, reading only
   * its header: sequence and epoch for data, the epoch for a transaction marker. Changes nothing.
   */
  checkBatch(batch: Buffer, pid: number): CheckResult {
    const attrs = batch.readInt16BE(ATTRIBUTES);
    const epoch = batch.readInt16BE(PRODUCER_EPOCH);
    if (attrs & CONTROL_BIT) {
      const code = this.checkMarker(pid, epoch);
      if (code === 0) return OK;
      return {
        kind: 'error',
        code,
        message: `marker for producer ${pid} has epoch ${epoch}, older than its current one`,
      };
    }
    const firstSeq = batch.readInt32BE(BASE_SEQUENCE);
    const delta = batch.readInt32BE(LAST_OFFSET_DELTA);
    return this.check(pid, epoch, firstSeq, seqAdd(firstSeq, delta), (attrs & TRANSACTIONAL_BIT) !== 0);
  }

  /**
   * Records the appended batch at `at` in `buf` (written at `firstOffset`), from its header (and a marker's one
   * control record). Returns the transaction a COMMIT or ABORT marker completed, null otherwise.
   */
  applyBatch(buf: Buffer, at: number, firstOffset: number): CompletedTxn | null {
    const pid = readInt64(buf, at + PRODUCER_ID);
    const attrs = buf.readInt16BE(at + ATTRIBUTES);
    const epoch = buf.readInt16BE(at + PRODUCER_EPOCH);
    const delta = buf.readInt32BE(at + LAST_OFFSET_DELTA);
    const ts = readInt64(buf, at + MAX_TIMESTAMP);
    if (attrs & CONTROL_BIT) {
      const marker = readControlBatch(buf, at);
      if (marker === null || (marker.type !== 0 && marker.type !== 1)) return null;
      return this.onMarker(pid, epoch, firstOffset, marker.type === 1, marker.coordinatorEpoch, ts);
    }
    const firstSeq = buf.readInt32BE(at + BASE_SEQUENCE);
    const lastSeq = firstSeq < 0 ? -1 : seqAdd(firstSeq, delta);
    this.onBatch(
      pid,
      epoch,
      firstSeq,
      lastSeq,
      firstOffset,
      firstOffset + delta,
      ts,
      (attrs & TRANSACTIONAL_BIT) !== 0,
    );
    return null;
  }

  /** Whether the producer already has an open transaction here (KIP-890 verification is needed only for the first write). */
  hasOngoingTxn(pid: number): boolean {
    return this.ongoing.has(pid);
  }

  /** Records an appended data batch (client writes and log replay alike). */
  onBatch(
    pid: number,
    epoch: number,
    firstSeq: number,
    lastSeq: number,
    firstOffset: number,
    lastOffset: number,
    timestamp: number,
    transactional: boolean,
  ): void {
    let e = this.producers.get(pid);
    if (e === undefined) {
      e = {
        producerId: pid,
        epoch,
        batches: [],
        lastTimestamp: timestamp,
        coordinatorEpoch: -1,
        currentTxnFirstOffset: -1,
      };
      this.producers.set(pid, e);
    } else if (epoch !== e.epoch) {
      e.epoch = epoch;
      e.batches.length = 0;
    }
    if (firstSeq >= 0) {
      e.batches.push({ firstSeq, lastSeq, firstOffset, lastOffset, timestamp });
      if (e.batches.length > BATCHES_KEPT) e.batches.shift();
    }
    e.lastTimestamp = timestamp;
    if (transactional && e.currentTxnFirstOffset < 0) {
      e.currentTxnFirstOffset = firstOffset;
      this.ongoing.set(pid, firstOffset);
    }
  }

  /** Checks a transaction marker's epoch: markers from an older epoch than the producer's are rejected. */
  checkMarker(pid: number, epoch: number): number {
    const e = this.producers.get(pid);
    if (e !== undefined && epoch < e.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    return 0;
  }

  /**
   * Applies a COMMIT/ABORT marker written at `markerOffset`; returns the completed transaction (null when the
   * producer had nothing open here). A marker with a newer epoch fences older writes, as after a timeout abort.
   */
  onMarker(
    pid: number,
    epoch: number,
    markerOffset: number,
    commit: boolean,
    coordinatorEpoch: number,
    timestamp: number,
  ): CompletedTxn | null {
    let e = this.producers.get(pid);
    if (e === undefined) {
      e = {
        producerId: pid,
        epoch,
        batches: [],
        lastTimestamp: timestamp,
        coordinatorEpoch,
        currentTxnFirstOffset: -1,
      };
      this.producers.set(pid, e);
    }
    if (epoch > e.epoch) {
      e.epoch = epoch;
      e.batches.length = 0;
    }
    e.coordinatorEpoch = coordinatorEpoch;
    e.lastTimestamp = timestamp;
    const first = e.currentTxnFirstOffset;
    e.currentTxnFirstOffset = -1;
    this.ongoing.delete(pid);
    if (first < 0) return null;
    return { producerId: pid, firstOffset: first, lastOffset: markerOffset, aborted: !commit };
  }

  /** Drops producers idle for `expirationMs` that have no open transaction; returns how many. */
  removeExpired(now: number, expirationMs: number): number {
    let n = 0;
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= expirationMs) {
        this.producers.delete(pid);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.producers.clear();
    this.ongoing.clear();
  }

  // ------------------------------------------------------------------------------------------ snapshots

  encodeSnapshot(): Buffer {
    const entries = [...this.producers.values()];
    const buf = Buffer.alloc(10 + entries.length * ENTRY_BYTES);
    buf.writeInt16BE(SNAPSHOT_VERSION, 0);
    buf.writeInt32BE(entries.length, 6);
    let p = 10;
    for (const e of entries) {
      const last = e.batches[e.batches.length - 1];
      buf.writeBigInt64BE(BigInt(e.producerId), p);
      buf.writeInt16BE(e.epoch, p + 8);
      buf.writeInt32BE(last ? last.lastSeq : -1, p + 10);
      buf.writeBigInt64BE(BigInt(last ? last.lastOffset : -1), p + 14);
      buf.writeInt32BE(last ? last.lastOffset - last.firstOffset : 0, p + 22);
      buf.writeBigInt64BE(BigInt(e.lastTimestamp), p + 26);
      buf.writeInt32BE(e.coordinatorEpoch, p + 34);
      buf.writeBigInt64BE(BigInt(e.currentTxnFirstOffset), p + 38);
      p += ENTRY_BYTES;
    }
    buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
    return buf;
  }

  /** Replaces the state with a snapshot's; throws if the snapshot is damaged. */
  loadSnapshot(buf: Buffer): void {
    if (buf.length < 10 || buf.readInt16BE(0) !== SNAPSHOT_VERSION)
      throw new Error('unknown producer snapshot version');
    if (buf.readUInt32BE(2) !== crc32c(buf.subarray(6))) throw new Error('producer snapshot checksum mismatch');
    const n = buf.readInt32BE(6);
    if (n < 0 || buf.length !== 10 + n * ENTRY_BYTES) throw new Error('producer snapshot has the wrong size');
    this.clear();
    let p = 10;
    for (let i = 0; i < n; i++, p += ENTRY_BYTES) {
      const producerId = Number(buf.readBigInt64BE(p));
      const epoch = buf.readInt16BE(p + 8);
      const lastSeq = buf.readInt32BE(p + 10);
      const lastOffset = Number(buf.readBigInt64BE(p + 14));
      const delta = buf.readInt32BE(p + 22);
      const timestamp = Number(buf.readBigInt64BE(p + 26));
      const coordinatorEpoch = buf.readInt32BE(p + 34);
      const txnFirst = Number(buf.readBigInt64BE(p + 38));
      const batches: BatchMeta[] = [];
      if (lastSeq >= 0 && lastOffset >= 0) {
        const firstSeq = lastSeq - delta < 0 ? lastSeq - delta + INT32_MAX + 1 : lastSeq - delta;
        batches.push({ firstSeq, lastSeq, firstOffset: lastOffset - delta, lastOffset, timestamp });
      }
      this.producers.set(producerId, {
        producerId,
        epoch,
        batches,
        lastTimestamp: timestamp,
        coordinatorEpoch,
        currentTxnFirstOffset: txnFirst,
      });
      if (txnFirst >= 0) this.ongoing.set(producerId, txnFirst);
    }
  }
}

/** Snapshot offsets present in `dir`, ascending. */
export function listSnapshots(dir: string): number[] {
  const out: number[] = [];
  for (const n of fs.readdirSync(dir)) {
    if (n.length === 20 + SNAPSHOT_SUFFIX.length && n.endsWith(SNAPSHOT_SUFFIX) && /^\d{20}/.test(n))
      out.push(Number(n.slice(0, 20)));
  }
  return out.sort((a, b) => a - b);
}

/**
 * Writes a snapshot through a temp file and a rename. No fsync: a snapshot torn by power loss fails its CRC and
 * load falls back to an older one (or the whole log), so shutdown of many partitions does not pay one sync each.
 */
export function writeSnapshot(dir: string, offset: number, data: Buffer): void {
  const file = path.join(dir, snapshotFileName(offset));
  const tmp = file + '.tmp';
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
