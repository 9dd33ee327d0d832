import fs from 'node:fs';
import path from 'node:path';
import {
  LOG_OVERHEAD,
  MAGIC,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  BATCH_HEADER_SIZE,
  readInt64,
  PARTITION_LEADER_EPOCH,
} from '../protocol/records/layout.js';
import { HeaderCursor, checksumOk, findRecordInBatch, walkBuffer, type RecordHit } from './batch-scan.js';
import type { FileCache } from './file-cache.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TxnIndex } from './txn-index.js';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';
const INT32_MAX = 2147483647;

/** `<base offset, 20 digits>` + suffix, as Kafka names segment files. */
export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

export interface WalkResult {
  /** Bytes of the file that hold whole, valid batches. */
  validBytes: number;
  nextOffset: number;
  /** Why the walk stopped early, when it did. */
  problem?: string;
}

export interface BatchFound {
  position: number;
  baseOffset: number;
  lastOffset: number;
  size: number;
  maxTimestamp: number;
  leaderEpoch: number;
}

/** The configs a segment's roll decision depends on (a LogConfig has them). */
export interface RollConfig {
  segmentBytes: number;
  segmentMs: number;
}

/**
 * One segment: a `.log` file of whole record batches starting at `baseOffset`, plus its sparse offset and
 * time indexes and, once a transaction was aborted in it, its abort index. Files are reached through the shared
 * FileCache, never held open by the segment itself. The segment decides when it is full (shouldRoll).
 */
