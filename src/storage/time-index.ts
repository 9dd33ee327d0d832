import fs from 'node:fs';
import type { FileCache } from './file-cache.js';
import { IndexFile } from './index-file.js';

/**
 * Sparse map from timestamp to offset within one segment. On disk: 12-byte entries of (int64 timestamp,
 * int32 offset - baseOffset). An entry (T, O) means: T is the largest timestamp among records up to offset O.
 * Timestamps only grow from entry to entry, so a record earlier than T never hides after an entry with
 * timestamp below the target. Entries are mirrored in typed arrays for in-memory binary search.
 */
export const TIME_ENTRY_SIZE = 12;

export class TimeIndex extends IndexFile {
  private ts = new Float64Array(8);
  private rel = new Int32Array(8);

  constructor(path: string, baseOffset: number, maxIndexBytes: number, files: FileCache) {
    super(path, baseOffset, maxIndexBytes, files, TIME_ENTRY_SIZE);
  }
  get lastTimestamp(): number {
    return this.n === 0 ? -1 : this.ts[this.n - 1]!;
  }
  get lastOffset(): number {
    return this.n === 0 ? this.baseOffset : this.baseOffset + this.rel[this.n - 1]!;
  }

  /** Loads and checks the file; false when it must be rebuilt. */
  load(maxRelOffset: number): boolean {
    const buf = this.readEntries();
    if (buf === null) return false;
    const count = buf.length / TIME_ENTRY_SIZE;
    this.ensureCapacity(count);
    let prevTs = -Infinity;
    let prevRel = -1;
    for (let i = 0; i < count; i++) {
      const t = buf.readInt32BE(i * 12) * 4294967296 + buf.readUInt32BE(i * 12 + 4);
      const r = buf.readInt32BE(i * 12 + 8);
      if (t <= prevTs || r < prevRel || r < 0 || r > maxRelOffset) return false;
      this.ts[i] = t;
      this.rel[i] = r;
      prevTs = t;
      prevRel = r;
    }
    this.n = count;
    return true;
  }

  /** Reads only the last entry's timestamp from disk (for retention on segments whose index is not loaded). */
  static readLastTimestamp(path: string): number {
    let fd = -1;
    try {
      fd = fs.openSync(path, 'r');
      const size = fs.fstatSync(fd).size;
      if (size < TIME_ENTRY_SIZE || size % TIME_ENTRY_SIZE !== 0) return -1;
      const b = Buffer.alloc(8);
      fs.readSync(fd, b, 0, 8, size - TIME_ENTRY_SIZE);
      return b.readInt32BE(0) * 4294967296 + b.readUInt32BE(4);
    } catch {
      return -1;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /** Appends (timestamp, offset) if the timestamp is larger than the last entry's. */
  maybeAppend(timestamp: number, offset: number): void {
    if (this.n > 0 && timestamp <= this.ts[this.n - 1]!) return;
    const r = offset - this.baseOffset;
    if (this.n > 0 && r < this.rel[this.n - 1]!) return;
    this.ensureCapacity(this.n + 1);
    this.ts[this.n] = timestamp;
    this.rel[this.n] = r;
    const hi = Math.floor(timestamp / 4294967296);
    this.scratch.writeInt32BE(hi, 0);
    this.scratch.writeUInt32BE(timestamp - hi * 4294967296, 4);
    this.scratch.writeInt32BE(r, 8);
    this.writeEntry();
    this.n++;
  }

  /**
   * Offset from which to scan for the first record with timestamp >= target: just after the last entry whose
   * timestamp is below the target (every record up to that entry's offset is older than the target).
   */
  lookup(target: number): number {
    let lo = 0;
    let hi = this.n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? this.baseOffset : this.baseOffset + this.rel[found]! + 1;
  }

  /** Drops entries at or beyond `offset`. */
  truncate(offset: number): void {
    const r = offset - this.baseOffset;
    let k = this.n;
    while (k > 0 && this.rel[k - 1]! >= r) k--;
    this.keep(k);
  }

  private ensureCapacity(count: number): void {
    if (count <= this.ts.length) return;
    let cap = this.ts.length;
    while (cap < count) cap *= 2;
    const t = new Float64Array(cap);
    t.set(this.ts.subarray(0, this.n));
    const r = new Int32Array(cap);
    r.set(this.rel.subarray(0, this.n));
    this.ts = t;
    this.rel = r;
  }
}
