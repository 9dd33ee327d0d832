/**
 * Broker configuration: the Kafka broker property names Samsa understands, their types, defaults and
 * validation, a Java-style `.properties` reader, and the typed `BrokerConfig` the rest of the broker uses.
 *
 * Parsing never reads the environment or the file system (except `loadProperties`), so it is easy to test
 * and the CLI, tests and embedders all go through the same validation.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

// ---------------------------------------------------------------------------------------------------------
// Errors

export interface ConfigProblem {
  /** The property name, or '' when the problem is not about one key (e.g. a syntax error in a file). */
  key: string;
  /** The offending value as given, if any. */
  value?: string;
  /** Human-readable description, already naming key, value and what was expected. */
  message: string;
}

/** Thrown for any invalid configuration; `problems` lists every issue found, not just the first. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[] | string) {
    const list = typeof problems === 'string' ? [{ key: '', message: problems }] : problems;
    super(list.length === 1 ? list[0]!.message : `${list.length} configuration problems:\n  - ${list.map((p) => p.message).join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = list;
  }
  /** Key of the first problem (convenience for single-problem errors). */
  get key(): string {
    return this.problems[0]?.key ?? '';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Definitions

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'password';

/** The numeric type ids DescribeConfigs (v3+) reports in ConfigType. */
export const CONFIG_TYPE_ID: Readonly<Record<ConfigType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  password: 9,
};

