import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import * as snappy from 'snappy';
import * as lz4 from 'lz4-napi';
import {
  Compression,
  CompressionError,
  compress,
  compressSync,
  decompress,
  decompressSync,
  isXerial,
  xxh32,
} from '../../src/protocol/records/compression.js';

const CODECS = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

function sample(n: number): Buffer {
  // Compressible but not trivial: repeated words with a counter mixed in.
  const parts: string[] = [];
  for (let i = 0, len = 0; len < n; i++) {
    const w = `record-${i % 97} value=${i} `;
    parts.push(w);
    len += w.length;
  }
  return Buffer.from(parts.join('').slice(0, n));
}

for (const codec of CODECS) {
  test(`codec ${Compression[codec]}: async round trip, small and multi-chunk inputs`, async () => {
    for (const data of [Buffer.alloc(0), sample(10), sample(100_000)]) {
      const c = await compress(codec, data);
      if (codec !== Compression.None && data.length > 1000) assert.ok(c.length < data.length / 2);
      assert.deepEqual(await decompress(codec, c), data);
    }
  });

  if (codec !== Compression.Zstd) {
    test(`codec ${Compression[codec]}: sync round trip and sync/async interchange`, async () => {
      const data = sample(70_000);
      const c = compressSync(codec, data);
      assert.deepEqual(decompressSync(codec, c), data);
      assert.deepEqual(await decompress(codec, c), data);
      assert.deepEqual(decompressSync(codec, await compress(codec, data)), data);
    });
  }
}

test('zstd has no sync variant', () => {
  assert.throws(() => compressSync(Compression.Zstd, Buffer.from('x')), CompressionError);
  assert.throws(() => decompressSync(Compression.Zstd, Buffer.from('x')), CompressionError);
});

test('unknown codec is rejected with UNSUPPORTED_COMPRESSION_TYPE', async () => {
  await assert.rejects(compress(5 as Compression, Buffer.from('x')), (e: CompressionError) => e.errorCode === 76);
  assert.throws(() => decompressSync(7 as Compression, Buffer.from('x')), CompressionError);
});

