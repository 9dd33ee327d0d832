/**
 * The request context: who is asking and through which door. Every handler receives one: the request header, the
 * connection, the listener it came in on with that listener's security protocol, and the authenticated principal
 * (`User:ANONYMOUS` on PLAINTEXT). `authorize` is the one way a handler asks whether the requester may act on a
 * resource; the broker's Authorizer decides (allow-everything until ACLs are configured).
 */
import type { X509Certificate } from 'node:crypto';
import type { RequestHeader } from '../protocol/header.js';
import {
  ANONYMOUS,
  type AclOperation,
  type Authorizer,
  type Principal,
  type Requester,
  type Resource,
  type ResourceType,
} from '../security/authorizer.js';
import type { Connection } from './connection.js';
import type { ClientQuotas } from './quotas/client-quotas.js';
import type { SaslPeer, SaslSession } from './sasl.js';

/** What a connection knows about its listener, fixed when the connection is accepted. */
export interface ListenerContext {
  /** Listener name, e.g. PLAINTEXT or INTERNAL. */
  listenerName: string;
  /** PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
  securityProtocol: string;
  authorizer: Authorizer;
  /** Client quotas (src/broker/quotas), enforced by the connection and the Fetch handler. */
  quotas?: ClientQuotas;
  /**
   * SSL listeners: the principal of a verified client certificate (User:<subject as an RFC 2253 distinguished
   * name> after ssl.principal.mapping.rules), or an Error when no rule matches (the connection is then closed).
   * Unset, or no client certificate: User:ANONYMOUS.
   */
  sslPrincipal?: (certificate: X509Certificate) => Principal | Error;
  /**
   * SASL_PLAINTEXT and SASL_SSL listeners: the SASL implementation (src/broker/sasl.ts). The connection starts
   * unauthenticated and serves only ApiVersions, SaslHandshake and SaslAuthenticate (every other request closes
   * it) until its SASL session calls `connection.authenticate(principal)`. Without an authenticator the SASL
   * requests are refused too, so nobody gets past authentication.
   */
  authenticator?: SaslAuthenticator;
}

/** True for the security protocols that authenticate with SASL before serving requests. */
export function isSaslProtocol(securityProtocol: string): boolean {
  return securityProtocol === 'SASL_PLAINTEXT' || securityProtocol === 'SASL_SSL';
}

/**
 * The seam SASL plugs into: each connection of a SASL listener gets a session, which the SaslHandshake and
 * SaslAuthenticate handlers drive (`ctx.connection.sasl`). The session calls `connection.authenticate(principal)`
 * once the client has proven who it is, and sets `connection.rawTokens` for the v0 flow (SaslHandshake v0 followed
 * by size-prefixed tokens without a request header), whose frames the connection hands to `session.rawToken`.
 */
export interface SaslAuthenticator {
  /** Mechanisms enabled on this listener, as SaslHandshake lists them. */
  readonly mechanisms: readonly string[];
  /** The SASL state of a new connection of this listener. */
  session(connection: SaslPeer): SaslSession;
}

export interface RequestContext extends Requester {
  readonly header: RequestHeader;
  readonly connection: Connection;
  readonly clientId: string;
  /** True when the requester may perform `operation` on `resource`. */
  authorize(operation: AclOperation, resource: Resource): boolean;
  /** True when the requester may perform `operation` on some resource of `type` (InitProducerId, KIP-679). */
  authorizeAny(operation: AclOperation, type: ResourceType): boolean;
  /** Mutes the connection for `ms` once this request's response is written (a quota was exceeded). */
  throttle(ms: number): void;
  /** Set by a handler whose request Kafka does not count against request_percentage (a follower's Fetch). */
  quotaExempt: boolean;
  /** Set by a handler whose promise only waits (every effect applied): the connection may go on meanwhile. */
  pipelined: boolean;
}

/** The context of one request; a class so that `authorize` costs no closure per request. */
export class Context implements RequestContext {
  readonly clientId: string;
  /** How long to mute the connection after the response, in ms (0: not throttled). */
  throttleMs = 0;
  quotaExempt = false;
  /**
   * Set by a handler that returns a promise after applying every effect of the request (a Produce whose records
   * are appended and that only waits for acks=all or a flush): the connection may handle the next Produce
   * meanwhile. Responses still go out in request order.
   */
  pipelined = false;
  constructor(
    readonly header: RequestHeader,
    readonly connection: Connection,
    private readonly listener: ListenerContext,
    readonly principal: Principal = connection.principal ?? ANONYMOUS,
  ) {
    this.clientId = header.clientId ?? '';
  }

  get listenerName(): string {
    return this.listener.listenerName;
  }

  get securityProtocol(): string {
    return this.listener.securityProtocol;
  }

  get clientHost(): string {
    return this.connection.remoteHost;
  }

  authorize(operation: AclOperation, resource: Resource): boolean {
    return this.listener.authorizer.authorize(this, operation, resource);
  }

  authorizeAny(operation: AclOperation, type: ResourceType): boolean {
    const a = this.listener.authorizer;
    return a.authorizeAny !== undefined
      ? a.authorizeAny(this, operation, type)
      : a.authorize(this, operation, { type, name: 'hardcode' });
  }

  throttle(ms: number): void {
    if (ms > this.throttleMs) this.throttleMs = ms;
  }
}
