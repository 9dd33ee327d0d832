/**
 * Log compaction (cleanup.policy=compact / compact,delete).
 *
 * One pass over one log:
 *  1. scan every inactive segment below the first uncleanable offset (active segment, min.compaction.lag.ms),
 *     learning which transactions were aborted or committed and which batch is each producer's last, and
 *     building key -> latest offset over the dirty part (from the cleaner checkpoint on);
 *  2. rewrite those segments in groups (at most segment.bytes of input per group), keeping per key only the
 *     latest record, dropping aborted transactional data, and dropping tombstones whose delete horizon (set the
 *     first time a batch with tombstones is cleaned: now + delete.retention.ms, kept in the batch's baseTimestamp
 *     with attribute bit 6) has passed. A transaction marker stays while any batch of its transaction is in the
 *     log; once none is left (an earlier pass removed them), it gets a delete horizon the same way and goes when
 *     that has passed, with its abort-index entry, unless it is its producer's last batch. Offsets never change:
 *     a batch keeps its base offset and last offset delta, and records keep their offset deltas.
 * Each group is written to `<base>.log.cleaned` and swapped in through `.swap` files (see log-swap.ts).
 * All file I/O is asynchronous and work is cut into chunks, so produce and fetch keep running during a clean.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '../protocol/records/crc.js';
import { compress, decompress } from '../protocol/records/compression.js';
import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  COMPRESSION_MASK,
  CONTROL_BIT,
  CRC,
  LAST_OFFSET_DELTA,
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
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint.js';
import { silentLogger, type Logger } from './logger.js';
import { CLEANED_SUFFIX, removeCleanerFiles } from './log-swap.js';
import { KeyOffsetMap } from './offset-map.js';
import type { PartitionLog } from './partition-log.js';
import type { Segment } from './segment.js';

export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
/** Batch attribute bit 6: baseTimestamp holds the delete horizon of the batch's tombstones. */
export const DELETE_HORIZON_BIT = 0x40;

const READ_CHUNK = 1 << 20;
const WRITE_CHUNK = 1 << 20;
const MAX_INFLATE = 256 * 1024 * 1024;
const INT32_MAX = 2147483647;

export interface LogCleanerOptions {
  /** The log directory (where the cleaner-offset-checkpoint lives). */
  dataDir: string;
  /** The logs to consider (the manager's current set). */
  logs: () => Iterable<PartitionLog>;
  logger?: Logger;
  now?: () => number;
  /** log.cleaner.backoff.ms: pause when no log needs cleaning. Default 15000. */
  backoffMs?: number;
  /** Upper bound on distinct keys per pass; the dirty range is cut at a segment boundary when reached. */
  maxMapEntries?: number;
}

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

export interface LogAssessment {
  firstDirtyOffset: number;
  /** Offset from which nothing may be cleaned (a segment base offset). */
  firstUncleanableOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes), 0 when there is nothing cleanable. */
  dirtyRatio: number;
  /** The oldest dirty record is older than max.compaction.lag.ms. */
  overdue: boolean;
  /** Tombstones written by an earlier pass have reached their delete horizon. */
  horizonDue: boolean;
}

/** Thrown inside a pass to abandon it (stop, log closed, segments gone). */
class CleanAborted extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// record walking and re-encoding (records of one magic-2 batch, after decompression)

