/**
 * DeleteGroups (v0-v2): deletes groups that have no active members, with their committed offsets
 * (NON_EMPTY_GROUP otherwise). v2+ are flexible.
 */
import { DeleteGroups } from '../../protocol/messages/delete-groups.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Deletes groups without active members, with their committed offsets. */
export function deleteGroups({ groups }: HandlerDeps<'groups'>): Handler<typeof DeleteGroups> {
  return async (_ctx, req) => ({ throttleTimeMs: 0, results: await groups.deleteGroups(req.groupsNames) });
}

export const deleteGroupsHandler = defineHandler(DeleteGroups, deleteGroups);
