/**
 * One client connection: frames requests off the socket, decodes them, runs them one at a time in arrival order
 * (as Kafka does, so a client's pipelined produce requests append in order), and writes responses in that order.
 *
 * Bad input never reaches the heap unchecked: a frame size is checked against socket.request.max.bytes before a
 * byte of it is buffered, and any frame that does not decode closes this connection only, logged once (and rate
 * limited per reason, so a flood of bad connections cannot flood the log).
 *
 * Everything that runs on behalf of one request (the handler, the promise it returns, the encoding of its
 * response) is guarded: a failure there closes this connection only and is logged once at ERROR with the API,
 * version, client id (escaped: it is whatever bytes the client sent) and peer.
 *
 * Client quotas are enforced here as Kafka's socket server does (KIP-219): a request over its quota is answered at
 * once with throttle_time_ms set, and then the connection is muted (nothing more is read or handled) for that
 * time. Produce bytes and request time are recorded here; Fetch bytes by the Fetch handler, which knows the
 * response size before it builds the response. Without any quota configured this costs one check per request.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { API_BY_KEY } from '../protocol/messages/index.js';
import { ApiVersions } from '../protocol/messages/api-versions.js';
import { decodeRequestHeader, encodeResponseHeader, skipTaggedFields, type RequestHeader } from '../protocol/header.js';
import { ByteQueue } from '../protocol/byte-queue.js';
import { DecodeError, Reader, Writer } from '../protocol/primitives.js';
import type { Api } from '../protocol/schema.js';
import type { Logger } from '../storage/logger.js';
import { escapeBytesForLog, LogLimiter } from './logger.js';
import { UNSUPPORTED_VERSION, type Dispatcher } from './dispatch.js';
import { Context, isSaslProtocol, type ListenerContext } from './request-context.js';
import { ANONYMOUS, type Principal } from '../security/authorizer.js';
import { channels, type ConnectionEvent, type RequestEvent } from './observe.js';
import type { ClientQuotas } from './quotas/client-quotas.js';
import type { SaslSession } from './sasl.js';

/** APIs Kafka does not count against request_percentage: authentication and inter-broker requests. */
const REQUEST_QUOTA_EXEMPT = new Set([17 /* SaslHandshake */, 27 /* WriteTxnMarkers */, 36 /* SaslAuthenticate */]);
const PRODUCE_KEY = 0;
/** Most Produce requests of one connection appended and waiting for their acknowledgement at once. */
const MAX_PIPELINED = 16;
/** What a SASL listener serves before authentication: ApiVersions, SaslHandshake, SaslAuthenticate. */
const PRE_AUTHENTICATION_APIS = new Set([18, 17, 36]);

export interface ConnectionLimits {
  maxRequestBytes: number;
  idleTimeoutMs: number;
}

let nextConnectionId = 1;

/** One limiter per logger (that is, per broker), shared by its connections. */
const closeWarnings = new WeakMap<Logger, LogLimiter>();
const requestFailures = new WeakMap<Logger, LogLimiter>();

function limiter(map: WeakMap<Logger, LogLimiter>, log: Logger, level: 'warn' | 'error'): LogLimiter {
  let l = map.get(log);
  if (l === undefined) {
    l = new LogLimiter(log, level === 'warn' ? 5 : 20, 10_000, level);
    map.set(log, l);
  }
  return l;
}

/** The client id of a request frame as the bytes that arrived, escaped for a log line. */
function loggedClientId(frame: Buffer): string {
  if (frame.length < 10) return '-';
  const n = frame.readInt16BE(8);
  if (n < 0) return '-';
  return escapeBytesForLog(frame.subarray(10, Math.min(frame.length, 10 + n)));
}

