/**
 * OffsetCommit (v0-v9): stores committed offsets in `__consumer_offsets`; the answer waits for the append. v1
 * carries a commit timestamp; v2-v4 a retention time (ignored, as in Kafka 3.x); v6+ the leader epoch; v7+ group
 * instance ids; v8+ flexible; v9 commits of KIP-848 members by member epoch.
 */
import { OffsetCommit } from '../../protocol/messages/offset-commit.js';
import { AclOperation, groupResource, topicResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Stores committed offsets in __consumer_offsets; the response waits for the append. */
const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;

export function offsetCommit({ groups }: HandlerDeps<'groups'>): Handler<typeof OffsetCommit> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (!ctx.authorize(AclOperation.READ, groupResource(req.groupId))) {
      const denied = (p: { partitionIndex: number }) => ({ partitionIndex: p.partitionIndex, errorCode: GROUP_DENIED });
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map(denied) })),
      };
    }
    // Offsets of a topic the requester may not read are refused with TOPIC_AUTHORIZATION_FAILED, as in Kafka.
    const mayRead = (name: string) => ctx.authorize(AclOperation.READ, topicResource(name));
    const refused = req.topics.filter((t) => !mayRead(t.name));
    const allowed = refused.length === 0 ? req.topics : req.topics.filter((t) => !refused.includes(t));
    const topics = await groups.commitOffsets(
      {
        groupId: req.groupId,
        generationIdOrMemberEpoch: v >= 1 ? req.generationIdOrMemberEpoch : -1,
        memberId: v >= 1 ? req.memberId : '',
        groupInstanceId: v >= 7 ? req.groupInstanceId : null,
        topics: allowed.map((t) => ({
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
    for (const t of refused) {
      topics.push({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        })),
      });
    }
    return { throttleTimeMs: 0, topics };
  };
}

export const offsetCommitHandler = defineHandler(OffsetCommit, offsetCommit);
