import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { crc32 } from '@node-rs/crc32';
import {
  CORRUPT_MESSAGE,
  INVALID_RECORD,
  MESSAGE_TOO_LARGE,
  assignOffsets,
  decodeBatches,
  decodeRecords,
  encodeBatch,
  validateBatches,
} from '../../src/protocol/records/batch.js';
import {
  decodeMessageSet,
  downConvert,
  upConvert,
  validateMessageSet,
  type ValidatedMessageSet,
} from '../../src/protocol/records/message-set.js';
import { Compression, decompressSync, xxh32 } from '../../src/protocol/records/compression.js';
import type { ValidationError } from '../../src/protocol/records/batch.js';

const require = createRequire(import.meta.url);
const LIMIT = { maxMessageBytes: 1 << 20 };

function ok(r: ValidatedMessageSet | ValidationError): ValidatedMessageSet {
  if (!r.ok) assert.fail(`expected a valid message set, got ${r.errorCode}: ${r.message}`);
  return r;
}

interface Msg {
  offset: number;
  key: string | null;
  value: string | Buffer | null;
  timestamp?: number;
  attributes?: number;
}

function bytesField(v: string | Buffer | null): Buffer {
  if (v === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
  const b = typeof v === 'string' ? Buffer.from(v) : v;
  const len = Buffer.alloc(4);
  len.writeInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** One legacy message written from the documented layout, independently of the code under test. */
function legacyMessage(magic: 0 | 1, m: Msg): Buffer {
  const head = Buffer.alloc(magic === 1 ? 10 : 2);
  head.writeInt8(magic, 0);
  head.writeInt8(m.attributes ?? 0, 1);
  if (magic === 1) head.writeBigInt64BE(BigInt(m.timestamp ?? 0), 2);
  const body = Buffer.concat([head, bytesField(m.key), bytesField(m.value)]);
  const prefix = Buffer.alloc(16);
  prefix.writeBigInt64BE(BigInt(m.offset), 0);
  prefix.writeInt32BE(body.length + 4, 8);
  prefix.writeUInt32BE(crc32(body), 12);
  return Buffer.concat([prefix, body]);
}

function legacySet(magic: 0 | 1, msgs: Msg[]): Buffer {
  return Buffer.concat(msgs.map((m) => legacyMessage(magic, m)));
}

const PLAIN: Msg[] = [
  { offset: 0, key: 'alpha', value: 'one', timestamp: 1_500_000_000_000 },
  { offset: 1, key: null, value: 'two', timestamp: 1_500_000_000_005 },
  { offset: 2, key: 'gamma', value: null, timestamp: 1_500_000_000_003 },
];

for (const magic of [0, 1] as const) {
  test(`magic ${magic}: a hand-built plain message set validates, up-converts and down-converts back`, async () => {
    const set = legacySet(magic, PLAIN);
    const v = ok(validateMessageSet(set, LIMIT));
    assert.equal(v.magic, magic);
    assert.equal(v.messageCount, 3);
    assert.equal(v.recordCount, 3);
    assert.equal(v.maxTimestamp, magic === 1 ? 1_500_000_000_005 : -1);

    const batches = await upConvert(set);
    const bv = validateBatches(batches, { maxBatchBytes: 1 << 20 });
    assert.ok(bv.ok);
    assert.equal(bv.batchCount, 1);
    const recs = await decodeRecords(batches);
    assert.deepEqual(
      recs.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]),
      PLAIN.map((m) => [m.offset, m.key, m.value, magic === 1 ? m.timestamp : -1]),
    );

    const back = await downConvert(batches, magic);
    assert.deepEqual(back, set, 'byte-identical after a round trip');
  });

  test(`magic ${magic}: gzip wrapper message (inner offsets ${magic === 1 ? 'relative' : 'absolute'})`, async () => {
    // Written as if the broker had placed the three inner messages at offsets 10..12.
    const innerOffsets = magic === 1 ? [0, 1, 2] : [10, 11, 12];
    const inner = legacySet(
      magic,
      PLAIN.map((m, i) => ({ ...m, offset: innerOffsets[i]! })),
    );
    const wrapper = legacyMessage(magic, {
      offset: 12,
      key: null,
      value: zlib.gzipSync(inner),
      timestamp: 1_500_000_000_005,
      attributes: Compression.Gzip,
    });
    const v = ok(validateMessageSet(wrapper, LIMIT));
    assert.equal(v.messageCount, 1);
    assert.equal(v.recordCount, 3);
    assert.equal(v.compressed, true);
    assert.deepEqual(
      decodeMessageSet(wrapper).map((r) => r.offset),
      [10, 11, 12],
    );

    const batches = await upConvert(wrapper);
    const [b] = await decodeBatches(batches);
    assert.equal(b!.header.compression, Compression.Gzip);
    assert.equal(b!.header.baseOffset, 10);
    assert.deepEqual(
      b!.records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null]),
      PLAIN.map((m, i) => [10 + i, m.key, m.value]),
    );

    const down = await downConvert(batches, magic);
    ok(validateMessageSet(down, LIMIT));
    const again = decodeMessageSet(down);
    assert.deepEqual(
      again.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null]),
      PLAIN.map((m, i) => [10 + i, m.key, m.value]),
    );
    // Inner offsets follow the magic's convention.
    const w = down;
    assert.equal(w.readInt32BE(8) + 12, w.length, 'one wrapper message');
    assert.equal(w[17], Compression.Gzip);
    const keyLenAt = magic === 1 ? 26 : 18;
    assert.equal(w.readInt32BE(keyLenAt), -1, 'wrapper key is null');
    const innerSet = zlib.gunzipSync(w.subarray(keyLenAt + 8));
    const offs: number[] = [];
    for (let p = 0; p < innerSet.length; p += 12 + innerSet.readInt32BE(p + 8))
      offs.push(Number(innerSet.readBigInt64BE(p)));
    assert.deepEqual(offs, innerOffsets);
    assert.equal(Number(w.readBigInt64BE(0)), 12, 'wrapper carries the last inner offset');
  });
}

