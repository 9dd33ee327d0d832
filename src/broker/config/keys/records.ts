/** Broker config keys: record format. */
import { def, LONG_MAX, COMPRESSION_TYPES, type ConfigDefinition } from '../types.js';

export const RECORDS_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'message.max.bytes',
    type: 'int',
    default: '1048588',
    min: 0,
    doc: 'Largest record batch accepted from a producer.',
  }),
  def({
    name: 'log.message.timestamp.type',
    type: 'string',
    default: 'CreateTime',
    validValues: ['CreateTime', 'LogAppendTime'],
    doc: 'Keep the producer timestamp (CreateTime) or stamp the append time (LogAppendTime).',
  }),
  def({
    name: 'log.message.timestamp.difference.max.ms',
    type: 'long',
    default: LONG_MAX,
    min: 0,
    doc: 'Deprecated in Kafka; largest allowed gap between a record timestamp and the broker clock (CreateTime only).',
  }),
  def({
    name: 'log.message.timestamp.before.max.ms',
    type: 'long',
    default: LONG_MAX,
    min: 0,
    doc: 'Reject CreateTime records whose timestamp is further than this in the past.',
  }),
  def({
    name: 'log.message.timestamp.after.max.ms',
    type: 'long',
    default: LONG_MAX,
    min: 0,
    doc: 'Reject CreateTime records whose timestamp is further than this in the future.',
  }),
  def({
    name: 'compression.type',
    type: 'string',
    default: 'producer',
    validValues: COMPRESSION_TYPES,
    doc: "Codec for stored batches; 'producer' keeps what the producer sent.",
  }),
  def({
    name: 'compression.gzip.level',
    type: 'int',
    default: '-1',
    check: (v) =>
      v === -1 || (typeof v === 'number' && v >= 1 && v <= 9) ? undefined : '-1 or an integer from 1 to 9',
    doc: 'gzip level when the broker recompresses; -1 is the codec default.',
  }),
  def({
    name: 'compression.lz4.level',
    type: 'int',
    default: '9',
    min: 1,
    max: 17,
    doc: 'lz4 level when the broker recompresses.',
  }),
  def({
    name: 'compression.zstd.level',
    type: 'int',
    default: '3',
    min: -131072,
    max: 22,
    doc: 'zstd level when the broker recompresses.',
  }),
];
