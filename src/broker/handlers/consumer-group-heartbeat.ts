import { ConsumerGroupHeartbeat } from '../../protocol/messages/consumer-group-heartbeat.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';
import { clientHost } from '../groups/client-host.js';

/** KIP-848: join, stay in, leave a consumer group and receive the broker-computed assignment. */
export function consumerGroupHeartbeat(broker: Broker): Handler<typeof ConsumerGroupHeartbeat> {
  return (ctx, req) => ({
    throttleTimeMs: 0,
    ...broker.groups.consumerGroupHeartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: ctx.clientId,
      clientHost: clientHost(ctx),
    }),
  });
}
