import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { crc32, crc32c } from '@node-rs/crc32';
import {
  CORRUPT_MESSAGE,
  INVALID_RECORD,
  MESSAGE_TOO_LARGE,
  assignOffsets,
  decodeBatches,
  decodeRecords,
  encodeBatch,
  readBatchHeader,
  setLogAppendTime,
  setLogAppendTimeAll,
  setPartitionLeaderEpoch,
  validateBatches,
  validateBatchesDeep,
  wholeBatchesLength,
  type ValidatedBatches,
  type ValidationError,
} from '../../src/protocol/records/batch.js';
import { Compression, compress } from '../../src/protocol/records/compression.js';
import { ATTRIBUTES, CRC, LAST_OFFSET_DELTA, RECORD_COUNT } from '../../src/protocol/records/layout.js';

const require = createRequire(import.meta.url);

const LIMIT = { maxBatchBytes: 1 << 20 };

function ok(r: ValidatedBatches | ValidationError): ValidatedBatches {
  if (!r.ok) assert.fail(`expected a valid batch, got ${r.errorCode}: ${r.message}`);
  return r;
}

function err(r: ValidatedBatches | ValidationError): ValidationError {
  if (r.ok) assert.fail('expected a validation error');
  return r;
}

function fixCrc(b: Buffer, at = 0): void {
  const end = at + 12 + b.readInt32BE(at + 8);
  b.writeUInt32BE(crc32c(b.subarray(at + ATTRIBUTES, end)), at + CRC);
}

