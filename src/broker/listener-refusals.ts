/**
 * How a listener refuses connections and reports it: log limiters for refused connections and failed TLS
 * handshakes (a port scan must not flood the log), the reason of a failed handshake in a few words, and the
 * ssl.client.auth decision on a client certificate after the handshake.
 */
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../storage/logger.js';
import type { ClientAuth } from '../security/tls.js';
import { LogLimiter } from './logger.js';

/** Refused connections are logged at WARN, rate limited per reason (one limiter per broker logger). */
const refusals = new WeakMap<Logger, LogLimiter>();
export function refusedConnections(log: Logger): LogLimiter {
  let l = refusals.get(log);
  if (l === undefined) refusals.set(log, (l = new LogLimiter(log, 5, 10_000, 'warn')));
  return l;
}

/** Failed TLS handshakes are logged at WARN, rate limited per reason: a port scan must not flood the log. */
const tlsFailures = new WeakMap<Logger, LogLimiter>();
export function handshakeFailures(log: Logger): LogLimiter {
  let l = tlsFailures.get(log);
  if (l === undefined) tlsFailures.set(log, (l = new LogLimiter(log, 5, 10_000, 'warn')));
  return l;
}

/** The reason of a failed handshake in a few words, with a hint for the common mistakes. */
export function tlsFailureReason(err: Error & { reason?: string }): string {
  const reason = err.reason ?? err.message.split('\n')[0] ?? 'unknown';
  if (/wrong version number|http request/i.test(reason)) return `${reason} (a plaintext client on a TLS listener?)`;
  if (/peer did not return a certificate/i.test(reason)) return `${reason} (ssl.client.auth=required)`;
  return reason;
}

/** Words for the certificate checks a client certificate fails most often. */
const CERTIFICATE_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'client certificate has expired',
  CERT_NOT_YET_VALID: 'client certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'client certificate is not signed by a CA in the truststore',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'client certificate is not signed by a CA in the truststore',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'client certificate is self-signed and not in the truststore',
  SELF_SIGNED_CERT_IN_CHAIN: 'client certificate chains to a CA not in the truststore',
};

/**
 * Why a TLS client is refused after its handshake, by ssl.client.auth: `required` needs a certificate that
 * verifies against the truststore, `requested` refuses only a certificate that does not verify. (The TLS server
 * accepts every certificate in the handshake so that the refusal can be logged with its reason.)
 */
export function clientCertificateRefusal(
  socket: TLSSocket,
  auth: ClientAuth,
): { kind: string; reason: string } | undefined {
  if (auth === 'none' || socket.authorized) return undefined;
  if (socket.getPeerX509Certificate() === undefined) {
    if (auth === 'requested') return undefined;
    return { kind: 'no client certificate', reason: 'no client certificate (ssl.client.auth=required)' };
  }
  const code = String(socket.authorizationError ?? 'unknown');
  const words = CERTIFICATE_ERRORS[code] ?? 'client certificate does not verify';
  return { kind: code, reason: `${words} (${code})` };
}

/** How often the key and trust files of TLS listeners are checked for changes. */
export const TLS_RELOAD_INTERVAL_MS = 1000;
