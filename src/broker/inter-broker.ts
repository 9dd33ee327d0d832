/**
 * The inter-broker client: one TCP connection from this broker to a peer, speaking the Kafka protocol through
 * Samsa's own schemas (src/protocol). Followers fetch with it and leaders on other brokers are sent transaction
 * markers with it. Requests are pipelined and answered in order; a request not answered within its timeout, or
 * a connection that fails, fails every pending request and the next `send` connects again.
 *
 * The connection has the security of the inter-broker listener (see inter-broker-security.ts): TLS with the
 * broker's keystore as its client certificate and its truststore as the CAs, and a SASL exchange (PLAIN or
 * SCRAM) with the broker's own user before the first request is sent.
 */
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ByteQueue } from '../protocol/byte-queue.js';
import { FrameReader } from '../protocol/frame-reader.js';
import { encodeRequestHeader } from '../protocol/header.js';
import { SaslAuthenticate } from '../protocol/messages/sasl-authenticate.js';
import { SaslHandshake } from '../protocol/messages/sasl-handshake.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { clientExchange } from '../protocol/sasl.js';
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

/** How to reach peers on the inter-broker listener: plaintext when both are absent. */
export interface InterBrokerSecurity {
  /** Name of the inter-broker listener, for messages. */
  listener: string;
  /** TLS (SSL and SASL_SSL): options of `tls.connect` (client certificate, CAs, hostname check). */
  tls?: ConnectionOptions;
  /** SASL (SASL_PLAINTEXT and SASL_SSL): the mechanism and the broker's own user. */
  sasl?: { mechanism: string; username: string; password: string };
}

export class InterBrokerClient {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private nextId = 1;
  /** Received bytes not yet made into frames, in arrival order (joined once per frame, not once per chunk). */
  private readonly received = new ByteQueue();
  /** Size of the frame being received (its 4-byte length read), or -1. */
  private frameSize = -1;
  private pending: Pending[] = [];
  private closed = false;

  constructor(
    /** Resolves the peer's address at each connect (it may move, or be known only later). */
    private readonly address: () => PeerAddress | undefined,
    private readonly clientId: string,
    private readonly connectTimeoutMs = 10_000,
    /**
     * The inter-broker listener's security, read at each connect (so renewed certificates are used by the next
     * connection); plaintext when absent or undefined.
     */
    private readonly security?: () => InterBrokerSecurity | undefined,
  ) {}

  private open(): Promise<Socket> {
    // A connection still authenticating is not ready for requests: wait for it.
    if (this.connecting) return this.connecting;
    if (this.socket !== undefined && !this.socket.destroyed) return Promise.resolve(this.socket);
    const addr = this.address();
    if (addr === undefined) return Promise.reject(new InterBrokerError('no address known for the peer'));
    let security: InterBrokerSecurity | undefined;
    try {
      security = this.security?.();
    } catch (err) {
      return Promise.reject(new InterBrokerError(`inter-broker security: ${(err as Error).message}`));
    }
    const sasl = security?.sasl;
    const connecting = this.connectSocket(addr, security).then(async (s) => {
      if (sasl === undefined) return s;
      try {
        await this.authenticate(s, addr, security!.listener, sasl);
      } catch (err) {
        this.fail(s, err as Error);
        throw err;
      }
      return s;
    });
    this.connecting = connecting;
    const clear = () => {
      if (this.connecting === connecting) this.connecting = undefined;
    };
    connecting.then(clear, clear);
    return connecting;
  }

