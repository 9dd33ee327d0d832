import fs from 'node:fs';
import { crc32, crc32c } from '../protocol/records/crc.js';
import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  COMPRESSION_MASK,
  CRC,
  LAST_OFFSET_DELTA,
  LEGACY_CRC,
  LEGACY_HEADER_SIZE_V0,
  LEGACY_MAGIC,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  TIMESTAMP_TYPE_BIT,
  readInt64,
} from '../protocol/records/layout.js';

/**
 * Walks batch headers in a file without decoding records. One scratch buffer serves every scan: all file
 * access in storage is synchronous, so two scans never interleave.
 */
const CHUNK = 64 * 1024;
const scratch = Buffer.allocUnsafe(CHUNK);

export class HeaderCursor {
  private bufStart = 0;
  private bufLen = 0;
  // fields of the batch at the current position
  position = 0;
  baseOffset = 0;
  lastOffset = 0;
  /** Whole batch size in bytes, including the 12-byte offset+length prefix. */
  size = 0;
  magic = 0;
  maxTimestamp = -1;
  leaderEpoch = -1;

  constructor(
    private readonly fd: number,
    private readonly end: number,
  ) {}

  /**
   * Reads the header at `pos`. Returns false if the header is incomplete, malformed, or the batch runs past
   * the end of the file (a torn write).
   */
  at(pos: number): boolean {
    if (pos + LOG_OVERHEAD > this.end) return false;
    const need = Math.min(BATCH_HEADER_SIZE, this.end - pos);
    if (pos < this.bufStart || pos + need > this.bufStart + this.bufLen) {
      const len = Math.min(CHUNK, this.end - pos);
      this.bufLen = fs.readSync(this.fd, scratch, 0, len, pos);
      this.bufStart = pos;
      if (this.bufLen < LOG_OVERHEAD) return false;
    }
    const b = scratch;
    const o = pos - this.bufStart;
    const length = b.readInt32BE(o + 8);
    const size = LOG_OVERHEAD + length;
    if (length < LEGACY_HEADER_SIZE_V0 - LOG_OVERHEAD || pos + size > this.end) return false;
    this.position = pos;
    this.size = size;
    const offsetField = readInt64(b, o);
    if (o + MAGIC >= this.bufLen) return false;
    this.magic = b[o + MAGIC]!;
    if (this.magic >= 2) {
      if (this.magic > 2 || size < BATCH_HEADER_SIZE || o + BATCH_HEADER_SIZE > this.bufLen) return false;
      this.baseOffset = offsetField;
      this.lastOffset = offsetField + b.readInt32BE(o + LAST_OFFSET_DELTA);
      this.maxTimestamp = readInt64(b, o + MAX_TIMESTAMP);
      this.leaderEpoch = b.readInt32BE(o + PARTITION_LEADER_EPOCH);
    } else {
      // legacy message: the offset field is the last (wrapper) offset; no batch-level timestamp we rely on
      this.baseOffset = offsetField;
      this.lastOffset = offsetField;
      this.maxTimestamp = this.magic === 1 && o + 26 <= this.bufLen ? readInt64(b, o + 18) : -1;
      this.leaderEpoch = -1;
    }
    return true;
  }
}

/** True if the batch (or legacy message) in `b` at [start, start+size) has a correct checksum. */
export function checksumOk(b: Buffer, start: number, size: number): boolean {
  const magic = b[start + MAGIC]!;
  if (magic === 2) {
    return crc32c(b.subarray(start + ATTRIBUTES, start + size)) === b.readUInt32BE(start + CRC);
  }
  if (magic === 0 || magic === 1) {
    return crc32(b.subarray(start + LEGACY_MAGIC, start + size)) === b.readUInt32BE(start + LEGACY_CRC);
  }
  return false;
}

/** Read buffer for whole-batch walks (recovery); grows when a batch is bigger. */
let walkBuf = Buffer.allocUnsafe(1024 * 1024);
export function walkBuffer(size: number): Buffer {
  if (walkBuf.length < size) walkBuf = Buffer.allocUnsafe(size);
  return walkBuf;
}

// ---- record-level search inside an uncompressed magic-2 batch (only needed by timestamp lookups) ----

function varint(b: Buffer, st: { p: number }): number {
  // zig-zag varint that may exceed 32 bits (timestamps): use arithmetic, not bit operations
  let result = 0;
  let mul = 1;
  for (;;) {
    const byte = b[st.p++]!;
    result += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) break;
    mul *= 128;
    if (mul > 2 ** 63) throw new RangeError('varint too long');
  }
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

export interface RecordHit {
  offset: number;
  timestamp: number;
}

/**
 * Finds the first record whose timestamp satisfies `pred` inside the batch `b` (a whole magic-2 batch).
 * Returns undefined when records cannot be inspected (compressed batch) so the caller falls back to batch level.
 */
export function findRecordInBatch(
  b: Buffer,
  pred: (ts: number, offset: number) => boolean,
): RecordHit | null | undefined {
  if (b[MAGIC] !== 2) return undefined;
  const attrs = b.readInt16BE(ATTRIBUTES);
  const baseOffset = readInt64(b, 0);
  if (attrs & TIMESTAMP_TYPE_BIT) {
    // LogAppendTime: every record carries the batch's max timestamp
    const ts = readInt64(b, MAX_TIMESTAMP);
    const last = baseOffset + b.readInt32BE(LAST_OFFSET_DELTA);
    for (let o = baseOffset; o <= last; o++) if (pred(ts, o)) return { offset: o, timestamp: ts };
    return null;
  }
  if ((attrs & COMPRESSION_MASK) !== 0) return undefined;
  const baseTs = readInt64(b, BASE_TIMESTAMP);
  const count = b.readInt32BE(57);
  const st = { p: BATCH_HEADER_SIZE };
  try {
    for (let i = 0; i < count && st.p < b.length; i++) {
      const len = varint(b, st);
      const next = st.p + len;
      st.p++; // record attributes
      const tsDelta = varint(b, st);
      const offDelta = varint(b, st);
      const ts = baseTs + tsDelta;
      if (pred(ts, baseOffset + offDelta)) return { offset: baseOffset + offDelta, timestamp: ts };
      st.p = next;
    }
  } catch {
    return undefined;
  }
  return null;
}
