/**
 * LeaveGroup (v0-v5): removes members from a classic group; v3+ several at once, by member id or group instance
 * id, each with its own error; v4+ flexible; v5 a reason.
 */
import { LeaveGroup } from '../../protocol/messages/leave-group.js';
import { AclOperation, groupResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Removes members from a classic group (v3+: several, by member id or group.instance.id). */
export function leaveGroup({ groups }: HandlerDeps<'groups'>): Handler<typeof LeaveGroup> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (!ctx.authorize(AclOperation.READ, groupResource(req.groupId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    }
    const members =
      v >= 3
        ? req.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            reason: v >= 5 ? m.reason : null,
          }))
        : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    const r = await groups.leaveGroup(req.groupId, members);
    if (v < 3) {
      // One member, whose error is the response's.
      return { throttleTimeMs: 0, errorCode: r.errorCode || (r.members[0]?.errorCode ?? 0), members: [] };
    }
    return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
  };
}

export const leaveGroupHandler = defineHandler(LeaveGroup, leaveGroup);
