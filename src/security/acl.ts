/**
 * Kafka's ACL model: bindings (a resource pattern and an access control entry), the filters CreateAcls,
 * DescribeAcls and DeleteAcls work with, and the rules deciding whether a binding applies to an action.
 *
 * The rules are those of Kafka's StandardAuthorizer: a binding applies to a resource when its pattern is the
 * literal name, the literal wildcard `*`, or a prefix of the name (PREFIXED); to a principal when it names the
 * principal or `User:*`; to a host when it names the client's address or `*`. A DENY that applies wins over any
 * ALLOW; an ALLOW of READ, WRITE, DELETE or ALTER also allows DESCRIBE, an ALLOW of ALTER_CONFIGS also allows
 * DESCRIBE_CONFIGS, and ALL stands for every operation (in both ALLOW and DENY).
 */
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../protocol/acl-codes.js';
import { CLUSTER_NAME } from './authorizer.js';

export { AclPermissionType, PatternType };

/** The literal resource name that stands for every resource of its type. */
export const WILDCARD_RESOURCE = '*';
/** The principal that stands for every user. */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The host that stands for every client address. */
export const WILDCARD_HOST = '*';

/** One ACL: who (principal, host) may or may not (permission) do what (operation) to which resources (pattern). */
export interface AclBinding {
  resourceType: ResourceType;
  resourceName: string;
  patternType: PatternType;
  /** `type:name`, e.g. `User:alice` or `User:*`. */
  principal: string;
  host: string;
  operation: AclOperation;
  permission: AclPermissionType;
}

/** A filter over bindings; null strings and the ANY codes match everything. */
export interface AclBindingFilter {
  resourceType: ResourceType;
  resourceName: string | null;
  patternType: PatternType;
  principal: string | null;
  host: string | null;
  operation: AclOperation;
  permission: AclPermissionType;
}

/** The filter that matches every binding. */
export const ANY_ACL: AclBindingFilter = Object.freeze({
  resourceType: ResourceType.ANY,
  resourceName: null,
  patternType: PatternType.ANY,
  principal: null,
  host: null,
  operation: AclOperation.ANY,
  permission: AclPermissionType.ANY,
});

/** Names of the codes, as Kafka's tools print them. */
export const RESOURCE_TYPE_NAMES = invert(ResourceType);
export const OPERATION_NAMES = invert(AclOperation);
export const PATTERN_TYPE_NAMES = invert(PatternType);
export const PERMISSION_NAMES = invert(AclPermissionType);

function invert(o: Record<string, number>): ReadonlyMap<number, string> {
  return new Map(Object.entries(o).map(([k, v]) => [v, k]));
}

/** Parses a code by name (`read`, `describe-configs` and `DESCRIBE_CONFIGS` alike), undefined if unknown. */
export function codeByName<T extends number>(table: Record<string, T>, name: string): T | undefined {
  const key = name.trim().toUpperCase().replace(/-/g, '_');
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The operations whose ALLOW also allows `operation` (besides itself and ALL). */
const IMPLIED_BY: ReadonlyMap<AclOperation, readonly AclOperation[]> = new Map<AclOperation, AclOperation[]>([
  [AclOperation.DESCRIBE, [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]],
  [AclOperation.DESCRIBE_CONFIGS, [AclOperation.ALTER_CONFIGS]],
]);

/** True when an ALLOW of `granted` allows `requested`. */
export function allowCovers(granted: AclOperation, requested: AclOperation): boolean {
  return (
    granted === requested || granted === AclOperation.ALL || (IMPLIED_BY.get(requested)?.includes(granted) ?? false)
  );
}

/** True when a DENY of `denied` denies `requested` (no implication: denying DESCRIBE leaves READ alone). */
export function denyCovers(denied: AclOperation, requested: AclOperation): boolean {
  return denied === requested || denied === AclOperation.ALL;
}

/** True when a binding's pattern applies to the resource named `name` (of the same type). */
export function patternApplies(b: { resourceName: string; patternType: PatternType }, name: string): boolean {
  if (b.patternType === PatternType.LITERAL) return b.resourceName === name || b.resourceName === WILDCARD_RESOURCE;
  if (b.patternType === PatternType.PREFIXED) return name.startsWith(b.resourceName);
  return false;
}

/** True when `filter` matches `binding` (DescribeAcls and DeleteAcls). */
export function filterMatches(filter: AclBindingFilter, b: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== b.resourceType) return false;
  if (!patternFilterMatches(filter, b)) return false;
  if (filter.principal !== null && filter.principal !== b.principal) return false;
  if (filter.host !== null && filter.host !== b.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== b.operation) return false;
  if (filter.permission !== AclPermissionType.ANY && filter.permission !== b.permission) return false;
  return true;
}