test('mixed runs: plain, wrapper, plain become three batches; offsets reassignable', async () => {
  const inner = legacySet(1, [
    { offset: 0, key: 'w1', value: 'x', timestamp: 7 },
    { offset: 1, key: 'w2', value: 'y', timestamp: 8 },
  ]);
  const set = Buffer.concat([
    legacySet(1, [{ offset: 0, key: 'p1', value: 'a', timestamp: 1 }]),
    legacyMessage(1, { offset: 0, key: null, value: zlib.gzipSync(inner), timestamp: 8, attributes: 1 }),
    legacySet(1, [
      { offset: 0, key: 'p2', value: 'b', timestamp: 9 },
      { offset: 0, key: 'p3', value: 'c', timestamp: 10 },
    ]),
  ]);
  const v = ok(validateMessageSet(set, LIMIT));
  assert.equal(v.recordCount, 5);
  const batches = await upConvert(set);
  const bv = validateBatches(batches, { maxBatchBytes: 1 << 20 });
  assert.ok(bv.ok);
  assert.equal(bv.batchCount, 3);
  assert.equal(bv.recordCount, 5);
  assert.equal(assignOffsets(batches, 100), 105);
  const recs = await decodeRecords(batches);
  assert.deepEqual(
    recs.map((r) => [r.offset, r.key!.toString(), r.timestamp]),
    [
      [100, 'p1', 1],
      [101, 'w1', 7],
      [102, 'w2', 8],
      [103, 'p2', 9],
      [104, 'p3', 10],
    ],
  );
});