export class Connection {
  readonly id = nextConnectionId++;
  readonly remote: string;
  /** The peer's address without port. */
  readonly remoteHost: string;
  private readonly received = new ByteQueue();
  /** Size of the frame being assembled, or -1 while its size prefix is not complete. */
  private frameSize = -1;
  private queue: Buffer[] = [];
  /** Arrival time of each queued frame (performance.now()), taken only while someone observes requests. */
  private arrivals: number[] = [];
  private running = false;
  private closed = false;
  private paused = false;
  /** Muted for a quota: the socket is not read and queued requests wait until the timer fires. */
  private muted = false;
  private mutedUntil = 0;
  private muteTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  /** Who is on the other end: from the client certificate (SSL), from SASL, or User:ANONYMOUS. */
  principal: Principal = ANONYMOUS;
  /** False on a SASL listener until the SASL handlers call authenticate(); only then is every API served. */
  authenticated: boolean;
  /** Set by the SASL session for the v0 flow: frames are raw SASL tokens, not requests. */
  rawTokens = false;
  /** SASL authentication state on a SASL listener; undefined on PLAINTEXT and SSL listeners. */
  readonly sasl: SaslSession | undefined;
  /** Set when the connection is to be closed as soon as the response being written is out. */
  private ending = false;
  /** Pipelined requests not yet answered. */
  private outstanding = 0;
  /** The promises of the responses not yet written, oldest first (they settle in this order; the last is the tail). */
  private readonly inflight: Array<Promise<void>> = [];

  constructor(
    private readonly socket: Socket,
    private readonly dispatcher: Dispatcher,
    private readonly limits: ConnectionLimits,
    /** The listener this connection came in on: its name, security protocol and the authorizer. */
    readonly listener: ListenerContext,
    logger: Logger,
    private readonly onClose: (c: Connection) => void,
  ) {
    this.remoteHost = socket.remoteAddress ?? '';
    this.remote = `${this.remoteHost}:${socket.remotePort}`;
    this.log = logger;
    this.authenticated = !isSaslProtocol(listener.securityProtocol);
    this.sasl = listener.authenticator?.session(this);
    socket.setNoDelay(true);
    if (limits.idleTimeoutMs > 0) {
      socket.setTimeout(limits.idleTimeoutMs, () => this.close('idle for connections.max.idle.ms', 'idle'));
    }
    socket.on('data', (d) => this.onData(d));
    socket.on('error', (err) => this.log.debug({ conn: this.remote, err: err.message }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      if (this.muteTimer !== undefined) clearTimeout(this.muteTimer);
      this.onClose(this);
      if (channels.connection.hasSubscribers) this.publishConnection('close');
    });
    if (channels.connection.hasSubscribers) this.publishConnection('open');
    if (listener.sslPrincipal !== undefined && listener.securityProtocol === 'SSL') {
      const tls = socket as TLSSocket;
      const cert = tls.authorized ? tls.getPeerX509Certificate?.() : undefined;
      if (cert !== undefined) {
        const p = listener.sslPrincipal(cert);
        if (p instanceof Error) this.close(p.message, 'no principal for the client certificate');
        else this.principal = p;
      }
    }
  }

  /** Called by the SASL handlers once the client has authenticated: from now on every API is served. */
  authenticate(principal: Principal): void {
    this.principal = principal;
    this.authenticated = true;
  }

  private publishConnection(kind: ConnectionEvent['kind']): void {
    channels.connection.publish({
      kind,
      listener: this.listener.listenerName,
      remote: this.remote,
      connectionId: this.id,
    } satisfies ConnectionEvent);
  }

  /** Closes the connection once the response now being handled is written (a failed authentication). */
  endAfterResponse(): void {
    this.ending = true;
  }

  /**
   * Closes the connection; with a reason, warns (rate limited per `kind`, the reason without its varying details).
   * Anything in `reason` that a client sent must already be escaped.
   */
  close(reason?: string, kind = reason): void {
    if (this.closed) return;
    this.closed = true;
    if (this.muteTimer !== undefined) clearTimeout(this.muteTimer);
    if (reason) {
      limiter(closeWarnings, this.log, 'warn').write(
        `closing connection: ${kind}`,
        { conn: this.remote },
        `closing connection: ${reason}`,
      );
    }
    this.socket.destroy();
  }

  /** A request failed after it decoded (handler, its promise, or the encoding of its response): close, log once. */
  private fail(api: Api, header: RequestHeader, frame: Buffer, stage: string, err: unknown): void {
    if (this.closed) return;
    limiter(requestFailures, this.log, 'error').write(
      `request failed: ${api.name}`,
      {
        conn: this.remote,
        api: api.name,
        version: header.apiVersion,
        correlationId: header.correlationId,
        clientId: loggedClientId(frame),
        err: String((err as Error)?.stack ?? err),
      },
      `${api.name} v${header.apiVersion} request failed in ${stage}; closing the connection`,
    );
    this.close();
  }

