/**
 * The record level of log compaction: which records of one batch a cleaning pass keeps (the latest per key, no
 * aborted transactional data, tombstones and markers until their delete horizon) and the re-encoding of a batch
 * with only those records, its offsets kept.
 */
import { crc32c } from '../protocol/records/crc.js';
import { compress, decompress } from '../protocol/records/compression.js';
import { parseControlRecord } from '../protocol/records/control.js';
import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  COMPRESSION_MASK,
  CONTROL_BIT,
  CRC,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PRODUCER_ID,
  RECORD_COUNT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
  readInt64,
  writeInt64,
} from '../protocol/records/layout.js';
import { RecordCursor } from '../protocol/records/record-cursor.js';
import { uvarintSize, writeUvarint, zigzag } from '../protocol/records/varint.js';
import type { KeyOffsetMap } from './offset-map.js';

/** Batch attribute bit 6: baseTimestamp holds the delete horizon of the batch's tombstones. */
export const DELETE_HORIZON_BIT = 0x40;
const MAX_INFLATE = 256 * 1024 * 1024;

export interface CleanStats {
  topic: string;
  partition: number;
  /** First dirty offset before the pass and after it (the new checkpoint). */
  firstDirtyOffset: number;
  endOffset: number;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRead: number;
  recordsRetained: number;
  tombstonesRemoved: number;
  abortedBatchesRemoved: number;
  /** Commit and abort markers removed after their transaction's data was gone. */
  markersRemoved: number;
  /** Groups swapped in (each a run of old segments replaced by one cleaned segment). */
  groups: number;
  ms: number;
}

export interface RawRecord {
  start: number;
  end: number;
  /** Where the offset delta starts: everything from here to `end` is copied unchanged on re-encode. */
  tailStart: number;
  tsDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  valueIsNull: boolean;
}

/** Parses `count` records from data[start, end). Keys are views into `data`. */
export function parseRecords(data: Buffer, start: number, end: number, count: number): RawRecord[] {
  const out: RawRecord[] = [];
  const cur = new RecordCursor(data, start, end);
  for (let i = 0; i < count && cur.pos < end; i++) {
    cur.end = end;
    const len = cur.varint();
    const recStart = cur.pos;
    const recEnd = recStart + len;
    if (len < 1 || recEnd > end) throw new Error(`record ${i} is truncated`);
    cur.end = recEnd;
    cur.pos++; // attributes
    const tsDelta = cur.varlong();
    const tailStart = cur.pos;
    const offsetDelta = cur.varint();
    const key = cur.bytes();
    const vlen = cur.varint();
    // headers are not needed: the record is copied byte for byte from tailStart
    out.push({ start: recStart, end: recEnd, tailStart, tsDelta, offsetDelta, key, valueIsNull: vlen < 0 });
    cur.pos = recEnd;
  }
  return out;
}

/** The records section of a batch, inflated when compressed; [start, end) within the returned buffer. */
export async function recordsOf(batch: Buffer): Promise<{ data: Buffer; start: number; end: number }> {
  const codec = batch.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK;
  if (codec === 0) return { data: batch, start: BATCH_HEADER_SIZE, end: batch.length };
  const data = await decompress(codec, batch.subarray(BATCH_HEADER_SIZE), { maxOutputBytes: MAX_INFLATE });
  return { data, start: 0, end: data.length };
}

/** Control record type of a control batch: 0 abort, 1 commit, -1 unreadable. */
export async function controlType(batch: Buffer): Promise<number> {
  try {
    const r = await recordsOf(batch);
    return parseControlRecord(r.data, r.start, r.end)?.type ?? -1;
  } catch {
    return -1;
  }
}

function finishBatch(out: Buffer): Buffer {
  out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH);
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES)), CRC);
  return out;
}

/** A header-only batch keeping the offsets and producer fields of `batch` (Kafka keeps such empty batches). */
function emptyBatchLike(batch: Buffer): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  out.writeInt16BE(batch.readInt16BE(ATTRIBUTES) & ~COMPRESSION_MASK & ~DELETE_HORIZON_BIT, ATTRIBUTES);
  out.writeInt32BE(0, RECORD_COUNT);
  return finishBatch(out);
}

export interface FilterContext {
  map: KeyOffsetMap;
  now: number;
  deleteRetentionMs: number;
  isAborted(pid: number, baseOffset: number): boolean;
  isLastOfProducer(pid: number, baseOffset: number): boolean;
  /** True for a marker whose transaction has no batch left in the log. */
  isEmptyTxnMarker(baseOffset: number): boolean;
  /** Offsets of the markers dropped so far (their abort-index entries go with them). */
  removedMarkers: Set<number>;
  stats: CleanStats;
}

export interface FilterResult {
  out: Buffer | null;
  /** Delete horizon of tombstones still in `out`, -1 if none. */
  horizon: number;
}

