/**
 * The inter-broker client's framing: responses arrive cut anywhere (one byte at a time, a big response in many
 * chunks, several responses in one chunk) and each pending request gets its own answer, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { InterBrokerClient } from '../../src/broker/inter-broker.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { Writer } from '../../src/protocol/primitives.js';

const VERSION = 0;

/** An ApiVersions v0 response frame (length prefix included) whose key list makes it about `size` bytes. */
function responseFrame(correlationId: number, keys: number): Buffer {
  const w = new Writer(256);
  w.int32(0);
  w.int32(correlationId);
  ApiVersions.responseCodec(VERSION).encode(w, {
    errorCode: 0,
    apiKeys: Array.from({ length: keys }, (_, i) => ({ apiKey: i % 30_000, minVersion: 0, maxVersion: i % 7 })),
  } as never);
  return Buffer.concat(w.finishFrame());
}

/** Correlation ids of the request frames in `buf`, and the bytes left over. */
function requests(buf: Buffer): { ids: number[]; rest: Buffer } {
  const ids: number[] = [];
  let p = 0;
  while (p + 4 <= buf.length) {
    const size = buf.readInt32BE(p);
    if (p + 4 + size > buf.length) break;
    ids.push(buf.readInt32BE(p + 8));
    p += 4 + size;
  }
  return { ids, rest: buf.subarray(p) };
}

async function withServer(
  answer: (socket: Socket, ids: number[]) => Promise<void>,
  body: (client: InterBrokerClient) => Promise<void>,
): Promise<void> {
  const server = createServer((socket) => {
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (d) => {
      const r = requests(Buffer.concat([buf, d]));
      buf = r.rest;
      if (r.ids.length > 0) void answer(socket, r.ids);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const client = new InterBrokerClient(() => ({ host: '127.0.0.1', port }), 'test');
  try {
    await body(client);
  } finally {
    client.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const send = (c: InterBrokerClient) => c.send(ApiVersions, VERSION, {} as never, 10_000);

test('a response written one byte at a time is decoded', async () => {
  await withServer(
    async (socket, ids) => {
      for (const id of ids) {
        const f = responseFrame(id, 50);
        for (let i = 0; i < f.length; i++) {
          socket.write(f.subarray(i, i + 1));
          if (i % 64 === 0) await new Promise((r) => setImmediate(r));
        }
      }
    },
    async (client) => {
      const res = await send(client);
      assert.equal(res.apiKeys.length, 50);
      assert.equal(res.apiKeys[49]!.maxVersion, 49 % 7);
    },
  );
});

test('pipelined responses of several megabytes, cut into uneven chunks and run together, each reach their request', async () => {
  const keysOf = (id: number) => 100_000 + id * 37; // ~600 KB each, different per request
  await withServer(
    async (socket, ids) => {
      const all = Buffer.concat(ids.map((id) => responseFrame(id, keysOf(id))));
      // Chunks of odd sizes that cross frame boundaries, the last one holding the end of one frame and a whole next one.
      for (let p = 0, k = 1; p < all.length; k++) {
        const n = Math.min(all.length - p, (k * 7919) % 150_000 || 1);
        socket.write(all.subarray(p, p + n));
        p += n;
        await new Promise((r) => setImmediate(r));
      }
    },
    async (client) => {
      const results = await Promise.all([send(client), send(client), send(client), send(client)]);
      // Correlation ids start at 1 on a new client.
      results.forEach((res, i) => {
        assert.equal(res.apiKeys.length, keysOf(i + 1));
        const last = res.apiKeys.at(-1)!;
        assert.equal(last.apiKey, (keysOf(i + 1) - 1) % 30_000);
      });
    },
  );
});

test('a response with an invalid size fails the pending request instead of hanging', async () => {
  await withServer(
    async (socket) => {
      const bad = Buffer.alloc(8);
      bad.writeInt32BE(-5, 0);
      socket.write(bad);
    },
    async (client) => {
      await assert.rejects(send(client), /invalid response size/);
    },
  );
});
