/**
 * Record batches (magic 2): header access, validation of Produce payloads, in-place offset / timestamp / epoch
 * rewriting, and decoding / encoding of the records inside.
 *
 * Validation and rewriting work on the caller's buffer directly and never copy it: the broker stores the bytes a
 * producer sent, only patching baseOffset and partitionLeaderEpoch (both outside the CRC).
 */
import { crc32c } from './crc.js';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  COMPRESSION_MASK,
  CONTROL_BIT,
  CRC,
  Compression,
  LAST_OFFSET_DELTA,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
  readInt64,
  writeInt64,
} from './layout.js';
import { RecordCursor, RecordsError } from './record-cursor.js';
import { uvarintSize, varintSize, writeUvarint, zigzag } from './varint.js';
import { CompressionError, compress, decompress, decompressSync, hasSyncCodec } from './compression.js';

// Kafka error codes used here (numbers on purpose: errors.ts is owned elsewhere).
export const CORRUPT_MESSAGE = 2;
export const MESSAGE_TOO_LARGE = 10;
export const UNSUPPORTED_COMPRESSION_TYPE = 76;
export const INVALID_RECORD = 87;

export const NO_TIMESTAMP = -1;
/** Smallest possible record: length, attributes, timestampDelta, offsetDelta, keyLen, valueLen, headerCount. */
const MIN_RECORD_SIZE = 7;

export { RecordsError };

export interface BatchHeader {
  baseOffset: number;
  /** The batchLength field: bytes after it. The whole batch is LOG_OVERHEAD + length. */
  length: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  compression: Compression;
  /** 0 = create time, 1 = log append time */
  timestampType: 0 | 1;
  isTransactional: boolean;
  isControl: boolean;
}

