/**
 * SASL wire helpers shared by the broker and the client (no I/O): the PLAIN message (RFC 4616) and SCRAM
 * (RFC 5802, with SHA-256 and SHA-512 as RFC 7677 and Kafka define them): the four SCRAM messages, parsed and
 * written, and the key derivations (salted password, client and server keys, proofs, signatures); and the client
 * side of an exchange (`clientExchange`), which Samsa's client and the inter-broker client both run.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** The SCRAM mechanisms Kafka defines, with their codes in the user SCRAM credential APIs. */
export const SCRAM_MECHANISMS = {
  'SCRAM-SHA-256': { code: 1, hash: 'sha256', keyLength: 32, minIterations: 4096 },
  'SCRAM-SHA-512': { code: 2, hash: 'sha512', keyLength: 64, minIterations: 4096 },
} as const;
export type ScramMechanism = keyof typeof SCRAM_MECHANISMS;
/** Kafka refuses more iterations than this in AlterUserScramCredentials. */
export const SCRAM_MAX_ITERATIONS = 16384;

export function isScramMechanism(m: string): m is ScramMechanism {
  return m === 'SCRAM-SHA-256' || m === 'SCRAM-SHA-512';
}

export function scramMechanismByCode(code: number): ScramMechanism | undefined {
  if (code === 1) return 'SCRAM-SHA-256';
  if (code === 2) return 'SCRAM-SHA-512';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// PLAIN

export interface PlainMessage {
  authzid: string;
  username: string;
  password: string;
}

/** Parses `authzid NUL authcid NUL passwd`; undefined when the token is not in that form. */
export function parsePlain(token: Buffer): PlainMessage | undefined {
  const text = token.toString('utf8');
  const parts = text.split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, username, password] = parts as [string, string, string];
  if (username === '' || password === '') return undefined;
  return { authzid, username, password };
}

export function encodePlain(username: string, password: string, authzid = ''): Buffer {
  return Buffer.from(`${authzid}\0${username}\0${password}`, 'utf8');
}

// ---------------------------------------------------------------------------------------------------------
// SCRAM key derivation

export function scramSaltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const { hash, keyLength } = SCRAM_MECHANISMS[m];
  return pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, keyLength, hash);
}

export function scramHmac(m: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(SCRAM_MECHANISMS[m].hash, key).update(data).digest();
}

export function scramHash(m: ScramMechanism, data: Buffer): Buffer {
  return createHash(SCRAM_MECHANISMS[m].hash).update(data).digest();
}

/** What a server keeps of a SCRAM password (never the password itself). */
export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export function scramCredentialFromSalted(
  m: ScramMechanism,
  saltedPassword: Buffer,
  salt: Buffer,
  iterations: number,
): ScramCredential {
  const clientKey = scramHmac(m, saltedPassword, 'Client Key');
  return {
    salt,
    iterations,
    storedKey: scramHash(m, clientKey),
    serverKey: scramHmac(m, saltedPassword, 'Server Key'),
  };
}

export function xorBuffers(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ (b[i] ?? 0);
  return out;
}