interface RawRecord {
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
function parseRecords(data: Buffer, start: number, end: number, count: number): RawRecord[] {
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
async function recordsOf(batch: Buffer): Promise<{ data: Buffer; start: number; end: number }> {
  const codec = batch.readInt16BE(ATTRIBUTES) & COMPRESSION_MASK;
  if (codec === 0) return { data: batch, start: BATCH_HEADER_SIZE, end: batch.length };
  const data = await decompress(codec, batch.subarray(BATCH_HEADER_SIZE), { maxOutputBytes: MAX_INFLATE });
  return { data, start: 0, end: data.length };
}

/** Control record type of a control batch: 0 abort, 1 commit, -1 unreadable. */
async function controlType(batch: Buffer): Promise<number> {
  try {
    const r = await recordsOf(batch);
    const recs = parseRecords(r.data, r.start, r.end, 1);
    const k = recs[0]?.key;
    return k && k.length >= 4 ? k.readInt16BE(2) : -1;
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

interface FilterContext {
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

interface FilterResult {
  out: Buffer | null;
  /** Delete horizon of tombstones still in `out`, -1 if none. */
  horizon: number;
}

/** Applies the retention rules to one batch. */
async function filterBatch(batch: Buffer, c: FilterContext): Promise<FilterResult> {
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

// ---------------------------------------------------------------------------------------------------------------
// file helpers

/** Reads the whole batches of a segment file chunk by chunk (each chunk a fresh buffer the callback may keep). */
async function forEachBatchChunk(
  file: string,
  size: number,
  check: () => void,
  fn: (batches: Buffer[]) => Promise<void>,
): Promise<void> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (e) {
    throw new CleanAborted(`cannot open ${file}: ${(e as Error).message}`);
  }
  try {
    let pos = 0;
    while (pos < size) {
      check();
      const want = Math.min(READ_CHUNK, size - pos);
      let buf = Buffer.allocUnsafe(want);
      let got = (await fh.read(buf, 0, want, pos)).bytesRead;
      const list: Buffer[] = [];
      let p = 0;
      while (p + LOG_OVERHEAD <= got) {
        const sz = LOG_OVERHEAD + buf.readInt32BE(p + LENGTH);
        if (sz < BATCH_HEADER_SIZE && buf[p + MAGIC] === 2) throw new Error(`malformed batch at ${pos + p} in ${file}`);
        if (p + sz > got) break;
        list.push(buf.subarray(p, p + sz));
        p += sz;
      }
      if (list.length === 0) {
        // one batch bigger than a chunk
        if (got < LOG_OVERHEAD) break;
        const sz = LOG_OVERHEAD + buf.readInt32BE(LENGTH);
        if (pos + sz > size) break;
        buf = Buffer.allocUnsafe(sz);
        got = (await fh.read(buf, 0, sz, pos)).bytesRead;
        if (got < sz) break;
        list.push(buf);
        p = sz;
      }
      await fn(list);
      pos += p;
    }
  } finally {
    await fh.close();
  }
}

async function writeDurable(file: string, data: Buffer): Promise<void> {
  const fh = await fs.promises.open(file, 'w');
  try {
    await fh.write(data, 0, data.length, 0);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

const TXN_ENTRY = 34;

/** Abort-index entries (34 bytes: version, producer id, first offset, last offset = marker, LSO) minus `markers`. */
function dropEntriesOfMarkers(entries: Buffer, markers: Set<number>): Buffer {
  if (markers.size === 0) return entries;
  const keep: Buffer[] = [];
  for (let p = 0; p + 34 <= entries.length; p += 34) {
    if (!markers.has(readInt64(entries, p + 18))) keep.push(entries.subarray(p, p + 34));
  }
  return Buffer.concat(keep);
}

/** Raw entries of an abort index file (34-byte records), empty when absent. */
function readTxnIndexEntries(file: string): Buffer {
  try {
    const b = fs.readFileSync(file);
    return b.subarray(0, b.length - (b.length % TXN_ENTRY));
  } catch {
    return Buffer.alloc(0);
  }
}

const baseName = (base: number): string => String(base).padStart(20, '0');

function sleep(ms: number, wake: { fn: (() => void) | null }): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      wake.fn = null;
      resolve();
    }, ms);
    t.unref();
    wake.fn = () => {
      clearTimeout(t);
      wake.fn = null;
      resolve();
    };
  });
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

// ---------------------------------------------------------------------------------------------------------------

/**
 * The background cleaner of one log directory. Cleans one log at a time: the one with the highest dirty ratio
 * above its min.cleanable.dirty.ratio (or overdue by max.compaction.lag.ms, or with tombstones due for removal).
 */
export class LogCleaner {
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly backoffMs: number;
  private readonly maxMapEntries: number;
  private readonly checkpointFile: string;
  /** First dirty offset by `topic-partition`. */
  private readonly firstDirty: Map<string, number>;
  /** Earliest delete horizon of tombstones left by the last pass, by `topic-partition`. */
  private readonly horizons = new Map<string, number>();
  private stopped = false;
  private loopDone: Promise<void> | null = null;
  private readonly wake: { fn: (() => void) | null } = { fn: null };
  private running: Promise<unknown> | null = null;
  /** Completed passes (for tests and metrics). */
  passes = 0;

  constructor(private readonly opts: LogCleanerOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.backoffMs = opts.backoffMs ?? 15000;
    this.maxMapEntries = opts.maxMapEntries ?? 1_000_000;
    this.checkpointFile = path.join(opts.dataDir, CLEANER_OFFSET_CHECKPOINT);
    this.firstDirty = readOffsetCheckpoint(this.checkpointFile);
  }

  /** Starts the background loop. */
  start(): void {
    if (this.loopDone || this.stopped) return;
    this.loopDone = this.loop();
  }

  /** Stops the loop, abandoning a pass in progress (its partial output is removed). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.fn?.();
    await this.loopDone;
    await this.running?.catch(() => {});
  }

  /** Runs a pass now instead of waiting for the backoff (tests, admin). */
  poke(): void {
    this.wake.fn?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let did: CleanStats | null = null;
      try {
        did = await this.cleanOnce();
      } catch (e) {
        if (!(e instanceof CleanAborted)) this.logger.error({ err: e }, 'log cleaner pass failed');
      }
      if (this.stopped) break;
      if (did) await yieldToLoop();
      else await sleep(this.backoffMs, this.wake);
    }
  }

  /** The first dirty offset of a log (cleaner checkpoint, bounded to the log's current range). */
  firstDirtyOffset(log: PartitionLog): number {
    const cp = this.firstDirty.get(`${log.topic}-${log.partition}`);
    if (cp === undefined || cp < log.logStartOffset || cp > log.logEndOffset) return log.logStartOffset;
    return cp;
  }

  /** Where a log stands with respect to cleaning. */
  assess(log: PartitionLog, now = this.now()): LogAssessment {
    const cfg = log.config;
    const segs = log.segmentsForCleaner();
    const firstDirty = this.firstDirtyOffset(log);
    let uncleanable = segs.length - 1;
    if (cfg.minCompactionLagMs > 0) {
      for (let i = 0; i < uncleanable; i++) {
        if (segs[i]!.largestTimestamp() > now - cfg.minCompactionLagMs) {
          uncleanable = i;
          break;
        }
      }
    }
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let firstDirtySeg: Segment | null = null;
    for (let i = 0; i < uncleanable; i++) {
      const s = segs[i]!;
      if (segs[i + 1]!.baseOffset <= firstDirty) cleanBytes += s.size;
      else {
        dirtyBytes += s.size;
        firstDirtySeg ??= s;
      }
    }
    const total = cleanBytes + dirtyBytes;
    let overdue = false;
    if (firstDirtySeg && dirtyBytes > 0 && cfg.maxCompactionLagMs < 1e15) {
      const ts = this.firstTimestamp(firstDirtySeg);
      overdue = ts >= 0 && now - ts > cfg.maxCompactionLagMs;
    }
    const h = this.horizons.get(`${log.topic}-${log.partition}`);
    return {
      firstDirtyOffset: firstDirty,
      firstUncleanableOffset: segs[uncleanable]!.baseOffset,
      cleanBytes,
      dirtyBytes,
      dirtyRatio: total > 0 ? dirtyBytes / total : 0,
      overdue,
      horizonDue: h !== undefined && h <= now && uncleanable > 0,
    };
  }

  /** Max timestamp of a segment's first batch (a lower bound for its oldest record's age), -1 if unknown. */
  private firstTimestamp(seg: Segment): number {
    if (seg.firstBatchTimestamp >= 0) return seg.firstBatchTimestamp;
    let fd = -1;
    try {
      fd = fs.openSync(seg.logPath, 'r');
      const b = Buffer.alloc(BATCH_HEADER_SIZE);
      if (fs.readSync(fd, b, 0, BATCH_HEADER_SIZE, 0) < BATCH_HEADER_SIZE || b[MAGIC] !== 2)
        return seg.largestTimestamp();
      return readInt64(b, MAX_TIMESTAMP);
    } catch {
      return -1;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /** Picks the log that most needs cleaning and cleans it; null when none qualifies. */
  async cleanOnce(now = this.now()): Promise<CleanStats | null> {
    let best: PartitionLog | null = null;
    let bestScore = -1;
    let fallback: PartitionLog | null = null;
    for (const log of this.opts.logs()) {
      if (log.isClosed || log.config.cleanupPolicy === 'delete') continue;
      const a = this.assess(log, now);
      const eligible = a.dirtyBytes > 0 && (a.overdue || a.dirtyRatio > log.config.minCleanableDirtyRatio);
      if (eligible) {
        const score = a.dirtyRatio + (a.overdue ? 1 : 0);
        if (score > bestScore) {
          best = log;
          bestScore = score;
        }
      } else if (a.horizonDue && !fallback) fallback = log;
    }
    const log = best ?? fallback;
    if (!log) return null;
    return this.cleanLog(log, now);
  }

  /**
   * Cleans `log` now, whatever its dirty ratio (still never the active segment nor segments within
   * min.compaction.lag.ms). Returns null when there is nothing it may clean.
   */
  async cleanLog(log: PartitionLog, now = this.now()): Promise<CleanStats | null> {
    while (this.running) await this.running.catch(() => {});
    const p = this.doClean(log, now);
    this.running = p;
    try {
      return await p;
    } catch (e) {
      if (e instanceof CleanAborted) {
        this.logger.info({ dir: log.dir, reason: e.message }, 'log cleaning abandoned');
        return null;
      }
      throw e;
    } finally {
      if (this.running === p) this.running = null;
    }
  }

  private async doClean(log: PartitionLog, now: number): Promise<CleanStats | null> {
    if (log.isClosed || log.config.cleanupPolicy === 'delete') return null;
    const t0 = Date.now();
    const cfg = log.config;
    const key = `${log.topic}-${log.partition}`;
    const a = this.assess(log, now);
    const segs = log.segmentsForCleaner();
    let rewrite = segs.filter((s) => s.baseOffset < a.firstUncleanableOffset);
    if (rewrite.length === 0) return null;
    const stats: CleanStats = {
      topic: log.topic,
      partition: log.partition,
      firstDirtyOffset: a.firstDirtyOffset,
      endOffset: a.firstUncleanableOffset,
      segmentsBefore: rewrite.length,
      segmentsAfter: 0,
      bytesBefore: 0,
      bytesAfter: 0,
      recordsRead: 0,
      recordsRetained: 0,
      tombstonesRemoved: 0,
      abortedBatchesRemoved: 0,
      markersRemoved: 0,
      groups: 0,
      ms: 0,
    };
    const check = (): void => {
      if (this.stopped) throw new CleanAborted('cleaner stopping');
      if (log.isClosed) throw new CleanAborted('log closed');
    };
    const nextBase = (s: Segment): number => segs[segs.indexOf(s) + 1]!.baseOffset;

    // ---- pass 1: transactions, producers' last batches, and the key map over the dirty range
    const firstDirty = a.firstDirtyOffset;
    const map = new KeyOffsetMap();
    const open = new Map<number, { first: number; keys: [string, number][] }>();
    const aborted = new Map<number, [number, number][]>();
    const lastOfProducer = new Map<number, number>();
    /** Markers (by offset) whose transaction has no batch left before them. */
    const emptyTxnMarkers = new Set<number>();
    let mapEnd = a.firstUncleanableOffset;
    const addKeys = async (b: Buffer, sink: (id: string, offset: number) => void): Promise<void> => {
      const base = readInt64(b, 0);
      const r = await recordsOf(b);
      for (const rec of parseRecords(r.data, r.start, r.end, b.readInt32BE(RECORD_COUNT))) {
        const off = base + rec.offsetDelta;
        if (rec.key !== null && off >= firstDirty) sink(KeyOffsetMap.keyOf(rec.key), off);
      }
    };
    for (let i = 0; i < rewrite.length; i++) {
      const seg = rewrite[i]!;
      const end = nextBase(seg);
      await forEachBatchChunk(seg.logPath, seg.size, check, async (batches) => {
        for (const b of batches) {
          if (b[MAGIC] !== 2) continue;
          const attrs = b.readInt16BE(ATTRIBUTES);
          const base = readInt64(b, 0);
          const last = base + b.readInt32BE(LAST_OFFSET_DELTA);
          const pid = readInt64(b, PRODUCER_ID);
          if (pid >= 0) lastOfProducer.set(pid, base);
          if (attrs & CONTROL_BIT) {
            const t = pid >= 0 ? open.get(pid) : undefined;
            if (!t) {
              emptyTxnMarkers.add(base);
              continue;
            }
            const type = await controlType(b);
            if (type === 0) {
              let list = aborted.get(pid);
              if (!list) aborted.set(pid, (list = []));
              list.push([t.first, base]);
            } else if (type === 1) {
              for (const [id, off] of t.keys) map.putId(id, off);
            }
            open.delete(pid);
          } else if (attrs & TRANSACTIONAL_BIT) {
            let t = open.get(pid);
            if (!t) open.set(pid, (t = { first: base, keys: [] }));
            if (last >= firstDirty) {
              const keys = t.keys;
              await addKeys(b, (id, off) => keys.push([id, off]));
            }
          } else if (last >= firstDirty) {
            await addKeys(b, (id, off) => map.putId(id, off));
          }
        }
      });
      if (end > firstDirty && map.size >= this.maxMapEntries && i + 1 < rewrite.length) {
        // the map is full: clean up to here, the rest stays dirty for the next pass
        mapEnd = end;
        rewrite = rewrite.slice(0, i + 1);
        break;
      }
    }
    stats.endOffset = mapEnd;
    const abortedCursor = new Map<number, number>();
    const fctx: FilterContext = {
      map,
      now,
      deleteRetentionMs: cfg.deleteRetentionMs,
      stats,
      isLastOfProducer: (pid, base) => lastOfProducer.get(pid) === base,
      isEmptyTxnMarker: (base) => emptyTxnMarkers.has(base),
      removedMarkers: new Set(),
      isAborted: (pid, base) => {
        const list = aborted.get(pid);
        if (!list) return false;
        // batches are visited in offset order, so a per-producer cursor suffices
        let i = abortedCursor.get(pid) ?? 0;
        while (i < list.length && list[i]![1] < base) i++;
        abortedCursor.set(pid, i);
        return i < list.length && list[i]![0] <= base;
      },
    };

    // ---- pass 2: rewrite in groups
    let minHorizon = Infinity;
    let at = 0;
    while (at < rewrite.length) {
      const r = await this.cleanGroup(log, rewrite.slice(at), nextBase, fctx, check);
      if (r === null) {
        this.logger.info({ dir: log.dir }, 'log changed during cleaning; pass abandoned');
        return null;
      }
      for (let k = 0; k < r.consumed; k++) stats.bytesBefore += rewrite[at + k]!.size;
      at += r.consumed;
      stats.groups++;
      stats.bytesAfter += r.size;
      if (r.minHorizon < minHorizon) minHorizon = r.minHorizon;
    }
    stats.segmentsAfter = stats.groups;
    if (minHorizon < Infinity) this.horizons.set(key, minHorizon);
    else this.horizons.delete(key);
    this.firstDirty.set(key, mapEnd);
    this.writeCheckpoint();
    stats.ms = Date.now() - t0;
    this.passes++;
    this.logger.info({ ...stats }, 'cleaned log');
    return stats;
  }

  /**
   * Writes one cleaned segment from the first of `candidates` and as many following ones as surely fit
   * (output so far plus the next segment's whole input within segment.bytes, offsets within int32 deltas), then
   * swaps it in. So small cleaned segments merge as they shrink. Null when the log changed meanwhile.
   */
  private async cleanGroup(
    log: PartitionLog,
    candidates: Segment[],
    nextBase: (s: Segment) => number,
    fctx: FilterContext,
    check: () => void,
  ): Promise<{ size: number; minHorizon: number; consumed: number } | null> {
    const dir = log.dir;
    const base = candidates[0]!.baseOffset;
    const maxBytes = log.config.segmentBytes;
    const group: Segment[] = [];
    const name = baseName(base);
    const interval = log.config.indexIntervalBytes;
    removeCleanerFiles(dir, name);
    const fh = await fs.promises.open(path.join(dir, name + '.log' + CLEANED_SUFFIX), 'w');
    let ok = false;
    try {
      let position = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let written = 0;
      const offsetIdx: number[] = [];
      const timeIdx: number[] = [];
      let sinceEntry = 0;
      let maxTs = -1;
      let offOfMaxTs = -1;
      let minHorizon = Infinity;
      const flush = async (): Promise<void> => {
        if (pendingBytes === 0) return;
        const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        let done = 0;
        while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, written + done)).bytesWritten;
        written += buf.length;
      };
      const addTimeEntry = (ts: number, off: number): void => {
        const n = timeIdx.length;
        if (n > 0 && (ts <= timeIdx[n - 2]! || off - base < timeIdx[n - 1]!)) return;
        timeIdx.push(ts, off - base);
      };
      for (const seg of candidates) {
        if (group.length > 0 && (position + seg.size > maxBytes || nextBase(seg) - 1 - base > INT32_MAX)) break;
        group.push(seg);
        await forEachBatchChunk(seg.logPath, seg.size, check, async (batches) => {
          for (const b of batches) {
            const r = await filterBatch(b, fctx);
            const out = r.out;
            if (!out) continue;
            if (r.horizon >= 0 && r.horizon < minHorizon) minHorizon = r.horizon;
            // index like Segment does on append: an entry once more than index.interval.bytes went by
            const last = readInt64(out, 0) + (out[MAGIC] === 2 ? out.readInt32BE(LAST_OFFSET_DELTA) : 0);
            const ts = out[MAGIC] === 2 ? readInt64(out, MAX_TIMESTAMP) : -1;
            if (ts > maxTs) {
              maxTs = ts;
              offOfMaxTs = last;
            }
            if (sinceEntry > interval) {
              offsetIdx.push(last - base, position);
              addTimeEntry(maxTs, offOfMaxTs);
              sinceEntry = 0;
            }
            sinceEntry += out.length;
            position += out.length;
            pending.push(out);
            pendingBytes += out.length;
            if (pendingBytes >= WRITE_CHUNK) await flush();
          }
        });
      }
      await flush();
      if (maxTs >= 0) addTimeEntry(maxTs, offOfMaxTs);
      await fh.datasync();
      await fh.close();
      // keep the old modification time, so time-based retention does not restart for cleaned data
      let mtime = 0;
      for (const s of group) {
        try {
          mtime = Math.max(mtime, fs.statSync(s.logPath).mtimeMs);
        } catch {
          /* deleted meanwhile: the swap below will notice */
        }
      }
      if (mtime > 0)
        await fs.promises.utimes(path.join(dir, name + '.log' + CLEANED_SUFFIX), mtime / 1000, mtime / 1000);
      if (offsetIdx.length > 0) {
        const b = Buffer.allocUnsafe(offsetIdx.length * 4);
        for (let i = 0; i < offsetIdx.length; i++) b.writeInt32BE(offsetIdx[i]!, i * 4);
        await writeDurable(path.join(dir, name + '.index' + CLEANED_SUFFIX), b);
      }
      if (timeIdx.length > 0) {
        const b = Buffer.allocUnsafe((timeIdx.length / 2) * 12);
        for (let i = 0; i < timeIdx.length; i += 2) {
          const t = timeIdx[i]!;
          const hi = Math.floor(t / 4294967296);
          b.writeInt32BE(hi, i * 6);
          b.writeUInt32BE(t - hi * 4294967296, i * 6 + 4);
          b.writeInt32BE(timeIdx[i + 1]!, i * 6 + 8);
        }
        await writeDurable(path.join(dir, name + '.timeindex' + CLEANED_SUFFIX), b);
      }
      // the aborts recorded for the old segments, but for those whose marker this pass removed
      const txn = dropEntriesOfMarkers(
        Buffer.concat(group.map((s) => readTxnIndexEntries(path.join(dir, baseName(s.baseOffset) + '.txnindex')))),
        fctx.removedMarkers,
      );
      if (txn.length > 0) await writeDurable(path.join(dir, name + '.txnindex' + CLEANED_SUFFIX), txn);
      check();
      // synchronous from here: nobody can read or change the log between the check and the swap
      ok = log.replaceWithCleaned(group);
      return ok ? { size: position, minHorizon, consumed: group.length } : null;
    } finally {
      await fh.close().catch(() => {});
      if (!ok) removeCleanerFiles(dir, name);
    }
  }

  /** Forgets a deleted log. */
  forget(topic: string, partition: number): void {
    const key = `${topic}-${partition}`;
    this.firstDirty.delete(key);
    this.horizons.delete(key);
  }

  /** Writes first dirty offsets of the logs that still exist. */
  writeCheckpoint(): void {
    const live = new Set<string>();
    for (const l of this.opts.logs()) live.add(`${l.topic}-${l.partition}`);
    const entries: [string, number, number][] = [];
    for (const [k, off] of this.firstDirty) {
      if (!live.has(k)) continue;
      const i = k.lastIndexOf('-');
      entries.push([k.slice(0, i), Number(k.slice(i + 1)), off]);
    }
    writeOffsetCheckpoint(this.checkpointFile, entries);
  }
}
