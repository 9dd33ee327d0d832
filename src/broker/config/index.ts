/**
 * Broker configuration: the Kafka broker property names Samsa understands, their types, defaults and
 * validation, a Java-style `.properties` reader, and the typed `BrokerConfig` the rest of the broker uses.
 *
 * Parsing never reads the environment or the file system (except `loadProperties`), so it is easy to test
 * and the CLI, tests and embedders all go through the same validation.
 */
import path from 'node:path';
import {
  ConfigError,
  type ConfigDefinition,
  type ConfigProblem,
  type ConfigValue,
  type COMPRESSION_TYPES,
  SUPPORTED_SECURITY_PROTOCOLS,
} from './types.js';
import { parseValue, parseListener } from './values.js';
import { ACCEPTED_IGNORED_KEYS, ACCEPTED_IGNORED_PREFIXES } from './keys/ignored.js';
import { IDENTITY_KEYS } from './keys/identity.js';
import { NETWORK_KEYS } from './keys/network.js';
import { STORAGE_KEYS } from './keys/storage.js';
import { SEGMENTS_KEYS } from './keys/segments.js';
import { RECORDS_KEYS } from './keys/records.js';
import { CLEANUP_KEYS } from './keys/cleanup.js';
import { FETCH_KEYS } from './keys/fetch.js';
import { GROUPS_KEYS } from './keys/groups.js';
import { TRANSACTIONS_KEYS } from './keys/transactions.js';
import { SECURITY_KEYS } from './keys/security.js';
import { TLS_KEYS } from './keys/tls.js';
import { listenerPrefix, listenerValue, splitListenerKey } from './listener-value.js';
import { CLUSTER_KEYS } from './keys/cluster.js';
import { SERVICE_KEYS } from './keys/services.js';
import { METADATA_KEYS } from './keys/metadata.js';
export * from './types.js';
export { generateClusterId, parseListener } from './values.js';
export { ACCEPTED_IGNORED_KEYS, ACCEPTED_IGNORED_PREFIXES } from './keys/ignored.js';
export * from './describe.js';
export { KAFKA_DYNAMIC_BROKER_KEYS } from './dynamic-keys.js';
export * from './properties.js';
export { listenerPrefix, listenerValue, splitListenerKey } from './listener-value.js';

/**
 * Every broker property Samsa recognises (as opposed to the accepted-and-ignored keys, which are only tolerated),
 * one table per area in keys/. DescribeConfigs lists them in this order.
 */
export const BROKER_CONFIG_DEFINITIONS: readonly ConfigDefinition[] = [
  ...IDENTITY_KEYS,
  ...NETWORK_KEYS,
  ...STORAGE_KEYS,
  ...SEGMENTS_KEYS,
  ...RECORDS_KEYS,
  ...CLEANUP_KEYS,
  ...FETCH_KEYS,
  ...GROUPS_KEYS,
  ...TRANSACTIONS_KEYS,
  ...SECURITY_KEYS,
  ...TLS_KEYS,
  ...CLUSTER_KEYS,
  ...SERVICE_KEYS,
  ...METADATA_KEYS,
];

export const DEFINITIONS_BY_NAME: ReadonlyMap<string, ConfigDefinition> = new Map(
  BROKER_CONFIG_DEFINITIONS.map((d) => [d.name, d]),
);

// ---------------------------------------------------------------------------------------------------------
// Typed config

export interface Listener {
  /** Upper-cased listener name, e.g. PLAINTEXT. */
  name: string;
  /** Host as written; '' means all interfaces. IPv6 addresses come without brackets. */
  host: string;
  port: number;
  /** Resolved through listener.security.protocol.map. */
  securityProtocol: string;
}

