/**
 * ConsumerGroupHeartbeat (v0-v1, KIP-848): a member joins, stays in or leaves a consumer group and receives the
 * assignment the broker computed. A subscription regex that does not compile is refused with
 * INVALID_REGULAR_EXPRESSION; v1 adds nothing Samsa treats differently.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ConsumerGroupHeartbeat } from '../../protocol/messages/consumer-group-heartbeat.js';
import { AclOperation, groupResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';
import { clientHost } from '../groups/client-host.js';
import { compileTopicRegex } from '../groups/consumer.js';

/** KIP-848: join, stay in, leave a consumer group and receive the broker-computed assignment. */
export function consumerGroupHeartbeat({ groups }: HandlerDeps<'groups'>): Handler<typeof ConsumerGroupHeartbeat> {
  return (ctx, req) => {
    if (!ctx.authorize(AclOperation.READ, groupResource(req.groupId))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null };
    }
    const regex = req.subscribedTopicRegex;
    if (regex !== null && regex !== '' && compileTopicRegex(regex) === undefined) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION,
        errorMessage: `Invalid subscription regex: ${regex}`,
      };
    }
    const out = groups.consumerGroupHeartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: regex,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: ctx.clientId,
      clientHost: clientHost(ctx),
    });
    // Asynchronous only when a flush-per-write policy makes it wait for the disk.
    return out instanceof Promise ? out.then((o) => ({ throttleTimeMs: 0, ...o })) : { throttleTimeMs: 0, ...out };
  };
}

export const consumerGroupHeartbeatHandler = defineHandler(ConsumerGroupHeartbeat, consumerGroupHeartbeat);
