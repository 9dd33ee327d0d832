import * as path from 'node:path';
import type { ScramCredential, ScramMechanism } from '../../protocol/sasl.js';
import { readFileAtomic, writeFileAtomic } from '../../storage/checkpoint.js';

export const SCRAM_CREDENTIALS_FILE = 'scram-credentials.json';

/** One SCRAM credential as stored (a file entry, an etcd value): base64 keys, never the password. */
export interface StoredScramCredential {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

interface FileFormat {
  version: 1;
  users: Record<string, Partial<Record<ScramMechanism, StoredScramCredential>>>;
}

export function scramFromStored(c: StoredScramCredential): ScramCredential {
  return {
    salt: Buffer.from(c.salt, 'base64'),
    iterations: c.iterations,
    storedKey: Buffer.from(c.storedKey, 'base64'),
    serverKey: Buffer.from(c.serverKey, 'base64'),
  };
}

export function scramToStored(c: ScramCredential): StoredScramCredential {
  return {
    salt: c.salt.toString('base64'),
    iterations: c.iterations,
    storedKey: c.storedKey.toString('base64'),
    serverKey: c.serverKey.toString('base64'),
  };
}

/**
 * The SCRAM credentials a broker logs users in with and AlterUserScramCredentials changes: a file in the data
 * directory on a single node (ScramCredentialStore), etcd in a cluster (src/cluster/security-stores.ts).
 */
export interface ScramCredentials {
  get(user: string, mechanism: ScramMechanism): ScramCredential | undefined;
  has(user: string): boolean;
  list(): Array<{ user: string; credentials: Array<{ mechanism: ScramMechanism; iterations: number }> }>;
  describe(user: string): Array<{ mechanism: ScramMechanism; iterations: number }>;
  /** Applies the changes; returns (or resolves) once they are durable. */
  apply(changes: readonly ScramChange[]): void | Promise<void>;
}

export interface ScramChange {
  user: string;
  mechanism: ScramMechanism;
  /** The new credential, or null to delete this user's credential for the mechanism. */
  credential: ScramCredential | null;
}

export class ScramCredentialStore implements ScramCredentials {
  readonly file: string | undefined;
  private readonly users = new Map<string, Map<ScramMechanism, ScramCredential>>();

  /** Without a data directory the credentials live in memory only (tests, embedded use). */
  constructor(dataDir: string | undefined) {
    this.file = dataDir === undefined ? undefined : path.join(dataDir, SCRAM_CREDENTIALS_FILE);
    if (this.file !== undefined) this.load(this.file);
  }

  private load(file: string): void {
    const text = readFileAtomic(file);
    if (text === undefined) return;
    const data = JSON.parse(text) as FileFormat;
    if (data.version !== 1 || typeof data.users !== 'object') throw new Error(`${file}: unsupported format`);
    for (const [user, mechs] of Object.entries(data.users)) {
      const m = new Map<ScramMechanism, ScramCredential>();
      for (const [mech, c] of Object.entries(mechs)) {
        if (c === undefined) continue;
        m.set(mech as ScramMechanism, scramFromStored(c));
      }
      if (m.size > 0) this.users.set(user, m);
    }
  }

  get(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.users.get(user)?.get(mechanism);
  }

  has(user: string): boolean {
    return this.users.has(user);
  }

  /** Every user with credentials, sorted, with the mechanisms and iterations they have. */
  list(): Array<{ user: string; credentials: Array<{ mechanism: ScramMechanism; iterations: number }> }> {
    return [...this.users.keys()].sort().map((user) => ({ user, credentials: this.describe(user) }));
  }

  describe(user: string): Array<{ mechanism: ScramMechanism; iterations: number }> {
    const m = this.users.get(user);
    if (m === undefined) return [];
    return [...m]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([mechanism, c]) => ({ mechanism, iterations: c.iterations }));
  }

  /** Applies the changes and makes them durable before returning. */
  apply(changes: readonly ScramChange[]): void {
    if (changes.length === 0) return;
    for (const c of changes) {
      let m = this.users.get(c.user);
      if (c.credential === null) {
        m?.delete(c.mechanism);
        if (m?.size === 0) this.users.delete(c.user);
        continue;
      }
      if (m === undefined) {
        m = new Map();
        this.users.set(c.user, m);
      }
      m.set(c.mechanism, c.credential);
    }
    this.save();
  }

  private save(): void {
    if (this.file === undefined) return;
    const data: FileFormat = { version: 1, users: {} };
    for (const [user, m] of this.users) {
      const out: FileFormat['users'][string] = {};
      for (const [mech, c] of m) out[mech] = scramToStored(c);
      data.users[user] = out;
    }
    writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
  }
}