test('CRC vectors: CRC-32C and CRC-32 of "123456789"', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

/**
 * One uncompressed batch written field by field following the documented layout:
 * two records, the second with a header and a null key.
 */
function handBuiltBatch(): Buffer {
  const rec1 = Buffer.from([
    0x00, // attributes
    0x00, // timestampDelta 0
    0x00, // offsetDelta 0
    0x02,
    0x6b, // key: length 1, "k"
    0x04,
    0x76,
    0x31, // value: length 2, "v1"
    0x00, // no headers
  ]);
  const rec2 = Buffer.from([
    0x00, // attributes
    0x14, // timestampDelta +10 (zigzag 20)
    0x02, // offsetDelta 1
    0x01, // key: null (zigzag -1)
    0x04,
    0x76,
    0x32, // value "v2"
    0x02, // one header
    0x04,
    0x68,
    0x31, // header key "h1"
    0x01, // header value null
  ]);
  const records = Buffer.concat([Buffer.from([rec1.length * 2]), rec1, Buffer.from([rec2.length * 2]), rec2]);
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(0n, 0); // baseOffset
  h.writeInt32BE(61 - 12 + records.length, 8); // batchLength
  h.writeInt32BE(-1, 12); // partitionLeaderEpoch
  h.writeInt8(2, 16); // magic
  h.writeInt16BE(0, 21); // attributes
  h.writeInt32BE(1, 23); // lastOffsetDelta
  h.writeBigInt64BE(1_700_000_000_000n, 27); // baseTimestamp
  h.writeBigInt64BE(1_700_000_000_010n, 35); // maxTimestamp
  h.writeBigInt64BE(-1n, 43); // producerId
  h.writeInt16BE(-1, 51); // producerEpoch
  h.writeInt32BE(-1, 53); // baseSequence
  h.writeInt32BE(2, 57); // record count
  const b = Buffer.concat([h, records]);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

test('a hand-built batch validates, decodes, and matches what encodeBatch writes', async () => {
  const b = handBuiltBatch();
  const v = ok(validateBatches(b, LIMIT));
  assert.equal(v.batchCount, 1);
  assert.equal(v.recordCount, 2);
  assert.equal(v.firstTimestamp, 1_700_000_000_000);
  assert.equal(v.maxTimestamp, 1_700_000_000_010);
  assert.equal(v.producerId, -1);
  assert.equal(v.lastSequence, -1);
  ok(await validateBatchesDeep(b, LIMIT));

  const h = readBatchHeader(b, 0);
  assert.equal(h.magic, 2);
  assert.equal(h.recordCount, 2);
  assert.equal(h.compression, Compression.None);
  assert.equal(h.isControl, false);

  const recs = await decodeRecords(b);
  assert.equal(recs.length, 2);
  assert.deepEqual(recs[0], {
    offset: 0,
    timestamp: 1_700_000_000_000,
    key: Buffer.from('k'),
    value: Buffer.from('v1'),
    headers: [],
  });
  assert.deepEqual(recs[1], {
    offset: 1,
    timestamp: 1_700_000_000_010,
    key: null,
    value: Buffer.from('v2'),
    headers: [{ key: 'h1', value: null }],
  });

  const ours = await encodeBatch({
    records: [
      { key: 'k', value: 'v1', timestamp: 1_700_000_000_000 },
      { key: null, value: 'v2', timestamp: 1_700_000_000_010, headers: [{ key: 'h1', value: null }] },
    ],
  });
  assert.deepEqual(ours, b);
});

test('a flipped byte anywhere under the CRC fails with CORRUPT_MESSAGE', () => {
  const b = handBuiltBatch();
  for (const pos of [ATTRIBUTES + 1, 30, 50, 61, b.length - 1]) {
    const c = Buffer.from(b);
    c[pos]! ^= 0x01;
    const e = err(validateBatches(c, LIMIT));
    assert.equal(e.errorCode, CORRUPT_MESSAGE, `flip at ${pos}`);
  }
});

test('truncated buffers and partial trailing batches fail', async () => {
  const b = handBuiltBatch();
  for (const n of [1, 12, 20, 60, b.length - 1]) {
    assert.equal(err(validateBatches(b.subarray(0, n), LIMIT)).errorCode, CORRUPT_MESSAGE, `length ${n}`);
  }
  const two = Buffer.concat([b, b.subarray(0, 40)]);
  const e = err(validateBatches(two, LIMIT));
  assert.equal(e.errorCode, CORRUPT_MESSAGE);
  assert.equal(e.at, b.length);
  assert.equal(err(validateBatches(Buffer.alloc(0), LIMIT)).errorCode, INVALID_RECORD);
});

test('structural checks: size limit, magic, counts, offset deltas', async () => {
  const b = handBuiltBatch();
  assert.equal(err(validateBatches(b, { maxBatchBytes: b.length - 1 })).errorCode, MESSAGE_TOO_LARGE);
  ok(validateBatches(b, { maxBatchBytes: b.length }));

  const m1 = Buffer.from(b);
  m1[16] = 1;
  assert.equal(err(validateBatches(m1, LIMIT)).errorCode, INVALID_RECORD);
  m1[16] = 9;
  assert.equal(err(validateBatches(m1, LIMIT)).errorCode, CORRUPT_MESSAGE);

  const badDelta = Buffer.from(b);
  badDelta.writeInt32BE(5, LAST_OFFSET_DELTA);
  fixCrc(badDelta);
  assert.equal(err(validateBatches(badDelta, LIMIT)).errorCode, INVALID_RECORD);

  const zero = Buffer.from(b);
  zero.writeInt32BE(0, RECORD_COUNT);
  zero.writeInt32BE(-1, LAST_OFFSET_DELTA);
  fixCrc(zero);
  assert.equal(err(validateBatches(zero, LIMIT)).errorCode, INVALID_RECORD);

  const badCodec = Buffer.from(b);
  badCodec.writeInt16BE(6, ATTRIBUTES);
  fixCrc(badCodec);
  assert.equal(err(validateBatches(badCodec, LIMIT)).errorCode, CORRUPT_MESSAGE);
});

test('deepCheck finds record-level damage that the shallow check lets through', async () => {
  // Record 2's offsetDelta says 3 although the header says lastOffsetDelta 1.
  const b = handBuiltBatch();
  const pos = 61 + 1 + 9 + 1 + 2; // batch header, rec1 length+body, rec2 length, attributes, tsDelta
  assert.equal(b[pos], 0x02);
  b[pos] = 0x06;
  fixCrc(b);
  ok(validateBatches(b, LIMIT));
  assert.equal(err(validateBatches(b, { ...LIMIT, deepCheck: true })).errorCode, CORRUPT_MESSAGE);
  assert.equal(err(await validateBatchesDeep(b, LIMIT)).errorCode, CORRUPT_MESSAGE);
});

test('deepCheck inflates compressed batches (sync codecs inline, zstd in validateBatchesDeep)', async () => {
  for (const codec of [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
    const good = await encodeBatch({
      records: [
        { key: 'a', value: 'b' },
        { key: 'c', value: 'd' },
      ],
      compression: codec,
    });
    ok(validateBatches(good, { ...LIMIT, deepCheck: true }));
    ok(await validateBatchesDeep(good, LIMIT));
    // Header claims three records; the compressed payload holds two. Only a deep check can see it.
    const lying = Buffer.from(good);
    lying.writeInt32BE(3, RECORD_COUNT);
    lying.writeInt32BE(2, LAST_OFFSET_DELTA);
    fixCrc(lying);
    ok(validateBatches(lying, LIMIT));
    assert.equal(err(await validateBatchesDeep(lying, LIMIT)).errorCode, CORRUPT_MESSAGE, Compression[codec]);
    if (codec !== Compression.Zstd) {
      assert.equal(err(validateBatches(lying, { ...LIMIT, deepCheck: true })).errorCode, CORRUPT_MESSAGE);
    }
  }
  // A decompression bomb inside a batch is refused by the deep check.
  const bomb = await encodeBatch({ records: [{ key: null, value: Buffer.alloc(2_000_000) }], compression: 1 });
  assert.equal(
    err(await validateBatchesDeep(bomb, { ...LIMIT, maxDecompressedBytes: 100_000 })).errorCode,
    CORRUPT_MESSAGE,
  );
});

test('encode/decode round trip for every codec, several batches in one buffer', async () => {
  const records = Array.from({ length: 50 }, (_, i) => ({
    key: i % 5 === 0 ? null : `key-${i}`,
    value: i % 7 === 0 ? null : Buffer.alloc(i * 13, i),
    headers:
      i % 3 === 0
        ? [
            { key: 'trace', value: `t${i}` },
            { key: 'ü', value: null },
          ]
        : undefined,
    // Timestamps both before and after the base: deltas go negative.
    timestamp: 1_600_000_000_000 + ((i * 7919) % 1000) - 500,
  }));
  const batches: Buffer[] = [];
  for (const codec of [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
    batches.push(
      await encodeBatch({
        records,
        compression: codec,
        producerId: 4000 + codec,
        producerEpoch: 3,
        baseSequence: 2147483640,
        transactional: codec === Compression.Gzip,
      }),
    );
  }
  const all = Buffer.concat(batches);
  const v = ok(validateBatches(all, LIMIT));
  assert.equal(v.batchCount, 5);
  assert.equal(v.recordCount, 250);
  assert.equal(v.producerId, 4000);
  assert.equal(v.producerEpoch, 3);
  assert.equal(v.baseSequence, 2147483640);
  assert.equal(v.lastSequence, 41, 'sequence wraps past int32 max: 8 values up to 2^31-1, then 0..41');
  assert.equal(v.maxTimestamp, Math.max(...records.map((r) => r.timestamp)));
  ok(await validateBatchesDeep(all, LIMIT));

  const next = assignOffsets(all, 1000);
  assert.equal(next, 1250);
  ok(validateBatches(all, LIMIT));

  const decoded = await decodeBatches(all, { verifyCrc: true });
  assert.equal(decoded.length, 5);
  assert.equal(decoded[1]!.header.isTransactional, true);
  assert.equal(decoded[2]!.header.compression, Compression.Snappy);
  for (let bi = 0; bi < 5; bi++) {
    const rs = decoded[bi]!.records;
    assert.equal(rs.length, 50);
    rs.forEach((r, i) => {
      const src = records[i]!;
      assert.equal(r.offset, 1000 + bi * 50 + i);
      assert.equal(r.timestamp, src.timestamp);
      assert.deepEqual(r.key, src.key === null ? null : Buffer.from(src.key));
      assert.deepEqual(r.value, src.value);
      assert.deepEqual(
        r.headers,
        (src.headers ?? []).map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) })),
      );
    });
  }
  assert.equal((await decodeRecords(all)).length, 250);
});