/** DescribeConfigs ConfigSource ids relevant to broker resources. */
export const CONFIG_SOURCE = {
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export type ConfigValue = boolean | number | string | string[] | null;

export interface ConfigDefinition {
  name: string;
  type: ConfigType;
  /** Default in Kafka's textual form (what DescribeConfigs shows); null means "no default / unset". */
  default: string | null;
  /** One line, our own words. */
  doc: string;
  /** Inclusive numeric bounds for int/short/long/double. */
  min?: number;
  max?: number;
  /** Allowed values for string (exact, case-insensitive match) or each element of a list. */
  validValues?: readonly string[];
  /** Extra check on the typed value; returns a description of what is expected, or undefined if fine. */
  check?: (value: ConfigValue) => string | undefined;
  /**
   * 'supported': Samsa honours it. 'ignored': accepted and validated for compatibility with Kafka config
   * files, but it has no effect (the doc says why).
   */
  status: 'supported' | 'ignored';
  /** True for settings Kafka does not have. */
  samsaOnly?: boolean;
  /** Names of other keys that set the same thing, highest precedence first (DescribeConfigs synonyms). */
  synonyms?: readonly string[];
  sensitive?: boolean;
  /** For 'ignored' settings that stock Kafka files always contain: no warning when set. */
  quiet?: boolean;
}

const LONG_MAX = '9223372036854775807';
const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const HOURS_168_MS = 168 * 3600 * 1000;

const def = (d: Omit<ConfigDefinition, 'status'> & { status?: ConfigDefinition['status'] }): ConfigDefinition => ({
  status: 'supported',
  ...d,
});
const ignoredDef = (d: Omit<ConfigDefinition, 'status'>): ConfigDefinition => ({ ...d, status: 'ignored' });

/** The security protocols a listener may be mapped to (Kafka's set). */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
/** The ones Samsa can actually serve on a client listener. */
export const SUPPORTED_SECURITY_PROTOCOLS: readonly string[] = ['PLAINTEXT'];

export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;

/**
 * Every broker property Samsa recognises (as opposed to the "accepted and ignored" list below, which are only
 * tolerated). Order is roughly by topic; DescribeConfigs lists them in this order.
 */
export const BROKER_CONFIG_DEFINITIONS: readonly ConfigDefinition[] = [
  // --- identity & roles
  def({ name: 'node.id', type: 'int', default: '1', min: 0, doc: 'Numeric id of this node; reported to clients as the broker id.', synonyms: ['broker.id'] }),
  def({ name: 'broker.id', type: 'int', default: null, min: 0, doc: 'Older name for node.id; if both are set they must agree.' }),
  def({ name: 'cluster.id', type: 'string', default: null, samsaOnly: true, check: checkClusterId,
    doc: 'Cluster id (22-character base64url UUID). Unset: generated once and stored with the data directory.' }),
  ignoredDef({ name: 'process.roles', quiet: true, type: 'list', default: '', validValues: ['broker', 'controller'],
    doc: 'KRaft roles; accepted for compatibility. A Samsa process always acts as a combined single-node cluster.' }),
  ignoredDef({ name: 'controller.quorum.voters', quiet: true, type: 'list', default: '',
    doc: 'KRaft voter list; accepted for compatibility. Samsa has no separate controller quorum.' }),
  ignoredDef({ name: 'controller.quorum.bootstrap.servers', quiet: true, type: 'list', default: '',
    doc: 'KRaft controller bootstrap list; accepted for compatibility and ignored.' }),
  def({ name: 'controller.listener.names', type: 'list', default: null,
    doc: 'Listener names used by KRaft controllers; Samsa does not serve these listeners and skips them.' }),
  ignoredDef({ name: 'inter.broker.listener.name', quiet: true, type: 'string', default: null,
    doc: 'Listener used between brokers; accepted, unused by a single-node Samsa.' }),
  ignoredDef({ name: 'broker.rack', type: 'string', default: null, doc: 'Rack label of this broker; accepted, reported nowhere yet.' }),

  // --- network
  def({ name: 'listeners', type: 'list', default: 'PLAINTEXT://127.0.0.1:9092', check: checkListenerList,
    doc: 'Comma-separated NAME://host:port endpoints to listen on; an empty host binds every interface. Samsa default binds loopback only.' }),
  def({ name: 'advertised.listeners', type: 'list', default: null, check: checkListenerList,
    doc: 'Endpoints given to clients in metadata responses, if different from listeners.' }),
  def({ name: 'listener.security.protocol.map', type: 'list', default: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    check: checkProtocolMap, doc: 'Maps each listener name to its security protocol (NAME:PROTOCOL pairs).' }),
  def({ name: 'socket.request.max.bytes', type: 'int', default: '104857600', min: 1,
    doc: 'Largest request (size prefix) accepted; bigger ones close the connection.' }),
  def({ name: 'socket.send.buffer.bytes', type: 'int', default: '102400', min: -1,
    doc: 'SO_SNDBUF hint for client sockets; -1 keeps the OS default.' }),
  def({ name: 'socket.receive.buffer.bytes', type: 'int', default: '102400', min: -1,
    doc: 'SO_RCVBUF hint for client sockets; -1 keeps the OS default.' }),
  def({ name: 'connections.max.idle.ms', type: 'long', default: '600000',
    doc: 'Connections with no traffic for this long are closed; -1 disables the check.' }),
  def({ name: 'max.connections', type: 'int', default: String(INT_MAX), min: 0, doc: 'Upper bound on simultaneously open client connections.' }),
  def({ name: 'max.connections.per.ip', type: 'int', default: String(INT_MAX), min: 0, doc: 'Upper bound on open connections from one IP address.' }),
  def({ name: 'queued.max.requests', type: 'int', default: '500', min: 1,
    doc: 'Per-connection cap on requests read but not yet answered before reading pauses.' }),
  ignoredDef({ name: 'num.network.threads', quiet: true, type: 'int', default: '3', min: 1,
    doc: 'Ignored: Samsa serves all connections from one event loop.' }),
  ignoredDef({ name: 'num.io.threads', quiet: true, type: 'int', default: '8', min: 1,
    doc: 'Ignored: Samsa handles requests on one event loop.' }),
  ignoredDef({ name: 'background.threads', quiet: true, type: 'int', default: '10', min: 1,
    doc: 'Ignored: background work runs on the same event loop.' }),
  ignoredDef({ name: 'num.recovery.threads.per.data.dir', quiet: true, type: 'int', default: '1', min: 1,
    doc: 'Ignored: log recovery is single-threaded.' }),

  // --- storage layout
  def({ name: 'log.dirs', type: 'list', default: null, synonyms: ['log.dir'],
    doc: 'Comma-separated data directories; overrides log.dir when set. Samsa stores everything in the first one.' }),
  def({ name: 'log.dir', type: 'string', default: './data', doc: 'Data directory used when log.dirs is not set.' }),
  def({ name: 'log.dir.max.open.files', type: 'int', default: '1000', min: 4, samsaOnly: true,
    doc: 'Samsa only: most segment files kept open at once; least recently used ones are closed beyond this. Never more than half the process\'s open-file limit (128 where that limit cannot be read).' }),
  def({ name: 'num.partitions', type: 'int', default: '1', min: 1, doc: 'Partition count for automatically created topics.' }),
  def({ name: 'default.replication.factor', type: 'int', default: '1', min: 1,
    doc: 'Replication factor for automatically created topics (a single node only supports 1).' }),
  def({ name: 'auto.create.topics.enable', type: 'boolean', default: 'true',
    doc: 'Create a topic when a metadata request names it and allows auto-creation (as Kafka, not on produce).' }),
  def({ name: 'delete.topic.enable', type: 'boolean', default: 'true', doc: 'Whether DeleteTopics is allowed.' }),
  def({ name: 'min.insync.replicas', type: 'int', default: '1', min: 1,
    doc: 'Replicas that must have a write for acks=all to succeed (always satisfied at 1 on one node).' }),
  def({ name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', status: 'ignored',
    doc: 'Accepted; a single node has no leader election.' }),
  def({ name: 'auto.leader.rebalance.enable', type: 'boolean', default: 'true', status: 'ignored',
    doc: 'Accepted; a single node leads every partition.' }),

  // --- segments, retention, flushing
  def({ name: 'log.segment.bytes', type: 'int', default: '1073741824', min: 14, doc: 'A segment rolls once it reaches this size.' }),
  def({ name: 'log.roll.ms', type: 'long', default: null, min: 1, synonyms: ['log.roll.hours'],
    doc: 'A segment rolls once its first record is this old; overrides log.roll.hours.' }),
  def({ name: 'log.roll.hours', type: 'int', default: '168', min: 1, doc: 'Segment age limit in hours, used when log.roll.ms is not set.' }),
  def({ name: 'log.roll.jitter.ms', type: 'long', default: null, min: 0, synonyms: ['log.roll.jitter.hours'],
    doc: 'Random amount subtracted from the roll time so segments do not all roll together.' }),
  def({ name: 'log.roll.jitter.hours', type: 'int', default: '0', min: 0, doc: 'Roll jitter in hours, used when log.roll.jitter.ms is not set.' }),
  def({ name: 'log.retention.ms', type: 'long', default: null, min: -1, check: checkRetentionMs,
    synonyms: ['log.retention.minutes', 'log.retention.hours'],
    doc: 'Delete segments whose newest record is older than this; -1 keeps data forever. Wins over minutes and hours.' }),
  def({ name: 'log.retention.minutes', type: 'int', default: null, min: -1, synonyms: ['log.retention.hours'],
    doc: 'Retention in minutes, used when log.retention.ms is not set.' }),
  def({ name: 'log.retention.hours', type: 'int', default: '168', min: -1, doc: 'Retention in hours, used when neither ms nor minutes is set.' }),
  def({ name: 'log.retention.bytes', type: 'long', default: '-1', min: -1,
    doc: 'Delete oldest segments while a partition exceeds this size; -1 means no size limit.' }),
  def({ name: 'log.retention.check.interval.ms', type: 'long', default: '300000', min: 1, doc: 'How often retention is enforced.' }),
  def({ name: 'log.segment.delete.delay.ms', type: 'long', default: '60000', min: 0,
    doc: 'Grace period between a segment leaving the log and its files being removed.' }),
  def({ name: 'log.index.interval.bytes', type: 'int', default: '4096', min: 0, doc: 'Bytes of records between two offset index entries.' }),
  def({ name: 'log.index.size.max.bytes', type: 'int', default: '10485760', min: 4,
    doc: 'Largest size of an offset or time index file; a full index rolls the segment.' }),
  def({ name: 'log.preallocate', type: 'boolean', default: 'false', status: 'ignored', doc: 'Accepted; Samsa does not preallocate segment files.' }),
  def({ name: 'log.flush.interval.messages', type: 'long', default: LONG_MAX, min: 1,
    doc: 'fsync a partition after this many appended records (default: never, rely on the OS).' }),
  def({ name: 'log.flush.interval.ms', type: 'long', default: null, min: 0, synonyms: ['log.flush.scheduler.interval.ms'],
    doc: 'fsync a partition when its oldest unflushed write is this old; unset uses log.flush.scheduler.interval.ms.' }),
  def({ name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX, min: 0,
    doc: 'How often the time-based flush check runs (default: never).' }),
  def({ name: 'log.flush.offset.checkpoint.interval.ms', type: 'int', default: '60000', min: 0,
    doc: 'How often the recovery checkpoint file is rewritten.' }),

  // --- record format
  def({ name: 'message.max.bytes', type: 'int', default: '1048588', min: 0, doc: 'Largest record batch accepted from a producer.' }),
  def({ name: 'log.message.timestamp.type', type: 'string', default: 'CreateTime', validValues: ['CreateTime', 'LogAppendTime'],
    doc: 'Keep the producer timestamp (CreateTime) or stamp the append time (LogAppendTime).' }),
  def({ name: 'log.message.timestamp.difference.max.ms', type: 'long', default: LONG_MAX, min: 0,
    doc: 'Deprecated in Kafka; largest allowed gap between a record timestamp and the broker clock (CreateTime only).' }),
  def({ name: 'log.message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, min: 0,
    doc: 'Reject CreateTime records whose timestamp is further than this in the past.' }),
  def({ name: 'log.message.timestamp.after.max.ms', type: 'long', default: LONG_MAX, min: 0,
    doc: 'Reject CreateTime records whose timestamp is further than this in the future.' }),
  def({ name: 'compression.type', type: 'string', default: 'producer', validValues: COMPRESSION_TYPES,
    doc: "Codec for stored batches; 'producer' keeps what the producer sent." }),
  def({ name: 'compression.gzip.level', type: 'int', default: '-1', check: (v) => (v === -1 || (typeof v === 'number' && v >= 1 && v <= 9) ? undefined : '-1 or an integer from 1 to 9'),
    doc: 'gzip level when the broker recompresses; -1 is the codec default.' }),
  def({ name: 'compression.lz4.level', type: 'int', default: '9', min: 1, max: 17, doc: 'lz4 level when the broker recompresses.' }),
  def({ name: 'compression.zstd.level', type: 'int', default: '3', min: -131072, max: 22, doc: 'zstd level when the broker recompresses.' }),

  // --- cleanup / compaction
  def({ name: 'log.cleanup.policy', type: 'list', default: 'delete', validValues: ['delete', 'compact'], check: nonEmptyList,
    doc: "Default cleanup for topics: 'delete' old segments, 'compact' by key, or both." }),
  def({ name: 'log.cleaner.enable', type: 'boolean', default: 'true', doc: 'Run log compaction for compacted topics.' }),
  def({ name: 'log.cleaner.threads', type: 'int', default: '1', min: 0, status: 'ignored', doc: 'Accepted; compaction runs on the event loop.' }),
  def({ name: 'log.cleaner.backoff.ms', type: 'long', default: '15000', min: 0, doc: 'Pause between compaction passes when nothing needs cleaning.' }),
  def({ name: 'log.cleaner.min.cleanable.ratio', type: 'double', default: '0.5', min: 0, max: 1,
    doc: 'Share of a log that must be uncompacted before it is compacted again.' }),
  def({ name: 'log.cleaner.min.compaction.lag.ms', type: 'long', default: '0', min: 0, doc: 'Records younger than this are never compacted.' }),
  def({ name: 'log.cleaner.max.compaction.lag.ms', type: 'long', default: LONG_MAX, min: 1,
    doc: 'Records older than this are made eligible for compaction regardless of the dirty ratio.' }),
  def({ name: 'log.cleaner.delete.retention.ms', type: 'long', default: '86400000', min: 0,
    doc: 'How long tombstones survive compaction.' }),

  // --- fetch
  def({ name: 'fetch.max.bytes', type: 'int', default: '57671680', min: 1024, doc: 'Upper bound on the data returned by one fetch.' }),
  def({ name: 'replica.fetch.max.bytes', type: 'int', default: '1048576', min: 0,
    doc: 'Per-partition fetch size for followers; accepted for compatibility (no followers on one node).' }),
  def({ name: 'max.incremental.fetch.session.cache.slots', type: 'int', default: '1000', min: 0,
    doc: 'How many incremental fetch sessions the broker keeps.' }),

  // --- consumer groups and offsets
  def({ name: 'offsets.topic.num.partitions', type: 'int', default: '50', min: 1, doc: 'Partition count of __consumer_offsets when it is created.' }),
  def({ name: 'offsets.topic.replication.factor', type: 'short', default: '1', min: 1,
    doc: 'Replication factor of __consumer_offsets (Kafka defaults to 3; one node can only hold 1).' }),
  def({ name: 'offsets.topic.segment.bytes', type: 'int', default: '104857600', min: 1, doc: 'Segment size of __consumer_offsets.' }),
  def({ name: 'offsets.retention.minutes', type: 'int', default: '10080', min: 1,
    doc: 'Committed offsets of an empty group are dropped after this long.' }),
  def({ name: 'offsets.retention.check.interval.ms', type: 'long', default: '600000', min: 1, doc: 'How often expired offsets are removed.' }),
  def({ name: 'offsets.commit.timeout.ms', type: 'int', default: '5000', min: 1, doc: 'Longest an offset commit waits to be written.' }),
  def({ name: 'offset.metadata.max.bytes', type: 'int', default: '4096', doc: 'Largest metadata string stored with a committed offset.' }),
  def({ name: 'group.initial.rebalance.delay.ms', type: 'int', default: '3000',
    doc: 'Wait this long for more members before the first rebalance of an empty group.' }),
  def({ name: 'group.min.session.timeout.ms', type: 'int', default: '6000', doc: 'Smallest session timeout a group member may ask for.' }),
  def({ name: 'group.max.session.timeout.ms', type: 'int', default: '1800000', doc: 'Largest session timeout a group member may ask for.' }),
  def({ name: 'group.max.size', type: 'int', default: String(INT_MAX), min: 1, doc: 'Most members one classic group may have.' }),

  // --- transactions & idempotence
  def({ name: 'transaction.state.log.num.partitions', type: 'int', default: '50', min: 1, doc: 'Partition count of __transaction_state.' }),
  def({ name: 'transaction.state.log.replication.factor', type: 'short', default: '1', min: 1,
    doc: 'Replication factor of __transaction_state (Kafka defaults to 3; one node can only hold 1).' }),
  def({ name: 'transaction.state.log.min.isr', type: 'int', default: '1', min: 1, doc: 'min.insync.replicas for __transaction_state.' }),
  def({ name: 'transaction.state.log.segment.bytes', type: 'int', default: '104857600', min: 1, doc: 'Segment size of __transaction_state.' }),
  def({ name: 'transactional.id.expiration.ms', type: 'int', default: '604800000', min: 1,
    doc: 'A transactional id with no activity for this long is forgotten.' }),
  def({ name: 'transaction.max.timeout.ms', type: 'int', default: '900000', min: 1, doc: 'Largest transaction timeout a producer may ask for.' }),
  def({ name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms', type: 'int', default: '10000', min: 1,
    doc: 'How often timed-out transactions are looked for and aborted.' }),
  def({ name: 'transaction.remove.expired.transaction.cleanup.interval.ms', type: 'int', default: '3600000', min: 1,
    doc: 'How often expired transactional ids are removed.' }),
  def({ name: 'producer.id.expiration.ms', type: 'int', default: '86400000', min: 1,
    doc: 'Idempotence state of a producer id is dropped this long after its last write.' }),
  def({ name: 'producer.id.expiration.check.interval.ms', type: 'int', default: '600000', min: 1, doc: 'How often expired producer ids are removed.' }),
];

/**
 * Kafka broker properties Samsa does not implement but accepts so existing server.properties files work.
 * Each one present produces a warning. Kept explicit on purpose: a typo must not slip through as "ignored".
 */
export const ACCEPTED_IGNORED_KEYS: ReadonlySet<string> = new Set([
  'zookeeper.connect', 'zookeeper.connection.timeout.ms', 'zookeeper.session.timeout.ms', 'zookeeper.set.acl',
  'zookeeper.max.in.flight.requests', 'zookeeper.metadata.migration.enable',
  'broker.id.generation.enable', 'reserved.broker.max.id', 'inter.broker.protocol.version', 'log.message.format.version',
  'log.message.downconversion.enable', 'num.replica.fetchers', 'num.replica.alter.log.dirs.threads',
  'replica.lag.time.max.ms', 'replica.socket.timeout.ms', 'replica.socket.receive.buffer.bytes', 'replica.fetch.wait.max.ms',
  'replica.fetch.min.bytes', 'replica.fetch.backoff.ms', 'replica.fetch.response.max.bytes', 'replica.high.watermark.checkpoint.interval.ms',
  'replica.selector.class', 'leader.imbalance.per.broker.percentage', 'leader.imbalance.check.interval.seconds',
  'controlled.shutdown.enable', 'controlled.shutdown.max.retries', 'controlled.shutdown.retry.backoff.ms',
  'controller.quorum.election.timeout.ms', 'controller.quorum.fetch.timeout.ms', 'controller.quorum.election.backoff.max.ms',
  'controller.quorum.append.linger.ms', 'controller.quorum.request.timeout.ms', 'controller.quorum.retry.backoff.ms',
  'metadata.log.dir', 'metadata.log.segment.bytes', 'metadata.log.segment.ms', 'metadata.max.retention.bytes', 'metadata.max.retention.ms',
  'metadata.log.max.record.bytes.between.snapshots', 'metadata.max.idle.interval.ms', 'initial.broker.registration.timeout.ms',
  'broker.heartbeat.interval.ms', 'broker.session.timeout.ms', 'early.start.listeners',
  'log.flush.start.offset.checkpoint.interval.ms', 'log.local.retention.ms', 'log.local.retention.bytes',
  'remote.log.storage.system.enable', 'log.cleaner.dedupe.buffer.size', 'log.cleaner.io.buffer.size',
  'log.cleaner.io.buffer.load.factor', 'log.cleaner.io.max.bytes.per.second', 'log.dir.failure.timeout.ms',
  'metric.reporters', 'metrics.num.samples', 'metrics.sample.window.ms', 'metrics.recording.level', 'kafka.metrics.reporters',
  'kafka.metrics.polling.interval.secs', 'auto.include.jmx.reporter',
  'authorizer.class.name', 'super.users', 'allow.everyone.if.no.acl.found', 'principal.builder.class',
  'security.inter.broker.protocol', 'sasl.enabled.mechanisms', 'sasl.mechanism.inter.broker.protocol',
  'sasl.mechanism.controller.protocol', 'sasl.jaas.config', 'sasl.kerberos.service.name', 'sasl.server.callback.handler.class',
  'ssl.keystore.location', 'ssl.keystore.password', 'ssl.keystore.type', 'ssl.key.password', 'ssl.truststore.location',
  'ssl.truststore.password', 'ssl.truststore.type', 'ssl.client.auth', 'ssl.endpoint.identification.algorithm',
  'ssl.protocol', 'ssl.enabled.protocols', 'ssl.cipher.suites',
  'max.connections.per.ip.overrides', 'max.connection.creation.rate', 'connection.failed.authentication.delay.ms',
  'socket.listen.backlog.size', 'socket.connection.setup.timeout.ms', 'socket.connection.setup.timeout.max.ms',
  'queued.max.request.bytes', 'fetch.purgatory.purge.interval.requests', 'producer.purgatory.purge.interval.requests',
  'delete.records.purgatory.purge.interval.requests', 'quota.window.num', 'quota.window.size.seconds',
  'replication.quota.window.num', 'replication.quota.window.size.seconds', 'alter.log.dirs.replication.quota.window.num',
  'alter.log.dirs.replication.quota.window.size.seconds', 'client.quota.callback.class',
  'offsets.load.buffer.size', 'offsets.commit.required.acks', 'offsets.topic.compression.codec',
  'transaction.state.log.load.buffer.size', 'transaction.partition.verification.enable',
  'group.coordinator.rebalance.protocols', 'group.coordinator.new.enable', 'group.coordinator.threads',
  'group.consumer.session.timeout.ms', 'group.consumer.heartbeat.interval.ms', 'group.consumer.max.size',
  'group.consumer.assignors', 'group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms',
  'group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms', 'group.share.enable',
  'create.topic.policy.class.name', 'alter.config.policy.class.name', 'password.encoder.secret', 'config.providers',
  'unstable.api.versions.enable', 'unstable.feature.versions.enable', 'unstable.metadata.versions.enable',
  'eligible.leader.replicas.enable', 'telemetry.max.bytes', 'delegation.token.secret.key',
  'delegation.token.max.lifetime.ms', 'delegation.token.expiry.time.ms',
]);

/** Families of per-listener or per-mechanism Kafka settings that are accepted (with a warning) as a whole. */
export const ACCEPTED_IGNORED_PREFIXES: readonly string[] = ['listener.name.'];

export const DEFINITIONS_BY_NAME: ReadonlyMap<string, ConfigDefinition> = new Map(BROKER_CONFIG_DEFINITIONS.map((d) => [d.name, d]));

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
}