export class Segment {
  readonly logPath: string;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** Bytes in the log file. */
  size: number;
  /** Offset after the last batch; -1 until known (known for the active segment and after a walk). */
  nextOffset = -1;
  /** Largest batch max-timestamp seen, and the last offset of that batch; -1 when unknown or none. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Max timestamp of the first batch; time-based rolling measures from it, as Kafka does. */
  firstBatchTimestamp = -1;
  readonly createdMs: number;
  /** Random share of segment.jitter.ms, fixed per segment, so partitions do not all roll together. */
  rollJitterMs = 0;
  /** The abort index, when this segment has one (see abortIndex). */
  txnIndex: TxnIndex | null = null;
  private bytesSinceIndexEntry = 0;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    indexBytes: number,
    private readonly files: FileCache,
    size: number,
    createdMs: number,
  ) {
    this.logPath = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.offsetIndex = new OffsetIndex(
      path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX)),
      baseOffset,
      indexBytes,
      files,
    );
    this.timeIndex = new TimeIndex(
      path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)),
      baseOffset,
      indexBytes,
      files,
    );
    this.size = size;
    this.createdMs = createdMs;
  }

  /** Creates empty files for a new segment (replacing leftovers of the same name). */
  static create(dir: string, baseOffset: number, indexBytes: number, files: FileCache, nowMs: number): Segment {
    const s = new Segment(dir, baseOffset, indexBytes, files, 0, nowMs);
    files.create(s.logPath);
    for (const p of [s.offsetIndex.path, s.timeIndex.path]) {
      files.close(p);
      fs.rmSync(p, { force: true });
    }
    s.offsetIndex.initEmpty();
    s.timeIndex.initEmpty();
    s.nextOffset = baseOffset;
    return s;
  }

  /** Opens an existing segment; indexes are loaded lazily (see ensureIndexes). */
  static open(dir: string, baseOffset: number, indexBytes: number, files: FileCache): Segment {
    const s = new Segment(dir, baseOffset, indexBytes, files, 0, 0);
    const st = fs.statSync(s.logPath);
    s.size = st.size;
    (s as { createdMs: number }).createdMs = st.mtimeMs;
    return s;
  }

  /** The abort index of this segment, created (in memory; the file comes with the first entry) when absent. */
  abortIndex(): TxnIndex {
    this.txnIndex ??= new TxnIndex(this.dir, this.baseOffset);
    return this.txnIndex;
  }

  /**
   * Whether an append of `bytes` bytes (largest timestamp `maxTimestamp`, last offset `lastOffset`) must go to a
   * new segment: this one would outgrow segment.bytes, is older than segment.ms (less its jitter, measured from
   * its first batch's timestamp, as Kafka does, else from its creation by `now`), has a full index, or the offsets
   * would not fit a 32-bit delta from the base offset. An empty segment never rolls. Allocates nothing.
   */
  shouldRoll(cfg: RollConfig, bytes: number, maxTimestamp: number, lastOffset: number, now: () => number): boolean {
    if (this.size === 0) return false;
    const waited = this.firstBatchTimestamp >= 0 ? maxTimestamp - this.firstBatchTimestamp : now() - this.createdMs;
    return (
      this.size > cfg.segmentBytes - bytes ||
      waited > cfg.segmentMs - this.rollJitterMs ||
      this.offsetIndex.isFull ||
      this.timeIndex.isFull ||
      lastOffset - this.baseOffset > INT32_MAX
    );
  }

  /** All files of the segment that exist. */
  get paths(): string[] {
    const out = [this.logPath];
    if (this.offsetIndex.hasFile) out.push(this.offsetIndex.path);
    if (this.timeIndex.hasFile) out.push(this.timeIndex.path);
    return out;
  }

  /** Loads both indexes if needed; rebuilds them from the log when either is damaged. Returns true if rebuilt. */
  ensureIndexes(indexIntervalBytes: number): boolean {
    if (this.offsetIndex.loaded && this.timeIndex.loaded) return false;
    const okO = this.offsetIndex.load(this.size) || (!this.offsetIndex.hasFile && this.size <= indexIntervalBytes);
    const okT = this.timeIndex.load(INT32_MAX) || (!this.timeIndex.hasFile && this.size <= indexIntervalBytes);
    if (okO && okT) return false;
    this.walk({ crc: false, indexIntervalBytes });
    return true;
  }

  /**
   * After a clean open: learn the next offset, max timestamp and index spacing by scanning only the headers
   * after the last offset-index entry. Returns false if the tail is not a sequence of whole batches.
   */
  loadTail(): boolean {
    const c = new HeaderCursor(this.files.fd(this.logPath), this.size);
    this.maxTimestamp = this.timeIndex.lastTimestamp;
    this.offsetOfMaxTimestamp = this.timeIndex.entries > 0 ? this.timeIndex.lastOffset : -1;
    this.nextOffset = this.baseOffset;
    if (this.size === 0) return true;
    if (!c.at(0)) return false;
    this.firstBatchTimestamp = c.maxTimestamp;
    let pos = this.offsetIndex.lastPosition;
    while (pos < this.size) {
      if (!c.at(pos)) return false;
      if (c.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = c.maxTimestamp;
        this.offsetOfMaxTimestamp = c.lastOffset;
      }
      this.nextOffset = c.lastOffset + 1;
      pos += c.size;
    }
    this.bytesSinceIndexEntry = this.size - this.offsetIndex.lastPosition;
    return true;
  }

  /**
   * Rebuilds both indexes by walking every batch from the start, optionally verifying checksums. Stops at the
   * first batch that is torn, malformed, out of order or (with crc) corrupt; the caller truncates there.
   */
  walk(opts: {
    crc: boolean;
    indexIntervalBytes: number;
    onBatch?: (leaderEpoch: number, baseOffset: number) => void;
  }): WalkResult {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.firstBatchTimestamp = -1;
    this.bytesSinceIndexEntry = 0;
    let expect = this.baseOffset;
    let pos = 0;
    let buf = walkBuffer(1 << 20);
    let bufStart = 0;
    let bufLen = 0;
    let problem: string | undefined;
    const fill = (at: number, need: number): void => {
      buf = walkBuffer(need);
      const len = Math.min(Math.max(need, 1 << 20, buf.length), this.size - at);
      bufLen = fs.readSync(this.files.fd(this.logPath), buf, 0, len, at);
      bufStart = at;
    };
    while (pos < this.size) {
      if (pos + LOG_OVERHEAD > bufStart + bufLen) fill(pos, LOG_OVERHEAD);
      if (pos + LOG_OVERHEAD > bufStart + bufLen) {
        problem = 'truncated header';
        break;
      }
      const length = buf.readInt32BE(pos - bufStart + 8);
      const size = LOG_OVERHEAD + length;
      if (length < 14 || pos + size > this.size) {
        problem = `batch at ${pos} claims ${size} bytes, file has ${this.size - pos}`;
        break;
      }
      if (pos + size > bufStart + bufLen) fill(pos, size);
      const o = pos - bufStart;
      const magic = buf[o + MAGIC]!;
      const first = readInt64(buf, o);
      let last: number;
      let maxTs: number;
      let epoch = -1;
      if (magic === 2) {
        if (size < BATCH_HEADER_SIZE) {
          problem = 'batch shorter than its header';
          break;
        }
        last = first + buf.readInt32BE(o + LAST_OFFSET_DELTA);
        maxTs = readInt64(buf, o + MAX_TIMESTAMP);
        epoch = buf.readInt32BE(o + PARTITION_LEADER_EPOCH);
      } else if (magic === 0 || magic === 1) {
        last = first;
        maxTs = magic === 1 ? readInt64(buf, o + 18) : -1;
      } else {
        problem = `unknown magic ${magic} at ${pos}`;
        break;
      }
      if (first < expect || last < first || last - this.baseOffset > INT32_MAX) {
        problem = `offsets ${first}..${last} out of order at ${pos}`;
        break;
      }
      if (opts.crc && !checksumOk(buf, o, size)) {
        problem = `checksum mismatch at ${pos}`;
        break;
      }
      this.indexBatch(pos, size, last, maxTs, opts.indexIntervalBytes);
      opts.onBatch?.(epoch, first);
      expect = last + 1;
      pos += size;
    }
    this.nextOffset = expect;
    return { validBytes: pos, nextOffset: expect, problem };
  }

  /** Cuts the log file to `bytes` (used after a walk found a bad tail). */
  truncateBytes(bytes: number): void {
    if (bytes >= this.size) return;
    fs.ftruncateSync(this.files.fd(this.logPath), bytes);
    this.size = bytes;
  }

  private indexBatch(position: number, size: number, lastOffset: number, maxTs: number, interval: number): void {
    if (this.firstBatchTimestamp < 0 && position === 0) this.firstBatchTimestamp = maxTs;
    if (maxTs > this.maxTimestamp) {
      this.maxTimestamp = maxTs;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceIndexEntry > interval) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
  }

  /**
   * Writes already offset-stamped batches at the end of the file and indexes them. On a failed write the file
   * is cut back so it never keeps a partial batch.
   */
  append(buf: Buffer, lastOffset: number, indexIntervalBytes: number): void {
    const start = this.size;
    const fd = this.files.fd(this.logPath);
    try {
      let done = 0;
      while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, start + done);
    } catch (e) {
      try {
        fs.ftruncateSync(this.files.fd(this.logPath), start);
      } catch {
        /* the original error matters more */
      }
      throw e;
    }
    this.size = start + buf.length;
    this.nextOffset = lastOffset + 1;
    let p = 0;
    while (p < buf.length) {
      const size = LOG_OVERHEAD + buf.readInt32BE(p + 8);
      this.indexBatch(
        start + p,
        size,
        readInt64(buf, p) + buf.readInt32BE(p + LAST_OFFSET_DELTA),
        readInt64(buf, p + MAX_TIMESTAMP),
        indexIntervalBytes,
      );
      p += size;
    }
  }

  /** Called when a newer segment takes over: make sure the time index ends with this segment's max timestamp. */
  onBecomeInactive(): boolean {
    if (!this.timeIndex.loaded || this.maxTimestamp < 0 || this.maxTimestamp <= this.timeIndex.lastTimestamp)
      return false;
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    return true;
  }

  /** Locates the first batch whose last offset is >= `offset`, scanning headers from the index hint. */
  findBatch(offset: number, indexIntervalBytes: number): BatchFound | null {
    this.ensureIndexes(indexIntervalBytes);
    const c = new HeaderCursor(this.files.fd(this.logPath), this.size);
    let pos = this.offsetIndex.lookup(offset);
    while (pos < this.size) {
      if (!c.at(pos)) return null;
      if (c.lastOffset >= offset) {
        return {
          position: pos,
          baseOffset: c.baseOffset,
          lastOffset: c.lastOffset,
          size: c.size,
          maxTimestamp: c.maxTimestamp,
          leaderEpoch: c.leaderEpoch,
        };
      }
      pos += c.size;
    }
    return null;
  }

  /**
   * Whole batches starting with the one that holds `offset`, at most `maxBytes` of them (but the first one
   * regardless when minOneBatch), excluding batches whose last offset reaches `maxOffset`.
   * Returns null if this segment holds nothing at or after `offset`.
   */
  read(
    offset: number,
    maxBytes: number,
    minOneBatch: boolean,
    maxOffset: number,
    indexIntervalBytes: number,
  ): Buffer | null {
    const first = this.findBatch(offset, indexIntervalBytes);
    if (!first) return null;
    if (first.lastOffset >= maxOffset) return Buffer.alloc(0);
    const avail = this.size - first.position;
    let want = Math.min(maxBytes, avail);
    if (first.size > want) {
      if (!minOneBatch) return Buffer.alloc(0);
      want = first.size;
    }
    const out = Buffer.allocUnsafe(want);
    const got = fs.readSync(this.files.fd(this.logPath), out, 0, want, first.position);
    // keep whole batches only, and none that crosses maxOffset
    let p = 0;
    while (p + LOG_OVERHEAD <= got) {
      const size = LOG_OVERHEAD + out.readInt32BE(p + 8);
      if (p + size > got) break;
      if (p > 0 && out[p + MAGIC] === 2 && maxOffset < Number.MAX_SAFE_INTEGER) {
        const last = readInt64(out, p) + out.readInt32BE(p + LAST_OFFSET_DELTA);
        if (last >= maxOffset) break;
      }
      p += size;
    }
    return p === out.length ? out : out.subarray(0, p);
  }

  /** Reads exactly one batch at a known position. */
  readBatch(b: BatchFound): Buffer {
    const out = Buffer.allocUnsafe(b.size);
    fs.readSync(this.files.fd(this.logPath), out, 0, b.size, b.position);
    return out;
  }

  /** First record at or after `minOffset` with timestamp >= target, or null if none in this segment. */
  findOffsetByTimestamp(
    target: number,
    minOffset: number,
    indexIntervalBytes: number,
  ): (RecordHit & { leaderEpoch: number }) | null {
    this.ensureIndexes(indexIntervalBytes);
    const from = Math.max(this.timeIndex.lookup(target), minOffset, this.baseOffset);
    const c = new HeaderCursor(this.files.fd(this.logPath), this.size);
    let pos = this.offsetIndex.lookup(from);
    while (pos < this.size) {
      if (!c.at(pos)) return null;
      const next = pos + c.size;
      if (c.lastOffset >= minOffset && c.maxTimestamp >= target) {
        const found: BatchFound = {
          position: pos,
          baseOffset: c.baseOffset,
          lastOffset: c.lastOffset,
          size: c.size,
          maxTimestamp: c.maxTimestamp,
          leaderEpoch: c.leaderEpoch,
        };
        const batch = this.readBatch(found);
        const hit = findRecordInBatch(batch, (ts, off) => ts >= target && off >= minOffset);
        if (hit) return { ...hit, leaderEpoch: found.leaderEpoch };
        if (hit === undefined) {
          // compressed: records are not decoded here, answer with the batch's first eligible offset
          return {
            offset: Math.max(found.baseOffset, minOffset),
            timestamp: found.maxTimestamp,
            leaderEpoch: found.leaderEpoch,
          };
        }
      }
      pos = next;
    }
    return null;
  }

  /** Largest timestamp in the segment (falling back to file mtime when records carry none), for retention. */
  largestTimestamp(): number {
    if (this.maxTimestamp < 0) {
      // a loaded index (opened lazily, never walked) already holds the answer in memory
      const t = this.timeIndex.loaded ? this.timeIndex.lastTimestamp : TimeIndex.readLastTimestamp(this.timeIndex.path);
      if (t >= 0) this.maxTimestamp = t;
    }
    if (this.maxTimestamp >= 0) return this.maxTimestamp;
    try {
      return fs.statSync(this.logPath).mtimeMs;
    } catch {
      return this.createdMs;
    }
  }

  /**
   * Drops every batch whose last offset is >= `offset`: the file is cut at the start of the batch holding it,
   * so the new end is that batch's base offset. Returns the new next offset.
   */
  truncateTo(offset: number, indexIntervalBytes: number): number {
    const b = this.findBatch(offset, indexIntervalBytes);
    if (!b) return this.nextOffset >= 0 ? this.nextOffset : offset;
    this.truncateBytes(b.position);
    this.offsetIndex.truncate(b.baseOffset, b.position);
    this.timeIndex.truncate(b.baseOffset);
    if (!this.loadTail()) this.walk({ crc: false, indexIntervalBytes });
    return this.nextOffset;
  }

  /** Closes cached descriptors and renames the files (abort index included) to `*.deleted`; returns the new names. */
  markDeleted(): string[] {
    const out: string[] = [];
    const txn = this.txnIndex ? [this.txnIndex.path] : [];
    this.txnIndex = null;
    for (const p of [...this.paths, ...txn]) {
      this.files.close(p);
      try {
        fs.renameSync(p, p + DELETED_SUFFIX);
        out.push(p + DELETED_SUFFIX);
      } catch {
        /* already gone */
      }
    }
    return out;
  }

  closeFiles(): void {
    for (const p of this.paths) this.files.close(p);
  }

  /** Reads the partition leader epoch of a batch header at position 0 (debug/tests). */
  static headerEpoch(b: Buffer): number {
    return b.readInt32BE(PARTITION_LEADER_EPOCH);
  }
}
