/**
 * CreateAcls (v0-v3): adds ACLs, durably, answering each creation: INVALID_REQUEST with Kafka's message for a
 * binding that cannot exist (MATCH or ANY codes, an empty name, a cluster not named kafka-cluster, a principal
 * without a type). Needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED); SECURITY_DISABLED when no authorizer
 * is configured. v0 carries no pattern type: its ACLs are literal.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { CreateAcls } from '../../protocol/messages/create-acls.js';
import type { AclBinding } from '../../security/acl.js';
import { AclAuthorizer } from '../../security/acl-authorizer.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

export function createAcls({ authorizer }: HandlerDeps<'authorizer'>): Handler<typeof CreateAcls> {
  return async (ctx, req) => {
    const all = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      results: req.creations.map(() => ({ errorCode, errorMessage })),
    });
    if (!ctx.authorize(AclOperation.ALTER, CLUSTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
    if (!(authorizer instanceof AclAuthorizer)) return all(ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured.');
    const bindings: AclBinding[] = req.creations.map((c) => ({
      resourceType: c.resourceType as AclBinding['resourceType'],
      resourceName: c.resourceName,
      patternType: (ctx.header.apiVersion === 0 ? 3 : c.resourcePatternType) as AclBinding['patternType'],
      principal: c.principal,
      host: c.host,
      operation: c.operation as AclBinding['operation'],
      permission: c.permissionType as AclBinding['permission'],
    }));
    try {
      const results = await authorizer.create(bindings);
      return {
        throttleTimeMs: 0,
        results: results.map((r) =>
          r === undefined
            ? { errorCode: 0, errorMessage: null }
            : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: r },
        ),
      };
    } catch (err) {
      return all(ErrorCode.UNKNOWN_SERVER_ERROR, `The ACLs could not be stored: ${(err as Error).message}`);
    }
  };
}

export const createAclsHandler = defineHandler(CreateAcls, createAcls);
