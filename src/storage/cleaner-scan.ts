/**
 * The first half of a cleaning pass: one read of the segments to clean, learning which transactions were aborted
 * or committed, which batch is each producer's last, which markers have no data of their transaction left, and
 * the key map (key -> latest offset) over the dirty part. The map is bounded: when it fills up, the range to
 * clean ends at that segment and the rest stays dirty for the next pass. Also the chunked batch reader both
 * halves of a pass use.
 */
import fs from 'node:fs';
import {
  ATTRIBUTES,
  BATCH_HEADER_SIZE,
  CONTROL_BIT,
  LAST_OFFSET_DELTA,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  PRODUCER_ID,
  RECORD_COUNT,
  TRANSACTIONAL_BIT,
  readInt64,
} from '../protocol/records/layout.js';
import { controlType, parseRecords, recordsOf, type CleanStats, type FilterContext } from './cleaner-records.js';
import { KeyOffsetMap } from './offset-map.js';
import type { Segment } from './segment.js';

const READ_CHUNK = 1 << 20;

/** Thrown inside a pass to abandon it (stop, log closed, segments gone). */
export class CleanAborted extends Error {}

/** What the first half of a pass learned. */
export interface DirtyScan {
  map: KeyOffsetMap;
  /** Per producer, the [first offset, abort marker offset] of its aborted transactions, in order. */
  aborted: Map<number, [number, number][]>;
  /** Per producer, the base offset of its last batch. */
  lastOfProducer: Map<number, number>;
  /** Markers (by offset) whose transaction has no batch left before them. */
  emptyTxnMarkers: Set<number>;
  /** The segments to clean (cut short when the map filled up) and the offset the clean range ends at. */
  rewrite: Segment[];
  mapEnd: number;
}

/** Scans `rewrite` (segments below `firstUncleanable`), building the key map from `firstDirty` on. */
export async function scanDirty(
  rewrite: Segment[],
  nextBase: (s: Segment) => number,
  firstDirty: number,
  firstUncleanable: number,
  maxMapEntries: number,
  check: () => void,
): Promise<DirtyScan> {
  const map = new KeyOffsetMap();
  const open = new Map<number, { first: number; keys: [string, number][] }>();
  const aborted = new Map<number, [number, number][]>();
  const lastOfProducer = new Map<number, number>();
  /** Markers (by offset) whose transaction has no batch left before them. */
  const emptyTxnMarkers = new Set<number>();
  let mapEnd = firstUncleanable;
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
    if (end > firstDirty && map.size >= maxMapEntries && i + 1 < rewrite.length) {
      // the map is full: clean up to here, the rest stays dirty for the next pass
      mapEnd = end;
      rewrite = rewrite.slice(0, i + 1);
      break;
    }
  }
  return { map, aborted, lastOfProducer, emptyTxnMarkers, rewrite, mapEnd };
}

/** The filter context of the second half of a pass, from what the first half learned. */
export function filterContext(
  scan: DirtyScan,
  now: number,
  deleteRetentionMs: number,
  stats: CleanStats,
): FilterContext {
  const { map, aborted, lastOfProducer, emptyTxnMarkers } = scan;
  const abortedCursor = new Map<number, number>();
  return {
    map,
    now,
    deleteRetentionMs,
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
}

// file helpers

/** Reads the whole batches of a segment file chunk by chunk (each chunk a fresh buffer the callback may keep). */
export async function forEachBatchChunk(
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
