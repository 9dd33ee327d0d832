/**
 * Legacy message sets (magic 0 and 1), as sent by Produce v0-v2 and expected by Fetch v0-v3.
 *
 * Entry layout: offset int64, size int32, crc uint32 (CRC-32 IEEE over magic..end), magic int8, attributes int8,
 * timestamp int64 (magic 1 only), key bytes (int32 length, -1 = null), value bytes (same).
 * A compressed "wrapper" message has codec bits in its attributes and an inner message set as its value. In magic 0
 * the inner offsets are absolute; in magic 1 they are relative and the wrapper carries the offset of the last inner one.
 *
 * The broker stores magic-2 batches only: upConvert turns what an old producer sends into batches, downConvert
 * turns stored batches back into a message set for an old consumer.
 */
import { crc32 } from './crc.js';
import {
  COMPRESSION_MASK,
  Compression,
  LEGACY_ATTRIBUTES,
  LEGACY_CRC,
  LEGACY_HEADER_SIZE_V0,
  LEGACY_HEADER_SIZE_V1,
  LEGACY_MAGIC,
  LEGACY_TIMESTAMP,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  TIMESTAMP_TYPE_BIT,
  readInt64,
  writeInt64,
} from './layout.js';
import { CompressionError, compress, decompressSync } from './compression.js';
import {
  CORRUPT_MESSAGE,
  INVALID_RECORD,
  MESSAGE_TOO_LARGE,
  NO_TIMESTAMP,
  RecordsError,
  buildBatch,
  decodeBatches,
  encodeRecords,
  type Record,
  type RecordInput,
  type ValidationError,
} from './batch.js';

/** A parsed legacy message; key and value are views into the source buffer. */
export interface LegacyMessage {
  offset: number;
  magic: 0 | 1;
  attributes: number;
  compression: Compression;
  /** NO_TIMESTAMP (-1) for magic 0. */
  timestamp: number;
  /** 1 when the log-append-time bit is set (magic 1 only). */
  timestampType: 0 | 1;
  key: Buffer | null;
  value: Buffer | null;
  /** Position just past the message in its buffer. */
  end: number;
}

const DEFAULT_MAX_INFLATE = 64 * 1024 * 1024;

/** Smallest size field: crc, magic, attributes, two null lengths (+ timestamp for magic 1). */
const MIN_SIZE_V0 = LEGACY_HEADER_SIZE_V0 - LOG_OVERHEAD + 8;
const MIN_SIZE_V1 = LEGACY_HEADER_SIZE_V1 - LOG_OVERHEAD + 8;

function readBytes(buf: Buffer, p: number, end: number): [Buffer | null, number] {
  if (p + 4 > end) throw new RecordsError('legacy message truncated');
  const n = buf.readInt32BE(p);
  p += 4;
  if (n === -1) return [null, p];
  if (n < -1 || p + n > end) throw new RecordsError(`legacy message field length ${n} is invalid`);
  return [buf.subarray(p, p + n), p + n];
}

/**
 * Parses the message at `at`. Throws RecordsError when it is truncated, malformed or fails its CRC.
 * The caller makes sure at least LOG_OVERHEAD bytes are present.
 */
export function readLegacyMessage(buf: Buffer, at: number, checkCrc = true): LegacyMessage {
  const size = buf.readInt32BE(at + LENGTH);
  const end = at + LOG_OVERHEAD + size;
  if (end > buf.length || size < 0) throw new RecordsError('legacy message runs past the end of the data');
  if (size < MIN_SIZE_V0) throw new RecordsError(`legacy message size ${size} is too small`);
  const magic = buf[at + LEGACY_MAGIC]!;
  if (magic > 1) throw new RecordsError(`legacy message magic ${magic}`);
  if (magic === 1 && size < MIN_SIZE_V1) throw new RecordsError(`legacy message size ${size} is too small`);
  if (checkCrc && crc32(buf.subarray(at + LEGACY_MAGIC, end)) !== buf.readUInt32BE(at + LEGACY_CRC)) {
    throw new RecordsError('legacy message CRC-32 mismatch');
  }
  const attributes = buf[at + LEGACY_ATTRIBUTES]!;
  const timestamp = magic === 1 ? readInt64(buf, at + LEGACY_TIMESTAMP) : NO_TIMESTAMP;
  const p = magic === 1 ? at + LEGACY_HEADER_SIZE_V1 : at + LEGACY_HEADER_SIZE_V0;
  const [key, afterKey] = readBytes(buf, p, end);
  const [value, afterValue] = readBytes(buf, afterKey, end);
  if (afterValue !== end) throw new RecordsError('legacy message size does not match its fields');
  return {
    offset: readInt64(buf, at),
    magic: magic as 0 | 1,
    attributes,
    compression: (attributes & COMPRESSION_MASK) as Compression,
    timestamp,
    timestampType: magic === 1 && attributes & TIMESTAMP_TYPE_BIT ? 1 : 0,
    key,
    value,
    end,
  };
}

