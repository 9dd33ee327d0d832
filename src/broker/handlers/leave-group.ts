import type { LeaveGroup } from '../../protocol/messages/leave-group.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

/** Removes members from a classic group (v3+: several, by member id or group.instance.id). */
export function leaveGroup(broker: Broker): Handler<typeof LeaveGroup> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    const members =
      v >= 3
        ? req.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            reason: v >= 5 ? m.reason : null,
          }))
        : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    const r = await broker.groups.leaveGroup(req.groupId, members);
    if (v < 3) {
      // One member, whose error is the response's.
      return { throttleTimeMs: 0, errorCode: r.errorCode || (r.members[0]?.errorCode ?? 0), members: [] };
    }
    return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
  };
}