/** Constant-time comparison of two byte strings (false when their lengths differ). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function scramNonce(): string {
  return randomBytes(24).toString('base64').replace(/[=,]/g, '');
}

// ---------------------------------------------------------------------------------------------------------
// SCRAM messages

/** `=2C` and `=3D` escapes of a SCRAM saslname. */
export function scramEscapeName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export function scramUnescapeName(name: string): string | undefined {
  if (/=(?!2C|3D)/.test(name)) return undefined;
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(text: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    if (part.length < 2 || part[1] !== '=') return undefined;
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

export interface ScramClientFirst {
  /** The GS2 header as sent (e.g. `n,,`), echoed base64-encoded in the client's final message. */
  gs2Header: string;
  username: string;
  nonce: string;
  /** Everything after the GS2 header. */
  bare: string;
  /** Extensions (Kafka's `tokenauth`), keyed by name. */
  extensions: Map<string, string>;
}

/** Parses `gs2-header client-first-message-bare`; a string describing the problem when malformed. */
export function parseScramClientFirst(text: string): ScramClientFirst | string {
  const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(text);
  if (!m) return 'invalid SCRAM client first message (GS2 header)';
  if (m[1]!.startsWith('p=')) return 'SCRAM channel binding is not supported';
  const bare = m[3]!;
  const attrs = attributes(bare);
  if (!attrs) return 'invalid SCRAM client first message';
  const n = attrs.get('n');
  const r = attrs.get('r');
  if (n === undefined || r === undefined || r === '') return 'SCRAM client first message lacks n= or r=';
  const username = scramUnescapeName(n);
  if (username === undefined || username === '') return 'invalid SCRAM user name';
  const extensions = new Map<string, string>();
  for (const [k, v] of attrs) if (k !== 'n' && k !== 'r') extensions.set(k, v);
  if (m[2] !== undefined) {
    const authzid = scramUnescapeName(m[2].slice(2));
    if (authzid !== username) return 'SCRAM authorization id must be the user name';
  }
  return { gs2Header: `${m[1]},${m[2] ?? ''},`, username, nonce: r, bare, extensions };
}

export function scramClientFirst(username: string, nonce: string): { message: string; bare: string } {
  const bare = `n=${scramEscapeName(username)},r=${nonce}`;
  return { message: `n,,${bare}`, bare };
}

export interface ScramServerFirst {
  nonce: string;
  salt: Buffer;
  iterations: number;
}

export function scramServerFirst(f: ScramServerFirst): string {
  return `r=${f.nonce},s=${f.salt.toString('base64')},i=${f.iterations}`;
}

export function parseScramServerFirst(text: string): ScramServerFirst | string {
  const attrs = attributes(text);
  if (!attrs) return 'invalid SCRAM server first message';
  if (attrs.has('e')) return `SCRAM error: ${attrs.get('e')}`;
  const r = attrs.get('r');
  const s = attrs.get('s');
  const i = Number(attrs.get('i'));
  if (!r || !s || !Number.isInteger(i) || i < 1) return 'invalid SCRAM server first message';
  return { nonce: r, salt: Buffer.from(s, 'base64'), iterations: i };
}

export interface ScramClientFinal {
  channelBinding: string;
  nonce: string;
  proof: Buffer;
  /** The message without its `,p=` proof (part of the AuthMessage). */
  withoutProof: string;
}

export function parseScramClientFinal(text: string): ScramClientFinal | string {
  const at = text.lastIndexOf(',p=');
  if (at < 0) return 'SCRAM client final message lacks a proof';
  const withoutProof = text.slice(0, at);
  const attrs = attributes(withoutProof);
  if (!attrs) return 'invalid SCRAM client final message';
  const c = attrs.get('c');
  const r = attrs.get('r');
  if (c === undefined || r === undefined) return 'SCRAM client final message lacks c= or r=';
  return { channelBinding: c, nonce: r, proof: Buffer.from(text.slice(at + 3), 'base64'), withoutProof };
}

/** The client's proof and the server signature it expects, for one exchange. */
export function scramClientProof(
  m: ScramMechanism,
  saltedPassword: Buffer,
  authMessage: string,
): { proof: Buffer; serverSignature: Buffer } {
  const clientKey = scramHmac(m, saltedPassword, 'Client Key');
  const storedKey = scramHash(m, clientKey);
  const clientSignature = scramHmac(m, storedKey, authMessage);
  const serverKey = scramHmac(m, saltedPassword, 'Server Key');
  return { proof: xorBuffers(clientKey, clientSignature), serverSignature: scramHmac(m, serverKey, authMessage) };
}

export function parseScramServerFinal(text: string): { signature: Buffer } | string {
  const attrs = attributes(text);
  if (!attrs) return 'invalid SCRAM server final message';
  if (attrs.has('e')) return `SCRAM authentication failed: ${attrs.get('e')}`;
  const v = attrs.get('v');
  if (v === undefined) return 'SCRAM server final message lacks v=';
  return { signature: Buffer.from(v, 'base64') };
}

// ---------------------------------------------------------------------------------------------------------
// The client side of an exchange (PLAIN, SCRAM-SHA-256/512), without I/O: the caller carries the tokens.

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

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

/** A client exchange of `mechanism` (Kafka's names; lower case accepted) for one user. */
export function clientExchange(opts: { mechanism: string; username: string; password: string }): ClientExchange {
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
