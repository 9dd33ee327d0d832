/**
 * A fault-injecting proxy between a client and a real broker, for producer tests. Broker addresses in Metadata
 * and FindCoordinator answers are rewritten to the proxy, so every connection goes through it. For the n-th
 * Produce request `onProduce(n)` decides: 'forward'; 'drop' (the broker never sees it); 'drop-response' (the
 * broker writes it but the answer is swallowed, so the client times out and retries); or an error code to answer
 * with in place of the broker.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { decodeRequestHeader, encodeResponseHeader, skipTaggedFields } from '../../src/protocol/header.js';
import { FindCoordinator } from '../../src/protocol/messages/find-coordinator.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { Reader, Writer } from '../../src/protocol/primitives.js';
import type { Api } from '../../src/protocol/schema.js';

export type ProduceFault = 'forward' | 'drop' | 'drop-response' | number;

export interface FaultProxy {
  port: number;
  bootstrap: string;
  produceSeen: number;
  close(): Promise<void>;
}

function reencode(api: Api, frame: Buffer, version: number, edit: (res: any) => void): Buffer {
  const r = new Reader(frame, 4);
  r.int32();
  if (api.responseHeaderVersion(version) >= 1) skipTaggedFields(r);
  const res = api.responseCodec(version).decode(r);
  edit(res);
  const w = new Writer();
  w.int32(0);
  encodeResponseHeader(w, frame.readInt32BE(4), api.responseHeaderVersion(version));
  api.responseCodec(version).encode(w, res);
  const out = Buffer.from(w.toBuffer());
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

export async function startFaultProxy(brokerPort: number, onProduce: (n: number) => ProduceFault): Promise<FaultProxy> {
  const socks = new Set<Socket>();
  const state = { port: 0, produceSeen: 0 } as FaultProxy;
  const server: Server = createServer((client) => {
    socks.add(client);
    const upstream = connect({ host: '127.0.0.1', port: brokerPort });
    socks.add(upstream);
    // Answers go back in request order; each request has a slot, filled by the broker or by us.
    type Slot = { api: number; version: number; frame: Buffer | null; own: boolean; swallow: boolean };
    const slots: Slot[] = [];
    const flush = () => {
      while (slots.length > 0 && slots[0]!.frame !== null) client.write(slots.shift()!.frame!);
    };
    let buf: Buffer = Buffer.alloc(0);
    client.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(0, 4 + buf.readInt32BE(0));
        buf = buf.subarray(frame.length);
        const h = decodeRequestHeader(new Reader(frame, 4));
        let swallow = false;
        if (h.apiKey === Produce.key) {
          const what = onProduce(state.produceSeen++);
          if (what === 'drop') continue;
          swallow = what === 'drop-response';
          if (typeof what === 'number') {
            const r = new Reader(frame, 4);
            decodeRequestHeader(r);
            if (Produce.isFlexible(h.apiVersion)) skipTaggedFields(r);
            const req = Produce.requestCodec(h.apiVersion).decode(r);
            const w = new Writer();
            w.int32(0);
            encodeResponseHeader(w, h.correlationId, Produce.responseHeaderVersion(h.apiVersion));
            Produce.responseCodec(h.apiVersion).encode(w, {
              responses: req.topicData.map((t) => ({
                name: t.name,
                partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: what, baseOffset: -1 })),
              })),
              throttleTimeMs: 0,
            });
            const out = Buffer.from(w.toBuffer());
            out.writeInt32BE(out.length - 4, 0);
            slots.push({ api: h.apiKey, version: h.apiVersion, frame: out, own: true, swallow: false });
            flush();
            continue;
          }
        }
        slots.push({ api: h.apiKey, version: h.apiVersion, frame: null, own: false, swallow });
        upstream.write(frame);
      }
    });
    let ubuf: Buffer = Buffer.alloc(0);
    upstream.on('data', (d) => {
      ubuf = Buffer.concat([ubuf, d]);
      while (ubuf.length >= 4 && ubuf.length >= 4 + ubuf.readInt32BE(0)) {
        let frame = ubuf.subarray(0, 4 + ubuf.readInt32BE(0));
        ubuf = ubuf.subarray(frame.length);
        const i = slots.findIndex((s) => !s.own && s.frame === null);
        const slot = slots[i]!;
        if (slot.swallow) {
          // Never answered: later answers on this connection wait behind it until the client gives up.
          slot.own = true;
          continue;
        }
        if (slot.api === Metadata.key) {
          frame = reencode(Metadata, frame, slot.version, (res) => {
            for (const b of res.brokers) b.port = state.port;
          });
        } else if (slot.api === FindCoordinator.key) {
          frame = reencode(FindCoordinator, frame, slot.version, (res) => {
            if (res.port !== undefined) res.port = state.port;
            for (const c of res.coordinators ?? []) c.port = state.port;
          });
        }
        slot.frame = frame;
        flush();
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as { port: number }).port;
  state.bootstrap = `127.0.0.1:${state.port}`;
  state.close = async () => {
    for (const s of socks) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
