/**
 * Broker config keys of the metadata APIs (DescribeTopicPartitions) and the dynamic-only replication throttles
 * (accepted so that kafka-reassign-partitions --throttle works; Samsa does not throttle replication). Kafka's names
 * and defaults.
 */
import { def, ignoredDef, INT_MAX, LONG_MAX, type ConfigDefinition } from '../types.js';

/** Kafka's selector for fetching from the closest replica (KIP-392), the one Samsa implements. */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

const NO_THROTTLE = 'Accepted (also as a dynamic broker config) and stored; Samsa does not throttle replication.';

export const METADATA_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'replica.selector.class',
    type: 'class',
    default: null,
    check: (v) =>
      v === null || v === '' || v === RACK_AWARE_REPLICA_SELECTOR
        ? undefined
        : `${RACK_AWARE_REPLICA_SELECTOR} (the only replica selector Samsa has)`,
    doc: `Fetch from the closest replica (KIP-392): set to ${RACK_AWARE_REPLICA_SELECTOR} and a consumer that sends its client.rack is pointed at an in-sync replica on a broker of its rack (broker.rack), which serves it up to its high watermark. Unset: consumers read from leaders.`,
  }),
  def({
    name: 'max.request.partition.size.limit',
    type: 'int',
    default: '2000',
    min: 1,
    max: INT_MAX,
    doc: 'The most partitions a DescribeTopicPartitions response carries; a request asking for more gets this many and a cursor to the rest.',
  }),
  ignoredDef({
    name: 'leader.replication.throttled.rate',
    type: 'long',
    default: LONG_MAX,
    min: 0,
    doc: `Upper bound in bytes/s for leaders sending throttled replicas' data. ${NO_THROTTLE}`,
  }),
  ignoredDef({
    name: 'follower.replication.throttled.rate',
    type: 'long',
    default: LONG_MAX,
    min: 0,
    doc: `Upper bound in bytes/s for followers fetching throttled replicas' data. ${NO_THROTTLE}`,
  }),
  ignoredDef({
    name: 'replica.alter.log.dirs.io.max.bytes.per.second',
    type: 'long',
    default: LONG_MAX,
    min: 0,
    doc: `Upper bound in bytes/s for moving replicas between log directories. ${NO_THROTTLE}`,
  }),
];
