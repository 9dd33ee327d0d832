/**
 * The broker settings that may change while the broker runs (Kafka's dynamic broker configs, set with
 * AlterConfigs / IncrementalAlterConfigs on a BROKER resource, per broker or as the cluster-wide default), among
 * those Samsa defines. Everything else is read-only: set it in the properties and restart.
 *
 * Kafka's set: the broker-level synonyms of topic configs (log.retention.*, log.segment.bytes, log.cleanup.policy,
 * log.cleaner.* of compaction, message.max.bytes, min.insync.replicas, compression.*, unclean.leader.election.enable,
 * ...), the connection limits, the log cleaner's and the thread pools' sizes, and the replication throttles. Of
 * these, thread pools, the cleaner's buffers and the throttles are accepted and stored but have no effect in Samsa
 * (their keys are `ignored`).
 */
import { TOPIC_CONFIGS } from '../../storage/log-config.js';

const OTHER_DYNAMIC = [
  // Log cleaner.
  'log.cleaner.threads',
  'log.cleaner.backoff.ms',
  // Thread pools.
  'num.io.threads',
  'num.network.threads',
  'num.replica.fetchers',
  'num.recovery.threads.per.data.dir',
  'background.threads',
  // Connection limits.
  'max.connections',
  'max.connections.per.ip',
  'max.connections.per.ip.overrides',
  'max.connection.creation.rate',
  // Replication throttles (kafka-reassign-partitions --throttle sets them).
  'leader.replication.throttled.rate',
  'follower.replication.throttled.rate',
  'replica.alter.log.dirs.io.max.bytes.per.second',
];

/** Names of the broker settings Kafka lets AlterConfigs change at runtime (whether or not Samsa defines them). */
export const KAFKA_DYNAMIC_BROKER_KEYS: ReadonlySet<string> = new Set([
  ...TOPIC_CONFIGS.flatMap((d) => d.brokerSynonyms.map((s) => s.name)),
  ...OTHER_DYNAMIC,
]);
