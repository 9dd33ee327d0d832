import { OffsetCommit } from '../../protocol/messages/offset-commit.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Stores committed offsets in __consumer_offsets; the response waits for the append. */
export function offsetCommit({ groups }: HandlerDeps<'groups'>): Handler<typeof OffsetCommit> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    const topics = await groups.commitOffsets(
      {
        groupId: req.groupId,
        generationIdOrMemberEpoch: v >= 1 ? req.generationIdOrMemberEpoch : -1,
        memberId: v >= 1 ? req.memberId : '',
        groupInstanceId: v >= 7 ? req.groupInstanceId : null,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
            commitTimestamp: v === 1 ? p.commitTimestamp : -1,
            committedMetadata: p.committedMetadata,
          })),
        })),
      },
      v,
    );
    return { throttleTimeMs: 0, topics };
  };
}

export const offsetCommitHandler = defineHandler(OffsetCommit, offsetCommit);
