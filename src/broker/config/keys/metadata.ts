/**
 * Broker config keys of the metadata APIs (DescribeTopicPartitions) and the dynamic-only replication throttles
 * (accepted so that kafka-reassign-partitions --throttle works; Samsa does not throttle replication). Kafka's names
 * and defaults.
 */
import { def, ignoredDef, INT_MAX, LONG_MAX, type ConfigDefinition } from '../types.js';

const NO_THROTTLE = 'Accepted (also as a dynamic broker config) and stored; Samsa does not throttle replication.';

export const METADATA_KEYS: readonly ConfigDefinition[] = [
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
