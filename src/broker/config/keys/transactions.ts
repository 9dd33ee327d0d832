/** Broker config keys: transactions & idempotence. */
import { def, type ConfigDefinition } from '../types.js';

export const TRANSACTIONS_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'transaction.state.log.num.partitions',
    type: 'int',
    default: '50',
    min: 1,
    doc: 'Partition count of __transaction_state.',
  }),
  def({
    name: 'transaction.state.log.replication.factor',
    type: 'short',
    default: '1',
    min: 1,
    doc: 'Replication factor of __transaction_state (Kafka defaults to 3; one node can only hold 1).',
  }),
  def({
    name: 'transaction.state.log.min.isr',
    type: 'int',
    default: '1',
    min: 1,
    doc: 'min.insync.replicas for __transaction_state.',
  }),
  def({
    name: 'transaction.state.log.segment.bytes',
    type: 'int',
    default: '104857600',
    min: 1,
    doc: 'Segment size of __transaction_state.',
  }),
  def({
    name: 'transactional.id.expiration.ms',
    type: 'int',
    default: '604800000',
    min: 1,
    doc: 'A transactional id with no activity for this long is forgotten.',
  }),
  def({
    name: 'transaction.max.timeout.ms',
    type: 'int',
    default: '900000',
    min: 1,
    doc: 'Largest transaction timeout a producer may ask for.',
  }),
  def({
    name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    type: 'int',
    default: '10000',
    min: 1,
    doc: 'How often timed-out transactions are looked for and aborted.',
  }),
  def({
    name: 'transaction.remove.expired.transaction.cleanup.interval.ms',
    type: 'int',
    default: '3600000',
    min: 1,
    doc: 'How often expired transactional ids are removed.',
  }),
  def({
    name: 'producer.id.expiration.ms',
    type: 'int',
    default: '86400000',
    min: 1,
    doc: 'Idempotence state of a producer id is dropped this long after its last write.',
  }),
  def({
    name: 'producer.id.expiration.check.interval.ms',
    type: 'int',
    default: '600000',
    min: 1,
    doc: 'How often expired producer ids are removed.',
  }),
];
