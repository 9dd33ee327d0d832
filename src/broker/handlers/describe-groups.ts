/**
 * DescribeGroups (v0-v5): state, protocol and members of classic groups; an unknown group is reported as Dead
 * with no error, as Kafka does; a group the requester may not describe, GROUP_AUTHORIZATION_FAILED. v3+ have authorized operations (computed when asked for); v4+ group instance ids; v5 is
 * flexible.
 */
import { DescribeGroups } from '../../protocol/messages/describe-groups.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  AclOperation,
  authorizedOperations,
  groupResource,
  OPERATIONS_NOT_REQUESTED,
} from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Describes groups; an unknown group is reported as Dead with no error, as Kafka does for these versions. */
export function describeGroups({ groups }: HandlerDeps<'groups'>): Handler<typeof DescribeGroups> {
  return (ctx, req) => ({
    throttleTimeMs: 0,
    groups: req.groups.map((id) =>
      ctx.authorize(AclOperation.DESCRIBE, groupResource(id))
        ? {
            ...groups.describeGroup(id),
            authorizedOperations:
              ctx.header.apiVersion >= 3 && req.includeAuthorizedOperations
                ? authorizedOperations((op) => ctx.authorize(op, groupResource(id)), groupResource(id))
                : OPERATIONS_NOT_REQUESTED,
          }
        : {
            errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
            groupId: id,
            groupState: '',
            protocolType: '',
            protocolData: '',
            members: [],
            authorizedOperations: -2147483648,
          },
    ),
  });
}

export const describeGroupsHandler = defineHandler(DescribeGroups, describeGroups);
