/**
 * Broker config keys of the metadata APIs (DescribeTopicPartitions). Kafka's names and defaults.
 */
import { def, INT_MAX, type ConfigDefinition } from '../types.js';

export const METADATA_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'max.request.partition.size.limit',
    type: 'int',
    default: '2000',
    min: 1,
    max: INT_MAX,
    doc: 'The most partitions a DescribeTopicPartitions response carries; a request asking for more gets this many and a cursor to the rest.',
  }),
];
