/**
 * Client quota entities and their values, as Kafka names them (KIP-257, KIP-546): an entity is a user, a client
 * id, a user and client id together, or an IP address; a name of null is the default entity (`<default>` in
 * Kafka's tools). Values are keyed by Kafka's quota names. This file holds the rules AlterClientQuotas validates
 * with and the filter DescribeClientQuotas matches with, both with Kafka's errors and messages; it knows nothing
 * of enforcement.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { isIP } from 'node:net';

export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';

/** An entity: a type absent from the object is not part of it; a type present with null is its default. */
export interface QuotaEntity {
  user?: string | null;
  clientId?: string | null;
  ip?: string | null;
}

/** One stored entity with its values (bytes per second, percent, connections per second). */
export interface QuotaRecord {
  entity: QuotaEntity;
  values: Record<string, number>;
}

type ValueType = 'long' | 'double' | 'int';

/** The keys an entity of users and client ids may have, with Kafka's value types. */
export const CLIENT_QUOTA_KEYS: Readonly<Record<string, ValueType>> = {
  producer_byte_rate: 'long',
  consumer_byte_rate: 'long',
  request_percentage: 'double',
  controller_mutation_rate: 'double',
};

/** The keys of an IP entity. */
export const IP_QUOTA_KEYS: Readonly<Record<string, ValueType>> = { connection_creation_rate: 'int' };

/** A stable string for an entity, used as a map key: the same entity always gives the same key. */
export function entityKey(e: QuotaEntity): string {
  const part = (v: string | null | undefined) => (v === undefined ? '-' : v === null ? '*' : `=${v}`);
  return `${part(e.user)}\u0000${part(e.clientId)}\u0000${part(e.ip)}`;
}

/** The entity as the wire lists it: (type, name) pairs, user first, as Kafka orders them. */
export function entityToWire(e: QuotaEntity): Array<{ entityType: string; entityName: string | null }> {
  const out: Array<{ entityType: string; entityName: string | null }> = [];
  if (e.user !== undefined) out.push({ entityType: USER, entityName: e.user });
  if (e.clientId !== undefined) out.push({ entityType: CLIENT_ID, entityName: e.clientId });
  if (e.ip !== undefined) out.push({ entityType: IP, entityName: e.ip });
  return out;
}

/** Kafka's error for one entity or request: a code and its message. */
export interface QuotaError {
  code: number;
  message: string;
}

const invalid = (message: string): QuotaError => ({ code: ErrorCode.INVALID_REQUEST, message });

/** Reads an entity off the wire with Kafka's checks; a string is the entity's description for messages. */
export function entityFromWire(
  pairs: ReadonlyArray<{ entityType: string; entityName: string | null }>,
): QuotaEntity | QuotaError {
  if (pairs.length === 0) return invalid('Invalid empty client quota entity');
  const e: QuotaEntity = {};
  for (const { entityType, entityName } of pairs) {
    const field = entityType === USER ? 'user' : entityType === CLIENT_ID ? 'clientId' : entityType === IP ? 'ip' : '';
    if (field === '') return invalid(`Unhandled client quota entity type: ${entityType}`);
    if (e[field] !== undefined) return invalid(`Invalid client quota entity, duplicate entity entry ${entityType}`);
    if (entityName === '') return invalid(`Empty ${entityType} not supported`);
    e[field] = entityName;
  }
  if (e.ip !== undefined) {
    if (e.user !== undefined || e.clientId !== undefined) {
      return invalid('Invalid quota entity combination, IP entity should not be combined with User or ClientId');
    }
    if (e.ip !== null && isIP(e.ip) === 0) return invalid(`${e.ip} is not a valid IP or resolvable host.`);
  }
  return e;
}

/** The keys valid for an entity. */
export function keysFor(e: QuotaEntity): Readonly<Record<string, ValueType>> {
  return e.ip !== undefined ? IP_QUOTA_KEYS : CLIENT_QUOTA_KEYS;
}

