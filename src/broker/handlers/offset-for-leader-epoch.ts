/**
 * OffsetForLeaderEpoch: the end offset of a leader epoch (where the next higher epoch begins, or the log end for
 * the current one), which a follower or a consumer uses to find where its log diverged from the leader's.
 *
 * Versions: v2+ carry the requester's current leader epoch, checked by the replica manager (FENCED_LEADER_EPOCH,
 * UNKNOWN_LEADER_EPOCH); v3+ the replica id: only debugging tools (-2, the default) may ask a follower, as in Kafka.
 */
import { OffsetForLeaderEpoch } from '../../protocol/messages/offset-for-leader-epoch.js';
import { AclOperation, CLUSTER, topicResource } from '../../security/authorizer.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Handler } from '../dispatch.js';
import { DEBUGGING_REPLICA_ID } from '../replica-manager.js';
import { defineHandler, type HandlerDeps } from './define.js';

export function offsetForLeaderEpoch({ replicas }: HandlerDeps<'replicas'>): Handler<typeof OffsetForLeaderEpoch> {
  return (ctx, req) => {
    const requireLeader = req.replicaId !== DEBUGGING_REPLICA_ID;
    // Replicas need CLUSTER_ACTION on the cluster; consumers DESCRIBE on the topic.
    const mayAsk =
      req.replicaId >= 0
        ? (_topic: string) => ctx.authorize(AclOperation.CLUSTER_ACTION, CLUSTER)
        : (topic: string) => ctx.authorize(AclOperation.DESCRIBE, topicResource(topic));
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const allowed = mayAsk(t.topic);
        return {
          topic: t.topic,
          partitions: t.partitions.map((p) => {
            const fail = (errorCode: number) => ({ partition: p.partition, errorCode, leaderEpoch: -1, endOffset: -1 });
            if (!allowed) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            const partition = replicas.access(t.topic, p.partition, {
              currentLeaderEpoch: p.currentLeaderEpoch,
              requireLeader,
            });
            if (typeof partition === 'number') return fail(partition);
            const r = partition.log.endOffsetForEpoch(p.leaderEpoch);
            return { partition: p.partition, errorCode: 0, leaderEpoch: r.epoch, endOffset: r.endOffset };
          }),
        };
      }),
    };
  };
}

export const offsetForLeaderEpochHandler = defineHandler(OffsetForLeaderEpoch, offsetForLeaderEpoch);
