/**
 * The server side of the SASL mechanisms Samsa offers: PLAIN (users and passwords from the listener's JAAS
 * config) and SCRAM-SHA-256 / SCRAM-SHA-512 (credentials from the SCRAM store). A mechanism exchange evaluates
 * client tokens one at a time until it completes with the authenticated user name, or throws SaslAuthError with
 * the message sent back to the client.
 */
import {
  isScramMechanism,
  parsePlain,
  parseScramClientFinal,
  parseScramClientFirst,
  sameBytes,
  scramHash,
  scramHmac,
  scramNonce,
  scramServerFirst,
  xorBuffers,
  type ScramCredential,
  type ScramMechanism,
} from '../../protocol/sasl.js';

export const SUPPORTED_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/** An authentication that failed: bad credentials or a malformed exchange. `message` goes to the client. */
export class SaslAuthError extends Error {
  /** The user name the client gave, when it got that far (for the broker's log). */
  user: string | undefined;
  constructor(message: string, user?: string) {
    super(message);
    this.user = user;
  }
}

export interface SaslStep {
  /** The token to send back to the client (may be empty). */
  challenge: Buffer;
  /** Set once the exchange completed successfully: the authenticated user name. */
  user?: string;
}

export interface SaslExchange {
  readonly mechanism: string;
  evaluate(token: Buffer): SaslStep;
}

/** Where the mechanisms look up users. */
export interface SaslCredentials {
  /** PLAIN: the user's password from the JAAS config, or undefined. */
  plainPassword(user: string): string | undefined;
  scram(user: string, mechanism: ScramMechanism): ScramCredential | undefined;
}

const EMPTY = Buffer.alloc(0);

/** The message Kafka sends for a failed login (it does not say whether the user or the password was wrong). */
function authFailed(mechanism: string, user: string): SaslAuthError {
  return new SaslAuthError(
    mechanism === 'PLAIN'
      ? 'Authentication failed: Invalid username or password'
      : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`,
    user,
  );
}

class PlainExchange implements SaslExchange {
  readonly mechanism = 'PLAIN';
  private done = false;
  constructor(private readonly credentials: SaslCredentials) {}

  evaluate(token: Buffer): SaslStep {
    if (this.done) throw new SaslAuthError('PLAIN authentication takes one token');
    this.done = true;
    const m = parsePlain(token);
    if (m === undefined) throw new SaslAuthError('Invalid SASL/PLAIN response: expected 3 NUL-separated tokens');
    if (m.authzid !== '' && m.authzid !== m.username) {
      throw new SaslAuthError(
        'Authentication failed: Client requested an authorization id that is different from username',
      );
    }
    const expected = this.credentials.plainPassword(m.username);
    const given = Buffer.from(m.password, 'utf8');
    // Compare against something of the same length even for unknown users, so timing does not tell them apart.
    const ok = sameBytes(given, Buffer.from(expected ?? '', 'utf8')) && expected !== undefined;
    if (!ok) throw authFailed('PLAIN', m.username);
    return { challenge: EMPTY, user: m.username };
  }
}

class ScramExchange implements SaslExchange {
  private state: 'first' | 'final' | 'done' = 'first';
  private user = '';
  private nonce = '';
  private gs2Header = '';
  private authPrefix = '';
  private credential: ScramCredential | undefined;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly credentials: SaslCredentials,
  ) {}

  evaluate(token: Buffer): SaslStep {
    if (this.state === 'first') return this.first(token.toString('utf8'));
    if (this.state === 'final') return this.final(token.toString('utf8'));
    throw new SaslAuthError('SCRAM exchange already complete');
  }

  private first(text: string): SaslStep {
    const f = parseScramClientFirst(text);
    if (typeof f === 'string') throw new SaslAuthError(f);
    for (const k of f.extensions.keys()) {
      // Kafka's delegation tokens ride on SCRAM with tokenauth=true; Samsa has no delegation tokens.
      if (k === 'tokenauth' && f.extensions.get(k) === 'true') throw authFailed(this.mechanism, f.username);
    }
    this.user = f.username;
    this.gs2Header = f.gs2Header;
    this.credential = this.credentials.scram(f.username, this.mechanism);
    // An unknown user gets a made-up challenge and fails at the proof, as Kafka does not tell users apart either.
    const salt = this.credential?.salt ?? scramHash(this.mechanism, Buffer.from(`samsa-unknown:${f.username}`));
    const iterations = this.credential?.iterations ?? 4096;
    this.nonce = f.nonce + scramNonce();
    const serverFirst = scramServerFirst({ nonce: this.nonce, salt, iterations });
    this.authPrefix = `${f.bare},${serverFirst}`;
    this.state = 'final';
    return { challenge: Buffer.from(serverFirst, 'utf8') };
  }

  private final(text: string): SaslStep {
    this.state = 'done';
    const f = parseScramClientFinal(text);
    if (typeof f === 'string') throw new SaslAuthError(f);
    // Kafka accepts a final nonce that ends with the server's (librdkafka up to 1.x repeats the client nonce).
    if (!f.nonce.endsWith(this.nonce)) throw new SaslAuthError('Invalid SCRAM client final message: nonce mismatch');
    if (Buffer.from(f.channelBinding, 'base64').toString('utf8') !== this.gs2Header) {
      throw new SaslAuthError('Invalid SCRAM client final message: channel binding does not match');
    }
    const c = this.credential;
    if (c === undefined) throw authFailed(this.mechanism, this.user);
    const authMessage = `${this.authPrefix},${f.withoutProof}`;
    const clientSignature = scramHmac(this.mechanism, c.storedKey, authMessage);
    const clientKey = xorBuffers(f.proof, clientSignature);
    if (f.proof.length !== c.storedKey.length || !sameBytes(scramHash(this.mechanism, clientKey), c.storedKey)) {
      throw authFailed(this.mechanism, this.user);
    }
    const serverSignature = scramHmac(this.mechanism, c.serverKey, authMessage);
    return { challenge: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), user: this.user };
  }
}

/** A new exchange for `mechanism`, or undefined when Samsa does not implement it. */
export function createExchange(mechanism: string, credentials: SaslCredentials): SaslExchange | undefined {
  if (mechanism === 'PLAIN') return new PlainExchange(credentials);
  if (isScramMechanism(mechanism)) return new ScramExchange(mechanism, credentials);
  return undefined;
}
