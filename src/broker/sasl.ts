/**
 * SASL on a listener (SASL_PLAINTEXT, SASL_SSL): the per-connection authentication state machine, as Kafka's
 * SaslServerAuthenticator runs it.
 *
 * - Before authentication a connection may send ApiVersions and SaslHandshake; after a v1 handshake only
 *   SaslAuthenticate; after a v0 handshake the client sends its tokens as raw length-prefixed frames without Kafka
 *   headers, answered the same way. Anything else closes the connection (Kafka's IllegalSaslStateException), and
 *   frames are limited to `sasl.server.max.receive.size` until the client is authenticated.
 * - A failed login is answered with SASL_AUTHENTICATION_FAILED and a message (or, in the raw flow, by closing),
 *   after `connection.failed.authentication.delay.ms`, doubled for each recent failure from the same address (up
 *   to 32 times); the connection is closed after the answer. It is logged once (rate limited) with the peer
 *   address, published on `samsa:auth-failure`, and counted in the metrics.
 * - `connections.max.reauth.ms` (KIP-368): SaslAuthenticate v1+ tells the client its session lifetime; a client
 *   re-authenticates with SaslHandshake and SaslAuthenticate on the same connection (same mechanism and principal).
 *   A request other than those after the session expired closes the connection.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { SaslAuthenticateResponse } from '../protocol/messages/sasl-authenticate.js';
import type { SaslHandshakeResponse } from '../protocol/messages/sasl-handshake.js';
import type { Principal } from '../security/authorizer.js';
import { createExchange, SaslAuthError, type SaslCredentials, type SaslExchange } from '../security/sasl/mechanisms.js';
import type { Logger } from '../storage/logger.js';
import { LogLimiter } from './logger.js';
import { channels, type AuthFailureEvent, type AuthSuccessEvent } from './observe.js';
import type { SaslAuthenticator } from './request-context.js';

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const EMPTY = Buffer.alloc(0);

/** Recent failed logins per peer address, for the growing delay before a failure is answered. */
export class AuthFailureTracker {
  private readonly failures = new Map<string, { count: number; last: number }>();
  constructor(
    private readonly windowMs = 60_000,
    private readonly maxFactor = 32,
  ) {}

  /** Records one failure from `host` and returns how many recent ones there are (this one included). */
  record(host: string, now: number): number {
    const f = this.failures.get(host);
    if (f === undefined || now - f.last > this.windowMs) {
      if (this.failures.size > 10_000) this.prune(now);
      this.failures.set(host, { count: 1, last: now });
      return 1;
    }
    f.count++;
    f.last = now;
    return f.count;
  }

  /** The delay before answering the `count`th recent failure. */
  delayMs(baseMs: number, count: number): number {
    return baseMs * Math.min(this.maxFactor, 2 ** Math.max(0, count - 1));
  }

  succeeded(host: string): void {
    this.failures.delete(host);
  }

  private prune(now: number): void {
    for (const [h, f] of this.failures) if (now - f.last > this.windowMs) this.failures.delete(h);
  }
}

/** What every connection of one SASL listener shares. */
export interface SaslListenerSettings {
  listenerName: string;
  mechanisms: readonly string[];
  credentials: SaslCredentials;
  /** sasl.server.max.receive.size: the largest frame accepted before authentication. */
  maxReceiveSize: number;
  /** connections.max.reauth.ms; 0 = sessions do not expire. */
  reauthMs: number;
  /** connection.failed.authentication.delay.ms. */
  failureDelayMs: number;
  failures: AuthFailureTracker;
  log: Logger;
}

/** One SASL listener: its settings, and a session for each of its connections. */
export class SaslListener implements SaslAuthenticator {
  constructor(readonly settings: SaslListenerSettings) {}

  get mechanisms(): readonly string[] {
    return this.settings.mechanisms;
  }

  session(connection: SaslPeer): SaslSession {
    return new SaslSession(this.settings, connection);
  }
}

/** What the session needs of its connection. */
export interface SaslPeer {
  readonly remote: string;
  readonly remoteHost: string;
  readonly authenticated: boolean;
  readonly principal: Principal;
  /** The next frames are raw SASL tokens (v0 flow). */
  rawTokens: boolean;
  /** The client proved who it is: every API is served from now on, as `principal`. */
  authenticate(principal: Principal): void;
  /** Closes the connection once the response being written is out. */
  endAfterResponse(): void;
  close(reason?: string, kind?: string): void;
}

const failureLogs = new WeakMap<Logger, LogLimiter>();

function failureLog(log: Logger): LogLimiter {
  let l = failureLogs.get(log);
  if (l === undefined) {
    l = new LogLimiter(log, 10, 10_000, 'warn');
    failureLogs.set(log, l);
  }
  return l;
}

type Phase = 'handshake' | 'authenticate' | 'raw' | 'done';

export class SaslSession {
  private phase: Phase = 'handshake';
  private exchange: SaslExchange | undefined;
  /** Mechanism of the last successful authentication (a re-authentication must use the same one). */
  private mechanism = '';
  /** When the session expires (ms since the epoch); 0 = never. */
  expiresAt = 0;

  constructor(
    private readonly listener: SaslListenerSettings,
    private readonly peer: SaslPeer,
    private readonly now: () => number = Date.now,
  ) {}

  private get authenticated(): boolean {
    return this.peer.authenticated;
  }

  /** The largest frame accepted now. */
  maxFrameBytes(authenticatedMax: number): number {
    return this.authenticated ? authenticatedMax : this.listener.maxReceiveSize;
  }

