/** Broker config keys: consumer groups and offsets. */
import { def, INT_MAX, type ConfigDefinition } from '../types.js';

export const GROUPS_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'offsets.topic.num.partitions',
    type: 'int',
    default: '50',
    min: 1,
    doc: 'Partition count of __consumer_offsets when it is created.',
  }),
  def({
    name: 'offsets.topic.replication.factor',
    type: 'short',
    default: '1',
    min: 1,
    doc: 'Replication factor of __consumer_offsets (Kafka defaults to 3; one node can only hold 1).',
  }),
  def({
    name: 'offsets.topic.segment.bytes',
    type: 'int',
    default: '104857600',
    min: 1,
    doc: 'Segment size of __consumer_offsets.',
  }),
  def({
    name: 'offsets.retention.minutes',
    type: 'int',
    default: '10080',
    min: 1,
    doc: 'Committed offsets of an empty group are dropped after this long.',
  }),
  def({
    name: 'offsets.retention.check.interval.ms',
    type: 'long',
    default: '600000',
    min: 1,
    doc: 'How often expired offsets are removed.',
  }),
  def({
    name: 'offsets.commit.timeout.ms',
    type: 'int',
    default: '5000',
    min: 1,
    doc: 'Longest an offset commit waits to be written.',
  }),
  def({
    name: 'offset.metadata.max.bytes',
    type: 'int',
    default: '4096',
    doc: 'Largest metadata string stored with a committed offset.',
  }),
  def({
    name: 'group.initial.rebalance.delay.ms',
    type: 'int',
    default: '3000',
    doc: 'Wait this long for more members before the first rebalance of an empty group.',
  }),
  def({
    name: 'group.min.session.timeout.ms',
    type: 'int',
    default: '6000',
    doc: 'Smallest session timeout a group member may ask for.',
  }),
  def({
    name: 'group.max.session.timeout.ms',
    type: 'int',
    default: '1800000',
    doc: 'Largest session timeout a group member may ask for.',
  }),
  def({
    name: 'group.max.size',
    type: 'int',
    default: String(INT_MAX),
    min: 1,
    doc: 'Most members one classic group may have.',
  }),
];