test('partition leader epoch and log append time rewriting', async () => {
  const a = await encodeBatch({
    records: [
      { key: 'x', value: '1', timestamp: 5 },
      { key: 'y', value: '2', timestamp: 9 },
    ],
  });
  const b = await encodeBatch({ records: [{ key: 'z', value: '3', timestamp: 7 }], compression: Compression.Lz4 });
  const buf = Buffer.concat([a, b]);
  const crcBefore = buf.readUInt32BE(CRC);
  setPartitionLeaderEpoch(buf, 17);
  assert.equal(readBatchHeader(buf, 0).partitionLeaderEpoch, 17);
  assert.equal(readBatchHeader(buf, a.length).partitionLeaderEpoch, 17);
  assert.equal(buf.readUInt32BE(CRC), crcBefore, 'epoch lies outside the CRC');
  ok(validateBatches(buf, LIMIT));

  setLogAppendTime(buf, 0, 123_456);
  ok(validateBatches(buf, LIMIT));
  const h = readBatchHeader(buf, 0);
  assert.equal(h.timestampType, 1);
  assert.equal(h.maxTimestamp, 123_456);
  const recs = await decodeRecords(buf);
  assert.deepEqual(
    recs.map((r) => r.timestamp),
    [123_456, 123_456, 7],
  );

  setLogAppendTimeAll(buf, 99);
  ok(validateBatches(buf, LIMIT));
  assert.deepEqual(
    (await decodeRecords(buf)).map((r) => r.timestamp),
    [99, 99, 99],
  );
});

