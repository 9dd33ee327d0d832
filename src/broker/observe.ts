/**
 * The broker's observation point: what happens on the request path, published on `node:diagnostics_channel`
 * channels so that metrics, a console or a test can watch without the broker knowing who listens.
 *
 * Publishing is free when nobody subscribes: every call site checks `hasSubscribers` before it builds a message,
 * so the hot path pays one property read per event. Subscribers run synchronously inside the request path and
 * must be quick and must not throw (an exception would be reported as an uncaught error by Node).
 *
 * Messages are plain objects and may hold references to request and response data: a subscriber reads what it
 * needs during the call and keeps no reference to buffers.
 */
import diagnostics from 'node:diagnostics_channel';

/** One request answered (or dropped, for acks=0 produce) on a client connection. */
export interface RequestEvent {
  apiKey: number;
  apiName: string;
  apiVersion: number;
  clientId: string;
  /** Listener name the connection came in on, e.g. PLAINTEXT. */
  listener: string;
  /** Frame size of the request (without the 4-byte length prefix). */
  requestBytes: number;
  /** Bytes written for the response (without the 4-byte length prefix); 0 when no response was sent. */
  responseBytes: number;
  /** Milliseconds the request waited behind earlier requests of its connection (Kafka's RequestQueueTimeMs). */
  queueMs: number;
  /** Milliseconds from the start of handling to the response being handed to the socket. */
  handleMs: number;
  /** The response body as encoded, or null when none was sent; subscribers may walk it for error codes. */
  response: unknown;
}

/** A client connection opened or closed. */
export interface ConnectionEvent {
  kind: 'open' | 'close';
  listener: string;
  remote: string;
  connectionId: number;
}

/** Record batches appended to a partition by a producer (after validation, with offsets assigned). */
export interface AppendEvent {
  topic: string;
  partition: number;
  records: number;
  bytes: number;
}

/** Record data read for a consumer or follower by one Fetch, per partition. */
export interface FetchOutEvent {
  topic: string;
  partition: number;
  /** Bytes of record data returned for the partition. */
  bytes: number;
  /** The batches returned (a view; count records by walking batch headers if needed, during the call only). */
  records: Buffer;
}

/** A SASL authentication that failed (wrong credentials, unknown mechanism, malformed exchange). */
export interface AuthFailureEvent {
  listener: string;
  /** The peer's address and port. */
  remote: string;
  /** The mechanism the client chose, or '' when it failed before choosing one. */
  mechanism: string;
  /** The user name the client gave, when it got that far. */
  user: string | undefined;
  /** The message sent to the client. */
  reason: string;
}

/** A SASL authentication (or re-authentication) that succeeded. */
export interface AuthSuccessEvent {
  listener: string;
  remote: string;
  mechanism: string;
  principal: string;
  reauthentication: boolean;
}

/**
 * The in-sync replicas of a partition this broker leads changed while it kept leading (Kafka's ISR shrink when a
 * replica left, expand when one joined; both when one replaced another). Becoming leader is not a change.
 */
export interface IsrChangeEvent {
  topic: string;
  partition: number;
  before: readonly number[];
  after: readonly number[];
}

export const channels = {
  request: diagnostics.channel('samsa:request'),
  connection: diagnostics.channel('samsa:connection'),
  append: diagnostics.channel('samsa:append'),
  fetchOut: diagnostics.channel('samsa:fetch-out'),
  authFailure: diagnostics.channel('samsa:auth-failure'),
  authSuccess: diagnostics.channel('samsa:auth-success'),
  isr: diagnostics.channel('samsa:isr'),
} as const;

/** Channel names, for subscribers that use `diagnostics_channel.subscribe(name, fn)` directly. */
export const CHANNEL_NAMES = {
  request: 'samsa:request',
  connection: 'samsa:connection',
  append: 'samsa:append',
  fetchOut: 'samsa:fetch-out',
  authFailure: 'samsa:auth-failure',
  authSuccess: 'samsa:auth-success',
  isr: 'samsa:isr',
} as const;
