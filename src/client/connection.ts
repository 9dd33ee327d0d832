/**
 * One TCP (or TLS) connection to one broker: size-prefixed frames, pipelined requests matched to responses by correlation
 * id, a timeout per request, and API version negotiation through ApiVersions right after connecting.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ApiVersions } from '../protocol/messages/api-versions.js';
import { ByteQueue } from '../protocol/byte-queue.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { encodeRequestHeader, skipTaggedFields } from '../protocol/header.js';
import type { Api, Encodable } from '../protocol/schema.js';
import { ConnectionError, ErrorCode, KafkaError, RequestTimeoutError } from './errors.js';
import { silentLogger, type ClientLogger } from './logger.js';
import { CLIENT_VERSIONS, negotiate, type VersionRange } from './versions.js';
import { SaslAuthenticate } from '../protocol/messages/sasl-authenticate.js';
import { SaslHandshake } from '../protocol/messages/sasl-handshake.js';
import { clientExchange, type SaslOptions } from './sasl.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  /** Default time to wait for each response. */
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  logger?: ClientLogger;
  /** Node id this connection is for (-1 and below for bootstrap connections); only used in messages. */
  nodeId?: number;
  /** Connect with TLS (security.protocol SSL or SASL_SSL). */
  tls?: ClientTlsOptions;
  /** Authenticate with SASL (a SASL_PLAINTEXT or SASL_SSL listener) right after connecting. */
  sasl?: SaslOptions;
}

/** TLS to the broker: the CA to trust, a client certificate and key, and how the broker's name is checked. */
export interface ClientTlsOptions {
  /** CA certificates (PEM) the broker's certificate must chain to; unset: Node's default CAs. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate chain (PEM), for brokers with ssl.client.auth=required|requested. */
  cert?: string | Buffer;
  /** Client private key (PEM). */
  key?: string | Buffer;
  /** Password of an encrypted key. */
  passphrase?: string;
  /** A PKCS12 keystore holding cert and key, instead of cert and key. */
  pfx?: string | Buffer;
  /** Name sent in SNI and checked against the certificate (default: the broker's host, unless it is an IP). */
  servername?: string;
  /** Check the broker's certificate against `ca` (default true). */
  rejectUnauthorized?: boolean;
  /** Check that the certificate names the host connected to (ssl.endpoint.identification.algorithm=https; default true). */
  checkHostname?: boolean;
}

export interface SendOptions {
  /** Use this version instead of the negotiated one (must be supported by both sides). */
  version?: number;
  /** Overrides the connection's request timeout (e.g. a long-poll fetch adds its max wait). */
  timeoutMs?: number;
  /** The broker sends no response (Produce with acks=0): resolve once written. */
  noResponse?: boolean;
}

interface Pending {
  api: Api;
  version: number;
  deadline: number;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

const SOFTWARE_NAME = 'samsa-client';
const SOFTWARE_VERSION = '0.1.0';

export class BrokerConnection {
  readonly host: string;
  readonly port: number;
  readonly nodeId: number;
  /** Negotiated version per API key, filled in by connect(). */
  readonly versions = new Map<number, number>();
  /** The broker's advertised range per API key. */
  readonly brokerVersions = new Map<number, VersionRange>();
  private socket: Socket | undefined;
  private nextCorrelation = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly received = new ByteQueue();
  private frameSize = -1;
  private timer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private closedError: Error | undefined;
  private readonly log: ClientLogger;
  private reauthTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ConnectionOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.nodeId = opts.nodeId ?? -1;
    this.log = opts.logger ?? silentLogger;
  }

