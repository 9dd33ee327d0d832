/**
 * The request context: who is asking and through which door. Every handler receives one: the request header, the
 * connection, the listener it came in on with that listener's security protocol, and the authenticated principal
 * (`User:ANONYMOUS` on PLAINTEXT). `authorize` is the one way a handler asks whether the requester may act on a
 * resource; the broker's Authorizer decides (allow-everything until ACLs are configured).
 */
import type { RequestHeader } from '../protocol/header.js';
import {
  ANONYMOUS,
  type AclOperation,
  type Authorizer,
  type Principal,
  type Requester,
  type Resource,
} from '../security/authorizer.js';
import type { Connection } from './connection.js';
import type { ClientQuotas } from './quotas/client-quotas.js';
import type { SaslListener } from './sasl.js';

/** What a connection knows about its listener, fixed when the connection is accepted. */
export interface ListenerContext {
  /** Listener name, e.g. PLAINTEXT or INTERNAL. */
  listenerName: string;
  /** PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
  securityProtocol: string;
  authorizer: Authorizer;
  /** Client quotas (src/broker/quotas), enforced by the connection and the Fetch handler. */
  quotas?: ClientQuotas;
  /** Set on SASL_PLAINTEXT and SASL_SSL listeners: mechanisms, credentials and limits (src/broker/sasl.ts). */
  sasl?: SaslListener;
}

export interface RequestContext extends Requester {
  readonly header: RequestHeader;
  readonly connection: Connection;
  readonly clientId: string;
  /** True when the requester may perform `operation` on `resource`. */
  authorize(operation: AclOperation, resource: Resource): boolean;
  /** Mutes the connection for `ms` once this request's response is written (a quota was exceeded). */
  throttle(ms: number): void;
  /** Set by a handler whose request Kafka does not count against request_percentage (a follower's Fetch). */
  quotaExempt: boolean;
}

/** The context of one request; a class so that `authorize` costs no closure per request. */
export class Context implements RequestContext {
  readonly clientId: string;
  /** How long to mute the connection after the response, in ms (0: not throttled). */
  throttleMs = 0;
  quotaExempt = false;
  constructor(
    readonly header: RequestHeader,
    readonly connection: Connection,
    private readonly listener: ListenerContext,
    readonly principal: Principal = ANONYMOUS,
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

  throttle(ms: number): void {
    if (ms > this.throttleMs) this.throttleMs = ms;
  }
}