// ---------------------------------------------------------------------------------------------------------
// Value parsing

const INT_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const LONG_MIN_BIG = -(2n ** 63n);
const LONG_MAX_BIG = 2n ** 63n - 1n;

function expectation(d: ConfigDefinition): string {
  const range = describeRange(d);
  switch (d.type) {
    case 'boolean':
      return 'true or false';
    case 'int':
      return `a 32-bit integer${range}`;
    case 'short':
      return `a 16-bit integer${range}`;
    case 'long':
      return `a 64-bit integer${range}`;
    case 'double':
      return `a number${range}`;
    case 'list':
      return d.validValues ? `a comma-separated list of ${d.validValues.join(', ')}` : 'a comma-separated list';
    default:
      return d.validValues ? `one of ${d.validValues.join(', ')}` : 'a string';
  }
}

function describeRange(d: ConfigDefinition): string {
  if (d.min !== undefined && d.max !== undefined) return ` from ${d.min} to ${d.max}`;
  if (d.min !== undefined) return ` >= ${d.min}`;
  if (d.max !== undefined) return ` <= ${d.max}`;
  return '';
}

/** Parses one textual value; returns the typed value or a string describing what was expected. */
function parseValue(d: ConfigDefinition, text: string): { ok: true; value: ConfigValue } | { ok: false; expected: string } {
  const fail = (expected = expectation(d)) => ({ ok: false as const, expected });
  // Kafka trims values of every type before parsing; do the same so trailing spaces in files do no harm.
  const t = text.trim();
  let value: ConfigValue;
  switch (d.type) {
    case 'boolean': {
      const l = t.toLowerCase();
      if (l !== 'true' && l !== 'false') return fail();
      value = l === 'true';
      break;
    }
    case 'int':
    case 'short':
    case 'long': {
      if (!INT_RE.test(t)) return fail();
      const big = BigInt(t);
      const [lo, hi] = d.type === 'int' ? [BigInt(INT_MIN), BigInt(INT_MAX)] : d.type === 'short' ? [-32768n, 32767n] : [LONG_MIN_BIG, LONG_MAX_BIG];
      if (big < lo || big > hi) return fail();
      // int64 values are JS numbers in Samsa; anything past 2^53 only ever means "effectively infinite".
      value = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : big < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(big);
      if ((d.min !== undefined && value < d.min) || (d.max !== undefined && value > d.max)) return fail();
      break;
    }
    case 'double': {
      if (!DOUBLE_RE.test(t)) return fail();
      value = Number(t);
      if (!Number.isFinite(value) || (d.min !== undefined && value < d.min) || (d.max !== undefined && value > d.max)) return fail();
      break;
    }
    case 'list': {
      value = t === '' ? [] : t.split(',').map((s) => s.trim());
      if (value.some((s) => s === '')) return fail(`${expectation(d)} without empty entries`);
      if (d.validValues) {
        const allowed = d.validValues;
        const out: string[] = [];
        for (const item of value) {
          const hit = allowed.find((a) => a.toLowerCase() === item.toLowerCase());
          if (!hit) return fail();
          out.push(hit);
        }
        value = out;
      }
      break;
    }
    case 'string':
    case 'password': {
      value = t;
      if (d.validValues) {
        const hit = d.validValues.find((a) => a.toLowerCase() === t.toLowerCase());
        if (!hit) return fail();
        value = hit;
      }
      break;
    }
  }
  if (d.check) {
    const problem = d.check(value);
    if (problem !== undefined) return fail(problem);
  }
  return { ok: true, value };
}

