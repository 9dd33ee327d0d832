/**
 * Random and mutated input through the decoders and through a live broker: decoding either succeeds or fails with
 * a DecodeError, and the broker stays up, keeps serving other clients and never appends a damaged batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_APIS } from '../../src/protocol/messages/index.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { DecodeError, Reader, Writer } from '../../src/protocol/primitives.js';
import { encodeRequestHeader } from '../../src/protocol/header.js';
import { encodeBatch, validateBatches } from '../../src/protocol/records/batch.js';
import { startBroker } from '../../src/broker/broker.js';
import { silentLogger } from '../../src/storage/logger.js';
import type { Api } from '../../src/protocol/schema.js';

/** A small deterministic PRNG so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(buf: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(buf);
  const kind = Math.floor(rnd() * 4);
  if (kind === 0 && out.length > 0) {
    // flip a few bytes
    for (let i = 0; i < 1 + rnd() * 4; i++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
    return out;
  }
  if (kind === 1) return out.subarray(0, Math.floor(rnd() * out.length)); // truncate
  if (kind === 2 && out.length >= 4) {
    // plant a huge or negative length somewhere
    out.writeInt32BE(rnd() < 0.5 ? 0x7fffffff : -2, Math.floor(rnd() * (out.length - 3)));
    return out;
  }
  const extra = Buffer.alloc(Math.floor(rnd() * 16));
  for (let i = 0; i < extra.length; i++) extra[i] = Math.floor(rnd() * 256);
  return Buffer.concat([out, extra]);
}

test('decoders reject mutated and random bytes with DecodeError only', () => {
  const rnd = prng(12345);
  let decodedOk = 0;
  let rejected = 0;
  for (const a of ALL_APIS) {
    for (let v = a.minVersion; v <= a.maxVersion; v++) {
      const w = new Writer();
      a.requestCodec(v).encode(w, {});
      const valid = w.toBuffer();
      for (let i = 0; i < 20; i++) {
        const input =
          i < 15
            ? mutate(valid, rnd)
            : Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
        try {
          a.requestCodec(v).decode(new Reader(input));
          decodedOk++;
        } catch (err) {
          assert.ok(err instanceof DecodeError, `${a.name} v${v}: ${String(err)} for ${input.toString('hex')}`);
          rejected++;
        }
      }
    }
  }
  assert.ok(rejected > 1000, `expected many rejections, got ${rejected}`);
  assert.ok(decodedOk > 0);
});

function frame(api: Api, version: number, correlationId: number, body: unknown): Buffer {
  const w = new Writer();
  w.int32(0);
  encodeRequestHeader(
    w,
    { apiKey: api.key, apiVersion: version, correlationId, clientId: 'fuzz' },
    api.requestHeaderVersion(version),
  );
  api.requestCodec(version).encode(w, body as never);
  return Buffer.concat(w.finishFrame());
}

/** Sends one frame and resolves with the first response frame, or null when the broker closes the connection. */
function roundTrip(port: number, bytes: Buffer, timeoutMs = 2000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const done = (v: Buffer | null) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) done(got.subarray(4, 4 + got.readInt32BE(0)));
    });
    s.on('error', () => done(null));
    s.on('close', () => done(null));
    s.write(bytes);
  });
}

test('a live broker survives garbage and mutated frames and appends only valid batches', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-fuzz-'));
  const broker = await startBroker({ port: 0, dataDir: dir, logger: silentLogger });
  try {
    broker.topics.create('fuzz', 1, 1, {});
    const batch = await encodeBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'.repeat(100)) }] });
    const produce = (b: Buffer) =>
      frame(Produce, 7, 1, {
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: 'fuzz', partitionData: [{ index: 0, records: b }] }],
      });
    const valid = produce(batch);
    const rnd = prng(777);
    const inputs: Buffer[] = [];
    for (let i = 0; i < 60; i++) inputs.push(mutate(valid, rnd));
    for (let i = 0; i < 20; i++)
      inputs.push(Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256))));
    // a frame claiming 2 GiB, and one with a negative size
    inputs.push(Buffer.from('7fffffff00000000', 'hex'), Buffer.from('ffffff00', 'hex'));
    // unknown API key 999, and ApiVersions v99
    inputs.push(frame(ApiVersions, 0, 5, {}).fill(0x03, 4, 6));
    for (const input of inputs) await roundTrip(broker.port, input, 300);

    // Still serving: ApiVersions v99 is answered in v0 form with UNSUPPORTED_VERSION (35).
    const hi = frame(ApiVersions, 3, 9, {});
    hi.writeInt16BE(99, 6);
    const res = await roundTrip(broker.port, hi);
    assert.ok(res, 'the broker answers after the garbage');
    const r = new Reader(res);
    assert.equal(r.int32(), 9);
    const body = ApiVersions.responseCodec(0).decode(r);
    assert.equal(body.errorCode, 35);
    assert.ok(body.apiKeys.some((k) => k.apiKey === 0));

    // A valid produce still works, and everything in the log is a whole, CRC-valid batch.
    const ok = await roundTrip(broker.port, valid);
    assert.ok(ok);
    const log = broker.topics.partition('fuzz', 0)!;
    const all = log.read(0, 64 * 1024 * 1024, { minOneBatch: true });
    const check = validateBatches(all.records, { maxBatchBytes: 1 << 30 });
    assert.ok(check.ok, 'stored batches validate');
    assert.equal(check.recordCount, log.logEndOffset, 'every offset in the log belongs to a stored record');
  } finally {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a zero-length or tiny frame closes only that connection', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-fuzz0-'));
  const broker = await startBroker({ port: 0, dataDir: dir, logger: silentLogger });
  try {
    for (const bytes of ['00000000', '0000000000', '00000003010203']) {
      assert.equal(await roundTrip(broker.port, Buffer.from(bytes, 'hex'), 500), null, `${bytes}: connection closed`);
    }
    const res = await roundTrip(broker.port, frame(ApiVersions, 0, 3, {}));
    assert.ok(res, 'the broker still answers');
  } finally {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
});
