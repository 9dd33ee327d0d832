/**
 * Topic-level configuration: validation of user-supplied values against the topic config table
 * (topic-config-table.ts), and resolution into the typed LogConfig that storage works from.
 */
import { type ConfigType, parseValue } from './config-definition.js';
import {
  type SubjectNameStrategy,
  splitList,
  subjectNameStrategy,
  TOPIC_CONFIGS,
  type TopicConfigDef,
} from './topic-config-table.js';

export { LONG_MAX, type Synonym } from './config-definition.js';
export {
  type Importance,
  SUBJECT_NAME_STRATEGIES,
  type SubjectNameStrategy,
  splitList,
  subjectNameStrategy,
  TOPIC_CONFIGS,
  type TopicConfigDef,
} from './topic-config-table.js';

const BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return BY_NAME.get(name);
}

/** Kafka's text for a value that is not of the key's type. */
const TYPE_ERROR: Partial<Record<ConfigType, string>> = {
  boolean: 'Expected value to be either true or false',
  int: 'Expected value to be a 32-bit integer',
  long: 'Expected value to be a 64-bit integer',
  double: 'Expected value to be a double',
};

/** The type check of the shared parser, worded as Kafka words it for topic configs. */
function checkType(d: TopicConfigDef, value: string): string | null {
  const error = TYPE_ERROR[d.type];
  if (error === undefined || parseValue(d, value).ok) return null;
  const t = value.trim();
  return /^[+-]?\d+$/.test(t) || d.type === 'boolean' || d.type === 'double'
    ? error
    : `${error}, but it was a java.lang.String`;
}

/** Error text for an invalid topic config value, or null if `name=value` is acceptable. */
export function validateTopicConfig(name: string, value: string | null): string | null {
  const d = BY_NAME.get(name);
  if (!d) return `Unknown topic config name: ${name}`;
  if (value === null) return null; // a null value means "remove the override"
  const typeErr = checkType(d, value);
  if (typeErr) return `Invalid value ${value} for configuration ${name}: ${typeErr}`;
  const err = d.validate?.(value.trim()) ?? null;
  return err ? `Invalid value ${value} for configuration ${name}: ${err}` : null;
}

export type ConfigSource = 'topic' | 'broker' | 'default';

export interface ResolvedConfigEntry {
  name: string;
  value: string | null;
  source: ConfigSource;
  /** When source is 'broker', which broker property supplied it. */
  synonym?: string;
  def: TopicConfigDef;
}

/** Value and provenance of one topic config, honouring override > broker synonyms (in order) > Kafka default. */
export function resolveEntry(
  d: TopicConfigDef,
  topicOverrides: Record<string, string>,
  brokerDefaults: Record<string, string>,
): ResolvedConfigEntry {
  const o = topicOverrides[d.name];
  if (o !== undefined && o !== null) return { name: d.name, value: o, source: 'topic', def: d };
  for (const s of d.brokerSynonyms) {
    const b = brokerDefaults[s.name];
    if (b === undefined || b === null || b === '') continue;
    const value = s.scale ? String(Number(b) * s.scale) : b;
    return { name: d.name, value, source: 'broker', synonym: s.name, def: d };
  }
  return { name: d.name, value: d.default, source: 'default', def: d };
}

export function resolveTopicConfigEntries(
  topicOverrides: Record<string, string>,
  brokerDefaults: Record<string, string>,
): ResolvedConfigEntry[] {
  return TOPIC_CONFIGS.map((d) => resolveEntry(d, topicOverrides, brokerDefaults));
}

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** The typed view storage (and the produce path) uses. Longs are JS numbers; Long.MAX reads as ~9.22e18. */
export interface LogConfig {
  segmentBytes: number;
  segmentMs: number;
  segmentJitterMs: number;
  segmentIndexBytes: number;
  indexIntervalBytes: number;
  retentionMs: number;
  retentionBytes: number;
  localRetentionMs: number;
  localRetentionBytes: number;
  flushMessages: number;
  flushMs: number;
  cleanupPolicy: CleanupPolicy;
  fileDeleteDelayMs: number;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  minCleanableDirtyRatio: number;
  messageTimestampType: TimestampType;
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
  messageTimestampDifferenceMaxMs: number;
  maxMessageBytes: number;
  preallocate: boolean;
  compressionType: 'uncompressed' | 'zstd' | 'lz4' | 'snappy' | 'gzip' | 'producer';
  compressionGzipLevel: number;
  compressionLz4Level: number;
  compressionZstdLevel: number;
  minInsyncReplicas: number;
  uncleanLeaderElectionEnable: boolean;
  messageDownconversionEnable: boolean;
  remoteStorageEnable: boolean;
  keySchemaValidation: boolean;
  valueSchemaValidation: boolean;
  keySubjectNameStrategy: SubjectNameStrategy;
  valueSubjectNameStrategy: SubjectNameStrategy;
}