function checkRetentionMs(v: ConfigValue): string | undefined {
  return v === 0 ? '-1 (unlimited) or a positive number of milliseconds' : undefined;
}

function nonEmptyList(v: ConfigValue): string | undefined {
  return Array.isArray(v) && v.length === 0 ? 'at least one of delete, compact' : undefined;
}

function checkClusterId(v: ConfigValue): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return /^[A-Za-z0-9_-]{22}$/.test(v) ? undefined : 'a 22-character base64url cluster id (as produced by `kafka-storage random-uuid`)';
}

/** A fresh cluster id in Kafka's format: 16 random bytes, base64url without padding. */
export function generateClusterId(): string {
  return randomBytes(16).toString('base64url');
}

// Listener syntax: NAME://host:port, with host empty, a name, an IPv4 address or a bracketed IPv6 address.
const LISTENER_RE = /^([A-Za-z][A-Za-z0-9_]*):\/\/(\[[0-9A-Fa-f:.%a-zA-Z]+\]|[A-Za-z0-9._-]*):(\d{1,5})$/;

/** Parses "NAME://host:port"; returns a description of the expected form on failure. */
export function parseListener(text: string): Omit<Listener, 'securityProtocol'> | string {
  const m = LISTENER_RE.exec(text.trim());
  const form = 'NAME://host:port with a port from 0 to 65535 (e.g. PLAINTEXT://127.0.0.1:9092, PLAINTEXT://:9092, PLAINTEXT://[::1]:9092)';
  if (!m) return form;
  const port = Number(m[3]);
  if (port > 65535) return form;
  let host = m[2]!;
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { name: m[1]!.toUpperCase(), host, port };
}

