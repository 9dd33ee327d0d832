/**
 * SyncGroup (v0-v5): classic group sync; members wait until the leader's assignment is stored, then each gets its
 * own. v3+ group instance ids; v4+ flexible; v5 protocol type and name, checked against the group's.
 */
import { SyncGroup } from '../../protocol/messages/sync-group.js';
import { AclOperation, groupResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Classic group sync: members wait until the leader's assignment is stored, then each gets its own. */
export function syncGroup({ groups }: HandlerDeps<'groups'>): Handler<typeof SyncGroup> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (!ctx.authorize(AclOperation.READ, groupResource(req.groupId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, assignment: Buffer.alloc(0) };
    }
    const r = await groups.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: v >= 3 ? req.groupInstanceId : null,
      protocolType: v >= 5 ? req.protocolType : null,
      protocolName: v >= 5 ? req.protocolName : null,
      // Copied: the request buffer is not ours to keep.
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    });
    return { throttleTimeMs: 0, ...r };
  };
}

export const syncGroupHandler = defineHandler(SyncGroup, syncGroup);