/** Inflates a wrapper's value and parses the inner messages, enforcing the rules for inner messages. */
function innerMessages(w: LegacyMessage, maxInflate: number): LegacyMessage[] {
  if (w.value === null) throw new RecordsError('compressed legacy message has a null value');
  if (w.compression > Compression.Lz4) {
    throw new RecordsError(`compression codec ${w.compression} is not valid in magic ${w.magic}`);
  }
  let data: Buffer;
  try {
    data = decompressSync(w.compression, w.value, { maxOutputBytes: maxInflate, legacyLz4: w.magic === 0 });
  } catch (e) {
    throw new RecordsError(`compressed legacy message does not inflate: ${(e as Error).message}`, codeOf(e));
  }
  const out: LegacyMessage[] = [];
  let at = 0;
  while (at < data.length) {
    if (data.length - at < LOG_OVERHEAD) throw new RecordsError('partial inner message');
    const m = readLegacyMessage(data, at);
    if (m.compression !== Compression.None) throw new RecordsError('nested compression in a legacy message');
    if (m.magic !== w.magic) throw new RecordsError('inner message magic differs from its wrapper', INVALID_RECORD);
    out.push(m);
    at = m.end;
  }
  if (out.length === 0) throw new RecordsError('compressed legacy message holds no messages', INVALID_RECORD);
  return out;
}