function checkListenerList(v: ConfigValue): string | undefined {
  if (!Array.isArray(v)) return undefined;
  const names = new Set<string>();
  for (const item of v) {
    const l = parseListener(item);
    if (typeof l === 'string') return v.length === 1 ? l : `comma-separated ${l}; '${item}' is not`;
    if (names.has(l.name)) return `listener names to be unique, but ${l.name} appears twice`;
    names.add(l.name);
  }
  return undefined;
}

function checkProtocolMap(v: ConfigValue): string | undefined {
  if (!Array.isArray(v)) return undefined;
  for (const item of v) {
    const [name, proto, ...rest] = item.split(':');
    if (rest.length || !name || !proto || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name.trim())) {
      return `NAME:PROTOCOL pairs; '${item}' does not match`;
    }
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(proto.trim().toUpperCase())) {
      return `a security protocol among ${SECURITY_PROTOCOLS.join(', ')}; '${proto.trim()}' is not one`;
    }
  }
  return undefined;
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
      if (isAcceptedIgnored(key)) {
        warnings.push(`${key} is a Kafka setting Samsa does not implement; ignoring it`);
        continue;
      }
      const hint = suggest(key);
      problems.push({ key, value: text, message: `unknown configuration key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}` });
      continue;
    }
    // An empty value for a setting without a default means "unset", which is how Kafka files often leave them.
    if (text.trim() === '' && d.default === null && d.type !== 'int' && d.type !== 'long' && d.type !== 'short' && d.type !== 'double') continue;
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
      problems.push({ key: 'broker.id', value: String(brokerId), message: `broker.id (${brokerId}) and node.id (${nodeId}) are both set but differ; set only one` });
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
        problems.push({ key, value: items.join(','), message: `${key}: listener name ${l.name} has no security protocol; add ${l.name}:PLAINTEXT to listener.security.protocol.map` });
        continue;
      }
      out.push({ ...l, securityProtocol: proto });
    }
    return out;
  };
  const listeners = resolve('listeners', list('listeners'));
  const clientListeners = listeners.filter((l) => !controllerNames.includes(l.name));
  if (list('listeners').length === 0) {
    problems.push({ key: 'listeners', value: props['listeners'] ?? '', message: 'listeners must name at least one endpoint, e.g. PLAINTEXT://127.0.0.1:9092' });
  } else if (listeners.length > 0 && clientListeners.length === 0) {
    problems.push({ key: 'listeners', value: props['listeners'], message: 'listeners only lists controller listeners; add one for clients, e.g. PLAINTEXT://:9092' });
  }
  const ports = new Map<number, string>();
  for (const l of clientListeners) {
    if (l.port !== 0 && ports.has(l.port)) {
      problems.push({ key: 'listeners', value: props['listeners'], message: `listeners ${ports.get(l.port)} and ${l.name} both use port ${l.port}` });
    }
    ports.set(l.port, l.name);
    if (!SUPPORTED_SECURITY_PROTOCOLS.includes(l.securityProtocol)) {
      problems.push({ key: 'listeners', value: props['listeners'], message: `listener ${l.name} uses security protocol ${l.securityProtocol}, which Samsa does not support (supported: ${SUPPORTED_SECURITY_PROTOCOLS.join(', ')})` });
    }
  }
  if (listeners.length > clientListeners.length) {
    warnings.push(`controller listeners (${controllerNames.join(', ')}) are not served: Samsa has no separate controller`);
  }
  let advertisedListeners: Listener[];
  if (values.get('advertised.listeners') === null) {
    advertisedListeners = clientListeners.map((l) => ({ ...l }));
  } else {
    advertisedListeners = resolve('advertised.listeners', list('advertised.listeners')).filter((l) => !controllerNames.includes(l.name));
    for (const a of advertisedListeners) {
      if (!listeners.some((l) => l.name === a.name)) {
        problems.push({ key: 'advertised.listeners', value: props['advertised.listeners'], message: `advertised.listeners names ${a.name}, which is not in listeners` });
      }
      if (a.host === '0.0.0.0' || a.host === '::') {
        problems.push({ key: 'advertised.listeners', value: props['advertised.listeners'], message: `advertised.listeners cannot use the wildcard address ${a.host}; give a host clients can reach` });
      }
    }
  }

  // Data directories.
  const logDirs = values.get('log.dirs') !== null && list('log.dirs').length > 0 ? list('log.dirs') : [str('log.dir')];
  if (logDirs[0] === '') problems.push({ key: 'log.dir', value: '', message: 'log.dir must not be empty' });

  // Precedence chains as Kafka: the most precise unit wins.
  const retentionMs = numOrNull('log.retention.ms');
  const retentionMin = numOrNull('log.retention.minutes');
  let logRetentionMs = retentionMs ?? (retentionMin !== null ? retentionMin * 60_000 : num('log.retention.hours') * 3_600_000);
  if (logRetentionMs < 0) logRetentionMs = -1;
  if (logRetentionMs === 0) {
    problems.push({ key: 'log.retention.minutes', value: String(retentionMin ?? num('log.retention.hours')), message: 'log retention must be -1 (unlimited) or positive; minutes/hours of 0 are not allowed' });
  }
  const logRollMs = numOrNull('log.roll.ms') ?? num('log.roll.hours') * 3_600_000;
  const logRollJitterMs = numOrNull('log.roll.jitter.ms') ?? num('log.roll.jitter.hours') * 3_600_000;
  const logFlushIntervalMs = numOrNull('log.flush.interval.ms') ?? num('log.flush.scheduler.interval.ms');

  // Cross-key sanity checks.
  if (num('group.min.session.timeout.ms') > num('group.max.session.timeout.ms')) {
    problems.push({ key: 'group.min.session.timeout.ms', value: String(num('group.min.session.timeout.ms')), message: `group.min.session.timeout.ms (${num('group.min.session.timeout.ms')}) must not exceed group.max.session.timeout.ms (${num('group.max.session.timeout.ms')})` });
  }
  for (const k of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor']) {
    if (num(k) > 1) warnings.push(`${k}=${num(k)} cannot be met by a single Samsa node, which holds one replica of each partition`);
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
    logMessageTimestampBeforeMaxMs: explicit.has('log.message.timestamp.before.max.ms') ? num('log.message.timestamp.before.max.ms') : num('log.message.timestamp.difference.max.ms'),
    logMessageTimestampAfterMaxMs: explicit.has('log.message.timestamp.after.max.ms') ? num('log.message.timestamp.after.max.ms') : num('log.message.timestamp.difference.max.ms'),
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
    transactionAbortTimedOutTransactionCleanupIntervalMs: num('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    transactionRemoveExpiredTransactionCleanupIntervalMs: num('transaction.remove.expired.transaction.cleanup.interval.ms'),
    producerIdExpirationMs: num('producer.id.expiration.ms'),
    producerIdExpirationCheckIntervalMs: num('producer.id.expiration.check.interval.ms'),
    raw: Object.freeze({ ...props }),
    values,
    explicit,
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------------
// DescribeConfigs support

export interface DescribedConfig {
  name: string;
  /** Textual value, null for unset or sensitive settings. */
  value: string | null;
  source: number;
  isDefault: boolean;
  readOnly: boolean;
  sensitive: boolean;
  configType: number;
  documentation: string;
  synonyms: { name: string; value: string | null; source: number }[];
}

/**
 * Every defined broker setting with its current textual value and where it came from, in the shape
 * DescribeConfigs needs for a BROKER resource. All static settings are read-only (no dynamic config yet).
 */
export function describeBrokerConfig(cfg: BrokerConfig): DescribedConfig[] {
  const out: DescribedConfig[] = [];
  for (const d of BROKER_CONFIG_DEFINITIONS) {
    const isSet = cfg.explicit.has(d.name);
    const value = isSet ? (cfg.raw[d.name] ?? '').trim() : d.default;
    const source = isSet ? CONFIG_SOURCE.STATIC_BROKER_CONFIG : CONFIG_SOURCE.DEFAULT_CONFIG;
    const synonyms: DescribedConfig['synonyms'] = [];
    for (const name of [d.name, ...(d.synonyms ?? [])]) {
      const sd = DEFINITIONS_BY_NAME.get(name)!;
      if (cfg.explicit.has(name)) synonyms.push({ name, value: sd.sensitive ? null : cfg.raw[name]!.trim(), source: CONFIG_SOURCE.STATIC_BROKER_CONFIG });
      if (sd.default !== null) synonyms.push({ name, value: sd.sensitive ? null : sd.default, source: CONFIG_SOURCE.DEFAULT_CONFIG });
    }
    out.push({
      name: d.name,
      value: d.sensitive ? null : value,
      source,
      isDefault: !isSet,
      readOnly: true,
      sensitive: !!d.sensitive,
      configType: CONFIG_TYPE_ID[d.type],
      documentation: d.doc,
      synonyms,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// .properties files

/**
 * Parses text in java.util.Properties format: '#' and '!' comment lines, key=value / key:value / key value,
 * backslash line continuations (leading blanks of the next line dropped), and escapes \t \n \r \f \uXXXX
 * (any other escaped character stands for itself). Later duplicates win. `source` names the origin in errors.
 */
export function parseProperties(text: string, source = '<properties>'): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const lines = text.split(/\r\n|\r|\n/);
  let i = 0;
  if (lines[0]?.charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1); // tolerate a UTF-8 BOM
  while (i < lines.length) {
    const startLine = i + 1;
    let line = stripLeading(lines[i++]!);
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    // Join continuation lines: a line ending in an odd number of backslashes continues on the next one.
    while (endsWithOddBackslashes(line)) {
      line = line.slice(0, -1);
      if (i >= lines.length) break;
      line += stripLeading(lines[i++]!);
    }
    // Key ends at the first unescaped '=', ':' or blank.
    let k = 0;
    while (k < line.length) {
      const c = line[k]!;
      if (c === '\\') {
        k += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      k++;
    }
    const rawKey = line.slice(0, Math.min(k, line.length));
    let v = k;
    while (v < line.length && (line[v] === ' ' || line[v] === '\t' || line[v] === '\f')) v++;
    if (v < line.length && (line[v] === '=' || line[v] === ':')) v++;
    while (v < line.length && (line[v] === ' ' || line[v] === '\t' || line[v] === '\f')) v++;
    const key = unescape(rawKey, source, startLine);
    out[key] = unescape(line.slice(v), source, startLine);
  }
  return { ...out };
}

function stripLeading(s: string): string {
  let j = 0;
  while (j < s.length && (s[j] === ' ' || s[j] === '\t' || s[j] === '\f')) j++;
  return j === 0 ? s : s.slice(j);
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let j = s.length - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

function unescape(s: string, source: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++j];
    if (n === undefined) break; // a lone trailing backslash at end of file: dropped, as Java does
    switch (n) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const hex = s.slice(j + 1, j + 5);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
          throw new ConfigError(`${source}:${line}: malformed \\u escape '\\u${hex}': expected four hexadecimal digits`);
        }
        out += String.fromCharCode(parseInt(hex, 16));
        j += 4;
        break;
      }
      default:
        out += n;
    }
  }
  return out;
}

/** Reads and parses a .properties file (as UTF-8, unlike Java's ISO-8859-1; ASCII files read the same). */
export function loadProperties(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new ConfigError(`cannot read config file ${file}: ${why}`);
  }
  return parseProperties(text, file);
}

/** Parses one "key=value" command-line override. */
export function parseOverride(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || text.slice(0, eq).trim() === '') {
    throw new ConfigError(`invalid override '${text}': expected key=value, e.g. --override log.retention.hours=24`);
  }
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}
