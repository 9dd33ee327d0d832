/**
 * A minimal raw-socket Kafka client for the benchmarks, built on src/protocol only: frames requests, matches
 * responses by correlation id, and lets callers pipeline. Deliberately not src/client, so the benchmark measures
 * the broker and not a client library.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeRequestHeader } from '../src/protocol/header.js';
import { Reader, Writer } from '../src/protocol/primitives.js';
import type { Api } from '../src/protocol/schema.js';
import { ApiVersions } from '../src/protocol/messages/api-versions.js';
import { CreateTopics } from '../src/protocol/messages/create-topics.js';
import { ListOffsets } from '../src/protocol/messages/list-offsets.js';

export const CLIENT_ID = 'samsa-bench';

/** A whole request frame (size prefix included). The correlation id sits at byte 8. */
export function buildRequestFrame(api: Api, version: number, correlationId: number, body: unknown): Buffer {
  const w = new Writer(1024);
  w.int32(0);
  encodeRequestHeader(
    w,
    { apiKey: api.key, apiVersion: version, correlationId, clientId: CLIENT_ID },
    api.requestHeaderVersion(version),
  );
  api.requestCodec(version).encode(w, body as never);
  const out = w.toBuffer();
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

export const CORRELATION_ID_AT = 8;

/** Skips the size prefix and response header (v0: correlation id; v1: plus tagged fields); returns a reader at the body. */
export function responseBody(api: Api, version: number, frame: Buffer): Reader {
  const r = new Reader(frame, 8); // past the size prefix and correlation id
  if (api.responseHeaderVersion(version) >= 1) {
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      r.uvarint();
      r.skip(r.uvarint());
    }
  }
  return r;
}

export interface Pending {
  resolve(frame: Buffer, at: number): void;
  reject(err: Error): void;
}

/**
 * One connection. `send` writes a ready frame and returns when its response arrives, with the arrival time
 * (performance.now()) taken as soon as the whole frame is buffered.
 */
export class WireConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending = new Map<number, Pending>();
  private nextCorrelation = 1;
  private closed = false;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => this.failAll(new Error('connection closed')));
    socket.on('error', (e) => this.failAll(e));
  }

  static open(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<WireConnection> {
    return new Promise((res, rej) => {
      const s = connect({ port, host });
      const timer = setTimeout(() => {
        s.destroy();
        rej(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        res(new WireConnection(s));
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        s.destroy();
        rej(e);
      });
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  correlationId(): number {
    const id = this.nextCorrelation;
    this.nextCorrelation = (this.nextCorrelation + 1) & 0x7fffffff || 1;
    return id;
  }

  /** Sends a frame whose correlation id is already set; resolves with the response frame and its arrival time. */
  sendFrame(frame: Buffer, correlationId: number): Promise<{ frame: Buffer; at: number }> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { resolve: (f, at) => resolve({ frame: f, at }), reject });
      this.socket.write(frame);
    });
  }

  /** Encodes and sends one request, decodes the response. */
  async request<Res>(api: Api<any, Res>, version: number, body: unknown): Promise<Res> {
    const id = this.correlationId();
    const { frame } = await this.sendFrame(buildRequestFrame(api, version, id, body), id);
    return api.responseCodec(version).decode(responseBody(api, version, frame));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private failAll(err: Error): void {
    this.closed = true;
    const p = [...this.pending.values()];
    this.pending.clear();
    for (const x of p) x.reject(err);
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (this.buffered < 4) return;
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.concat();
      const size = head.readInt32BE(0);
      if (this.buffered < 4 + size) return;
      const at = performance.now();
      const all = this.concat();
      const frame = all.subarray(0, 4 + size);
      const rest = all.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      const id = frame.readInt32BE(4);
      const p = this.pending.get(id);
      if (p === undefined) {
        this.failAll(new Error(`response with unknown correlation id ${id}`));
        this.socket.destroy();
        return;
      }
      this.pending.delete(id);
      p.resolve(frame, at);
    }
  }

  private concat(): Buffer {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const b = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [b];
    return b;
  }
}

/** ApiVersions v0 request frame (header v1). */
export function apiVersionsFrame(correlationId: number): Buffer {
  return buildRequestFrame(ApiVersions, 0, correlationId, {});
}

/** Creates a single-partition topic; an existing topic (error 36) counts as success. */
export async function createTopic(port: number, name: string, partitions = 1): Promise<void> {
  const c = await WireConnection.open(port);
  try {
    const res = await c.request(CreateTopics, 4, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10000,
    });
    const t = res.topics[0];
    if (!t || (t.errorCode !== 0 && t.errorCode !== 36)) {
      throw new Error(`CreateTopics ${name} failed: error ${t?.errorCode} ${t?.errorMessage ?? ''}`);
    }
  } finally {
    c.close();
  }
}

/** The log end offset (high watermark) of one partition, to check that a run stored every record. */
export async function latestOffset(port: number, topic: string, partition = 0): Promise<number> {
  const c = await WireConnection.open(port);
  try {
    const res = await c.request(ListOffsets, 1, {
      replicaId: -1,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1 }] }],
    });
    const p = res.topics[0]?.partitions[0];
    if (p?.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${partition} failed: error ${p?.errorCode}`);
    return p.offset;
  } finally {
    c.close();
  }
}