test('snappy: we write xerial framing with the Java header', async () => {
  const c = await compress(Compression.Snappy, sample(100_000));
  assert.ok(isXerial(c));
  assert.deepEqual([...c.subarray(0, 16)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
});

test('snappy: a hand-built xerial stream with several chunks decompresses', async () => {
  const a = Buffer.from('first chunk '.repeat(50));
  const b = Buffer.from('second chunk, different '.repeat(30));
  const ca = snappy.compressSync(a);
  const cb = snappy.compressSync(b);
  const len = (n: number) => {
    const x = Buffer.alloc(4);
    x.writeInt32BE(n);
    return x;
  };
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const framed = Buffer.concat([header, len(ca.length), ca, len(cb.length), cb]);
  const expected = Buffer.concat([a, b]);
  assert.deepEqual(await decompress(Compression.Snappy, framed), expected);
  assert.deepEqual(decompressSync(Compression.Snappy, framed), expected);
  // A chunk length pointing past the end is corruption, not a crash.
  const truncated = framed.subarray(0, framed.length - 3);
  assert.throws(() => decompressSync(Compression.Snappy, truncated), CompressionError);
});

test('snappy: raw (unframed) snappy is accepted too', async () => {
  const data = sample(5000);
  const raw = snappy.compressSync(data);
  assert.ok(!isXerial(raw));
  assert.deepEqual(await decompress(Compression.Snappy, raw), data);
  assert.deepEqual(decompressSync(Compression.Snappy, raw), data);
});

test('xxh32 matches published vectors', () => {
  assert.equal(xxh32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxh32(Buffer.from('abc')), 0x32d153ff);
  assert.equal(xxh32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
});

test('lz4: header checksum we compute agrees with the lz4 library', () => {
  const f = lz4.compressFrameSync(sample(1000));
  // FLG, BD, no optional fields: HC is byte 6, over bytes 4..5
  assert.equal(f[4]! & 0x09, 0);
  assert.equal(f[6], (xxh32(f, 4, 6) >>> 8) & 0xff);
});

test('lz4: the Kafka 0.8 header checksum is accepted only for legacy messages', async () => {
  const data = sample(20_000);
  const legacy = await compress(Compression.Lz4, data, { legacyLz4: true });
  assert.equal(legacy[6], (xxh32(legacy, 0, 6) >>> 8) & 0xff, 'checksum covers magic + descriptor');
  assert.notEqual(legacy[6], (xxh32(legacy, 4, 6) >>> 8) & 0xff);
  await assert.rejects(decompress(Compression.Lz4, legacy), CompressionError);
  assert.deepEqual(await decompress(Compression.Lz4, legacy, { legacyLz4: true }), data);
  assert.deepEqual(decompressSync(Compression.Lz4, legacy, { legacyLz4: true }), data);
  // The input buffer is not modified by the repair.
  assert.equal(legacy[6], (xxh32(legacy, 0, 6) >>> 8) & 0xff);
  // A correct checksum still works in legacy mode.
  const proper = await compress(Compression.Lz4, data);
  assert.deepEqual(await decompress(Compression.Lz4, proper, { legacyLz4: true }), data);
});

test('decompression bombs are refused for every codec', async () => {
  const big = Buffer.alloc(1_000_000, 0x61);
  for (const codec of CODECS) {
    const c = await compress(codec, big);
    await assert.rejects(decompress(codec, c, 10_000), CompressionError, Compression[codec]);
    await assert.rejects(decompress(codec, c, { maxOutputBytes: 999_999 }), CompressionError);
    assert.equal((await decompress(codec, c, 1_000_000)).length, 1_000_000);
    if (codec !== Compression.Zstd) {
      assert.throws(() => decompressSync(codec, c, 10_000), CompressionError, Compression[codec]);
    }
  }
});

test('snappy bomb is refused from the announced length, before inflating', () => {
  // A raw block whose preamble announces 2^31 bytes but carries nothing: must fail on size, not corruption.
  const lie = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x00]);
  assert.throws(() => decompressSync(Compression.Snappy, lie, 1000), /exceeds the limit/);
});

test('corrupt input raises CompressionError', async () => {
  const junk = Buffer.from('this is not compressed at all, not even a little');
  for (const codec of [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
    await assert.rejects(decompress(codec, junk), CompressionError, Compression[codec]);
  }
  // gzip with a damaged body
  const gz = zlib.gzipSync(sample(1000));
  gz[gz.length - 6] ^= 0xff;
  assert.throws(() => decompressSync(Compression.Gzip, gz), CompressionError);
});

/**
 * Made with the lz4 command-line tool (-BD -B4 --content-size): linked blocks, a content size and a content
 * checksum, the frame options librdkafka-style encoders may use. Input: 'pattern row NNN;' for i in 0..11999, NNN = i % 50.
 */
const LZ4_CLI_FRAME =
  'BCJNGExAAO4CAAAAAADf3wEAAPoBcGF0dGVybiByb3cgMDAwOxAAGzEQABsyEAAbMxAAGzQQABs1EAAbNhAAGzcQABs4EAAaORAAGzGgABsxoAAbMaAAGzGgABsxoAAbMaAAGzGgABsxoAAbMaAAGzGgABsyoAAbMqAAGzKgABsyoAAbMqAAGzKgABsyoAAbMqAAGzKgABsyoAAbM6AAGzOgABszoAAbM6AAGzOgABszoAAbM6AAGzOgABszoAAbM6AAGzSgABs0oAAbNKAAGzSgABs0oAAbNKAAGzSgABs0oAAbNKAAGzSgAA8gA/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////+4UCAwNDU7CgEAAA8g/f/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////oUCAwNDE7zQEAAPoBcGF0dGVybiByb3cgMDQyOxAAGzMQABs0EAAbNRAAGzYQABs3EAAbOBAAGjkQACswMBAAGzEQAAugABswoAAbMKAAGzCgABswoAAbMKAAGzCgABswoAAbMaAAGzGgABsxoAAbMaAAGzGgABsxoAAbMaAAGzGgABsxoAAbMaAAGzKgABsyoAAbMqAAGzKgABsyoAAbMqAAGzKgABsyoAAbMqAAGzKgABszoAAbM6AAGzOgABszoAAbM6AAGzOgABszoAAbM6AAGzOgABszoAAbNKAAGzSgAA8gA/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////+mUCAwNDk7AAAAAN+Lc4s=';

test('lz4: frames with linked blocks and a content size from the reference tool decode', async () => {
  const frame = Buffer.from(LZ4_CLI_FRAME, 'base64');
  let expected = '';
  for (let i = 0; i < 12000; i++) expected += `pattern row ${String(i % 50).padStart(3, '0')};`;
  assert.equal((await decompress(Compression.Lz4, frame)).toString(), expected);
  assert.equal(decompressSync(Compression.Lz4, frame, { legacyLz4: true }).toString(), expected);
  // The announced content size (192000) is checked against the cap before inflating.
  assert.throws(() => decompressSync(Compression.Lz4, frame, 191_999), /192000 exceeds/);
});
