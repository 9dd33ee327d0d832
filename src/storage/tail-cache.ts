/**
 * The last appended bytes of a log's active segment, kept in memory so that reads at the log end (followers
 * fetching what the leader just appended, consumers keeping up) are answered from the buffers that were written
 * instead of reading the segment file into a new buffer: on a leader every follower reads every byte once more,
 * and a large fresh buffer costs a page fault per 4 KB, on a virtual machine more than the read itself.
 *
 * The entries are the buffers handed to `append`, which nobody changes afterwards (a produce request's batches,
 * stamped with their offsets before the write; a replica fetch answer; a coordinator's batch), contiguous up to
 * the log end (a small view into a much larger buffer is copied, so as not to keep that one alive). A roll (reads
 * come from one segment), truncation and close empty it. A read that starts before the first entry goes to the
 * file. Each log keeps at most `maxBytes`; all logs of a storage context share a budget, and the logs that
 * appended least recently give theirs up first.
 */
import { LAST_OFFSET_DELTA, LOG_OVERHEAD, readInt64 } from '../protocol/records/layout.js';

interface Entry {
  /** Base offset of the first batch and last offset of the last batch in `buf`. */
  base: number;
  last: number;
  buf: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * Most bytes one log keeps: what a leader may be ahead of its followers with 16 pipelined produce requests of
 * 1 MB (connection.ts).
 */
export const TAIL_CACHE_LOG_BYTES = 16 * 1024 * 1024;
/** Most bytes the logs of one storage context keep together. */
export const TAIL_CACHE_TOTAL_BYTES = 64 * 1024 * 1024;

/** Bytes held by the tail caches of all logs of a storage context, and who gives theirs up first. */
export class TailBudget {
  /** Caches holding bytes, least recently charged first (a Map keeps insertion order). */
  private readonly holders = new Map<TailCache, number>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held now, for tests and diagnostics. */
  get bytes(): number {
    return this.total;
  }

  /** `cache` holds `bytes` now; others are emptied, least recent first, while the total is over the budget. */
  charge(cache: TailCache, bytes: number): void {
    this.release(cache);
    if (bytes <= 0) return;
    this.holders.set(cache, bytes);
    this.total += bytes;
    if (this.total <= this.maxBytes) return;
    // Deleting from a Map while iterating it is safe: clear() releases (deletes) the entry just visited.
    for (const other of this.holders.keys()) {
      if (this.total <= this.maxBytes) break;
      if (other !== cache) other.clear();
    }
  }

  /** `cache` holds nothing now. */
  release(cache: TailCache): void {
    const had = this.holders.get(cache);
    if (had === undefined) return;
    this.holders.delete(cache);
    this.total -= had;
  }
}

export class TailCache {
  private entries: Entry[] = [];
  private bytes = 0;

  constructor(
    /** Most bytes this log keeps. */
    private readonly maxBytes: number,
    private readonly budget?: TailBudget,
  ) {}

  /** Bytes held, for tests. */
  get size(): number {
    return this.bytes;
  }

  /** Remembers `buf` (whole batches ending at `lastOffset`, just written at the log end). */
  add(buf: Buffer, lastOffset: number): void {
    if (buf.length === 0 || buf.length > this.maxBytes) {
      this.clear();
      return;
    }
    // A view into a much larger buffer (a small produce request read with others) would keep all of it alive: a copy.
    if (buf.length * 2 < buf.buffer.byteLength) {
      const own = Buffer.allocUnsafeSlow(buf.length);
      buf.copy(own);
      buf = own;
    }
    this.entries.push({ base: readInt64(buf, 0), last: lastOffset, buf });
    this.bytes += buf.length;
    while (this.bytes > this.maxBytes && this.entries.length > 1) this.bytes -= this.entries.shift()!.buf.length;
    this.budget?.charge(this, this.bytes);
  }

  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.bytes = 0;
    this.budget?.release(this);
  }

  /**
   * What a read of the segment file would return, or undefined when `offset` is before the cache (or the cache is
   * empty): whole batches from the one holding `offset`, at most `maxBytes` of them (but the first regardless
   * when `minOneBatch`), none whose last offset reaches `maxOffset`. A view of one appended buffer when the batches
   * lie in one, else a copy of the pieces; with `oneBuffer`, only the batches of the first appended buffer (a view,
   * never a copy).
   */
  read(
    offset: number,
    maxBytes: number,
    minOneBatch: boolean,
    maxOffset: number,
    oneBuffer = false,
  ): Buffer | undefined {
    const entries = this.entries;
    if (entries.length === 0 || offset < entries[0]!.base) return undefined;
    let i = entries.length - 1;
    while (i > 0 && entries[i]!.base > offset) i--;
    if (entries[i]!.last < offset) i++;
    if (i >= entries.length) return undefined;
    let buf = entries[i]!.buf;
    let p = 0;
    // The batch holding the offset (the first one of a later entry when the offset is in a gap before it).
    while (readInt64(buf, p) + buf.readInt32BE(p + LAST_OFFSET_DELTA) < offset)
      p += LOG_OVERHEAD + buf.readInt32BE(p + 8);
    const pieces: Buffer[] = [];
    let total = 0;
    let first = true;
    for (; i < entries.length; i++, p = 0) {
      buf = entries[i]!.buf;
      const start = p;
      let stop = false;
      while (p < buf.length) {
        const size = LOG_OVERHEAD + buf.readInt32BE(p + 8);
        const last = readInt64(buf, p) + buf.readInt32BE(p + LAST_OFFSET_DELTA);
        if (last >= maxOffset || (total + (p - start) + size > maxBytes && !(first && minOneBatch))) {
          stop = true;
          break;
        }
        p += size;
        first = false;
      }
      if (p > start) {
        pieces.push(buf.subarray(start, p));
        total += p - start;
      }
      if (stop || (oneBuffer && pieces.length > 0)) break;
    }
    if (pieces.length === 0) return EMPTY;
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total);
  }
}
