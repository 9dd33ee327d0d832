/**
 * The table of every topic config Kafka 3.9 knows, written with the same definition type as the broker's settings
 * (config-definition.ts): each key's type, default, validator, broker synonyms and Kafka's own validation texts.
 * log-config.ts validates values against it and resolves them into the typed LogConfig.
 */
import type { ConfigDefinition, ConfigType, Synonym } from './config-definition.js';
import { LONG_MAX } from './config-definition.js';

export type Importance = 'high' | 'medium' | 'low';

/** A topic config: the shared definition, with the broker properties that supply its default. */
export interface TopicConfigDef extends ConfigDefinition {
  /** Broker properties consulted, in order, when the topic has no override. */
  brokerSynonyms: readonly Synonym[];
  sensitive: boolean;
  importance: Importance;
}
const DAY_MS = 86400000;

function atLeast(min: number): (v: string) => string | null {
  return (v) => (Number(v) < min ? `Value must be at least ${min}` : null);
}
function between(min: number, max: number): (v: string) => string | null {
  return (v) => {
    const n = Number(v);
    return n < min || n > max ? `Value must be no less than ${min} and no more than ${max}` : null;
  };
}
function oneOf(allowed: string[], caseInsensitive = false): (v: string) => string | null {
  return (v) => {
    const x = caseInsensitive ? v.toLowerCase() : v;
    return allowed.some((a) => (caseInsensitive ? a.toLowerCase() : a) === x)
      ? null
      : `String must be one of: ${allowed.join(', ')}`;
  };
}
function listOf(allowed: string[]): (v: string) => string | null {
  return (v) => {
    const items = splitList(v);
    for (const it of items)
      if (!allowed.includes(it)) return `Invalid value ${it}: must be one of [${allowed.join(', ')}]`;
    return null;
  };
}
/** "*" or a comma list of partition:brokerId pairs. */
function throttledReplicas(v: string): string | null {
  const items = splitList(v);
  if (items.length === 1 && items[0] === '*') return null;
  for (const it of items) {
    if (!/^\d+:\d+$/.test(it)) return 'Must be * or a list of partitionId:brokerId pairs';
  }
  return null;
}

/** Confluent's subject name strategies, by the class names its serializers and Confluent Server take. */
export const SUBJECT_NAME_STRATEGIES = ['TopicNameStrategy', 'RecordNameStrategy', 'TopicRecordNameStrategy'] as const;
export type SubjectNameStrategy = (typeof SUBJECT_NAME_STRATEGIES)[number];
const STRATEGY_PACKAGE = 'io.confluent.kafka.serializers.subject.';
const TOPIC_NAME_STRATEGY = `${STRATEGY_PACKAGE}TopicNameStrategy`;

/** The strategy a config value names: the full class name or the short one. */
export function subjectNameStrategy(v: string): SubjectNameStrategy | undefined {
  const short = v.trim().startsWith(STRATEGY_PACKAGE) ? v.trim().slice(STRATEGY_PACKAGE.length) : v.trim();
  return SUBJECT_NAME_STRATEGIES.find((s) => s === short);
}

function subjectStrategy(v: string): string | null {
  return subjectNameStrategy(v)
    ? null
    : `Must be one of ${SUBJECT_NAME_STRATEGIES.map((s) => STRATEGY_PACKAGE + s).join(', ')}`;
}

export function splitList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function def(
  name: string,
  type: ConfigType,
  defaultValue: string | null,
  synonyms: (string | Synonym)[],
  importance: Importance,
  doc: string,
  validate?: (v: string) => string | null,
): TopicConfigDef {
  return {
    name,
    type,
    default: defaultValue,
    status: 'supported',
    brokerSynonyms: synonyms.map((s) => (typeof s === 'string' ? { name: s } : s)),
    sensitive: false,
    importance,
    doc,
    validate,
  };
}

