import type { FileCache } from './file-cache.js';
import { IndexFile } from './index-file.js';

/**
 * Sparse map from offset to file position within one segment. On disk: 8-byte entries of
 * (int32 offset - baseOffset, int32 position), appended as the log grows. The same entries are kept in an
 * Int32Array (interleaved pairs) so lookups are a binary search in memory.
 *
 * An entry records the last offset of a batch and the position where that batch starts, so the entry found for
 * a target always points at or before the batch holding the target.
 */
export const OFFSET_ENTRY_SIZE = 8;

export class OffsetIndex extends IndexFile {
  private data = new Int32Array(16);

  constructor(path: string, baseOffset: number, maxIndexBytes: number, files: FileCache) {
    super(path, baseOffset, maxIndexBytes, files, OFFSET_ENTRY_SIZE);
  }
  /** Relative offset of the last entry, -1 if none. */
  get lastRelOffset(): number {
    return this.n === 0 ? -1 : this.data[(this.n - 1) * 2]!;
  }
  get lastPosition(): number {
    return this.n === 0 ? 0 : this.data[(this.n - 1) * 2 + 1]!;
  }

  /**
   * Reads the file into memory and checks it is sane for a log of `logSize` bytes: whole entries, offsets and
   * positions strictly increasing, positions inside the log. Returns false when it must be rebuilt.
   */
  load(logSize: number): boolean {
    const buf = this.readEntries();
    if (buf === null) return false;
    const count = buf.length / OFFSET_ENTRY_SIZE;
    this.ensureCapacity(count);
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < count; i++) {
      const rel = buf.readInt32BE(i * 8);
      const pos = buf.readInt32BE(i * 8 + 4);
      if (rel <= prevRel || pos <= prevPos || pos >= logSize || rel < 0) return false;
      this.data[i * 2] = rel;
      this.data[i * 2 + 1] = pos;
      prevRel = rel;
      prevPos = pos;
    }
    this.n = count;
    return true;
  }

  /** Adds an entry (offset must exceed the last one) in memory and in the file. */
  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (this.n > 0 && rel <= this.lastRelOffset) return;
    this.ensureCapacity(this.n + 1);
    this.data[this.n * 2] = rel;
    this.data[this.n * 2 + 1] = position;
    this.scratch.writeInt32BE(rel, 0);
    this.scratch.writeInt32BE(position, 4);
    this.writeEntry();
    this.n++;
  }

  /** Position of the batch to start scanning from for `offset`: the greatest entry at or below it, else 0. */
  lookup(offset: number): number {
    const rel = offset - this.baseOffset;
    let lo = 0;
    let hi = this.n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.data[mid * 2]! <= rel) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.data[found * 2 + 1]!;
  }

  /** Drops every entry whose offset is >= `offset`, or whose position is >= `position`. */
  truncate(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    let k = this.n;
    while (k > 0 && (this.data[(k - 1) * 2]! >= rel || this.data[(k - 1) * 2 + 1]! >= position)) k--;
    this.keep(k);
  }

  private ensureCapacity(count: number): void {
    if (count * 2 <= this.data.length) return;
    let cap = this.data.length;
    while (cap < count * 2) cap *= 2;
    const d = new Int32Array(cap);
    d.set(this.data.subarray(0, this.n * 2));
    this.data = d;
  }
}