test('legacy validation failures', () => {
  const set = legacySet(1, PLAIN);
  const flipped = Buffer.from(set);
  flipped[30]! ^= 0x10;
  const e1 = validateMessageSet(flipped, LIMIT);
  assert.ok(!e1.ok && e1.errorCode === CORRUPT_MESSAGE);

  const e2 = validateMessageSet(set.subarray(0, set.length - 2), LIMIT);
  assert.ok(!e2.ok && e2.errorCode === CORRUPT_MESSAGE);

  const e3 = validateMessageSet(set, { maxMessageBytes: 20 });
  assert.ok(!e3.ok && e3.errorCode === MESSAGE_TOO_LARGE);

  // A wrapper whose inner messages are themselves compressed is refused.
  const nested = legacyMessage(1, { offset: 0, key: null, value: zlib.gzipSync(Buffer.from('x')), attributes: 1 });
  const outer = legacyMessage(1, { offset: 0, key: null, value: zlib.gzipSync(nested), attributes: 1 });
  const e4 = validateMessageSet(outer, LIMIT);
  assert.ok(!e4.ok && e4.errorCode === CORRUPT_MESSAGE);

  // Inner magic must equal the wrapper's.
  const mixed = legacyMessage(1, { offset: 0, key: null, value: zlib.gzipSync(legacySet(0, PLAIN)), attributes: 1 });
  const e5 = validateMessageSet(mixed, LIMIT);
  assert.ok(!e5.ok && e5.errorCode === INVALID_RECORD);

  // Garbage instead of gzip.
  const junk = legacyMessage(0, { offset: 0, key: null, value: 'not gzip at all', attributes: 1 });
  const e6 = validateMessageSet(junk, LIMIT);
  assert.ok(!e6.ok && e6.errorCode === CORRUPT_MESSAGE);
});

test('downConvert: only whole batches, control batches dropped, headers dropped', async () => {
  const a = await encodeBatch({
    baseOffset: 0,
    records: [{ key: 'k0', value: 'v0', timestamp: 50, headers: [{ key: 'h', value: 'x' }] }],
  });
  const ctrl = await encodeBatch({
    baseOffset: 1,
    control: true,
    transactional: true,
    records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.alloc(6) }],
  });
  const c = await encodeBatch({ baseOffset: 2, records: [{ key: 'k2', value: 'v2', timestamp: 60 }] });
  const d = await encodeBatch({ baseOffset: 3, records: [{ key: 'k3', value: 'v3', timestamp: 70 }] });
  const fetched = Buffer.concat([a, ctrl, c, d.subarray(0, d.length - 5)]);
  for (const magic of [0, 1] as const) {
    const set = await downConvert(fetched, magic);
    ok(validateMessageSet(set, LIMIT));
    const recs = decodeMessageSet(set);
    assert.deepEqual(
      recs.map((r) => [r.offset, r.key!.toString(), r.value!.toString(), r.timestamp]),
      [
        [0, 'k0', 'v0', magic === 1 ? 50 : -1],
        [2, 'k2', 'v2', magic === 1 ? 60 : -1],
      ],
    );
  }
  assert.equal((await downConvert(d.subarray(0, 30), 1)).length, 0);
});