/** Applies the retention rules to one batch. */
export async function filterBatch(batch: Buffer, c: FilterContext): Promise<FilterResult> {
  if (batch[MAGIC] !== 2) return { out: batch, horizon: -1 };
  const attrs = batch.readInt16BE(ATTRIBUTES);
  const baseOffset = readInt64(batch, 0);
  const pid = readInt64(batch, PRODUCER_ID);
  const count = batch.readInt32BE(RECORD_COUNT);
  const hasHorizon = (attrs & DELETE_HORIZON_BIT) !== 0;
  const baseTs = readInt64(batch, BASE_TIMESTAMP);
  if (attrs & CONTROL_BIT) {
    // read_committed consumers need a marker as long as any data of its transaction may remain
    if (!c.isEmptyTxnMarker(baseOffset) || (pid >= 0 && c.isLastOfProducer(pid, baseOffset)))
      return { out: batch, horizon: -1 };
    if (!hasHorizon) {
      // The first pass to find it removable stamps the horizon; consumers part-way through still see it until then.
      const horizon = c.now + c.deleteRetentionMs;
      const r = await recordsOf(batch);
      return { out: await rebuild(batch, r, parseRecords(r.data, r.start, r.end, count), horizon), horizon };
    }
    if (baseTs > c.now) return { out: batch, horizon: baseTs };
    c.stats.markersRemoved++;
    c.removedMarkers.add(baseOffset);
    return { out: null, horizon: -1 };
  }
  const dropTombstones = hasHorizon && baseTs <= c.now;
  c.stats.recordsRead += count;
  const drop = (): FilterResult =>
    pid >= 0 && c.isLastOfProducer(pid, baseOffset)
      ? { out: count === 0 ? batch : emptyBatchLike(batch), horizon: -1 }
      : { out: null, horizon: -1 };
  if ((attrs & TRANSACTIONAL_BIT) !== 0 && c.isAborted(pid, baseOffset)) {
    c.stats.abortedBatchesRemoved++;
    return drop();
  }
  if (count === 0) return drop();
  const r = await recordsOf(batch);
  const recs = parseRecords(r.data, r.start, r.end, count);
  const kept: RawRecord[] = [];
  let tombstones = 0;
  for (const rec of recs) {
    // records without a key cannot be compacted; Kafka's cleaner drops them too
    if (rec.key === null) continue;
    const latest = c.map.get(rec.key);
    if (latest > baseOffset + rec.offsetDelta) continue;
    if (rec.valueIsNull) {
      if (dropTombstones) {
        c.stats.tombstonesRemoved++;
        continue;
      }
      tombstones++;
    }
    kept.push(rec);
  }
  c.stats.recordsRetained += kept.length;
  if (kept.length === 0) return drop();
  const horizon = hasHorizon ? baseTs : tombstones > 0 ? c.now + c.deleteRetentionMs : -1;
  if (kept.length === recs.length && (tombstones === 0 || hasHorizon)) {
    return { out: batch, horizon: tombstones > 0 ? horizon : -1 };
  }
  return { out: await rebuild(batch, r, kept, horizon), horizon: tombstones > 0 ? horizon : -1 };
}

/**
 * Re-encodes `batch` with only the records `kept` (parsed from `r`). A horizon >= 0 becomes the base timestamp,
 * flagged with DELETE_HORIZON_BIT, and the records' timestamp deltas are rewritten so their timestamps do not change.
 */
async function rebuild(batch: Buffer, r: { data: Buffer }, kept: RawRecord[], horizon: number): Promise<Buffer> {
  const attrs = batch.readInt16BE(ATTRIBUTES);
  const baseTs = readInt64(batch, BASE_TIMESTAMP);
  const newBase = horizon >= 0 ? horizon : baseTs;
  const logAppendTime = (attrs & TIMESTAMP_TYPE_BIT) !== 0;
  let maxTs = logAppendTime ? readInt64(batch, MAX_TIMESTAMP) : -1;
  let size = 0;
  const newDeltas: number[] = new Array(kept.length);
  for (let i = 0; i < kept.length; i++) {
    const rec = kept[i]!;
    const ts = baseTs + rec.tsDelta;
    if (!logAppendTime && ts > maxTs) maxTs = ts;
    if (newBase === baseTs) {
      size += rec.end - rec.start + uvarintSize(zigzag(rec.end - rec.start));
    } else {
      const d = ts - newBase;
      newDeltas[i] = d;
      const body = 1 + uvarintSize(zigzag(d)) + (rec.end - rec.tailStart);
      size += body + uvarintSize(zigzag(body));
    }
  }
  const body = Buffer.allocUnsafe(size);
  let p = 0;
  for (let i = 0; i < kept.length; i++) {
    const rec = kept[i]!;
    if (newBase === baseTs) {
      p = writeUvarint(body, p, zigzag(rec.end - rec.start));
      p += r.data.copy(body, p, rec.start, rec.end);
    } else {
      const d = newDeltas[i]!;
      const len = 1 + uvarintSize(zigzag(d)) + (rec.end - rec.tailStart);
      p = writeUvarint(body, p, zigzag(len));
      body[p++] = r.data[rec.start]!; // record attributes
      p = writeUvarint(body, p, zigzag(d));
      p += r.data.copy(body, p, rec.tailStart, rec.end);
    }
  }
  const codec = attrs & COMPRESSION_MASK;
  const payload = codec === 0 ? body : await compress(codec, body);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + payload.length);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  payload.copy(out, BATCH_HEADER_SIZE);
  out.writeInt16BE(horizon >= 0 ? attrs | DELETE_HORIZON_BIT : attrs, ATTRIBUTES);
  writeInt64(out, BASE_TIMESTAMP, newBase);
  writeInt64(out, MAX_TIMESTAMP, maxTs);
  out.writeInt32BE(kept.length, RECORD_COUNT);
  return finishBatch(out);
}
