/**
 * The client side of SASL: PLAIN and SCRAM-SHA-256/512 exchanges, run by a connection right after it negotiated
 * versions (SaslHandshake v1, then SaslAuthenticate), and again before the session lifetime the broker gave
 * (KIP-368) runs out. The exchanges themselves (no I/O) are in the protocol layer, shared with the broker's
 * inter-broker client.
 */
import type { SaslMechanism } from '../protocol/sasl.js';

export { type ClientExchange, clientExchange, normalizeMechanism, type SaslMechanism } from '../protocol/sasl.js';

export interface SaslOptions {
  /** PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (Kafka's names; lower case accepted). */
  mechanism: SaslMechanism | Lowercase<SaslMechanism>;
  username: string;
  password: string;
}