/** Reads the fixed header of the batch starting at `at`. The caller ensures BATCH_HEADER_SIZE bytes are there. */
export function readBatchHeader(buf: Buffer, at: number): BatchHeader {
  const attributes = buf.readInt16BE(at + ATTRIBUTES);
  return {
    baseOffset: readInt64(buf, at + BASE_OFFSET),
    length: buf.readInt32BE(at + LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(at + MAGIC),
    crc: buf.readUInt32BE(at + CRC),
    attributes,
    lastOffsetDelta: buf.readInt32BE(at + LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(buf, at + BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, at + MAX_TIMESTAMP),
    producerId: readInt64(buf, at + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + BASE_SEQUENCE),
    recordCount: buf.readInt32BE(at + RECORD_COUNT),
    compression: (attributes & COMPRESSION_MASK) as Compression,
    timestampType: attributes & TIMESTAMP_TYPE_BIT ? 1 : 0,
    isTransactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    isControl: (attributes & CONTROL_BIT) !== 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

export interface ValidatedBatches {
  ok: true;
  batchCount: number;
  /** Sum of lastOffsetDelta + 1 over the batches: how many offsets the append consumes. */
  recordCount: number;
  /** baseTimestamp of the first batch. */
  firstTimestamp: number;
  /** Largest maxTimestamp over the batches. */
  maxTimestamp: number;
  /** Producer fields of the first batch. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** baseSequence + lastOffsetDelta of the first batch, wrapping like Kafka's int32 sequences. -1 when none. */
  lastSequence: number;
  isTransactional: boolean;
  /** True when any batch is a control batch. */
  isControl: boolean;
  /** Codec of the first batch. */
  compression: Compression;
}

export interface ValidationError {
  ok: false;
  errorCode: number;
  message: string;
  /** Byte position of the offending batch in the buffer. */
  at: number;
}

export interface ValidateOptions {
  /** Largest allowed batch, LOG_OVERHEAD included (max.message.bytes). */
  maxBatchBytes: number;
  /**
   * Also walk the records of every batch (inflating compressed ones). Synchronous validation can inflate
   * gzip/snappy/lz4; zstd batches need validateBatchesDeep.
   */
  deepCheck?: boolean;
  /** Output cap for deep-check inflation; defaults to 64 MiB. */
  maxDecompressedBytes?: number;
}

function fail(errorCode: number, message: string, at: number): ValidationError {
  return { ok: false, errorCode, message, at };
}

/**
 * Checks the batches of a Produce `records` field. Per batch: O(1) header checks plus one CRC pass.
 */
export function validateBatches(buf: Buffer, opts: ValidateOptions): ValidatedBatches | ValidationError {
  return validateImpl(buf, opts, null);
}

/** validateBatches with a full record walk of every batch, zstd included. */
export async function validateBatchesDeep(
  buf: Buffer,
  opts: Omit<ValidateOptions, 'deepCheck'>,
): Promise<ValidatedBatches | ValidationError> {
  const pending: Array<{ at: number; codec: Compression }> = [];
  const r = validateImpl(buf, { ...opts, deepCheck: true }, pending);
  if (!r.ok) return r;
  const max = opts.maxDecompressedBytes ?? DEFAULT_MAX_INFLATE;
  for (const p of pending) {
    const h = readBatchHeader(buf, p.at);
    const end = p.at + LOG_OVERHEAD + h.length;
    let inner: Buffer;
    try {
      inner = await decompress(p.codec, buf.subarray(p.at + BATCH_HEADER_SIZE, end), max);
    } catch (e) {
      return fail(errCode(e), `batch records do not inflate: ${(e as Error).message}`, p.at);
    }
    const msg = checkRecords(inner, 0, inner.length, h.recordCount, h.lastOffsetDelta);
    if (msg !== null) return fail(CORRUPT_MESSAGE, msg, p.at);
  }
  return r;
}

const DEFAULT_MAX_INFLATE = 64 * 1024 * 1024;

function errCode(e: unknown): number {
  return e instanceof CompressionError || e instanceof RecordsError ? e.errorCode : CORRUPT_MESSAGE;
}

function validateImpl(
  buf: Buffer,
  opts: ValidateOptions,
  deferred: Array<{ at: number; codec: Compression }> | null,
): ValidatedBatches | ValidationError {
  const n = buf.length;
  if (n === 0) return fail(INVALID_RECORD, 'no record batch in the records field', 0);
  let at = 0;
  let batchCount = 0;
  let recordCount = 0;
  let maxTimestamp = NO_TIMESTAMP;
  let first: ValidatedBatches | null = null;
  while (at < n) {
    if (n - at < LOG_OVERHEAD + 5) return fail(CORRUPT_MESSAGE, 'partial record batch at the end', at);
    const length = buf.readInt32BE(at + LENGTH);
    const size = LOG_OVERHEAD + length;
    const magic = buf[at + MAGIC]!;
    if (magic !== 2) {
      return magic < 2
        ? fail(INVALID_RECORD, `record batch magic ${magic} where magic 2 is required`, at)
        : fail(CORRUPT_MESSAGE, `unknown record batch magic ${magic}`, at);
    }
    if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
      return fail(CORRUPT_MESSAGE, `record batch length ${length} is below the header size`, at);
    }
    if (size > opts.maxBatchBytes) {
      return fail(MESSAGE_TOO_LARGE, `record batch of ${size} bytes exceeds the limit of ${opts.maxBatchBytes}`, at);
    }
    const end = at + size;
    if (end > n) return fail(CORRUPT_MESSAGE, `record batch of ${size} bytes runs past the end of the data`, at);
    const stored = buf.readUInt32BE(at + CRC);
    if (crc32c(buf.subarray(at + ATTRIBUTES, end)) !== stored) {
      return fail(CORRUPT_MESSAGE, 'record batch CRC-32C mismatch', at);
    }
    const attributes = buf.readInt16BE(at + ATTRIBUTES);
    const codec = attributes & COMPRESSION_MASK;
    if (codec > Compression.Zstd) return fail(CORRUPT_MESSAGE, `unknown compression codec ${codec}`, at);
    const count = buf.readInt32BE(at + RECORD_COUNT);
    const lastOffsetDelta = buf.readInt32BE(at + LAST_OFFSET_DELTA);
    if (count < 1) return fail(INVALID_RECORD, `record batch claims ${count} records`, at);
    if (lastOffsetDelta < 0) return fail(INVALID_RECORD, `negative lastOffsetDelta ${lastOffsetDelta}`, at);
    const body = size - BATCH_HEADER_SIZE;
    if (codec === Compression.None) {
      if (lastOffsetDelta !== count - 1) {
        return fail(INVALID_RECORD, `lastOffsetDelta ${lastOffsetDelta} does not match ${count} records`, at);
      }
      if (body < count * MIN_RECORD_SIZE) {
        return fail(CORRUPT_MESSAGE, `${count} records cannot fit in ${body} bytes`, at);
      }
      if (opts.deepCheck) {
        const msg = checkRecords(buf, at + BATCH_HEADER_SIZE, end, count, lastOffsetDelta);
        if (msg !== null) return fail(CORRUPT_MESSAGE, msg, at);
      }
    } else if (opts.deepCheck) {
      if (deferred !== null) {
        deferred.push({ at, codec });
      } else if (hasSyncCodec(codec)) {
        let inner: Buffer;
        try {
          inner = decompressSync(codec, buf.subarray(at + BATCH_HEADER_SIZE, end), {
            maxOutputBytes: opts.maxDecompressedBytes ?? DEFAULT_MAX_INFLATE,
          });
        } catch (e) {
          return fail(errCode(e), `batch records do not inflate: ${(e as Error).message}`, at);
        }
        const msg = checkRecords(inner, 0, inner.length, count, lastOffsetDelta);
        if (msg !== null) return fail(CORRUPT_MESSAGE, msg, at);
      }
    }
    const maxTs = readInt64(buf, at + MAX_TIMESTAMP);
    if (maxTs > maxTimestamp) maxTimestamp = maxTs;
    if (first === null) {
      const baseSequence = buf.readInt32BE(at + BASE_SEQUENCE);
      first = {
        ok: true,
        batchCount: 0,
        recordCount: 0,
        firstTimestamp: readInt64(buf, at + BASE_TIMESTAMP),
        maxTimestamp: 0,
        producerId: readInt64(buf, at + PRODUCER_ID),
        producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH),
        baseSequence,
        lastSequence: baseSequence < 0 ? -1 : (baseSequence + lastOffsetDelta) % 2147483648,
        isTransactional: (attributes & TRANSACTIONAL_BIT) !== 0,
        isControl: (attributes & CONTROL_BIT) !== 0,
        compression: codec as Compression,
      };
    } else if ((attributes & CONTROL_BIT) !== 0) {
      first.isControl = true;
    }
    batchCount++;
    recordCount += lastOffsetDelta + 1;
    at = end;
  }
  first!.batchCount = batchCount;
  first!.recordCount = recordCount;
  first!.maxTimestamp = maxTimestamp;
  return first!;
}

/**
 * Walks `count` records in [start, end): each record's length must match its fields, offset deltas must rise
 * and the last one must equal lastOffsetDelta, and nothing may trail. Returns a problem description or null.
 */
function checkRecords(b: Buffer, start: number, end: number, count: number, lastOffsetDelta: number): string | null {
  const cur = new RecordCursor(b, start, end);
  let prevDelta = -1;
  try {
    for (let i = 0; i < count; i++) {
      const len = cur.varint();
      if (len < MIN_RECORD_SIZE - 1) return `record ${i} has length ${len}`;
      const recEnd = cur.pos + len;
      if (recEnd > end) return `record ${i} runs past the batch`;
      cur.end = recEnd;
      cur.pos += 1; // attributes
      cur.varlong(); // timestampDelta
      const delta = cur.varint();
      if (delta <= prevDelta) return `record ${i} offset delta ${delta} does not increase`;
      prevDelta = delta;
      cur.skipBytes(); // key
      cur.skipBytes(); // value
      const headers = cur.varint();
      if (headers < 0) return `record ${i} has ${headers} headers`;
      for (let h = 0; h < headers; h++) {
        const kl = cur.varint();
        if (kl < 0) return `record ${i} has a null header key`;
        cur.skip(kl);
        cur.skipBytes();
      }
      if (cur.pos !== recEnd) return `record ${i} length does not match its fields`;
      cur.end = end;
    }
  } catch (e) {
    return (e as Error).message;
  }
  if (cur.pos !== end) return `${end - cur.pos} bytes after the last record`;
  if (prevDelta !== lastOffsetDelta) return `last offset delta ${prevDelta} differs from header ${lastOffsetDelta}`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// In-place rewriting (the buffer must already have passed validation)

/** Gives the batches consecutive offsets starting at firstOffset; returns the offset after the last record. */
export function assignOffsets(buf: Buffer, firstOffset: number): number {
  let next = firstOffset;
  let at = 0;
  while (at + BATCH_HEADER_SIZE <= buf.length) {
    writeInt64(buf, at + BASE_OFFSET, next);
    next += buf.readInt32BE(at + LAST_OFFSET_DELTA) + 1;
    at += LOG_OVERHEAD + buf.readInt32BE(at + LENGTH);
  }
  return next;
}

/** Marks the batch at `at` as log-append-time stamped with `ts`, and recomputes its CRC. */
export function setLogAppendTime(buf: Buffer, at: number, ts: number): void {
  const end = at + LOG_OVERHEAD + buf.readInt32BE(at + LENGTH);
  buf.writeInt16BE(buf.readInt16BE(at + ATTRIBUTES) | TIMESTAMP_TYPE_BIT, at + ATTRIBUTES);
  writeInt64(buf, at + MAX_TIMESTAMP, ts);
  buf.writeUInt32BE(crc32c(buf.subarray(at + ATTRIBUTES, end)), at + CRC);
}

/** setLogAppendTime for every batch in the buffer. */
export function setLogAppendTimeAll(buf: Buffer, ts: number): void {
  let at = 0;
  while (at + BATCH_HEADER_SIZE <= buf.length) {
    setLogAppendTime(buf, at, ts);
    at += LOG_OVERHEAD + buf.readInt32BE(at + LENGTH);
  }
}

export function setPartitionLeaderEpoch(buf: Buffer, epoch: number): void {
  let at = 0;
  while (at + BATCH_HEADER_SIZE <= buf.length) {
    buf.writeInt32BE(epoch, at + PARTITION_LEADER_EPOCH);
    at += LOG_OVERHEAD + buf.readInt32BE(at + LENGTH);
  }
}

/**
 * Byte length of the whole batches at the start of `buf` (a fetch read may end in a partial one).
 * Entries of any magic are walked by their offset/size prefix.
 */
export function wholeBatchesLength(buf: Buffer): number {
  let at = 0;
  while (at + LOG_OVERHEAD <= buf.length) {
    const size = LOG_OVERHEAD + buf.readInt32BE(at + LENGTH);
    if (size < LOG_OVERHEAD || at + size > buf.length) break;
    at += size;
  }
  return at;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface DecodedBatch {
  header: BatchHeader;
  records: Record[];
}

export interface DecodeOptions {
  /** Output cap when inflating a compressed batch; defaults to 64 MiB. */
  maxDecompressedBytes?: number;
  /** Verify each batch's CRC before decoding (default false: the log already checked it on append). */
  verifyCrc?: boolean;
}

/** Parses the records of one batch whose (inflated) record bytes are b[start, end). Keys/values are views. */
function parseRecords(h: BatchHeader, b: Buffer, start: number, end: number, out: Record[]): void {
  const cur = new RecordCursor(b, start, end);
  const logAppend = h.timestampType === 1;
  for (let i = 0; i < h.recordCount; i++) {
    const len = cur.varint();
    const recEnd = cur.pos + len;
    if (len < 0 || recEnd > end) throw new RecordsError(`record ${i} of batch at offset ${h.baseOffset} is truncated`);
    cur.end = recEnd;
    cur.pos += 1; // attributes: unused
    const tsDelta = cur.varlong();
    const offsetDelta = cur.varint();
    const key = cur.bytes();
    const value = cur.bytes();
    const hc = cur.varint();
    if (hc < 0) throw new RecordsError(`record ${i} has ${hc} headers`);
    const headers: RecordHeader[] = new Array(hc);
    for (let j = 0; j < hc; j++) {
      const k = cur.bytes();
      if (k === null) throw new RecordsError('null header key');
      headers[j] = { key: k.toString('utf8'), value: cur.bytes() };
    }
    if (cur.pos !== recEnd) throw new RecordsError(`record ${i} length does not match its fields`);
    cur.end = end;
    out.push({
      offset: h.baseOffset + offsetDelta,
      timestamp: logAppend ? h.maxTimestamp : h.baseTimestamp + tsDelta,
      key,
      value,
      headers,
    });
  }
}

/** Decodes every whole magic-2 batch in `buf` (a trailing partial batch is ignored). */
export async function decodeBatches(buf: Buffer, opts: DecodeOptions = {}): Promise<DecodedBatch[]> {
  const out: DecodedBatch[] = [];
  const limit = wholeBatchesLength(buf);
  let at = 0;
  while (at < limit) {
    if (limit - at < BATCH_HEADER_SIZE) throw new RecordsError('record batch shorter than its header');
    const h = readBatchHeader(buf, at);
    const end = at + LOG_OVERHEAD + h.length;
    if (h.magic !== 2) throw new RecordsError(`expected magic 2, found ${h.magic}`);
    if (opts.verifyCrc && crc32c(buf.subarray(at + ATTRIBUTES, end)) !== h.crc) {
      throw new RecordsError('record batch CRC-32C mismatch');
    }
    const records: Record[] = [];
    if (h.compression === Compression.None) {
      parseRecords(h, buf, at + BATCH_HEADER_SIZE, end, records);
    } else {
      let inner: Buffer;
      try {
        inner = await decompress(h.compression, buf.subarray(at + BATCH_HEADER_SIZE, end), {
          maxOutputBytes: opts.maxDecompressedBytes ?? DEFAULT_MAX_INFLATE,
        });
      } catch (e) {
        throw new RecordsError((e as Error).message, errCode(e));
      }
      parseRecords(h, inner, 0, inner.length, records);
    }
    out.push({ header: h, records });
    at = end;
  }
  return out;
}

/** All records of the whole batches in `buf` (control batches included; use decodeBatches to tell them apart). */
export async function decodeRecords(batch: Buffer, opts?: DecodeOptions): Promise<Record[]> {
  const batches = await decodeBatches(batch, opts);
  if (batches.length === 1) return batches[0]!.records;
  const all: Record[] = [];
  for (const b of batches) for (const r of b.records) all.push(r);
  return all;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

export interface RecordInput {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Array<{ key: string; value: Buffer | string | null }>;
  /** Milliseconds; defaults to now. */
  timestamp?: number;
  /** Offset delta inside the batch; defaults to the record's index. */
  offsetDelta?: number;
}

export interface EncodeBatchOptions {
  baseOffset?: number;
  records: RecordInput[];
  compression?: Compression;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  partitionLeaderEpoch?: number;
  timestampType?: 0 | 1;
  /** Batch maxTimestamp; defaults to the largest record timestamp. */
  maxTimestamp?: number;
}

function toBuf(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

const bytesSize = (b: Buffer | null) => (b === null ? 1 : varintSize(b.length) + b.length);

function writeBytes(buf: Buffer, p: number, b: Buffer | null): number {
  if (b === null) return writeUvarint(buf, p, 1); // zigzag(-1)
  p = writeUvarint(buf, p, zigzag(b.length));
  b.copy(buf, p);
  return p + b.length;
}

/** Serializes the records section (uncompressed) and returns it with the timestamps the header needs. */
export function encodeRecords(
  records: RecordInput[],
  now = Date.now(),
): { data: Buffer; baseTimestamp: number; maxTimestamp: number; lastOffsetDelta: number } {
  const n = records.length;
  const keys: Array<Buffer | null> = new Array(n);
  const values: Array<Buffer | null> = new Array(n);
  const hdrs: Array<Array<[Buffer, Buffer | null]>> = new Array(n);
  const bodySizes: number[] = new Array(n);
  const baseTimestamp = n > 0 ? (records[0]!.timestamp ?? now) : now;
  let maxTimestamp = NO_TIMESTAMP;
  let total = 0;
  let lastOffsetDelta = -1;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? now;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const k = toBuf(r.key);
    const v = toBuf(r.value);
    keys[i] = k;
    values[i] = v;
    const od = r.offsetDelta ?? i;
    lastOffsetDelta = od;
    let size = 1 + uvarintSize(zigzag(ts - baseTimestamp)) + varintSize(od) + bytesSize(k) + bytesSize(v);
    const hs: Array<[Buffer, Buffer | null]> = [];
    if (r.headers) {
      for (const h of r.headers) {
        const hk = Buffer.from(h.key, 'utf8');
        const hv = toBuf(h.value);
        hs.push([hk, hv]);
        size += bytesSize(hk) + bytesSize(hv);
      }
    }
    size += varintSize(hs.length);
    hdrs[i] = hs;
    bodySizes[i] = size;
    total += varintSize(size) + size;
  }
  const data = Buffer.allocUnsafe(total);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    p = writeUvarint(data, p, zigzag(bodySizes[i]!));
    data[p++] = 0;
    p = writeUvarint(data, p, zigzag((r.timestamp ?? now) - baseTimestamp));
    p = writeUvarint(data, p, zigzag(r.offsetDelta ?? i));
    p = writeBytes(data, p, keys[i]!);
    p = writeBytes(data, p, values[i]!);
    const hs = hdrs[i]!;
    p = writeUvarint(data, p, zigzag(hs.length));
    for (const [hk, hv] of hs) {
      p = writeBytes(data, p, hk);
      p = writeBytes(data, p, hv);
    }
  }
  return { data, baseTimestamp, maxTimestamp, lastOffsetDelta };
}

/** Assembles a batch around an already-serialized (and possibly compressed) records section. */
export function buildBatch(
  o: Omit<EncodeBatchOptions, 'records' | 'maxTimestamp'> & {
    recordCount: number;
    lastOffsetDelta: number;
    baseTimestamp: number;
    maxTimestamp: number;
  },
  body: Buffer,
): Buffer {
  const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length);
  let attributes = (o.compression ?? Compression.None) & COMPRESSION_MASK;
  if (o.timestampType === 1) attributes |= TIMESTAMP_TYPE_BIT;
  if (o.transactional) attributes |= TRANSACTIONAL_BIT;
  if (o.control) attributes |= CONTROL_BIT;
  writeInt64(buf, BASE_OFFSET, o.baseOffset ?? 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, LENGTH);
  buf.writeInt32BE(o.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH);
  buf.writeInt8(2, MAGIC);
  buf.writeInt16BE(attributes, ATTRIBUTES);
  buf.writeInt32BE(o.lastOffsetDelta, LAST_OFFSET_DELTA);
  writeInt64(buf, BASE_TIMESTAMP, o.baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP, o.maxTimestamp);
  writeInt64(buf, PRODUCER_ID, o.producerId ?? -1);
  buf.writeInt16BE(o.producerEpoch ?? -1, PRODUCER_EPOCH);
  buf.writeInt32BE(o.baseSequence ?? -1, BASE_SEQUENCE);
  buf.writeInt32BE(o.recordCount, RECORD_COUNT);
  body.copy(buf, BATCH_HEADER_SIZE);
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES)), CRC);
  return buf;
}

/** Builds one magic-2 batch. */
export async function encodeBatch(opts: EncodeBatchOptions): Promise<Buffer> {
  if (opts.records.length === 0) throw new RecordsError('a record batch needs at least one record', INVALID_RECORD);
  const enc = encodeRecords(opts.records);
  const codec = opts.compression ?? Compression.None;
  const body = codec === Compression.None ? enc.data : await compress(codec, enc.data);
  return buildBatch(
    {
      ...opts,
      recordCount: opts.records.length,
      lastOffsetDelta: enc.lastOffsetDelta,
      baseTimestamp: enc.baseTimestamp,
      maxTimestamp: opts.maxTimestamp ?? enc.maxTimestamp,
    },
    body,
  );
}
