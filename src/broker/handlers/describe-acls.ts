/**
 * DescribeAcls (v0-v3): the ACLs one filter matches, grouped by resource pattern. Needs DESCRIBE on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED); SECURITY_DISABLED when no authorizer is configured; INVALID_REQUEST for a filter
 * with UNKNOWN codes. v0 carries no pattern type and sees literal patterns only, as in Kafka.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeAcls } from '../../protocol/messages/describe-acls.js';
import { type AclBinding, type AclBindingFilter, invalidFilter, PatternType } from '../../security/acl.js';
import { AclAuthorizer } from '../../security/acl-authorizer.js';
import { AclOperation, CLUSTER, type ResourceType } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

export function describeAcls({ authorizer }: HandlerDeps<'authorizer'>): Handler<typeof DescribeAcls> {
  return (ctx, req) => {
    const fail = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      resources: [],
    });
    if (!ctx.authorize(AclOperation.DESCRIBE, CLUSTER)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    if (!(authorizer instanceof AclAuthorizer))
      return fail(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    const filter: AclBindingFilter = {
      resourceType: req.resourceTypeFilter as ResourceType,
      resourceName: req.resourceNameFilter,
      patternType: (ctx.header.apiVersion === 0 ? PatternType.LITERAL : req.patternTypeFilter) as PatternType,
      principal: req.principalFilter,
      host: req.hostFilter,
      operation: req.operation as AclOperation,
      permission: req.permissionType as AclBindingFilter['permission'],
    };
    const invalid = invalidFilter(filter);
    if (invalid !== undefined) return fail(ErrorCode.INVALID_REQUEST, invalid);
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, resources: groupByResource(authorizer.list(filter)) };
  };
}

/** Bindings grouped by resource pattern, in the order each pattern is first seen. */
export function groupByResource(bindings: readonly AclBinding[]) {
  const out = new Map<
    string,
    {
      resourceType: number;
      resourceName: string;
      patternType: number;
      acls: Array<{ principal: string; host: string; operation: number; permissionType: number }>;
    }
  >();
  for (const b of bindings) {
    const key = `${b.resourceType}/${b.patternType}/${b.resourceName}`;
    let r = out.get(key);
    if (r === undefined) {
      r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] };
      out.set(key, r);
    }
    r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission });
  }
  return [...out.values()];
}

export const describeAclsHandler = defineHandler(DescribeAcls, describeAcls);
