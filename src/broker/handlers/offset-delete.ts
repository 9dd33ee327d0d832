/**
 * OffsetDelete (v0): deletes a group's committed offsets for partitions it no longer consumes
 * (GROUP_SUBSCRIBED_TO_TOPIC while a member still subscribes to the topic).
 */
import { OffsetDelete } from '../../protocol/messages/offset-delete.js';
import { AclOperation, groupResource, topicResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Deletes a group's committed offsets for partitions it no longer consumes. */
export function offsetDelete({ groups }: HandlerDeps<'groups'>): Handler<typeof OffsetDelete> {
  return async (ctx, req) => {
    if (!ctx.authorize(AclOperation.DELETE, groupResource(req.groupId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
    }
    // Offsets of a topic the requester may not read stay, refused with TOPIC_AUTHORIZATION_FAILED.
    const refused = req.topics.filter((t) => !ctx.authorize(AclOperation.READ, topicResource(t.name)));
    const r = await groups.deleteOffsets(
      req.groupId,
      req.topics
        .filter((t) => !refused.includes(t))
        .map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    const denied = refused.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      })),
    }));
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: [...r.topics, ...denied] };
  };
}

export const offsetDeleteHandler = defineHandler(OffsetDelete, offsetDelete);
