/**
 * DeleteGroups (v0-v2): deletes groups that have no active members, with their committed offsets
 * (NON_EMPTY_GROUP otherwise). v2+ are flexible.
 */
import { DeleteGroups } from '../../protocol/messages/delete-groups.js';
import { AclOperation, groupResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Deletes groups without active members, with their committed offsets. */
export function deleteGroups({ groups }: HandlerDeps<'groups'>): Handler<typeof DeleteGroups> {
  return async (ctx, req) => {
    // Groups the requester may not delete are answered GROUP_AUTHORIZATION_FAILED; the rest are deleted.
    const allowed = req.groupsNames.filter((id) => ctx.authorize(AclOperation.DELETE, groupResource(id)));
    if (allowed.length === req.groupsNames.length)
      return { throttleTimeMs: 0, results: await groups.deleteGroups(allowed) };
    const deleted = new Map((await groups.deleteGroups(allowed)).map((r) => [r.groupId, r]));
    const results = req.groupsNames.map(
      (groupId) => deleted.get(groupId) ?? { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED },
    );
    return { throttleTimeMs: 0, results };
  };
}

export const deleteGroupsHandler = defineHandler(DeleteGroups, deleteGroups);