  get connected(): boolean {
    return this.socket !== undefined && this.closedError === undefined && this.connecting === undefined;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Requests awaiting an answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Opens the socket and negotiates versions. */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const { host, port } = this;
    const tls = this.opts.tls;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tls ? this.tlsSocket(tls) : connect({ host, port, noDelay: true });
      const t = setTimeout(() => {
        s.destroy();
        reject(new ConnectionError(`connection to ${host}:${port} timed out after ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(t);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(t);
        reject(new ConnectionError(`cannot connect to ${host}:${port}: ${err.message}`, { cause: err }));
      });
    });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) =>
      this.fail(new ConnectionError(`connection to ${host}:${port} failed: ${err.message}`, { cause: err })),
    );
    socket.on('close', () => this.fail(new ConnectionError(`connection to ${host}:${port} closed`)));
    this.timer = setInterval(() => this.checkTimeouts(), 100);
    this.timer.unref();
    await this.negotiateVersions();
    if (this.opts.sasl !== undefined) await this.authenticate(this.opts.sasl);
    this.log.debug('connected', { host, port, nodeId: this.nodeId });
  }

  private tlsSocket(tls: ClientTlsOptions): Socket {
    const { host, port } = this;
    const isIp = /^[\d.]+$|:/.test(host);
    const s = tlsConnect({
      host,
      port,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      pfx: tls.pfx,
      passphrase: tls.passphrase,
      servername: tls.servername ?? (isIp ? undefined : host),
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      ...(tls.checkHostname === false ? { checkServerIdentity: () => undefined } : {}),
    });
    s.setNoDelay(true);
    return s;
  }

  /**
   * Asks for the broker's version ranges with the newest ApiVersions we know. A broker that does not know that
   * version answers in v0 form with UNSUPPORTED_VERSION and its own range, and we ask again within it.
   */
  private async negotiateVersions(): Promise<void> {
    let version = ApiVersions.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await this.sendRaw(ApiVersions, version, {
        clientSoftwareName: SOFTWARE_NAME,
        clientSoftwareVersion: SOFTWARE_VERSION,
      });
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const theirs = res.apiKeys.find((k) => k.apiKey === ApiVersions.key);
        const next = theirs ? Math.min(theirs.maxVersion, ApiVersions.maxVersion) : 0;
        if (next === version) break;
        version = next;
        continue;
      }
      if (res.errorCode !== 0) throw new KafkaError(res.errorCode, `ApiVersions failed on ${this.host}:${this.port}`);
      for (const k of res.apiKeys) {
        this.brokerVersions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
        const ours = CLIENT_VERSIONS.get(k.apiKey);
        if (!ours) continue;
        const v = negotiate(ours, { min: k.minVersion, max: k.maxVersion });
        if (v >= 0) this.versions.set(k.apiKey, v);
      }
      return;
    }
    throw new KafkaError(
      ErrorCode.UNSUPPORTED_VERSION,
      `no ApiVersions version in common with ${this.host}:${this.port}`,
    );
  }

  /**
   * SASL: SaslHandshake names the mechanism, SaslAuthenticate carries its tokens. When the broker gives the session
   * a lifetime (connections.max.reauth.ms), the connection re-authenticates at 85-95% of it, as Kafka's clients do.
   */
  private async authenticate(sasl: SaslOptions): Promise<void> {
    const exchange = clientExchange(sasl);
    const where = `${this.host}:${this.port}`;
    const hs = await this.send(SaslHandshake, { mechanism: exchange.mechanism });
    if (hs.errorCode !== 0) {
      const offered = hs.mechanisms.length > 0 ? ` (the broker offers ${hs.mechanisms.join(', ')})` : '';
      throw new KafkaError(hs.errorCode, `SASL ${exchange.mechanism} refused by ${where}${offered}`);
    }
    let token: Buffer | null = exchange.first();
    let lifetimeMs = 0;
    while (token !== null) {
      const res = await this.send(SaslAuthenticate, { authBytes: token });
      if (res.errorCode !== 0) {
        throw new KafkaError(
          res.errorCode,
          `SASL ${exchange.mechanism} authentication with ${where} failed: ${res.errorMessage ?? ''}`,
        );
      }
      lifetimeMs = Number(res.sessionLifetimeMs ?? 0);
      try {
        token = exchange.next(Buffer.from(res.authBytes));
      } catch (e) {
        throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, `SASL with ${where}: ${(e as Error).message}`);
      }
    }
    if (this.reauthTimer !== undefined) clearTimeout(this.reauthTimer);
    this.reauthTimer = undefined;
    if (lifetimeMs > 0) {
      const after = Math.floor(lifetimeMs * (0.85 + Math.random() * 0.1));
      this.reauthTimer = setTimeout(() => {
        this.reauthTimer = undefined;
        if (this.closedError !== undefined) return;
        this.authenticate(sasl).catch((err) =>
          this.fail(new ConnectionError(`re-authentication with ${where} failed: ${(err as Error).message}`)),
        );
      }, after);
      this.reauthTimer.unref();
    }
  }

  /** Whether the broker offers this API at a version the client can use. */
  supports(api: Api): boolean {
    return this.versions.has(api.key);
  }

  /** Sends a request with the negotiated version; resolves with the decoded response. */
  send<Req, Res>(api: Api<Req, Res>, request: Encodable<Req>, options?: SendOptions): Promise<Res> {
    let version = options?.version;
    if (version === undefined) {
      version = this.versions.get(api.key);
      if (version === undefined) {
        return Promise.reject(
          new KafkaError(
            ErrorCode.UNSUPPORTED_VERSION,
            `${this.host}:${this.port} does not support ${api.name} at any version this client can use`,
          ),
        );
      }
    }
    return this.sendRaw(api, version, request, options);
  }

  private sendRaw<Req, Res>(
    api: Api<Req, Res>,
    version: number,
    request: Encodable<Req>,
    options?: SendOptions,
  ): Promise<Res> {
    const socket = this.socket;
    if (this.closedError || socket === undefined) {
      return Promise.reject(this.closedError ?? new ConnectionError(`not connected to ${this.host}:${this.port}`));
    }
    const correlationId = this.nextCorrelation;
    this.nextCorrelation = (this.nextCorrelation + 1) & 0x7fffffff;
    const w = new Writer(512);
    w.int32(0);
    encodeRequestHeader(
      w,
      { apiKey: api.key, apiVersion: version, correlationId, clientId: this.opts.clientId },
      api.requestHeaderVersion(version),
    );
    try {
      api.requestCodec(version).encode(w, request);
    } catch (e) {
      return Promise.reject(e);
    }
    const parts = w.finishFrame();
    if (options?.noResponse) {
      return new Promise<Res>((resolve, reject) => {
        this.write(socket, parts, (err) =>
          err ? reject(new ConnectionError(err.message, { cause: err })) : resolve(undefined as Res),
        );
      });
    }
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(correlationId, {
        api,
        version,
        deadline: Date.now() + (options?.timeoutMs ?? this.opts.requestTimeoutMs),
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.write(socket, parts);
    });
  }

  private write(socket: Socket, parts: Buffer[], cb?: (err?: Error | null) => void): void {
    if (parts.length === 1) {
      socket.write(parts[0]!, cb);
      return;
    }
    socket.cork();
    for (let i = 0; i < parts.length - 1; i++) socket.write(parts[i]!);
    socket.write(parts[parts.length - 1]!, cb);
    socket.uncork();
  }

  private onData(chunk: Buffer): void {
    this.received.push(chunk);
    for (;;) {
      if (this.frameSize < 0) {
        if (this.received.length < 4) return;
        this.frameSize = this.received.take(4).readInt32BE(0);
      }
      if (this.received.length < this.frameSize) return;
      const frame = this.received.take(this.frameSize);
      this.frameSize = -1;
      this.onFrame(frame);
      if (this.closedError) return;
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (p === undefined) {
      // Responses come back in request order; one we did not ask for means the stream is out of step.
      this.fail(new ConnectionError(`unexpected correlation id ${correlationId} from ${this.host}:${this.port}`));
      return;
    }
    this.pending.delete(correlationId);
    const r = new Reader(frame, 4);
    try {
      if (p.api.responseHeaderVersion(p.version) >= 1) skipTaggedFields(r);
      let version = p.version;
      // A broker that rejects our ApiVersions version answers in v0 form.
      if (p.api.key === ApiVersions.key && frame.length >= 6 && frame.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION)
        version = 0;
      p.resolve(p.api.responseCodec(version).decode(r));
    } catch (e) {
      p.reject(
        new KafkaError(
          ErrorCode.CORRUPT_MESSAGE,
          `cannot decode ${p.api.name} v${p.version} response: ${(e as Error).message}`,
        ),
      );
    }
  }

  private checkTimeouts(): void {
    if (this.pending.size === 0) return;
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) {
        // Responses are ordered, so a late one would arrive ahead of every later one: the connection is unusable.
        const err = new RequestTimeoutError(`${p.api.name} to ${this.host}:${this.port} got no answer in time`);
        this.pending.delete(id);
        p.reject(err);
        this.fail(new ConnectionError(`connection to ${this.host}:${this.port} dropped after a request timed out`));
        return;
      }
    }
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    if (this.timer) clearInterval(this.timer);
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    this.socket?.destroy();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
    this.received.clear();
  }

  /** Closes the socket; requests still waiting fail with a ConnectionError. */
  close(): void {
    this.fail(new ConnectionError(`connection to ${this.host}:${this.port} closed by the client`));
  }
}
