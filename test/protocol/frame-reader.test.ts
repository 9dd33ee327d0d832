import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { FrameReader } from '../../src/protocol/frame-reader.js';

const framed = (payload: Buffer): Buffer => {
  const b = Buffer.allocUnsafe(4 + payload.length);
  b.writeInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
};

/** Feeds `stream` to the reader as a socket would: each read fills at most `readSize()` bytes of buffer(). */
function feed(r: FrameReader, stream: Buffer, readSize: () => number): void {
  let at = 0;
  while (at < stream.length) {
    const into = r.buffer();
    assert.ok(into.length > 0, 'the reader always offers room for the next read');
    const n = Math.min(into.length, readSize(), stream.length - at);
    stream.copy(into, 0, at, at + n);
    at += n;
    r.received(n);
  }
}

test('frames of every size come out whole and in order, however the reads split them', () => {
  const sizes = [0, 1, 4, 100, 16 * 1024 - 1, 16 * 1024, 70_000, 3, 1024 * 1024, 5, 65_536, 65_532, 200_000];
  const payloads = sizes.map((n) => randomBytes(n));
  const stream = Buffer.concat(payloads.map(framed));
  for (const readSize of [() => 1, () => 7, () => 4096, () => 65_536, () => 1 + Math.floor(Math.random() * 300_000)]) {
    const got: Buffer[] = [];
    const r = new FrameReader(
      (f) => {
        got.push(Buffer.from(f));
        return true;
      },
      () => assert.fail('no invalid size'),
    );
    feed(r, stream, readSize);
    assert.equal(got.length, payloads.length);
    for (let i = 0; i < payloads.length; i++) assert.ok(got[i]!.equals(payloads[i]!), `frame ${i} (${sizes[i]} bytes)`);
  }
});

test('a frame handed out is not overwritten by later reads', () => {
  const small = randomBytes(50);
  const big = randomBytes(40_000);
  const stream = Buffer.concat([framed(small), framed(big), framed(randomBytes(50)), framed(randomBytes(40_000))]);
  const got: Buffer[] = [];
  const r = new FrameReader(
    (f) => {
      got.push(f);
      return true;
    },
    () => undefined,
  );
  feed(r, stream, () => 10_000);
  assert.ok(got[0]!.equals(small));
  assert.ok(got[1]!.equals(big));
});

test('onFrame returning false stops the reader; a negative or oversized size is reported once and stops it', () => {
  let n = 0;
  const r = new FrameReader(
    () => {
      n++;
      return false;
    },
    () => assert.fail('not reached'),
  );
  feed(r, Buffer.concat([framed(randomBytes(10)), framed(randomBytes(10))]), () => 1000);
  assert.equal(n, 1);

  const bad: number[] = [];
  const r2 = new FrameReader(
    () => true,
    (size) => bad.push(size),
  );
  const neg = Buffer.alloc(8);
  neg.writeInt32BE(-5, 0);
  feed(r2, Buffer.concat([neg, framed(randomBytes(10))]), () => 1000);
  assert.deepEqual(bad, [-5]);

  const r3 = new FrameReader(
    () => assert.fail('not reached'),
    (size) => bad.push(size),
  );
  const huge = Buffer.alloc(8);
  huge.writeInt32BE(0x7fffffff, 0);
  feed(r3, huge, () => 1000);
  assert.deepEqual(bad, [-5, 0x7fffffff]);
});
