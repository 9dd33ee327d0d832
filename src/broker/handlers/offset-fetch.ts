/**
 * OffsetFetch (v0-v9): committed offsets of a group (v8+: several groups per request), with the leader epoch from
 * v5 and require_stable from v7; null topics (v2+) mean every partition with an offset. v6+ are flexible; v9 adds
 * member id and epoch for KIP-848 members.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { OffsetFetch } from '../../protocol/messages/offset-fetch.js';
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
  return (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: 0,
        groups: req.groups.map((g) => {
          const r = groups.fetchOffsets(
            g.groupId,
            g.topics,
            v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : undefined,
          );
          if (req.requireStable) markUnstable(g.groupId, r.topics);
          return { groupId: g.groupId, topics: r.topics, errorCode: r.errorCode };
        }),
      };
    }
    const r = groups.fetchOffsets(req.groupId, req.topics);
    if (v >= 7 && req.requireStable) markUnstable(req.groupId, r.topics);
    // Before v2 a group error can only be reported per partition.
    if (v < 2 && r.errorCode !== 0) for (const t of r.topics) for (const p of t.partitions) p.errorCode = r.errorCode;
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode, groups: [] };
  };
}

export const offsetFetchHandler = defineHandler(OffsetFetch, offsetFetch);
