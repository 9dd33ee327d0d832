/**
 * Leadership on a single node: the stand-in for a controller. Every partition hosted here is led here, at the
 * leader epoch its log already has, with replicas = ISR = [this node]; partitions of new topics and added
 * partitions are led as they appear, and deleted topics leave the replica manager. The cluster work replaces
 * this with decisions read from the coordination service (becomeLeader / becomeFollower on the same manager).
 */
import type { Logger } from '../storage/logger.js';
import type { ReplicaManager } from './replica-manager.js';
import type { PartitionLifecycle } from './topics.js';

export function leadEveryPartitionHere(replicas: ReplicaManager, log: Logger): PartitionLifecycle {
  const self = [replicas.nodeId];
  return {
    partitionAdded(topic, partition, partitionLog) {
      const state = { leader: replicas.nodeId, leaderEpoch: partitionLog.leaderEpoch, replicas: self, isr: self };
      replicas.becomeLeader(topic, partition, partitionLog, state).catch((err) => {
        log.error({ topic, partition, err: (err as Error).message }, 'taking on the leadership of a partition failed');
      });
    },
    topicDeleted(topic) {
      replicas.removeTopic(topic);
    },
  };
}