export interface BrokerConfig {
  nodeId: number;
  /** Configured cluster id, if any (otherwise whoever owns the data dir generates and persists one). */
  clusterId: string | undefined;
  /** All parsed listeners, including controller ones. */
  listeners: Listener[];
  /** Listeners the broker serves (listeners minus controller.listener.names). The first is the primary one. */
  clientListeners: Listener[];
  /** What clients are told; defaults to clientListeners. */
  advertisedListeners: Listener[];
  controllerListenerNames: string[];
  processRoles: string[];
  /** All configured data directories (log.dirs, else log.dir), as given. */
  logDirs: string[];
  /** Absolute path of the directory Samsa stores data in (the first of logDirs). */
  dataDir: string;
  logDirMaxOpenFiles: number;

  numPartitions: number;
  defaultReplicationFactor: number;
  autoCreateTopicsEnable: boolean;
  deleteTopicEnable: boolean;
  minInsyncReplicas: number;

  logSegmentBytes: number;
  /** Effective roll time after ms > hours precedence. */
  logRollMs: number;
  logRollJitterMs: number;
  /** Effective retention after ms > minutes > hours precedence; -1 = unlimited. */
  logRetentionMs: number;
  logRetentionBytes: number;
  logRetentionCheckIntervalMs: number;
  logSegmentDeleteDelayMs: number;
  logIndexIntervalBytes: number;
  logIndexSizeMaxBytes: number;
  /** Record count between fsyncs; Number.MAX_SAFE_INTEGER stands for Kafka's "never" (Long.MAX_VALUE). */
  logFlushIntervalMessages: number;
  /** Effective: log.flush.interval.ms, else log.flush.scheduler.interval.ms. */
  logFlushIntervalMs: number;
  logFlushSchedulerIntervalMs: number;
  logFlushOffsetCheckpointIntervalMs: number;

  messageMaxBytes: number;
  logMessageTimestampType: 'CreateTime' | 'LogAppendTime';
  logMessageTimestampBeforeMaxMs: number;
  logMessageTimestampAfterMaxMs: number;
  compressionType: (typeof COMPRESSION_TYPES)[number];
  compressionGzipLevel: number;
  compressionLz4Level: number;
  compressionZstdLevel: number;

  logCleanupPolicy: string[];
  logCleanerEnable: boolean;
  logCleanerBackoffMs: number;
  logCleanerMinCleanableRatio: number;
  logCleanerMinCompactionLagMs: number;
  logCleanerMaxCompactionLagMs: number;
  logCleanerDeleteRetentionMs: number;

  socketRequestMaxBytes: number;
  socketSendBufferBytes: number;
  socketReceiveBufferBytes: number;
  connectionsMaxIdleMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  queuedMaxRequests: number;

  fetchMaxBytes: number;
  replicaFetchMaxBytes: number;
  maxIncrementalFetchSessionCacheSlots: number;

  offsetsTopicNumPartitions: number;
  offsetsTopicReplicationFactor: number;
  offsetsTopicSegmentBytes: number;
  offsetsRetentionMinutes: number;
  offsetsRetentionCheckIntervalMs: number;
  offsetsCommitTimeoutMs: number;
  offsetMetadataMaxBytes: number;
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupMaxSize: number;

  transactionStateLogNumPartitions: number;
  transactionStateLogReplicationFactor: number;
  transactionStateLogMinIsr: number;
  transactionStateLogSegmentBytes: number;
  transactionalIdExpirationMs: number;
  transactionMaxTimeoutMs: number;
  transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  producerIdExpirationMs: number;
  producerIdExpirationCheckIntervalMs: number;

  /** The properties exactly as given (after file + overrides merging), including ignored keys. */
  raw: Readonly<Record<string, string>>;
  /** Typed value of every defined key (defaults filled in; null where unset with no default). */
  values: ReadonlyMap<string, ConfigValue>;
  /** Defined keys that were set explicitly (source STATIC_BROKER_CONFIG rather than DEFAULT_CONFIG). */
  explicit: ReadonlySet<string>;
  /** Messages about accepted-but-ignored keys; the caller should log them as warnings. */
  warnings: string[];
  /**
   * Dynamic broker configs in force (src/broker/dynamic-config.ts), once any were applied: the static
   * properties, and the cluster-wide default and per-broker layers that `raw` and the typed fields merge over them.
   */
  dynamic?: DynamicLayers;
}

