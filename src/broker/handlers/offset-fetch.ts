/**
 * OffsetFetch (v0-v9): committed offsets of a group (v8+: several groups per request), with the leader epoch from
 * v5 and require_stable from v7; null topics (v2+) mean every partition with an offset. v6+ are flexible; v9 adds
 * member id and epoch for KIP-848 members.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetFetch } from '../../protocol/messages/offset-fetch.js';
import { AclOperation, groupResource, topicResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/**
 * Reads committed offsets: one group per request up to v7, several from v8. Null topics (v2+) means every
 * partition the group has an offset for. With require_stable (v7+), a partition whose offset an open
 * transaction has staged answers UNSTABLE_OFFSET_COMMIT, so the consumer retries once the transaction ends.
 */
export function offsetFetch({ groups, txn }: HandlerDeps<'groups' | 'txn'>): Handler<typeof OffsetFetch> {
  type Topics = ReturnType<typeof groups.fetchOffsets>['topics'];
  const markUnstable = (groupId: string, topics: Topics): void => {
    for (const t of topics) {
      for (const p of t.partitions) {
        if (txn.hasPendingOffsets(groupId, t.name, p.partitionIndex)) {
          p.errorCode = ErrorCode.UNSTABLE_OFFSET_COMMIT;
          p.committedOffset = -1;
        }
      }
    }
  };
  /**
   * One group's offsets as the requester may see them: GROUP_AUTHORIZATION_FAILED without DESCRIBE on the group;
   * partitions of topics it may not describe answer TOPIC_AUTHORIZATION_FAILED, or are left out when every
   * partition was asked for (null topics), as Kafka does.
   */
  const fetchAuthorized = (
    ctx: Parameters<Handler<typeof OffsetFetch>>[0],
    groupId: string,
    asked: Array<{ name: string; partitionIndexes: number[] }> | null,
    member?: { memberId: string | null; memberEpoch: number },
  ): ReturnType<typeof groups.fetchOffsets> => {
    const denied = (errorCode: number, partitionIndexes: number[]) =>
      partitionIndexes.map((partitionIndex) => ({
        partitionIndex,
        committedOffset: -1,
        committedLeaderEpoch: -1,
        metadata: null,
        errorCode,
      }));
    if (!ctx.authorize(AclOperation.DESCRIBE, groupResource(groupId))) {
      const topics = (asked ?? []).map((t) => ({
        name: t.name,
        partitions: denied(ErrorCode.GROUP_AUTHORIZATION_FAILED, t.partitionIndexes),
      }));
      return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics };
    }
    const r = groups.fetchOffsets(groupId, asked, member);
    const visible = (name: string) => ctx.authorize(AclOperation.DESCRIBE, topicResource(name));
    if (asked === null) return { ...r, topics: r.topics.filter((t) => visible(t.name)) };
    for (const t of r.topics) {
      if (!visible(t.name)) {
        t.partitions = denied(
          ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          t.partitions.map((p) => p.partitionIndex),
        );
      }
    }
    return r;
  };
  return (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: 0,
        groups: req.groups.map((g) => {
          const r = fetchAuthorized(
            ctx,
            g.groupId,
            g.topics,
            v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : undefined,
          );
          if (req.requireStable) markUnstable(g.groupId, r.topics);
          return { groupId: g.groupId, topics: r.topics, errorCode: r.errorCode };
        }),
      };
    }
    const r = fetchAuthorized(ctx, req.groupId, req.topics);
    if (v >= 7 && req.requireStable) markUnstable(req.groupId, r.topics);
    // Before v2 a group error can only be reported per partition.
    if (v < 2 && r.errorCode !== 0) for (const t of r.topics) for (const p of t.partitions) p.errorCode = r.errorCode;
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode, groups: [] };
  };
}

export const offsetFetchHandler = defineHandler(OffsetFetch, offsetFetch);