test('decoding ignores a trailing partial batch (fetch reads may end mid-batch)', async () => {
  const a = await encodeBatch({ records: [{ key: 'x', value: '1' }] });
  const b = await encodeBatch({ baseOffset: 1, records: [{ key: 'y', value: '2' }] });
  const buf = Buffer.concat([a, b.subarray(0, b.length - 3)]);
  assert.equal(wholeBatchesLength(buf), a.length);
  const recs = await decodeRecords(buf);
  assert.equal(recs.length, 1);
  assert.deepEqual(recs[0]!.value, Buffer.from('1'));
});

test('control batches keep their flag', async () => {
  const key = Buffer.from([0, 0, 0, 1]); // version 0, type commit
  const c = await encodeBatch({
    records: [{ key, value: Buffer.from([0, 0, 0, 0, 0, 0]) }],
    control: true,
    transactional: true,
    producerId: 9,
    producerEpoch: 1,
  });
  const v = ok(validateBatches(c, LIMIT));
  assert.equal(v.isControl, true);
  assert.equal(v.isTransactional, true);
  const [d] = await decodeBatches(c);
  assert.equal(d!.header.isControl, true);
  assert.deepEqual(d!.records[0]!.key, key);
});

test('interop with KafkaJS: its batches validate here, ours decode there', async () => {
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
  const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder');
  const Decoder = require('kafkajs/src/protocol/decoder');
  const Long = require('kafkajs/src/utils/long');

  for (const codec of [Compression.None, Compression.Gzip]) {
    const kjs = await RecordBatch({
      compression: codec,
      firstTimestamp: 1_650_000_000_000,
      maxTimestamp: 1_650_000_000_002,
      lastOffsetDelta: 2,
      producerId: Long.fromValue(77),
      records: [0, 1, 2].map((i) =>
        Record({
          offsetDelta: i,
          timestampDelta: i,
          key: Buffer.from(`k${i}`),
          value: Buffer.from(`v${i}`),
          headers: { h: 'x' },
        }),
      ),
    });
    const buf: Buffer = kjs.buffer;
    const v = ok(validateBatches(buf, { ...LIMIT, deepCheck: true }));
    assert.equal(v.recordCount, 3);
    assert.equal(v.producerId, 77);
    const recs = await decodeRecords(buf);
    assert.deepEqual(
      recs.map((r) => r.value!.toString()),
      ['v0', 'v1', 'v2'],
    );
    assert.deepEqual(
      recs.map((r) => r.timestamp),
      [1_650_000_000_000, 1_650_000_000_001, 1_650_000_000_002],
    );
    assert.deepEqual(recs[2]!.headers, [{ key: 'h', value: Buffer.from('x') }]);

    const ours = await encodeBatch({
      baseOffset: 40,
      compression: codec,
      records: [
        { key: 'a', value: 'one', timestamp: 1000, headers: [{ key: 'hk', value: 'hv' }] },
        { key: null, value: 'two', timestamp: 999 },
      ],
    });
    const decoded = await RecordBatchDecoder(new Decoder(ours));
    assert.equal(decoded.records.length, 2);
    assert.equal(decoded.records[0].offset, '40');
    assert.equal(decoded.records[0].value.toString(), 'one');
    assert.equal(decoded.records[0].headers.hk.toString(), 'hv');
    assert.equal(decoded.records[1].key, null);
    assert.equal(decoded.records[1].timestamp, '999');
  }
});

test('compressed batch bodies use the codec framing other clients expect', async () => {
  const b = await encodeBatch({ records: [{ key: 'k', value: 'v' }], compression: Compression.Snappy });
  assert.equal(b[61], 0x82, 'snappy body starts with the xerial magic');
  const z = await encodeBatch({ records: [{ key: 'k', value: 'v' }], compression: Compression.Zstd });
  assert.equal(z.readUInt32LE(61), 0xfd2fb528);
  // A batch built from externally compressed records decodes identically.
  assert.ok((await compress(Compression.Gzip, Buffer.from('x')))[0] === 0x1f);
});