function codeOf(e: unknown): number {
  return e instanceof RecordsError || e instanceof CompressionError ? e.errorCode : CORRUPT_MESSAGE;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

export interface ValidatedMessageSet {
  ok: true;
  /** Top-level entries (a wrapper counts once). */
  messageCount: number;
  /** Records after unwrapping: the number of offsets the append consumes. */
  recordCount: number;
  /** Magic of the first message. */
  magic: 0 | 1;
  firstTimestamp: number;
  maxTimestamp: number;
  /** True if any wrapper message was present. */
  compressed: boolean;
}

export interface ValidateMessageSetOptions {
  /** Largest allowed top-level message, LOG_OVERHEAD included. */
  maxMessageBytes: number;
  /** Cap for inflating wrapper messages; defaults to 64 MiB. */
  maxDecompressedBytes?: number;
}

/**
 * Walks every message (and every inner message of wrappers, inflating them: legacy codecs are all synchronous),
 * checking sizes, magic, CRC-32 and wrapper rules.
 */
export function validateMessageSet(
  buf: Buffer,
  opts: ValidateMessageSetOptions,
): ValidatedMessageSet | ValidationError {
  if (buf.length === 0) return { ok: false, errorCode: INVALID_RECORD, message: 'empty message set', at: 0 };
  const maxInflate = opts.maxDecompressedBytes ?? DEFAULT_MAX_INFLATE;
  let at = 0;
  let messageCount = 0;
  let recordCount = 0;
  let firstTimestamp = NO_TIMESTAMP;
  let maxTimestamp = NO_TIMESTAMP;
  let compressed = false;
  let magic: 0 | 1 = 0;
  while (at < buf.length) {
    if (buf.length - at < LOG_OVERHEAD + 5) {
      return { ok: false, errorCode: CORRUPT_MESSAGE, message: 'partial message at the end', at };
    }
    const size = LOG_OVERHEAD + buf.readInt32BE(at + LENGTH);
    if (size > opts.maxMessageBytes) {
      return {
        ok: false,
        errorCode: MESSAGE_TOO_LARGE,
        message: `message of ${size} bytes exceeds the limit of ${opts.maxMessageBytes}`,
        at,
      };
    }
    let m: LegacyMessage;
    try {
      m = readLegacyMessage(buf, at);
      if (messageCount === 0) {
        magic = m.magic;
        firstTimestamp = m.timestamp;
      }
      if (m.compression === Compression.None) {
        recordCount++;
        if (m.timestamp > maxTimestamp) maxTimestamp = m.timestamp;
      } else {
        compressed = true;
        const inner = innerMessages(m, maxInflate);
        recordCount += inner.length;
        for (const im of inner) if (im.timestamp > maxTimestamp) maxTimestamp = im.timestamp;
        if (m.timestamp > maxTimestamp) maxTimestamp = m.timestamp;
      }
    } catch (e) {
      return { ok: false, errorCode: codeOf(e), message: (e as Error).message, at };
    }
    messageCount++;
    at = m.end;
  }
  return { ok: true, messageCount, recordCount, magic, firstTimestamp, maxTimestamp, compressed };
}

/** Records of a legacy message set with absolute offsets (trailing partial message ignored). */
export function decodeMessageSet(buf: Buffer, maxDecompressedBytes = DEFAULT_MAX_INFLATE): Record[] {
  const out: Record[] = [];
  let at = 0;
  while (buf.length - at >= LOG_OVERHEAD && at + LOG_OVERHEAD + buf.readInt32BE(at + LENGTH) <= buf.length) {
    const m = readLegacyMessage(buf, at);
    if (m.compression === Compression.None) {
      out.push({ offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers: [] });
    } else {
      const inner = innerMessages(m, maxDecompressedBytes);
      // magic 1: inner offsets are relative; the wrapper holds the absolute offset of the last one.
      const shift = m.magic === 1 ? m.offset - inner[inner.length - 1]!.offset : 0;
      for (const im of inner) {
        out.push({
          offset: im.offset + shift,
          timestamp: m.timestampType === 1 ? m.timestamp : im.timestamp,
          key: im.key,
          value: im.value,
          headers: [],
        });
      }
    }
    at = m.end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Up-conversion: legacy message set -> magic-2 batches

interface Run {
  baseOffset: number;
  records: RecordInput[];
  compression: Compression;
  timestampType: 0 | 1;
  maxTimestamp?: number;
}

async function runToBatch(r: Run): Promise<Buffer> {
  const enc = encodeRecords(r.records);
  const body = r.compression === Compression.None ? enc.data : await compress(r.compression, enc.data);
  return buildBatch(
    {
      baseOffset: r.baseOffset,
      compression: r.compression,
      timestampType: r.timestampType,
      recordCount: r.records.length,
      lastOffsetDelta: enc.lastOffsetDelta,
      baseTimestamp: enc.baseTimestamp,
      maxTimestamp: r.maxTimestamp ?? enc.maxTimestamp,
    },
    body,
  );
}

/**
 * Converts a legacy message set to magic-2 batches: each wrapper message becomes one batch compressed with the
 * same codec, each run of consecutive plain messages one uncompressed batch. Offsets inside a batch are made
 * consecutive (the broker reassigns them on append anyway); magic-0 records get NO_TIMESTAMP.
 */
export async function upConvert(buf: Buffer, maxDecompressedBytes = DEFAULT_MAX_INFLATE): Promise<Buffer> {
  const runs: Run[] = [];
  let plain: Run | null = null;
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < LOG_OVERHEAD) throw new RecordsError('partial message at the end');
    const m = readLegacyMessage(buf, at);
    at = m.end;
    if (m.compression === Compression.None) {
      if (plain === null) {
        plain = { baseOffset: m.offset, records: [], compression: Compression.None, timestampType: 0 };
        runs.push(plain);
      }
      plain.records.push({ key: m.key, value: m.value, timestamp: m.timestamp });
      continue;
    }
    plain = null;
    const inner = innerMessages(m, maxDecompressedBytes);
    const n = inner.length;
    const logAppend = m.timestampType === 1;
    runs.push({
      baseOffset: m.magic === 1 ? m.offset - (n - 1) : inner[0]!.offset,
      records: inner.map((im) => ({ key: im.key, value: im.value, timestamp: logAppend ? m.timestamp : im.timestamp })),
      compression: m.compression,
      timestampType: logAppend ? 1 : 0,
      maxTimestamp: logAppend ? m.timestamp : undefined,
    });
  }
  const batches = await Promise.all(runs.map(runToBatch));
  return batches.length === 1 ? batches[0]! : Buffer.concat(batches);
}

// ---------------------------------------------------------------------------------------------------------------
// Down-conversion: magic-2 batches -> legacy message set

function legacySize(magic: 0 | 1, key: Buffer | null, value: Buffer | null): number {
  return (
    (magic === 1 ? LEGACY_HEADER_SIZE_V1 : LEGACY_HEADER_SIZE_V0) +
    8 +
    (key === null ? 0 : key.length) +
    (value === null ? 0 : value.length)
  );
}

/** Writes one legacy message at p and returns the position after it. */
function writeLegacy(
  buf: Buffer,
  p: number,
  offset: number,
  magic: 0 | 1,
  attributes: number,
  timestamp: number,
  key: Buffer | null,
  value: Buffer | null,
): number {
  const start = p;
  const size = legacySize(magic, key, value);
  writeInt64(buf, p, offset);
  buf.writeInt32BE(size - LOG_OVERHEAD, p + LENGTH);
  buf[p + LEGACY_MAGIC] = magic;
  buf[p + LEGACY_ATTRIBUTES] = attributes;
  p += magic === 1 ? LEGACY_HEADER_SIZE_V1 : LEGACY_HEADER_SIZE_V0;
  if (magic === 1) writeInt64(buf, start + LEGACY_TIMESTAMP, timestamp);
  for (const b of [key, value]) {
    if (b === null) {
      buf.writeInt32BE(-1, p);
      p += 4;
    } else {
      buf.writeInt32BE(b.length, p);
      b.copy(buf, p + 4);
      p += 4 + b.length;
    }
  }
  buf.writeUInt32BE(crc32(buf.subarray(start + LEGACY_MAGIC, p)), start + LEGACY_CRC);
  return p;
}

/** Plain messages for the given records; inner offsets computed by `offsetOf`. */
function plainMessages(records: Record[], magic: 0 | 1, attributes: number, offsetOf: (r: Record) => number): Buffer {
  let total = 0;
  for (const r of records) total += legacySize(magic, r.key, r.value);
  const out = Buffer.allocUnsafe(total);
  let p = 0;
  for (const r of records) p = writeLegacy(out, p, offsetOf(r), magic, attributes, r.timestamp, r.key, r.value);
  return out;
}

/**
 * Converts stored magic-2 batches into a magic-0 or magic-1 message set for Fetch v0-v3. Only whole batches are
 * converted (a fetch read may end in a partial one); control batches are dropped and record headers are lost.
 * A compressed batch becomes one wrapper message of the same codec; zstd, which old clients cannot read, becomes
 * plain messages. Entries that are already legacy messages are passed through unchanged.
 */
export async function downConvert(batches: Buffer, magic: 0 | 1): Promise<Buffer> {
  const parts: Buffer[] = [];
  let at = 0;
  while (batches.length - at >= LOG_OVERHEAD + 5) {
    const end = at + LOG_OVERHEAD + batches.readInt32BE(at + LENGTH);
    if (end > batches.length || end < at + LOG_OVERHEAD) break;
    const entry = batches.subarray(at, end);
    at = end;
    if (entry[MAGIC]! < 2) {
      parts.push(entry);
      continue;
    }
    const [b] = await decodeBatches(entry);
    if (b === undefined || b.header.isControl || b.records.length === 0) continue;
    const h = b.header;
    const tsAttr = magic === 1 && h.timestampType === 1 ? TIMESTAMP_TYPE_BIT : 0;
    const codec = h.compression;
    if (codec === Compression.None || codec === Compression.Zstd) {
      parts.push(plainMessages(b.records, magic, tsAttr, (r) => r.offset));
      continue;
    }
    const first = b.records[0]!.offset;
    const last = b.records[b.records.length - 1]!;
    const inner = plainMessages(b.records, magic, tsAttr, magic === 1 ? (r) => r.offset - first : (r) => r.offset);
    const value = await compress(codec, inner, { legacyLz4: magic === 0 });
    let wrapperTs = NO_TIMESTAMP;
    for (const r of b.records) if (r.timestamp > wrapperTs) wrapperTs = r.timestamp;
    if (h.timestampType === 1) wrapperTs = h.maxTimestamp;
    const w = Buffer.allocUnsafe(legacySize(magic, null, value));
    writeLegacy(w, 0, last.offset, magic, codec | tsAttr, wrapperTs, null, value);
    parts.push(w);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