function normalizePolicy(v: string): CleanupPolicy {
  const items = new Set(splitList(v));
  if (items.has('compact') && items.has('delete')) return 'compact,delete';
  if (items.has('compact')) return 'compact';
  return 'delete';
}

/**
 * Builds the LogConfig of a topic. Throws an Error carrying the validation text if any value in play is
 * invalid (unknown topic keys are rejected; unknown broker keys are simply not consulted).
 */
export function resolveLogConfig(
  topicOverrides: Record<string, string> = {},
  brokerDefaults: Record<string, string> = {},
): LogConfig {
  for (const name of Object.keys(topicOverrides)) {
    const err = validateTopicConfig(name, topicOverrides[name]!);
    if (err) throw new Error(err);
  }
  const v: Record<string, string> = {};
  for (const d of TOPIC_CONFIGS) {
    const e = resolveEntry(d, topicOverrides, brokerDefaults);
    if (e.value !== null && e.source === 'broker') {
      const err = validateTopicConfig(d.name, e.value);
      if (err) throw new Error(`${err} (from broker property ${e.synonym})`);
    }
    v[d.name] = (e.value ?? '').trim();
  }
  const num = (k: string): number => Number(v[k]);
  const bool = (k: string): boolean => v[k]!.toLowerCase() === 'true';
  return {
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    segmentJitterMs: num('segment.jitter.ms'),
    segmentIndexBytes: num('segment.index.bytes'),
    indexIntervalBytes: num('index.interval.bytes'),
    retentionMs: num('retention.ms'),
    retentionBytes: num('retention.bytes'),
    localRetentionMs: num('local.retention.ms'),
    localRetentionBytes: num('local.retention.bytes'),
    flushMessages: num('flush.messages'),
    flushMs: num('flush.ms'),
    cleanupPolicy: normalizePolicy(v['cleanup.policy']!),
    fileDeleteDelayMs: num('file.delete.delay.ms'),
    deleteRetentionMs: num('delete.retention.ms'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
    messageTimestampType: v['message.timestamp.type'] as TimestampType,
    messageTimestampBeforeMaxMs: num('message.timestamp.before.max.ms'),
    messageTimestampAfterMaxMs: num('message.timestamp.after.max.ms'),
    messageTimestampDifferenceMaxMs: num('message.timestamp.difference.max.ms'),
    maxMessageBytes: num('max.message.bytes'),
    preallocate: bool('preallocate'),
    compressionType: v['compression.type'] as LogConfig['compressionType'],
    compressionGzipLevel: num('compression.gzip.level'),
    compressionLz4Level: num('compression.lz4.level'),
    compressionZstdLevel: num('compression.zstd.level'),
    minInsyncReplicas: num('min.insync.replicas'),
    uncleanLeaderElectionEnable: bool('unclean.leader.election.enable'),
    messageDownconversionEnable: bool('message.downconversion.enable'),
    remoteStorageEnable: bool('remote.storage.enable'),
    keySchemaValidation: bool('confluent.key.schema.validation'),
    valueSchemaValidation: bool('confluent.value.schema.validation'),
    keySubjectNameStrategy: subjectNameStrategy(v['confluent.key.subject.name.strategy']!)!,
    valueSubjectNameStrategy: subjectNameStrategy(v['confluent.value.subject.name.strategy']!)!,
  };
}

/** Kafka's defaults with no overrides at all. */
export function defaultLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...resolveLogConfig({}, {}), ...overrides };
}
