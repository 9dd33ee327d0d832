/**
 * Compression codecs used by record batches and legacy message sets.
 *
 * - gzip: node zlib.
 * - snappy: we always write the xerial framing (what the Java client and kafka-python write and what every client
 *   can read); on read we accept both xerial framing and a bare raw-snappy block (librdkafka and some older clients).
 * - lz4: the LZ4 frame format. Kafka 0.8/0.9 clients computed the frame header checksum over the magic number as well
 *   as the descriptor; for magic-0 messages we accept (and, when asked, write) that broken checksum.
 * - zstd: @mongodb-js/zstd, async only.
 *
 * Decompression takes an optional output size cap to defuse decompression bombs. Where the format announces its
 * output size up front (snappy always, lz4/zstd when the frame carries a content size) we reject before inflating;
 * gzip is capped inside zlib; otherwise the size is checked after inflating.
 */
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type * as SnappyLib from 'snappy';
import type * as Lz4Lib from 'lz4-napi';
import type * as ZstdLib from '@mongodb-js/zstd';
import { Compression } from './layout.js';

// The native codec libraries load on first use: most brokers never look inside a batch, and loading all three
// costs tens of milliseconds of startup.
const load = createRequire(import.meta.url);
let snappyLib: typeof SnappyLib | undefined;
let lz4Lib: typeof Lz4Lib | undefined;
let zstdLib: typeof ZstdLib | undefined;
const snappy = {
  get lib(): typeof SnappyLib {
    return (snappyLib ??= load('snappy') as typeof SnappyLib);
  },
  compressSync: (b: Buffer) => snappy.lib.compressSync(b),
  compress: (b: Buffer) => snappy.lib.compress(b),
  uncompressSync: (b: Buffer, o: { asBuffer: true }) => snappy.lib.uncompressSync(b, o),
  uncompress: (b: Buffer, o: { asBuffer: true }) => snappy.lib.uncompress(b, o),
};
const lz4 = {
  get lib(): typeof Lz4Lib {
    return (lz4Lib ??= load('lz4-napi') as typeof Lz4Lib);
  },
  compressFrame: (b: Buffer) => lz4.lib.compressFrame(b),
  compressFrameSync: (b: Buffer) => lz4.lib.compressFrameSync(b),
  decompressFrame: (b: Buffer) => lz4.lib.decompressFrame(b),
  decompressFrameSync: (b: Buffer) => lz4.lib.decompressFrameSync(b),
};
const zstd = {
  get lib(): typeof ZstdLib {
    return (zstdLib ??= load('@mongodb-js/zstd') as typeof ZstdLib);
  },
  compress: (b: Buffer) => zstd.lib.compress(b),
  decompress: (b: Buffer) => zstd.lib.decompress(b),
};

export { Compression };

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

/** Raised for unknown codecs, corrupt compressed data or output over the cap. */
export class CompressionError extends Error {
  override name = 'CompressionError';
  /** Kafka error code that best describes the failure (CORRUPT_MESSAGE=2, UNSUPPORTED_COMPRESSION_TYPE=76). */
  constructor(
    message: string,
    readonly errorCode = 2,
  ) {
    super(message);
  }
}

export interface CompressOptions {
  /** lz4 only: write the pre-0.10 (magic 0) header checksum that also covers the frame magic. */
  legacyLz4?: boolean;
}

export interface DecompressOptions {
  /** Fail if the output would exceed this many bytes. */
  maxOutputBytes?: number;
  /** lz4 only: tolerate the pre-0.10 (magic 0) header checksum. */
  legacyLz4?: boolean;
}

function decompressOpts(o: number | DecompressOptions | undefined): DecompressOptions {
  if (o === undefined) return {};
  if (typeof o === 'number') return { maxOutputBytes: o };
  return o;
}

function tooBig(n: number | undefined, max: number | undefined): CompressionError {
  const what = n === undefined ? 'decompressed size' : `decompressed size ${n}`;
  return new CompressionError(`${what} exceeds the limit of ${max} bytes`);
}

function unknownCodec(codec: number): CompressionError {
  return new CompressionError(`unknown compression codec ${codec}`, 76);
}