  /**
   * SaslHandshake v1 names the mechanism, SaslAuthenticate v2 carries the tokens. A refusal fails the connection
   * with the broker's reason, which the caller logs (a wrong inter-broker password shows up there). When the peer
   * gives the session a lifetime (connections.max.reauth.ms, KIP-368), the same exchange runs again on the same
   * connection at 85-95% of it, between the requests in flight, as Kafka's clients do.
   */
  private async authenticate(
    s: Socket,
    addr: PeerAddress,
    listener: string,
    sasl: NonNullable<InterBrokerSecurity['sasl']>,
  ): Promise<void> {
    const exchange = clientExchange(sasl);
    const where = `${addr.host}:${addr.port} (listener ${listener})`;
    const timeoutMs = this.connectTimeoutMs;
    const hs = await this.request(s, SaslHandshake, 1, { mechanism: exchange.mechanism }, timeoutMs);
    if (hs.errorCode !== 0) {
      const offered = hs.mechanisms.length > 0 ? ` (it offers ${hs.mechanisms.join(', ')})` : '';
      throw new InterBrokerError(`SASL ${exchange.mechanism} refused by ${where}${offered}`);
    }
    let token: Buffer | null = exchange.first();
    let lifetimeMs = 0;
    while (token !== null) {
      const res = await this.request(s, SaslAuthenticate, 2, { authBytes: token }, timeoutMs);
      lifetimeMs = Number(res.sessionLifetimeMs ?? 0);
      if (res.errorCode !== 0) {
        throw new InterBrokerError(
          `SASL ${exchange.mechanism} authentication as ${sasl.username} with ${where} failed: ${res.errorMessage ?? `error ${res.errorCode}`}`,
        );
      }
      try {
        token = exchange.next(Buffer.from(res.authBytes));
      } catch (e) {
        throw new InterBrokerError(`SASL ${exchange.mechanism} with ${where}: ${(e as Error).message}`);
      }
    }
    if (lifetimeMs > 0) {
      const timer = setTimeout(
        () => {
          if (s.destroyed || s !== this.socket) return;
          this.authenticate(s, addr, listener, sasl).catch((err) =>
            this.fail(s, new InterBrokerError(`re-authentication: ${(err as Error).message}`)),
          );
        },
        Math.floor(lifetimeMs * (0.85 + Math.random() * 0.1)),
      );
      timer.unref();
      s.once('close', () => clearTimeout(timer));
    }
  }

  private connectSocket(addr: PeerAddress, security: InterBrokerSecurity | undefined): Promise<Socket> {
    const tls = security?.tls;
    return new Promise<Socket>((resolve, reject) => {
      // Plaintext: reads land where the frame being received goes (a replica fetch answer is copied once); TLS
      // sockets hand out decrypted chunks, joined by the byte queue.
      const reader = tls
        ? undefined
        : new FrameReader(
            (frame) => this.onFrame(s, frame),
            (size) => this.fail(s, new InterBrokerError(`invalid response size ${size}`)),
          );
      const s: Socket = tls
        ? tlsConnect({
            ...tls,
            host: addr.host,
            port: addr.port,
            // SNI carries host names only.
            ...(isIP(addr.host) === 0 && tls.servername === undefined ? { servername: addr.host } : {}),
          })
        : connect({
            host: addr.host,
            port: addr.port,
            onread: {
              buffer: reader!.buffer,
              callback: (n) => {
                reader!.received(n);
                return true;
              },
            },
          });
      s.setNoDelay(true);
      const timer = setTimeout(() => s.destroy(new InterBrokerError('connect timed out')), this.connectTimeoutMs);
      const onError = (err: Error) => {
        clearTimeout(timer);
        const what = tls ? `TLS to ${addr.host}:${addr.port} (listener ${security?.listener})` : '';
        reject(
          new InterBrokerError(
            what !== ''
              ? `${what} failed: ${err.message}`
              : `cannot connect to ${addr.host}:${addr.port}: ${err.message}`,
          ),
        );
      };
      s.once('error', onError);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.off('error', onError);
        if (this.closed) {
          s.destroy();
          reject(new InterBrokerError('client closed'));
          return;
        }
        this.socket = s;
        this.received.clear();
        this.frameSize = -1;
        if (reader === undefined) s.on('data', (chunk: Buffer) => this.onData(s, chunk));
        s.on('error', (err) => this.fail(s, err));
        s.on('close', () => this.fail(s, new InterBrokerError('connection closed')));
        resolve(s);
      });
    });
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
    return this.request(socket, api, version, body, timeoutMs);
  }

  private request<A extends Api>(
    socket: Socket,
    api: A,
    version: number,
    body: Encodable<RequestOf<A>>,
    timeoutMs: number,
  ): Promise<ResponseOf<A>> {
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
    this.received.push(chunk);
    for (;;) {
      if (this.frameSize < 0) {
        if (this.received.length < 4) return;
        this.frameSize = this.received.take(4).readInt32BE(0);
        if (this.frameSize < 4) {
          this.fail(s, new InterBrokerError(`invalid response size ${this.frameSize}`));
          return;
        }
      }
      if (this.received.length < this.frameSize) return;
      const frame = this.received.take(this.frameSize);
      this.frameSize = -1;
      if (!this.onFrame(s, frame)) return;
    }
  }

  /** Answers the oldest pending request with `frame`; false when the connection failed (or was replaced). */
  private onFrame(s: Socket, frame: Buffer): boolean {
    if (s !== this.socket) return false;
    if (frame.length < 4) {
      this.fail(s, new InterBrokerError(`invalid response size ${frame.length}`));
      return false;
    }
    const p = this.pending.shift();
    if (!p) {
      this.fail(s, new InterBrokerError('response without a pending request'));
      return false;
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
      return false;
    }
    return s === this.socket;
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
