/**
 * Who may do what: Kafka's principals, ACL operations and resource types, and the Authorizer seam every handler
 * asks once per request through its request context. Today the broker plugs in `allowEverything` (Kafka's
 * behaviour with no `authorizer.class.name`); the security work plugs an ACL-backed authorizer in here.
 *
 * The numbers are Kafka's wire codes (AclOperation and ResourceType in the ACL APIs and in the
 * authorized-operations bit fields of Metadata, DescribeCluster and DescribeGroups).
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

/** The one CLUSTER resource is always named this, as in Kafka. */
export const CLUSTER_NAME = 'kafka-cluster';

export interface Resource {
  type: ResourceType;
  name: string;
}

export const topicResource = (name: string): Resource => ({ type: ResourceType.TOPIC, name });
export const groupResource = (name: string): Resource => ({ type: ResourceType.GROUP, name });
export const transactionalIdResource = (name: string): Resource => ({ type: ResourceType.TRANSACTIONAL_ID, name });
export const CLUSTER: Resource = Object.freeze({ type: ResourceType.CLUSTER, name: CLUSTER_NAME });

/** A Kafka principal, written `type:name` (e.g. `User:alice`). */
export interface Principal {
  type: string;
  name: string;
}

export const ANONYMOUS: Principal = Object.freeze({ type: 'User', name: 'ANONYMOUS' });

export function principalString(p: Principal): string {
  return `${p.type}:${p.name}`;
}

/** What an authorizer knows about the requester (a request context satisfies it). */
export interface Requester {
  principal: Principal;
  /** The client's address, without port. */
  clientHost: string;
  listenerName: string;
  securityProtocol: string;
}

export interface Authorizer {
  /** True when `requester` may perform `operation` on `resource`. Called on the request path: keep it cheap. */
  authorize(requester: Requester, operation: AclOperation, resource: Resource): boolean;
  /**
   * True when `requester` may perform `operation` on at least one resource of `type` (Kafka's
   * authorizeByResourceType). Without it, the answer for a resource no ACL names is used.
   */
  authorizeAny?(requester: Requester, operation: AclOperation, type: ResourceType): boolean;
}

/** Kafka without an authorizer: everyone may do everything. */
export const allowEverything: Authorizer = Object.freeze({ authorize: () => true });