/** Every topic-level config of Kafka 3.9, sorted by name. */
export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  def(
    'cleanup.policy',
    'list',
    'delete',
    ['log.cleanup.policy'],
    'medium',
    'What happens to old segments: "delete" drops them by age/size, "compact" keeps the newest record per key; both may be combined.',
    listOf(['compact', 'delete']),
  ),
  def(
    'compression.gzip.level',
    'int',
    '-1',
    ['compression.gzip.level'],
    'medium',
    'Gzip level used when the topic recompresses with gzip; -1 picks the codec default.',
    (v) => (Number(v) === -1 || (Number(v) >= 1 && Number(v) <= 9) ? null : 'Value must be -1 or between 1 and 9'),
  ),
  def(
    'compression.lz4.level',
    'int',
    '9',
    ['compression.lz4.level'],
    'medium',
    'LZ4 level used when the topic recompresses with lz4.',
    between(1, 17),
  ),
  def(
    'compression.type',
    'string',
    'producer',
    ['compression.type'],
    'medium',
    'Codec stored batches end up in; "producer" keeps whatever the producer sent.',
    oneOf(['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer']),
  ),
  def(
    'compression.zstd.level',
    'int',
    '3',
    ['compression.zstd.level'],
    'medium',
    'Zstandard level used when the topic recompresses with zstd.',
    between(-131072, 22),
  ),
  def(
    'delete.retention.ms',
    'long',
    String(DAY_MS),
    ['log.cleaner.delete.retention.ms'],
    'medium',
    'How long tombstones survive in a compacted topic, so slow readers still see deletions.',
    atLeast(0),
  ),
  def(
    'file.delete.delay.ms',
    'long',
    '60000',
    ['log.segment.delete.delay.ms'],
    'medium',
    'Grace period between retiring a segment file and unlinking it.',
    atLeast(0),
  ),
  def(
    'flush.messages',
    'long',
    LONG_MAX,
    ['log.flush.interval.messages'],
    'medium',
    'Force an fsync after this many unflushed records; the default leaves durability to replication and the page cache.',
    atLeast(1),
  ),
  def(
    'flush.ms',
    'long',
    LONG_MAX,
    ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
    'medium',
    'Force an fsync when data has been unflushed for this long.',
    atLeast(0),
  ),
  def(
    'follower.replication.throttled.replicas',
    'list',
    '',
    [],
    'medium',
    'Replicas whose follower-side fetching is subject to the replication throttle ("*" for all).',
    throttledReplicas,
  ),
  def(
    'index.interval.bytes',
    'int',
    '4096',
    ['log.index.interval.bytes'],
    'medium',
    'Bytes of log between two offset-index entries; smaller means denser indexes and shorter scans.',
    atLeast(0),
  ),
  def(
    'leader.replication.throttled.replicas',
    'list',
    '',
    [],
    'medium',
    'Replicas whose leader-side serving of followers is subject to the replication throttle ("*" for all).',
    throttledReplicas,
  ),
  def(
    'local.retention.bytes',
    'long',
    '-2',
    ['log.local.retention.bytes'],
    'medium',
    'Size cap for the locally kept part of a tiered log; -2 follows retention.bytes.',
    atLeast(-2),
  ),
  def(
    'local.retention.ms',
    'long',
    '-2',
    ['log.local.retention.ms'],
    'medium',
    'Age cap for the locally kept part of a tiered log; -2 follows retention.ms.',
    atLeast(-2),
  ),
  def(
    'max.compaction.lag.ms',
    'long',
    LONG_MAX,
    ['log.cleaner.max.compaction.lag.ms'],
    'medium',
    'Upper bound on how long a record may stay uncompacted.',
    atLeast(1),
  ),
  def(
    'max.message.bytes',
    'int',
    '1048588',
    ['message.max.bytes'],
    'medium',
    'Largest record batch (after compression) the topic accepts.',
    atLeast(0),
  ),
  def(
    'message.downconversion.enable',
    'boolean',
    'true',
    ['log.message.downconversion.enable'],
    'low',
    'Whether old fetch versions may receive batches converted to an older message format.',
  ),
  def(
    'message.format.version',
    'string',
    '3.0-IV1',
    ['log.message.format.version'],
    'medium',
    'Deprecated: the on-disk message format to use; ignored for inter-broker protocol 3.0 and later.',
    (v) => (/^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(v) ? null : `Version \`${v}\` is not a valid version`),
  ),
  def(
    'message.timestamp.after.max.ms',
    'long',
    LONG_MAX,
    ['log.message.timestamp.after.max.ms'],
    'medium',
    'How far in the future a CreateTime timestamp may be relative to the broker clock.',
    atLeast(0),
  ),
  def(
    'message.timestamp.before.max.ms',
    'long',
    LONG_MAX,
    ['log.message.timestamp.before.max.ms'],
    'medium',
    'How far in the past a CreateTime timestamp may be relative to the broker clock.',
    atLeast(0),
  ),
  def(
    'message.timestamp.difference.max.ms',
    'long',
    LONG_MAX,
    ['log.message.timestamp.difference.max.ms'],
    'medium',
    'Deprecated: allowed distance between a record timestamp and the broker clock.',
    atLeast(0),
  ),
  def(
    'message.timestamp.type',
    'string',
    'CreateTime',
    ['log.message.timestamp.type'],
    'medium',
    "Whether stored timestamps are the producer's (CreateTime) or the broker's append time (LogAppendTime).",
    oneOf(['CreateTime', 'LogAppendTime']),
  ),
  def(
    'min.cleanable.dirty.ratio',
    'double',
    '0.5',
    ['log.cleaner.min.cleanable.ratio'],
    'medium',
    'Share of uncompacted bytes a log needs before the cleaner picks it.',
    between(0, 1),
  ),
  def(
    'min.compaction.lag.ms',
    'long',
    '0',
    ['log.cleaner.min.compaction.lag.ms'],
    'medium',
    'Minimum age before a record may be compacted away.',
    atLeast(0),
  ),
  def(
    'min.insync.replicas',
    'int',
    '1',
    ['min.insync.replicas'],
    'medium',
    'In-sync replicas required for an acks=all produce to succeed.',
    atLeast(1),
  ),
  def(
    'preallocate',
    'boolean',
    'false',
    ['log.preallocate'],
    'medium',
    "Reserve a full segment's worth of disk when a segment is created.",
  ),
  def(
    'remote.log.copy.disable',
    'boolean',
    'false',
    [],
    'medium',
    'Stop copying segments to remote storage while keeping remote reads working.',
  ),
  def(
    'remote.log.delete.on.disable',
    'boolean',
    'false',
    [],
    'medium',
    'Confirms that remote data is deleted when tiered storage is switched off for the topic.',
  ),
  def('remote.storage.enable', 'boolean', 'false', [], 'medium', 'Turn on tiered storage for the topic.'),
  def(
    'retention.bytes',
    'long',
    '-1',
    ['log.retention.bytes'],
    'medium',
    'Size cap per partition before old segments are deleted; -1 means unbounded.',
  ),
  def(
    'retention.ms',
    'long',
    String(7 * DAY_MS),
    [
      'log.retention.ms',
      { name: 'log.retention.minutes', scale: 60000 },
      { name: 'log.retention.hours', scale: 3600000 },
    ],
    'medium',
    'Age after which old segments are deleted; -1 keeps data forever.',
    atLeast(-1),
  ),
  def(
    'segment.bytes',
    'int',
    '1073741824',
    ['log.segment.bytes'],
    'medium',
    'Size at which the active segment file is closed and a new one started.',
    atLeast(14),
  ),
  def(
    'segment.index.bytes',
    'int',
    '10485760',
    ['log.index.size.max.bytes'],
    'medium',
    "Maximum size of a segment's offset index; a full index also rolls the segment.",
    atLeast(4),
  ),
  def(
    'segment.jitter.ms',
    'long',
    '0',
    ['log.roll.jitter.ms', { name: 'log.roll.jitter.hours', scale: 3600000 }],
    'medium',
    'Random amount subtracted from segment.ms so many partitions do not roll at once.',
    atLeast(0),
  ),
  def(
    'segment.ms',
    'long',
    String(7 * DAY_MS),
    ['log.roll.ms', { name: 'log.roll.hours', scale: 3600000 }],
    'medium',
    'Age at which the active segment is rolled even if not full, so retention can act on it.',
    atLeast(1),
  ),
  def(
    'unclean.leader.election.enable',
    'boolean',
    'false',
    ['unclean.leader.election.enable'],
    'medium',
    'Allow a replica outside the ISR to become leader, trading possible data loss for availability.',
  ),
  // Confluent Server's broker-side schema validation, under Confluent's names (not part of Apache Kafka).
  def(
    'confluent.key.schema.validation',
    'boolean',
    'false',
    [],
    'medium',
    "Refuse records whose key does not carry the id of a schema registered for the topic's key subject.",
  ),
  def(
    'confluent.value.schema.validation',
    'boolean',
    'false',
    [],
    'medium',
    "Refuse records whose value does not carry the id of a schema registered for the topic's value subject.",
  ),
  def(
    'confluent.key.subject.name.strategy',
    'string',
    TOPIC_NAME_STRATEGY,
    [],
    'medium',
    'How the key subject is named when keys are validated: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy.',
    subjectStrategy,
  ),
  def(
    'confluent.value.subject.name.strategy',
    'string',
    TOPIC_NAME_STRATEGY,
    [],
    'medium',
    'How the value subject is named when values are validated: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy.',
    subjectStrategy,
  ),
];
