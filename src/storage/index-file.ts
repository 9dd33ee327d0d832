import fs from 'node:fs';
import type { FileCache } from './file-cache.js';

/**
 * What the offset and time indexes share: a file of fixed-size entries appended one at a time, created lazily
 * with its first entry (so tiny partitions cost one file, not three), mirrored in memory by the subclass.
 */
export abstract class IndexFile {
  protected n = 0;
  loaded = false;
  private exists: boolean | null = null;
  readonly maxEntries: number;
  protected readonly scratch: Buffer;

  constructor(
    readonly path: string,
    readonly baseOffset: number,
    maxIndexBytes: number,
    protected readonly files: FileCache,
    private readonly entrySize: number,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize));
    this.scratch = Buffer.alloc(entrySize);
  }

  get entries(): number {
    return this.n;
  }

  get isFull(): boolean {
    return this.n >= this.maxEntries;
  }

  get hasFile(): boolean {
    if (this.exists === null) this.exists = fs.existsSync(this.path);
    return this.exists;
  }

  /** Starts a load: the file's bytes when it holds whole entries, null when it is missing or torn. */
  protected readEntries(): Buffer | null {
    this.loaded = true;
    this.n = 0;
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.path);
      this.exists = true;
    } catch {
      this.exists = false;
      return null;
    }
    return buf.length % this.entrySize === 0 ? buf : null;
  }

  /** Writes `scratch` as entry number n (the caller then counts it). */
  protected writeEntry(): void {
    let fd: number;
    if (!this.hasFile) {
      this.exists = true;
      fd = this.files.create(this.path);
    } else fd = this.files.fd(this.path);
    fs.writeSync(fd, this.scratch, 0, this.entrySize, this.n * this.entrySize);
  }

  /** Keeps the first k entries, in memory and on disk. */
  protected keep(k: number): void {
    if (k === this.n) return;
    this.n = k;
    if (this.hasFile) fs.ftruncateSync(this.files.fd(this.path), k * this.entrySize);
  }

  /** Empties the index, file included (a torn file may hold bytes that are not whole entries). */
  reset(): void {
    this.loaded = true;
    this.n = 0;
    if (this.hasFile) fs.ftruncateSync(this.files.fd(this.path), 0);
  }

  /** Marks a brand-new (fileless) index. */
  initEmpty(): void {
    this.exists = false;
    this.loaded = true;
    this.n = 0;
  }
}
