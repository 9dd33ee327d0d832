/**
 * Heartbeat (v0-v4): keeps a classic group member's session alive and tells it about a pending rebalance
 * (REBALANCE_IN_PROGRESS). v3+ carry the group instance id (static membership); v4 is flexible.
 */
import { Heartbeat } from '../../protocol/messages/heartbeat.js';
import { AclOperation, groupResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Keeps a classic member's session alive and tells it about a pending rebalance. */
export function heartbeat({ groups }: HandlerDeps<'groups'>): Handler<typeof Heartbeat> {
  return (ctx, req) => ({
    throttleTimeMs: 0,
    errorCode: !ctx.authorize(AclOperation.READ, groupResource(req.groupId))
      ? ErrorCode.GROUP_AUTHORIZATION_FAILED
      : groups.heartbeat(
          req.groupId,
          req.generationId,
          req.memberId,
          ctx.header.apiVersion >= 3 ? req.groupInstanceId : null,
        ),
  });
}

export const heartbeatHandler = defineHandler(Heartbeat, heartbeat);
