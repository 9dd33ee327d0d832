/**
 * A bare Kafka protocol client for tests: one TCP connection, requests encoded with Samsa's own schemas (header
 * v1, or v2 for flexible versions) and responses decoded with the API's response codec. Requests are answered in
 * order, so responses are matched by correlation id against a FIFO of pending calls.
 */
import { connect, type Socket } from 'node:net';
import { encodeRequestHeader } from '../../src/protocol/header.js';
import { Reader, Writer } from '../../src/protocol/primitives.js';
import type { Api, Encodable, RequestOf, ResponseOf } from '../../src/protocol/schema.js';

interface Pending {
  correlationId: number;
  decode: (r: Reader) => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class RawClient {
  private nextId = 1;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private closedError: Error | undefined;
  /** A readRawFrame() waiting for its frame; while set, incoming bytes are not matched to pending requests. */
  private rawWaiter: { check: () => boolean; reject: (e: Error) => void } | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.failAll(new Error('connection closed')));
    socket.on('error', (err) => this.failAll(err));
  }

  static connect(port: number, host = '127.0.0.1', clientId = 'samsa-raw-test'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => {
        s.off('error', reject);
        resolve(new RawClient(s, clientId));
      });
      s.once('error', reject);
    });
  }

  /** Sends `body` as `api` version `version` and resolves with the decoded response body. */
  send<A extends Api>(api: A, version: number, body: Encodable<RequestOf<A>>): Promise<ResponseOf<A>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = this.nextId++;
    const w = new Writer(256);
    w.int32(0);
    encodeRequestHeader(
      w,
      { apiKey: api.key, apiVersion: version, correlationId, clientId: this.clientId },
      api.requestHeaderVersion(version),
    );
    api.requestCodec(version).encode(w, body as never);
    const frame = w.finishFrame();
    const headerVersion = api.responseHeaderVersion(version);
    return new Promise((resolve, reject) => {
      this.pending.push({
        correlationId,
        decode: (r) => {
          if (headerVersion >= 1) {
            const n = r.uvarint();
            for (let i = 0; i < n; i++) {
              r.uvarint();
              r.skip(r.uvarint());
            }
          }
          const out = api.responseCodec(version).decode(r);
          if (r.remaining !== 0) throw new Error(`${api.name} v${version} response has ${r.remaining} trailing bytes`);
          return out;
        },
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      for (const b of frame) this.socket.write(b);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.rawWaiter !== undefined) {
      this.rawWaiter.check();
      return;
    }
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const p = this.pending.shift();
      if (!p) {
        this.failAll(new Error('response without a pending request'));
        return;
      }
      try {
        const r = new Reader(frame);
        const id = r.int32();
        if (id !== p.correlationId) throw new Error(`correlation id ${id}, expected ${p.correlationId}`);
        p.resolve(p.decode(r));
      } catch (err) {
        p.reject(err);
      }
    }
  }

  private failAll(err: Error): void {
    this.closedError ??= err;
    this.rawWaiter?.reject(err);
    this.rawWaiter = undefined;
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  close(): void {
    this.socket.destroy();
  }

  /** True once the connection closed (by either side). */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Resolves when the broker closes the connection (or at once if it is closed). */
  whenClosed(): Promise<void> {
    if (this.closedError !== undefined || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  /** Writes bytes as they are (a raw SASL token frame, a bogus size prefix). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Reads one length-prefixed frame that is not a response to a pending request (a raw SASL token). */
  readRawFrame(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.buffered.length >= 4) {
          const size = this.buffered.readInt32BE(0);
          if (this.buffered.length >= 4 + size) {
            const frame = this.buffered.subarray(4, 4 + size);
            this.buffered = this.buffered.subarray(4 + size);
            this.rawWaiter = undefined;
            resolve(Buffer.from(frame));
            return true;
          }
        }
        return false;
      };
      if (check()) return;
      if (this.closedError !== undefined) {
        reject(this.closedError);
        return;
      }
      this.rawWaiter = { check, reject };
    });
  }
}

/** Runs `fn` with a raw client connected to `port`, closed afterwards. */
export async function withRawClient<T>(port: number, fn: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
