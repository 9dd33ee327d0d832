import fs from 'node:fs';
import type { FileCache } from './file-cache.js';

/**
 * Sparse map from offset to file position within one segment. On disk: 8-byte entries of
 * (int32 offset - baseOffset, int32 position), appended as the log grows. The same entries are kept in an
 * Int32Array (interleaved pairs) so lookups are a binary search in memory.
 *
 * An entry records the last offset of a batch and the position where that batch starts, so the entry found for
 * a target always points at or before the batch holding the target.
 */
export const OFFSET_ENTRY_SIZE = 8;

export class OffsetIndex {
  private data = new Int32Array(16);
  private n = 0;
  loaded = false;
  /** Index files are created with their first entry, so tiny partitions cost one file, not three. */
  private exists: boolean | null = null;
  readonly maxEntries: number;
  private readonly scratch = Buffer.alloc(OFFSET_ENTRY_SIZE);

  constructor(
    readonly path: string,
    readonly baseOffset: number,
    maxIndexBytes: number,
    private readonly files: FileCache,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / OFFSET_ENTRY_SIZE));
  }

  get entries(): number {
    return this.n;
  }
  get isFull(): boolean {
    return this.n >= this.maxEntries;
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
    this.loaded = true;
    this.n = 0;
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.path);
      this.exists = true;
    } catch {
      this.exists = false;
      return false;
    }
    if (buf.length % OFFSET_ENTRY_SIZE !== 0) return false;
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
    fs.writeSync(this.fdForWrite(), this.scratch, 0, OFFSET_ENTRY_SIZE, this.n * OFFSET_ENTRY_SIZE);
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
    if (k === this.n) return;
    this.n = k;
    if (this.hasFile) fs.ftruncateSync(this.files.fd(this.path), k * OFFSET_ENTRY_SIZE);
  }

  reset(): void {
    this.n = 0;
    this.loaded = true;
    if (this.hasFile) fs.ftruncateSync(this.files.fd(this.path), 0);
  }

  get hasFile(): boolean {
    if (this.exists === null) this.exists = fs.existsSync(this.path);
    return this.exists;
  }

  /** Marks a brand-new (fileless) index. */
  initEmpty(): void {
    this.exists = false;
    this.loaded = true;
    this.n = 0;
  }

  private fdForWrite(): number {
    if (!this.hasFile) {
      this.exists = true;
      return this.files.create(this.path);
    }
    return this.files.fd(this.path);
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
