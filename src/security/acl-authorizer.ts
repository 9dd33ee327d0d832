/**
 * The ACL authorizer, turned on with `authorizer.class.name` (Kafka's StandardAuthorizer or AclAuthorizer names):
 * decides each request from the stored ACLs as Kafka's StandardAuthorizer does (see acl.ts for the matching
 * rules), lets `super.users` do everything, and, for a resource no ACL names at all, allows or denies everyone as
 * `allow.everyone.if.no.acl.found` says. It also holds the ACLs: CreateAcls, DescribeAcls and DeleteAcls go
 * through `create`, `list` and `delete`, which keep the store and the in-memory index in step.
 *
 * The index keeps, per resource type, literal bindings by name and prefixed bindings by prefix, so a decision
 * looks at the bindings of the name, of `*` and of the name's prefixes only.
 */
import type { Logger } from '../storage/logger.js';
import {
  type AclBinding,
  type AclBindingFilter,
  AclPermissionType,
  allowCovers,
  bindingKey,
  denyCovers,
  filterMatches,
  invalidBinding,
  PatternType,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
} from './acl.js';
import type { AclStore } from './acl-store.js';
import {
  AclOperation,
  type Authorizer,
  principalString,
  type Requester,
  type Resource,
  type ResourceType,
} from './authorizer.js';

/** The `authorizer.class.name` values that turn the ACL authorizer on (Kafka's KRaft and ZooKeeper-era names). */
export const ACL_AUTHORIZER_CLASS_NAMES: readonly string[] = [
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'kafka.security.authorizer.AclAuthorizer',
];

export interface AclAuthorizerOptions {
  store: AclStore;
  /** Principals allowed everything (`super.users`, e.g. `User:admin`). */
  superUsers?: readonly string[];
  /** Allow everyone on resources that no ACL names (`allow.everyone.if.no.acl.found`). */
  allowEveryoneIfNoAclFound?: boolean;
  log?: Logger;
}

