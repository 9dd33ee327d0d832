/**
 * The inter-broker client: one TCP connection from this broker to a peer, speaking the Kafka protocol through
 * Samsa's own schemas (src/protocol). Followers fetch with it and leaders on other brokers are sent transaction
 * markers with it. Requests are pipelined and answered in order; a request not answered within its timeout, or
 * a connection that fails, fails every pending request and the next `send` connects again.
 */
import { connect, type Socket } from 'node:net';
import { encodeRequestHeader } from '../protocol/header.js';
import { Reader, Writer } from '../protocol/primitives.js';
import type { Api, Encodable, RequestOf, ResponseOf } from '../protocol/schema.js';

interface Pending {
  correlationId: number;
  decode: (r: Reader) => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/** Where a peer is reached: its endpoint on the inter-broker listener. */
export interface PeerAddress {
  host: string;
  port: number;
}

export class InterBrokerError extends Error {}

export class InterBrokerClient {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private nextId = 1;
  /** Received bytes not yet made into frames, in arrival order (joined once per frame, not once per chunk). */
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** Size of the frame being received (its 4-byte length read), or -1. */
  private frameSize = -1;
  private pending: Pending[] = [];
  private closed = false;

  constructor(
    /** Resolves the peer's address at each connect (it may move, or be known only later). */
    private readonly address: () => PeerAddress | undefined,
    private readonly clientId: string,
    private readonly connectTimeoutMs = 10_000,
  ) {}

  private open(): Promise<Socket> {
    if (this.socket !== undefined && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    const addr = this.address();
    if (addr === undefined) return Promise.reject(new InterBrokerError('no address known for the peer'));
    this.connecting = new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: addr.host, port: addr.port });
      s.setNoDelay(true);
      const timer = setTimeout(() => s.destroy(new InterBrokerError('connect timed out')), this.connectTimeoutMs);
      const onError = (err: Error) => {
        clearTimeout(timer);
        this.connecting = undefined;
        reject(new InterBrokerError(`cannot connect to ${addr.host}:${addr.port}: ${err.message}`));
      };
      s.once('error', onError);
      s.once('connect', () => {
        clearTimeout(timer);
        s.off('error', onError);
        this.connecting = undefined;
        if (this.closed) {
          s.destroy();
          reject(new InterBrokerError('client closed'));
          return;
        }
        this.socket = s;
        this.chunks = [];
        this.bufferedBytes = 0;
        this.frameSize = -1;
        s.on('data', (chunk: Buffer) => this.onData(s, chunk));
        s.on('error', (err) => this.fail(s, err));
        s.on('close', () => this.fail(s, new InterBrokerError('connection closed')));
        resolve(s);
      });
    });
    return this.connecting;
  }

  /** Sends `body` as `api` version `version`; resolves with the decoded response or rejects after `timeoutMs`. */
  async send<A extends Api>(
    api: A,
    version: number,
    body: Encodable<RequestOf<A>>,
    timeoutMs: number,
  ): Promise<ResponseOf<A>> {
    if (this.closed) throw new InterBrokerError('client closed');
    const socket = await this.open();
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
      const p: Pending = {
        correlationId,
        decode: (r) => {
          if (headerVersion >= 1) {
            const n = r.uvarint();
            for (let i = 0; i < n; i++) {
              r.uvarint();
              r.skip(r.uvarint());
            }
          }
          return api.responseCodec(version).decode(r);
        },
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: setTimeout(() => {
          // The connection's order is lost with an unanswered request: start again on a new one.
          this.fail(socket, new InterBrokerError(`${api.name} not answered within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.pending.push(p);
      for (const b of frame) socket.write(b);
    });
  }

  private onData(s: Socket, chunk: Buffer): void {
    if (s !== this.socket) return;
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      if (this.frameSize < 0) {
        if (this.bufferedBytes < 4) return;
        this.frameSize = this.take(4).readInt32BE(0);
        if (this.frameSize < 4) {
          this.fail(s, new InterBrokerError(`invalid response size ${this.frameSize}`));
          return;
        }
      }
      if (this.bufferedBytes < this.frameSize) return;
      const frame = this.take(this.frameSize);
      this.frameSize = -1;
      const p = this.pending.shift();
      if (!p) {
        this.fail(s, new InterBrokerError('response without a pending request'));
        return;
      }
      clearTimeout(p.timer);
      try {
        const r = new Reader(frame);
        const id = r.int32();
        if (id !== p.correlationId) throw new InterBrokerError(`correlation id ${id}, expected ${p.correlationId}`);
        p.resolve(p.decode(r));
      } catch (err) {
        p.reject(err);
        this.fail(s, err as Error);
        return;
      }
      if (s !== this.socket) return;
    }
  }

  /** The next n buffered bytes: a view when they lie in one chunk, else one copy (a big response is copied once). */
  private take(n: number): Buffer {
    this.bufferedBytes -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }

  private fail(s: Socket, err: Error): void {
    s.destroy();
    // Late events of an earlier connection concern none of the requests pending now.
    if (s !== this.socket) return;
    this.socket = undefined;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err instanceof InterBrokerError ? err : new InterBrokerError(err.message));
    }
  }

  /** Closes the connection; pending and later requests fail. */
  close(): void {
    this.closed = true;
    if (this.socket) this.fail(this.socket, new InterBrokerError('client closed'));
  }
}
