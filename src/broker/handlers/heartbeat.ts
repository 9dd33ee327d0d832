import type { Heartbeat } from '../../protocol/messages/heartbeat.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

/** Keeps a classic member's session alive and tells it about a pending rebalance. */
export function heartbeat(broker: Broker): Handler<typeof Heartbeat> {
  return (ctx, req) => ({
    throttleTimeMs: 0,
    errorCode: broker.groups.heartbeat(
      req.groupId,
      req.generationId,
      req.memberId,
      ctx.header.apiVersion >= 3 ? req.groupInstanceId : null,
    ),
  });
}