/** Parses `super.users`: principals separated by semicolons (distinguished names contain commas). */
export function parseSuperUsers(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

interface TypeIndex {
  literal: Map<string, AclBinding[]>;
  prefixed: Map<string, AclBinding[]>;
}

/** The result of creating one binding: undefined when created (or already present), else why not. */
export type CreateResult = string | undefined;

export class AclAuthorizer implements Authorizer {
  private readonly superUsers: ReadonlySet<string>;
  private readonly allowEveryone: boolean;
  private readonly store: AclStore;
  private readonly log: Logger | undefined;
  private bindings = new Map<string, AclBinding>();
  private index = new Map<ResourceType, TypeIndex>();
  /** Changes are applied one at a time, each saved before the next starts. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(opts: AclAuthorizerOptions) {
    this.superUsers = new Set(opts.superUsers ?? []);
    this.allowEveryone = opts.allowEveryoneIfNoAclFound ?? false;
    this.store = opts.store;
    this.log = opts.log;
  }

  /** An authorizer holding the ACLs of `store`. */
  static async open(opts: AclAuthorizerOptions): Promise<AclAuthorizer> {
    const a = new AclAuthorizer(opts);
    a.replaceAll(await opts.store.load());
    // A store shared by a cluster: every broker's changes take effect here as soon as the store reports them.
    opts.store.watch?.((bindings) => {
      a.replaceAll(bindings);
      a.log?.debug(`ACLs changed in the cluster: ${bindings.length} in all`);
    });
    return a;
  }

  /** How many ACLs are held. */
  get size(): number {
    return this.bindings.size;
  }

  isSuperUser(principal: string): boolean {
    return this.superUsers.has(principal);
  }

  authorize(requester: Requester, operation: AclOperation, resource: Resource): boolean {
    const principal = principalString(requester.principal);
    if (this.superUsers.has(principal)) return true;
    const host = clientAddress(requester.clientHost);
    const idx = this.index.get(resource.type);
    let found = false;
    let allowed = false;
    // False as soon as a DENY applies; otherwise notes whether an ALLOW does.
    const decide = (list: readonly AclBinding[] | undefined): boolean => {
      if (list === undefined) return true;
      for (const b of list) {
        found = true;
        if (b.principal !== principal && b.principal !== WILDCARD_PRINCIPAL) continue;
        if (b.host !== host && b.host !== WILDCARD_HOST) continue;
        if (b.permission === AclPermissionType.DENY) {
          if (denyCovers(b.operation, operation)) return false;
        } else if (allowCovers(b.operation, operation)) allowed = true;
      }
      return true;
    };
    if (idx !== undefined) {
      const name = resource.name;
      if (!decide(idx.literal.get(name))) return this.denied(principal, host, operation, resource);
      if (name !== WILDCARD_RESOURCE && !decide(idx.literal.get(WILDCARD_RESOURCE))) {
        return this.denied(principal, host, operation, resource);
      }
      if (idx.prefixed.size > 0) {
        if (idx.prefixed.size < name.length) {
          for (const [prefix, list] of idx.prefixed) {
            if (name.startsWith(prefix) && !decide(list)) return this.denied(principal, host, operation, resource);
          }
        } else {
          for (let i = 1; i <= name.length; i++) {
            if (!decide(idx.prefixed.get(name.slice(0, i)))) return this.denied(principal, host, operation, resource);
          }
        }
      }
    }
    if (allowed || (!found && this.allowEveryone)) return true;
    return this.denied(principal, host, operation, resource);
  }

  /**
   * True when the requester may perform `operation` on at least one resource of `type` (Kafka's
   * authorizeByResourceType, KIP-679: how InitProducerId decides that a producer without IDEMPOTENT_WRITE may
   * still be idempotent because it may write to some topic). An ALLOW counts unless a DENY on the same literal
   * name or on a prefix of it takes it away; a DENY on every resource (`*`) takes all away.
   */
  authorizeAny(requester: Requester, operation: AclOperation, type: ResourceType): boolean {
    const principal = principalString(requester.principal);
    if (this.superUsers.has(principal)) return true;
    // A name no ACL is about answers for super users and for allow.everyone.if.no.acl.found, as Kafka checks.
    if (this.authorize(requester, operation, { type, name: 'hardcode' })) return true;
    const host = clientAddress(requester.clientHost);
    const idx = this.index.get(type);
    if (idx === undefined) return false;
    const applies = (b: AclBinding) =>
      (b.principal === principal || b.principal === WILDCARD_PRINCIPAL) &&
      (b.host === host || b.host === WILDCARD_HOST) &&
      (b.operation === operation || b.operation === AclOperation.ALL);
    const deniedLiteral = new Set<string>();
    const deniedPrefix = new Set<string>();
    const allowed: Array<{ name: string; literal: boolean }> = [];
    for (const [map, literal] of [
      [idx.literal, true],
      [idx.prefixed, false],
    ] as const) {
      for (const [name, list] of map) {
        for (const b of list) {
          if (!applies(b)) continue;
          if (b.permission === AclPermissionType.DENY) {
            if (literal && name === WILDCARD_RESOURCE) return false;
            (literal ? deniedLiteral : deniedPrefix).add(name);
          } else allowed.push({ name, literal });
        }
      }
    }
    for (const a of allowed) {
      if (a.literal && a.name === WILDCARD_RESOURCE) return true;
    }
    for (const a of allowed) {
      if (a.literal && deniedLiteral.has(a.name)) continue;
      let dominated = false;
      for (let i = 1; i <= a.name.length && !dominated; i++) dominated = deniedPrefix.has(a.name.slice(0, i));
      if (!dominated) return true;
    }
    return false;
  }

  /** The bindings `filter` matches. */
  list(filter: AclBindingFilter): AclBinding[] {
    const out: AclBinding[] = [];
    for (const b of this.bindings.values()) if (filterMatches(filter, b)) out.push(b);
    return out;
  }

  /** Adds bindings (invalid ones are refused with Kafka's message; existing ones succeed unchanged), durably. */
  create(bindings: readonly AclBinding[]): Promise<CreateResult[]> {
    return this.change((next) =>
      bindings.map((b) => {
        const invalid = invalidBinding(b);
        if (invalid !== undefined) return invalid;
        next.set(bindingKey(b), { ...b });
        return undefined;
      }),
    );
  }

  /** Removes the bindings each filter matches, durably; returns what each filter removed. */
  delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    return this.change((next) =>
      filters.map((f) => {
        const removed: AclBinding[] = [];
        for (const [key, b] of next) {
          if (filterMatches(f, b)) {
            removed.push(b);
            next.delete(key);
          }
        }
        return removed;
      }),
    );
  }

  /** Applies `edit` to a copy of the bindings, saves the copy, then serves it. */
  private change<T>(edit: (next: Map<string, AclBinding>) => T): Promise<T> {
    const run = this.writes.then(async () => {
      const next = new Map(this.bindings);
      const result = edit(next);
      if (next.size !== this.bindings.size || [...next.keys()].some((k) => !this.bindings.has(k))) {
        await this.store.save([...next.values()]);
        const before = this.bindings;
        // A shared store may hold other brokers' changes made meanwhile: serve what it holds.
        this.replaceAll(this.store.watch !== undefined ? await this.store.load() : [...next.values()]);
        const added = [...next.keys()].filter((k) => !before.has(k)).length;
        const removed = [...before.keys()].filter((k) => !next.has(k)).length;
        this.log?.info(`ACLs changed: ${added} added, ${removed} removed, ${next.size} in all`);
      }
      return result;
    });
    this.writes = run.catch(() => {});
    return run;
  }

  private replaceAll(list: readonly AclBinding[]): void {
    const bindings = new Map<string, AclBinding>();
    const index = new Map<ResourceType, TypeIndex>();
    for (const b of list) {
      bindings.set(bindingKey(b), b);
      let idx = index.get(b.resourceType);
      if (idx === undefined) index.set(b.resourceType, (idx = { literal: new Map(), prefixed: new Map() }));
      const map = b.patternType === PatternType.PREFIXED ? idx.prefixed : idx.literal;
      const at = map.get(b.resourceName);
      if (at === undefined) map.set(b.resourceName, [b]);
      else at.push(b);
    }
    this.bindings = bindings;
    this.index = index;
  }

  private denied(principal: string, host: string, operation: AclOperation, resource: Resource): false {
    this.log?.debug({ principal, host, operation, resourceType: resource.type, resource: resource.name }, 'denied');
    return false;
  }
}

/** The client's address as ACL hosts name it (an IPv4 client of a dual-stack socket without the `::ffff:`). */
export function clientAddress(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}