/** The layers of a broker's config, lowest precedence first (static < cluster default < this broker). */
export interface DynamicLayers {
  staticRaw: Readonly<Record<string, string>>;
  default: Readonly<Record<string, string>>;
  broker: Readonly<Record<string, string>>;
  /** Grows with every change, so views computed from the config know when to recompute. */
  generation: number;
}

// ---------------------------------------------------------------------------------------------------------
// Top-level parsing

function isAcceptedIgnored(key: string): boolean {
  return ACCEPTED_IGNORED_KEYS.has(key) || ACCEPTED_IGNORED_PREFIXES.some((p) => key.startsWith(p));
}

/** Edit distance, used only to suggest a key when an unknown one is given. */
function distance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

function suggest(key: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const name of DEFINITIONS_BY_NAME.keys()) {
    const d = distance(key, name);
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 5)) ? best : undefined;
}

/**
 * Validates Kafka-style broker properties and returns the typed configuration.
 * Throws ConfigError listing every problem found (unknown keys, bad values, inconsistent combinations).
 */
export function parseBrokerConfig(props: Record<string, string>): BrokerConfig {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const values = new Map<string, ConfigValue>();
  const explicit = new Set<string>();

  for (const [key, text] of Object.entries(props)) {
    if (typeof text !== 'string') {
      problems.push({ key, message: `${key}: expected a string value, got ${typeof text}` });
      continue;
    }
    const d = DEFINITIONS_BY_NAME.get(key);
    if (!d) {
      // listener.name.<name>.<key> overrides a known key for one listener: checked with that key's type.
      const perListener = splitListenerKey(key);
      const base = perListener && DEFINITIONS_BY_NAME.get(perListener.key);
      if (base) {
        const r = text.trim() === '' && base.default === null ? undefined : parseValue(base, text);
        if (r && !r.ok) {
          problems.push({ key, value: text, message: `invalid value '${text}' for ${key}: expected ${r.expected}` });
        }
        continue;
      }
      // A mechanism's JAAS config of one listener (listener.name.<l>.<mechanism>.sasl.jaas.config): read by the
      // SASL listener itself (src/security/sasl/listener-config.ts).
      if (/^listener\.name\.[^.]+\.(plain|scram-sha-256|scram-sha-512)\.sasl\.jaas\.config$/.test(key)) continue;
      if (isAcceptedIgnored(key)) {
        warnings.push(`${key} is a Kafka setting Samsa does not implement; ignoring it`);
        continue;
      }
      const hint = suggest(key);
      problems.push({
        key,
        value: text,
        message: `unknown configuration key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
      });
      continue;
    }
    // An empty value for a setting without a default means "unset", which is how Kafka files often leave them.
    if (
      text.trim() === '' &&
      d.default === null &&
      d.type !== 'int' &&
      d.type !== 'long' &&
      d.type !== 'short' &&
      d.type !== 'double'
    )
      continue;
    const r = parseValue(d, text);
    if (!r.ok) {
      problems.push({ key, value: text, message: `invalid value '${text}' for ${key}: expected ${r.expected}` });
      continue;
    }
    values.set(key, r.value);
    explicit.add(key);
  }

  // Fill in defaults (defaults are known-valid, but go through the same parser so types line up).
  for (const d of BROKER_CONFIG_DEFINITIONS) {
    if (values.has(d.name)) continue;
    if (d.default === null) {
      values.set(d.name, null);
      continue;
    }
    const r = parseValue(d, d.default);
    if (!r.ok) throw new Error(`internal: default of ${d.name} is invalid (${r.expected})`);
    values.set(d.name, r.value);
  }

  const num = (k: string) => values.get(k) as number;
  const numOrNull = (k: string) => values.get(k) as number | null;
  const bool = (k: string) => values.get(k) as boolean;
  const str = (k: string) => values.get(k) as string;
  const list = (k: string) => (values.get(k) as string[] | null) ?? [];

  // node.id / broker.id
  let nodeId = num('node.id');
  const brokerId = numOrNull('broker.id');
  if (brokerId !== null) {
    if (explicit.has('node.id') && brokerId !== nodeId) {
      problems.push({
        key: 'broker.id',
        value: String(brokerId),
        message: `broker.id (${brokerId}) and node.id (${nodeId}) are both set but differ; set only one`,
      });
    }
    nodeId = brokerId;
  }

  // Listeners and security protocols.
  const protocolMap = new Map<string, string>();
  for (const item of list('listener.security.protocol.map')) {
    const [n, p] = item.split(':');
    protocolMap.set(n!.trim().toUpperCase(), p!.trim().toUpperCase());
  }
  const controllerNames = list('controller.listener.names').map((n) => n.toUpperCase());
  const resolve = (key: string, items: string[]): Listener[] => {
    const out: Listener[] = [];
    for (const item of items) {
      const l = parseListener(item);
      if (typeof l === 'string') continue; // already reported by the definition check
      const proto = protocolMap.get(l.name);
      if (!proto) {
        problems.push({
          key,
          value: items.join(','),
          message: `${key}: listener name ${l.name} has no security protocol; add ${l.name}:PLAINTEXT to listener.security.protocol.map`,
        });
        continue;
      }
      out.push({ ...l, securityProtocol: proto });
    }
    return out;
  };
  const listeners = resolve('listeners', list('listeners'));
  const clientListeners = listeners.filter((l) => !controllerNames.includes(l.name));
  if (list('listeners').length === 0) {
    problems.push({
      key: 'listeners',
      value: props['listeners'] ?? '',
      message: 'listeners must name at least one endpoint, e.g. PLAINTEXT://127.0.0.1:9092',
    });
  } else if (listeners.length > 0 && clientListeners.length === 0) {
    problems.push({
      key: 'listeners',
      value: props['listeners'],
      message: 'listeners only lists controller listeners; add one for clients, e.g. PLAINTEXT://:9092',
    });
  }
  const ports = new Map<number, string>();
  for (const l of clientListeners) {
    if (l.port !== 0 && ports.has(l.port)) {
      problems.push({
        key: 'listeners',
        value: props['listeners'],
        message: `listeners ${ports.get(l.port)} and ${l.name} both use port ${l.port}`,
      });
    }
    ports.set(l.port, l.name);
    if (!SUPPORTED_SECURITY_PROTOCOLS.includes(l.securityProtocol)) {
      problems.push({
        key: 'listeners',
        value: props['listeners'],
        message: `listener ${l.name} uses security protocol ${l.securityProtocol}, which Samsa does not support (supported: ${SUPPORTED_SECURITY_PROTOCOLS.join(', ')})`,
      });
    } else if (l.securityProtocol === 'SSL' || l.securityProtocol === 'SASL_SSL') {
      const own = { raw: props, values };
      if (
        listenerValue(own, l.name, 'ssl.keystore.location') === null &&
        listenerValue(own, l.name, 'ssl.keystore.certificate.chain') === null
      ) {
        const p = listenerPrefix(l.name);
        problems.push({
          key: 'ssl.keystore.location',
          message: `listener ${l.name} uses ${l.securityProtocol} but has no certificate: set ssl.keystore.location (or ${p}ssl.keystore.location), or ssl.keystore.certificate.chain and ssl.keystore.key`,
        });
      }
    }
  }
  if (listeners.length > clientListeners.length) {
    warnings.push(
      `controller listeners (${controllerNames.join(', ')}) are not served: Samsa has no separate controller`,
    );
  }
  let advertisedListeners: Listener[];
  if (values.get('advertised.listeners') === null) {
    advertisedListeners = clientListeners.map((l) => ({ ...l }));
  } else {
    advertisedListeners = resolve('advertised.listeners', list('advertised.listeners')).filter(
      (l) => !controllerNames.includes(l.name),
    );
    for (const a of advertisedListeners) {
      if (!listeners.some((l) => l.name === a.name)) {
        problems.push({
          key: 'advertised.listeners',
          value: props['advertised.listeners'],
          message: `advertised.listeners names ${a.name}, which is not in listeners`,
        });
      }
      if (a.host === '0.0.0.0' || a.host === '::') {
        problems.push({
          key: 'advertised.listeners',
          value: props['advertised.listeners'],
          message: `advertised.listeners cannot use the wildcard address ${a.host}; give a host clients can reach`,
        });
      }
    }
  }

  // Data directories.
  const logDirs = values.get('log.dirs') !== null && list('log.dirs').length > 0 ? list('log.dirs') : [str('log.dir')];
  if (logDirs[0] === '') problems.push({ key: 'log.dir', value: '', message: 'log.dir must not be empty' });

  // Precedence chains as Kafka: the most precise unit wins.
  const retentionMs = numOrNull('log.retention.ms');
  const retentionMin = numOrNull('log.retention.minutes');
  let logRetentionMs =
    retentionMs ?? (retentionMin !== null ? retentionMin * 60_000 : num('log.retention.hours') * 3_600_000);
  if (logRetentionMs < 0) logRetentionMs = -1;
  if (logRetentionMs === 0) {
    problems.push({
      key: 'log.retention.minutes',
      value: String(retentionMin ?? num('log.retention.hours')),
      message: 'log retention must be -1 (unlimited) or positive; minutes/hours of 0 are not allowed',
    });
  }
  const logRollMs = numOrNull('log.roll.ms') ?? num('log.roll.hours') * 3_600_000;
  const logRollJitterMs = numOrNull('log.roll.jitter.ms') ?? num('log.roll.jitter.hours') * 3_600_000;
  const logFlushIntervalMs = numOrNull('log.flush.interval.ms') ?? num('log.flush.scheduler.interval.ms');

  // Cross-key sanity checks.
  if (num('group.min.session.timeout.ms') > num('group.max.session.timeout.ms')) {
    problems.push({
      key: 'group.min.session.timeout.ms',
      value: String(num('group.min.session.timeout.ms')),
      message: `group.min.session.timeout.ms (${num('group.min.session.timeout.ms')}) must not exceed group.max.session.timeout.ms (${num('group.max.session.timeout.ms')})`,
    });
  }
  for (const k of [
    'default.replication.factor',
    'offsets.topic.replication.factor',
    'transaction.state.log.replication.factor',
  ]) {
    // In cluster mode (etcd.endpoints) replicas live on several brokers.
    if (num(k) > 1 && values.get('etcd.endpoints') == null)
      warnings.push(`${k}=${num(k)} cannot be met by a single Samsa node, which holds one replica of each partition`);
  }
  for (const d of BROKER_CONFIG_DEFINITIONS) {
    if (d.status === 'ignored' && !d.quiet && explicit.has(d.name)) {
      warnings.push(`${d.name} has no effect in Samsa: ${d.doc}`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeId,
    clusterId: (values.get('cluster.id') as string | null) || undefined,
    listeners,
    clientListeners,
    advertisedListeners,
    controllerListenerNames: controllerNames,
    processRoles: list('process.roles'),
    logDirs,
    dataDir: path.resolve(logDirs[0]!),
    logDirMaxOpenFiles: num('log.dir.max.open.files'),
    numPartitions: num('num.partitions'),
    defaultReplicationFactor: num('default.replication.factor'),
    autoCreateTopicsEnable: bool('auto.create.topics.enable'),
    deleteTopicEnable: bool('delete.topic.enable'),
    minInsyncReplicas: num('min.insync.replicas'),
    logSegmentBytes: num('log.segment.bytes'),
    logRollMs,
    logRollJitterMs,
    logRetentionMs,
    logRetentionBytes: num('log.retention.bytes'),
    logRetentionCheckIntervalMs: num('log.retention.check.interval.ms'),
    logSegmentDeleteDelayMs: num('log.segment.delete.delay.ms'),
    logIndexIntervalBytes: num('log.index.interval.bytes'),
    logIndexSizeMaxBytes: num('log.index.size.max.bytes'),
    logFlushIntervalMessages: num('log.flush.interval.messages'),
    logFlushIntervalMs,
    logFlushSchedulerIntervalMs: num('log.flush.scheduler.interval.ms'),
    logFlushOffsetCheckpointIntervalMs: num('log.flush.offset.checkpoint.interval.ms'),
    messageMaxBytes: num('message.max.bytes'),
    logMessageTimestampType: str('log.message.timestamp.type') as BrokerConfig['logMessageTimestampType'],
    // The deprecated difference setting still applies when the newer pair is left at its default.
    logMessageTimestampBeforeMaxMs: explicit.has('log.message.timestamp.before.max.ms')
      ? num('log.message.timestamp.before.max.ms')
      : num('log.message.timestamp.difference.max.ms'),
    logMessageTimestampAfterMaxMs: explicit.has('log.message.timestamp.after.max.ms')
      ? num('log.message.timestamp.after.max.ms')
      : num('log.message.timestamp.difference.max.ms'),
    compressionType: str('compression.type') as BrokerConfig['compressionType'],
    compressionGzipLevel: num('compression.gzip.level'),
    compressionLz4Level: num('compression.lz4.level'),
    compressionZstdLevel: num('compression.zstd.level'),
    logCleanupPolicy: list('log.cleanup.policy'),
    logCleanerEnable: bool('log.cleaner.enable'),
    logCleanerBackoffMs: num('log.cleaner.backoff.ms'),
    logCleanerMinCleanableRatio: num('log.cleaner.min.cleanable.ratio'),
    logCleanerMinCompactionLagMs: num('log.cleaner.min.compaction.lag.ms'),
    logCleanerMaxCompactionLagMs: num('log.cleaner.max.compaction.lag.ms'),
    logCleanerDeleteRetentionMs: num('log.cleaner.delete.retention.ms'),
    socketRequestMaxBytes: num('socket.request.max.bytes'),
    socketSendBufferBytes: num('socket.send.buffer.bytes'),
    socketReceiveBufferBytes: num('socket.receive.buffer.bytes'),
    connectionsMaxIdleMs: num('connections.max.idle.ms'),
    maxConnections: num('max.connections'),
    maxConnectionsPerIp: num('max.connections.per.ip'),
    queuedMaxRequests: num('queued.max.requests'),
    fetchMaxBytes: num('fetch.max.bytes'),
    replicaFetchMaxBytes: num('replica.fetch.max.bytes'),
    maxIncrementalFetchSessionCacheSlots: num('max.incremental.fetch.session.cache.slots'),
    offsetsTopicNumPartitions: num('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: num('offsets.topic.replication.factor'),
    offsetsTopicSegmentBytes: num('offsets.topic.segment.bytes'),
    offsetsRetentionMinutes: num('offsets.retention.minutes'),
    offsetsRetentionCheckIntervalMs: num('offsets.retention.check.interval.ms'),
    offsetsCommitTimeoutMs: num('offsets.commit.timeout.ms'),
    offsetMetadataMaxBytes: num('offset.metadata.max.bytes'),
    groupInitialRebalanceDelayMs: num('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: num('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: num('group.max.session.timeout.ms'),
    groupMaxSize: num('group.max.size'),
    transactionStateLogNumPartitions: num('transaction.state.log.num.partitions'),
    transactionStateLogReplicationFactor: num('transaction.state.log.replication.factor'),
    transactionStateLogMinIsr: num('transaction.state.log.min.isr'),
    transactionStateLogSegmentBytes: num('transaction.state.log.segment.bytes'),
    transactionalIdExpirationMs: num('transactional.id.expiration.ms'),
    transactionMaxTimeoutMs: num('transaction.max.timeout.ms'),
    transactionAbortTimedOutTransactionCleanupIntervalMs: num(
      'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    ),
    transactionRemoveExpiredTransactionCleanupIntervalMs: num(
      'transaction.remove.expired.transaction.cleanup.interval.ms',
    ),
    producerIdExpirationMs: num('producer.id.expiration.ms'),
    producerIdExpirationCheckIntervalMs: num('producer.id.expiration.check.interval.ms'),
    raw: Object.freeze({ ...props }),
    values,
    explicit,
    warnings,
  };
}
