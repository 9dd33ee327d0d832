/**
 * ACLs, SCRAM credentials and client quotas of a cluster: one state in etcd that every broker reads from its
 * watched metadata cache, instead of a file per broker. Each ACL binding, each user's credential of one mechanism
 * and each quota entity is one key under security/ (keys.ts), so changes made at the same time through different
 * brokers touch different keys and all survive. A change is written as puts and deletes in etcd transactions and
 * is answered once this broker's cache has seen it; every other broker applies it when its watch delivers it
 * (well within a second on a healthy etcd).
 *
 * The stores implement the single-node interfaces (AclStore, ClientQuotaStore, ScramCredentials), so the
 * authorizer, the quota manager and the SASL listeners work the same on one node and in a cluster. A change's
 * diff is taken against the cache at the moment it is written: the authorizer and the quota manager apply every
 * reported change synchronously, so what they edited is what the cache held.
 */
import { createHash } from 'node:crypto';
import type { IOperation } from 'etcd3';
import type { ClusterSecurityStores } from '../broker/cluster-link.js';
import type { ClientQuotaStore, StoredQuota } from '../broker/quotas/store.js';
import { quotaFromStored, quotaToStored } from '../broker/quotas/store.js';
import { entityKey, type QuotaRecord } from '../broker/quotas/entities.js';
import type { ScramCredential, ScramMechanism } from '../protocol/sasl.js';
import { type AclBinding, bindingKey } from '../security/acl.js';
import { type AclStore, aclFromStored, aclToStored, type StoredAcl } from '../security/acl-store.js';
import {
  type ScramChange,
  ScramCredentialStore,
  type ScramCredentials,
  type StoredScramCredential,
  scramFromStored,
  scramToStored,
} from '../security/sasl/scram-store.js';
import { type EtcdStore, MAX_TXN_OPS, type StoredKv } from './etcd-store.js';
import { keys } from './keys.js';
import type { MetadataCache } from './metadata-cache.js';

/** How long a writer waits for its own change to come back through the watch. */
const SEEN_TIMEOUT_MS = 10_000;

const hashId = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/** The keys of one kind (a prefix under security/): read from the cache, written as puts and deletes. */
class SecurityKeys {
  constructor(
    readonly store: EtcdStore,
    private readonly cache: MetadataCache,
    readonly prefix: string,
    private readonly log?: (msg: string) => void,
  ) {}

  entries(): StoredKv[] {
    return this.cache.securityEntries(this.prefix);
  }