  private onData(data: Buffer): void {
    this.received.push(data);
    for (;;) {
      if (this.frameSize < 0) {
        if (this.received.length < 4) return;
        const size = this.received.peekInt32();
        if (this.sasl !== undefined && !this.authenticated) {
          // Before authentication: small frames only (a raw SASL token may be shorter than a request header).
          const max = this.sasl.maxFrameBytes(this.limits.maxRequestBytes);
          if (size < (this.rawTokens ? 0 : 8) || size > max) {
            this.close(
              `frame of ${size} bytes from an unauthenticated client (sasl.server.max.receive.size ${max})`,
              'invalid frame before SASL authentication',
            );
            return;
          }
        } else if (size < 8 || size > this.limits.maxRequestBytes) {
          // The smallest request header (api key, version, correlation id) is 8 bytes.
          this.close(
            size < 8
              ? `invalid request size ${size}`
              : `request of ${size} bytes exceeds socket.request.max.bytes (${this.limits.maxRequestBytes})`,
            size < 8 ? 'invalid request size' : 'request too large',
          );
          return;
        }
        this.received.take(4);
        this.frameSize = size;
      }
      if (this.received.length < this.frameSize) return;
      const frame = this.received.take(this.frameSize);
      this.frameSize = -1;
      this.queue.push(frame);
      this.arrivals.push(channels.request.hasSubscribers ? performance.now() : 0);
      if (!this.running) this.pump();
      if (this.closed) return;
    }
  }

  /**
   * Runs queued requests in order; synchronous handlers run back to back within one tick. Each response is written
   * as soon as it is ready rather than held for the ones behind it: a pipelining client waits on its oldest request.
   * A Produce that has appended everything and only waits (acks=all for the in-sync replicas, or a flush) lets the
   * next Produce of the connection be appended meanwhile; anything else waits until those are answered, and
   * responses always go out in request order.
   */
  private pump(): void {
    this.running = true;
    while (this.queue.length > 0 && !this.closed && !this.muted) {
      const frame = this.queue[0]!;
      if (this.outstanding > 0) {
        const produce = frame.length >= 2 && frame.readInt16BE(0) === PRODUCE_KEY;
        // A Produce past the pipelining limit waits for the oldest answer (the window slides); anything else for
        // every answer before it.
        const wait = !produce ? this.inflight.at(-1) : this.outstanding >= MAX_PIPELINED ? this.inflight[0] : undefined;
        if (wait !== undefined) {
          wait.then(() => {
            if (!this.closed) this.pump();
          });
          return;
        }
      }
      this.queue.shift();
      const arrived = this.arrivals.shift()!;
      const pending = this.handle(frame, arrived);
      if (pending !== undefined) {
        pending.then(
          () => {
            if (this.closed) return;
            this.pump();
          },
          (err) => {
            // handle() settles its promise only after catching; this is a backstop.
            this.log.error({ conn: this.remote, err: String(err?.stack ?? err) }, 'request failed');
            this.close();
          },
        );
        return;
      }
    }
    this.running = false;
  }

  /**
   * Runs `write` with the handler's result once every earlier pipelined response is out; returns the promise of
   * that write, which becomes the new tail. The write and the failure callback never throw out of it.
   */
  private enqueueResponse(
    result: unknown,
    write: (res: unknown) => void,
    failed: (err: unknown) => void,
  ): Promise<void> {
    const before = this.inflight.at(-1);
    this.outstanding++;
    const done = (before === undefined ? Promise.resolve(result) : before.then(() => result)).then(
      (res) => {
        this.outstanding--;
        write(res);
      },
      (err) => {
        this.outstanding--;
        failed(err);
      },
    );
    this.inflight.push(done);
    void done.then(() => {
      this.inflight.shift();
    });
    return done;
  }

