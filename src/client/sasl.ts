/**
 * The client side of SASL: PLAIN and SCRAM-SHA-256/512 exchanges, run by a connection right after it negotiated
 * versions (SaslHandshake v1, then SaslAuthenticate), and again before the session lifetime the broker gave
 * (KIP-368) runs out.
 */
import {
  encodePlain,
  isScramMechanism,
  parseScramServerFinal,
  parseScramServerFirst,
  sameBytes,
  scramClientFirst,
  scramClientProof,
  scramNonce,
  scramSaltedPassword,
  type ScramMechanism,
} from '../protocol/sasl.js';

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface SaslOptions {
  /** PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (Kafka's names; lower case accepted). */
  mechanism: SaslMechanism | Lowercase<SaslMechanism>;
  username: string;
  password: string;
}

/** One client exchange: the first token, then a reply to each server token until done. */
export interface ClientExchange {
  readonly mechanism: SaslMechanism;
  first(): Buffer;
  /** The next token to send, or null when the exchange is complete; throws when the server's token is wrong. */
  next(serverToken: Buffer): Buffer | null;
}

export function normalizeMechanism(m: string): SaslMechanism {
  const up = m.toUpperCase();
  if (up === 'PLAIN' || up === 'SCRAM-SHA-256' || up === 'SCRAM-SHA-512') return up;
  throw new Error(`unsupported SASL mechanism ${m} (supported: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
}

export function clientExchange(opts: SaslOptions): ClientExchange {
  const mechanism = normalizeMechanism(opts.mechanism);
  if (isScramMechanism(mechanism)) return new ScramClient(mechanism, opts.username, opts.password);
  return {
    mechanism,
    first: () => encodePlain(opts.username, opts.password),
    next: () => null,
  };
}

class ScramClient implements ClientExchange {
  private readonly nonce = scramNonce();
  private bare = '';
  private serverSignature: Buffer | undefined;
  private step = 0;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly username: string,
    private readonly password: string,
  ) {}

  first(): Buffer {
    const f = scramClientFirst(this.username, this.nonce);
    this.bare = f.bare;
    return Buffer.from(f.message, 'utf8');
  }

  next(serverToken: Buffer): Buffer | null {
    const text = serverToken.toString('utf8');
    if (this.step++ === 0) {
      const sf = parseScramServerFirst(text);
      if (typeof sf === 'string') throw new Error(sf);
      if (!sf.nonce.startsWith(this.nonce) || sf.nonce.length === this.nonce.length) {
        throw new Error('SCRAM server nonce does not extend the client nonce');
      }
      const salted = scramSaltedPassword(this.mechanism, this.password, sf.salt, sf.iterations);
      const withoutProof = `c=biws,r=${sf.nonce}`;
      const authMessage = `${this.bare},${text},${withoutProof}`;
      const { proof, serverSignature } = scramClientProof(this.mechanism, salted, authMessage);
      this.serverSignature = serverSignature;
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
    }
    const fin = parseScramServerFinal(text);
    if (typeof fin === 'string') throw new Error(fin);
    if (!sameBytes(fin.signature, this.serverSignature!)) throw new Error('SCRAM server signature does not match');
    return null;
  }
}
