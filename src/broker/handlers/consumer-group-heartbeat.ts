import { ErrorCode } from '../../protocol/errors.js';
import { ConsumerGroupHeartbeat } from '../../protocol/messages/consumer-group-heartbeat.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';
import { clientHost } from '../groups/client-host.js';

/**
 * The topics a v1 subscription regex (a full match, as Kafka's) selects now, added to the named ones. Topics created
 * later are picked up when the member sends its regex again. Returns null for a regex that does not compile.
 */
function withRegex(broker: Broker, names: string[] | null, regex: string | null): string[] | null | undefined {
  if (regex === null) return names;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${regex})$`);
  } catch {
    return undefined;
  }
  const matched = broker.topics.names().filter((t) => !broker.topics.isInternal(t) && re.test(t));
  return [...new Set([...(names ?? []), ...matched])];
}

/** KIP-848: join, stay in, leave a consumer group and receive the broker-computed assignment. */
export function consumerGroupHeartbeat(broker: Broker): Handler<typeof ConsumerGroupHeartbeat> {
  return (ctx, req) => {
    const subscribedTopicNames = withRegex(broker, req.subscribedTopicNames, req.subscribedTopicRegex);
    if (subscribedTopicNames === undefined) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid subscription regex: ${req.subscribedTopicRegex}` };
    }
    return {
    throttleTimeMs: 0,
    ...broker.groups.consumerGroupHeartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: ctx.clientId,
      clientHost: clientHost(ctx),
    }),
    };
  };
}
