/** Broker config keys: cleanup / compaction. */
import { def, LONG_MAX, type ConfigDefinition } from '../types.js';
import { nonEmptyList } from '../values.js';

export const CLEANUP_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'log.cleanup.policy',
    type: 'list',
    default: 'delete',
    validValues: ['delete', 'compact'],
    check: nonEmptyList,
    doc: "Default cleanup for topics: 'delete' old segments, 'compact' by key, or both.",
  }),
  def({
    name: 'log.cleaner.enable',
    type: 'boolean',
    default: 'true',
    doc: 'Run log compaction for compacted topics.',
  }),
  def({
    name: 'log.cleaner.threads',
    type: 'int',
    default: '1',
    min: 0,
    status: 'ignored',
    doc: 'Accepted; compaction runs on the event loop.',
  }),
  def({
    name: 'log.cleaner.backoff.ms',
    type: 'long',
    default: '15000',
    min: 0,
    doc: 'Pause between compaction passes when nothing needs cleaning.',
  }),
  def({
    name: 'log.cleaner.min.cleanable.ratio',
    type: 'double',
    default: '0.5',
    min: 0,
    max: 1,
    doc: 'Share of a log that must be uncompacted before it is compacted again.',
  }),
  def({
    name: 'log.cleaner.min.compaction.lag.ms',
    type: 'long',
    default: '0',
    min: 0,
    doc: 'Records younger than this are never compacted.',
  }),
  def({
    name: 'log.cleaner.max.compaction.lag.ms',
    type: 'long',
    default: LONG_MAX,
    min: 1,
    doc: 'Records older than this are made eligible for compaction regardless of the dirty ratio.',
  }),
  def({
    name: 'log.cleaner.delete.retention.ms',
    type: 'long',
    default: '86400000',
    min: 0,
    doc: 'How long tombstones survive compaction.',
  }),
];
