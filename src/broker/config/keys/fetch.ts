/** Broker config keys: fetch. */
import { def, type ConfigDefinition } from '../types.js';

export const FETCH_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'fetch.max.bytes',
    type: 'int',
    default: '57671680',
    min: 1024,
    doc: 'Upper bound on the data returned by one fetch.',
  }),
  def({
    name: 'replica.fetch.max.bytes',
    type: 'int',
    default: '1048576',
    min: 0,
    doc: 'Per-partition fetch size for followers; accepted for compatibility (no followers on one node).',
  }),
  def({
    name: 'max.incremental.fetch.session.cache.slots',
    type: 'int',
    default: '1000',
    min: 0,
    doc: 'How many incremental fetch sessions the broker keeps.',
  }),
];