  /** Decoded values; an unreadable one is logged and skipped (another version may have written it). */
  values<T>(decode: (kv: StoredKv) => T): T[] {
    const out: T[] = [];
    for (const kv of this.entries()) {
      try {
        out.push(decode(kv));
      } catch (e) {
        this.log?.(`ignoring unreadable ${kv.key}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /** Writes `wanted` (key -> value) in place of what the cache holds under the prefix: only the differences. */
  replaceWith(wanted: ReadonlyMap<string, string>): Promise<void> {
    const ops: IOperation[] = [];
    const held = new Map(this.entries().map((kv) => [kv.key, kv.value.toString('utf8')]));
    for (const [k, v] of wanted) if (held.get(k) !== v) ops.push(this.store.kv.put(k).value(v));
    for (const k of held.keys()) if (!wanted.has(k)) ops.push(this.store.kv.delete().key(k));
    return this.write(ops);
  }

  /** Runs `ops` (in transactions of at most MAX_TXN_OPS) and waits until this broker's cache has seen them. */
  async write(ops: IOperation[]): Promise<void> {
    let revision = 0;
    for (let i = 0; i < ops.length; i += MAX_TXN_OPS) {
      // An unconditional transaction: etcd3 starts one with a comparison, and the key `security` is never written.
      const res = await this.store.kv
        .if('security', 'Create', '==', 0)
        .then(...ops.slice(i, i + MAX_TXN_OPS))
        .commit();
      revision = Number(res.header.revision);
    }
    if (revision > 0 && !(await this.cache.waitForRevision(revision, SEEN_TIMEOUT_MS))) {
      throw new Error(`the change was stored in etcd but not seen back within ${SEEN_TIMEOUT_MS} ms`);
    }
  }

  /** Calls `onChange` whenever a key under the prefix changes; returns a function that stops it. */
  watch(onChange: () => void): () => void {
    const listener = (changed: string[]) => {
      if (changed.some((k) => k.startsWith(this.prefix))) onChange();
    };
    this.cache.on('security', listener);
    return () => this.cache.off('security', listener);
  }
}

/** ACL bindings of the cluster, one key each. */
export class EtcdAclStore implements AclStore {
  private readonly keys: SecurityKeys;

  constructor(store: EtcdStore, cache: MetadataCache, log?: (msg: string) => void) {
    this.keys = new SecurityKeys(store, cache, keys.aclsPrefix, log);
  }

  private current(): AclBinding[] {
    return this.keys.values((kv) => aclFromStored(JSON.parse(kv.value.toString('utf8')) as StoredAcl, kv.key));
  }

  async load(): Promise<AclBinding[]> {
    return this.current();
  }

  save(bindings: readonly AclBinding[]): Promise<void> {
    const wanted = new Map<string, string>();
    for (const b of bindings) wanted.set(this.keys.prefix + hashId(bindingKey(b)), JSON.stringify(aclToStored(b)));
    return this.keys.replaceWith(wanted);
  }

  watch(onChange: (bindings: AclBinding[]) => void): () => void {
    return this.keys.watch(() => onChange(this.current()));
  }
}

/** Client quota entities of the cluster, one key each. */
export class EtcdClientQuotaStore implements ClientQuotaStore {
  private readonly keys: SecurityKeys;

  constructor(store: EtcdStore, cache: MetadataCache, log?: (msg: string) => void) {
    this.keys = new SecurityKeys(store, cache, keys.quotasPrefix, log);
  }

  private current(): QuotaRecord[] {
    return this.keys.values((kv) => quotaFromStored(JSON.parse(kv.value.toString('utf8')) as StoredQuota));
  }

  async load(): Promise<QuotaRecord[]> {
    return this.current();
  }

  save(records: readonly QuotaRecord[]): Promise<void> {
    const wanted = new Map<string, string>();
    for (const r of records) {
      wanted.set(this.keys.prefix + hashId(entityKey(r.entity)), JSON.stringify(quotaToStored(r)));
    }
    return this.keys.replaceWith(wanted);
  }

  watch(onChange: (records: QuotaRecord[]) => void): () => void {
    return this.keys.watch(() => onChange(this.current()));
  }
}

/** SCRAM credentials of the cluster: security/scram/<user>/<mechanism>, read into memory on every change. */
export class EtcdScramCredentials implements ScramCredentials {
  private readonly keys: SecurityKeys;
  private view = new ScramCredentialStore(undefined);

  constructor(store: EtcdStore, cache: MetadataCache, log?: (msg: string) => void) {
    this.keys = new SecurityKeys(store, cache, keys.scramPrefix, log);
    this.reload();
    this.keys.watch(() => this.reload());
  }

  private key(user: string, mechanism: ScramMechanism): string {
    return `${this.keys.prefix}${encodeURIComponent(user)}/${mechanism}`;
  }

  private reload(): void {
    const changes = this.keys.values((kv): ScramChange => {
      const rest = kv.key.slice(this.keys.prefix.length);
      const at = rest.lastIndexOf('/');
      const mechanism = rest.slice(at + 1);
      if (at <= 0 || (mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512')) {
        throw new Error('not a user/mechanism key');
      }
      const stored = JSON.parse(kv.value.toString('utf8')) as StoredScramCredential;
      return { user: decodeURIComponent(rest.slice(0, at)), mechanism, credential: scramFromStored(stored) };
    });
    const next = new ScramCredentialStore(undefined);
    next.apply(changes);
    this.view = next;
  }

  get(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.view.get(user, mechanism);
  }

  has(user: string): boolean {
    return this.view.has(user);
  }

  list(): ReturnType<ScramCredentials['list']> {
    return this.view.list();
  }

  describe(user: string): ReturnType<ScramCredentials['describe']> {
    return this.view.describe(user);
  }

  apply(changes: readonly ScramChange[]): Promise<void> {
    const ops: IOperation[] = changes.map((c) => {
      const key = this.key(c.user, c.mechanism);
      return c.credential === null
        ? this.keys.store.kv.delete().key(key)
        : this.keys.store.kv.put(key).value(JSON.stringify(scramToStored(c.credential)));
    });
    return this.keys.write(ops);
  }
}

export function clusterSecurityStores(
  store: EtcdStore,
  cache: MetadataCache,
  log?: (msg: string) => void,
): ClusterSecurityStores {
  return {
    acls: new EtcdAclStore(store, cache, log),
    quotas: new EtcdClientQuotaStore(store, cache, log),
    scram: new EtcdScramCredentials(store, cache, log),
  };
}
