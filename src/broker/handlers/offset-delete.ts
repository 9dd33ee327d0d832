/**
 * OffsetDelete (v0): deletes a group's committed offsets for partitions it no longer consumes
 * (GROUP_SUBSCRIBED_TO_TOPIC while a member still subscribes to the topic).
 */
import { OffsetDelete } from '../../protocol/messages/offset-delete.js';
import { AclOperation, groupResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Deletes a group's committed offsets for partitions it no longer consumes. */
export function offsetDelete({ groups }: HandlerDeps<'groups'>): Handler<typeof OffsetDelete> {
  return async (ctx, req) => {
    if (!ctx.authorize(AclOperation.DELETE, groupResource(req.groupId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
    }
    const r = await groups.deleteOffsets(
      req.groupId,
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  };
}

export const offsetDeleteHandler = defineHandler(OffsetDelete, offsetDelete);
