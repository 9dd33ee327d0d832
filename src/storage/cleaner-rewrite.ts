/**
 * The second half of a cleaning pass: writing cleaned segments. Each group of consecutive segments is filtered
 * batch by batch (cleaner-records.ts) into `<base>.log.cleaned` with fresh offset and time indexes and the
 * group's abort-index entries (minus those of markers this pass removed), made durable, and swapped in for the
 * group through `.swap` files (log-swap.ts, PartitionLog.replaceWithCleaned).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LAST_OFFSET_DELTA, MAGIC, MAX_TIMESTAMP, readInt64 } from '../protocol/records/layout.js';
import { filterBatch, type FilterContext } from './cleaner-records.js';
import { forEachBatchChunk } from './cleaner-scan.js';
import { CLEANED_SUFFIX, removeCleanerFiles } from './log-swap.js';
import type { PartitionLog } from './partition-log.js';
import type { Segment } from './segment.js';

const WRITE_CHUNK = 1 << 20;
const INT32_MAX = 2147483647;

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

/**
 * Writes one cleaned segment from the first of `candidates` and as many following ones as surely fit
 * (output so far plus the next segment's whole input within segment.bytes, offsets within int32 deltas), then
 * swaps it in. So small cleaned segments merge as they shrink. Null when the log changed meanwhile.
 */
export async function rewriteGroup(
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
    if (mtime > 0) await fs.promises.utimes(path.join(dir, name + '.log' + CLEANED_SUFFIX), mtime / 1000, mtime / 1000);
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
