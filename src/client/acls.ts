/**
 * ACLs from the client: create, describe and delete them with Kafka's CreateAcls, DescribeAcls and DeleteAcls.
 * ACLs and filters use Kafka's names (`TOPIC`, `PREFIXED`, `READ`, `ALLOW`); the broker answers with its codes.
 */
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../protocol/acl-codes.js';
import { CreateAcls } from '../protocol/messages/create-acls.js';
import { DeleteAcls } from '../protocol/messages/delete-acls.js';
import { DescribeAcls } from '../protocol/messages/describe-acls.js';
import type { Cluster } from './cluster.js';
import { errorFor } from './errors.js';

export type AclResourceType = Exclude<keyof typeof ResourceType, 'UNKNOWN' | 'ANY'>;
export type AclPatternType = 'LITERAL' | 'PREFIXED';
export type AclOperationName = Exclude<keyof typeof AclOperation, 'UNKNOWN' | 'ANY'>;
export type AclPermission = 'ALLOW' | 'DENY';

/** One ACL: `principal` from `host` is allowed or denied `operation` on the resources the pattern names. */
export interface Acl {
  resourceType: AclResourceType;
  resourceName: string;
  /** Default LITERAL. */
  patternType?: AclPatternType;
  /** `User:alice`, `User:*`, `User:CN=...`. */
  principal: string;
  /** Default `*` (every host). */
  host?: string;
  operation: AclOperationName;
  permission: AclPermission;
}

/** Which ACLs to describe or delete; a field left out matches everything. */
export interface AclFilter {
  resourceType?: AclResourceType | 'ANY';
  resourceName?: string | null;
  /** MATCH: every ACL that applies to a resource named `resourceName` (literal, wildcard or prefix). Default ANY. */
  patternType?: AclPatternType | 'MATCH' | 'ANY';
  principal?: string | null;
  host?: string | null;
  operation?: AclOperationName | 'ANY';
  permission?: AclPermission | 'ANY';
}

function code<T extends Record<string, number>>(table: T, name: string, what: string): number {
  const c = (table as Record<string, number>)[name];
  if (c === undefined) throw new Error(`unknown ACL ${what} ${name}`);
  return c;
}

function nameOf(table: Record<string, number>, c: number): string {
  return Object.keys(table).find((k) => table[k] === c) ?? String(c);
}

function filterToWire(f: AclFilter) {
  return {
    resourceTypeFilter: code(ResourceType, f.resourceType ?? 'ANY', 'resource type'),
    resourceNameFilter: f.resourceName ?? null,
    patternTypeFilter: code(PatternType, f.patternType ?? 'ANY', 'pattern type'),
    principalFilter: f.principal ?? null,
    hostFilter: f.host ?? null,
    operation: code(AclOperation, f.operation ?? 'ANY', 'operation'),
    permissionType: code(AclPermissionType, f.permission ?? 'ANY', 'permission'),
  };
}

function aclFromWire(r: {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}): Acl {
  return {
    resourceType: nameOf(ResourceType, r.resourceType) as AclResourceType,
    resourceName: r.resourceName,
    patternType: nameOf(PatternType, r.patternType) as AclPatternType,
    principal: r.principal,
    host: r.host,
    operation: nameOf(AclOperation, r.operation) as AclOperationName,
    permission: nameOf(AclPermissionType, r.permissionType) as AclPermission,
  };
}

/** Creates ACLs; throws the first refusal (with the broker's message). */
export async function createAclsVia(cluster: Cluster, acls: readonly Acl[]): Promise<void> {
  if (acls.length === 0) return;
  const res = await cluster.sendAny(CreateAcls, {
    creations: acls.map((a) => ({
      resourceType: code(ResourceType, a.resourceType, 'resource type'),
      resourceName: a.resourceName,
      resourcePatternType: code(PatternType, a.patternType ?? 'LITERAL', 'pattern type'),
      principal: a.principal,
      host: a.host ?? '*',
      operation: code(AclOperation, a.operation, 'operation'),
      permissionType: code(AclPermissionType, a.permission, 'permission'),
    })),
  });
  res.results.forEach((r, i) => {
    if (r.errorCode !== 0) throw errorFor(r.errorCode, `create ACL ${describeAcl(acls[i]!)}`, r.errorMessage);
  });
}

/** The ACLs a filter matches. */
export async function describeAclsVia(cluster: Cluster, filter: AclFilter = {}): Promise<Acl[]> {
  const res = await cluster.sendAny(DescribeAcls, filterToWire(filter));
  if (res.errorCode !== 0) throw errorFor(res.errorCode, 'describe ACLs', res.errorMessage);
  return res.resources.flatMap((r) =>
    r.acls.map((a) => aclFromWire({ ...r, ...a, patternType: r.patternType, permissionType: a.permissionType })),
  );
}

/** Deletes the ACLs the filters match; returns them. */
export async function deleteAclsVia(cluster: Cluster, filters: readonly AclFilter[]): Promise<Acl[]> {
  if (filters.length === 0) return [];
  const res = await cluster.sendAny(DeleteAcls, { filters: filters.map(filterToWire) });
  const out: Acl[] = [];
  for (const r of res.filterResults) {
    if (r.errorCode !== 0) throw errorFor(r.errorCode, 'delete ACLs', r.errorMessage);
    for (const m of r.matchingAcls) out.push(aclFromWire(m));
  }
  return out;
}

/** `User:alice ALLOW READ from * on TOPIC:LITERAL:orders`. */
export function describeAcl(a: Acl): string {
  return `${a.principal} ${a.permission} ${a.operation} from ${a.host ?? '*'} on ${a.resourceType}:${a.patternType ?? 'LITERAL'}:${a.resourceName}`;
}
