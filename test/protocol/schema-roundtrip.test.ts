import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_APIS } from '../../src/protocol/messages/index.js';
import { DecodeError, Reader, Writer } from '../../src/protocol/primitives.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';

test('defaults round-trip through every version of every API', () => {
  for (const a of ALL_APIS) {
    for (let v = a.minVersion; v <= a.maxVersion; v++) {
      for (const codec of [a.requestCodec(v), a.responseCodec(v)]) {
        const w = new Writer();
        codec.encode(w, {});
        const buf = w.toBuffer();
        const r = new Reader(buf);
        const decoded = codec.decode(r);
        assert.equal(r.remaining, 0, `${a.name} v${v}: whole message consumed`);
        const w2 = new Writer();
        codec.encode(w2, decoded);
        assert.deepEqual(w2.toBuffer(), buf, `${a.name} v${v}: re-encoding is stable`);
      }
    }
  }
});

test('ApiVersions v3 encodes compact arrays and tagged fields as Kafka does', () => {
  const w = new Writer();
  ApiVersions.responseCodec(3).encode(w, {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    finalizedFeaturesEpoch: 5,
  });
  // errorCode(2) | compact array len 1+1 | key,min,max + empty tags | throttle | 1 tagged field: tag 1, size 8, int64
  assert.equal(
    w.toBuffer().toString('hex'),
    '0000' + '02' + '0012' + '0000' + '0004' + '00' + '00000000' + '01' + '01' + '08' + '0000000000000005',
  );
  const back = ApiVersions.responseCodec(3).decode(new Reader(w.toBuffer()));
  assert.equal(back.finalizedFeaturesEpoch, 5);
  assert.deepEqual(back.supportedFeatures, []);
});

test('Metadata v1 null topics means all topics; v0 cannot say null', () => {
  const w = new Writer();
  Metadata.requestCodec(1).encode(w, { topics: null });
  assert.equal(w.toBuffer().toString('hex'), 'ffffffff');
  assert.equal(Metadata.requestCodec(1).decode(new Reader(w.toBuffer())).topics, null);
  assert.throws(() => Metadata.requestCodec(0).decode(new Reader(Buffer.from('ffffffff', 'hex'))));
});

test('truncated and oversized inputs are decode errors, not crashes', () => {
  assert.throws(() => Metadata.requestCodec(9).decode(new Reader(Buffer.from([0x05]))), DecodeError);
  // a claimed 2^31-1 element array in a 4-byte body is rejected before allocation
  assert.throws(() => Metadata.requestCodec(4).decode(new Reader(Buffer.from('7fffffff', 'hex'))), /elements/);
});
