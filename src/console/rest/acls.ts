/**
 * Confluent REST Proxy v3 ACLs: `GET /v3/clusters/{id}/acls` (search), `POST .../acls` (create one),
 * `POST .../acls:batch` (create several) and `DELETE .../acls` (delete the matching ones, answering them), with
 * Confluent's query parameters and bodies (`resource_type`, `resource_name`, `pattern_type`, `principal`, `host`,
 * `operation`, `permission`, upper-case enum names) over Kafka's CreateAcls, DescribeAcls and DeleteAcls.
 */
import type { Acl, AclFilter, Admin } from '../../client/index.js';
import { ACL_OPERATION_NAMES, ACL_RESOURCE_TYPE_NAMES } from '../../protocol/acl-codes.js';
import { badRequest, jsonBody, stringField, type RestRequest } from './http.js';

type Json = Record<string, unknown>;

const RESOURCE_TYPES = ACL_RESOURCE_TYPE_NAMES;
const PATTERN_TYPES = ['LITERAL', 'PREFIXED'] as const;
const OPERATIONS = ACL_OPERATION_NAMES;
const PERMISSIONS = ['ALLOW', 'DENY'] as const;

/** The order Confluent lists the fields in, also the query parameters of `metadata.self`. */
const FIELDS = ['resource_type', 'resource_name', 'pattern_type', 'principal', 'host', 'operation', 'permission'];

function oneOf<T extends string>(value: string, allowed: readonly T[], field: string, extra: readonly string[]): T {
  const v = value.toUpperCase();
  if ((allowed as readonly string[]).includes(v) || extra.includes(v)) return v as T;
  throw badRequest(`${field} must be one of ${[...allowed, ...extra].join(', ')}, not '${value}'`);
}

/** A search or delete filter from the query string; absent parameters match everything. */
function filterOf(url: URL, requireType: boolean): AclFilter {
  const q = url.searchParams;
  const get = (name: string): string | undefined => {
    const v = q.get(name);
    return v === null || v === '' ? undefined : v;
  };
  const type = get('resource_type');
  if (type === undefined && requireType) throw badRequest('resource_type is required (ANY matches every type)');
  const f: AclFilter = {};
  if (type !== undefined) f.resourceType = oneOf(type, RESOURCE_TYPES, 'resource_type', ['ANY']);
  const pattern = get('pattern_type');
  if (pattern !== undefined) f.patternType = oneOf(pattern, PATTERN_TYPES, 'pattern_type', ['ANY', 'MATCH']);
  const op = get('operation');
  if (op !== undefined) f.operation = oneOf(op, OPERATIONS, 'operation', ['ANY']);
  const perm = get('permission');
  if (perm !== undefined) f.permission = oneOf(perm, PERMISSIONS, 'permission', ['ANY']);
  const name = get('resource_name');
  if (name !== undefined) f.resourceName = name;
  const principal = get('principal');
  if (principal !== undefined) f.principal = principal;
  const host = get('host');
  if (host !== undefined) f.host = host;
  return f;
}

/** One ACL of a create request's body; every field but `host` (default `*`) is required. */
function aclOf(body: Json): Acl {
  const need = (name: string): string => {
    const v = stringField(body, name);
    if (v === undefined || v === '') throw badRequest(`${name} is required`);
    return v;
  };
  return {
    resourceType: oneOf(need('resource_type'), RESOURCE_TYPES, 'resource_type', []),
    resourceName: need('resource_name'),
    patternType: oneOf(need('pattern_type'), PATTERN_TYPES, 'pattern_type', []),
    principal: need('principal'),
    host: stringField(body, 'host') ?? '*',
    operation: oneOf(need('operation'), OPERATIONS, 'operation', []),
    permission: oneOf(need('permission'), PERMISSIONS, 'permission', []),
  };
}

function aclFields(a: Acl): Record<string, string> {
  return {
    resource_type: a.resourceType,
    resource_name: a.resourceName,
    pattern_type: a.patternType ?? 'LITERAL',
    principal: a.principal,
    host: a.host ?? '*',
    operation: a.operation,
    permission: a.permission,
  };
}

/** Confluent's KafkaAcl: its fields, and a `self` link that searches for exactly it. */
export function aclBody(aclsUrl: string, clusterId: string, a: Acl): Json {
  const fields = aclFields(a);
  const query = new URLSearchParams(FIELDS.map((k) => [k, fields[k]!])).toString();
  return { kind: 'KafkaAcl', metadata: { self: `${aclsUrl}?${query}` }, cluster_id: clusterId, ...fields };
}

const byText = (a: Acl, b: Acl): number => {
  const ka = JSON.stringify(aclFields(a));
  const kb = JSON.stringify(aclFields(b));
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** The ACL calls of the v3 API, given the admin client of the caller and the cluster's /v3 URL. */
export class AclsApi {
  constructor(private readonly admin: Admin) {}

  async search(r: RestRequest, clusterUrl: string, clusterId: string): Promise<Json> {
    const acls = await this.admin.describeAcls(filterOf(r.url, false));
    const u = `${clusterUrl}/acls`;
    return {
      kind: 'KafkaAclList',
      metadata: { self: `${u}${r.url.search}` },
      data: acls.sort(byText).map((a) => aclBody(u, clusterId, a)),
    };
  }

  /** POST .../acls: one ACL; 201 with no body and a Location to search for it. */
  async create(r: RestRequest, clusterUrl: string, clusterId: string): Promise<null> {
    const acl = aclOf(await jsonBody(r));
    await this.admin.createAcls([acl]);
    r.res.statusCode = 201;
    r.res.setHeader('location', (aclBody(`${clusterUrl}/acls`, clusterId, acl).metadata as Json)['self'] as string);
    return null;
  }

  /** POST .../acls:batch `{"data": [acl, ...]}`: several ACLs at once; 204. */
  async createBatch(r: RestRequest): Promise<null> {
    const body = await jsonBody(r);
    const data = body['data'];
    if (!Array.isArray(data) || data.length === 0) throw badRequest('data must be a non-empty array of ACLs');
    const acls = data.map((d: unknown) => {
      if (d === null || typeof d !== 'object' || Array.isArray(d)) throw badRequest('every entry of data is an ACL');
      return aclOf(d as Json);
    });
    await this.admin.createAcls(acls);
    return null;
  }

  /** DELETE .../acls?resource_type=...: deletes every ACL the filter matches; answers them. */
  async delete(r: RestRequest, clusterUrl: string, clusterId: string): Promise<Json> {
    const deleted = await this.admin.deleteAcls([filterOf(r.url, true)]);
    const u = `${clusterUrl}/acls`;
    return { data: deleted.sort(byText).map((a) => aclBody(u, clusterId, a)) };
  }
}
