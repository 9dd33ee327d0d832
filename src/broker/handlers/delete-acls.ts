/**
 * DeleteAcls (v0-v3): removes, durably, the ACLs each filter matches and lists them per filter. Needs ALTER on the
 * cluster (CLUSTER_AUTHORIZATION_FAILED); SECURITY_DISABLED when no authorizer is configured; INVALID_REQUEST for a
 * filter with UNKNOWN codes (the other filters are applied). v0 carries no pattern type: its filters are literal.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteAcls } from '../../protocol/messages/delete-acls.js';
import { type AclBinding, type AclBindingFilter, invalidFilter, PatternType } from '../../security/acl.js';
import { AclAuthorizer } from '../../security/acl-authorizer.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

export function deleteAcls({ authorizer }: HandlerDeps<'authorizer'>): Handler<typeof DeleteAcls> {
  return async (ctx, req) => {
    const all = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      filterResults: req.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (!ctx.authorize(AclOperation.ALTER, CLUSTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    if (!(authorizer instanceof AclAuthorizer)) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    const filters: AclBindingFilter[] = req.filters.map((f) => ({
      resourceType: f.resourceTypeFilter as AclBindingFilter['resourceType'],
      resourceName: f.resourceNameFilter,
      patternType: (ctx.header.apiVersion === 0 ? PatternType.LITERAL : f.patternTypeFilter) as PatternType,
      principal: f.principalFilter,
      host: f.hostFilter,
      operation: f.operation as AclOperation,
      permission: f.permissionType as AclBindingFilter['permission'],
    }));
    const problems = filters.map(invalidFilter);
    let removed: AclBinding[][];
    try {
      removed = await authorizer.delete(filters.filter((_, i) => problems[i] === undefined));
    } catch (err) {
      return all(ErrorCode.UNKNOWN_SERVER_ERROR, `The ACLs could not be stored: ${(err as Error).message}`);
    }
    let next = 0;
    return {
      throttleTimeMs: 0,
      filterResults: problems.map((problem) => {
        if (problem !== undefined)
          return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
        const matched = removed[next++]!;
        return {
          errorCode: 0,
          errorMessage: null,
          matchingAcls: matched.map((b) => ({
            errorCode: 0,
            errorMessage: null,
            resourceType: b.resourceType,
            resourceName: b.resourceName,
            patternType: b.patternType,
            principal: b.principal,
            host: b.host,
            operation: b.operation,
            permissionType: b.permission,
          })),
        };
      }),
    };
  };
}

export const deleteAclsHandler = defineHandler(DeleteAcls, deleteAcls);
