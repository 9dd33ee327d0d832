/**
 * Kafka's ACL codes as they travel in CreateAcls, DescribeAcls, DeleteAcls and the authorized-operations bit
 * fields: operations, resource types, resource pattern types and permission types. Shared by the broker's
 * authorizer (src/security) and the client (src/client/acls.ts).
 */

/** Kafka's AclOperation codes. */
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

/** Kafka's ResourceType codes. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

/** Kafka's PatternType codes. MATCH and ANY exist only in filters. */
export const PatternType = {
  UNKNOWN: 0,
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
} as const;
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

/** Kafka's AclPermissionType codes. ANY exists only in filters. */
export const AclPermissionType = {
  UNKNOWN: 0,
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
} as const;
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType];

/** The names of a code table without the filter-only and unknown entries, in code order. */
const concrete = <T extends Record<string, number>>(codes: T) =>
  Object.keys(codes).filter((k) => k !== 'UNKNOWN' && k !== 'ANY') as Array<
    Exclude<keyof T & string, 'UNKNOWN' | 'ANY'>
  >;

/** Every operation an ACL can name (ALL, READ, ... DESCRIBE_TOKENS), for tools that list or parse them. */
export const ACL_OPERATION_NAMES = concrete(AclOperation);
/** Every resource type an ACL can name (TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, DELEGATION_TOKEN, USER). */
export const ACL_RESOURCE_TYPE_NAMES = concrete(ResourceType);