for (const codec of [Compression.Gzip, Compression.Snappy, Compression.Lz4]) {
  test(`downConvert keeps ${Compression[codec]} as a single wrapper for magic 0 and 1`, async () => {
    const records = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `value ${i}`, timestamp: 1000 + i }));
    const batch = await encodeBatch({ baseOffset: 500, records, compression: codec });
    for (const magic of [0, 1] as const) {
      const set = await downConvert(batch, magic);
      assert.equal(set.readInt32BE(8) + 12, set.length, 'one wrapper message');
      assert.equal(set[17]! & 7, codec);
      assert.equal(Number(set.readBigInt64BE(0)), 519);
      if (magic === 1) assert.equal(Number(set.readBigInt64BE(18)), 1019, 'wrapper timestamp is the max');
      ok(validateMessageSet(set, LIMIT));
      const recs = decodeMessageSet(set);
      assert.deepEqual(
        recs.map((r) => r.offset),
        records.map((_, i) => 500 + i),
      );
      assert.deepEqual(
        recs.map((r) => r.value!.toString()),
        records.map((r) => r.value),
      );
      if (codec === Compression.Lz4) {
        // Magic 0 lz4 carries the Kafka 0.8 header checksum (magic included), magic 1 the standard one.
        const frame = set.subarray(magic === 1 ? 34 : 26);
        const hc = frame[6];
        assert.equal(hc, (xxh32(frame, magic === 0 ? 0 : 4, 6) >>> 8) & 0xff);
        if (magic === 0) assert.throws(() => decompressSync(Compression.Lz4, frame));
      }
      // Up-converting again restores the same records and codec.
      const up = await upConvert(set);
      const [b] = await decodeBatches(up);
      assert.equal(b!.header.compression, codec);
      assert.deepEqual(
        b!.records.map((r) => r.key!.toString()),
        records.map((r) => r.key),
      );
    }
  });
}

test('downConvert of a zstd batch yields plain messages old clients can read', async () => {
  const batch = await encodeBatch({
    baseOffset: 7,
    records: [
      { key: 'a', value: 'b', timestamp: 3 },
      { key: 'c', value: 'd', timestamp: 4 },
    ],
    compression: Compression.Zstd,
  });
  const set = await downConvert(batch, 1);
  const v = ok(validateMessageSet(set, LIMIT));
  assert.equal(v.compressed, false);
  assert.deepEqual(
    decodeMessageSet(set).map((r) => r.offset),
    [7, 8],
  );
});

test('log append time survives conversion both ways (magic 1)', async () => {
  const batch = await encodeBatch({
    baseOffset: 0,
    records: [
      { key: 'a', value: 'b', timestamp: 3 },
      { key: 'c', value: 'd', timestamp: 4 },
    ],
    compression: Compression.Gzip,
    timestampType: 1,
    maxTimestamp: 777,
  });
  const set = await downConvert(batch, 1);
  assert.equal(set[17]! & 0x08, 0x08);
  assert.deepEqual(
    decodeMessageSet(set).map((r) => r.timestamp),
    [777, 777],
  );
  const up = await upConvert(set);
  const [b] = await decodeBatches(up);
  assert.equal(b!.header.timestampType, 1);
  assert.deepEqual(
    b!.records.map((r) => r.timestamp),
    [777, 777],
  );
});

test('interop with KafkaJS: its legacy message sets validate and up-convert here', async () => {
  const MessageSet = require('kafkajs/src/protocol/messageSet');
  const MessageSetDecoder = require('kafkajs/src/protocol/messageSet/decoder');
  const Decoder = require('kafkajs/src/protocol/decoder');
  for (const magic of [0, 1] as const) {
    const entries = [
      { key: 'x', value: 'first', timestamp: 42 },
      { key: null, value: 'second', timestamp: 43 },
    ];
    const enc = MessageSet({ messageVersion: magic, compression: 0, entries });
    const set: Buffer = enc.buffer;
    ok(validateMessageSet(set, LIMIT));
    const recs = await decodeRecords(await upConvert(set));
    assert.deepEqual(
      recs.map((r) => r.value!.toString()),
      ['first', 'second'],
    );

    // And our down-converted output decodes with KafkaJS's message set decoder.
    const batch = await encodeBatch({ baseOffset: 30, records: entries });
    const down = await downConvert(batch, magic);
    const size = Buffer.alloc(4);
    size.writeInt32BE(down.length);
    const decoded = await MessageSetDecoder(new Decoder(Buffer.concat([size, down])));
    assert.deepEqual(
      decoded.map((m: { offset: string; value: Buffer }) => [m.offset, m.value.toString()]),
      [
        ['30', 'first'],
        ['31', 'second'],
      ],
    );
  }
});