function patternFilterMatches(filter: AclBindingFilter, b: AclBinding): boolean {
  const name = filter.resourceName;
  switch (filter.patternType) {
    case PatternType.ANY:
      return name === null || name === b.resourceName;
    case PatternType.MATCH:
      // Every binding that would apply to a resource of that name (or any binding when no name is given).
      return name === null || patternApplies(b, name);
    default:
      return filter.patternType === b.patternType && (name === null || name === b.resourceName);
  }
}

/** Why a binding cannot be created (Kafka's INVALID_REQUEST messages), or undefined when it is valid. */
export function invalidBinding(b: AclBinding): string | undefined {
  if (!RESOURCE_TYPE_NAMES.has(b.resourceType) || b.resourceType === ResourceType.ANY || b.resourceType === 0) {
    return `Invalid resourceType ${b.resourceType}`;
  }
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) {
    return `Invalid patternType ${PATTERN_TYPE_NAMES.get(b.patternType) ?? b.patternType}`;
  }
  if (!OPERATION_NAMES.has(b.operation) || b.operation === AclOperation.ANY || b.operation === AclOperation.UNKNOWN) {
    return `Invalid operation ${OPERATION_NAMES.get(b.operation) ?? b.operation}`;
  }
  if (b.permission !== AclPermissionType.ALLOW && b.permission !== AclPermissionType.DENY) {
    return `Invalid permissionType ${PERMISSION_NAMES.get(b.permission) ?? b.permission}`;
  }
  if (b.resourceName === '') return 'Resource name should not be empty';
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) {
    return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  }
  if (!/^[^:]+:/.test(b.principal))
    return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  if (b.host === '') return 'Invalid empty host';
  return undefined;
}

/** Why a filter cannot be used (Kafka's INVALID_REQUEST), or undefined when it is valid. */
export function invalidFilter(f: AclBindingFilter): string | undefined {
  if (f.resourceType === ResourceType.UNKNOWN || !RESOURCE_TYPE_NAMES.has(f.resourceType)) {
    return 'The filter has an UNKNOWN resource type';
  }
  if (f.patternType === PatternType.UNKNOWN || !PATTERN_TYPE_NAMES.has(f.patternType)) {
    return 'The filter has an UNKNOWN pattern type';
  }
  if (f.operation === AclOperation.UNKNOWN || !OPERATION_NAMES.has(f.operation)) {
    return 'The filter has an UNKNOWN operation';
  }
  if (f.permission === AclPermissionType.UNKNOWN || !PERMISSION_NAMES.has(f.permission)) {
    return 'The filter has an UNKNOWN permission type';
  }
  return undefined;
}

/** A key identifying a binding (two equal bindings are one ACL). */
export function bindingKey(b: AclBinding): string {
  return JSON.stringify([
    b.resourceType,
    b.patternType,
    b.resourceName,
    b.principal,
    b.host,
    b.operation,
    b.permission,
  ]);
}

/** `(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)` on `TOPIC:LITERAL:orders`, for messages. */
export function bindingText(b: AclBinding): string {
  const resource = `${RESOURCE_TYPE_NAMES.get(b.resourceType)}:${PATTERN_TYPE_NAMES.get(b.patternType)}:${b.resourceName}`;
  return `${b.principal} ${PERMISSION_NAMES.get(b.permission)} ${OPERATION_NAMES.get(b.operation)} from ${b.host} on ${resource}`;
}
