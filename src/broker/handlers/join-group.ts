/**
 * JoinGroup (v0-v9): classic group join; the answer is held until the rebalance completes. v4+ ask a new member
 * to rejoin with its assigned id (MEMBER_ID_REQUIRED, KIP-394); v5+ group instance ids (KIP-345); v6+ flexible;
 * v7+ protocol type and name in the answer; v8+ a reason; v9 skips assignment for static leaders rejoining.
 */
import { JoinGroup } from '../../protocol/messages/join-group.js';
import { AclOperation, groupResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';
import { clientHost } from '../groups/client-host.js';

/** Classic group join; the response is held until the rebalance completes (or MEMBER_ID_REQUIRED for v4+). */
export function joinGroup({ groups }: HandlerDeps<'groups'>): Handler<typeof JoinGroup> {
  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (!ctx.authorize(AclOperation.READ, groupResource(req.groupId))) {
      const protocolName = v >= 7 ? null : '';
      const denied = { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, leader: '', memberId: '', members: [] };
      return { throttleTimeMs: 0, ...denied, protocolName, skipAssignment: false };
    }
    const r = await groups.joinGroup({
      groupId: req.groupId,
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout: the session timeout served as both.
      rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      memberId: req.memberId,
      groupInstanceId: v >= 5 ? req.groupInstanceId : null,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      reason: v >= 8 ? req.reason : null,
      clientId: ctx.clientId,
      clientHost: clientHost(ctx),
      requireKnownMemberId: v >= 4,
      supportsSkipAssignment: v >= 9,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      // Before v7 the protocol name is not nullable.
      protocolName: r.protocolName ?? (v >= 7 ? null : ''),
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members,
    };
  };
}

export const joinGroupHandler = defineHandler(JoinGroup, joinGroup);
