import { OffsetFetch } from '../../protocol/messages/offset-fetch.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

/**
 * Reads committed offsets: one group per request up to v7, several from v8. Null topics (v2+) means every
 * partition the group has an offset for. Without transactions nothing is ever pending, so require_stable has
 * nothing to wait for.
 */
export function offsetFetch(broker: Broker): Handler<typeof OffsetFetch> {
  return (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        topics: [],
        errorCode: 0,
        groups: req.groups.map((g) => {
          const r = broker.groups.fetchOffsets(g.groupId, g.topics, v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : undefined);
          return { groupId: g.groupId, topics: r.topics, errorCode: r.errorCode };
        }),
      };
    }
    const r = broker.groups.fetchOffsets(req.groupId, req.topics);
    // Before v2 a group error can only be reported per partition.
    if (v < 2 && r.errorCode !== 0) for (const t of r.topics) for (const p of t.partitions) p.errorCode = r.errorCode;
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode, groups: [] };
  };
}