  /** Handles one frame; returns a promise when the handler is asynchronous. */
  private handle(frame: Buffer, arrived: number): Promise<void> | undefined {
    if (this.rawTokens) return this.handleRawToken(frame);
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = decodeRequestHeader(r);
    } catch {
      this.close('request header does not decode');
      return undefined;
    }
    try {
      return this.handleDecoded(frame, r, header, arrived);
    } catch (err) {
      // Only reachable through a bug outside the guarded steps below; still costs only this connection.
      this.log.error({ conn: this.remote, err: String((err as Error)?.stack ?? err) }, 'request failed');
      this.close();
      return undefined;
    }
  }

  /** A raw SASL token (after a v0 SaslHandshake), answered with a raw length-prefixed token. */
  private handleRawToken(frame: Buffer): Promise<void> | undefined {
    if (this.sasl === undefined) {
      this.close('raw SASL token on a listener without SASL', 'unexpected SASL token');
      return undefined;
    }
    const reply = this.sasl.rawToken(frame);
    if (reply instanceof Promise) {
      return reply.then(() => this.close());
    }
    const head = Buffer.allocUnsafe(4);
    head.writeInt32BE(reply.length, 0);
    this.socket.write(reply.length > 0 ? Buffer.concat([head, reply]) : head);
    return undefined;
  }

  private handleDecoded(frame: Buffer, r: Reader, header: RequestHeader, arrived: number): Promise<void> | undefined {
    if (!this.authenticated && !PRE_AUTHENTICATION_APIS.has(header.apiKey)) {
      const name = API_BY_KEY.get(header.apiKey)?.name ?? `API key ${header.apiKey}`;
      this.close(
        `${name} request before SASL authentication on listener ${this.listener.listenerName}`,
        'request before SASL authentication',
      );
      return undefined;
    }
    if (this.sasl !== undefined) {
      const refusal = this.sasl.refuse(header.apiKey);
      if (refusal !== undefined) {
        this.close(`${refusal} (client ${loggedClientId(frame)})`, 'request refused by SASL state');
        return undefined;
      }
    }
    const api = API_BY_KEY.get(header.apiKey);
    const entry = this.dispatcher.lookup(header.apiKey);
    if (api === undefined || entry === undefined) {
      this.close(`unsupported API key ${header.apiKey} (client ${loggedClientId(frame)})`, 'unsupported API key');
      return undefined;
    }
    if (!entry.api.supports(header.apiVersion) || header.apiVersion > entry.maxVersion) {
      if (header.apiKey === ApiVersions.key) {
        // Answer in v0 form so that a newer client learns our range and retries with a version we speak.
        try {
          this.send(ApiVersions, 0, header.correlationId, {
            errorCode: UNSUPPORTED_VERSION,
            apiKeys: this.dispatcher.advertised(),
          });
        } catch (err) {
          this.fail(api, header, frame, 'encoding the response', err);
        }
        return undefined;
      }
      this.close(
        `unsupported version ${header.apiVersion} of ${api.name} (client ${loggedClientId(frame)})`,
        'unsupported version',
      );
      return undefined;
    }
    let body: unknown;
    try {
      if (api.requestHeaderVersion(header.apiVersion) >= 2) skipTaggedFields(r);
      body = api.requestCodec(header.apiVersion).decode(r);
    } catch (err) {
      const why = err instanceof DecodeError ? err.message : String(err);
      this.close(
        `malformed ${api.name} v${header.apiVersion} request from client ${loggedClientId(frame)}: ${why}`,
        'malformed request',
      );
      return undefined;
    }
    const ctx = new Context(header, this, this.listener, this.principal);
    const started = channels.request.hasSubscribers ? performance.now() : 0;
    const quotas = this.listener.quotas?.active ? this.listener.quotas : undefined;
    const quotaStart = quotas ? performance.now() : 0;
    let result: unknown;
    try {
      result = entry.handler(ctx, body);
    } catch (err) {
      this.fail(api, header, frame, 'its handler', err);
      return undefined;
    }
    // Only the synchronous part occupied the event loop; time spent waiting (long polls, flushes) is not counted.
    const busyMs = quotas ? performance.now() - quotaStart : 0;
    const complete = (res: unknown): void => {
      let sent = 0;
      try {
        if (quotas) res = this.recordQuotas(quotas, ctx, api.key, frame.length, res, busyMs);
        if (res !== null && !this.closed) sent = this.send(api, header.apiVersion, header.correlationId, res);
      } catch (err) {
        this.fail(api, header, frame, 'encoding the response', err);
        return;
      }
      if (ctx.throttleMs > 0) this.mute(ctx.throttleMs);
      if (channels.request.hasSubscribers) this.observe(api, header, frame.length, sent, arrived, started, res);
    };
    const failed = (err: unknown): void => this.fail(api, header, frame, 'its handler', err);
    if (this.outstanding > 0) {
      // Behind pipelined responses (only a Produce gets here): answered after them. The next request waits for
      // this one only when its handler still has work to do.
      const done = this.enqueueResponse(result, complete, failed);
      return ctx.pipelined || !(result instanceof Promise) ? undefined : done;
    }
    if (result instanceof Promise) {
      if (ctx.pipelined && quotas === undefined) {
        this.enqueueResponse(result, complete, failed);
        return undefined;
      }
      return result.then(complete, failed);
    }
    complete(result);
    return undefined;
  }

  /**
   * Records a Produce request's bytes and the request's handling time against the client's quotas, as Kafka does
   * (no request quota for acks=0, whose response is never sent), and returns the response with throttle_time_ms
   * set to the longest throttle when one applies (a copy: handlers may return shared objects).
   */
  private recordQuotas(
    quotas: ClientQuotas,
    ctx: Context,
    apiKey: number,
    requestBytes: number,
    res: unknown,
    busyMs: number,
  ): unknown {
    const now = Date.now();
    const user = ctx.principal.name;
    if (apiKey === PRODUCE_KEY) ctx.throttle(quotas.recordProduce(user, ctx.clientId, requestBytes, now));
    if (!ctx.quotaExempt && !REQUEST_QUOTA_EXEMPT.has(apiKey) && !(apiKey === PRODUCE_KEY && res === null)) {
      ctx.throttle(quotas.recordRequestTime(user, ctx.clientId, busyMs, now));
    }
    if (ctx.throttleMs > 0 && res !== null && typeof res === 'object' && 'throttleTimeMs' in res) {
      const current = (res as { throttleTimeMs: number }).throttleTimeMs;
      if (current < ctx.throttleMs) return { ...res, throttleTimeMs: ctx.throttleMs };
    }
    return res;
  }

  /**
   * Stops reading from the socket and handling queued requests for `ms` (Kafka mutes a throttled channel after its
   * response is sent; the response here is already written). A longer mute extends a shorter one.
   */
  mute(ms: number): void {
    const until = Date.now() + ms;
    if (this.closed || ms <= 0 || until <= this.mutedUntil) return;
    this.mutedUntil = until;
    if (!this.muted) {
      this.muted = true;
      this.socket.pause();
    }
    if (this.muteTimer !== undefined) clearTimeout(this.muteTimer);
    this.muteTimer = setTimeout(() => this.unmute(), ms);
  }

  private unmute(): void {
    this.muted = false;
    this.mutedUntil = 0;
    this.muteTimer = undefined;
    if (this.closed) return;
    if (!this.paused) this.socket.resume();
    if (!this.running && this.queue.length > 0) this.pump();
  }

  private observe(
    api: Api,
    header: RequestHeader,
    requestBytes: number,
    responseBytes: number,
    arrived: number,
    started: number,
    response: unknown,
  ): void {
    const now = performance.now();
    channels.request.publish({
      apiKey: api.key,
      apiName: api.name,
      apiVersion: header.apiVersion,
      clientId: header.clientId ?? '',
      listener: this.listener.listenerName,
      requestBytes,
      responseBytes,
      queueMs: arrived > 0 && started > 0 ? started - arrived : 0,
      handleMs: started > 0 ? now - started : 0,
      response,
    } satisfies RequestEvent);
  }

  /** Encodes and writes a response; returns its size without the length prefix (0 when the connection is closed). */
  private send(api: Api, version: number, correlationId: number, body: unknown): number {
    if (this.closed) return 0;
    const w = new Writer(512);
    w.int32(0);
    encodeResponseHeader(w, correlationId, api.responseHeaderVersion(version));
    api.responseCodec(version).encode(w, body as never);
    const parts = w.finishFrame();
    let ok = true;
    let size = -4;
    // One writev for a response in several parts (a Fetch response carries the log's buffers as they are).
    if (parts.length > 1) this.socket.cork();
    for (const p of parts) {
      size += p.length;
      ok = this.socket.write(p);
    }
    if (parts.length > 1) this.socket.uncork();
    if (this.ending) {
      // A failed authentication: the answer goes out, then the connection closes.
      this.closed = true;
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 5_000).unref();
      return size;
    }
    if (!ok && !this.paused) {
      // The client is not reading its responses: stop reading its requests until it catches up.
      this.paused = true;
      this.socket.pause();
      this.socket.once('drain', () => {
        this.paused = false;
        if (!this.muted) this.socket.resume();
      });
    }
    return size;
  }
}
