/**
 * The abort index of one segment (`<base>.txnindex`, Kafka's layout): fixed 34-byte entries of version int16 (0),
 * producerId int64, firstOffset int64, lastOffset int64 and lastStableOffset int64, one per transaction aborted by
 * a marker in that segment, in marker order. read_committed fetches use it to tell clients which records to drop.
 * Aborts are rare, so entries are appended with a plain write and cached in memory once read.
 *
 * Durability: the file is written to disk with its segment's flush, and before a producer snapshot is written
 * (a snapshot lets recovery skip the markers before it, so their entries must already be on disk). After a crash
 * the markers after the last snapshot are replayed from the log and their missing entries appended again.
 */
import fs from 'node:fs';
import path from 'node:path';

export const TXN_INDEX_SUFFIX = '.txnindex';
const ENTRY = 34;

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  /** The partition's last stable offset right after this abort completed. */
  lastStableOffset: number;
}

export function txnIndexFileName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0') + TXN_INDEX_SUFFIX;
}

export class TxnIndex {
  readonly path: string;
  private cache: AbortedTxn[] | undefined;
  /** Written since it was last synced to disk. */
  private dirty = false;

  constructor(
    dir: string,
    readonly baseOffset: number,
  ) {
    this.path = path.join(dir, txnIndexFileName(baseOffset));
  }

  /** All entries; a torn last entry (crash mid-write) is ignored. */
  entries(): AbortedTxn[] {
    if (this.cache) return this.cache;
    const out: AbortedTxn[] = [];
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.path);
    } catch {
      buf = Buffer.alloc(0);
    }
    for (let p = 0; p + ENTRY <= buf.length; p += ENTRY) {
      if (buf.readInt16BE(p) !== 0) break;
      out.push({
        producerId: Number(buf.readBigInt64BE(p + 2)),
        firstOffset: Number(buf.readBigInt64BE(p + 10)),
        lastOffset: Number(buf.readBigInt64BE(p + 18)),
        lastStableOffset: Number(buf.readBigInt64BE(p + 26)),
      });
    }
    this.cache = out;
    return out;
  }

  /** Offset of the newest marker recorded, -1 when empty (log replay uses it to skip entries already written). */
  get lastMarkerOffset(): number {
    const e = this.entries();
    return e.length > 0 ? e[e.length - 1]!.lastOffset : -1;
  }

  append(t: AbortedTxn): void {
    const entries = this.entries();
    const buf = Buffer.alloc(ENTRY);
    encode(buf, 0, t);
    // A torn tail from an earlier crash would misalign new entries: rewrite the file when its size is off.
    let size = 0;
    try {
      size = fs.statSync(this.path).size;
    } catch {
      size = 0;
    }
    if (size !== entries.length * ENTRY) this.rewrite(entries);
    fs.appendFileSync(this.path, buf);
    entries.push(t);
    this.dirty = true;
  }

  /** True when entries were written since the last sync. */
  get needsSync(): boolean {
    return this.dirty;
  }

  /** fdatasync of the file, through `fdatasync` (the log's, so tests can observe it); a no-op when clean. */
  async sync(fdatasync: (fd: number) => Promise<void>): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    let fd: number;
    try {
      fd = fs.openSync(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.dirty = true;
      throw e;
    }
    try {
      await fdatasync(fd);
    } catch (e) {
      this.dirty = true;
      throw e;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Synchronous sync (shutdown, and before a producer snapshot). */
  syncNow(): void {
    if (!this.dirty) return;
    let fd: number;
    try {
      fd = fs.openSync(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.dirty = false;
        return;
      }
      throw e;
    }
    try {
      fs.fdatasyncSync(fd);
      this.dirty = false;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Drops entries whose marker is at or after `offset` (log truncation). */
  truncateTo(offset: number): void {
    const entries = this.entries();
    const keep = entries.filter((e) => e.lastOffset < offset);
    if (keep.length === entries.length) return;
    this.rewrite(keep);
    this.cache = keep;
  }

  private rewrite(entries: AbortedTxn[]): void {
    const buf = Buffer.alloc(entries.length * ENTRY);
    for (const [i, e] of entries.entries()) encode(buf, i * ENTRY, e);
    fs.writeFileSync(this.path, buf);
    this.dirty = true;
  }

  get exists(): boolean {
    return (this.cache?.length ?? 0) > 0 || fs.existsSync(this.path);
  }
}

function encode(buf: Buffer, p: number, t: AbortedTxn): void {
  buf.writeInt16BE(0, p);
  buf.writeBigInt64BE(BigInt(t.producerId), p + 2);
  buf.writeBigInt64BE(BigInt(t.firstOffset), p + 10);
  buf.writeBigInt64BE(BigInt(t.lastOffset), p + 18);
  buf.writeBigInt64BE(BigInt(t.lastStableOffset), p + 26);
}