// ---------------------------------------------------------------------------------------------------------------
// xxHash32, needed only to compute / repair the lz4 frame header checksum byte.

const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

export function xxh32(b: Uint8Array, start = 0, end = b.length, seed = 0): number {
  let p = start;
  const len = end - start;
  let h: number;
  const lane = (i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    while (p <= limit) {
      v1 = Math.imul(rotl((v1 + Math.imul(lane(p), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(lane(p + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(lane(p + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(lane(p + 12), P2)) | 0, 13), P1);
      p += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  while (p + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(lane(p), P3)) | 0, 17), P4);
    p += 4;
  }
  while (p < end) {
    h = Math.imul(rotl((h + Math.imul(b[p]!, P5)) | 0, 11), P1);
    p++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// lz4 frame helpers

const LZ4_MAGIC = 0x184d2204;

interface Lz4Header {
  /** Index of the header checksum byte. */
  hcAt: number;
  contentSize: number | null;
}

function lz4Header(b: Buffer): Lz4Header | null {
  if (b.length < 7 || b.readUInt32LE(0) !== LZ4_MAGIC) return null;
  const flg = b[4]!;
  let hcAt = 6;
  let contentSize: number | null = null;
  if (flg & 0x08) {
    if (b.length < 15) return null;
    contentSize = b.readUInt32LE(6) + b.readUInt32LE(10) * 4294967296;
    hcAt += 8;
  }
  if (flg & 0x01) hcAt += 4;
  if (b.length <= hcAt) return null;
  return { hcAt, contentSize };
}

/** Header checksum as the LZ4 frame spec defines it (over the descriptor only). */
function lz4ProperHc(b: Buffer, hcAt: number): number {
  return (xxh32(b, 4, hcAt) >>> 8) & 0xff;
}

/** Header checksum as Kafka 0.8/0.9 wrote it (over magic + descriptor). */
function lz4BrokenHc(b: Buffer, hcAt: number): number {
  return (xxh32(b, 0, hcAt) >>> 8) & 0xff;
}

/** Returns the frame ready for a spec-following decoder: repaired (copied) if it carries the legacy checksum. */
function lz4Prepare(data: Buffer, o: DecompressOptions): Buffer {
  const h = lz4Header(data);
  if (h === null) throw new CompressionError('not an lz4 frame');
  if (o.maxOutputBytes !== undefined && h.contentSize !== null && h.contentSize > o.maxOutputBytes) {
    throw tooBig(h.contentSize, o.maxOutputBytes);
  }
  if (o.legacyLz4) {
    // Like Kafka for magic 0, ignore whatever checksum byte is there (the 0.8 value or otherwise).
    const proper = lz4ProperHc(data, h.hcAt);
    if (data[h.hcAt] !== proper) {
      const fixed = Buffer.from(data);
      fixed[h.hcAt] = proper;
      return fixed;
    }
  }
  return data;
}

function lz4Finish(frame: Buffer, o: CompressOptions | undefined): Buffer {
  if (o?.legacyLz4) {
    const h = lz4Header(frame);
    if (h !== null) frame[h.hcAt] = lz4BrokenHc(frame, h.hcAt);
  }
  return frame;
}

// ---------------------------------------------------------------------------------------------------------------
// snappy: xerial framing

/** 0x82 'SNAPPY' 0x00 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** Uncompressed bytes per xerial chunk; the Java client uses 32 KiB too. */
const XERIAL_CHUNK = 32 * 1024;

export function isXerial(b: Buffer): boolean {
  return b.length >= XERIAL_HEADER_SIZE && b.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

function xerialHeader(): Buffer {
  const h = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(h, 0);
  h.writeInt32BE(1, 8); // version
  h.writeInt32BE(1, 12); // minimum compatible version
  return h;
}

function xerialAssemble(chunks: Buffer[]): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  for (const c of chunks) {
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(c.length, 0);
    parts.push(len, c);
  }
  return Buffer.concat(parts);
}

/** Uncompressed length announced by a raw snappy block (its leading uvarint), or -1 if malformed. */
function snappyRawLength(b: Buffer, start: number, end: number): number {
  let result = 0;
  let shift = 0;
  for (let i = start; i < end && i < start + 5; i++) {
    const x = b[i]!;
    result += (x & 0x7f) * 2 ** shift;
    if ((x & 0x80) === 0) return result;
    shift += 7;
  }
  return -1;
}

/** Splits a xerial stream into its raw chunks, checking framing and the output cap before any inflation. */
function xerialChunks(b: Buffer, max: number | undefined): Buffer[] {
  const chunks: Buffer[] = [];
  let total = 0;
  let p = XERIAL_HEADER_SIZE;
  while (p < b.length) {
    if (p + 4 > b.length) throw new CompressionError('truncated xerial snappy chunk length');
    const n = b.readInt32BE(p);
    p += 4;
    if (n < 0 || p + n > b.length) throw new CompressionError('truncated xerial snappy chunk');
    const raw = snappyRawLength(b, p, p + n);
    if (raw < 0) throw new CompressionError('corrupt snappy chunk');
    total += raw;
    if (max !== undefined && total > max) throw tooBig(total, max);
    chunks.push(b.subarray(p, p + n));
    p += n;
  }
  return chunks;
}

function snappyCompressSync(data: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (let p = 0; p < data.length; p += XERIAL_CHUNK) {
    chunks.push(snappy.compressSync(data.subarray(p, Math.min(data.length, p + XERIAL_CHUNK))));
  }
  return xerialAssemble(chunks);
}

async function snappyCompress(data: Buffer): Promise<Buffer> {
  // Small inputs are cheaper to do inline than to hop to the thread pool.
  if (data.length <= XERIAL_CHUNK) return snappyCompressSync(data);
  const jobs: Promise<Buffer>[] = [];
  for (let p = 0; p < data.length; p += XERIAL_CHUNK) {
    jobs.push(snappy.compress(data.subarray(p, Math.min(data.length, p + XERIAL_CHUNK))));
  }
  return xerialAssemble(await Promise.all(jobs));
}

function snappyRawSync(b: Buffer, max: number | undefined): Buffer {
  const raw = snappyRawLength(b, 0, b.length);
  if (raw < 0) throw new CompressionError('corrupt snappy data');
  if (max !== undefined && raw > max) throw tooBig(raw, max);
  try {
    return snappy.uncompressSync(b, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw new CompressionError(`corrupt snappy data: ${(e as Error).message}`);
  }
}

function snappyDecompressSync(b: Buffer, max: number | undefined): Buffer {
  if (!isXerial(b)) return snappyRawSync(b, max);
  const chunks = xerialChunks(b, max);
  if (chunks.length === 1) return snappyRawSync(chunks[0]!, max);
  return Buffer.concat(chunks.map((c) => snappyRawSync(c, max)));
}

async function snappyRawAsync(b: Buffer, max: number | undefined): Promise<Buffer> {
  const raw = snappyRawLength(b, 0, b.length);
  if (raw < 0) throw new CompressionError('corrupt snappy data');
  if (max !== undefined && raw > max) throw tooBig(raw, max);
  try {
    return (await snappy.uncompress(b, { asBuffer: true })) as Buffer;
  } catch (e) {
    throw new CompressionError(`corrupt snappy data: ${(e as Error).message}`);
  }
}

async function snappyDecompress(b: Buffer, max: number | undefined): Promise<Buffer> {
  if (b.length <= XERIAL_CHUNK) return snappyDecompressSync(b, max);
  if (!isXerial(b)) return snappyRawAsync(b, max);
  const chunks = xerialChunks(b, max);
  const out = await Promise.all(chunks.map((c) => snappyRawAsync(c, max)));
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}

// ---------------------------------------------------------------------------------------------------------------
// zstd: read Frame_Content_Size when the frame header carries it

const ZSTD_MAGIC = 0xfd2fb528;

function zstdContentSize(b: Buffer): number | null {
  if (b.length < 6 || b.readUInt32LE(0) !== ZSTD_MAGIC) return null;
  const fhd = b[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const dictFlag = fhd & 3;
  const p = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictFlag]!;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (fcsSize === 0 || p + fcsSize > b.length) return null;
  switch (fcsSize) {
    case 1:
      return b[p]!;
    case 2:
      return b.readUInt16LE(p) + 256;
    case 4:
      return b.readUInt32LE(p);
    default:
      return b.readUInt32LE(p) + b.readUInt32LE(p + 4) * 4294967296;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

function checkSize(out: Buffer, max: number | undefined): Buffer {
  if (max !== undefined && out.length > max) throw tooBig(out.length, max);
  return out;
}

function gzipError(e: unknown, max: number | undefined): CompressionError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_BUFFER_TOO_LARGE') return tooBig(undefined, max);
  return new CompressionError(`corrupt gzip data: ${err.message}`);
}

export async function compress(codec: Compression, data: Buffer, opts?: CompressOptions): Promise<Buffer> {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return gzipAsync(data);
    case Compression.Snappy:
      return snappyCompress(data);
    case Compression.Lz4:
      return lz4Finish(await lz4.compressFrame(data), opts);
    case Compression.Zstd:
      return zstd.compress(data);
    default:
      throw unknownCodec(codec);
  }
}

/** Synchronous compression; zstd has no synchronous binding and throws. */
export function compressSync(codec: Compression, data: Buffer, opts?: CompressOptions): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return zlib.gzipSync(data);
    case Compression.Snappy:
      return snappyCompressSync(data);
    case Compression.Lz4:
      return lz4Finish(lz4.compressFrameSync(data), opts);
    case Compression.Zstd:
      throw new CompressionError('zstd is only available asynchronously', 76);
    default:
      throw unknownCodec(codec);
  }
}

/**
 * Inflates `data`. The third argument is either the output cap in bytes or an options object.
 * Throws CompressionError on corrupt input or when the cap is exceeded.
 */
export async function decompress(
  codec: Compression,
  data: Buffer,
  options?: number | DecompressOptions,
): Promise<Buffer> {
  const o = decompressOpts(options);
  const max = o.maxOutputBytes;
  switch (codec) {
    case Compression.None:
      return checkSize(data, max);
    case Compression.Gzip:
      try {
        return await gunzipAsync(data, max === undefined ? {} : { maxOutputLength: Math.max(1, max) });
      } catch (e) {
        throw gzipError(e, max);
      }
    case Compression.Snappy:
      return snappyDecompress(data, max);
    case Compression.Lz4: {
      const frame = lz4Prepare(data, o);
      let out: Buffer;
      try {
        out = await lz4.decompressFrame(frame);
      } catch (e) {
        throw new CompressionError(`corrupt lz4 data: ${(e as Error).message}`);
      }
      return checkSize(out, max);
    }
    case Compression.Zstd: {
      const size = zstdContentSize(data);
      if (max !== undefined && size !== null && size > max) throw tooBig(size, max);
      let out: Buffer;
      try {
        out = await zstd.decompress(data);
      } catch (e) {
        throw new CompressionError(`corrupt zstd data: ${(e as Error).message}`);
      }
      return checkSize(out, max);
    }
    default:
      throw unknownCodec(codec);
  }
}

/** Synchronous decompression; zstd has no synchronous binding and throws. */
export function decompressSync(codec: Compression, data: Buffer, options?: number | DecompressOptions): Buffer {
  const o = decompressOpts(options);
  const max = o.maxOutputBytes;
  switch (codec) {
    case Compression.None:
      return checkSize(data, max);
    case Compression.Gzip:
      try {
        return zlib.gunzipSync(data, max === undefined ? {} : { maxOutputLength: Math.max(1, max) });
      } catch (e) {
        throw gzipError(e, max);
      }
    case Compression.Snappy:
      return snappyDecompressSync(data, max);
    case Compression.Lz4: {
      const frame = lz4Prepare(data, o);
      let out: Buffer;
      try {
        out = lz4.decompressFrameSync(frame);
      } catch (e) {
        throw new CompressionError(`corrupt lz4 data: ${(e as Error).message}`);
      }
      return checkSize(out, max);
    }
    case Compression.Zstd:
      throw new CompressionError('zstd is only available asynchronously', 76);
    default:
      throw unknownCodec(codec);
  }
}

/** True when decompressSync/compressSync can handle the codec. */
export function hasSyncCodec(codec: Compression): boolean {
  return codec >= Compression.None && codec <= Compression.Lz4;
}