/** Checks one value to set, as Kafka's controller does; undefined when it is valid. */
export function checkValue(e: QuotaEntity, key: string, value: number): QuotaError | undefined {
  const type = keysFor(e)[key];
  if (type === undefined) return invalid(`Invalid configuration key ${key}`);
  if (!(value > 0)) return invalid(`Quota ${key} must be greater than 0`);
  if (type === 'double') return undefined;
  if (type === 'int' && value > 2147483647) return invalid(`Proposed value for ${key} is too large for an INT.`);
  if (type === 'long' && value >= 2 ** 63) {
    return invalid(`Proposed value for ${key} is too large for a LONG.`);
  }
  if (Math.abs(value % 1) > 1e-6) return invalid(`${key} cannot be a fractional value.`);
  return undefined;
}

/** A DescribeClientQuotas filter, checked: exact names (null: the default) and types that must be present. */
export interface QuotaFilter {
  exact: Map<string, string | null>;
  present: Set<string>;
  strict: boolean;
}

export const MATCH_EXACT = 0;
export const MATCH_DEFAULT = 1;
export const MATCH_SPECIFIED = 2;

/** Reads a filter with Kafka's checks and messages. */
export function filterFromWire(
  components: ReadonlyArray<{ entityType: string; matchType: number; match: string | null }>,
  strict: boolean,
): QuotaFilter | QuotaError {
  const exact = new Map<string, string | null>();
  const present = new Set<string>();
  for (const c of components) {
    if (c.entityType === '') return invalid('Invalid empty entity type.');
    if (exact.has(c.entityType) || present.has(c.entityType)) {
      return invalid(`Entity type ${c.entityType} cannot appear more than once in the filter.`);
    }
    if (c.entityType !== USER && c.entityType !== CLIENT_ID && c.entityType !== IP) {
      return { code: ErrorCode.UNSUPPORTED_VERSION, message: `Unsupported entity type ${c.entityType}` };
    }
    if (c.matchType === MATCH_EXACT) {
      if (c.match === null) return invalid('Request specified MATCH_TYPE_EXACT, but set match string to null.');
      exact.set(c.entityType, c.match);
    } else if (c.matchType === MATCH_DEFAULT) {
      if (c.match !== null) {
        return invalid('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
      }
      exact.set(c.entityType, null);
    } else if (c.matchType === MATCH_SPECIFIED) {
      if (c.match !== null) {
        return invalid('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
      }
      present.add(c.entityType);
    } else {
      return invalid(`Unknown match type ${c.matchType}`);
    }
  }
  const has = (t: string) => exact.has(t) || present.has(t);
  if (has(IP) && (has(USER) || has(CLIENT_ID))) {
    return invalid(
      'Invalid entity filter component combination. IP filter component should not be used with user or ' +
        'clientId filter component.',
    );
  }
  return { exact, present, strict };
}

/** True when the stored entity matches the filter. */
export function matchesFilter(e: QuotaEntity, f: QuotaFilter): boolean {
  const names = new Map<string, string | null>();
  if (e.user !== undefined) names.set(USER, e.user);
  if (e.clientId !== undefined) names.set(CLIENT_ID, e.clientId);
  if (e.ip !== undefined) names.set(IP, e.ip);
  if (f.strict && names.size !== f.exact.size + f.present.size) return false;
  for (const [type, name] of f.exact) {
    if (!names.has(type) || names.get(type) !== name) return false;
  }
  for (const type of f.present) if (!names.has(type)) return false;
  return true;
}

/** Kafka's tools print an entity as `user 'alice', client-id <default>`; used in log lines and the CLI. */
export function describeEntity(e: QuotaEntity): string {
  return entityToWire(e)
    .map((p) => `${p.entityType} ${p.entityName === null ? '<default>' : `'${p.entityName}'`}`)
    .join(', ');
}

export function isQuotaError(v: unknown): v is QuotaError {
  return typeof v === 'object' && v !== null && 'code' in v && 'message' in v;
}
