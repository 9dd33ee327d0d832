/** Broker config keys: storage layout. */
import { def, type ConfigDefinition } from '../types.js';

export const STORAGE_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'log.dirs',
    type: 'list',
    default: null,
    synonyms: ['log.dir'],
    doc: 'Comma-separated data directories; overrides log.dir when set. Samsa stores everything in the first one.',
  }),
  def({ name: 'log.dir', type: 'string', default: './data', doc: 'Data directory used when log.dirs is not set.' }),
  def({
    name: 'log.dir.max.open.files',
    type: 'int',
    default: '1000',
    min: 4,
    samsaOnly: true,
    doc: "Samsa only: most segment files kept open at once; least recently used ones are closed beyond this. Never more than half the process's open-file limit (128 where that limit cannot be read).",
  }),
  def({
    name: 'num.partitions',
    type: 'int',
    default: '1',
    min: 1,
    doc: 'Partition count for automatically created topics.',
  }),
  def({
    name: 'default.replication.factor',
    type: 'int',
    default: '1',
    min: 1,
    doc: 'Replication factor for automatically created topics (a single node only supports 1).',
  }),
  def({
    name: 'auto.create.topics.enable',
    type: 'boolean',
    default: 'true',
    doc: 'Create a topic when a metadata request names it and allows auto-creation (as Kafka, not on produce).',
  }),
  def({ name: 'delete.topic.enable', type: 'boolean', default: 'true', doc: 'Whether DeleteTopics is allowed.' }),
  def({
    name: 'min.insync.replicas',
    type: 'int',
    default: '1',
    min: 1,
    doc: 'Replicas that must have a write for acks=all to succeed (always satisfied at 1 on one node).',
  }),
];