  /** Why a request with this API key must close the connection now, or undefined when it may be handled. */
  refuse(apiKey: number): string | undefined {
    if (!this.authenticated) {
      if (this.phase === 'handshake' && (apiKey === API_VERSIONS || apiKey === SASL_HANDSHAKE)) return undefined;
      if (this.phase === 'authenticate' && apiKey === SASL_AUTHENTICATE) return undefined;
      return `unexpected request (API key ${apiKey}) during SASL authentication from an unauthenticated client`;
    }
    if (apiKey === SASL_HANDSHAKE || apiKey === SASL_AUTHENTICATE) return undefined;
    if (this.expiresAt > 0 && this.now() > this.expiresAt) {
      return 'SASL session expired (connections.max.reauth.ms) without re-authentication';
    }
    return undefined;
  }

  handshake(version: number, mechanism: string): SaslHandshakeResponse {
    const mechanisms = [...this.listener.mechanisms];
    const reauth = this.authenticated;
    if (this.phase !== 'handshake' && !(reauth && this.phase === 'done')) {
      this.peer.endAfterResponse();
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    }
    if (reauth && (version < 1 || mechanism !== this.mechanism)) {
      this.peer.endAfterResponse();
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    }
    const exchange = mechanisms.includes(mechanism) ? createExchange(mechanism, this.listener.credentials) : undefined;
    if (exchange === undefined) {
      this.failed(
        mechanism.slice(0, 64),
        undefined,
        `Unsupported SASL mechanism ${JSON.stringify(mechanism.slice(0, 64))}`,
      );
      this.peer.endAfterResponse();
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    this.exchange = exchange;
    this.phase = version === 0 ? 'raw' : 'authenticate';
    this.peer.rawTokens = version === 0;
    return { errorCode: 0, mechanisms };
  }

  /** One SaslAuthenticate request; a failure is answered after the failure delay. */
  authenticate(version: number, token: Buffer): SaslAuthenticateResponse | Promise<SaslAuthenticateResponse> {
    const response = (errorCode: number, errorMessage: string | null, authBytes: Buffer, lifetime = 0) => ({
      errorCode,
      errorMessage,
      authBytes,
      sessionLifetimeMs: lifetime,
    });
    if (this.phase !== 'authenticate' || this.exchange === undefined) {
      this.peer.endAfterResponse();
      const msg = this.authenticated
        ? 'SaslAuthenticate request received after successful authentication'
        : 'SaslAuthenticate request received before SaslHandshake';
      return response(ErrorCode.ILLEGAL_SASL_STATE, msg, EMPTY);
    }
    const r = this.step(token);
    if (r.error !== undefined) {
      const delay = this.failureDelay();
      const answer = response(ErrorCode.SASL_AUTHENTICATION_FAILED, r.error, EMPTY);
      this.peer.endAfterResponse();
      if (delay <= 0) return answer;
      return new Promise((res) => setTimeout(() => res(answer), delay));
    }
    return response(0, null, r.challenge, r.done && version >= 1 ? this.listener.reauthMs : 0);
  }

  /**
   * One raw token of the v0 flow. Returns the token to send back, or a promise resolved (after the failure delay)
   * once the connection is to be closed.
   */
  rawToken(token: Buffer): Buffer | Promise<undefined> {
    const r = this.step(token);
    if (r.error === undefined) return r.challenge;
    const delay = this.failureDelay();
    return new Promise((res) => setTimeout(() => res(undefined), delay));
  }

  private step(token: Buffer): { challenge: Buffer; done: boolean; error?: undefined } | { error: string } {
    const exchange = this.exchange!;
    let user: string | undefined;
    try {
      const s = exchange.evaluate(token);
      if (s.user === undefined) return { challenge: s.challenge, done: false };
      user = s.user;
      const reauth = this.authenticated;
      if (reauth && this.peer.principal.name !== user) {
        throw new SaslAuthError('Cannot change principals during re-authentication', user);
      }
      this.peer.authenticate({ type: 'User', name: user });
      this.mechanism = exchange.mechanism;
      this.exchange = undefined;
      this.phase = 'done';
      this.peer.rawTokens = false;
      this.expiresAt = this.listener.reauthMs > 0 ? this.now() + this.listener.reauthMs : 0;
      this.listener.failures.succeeded(this.peer.remoteHost);
      if (channels.authSuccess.hasSubscribers) {
        channels.authSuccess.publish({
          listener: this.listener.listenerName,
          remote: this.peer.remote,
          mechanism: exchange.mechanism,
          principal: `User:${user}`,
          reauthentication: reauth,
        } satisfies AuthSuccessEvent);
      }
      return { challenge: s.challenge, done: true };
    } catch (err) {
      const message = err instanceof SaslAuthError ? err.message : `SASL ${exchange.mechanism} failed`;
      if (!(err instanceof SaslAuthError)) {
        this.listener.log.error({ conn: this.peer.remote, err: String((err as Error)?.stack ?? err) }, 'SASL error');
      }
      this.exchange = undefined;
      this.phase = this.authenticated ? 'done' : 'handshake';
      this.peer.rawTokens = false;
      this.failed(exchange.mechanism, err instanceof SaslAuthError ? (err.user ?? user) : user, message);
      return { error: message };
    }
  }

  private failureDelay(): number {
    const count = this.listener.failures.record(this.peer.remoteHost, this.now());
    return this.listener.failures.delayMs(this.listener.failureDelayMs, count);
  }

  private failed(mechanism: string, user: string | undefined, reason: string): void {
    failureLog(this.listener.log).write(
      'failed authentication',
      { conn: this.peer.remote, listener: this.listener.listenerName, mechanism, user },
      `failed authentication with ${this.peer.remote} (${reason})`,
    );
    if (channels.authFailure.hasSubscribers) {
      channels.authFailure.publish({
        listener: this.listener.listenerName,
        remote: this.peer.remote,
        mechanism,
        user,
        reason,
      } satisfies AuthFailureEvent);
    }
  }
}
