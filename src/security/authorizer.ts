/**
 * Who may do what: Kafka's principals, ACL operations and resource types, and the Authorizer seam every handler
 * asks once per request through its request context. The broker plugs in `allowEverything` (Kafka's behaviour
 * with no `authorizer.class.name`) or the ACL authorizer (acl-authorizer.ts).
 *
 * The numbers are Kafka's wire codes (AclOperation and ResourceType in the ACL APIs and in the
 * authorized-operations bit fields of Metadata, DescribeCluster and DescribeGroups).
 */

import { AclOperation, ResourceType } from '../protocol/acl-codes.js';

export { AclOperation, ResourceType };

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

/** What an authorized-operations field holds when the client did not ask for it. */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

/** The operations that apply to each resource type (Kafka's), the bits of authorized-operations fields. */
const RESOURCE_OPERATIONS: ReadonlyMap<ResourceType, readonly AclOperation[]> = new Map<ResourceType, AclOperation[]>([
  [
    ResourceType.TOPIC,
    [
      AclOperation.READ,
      AclOperation.WRITE,
      AclOperation.CREATE,
      AclOperation.DESCRIBE,
      AclOperation.DELETE,
      AclOperation.ALTER,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
    ],
  ],
  [ResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE]],
  [
    ResourceType.CLUSTER,
    [
      AclOperation.CREATE,
      AclOperation.CLUSTER_ACTION,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
      AclOperation.IDEMPOTENT_WRITE,
      AclOperation.ALTER,
      AclOperation.DESCRIBE,
    ],
  ],
  [ResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
]);

/**
 * The authorized-operations bit field of `resource` (Metadata, DescribeCluster, DescribeGroups,
 * ConsumerGroupDescribe): bit n set when `authorize(n)` allows operation n.
 */
export function authorizedOperations(authorize: (op: AclOperation) => boolean, resource: Resource): number {
  let bits = 0;
  for (const op of RESOURCE_OPERATIONS.get(resource.type) ?? []) if (authorize(op)) bits |= 1 << op;
  return bits;
}

/** Kafka without an authorizer: everyone may do everything. */
export const allowEverything: Authorizer = Object.freeze({ authorize: () => true });
