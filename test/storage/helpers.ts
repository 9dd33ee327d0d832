import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';

/** Minimal magic-2 record batch writer for storage tests (uncompressed, no headers). */
export interface TestRecord {
  key?: Buffer | null;
  value: Buffer | string | null;
  timestamp?: number;
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}
function varint(out: number[], n: number): void {
  let v = zigzag(n);
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

export function buildBatch(records: TestRecord[], opts: { baseTimestamp?: number } = {}): Buffer {
  const baseTs = opts.baseTimestamp ?? records[0]?.timestamp ?? 1_700_000_000_000;
  const body: Buffer[] = [];
  let maxTs = baseTs;
  records.forEach((r, i) => {
    const ts = r.timestamp ?? baseTs;
    if (ts > maxTs) maxTs = ts;
    const head: number[] = [];
    head.push(0); // attributes
    varint(head, ts - baseTs);
    varint(head, i);
    const key = r.key ?? null;
    const value = r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    const parts: Buffer[] = [];
    const kh: number[] = [];
    varint(kh, key ? key.length : -1);
    parts.push(Buffer.from(kh));
    if (key) parts.push(key);
    const vh: number[] = [];
    varint(vh, value ? value.length : -1);
    parts.push(Buffer.from(vh));
    if (value) parts.push(value);
    parts.push(Buffer.from([0])); // header count
    const rec = Buffer.concat([Buffer.from(head), ...parts]);
    const len: number[] = [];
    varint(len, rec.length);
    body.push(Buffer.from(len), rec);
  });
  const recs = Buffer.concat(body);
  const b = Buffer.alloc(61 + recs.length);
  b.writeBigInt64BE(0n, 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(-1, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE(0, 21);
  b.writeInt32BE(records.length - 1, 23);
  b.writeBigInt64BE(BigInt(baseTs), 27);
  b.writeBigInt64BE(BigInt(maxTs), 35);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(records.length, 57);
  recs.copy(b, 61);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

/** A batch of `n` records with values `${prefix}-${i}`, all at `timestamp`. */
export function simpleBatch(n: number, timestamp = 1_700_000_000_000, prefix = 'v', valueSize = 0): Buffer {
  const recs: TestRecord[] = [];
  for (let i = 0; i < n; i++)
    recs.push({ value: valueSize > 0 ? Buffer.alloc(valueSize, i % 256) : `${prefix}-${i}`, timestamp });
  return buildBatch(recs);
}

export interface ParsedBatch {
  baseOffset: number;
  lastOffset: number;
  size: number;
  leaderEpoch: number;
  maxTimestamp: number;
  crcOk: boolean;
}

/** Splits a read result into batch headers (verifying each CRC). */
export function parseBatches(buf: Buffer): ParsedBatch[] {
  const out: ParsedBatch[] = [];
  let p = 0;
  while (p + 12 <= buf.length) {
    const size = 12 + buf.readInt32BE(p + 8);
    if (p + size > buf.length) throw new Error(`partial batch at ${p}`);
    const base = Number(buf.readBigInt64BE(p));
    out.push({
      baseOffset: base,
      lastOffset: base + buf.readInt32BE(p + 23),
      size,
      leaderEpoch: buf.readInt32BE(p + 12),
      maxTimestamp: Number(buf.readBigInt64BE(p + 35)),
      crcOk: crc32c(buf.subarray(p + 21, p + size)) === buf.readUInt32BE(p + 17),
    });
    p += size;
  }
  if (p !== buf.length) throw new Error('trailing bytes');
  return out;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'samsa-storage-'));
  try {
    return await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
