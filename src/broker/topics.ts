/**
 * Topics and their partitions on this broker: creation (explicit and automatic), deletion, added partitions and
 * per-topic configs, backed by the durable metadata store and the log manager.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import { resolveLogConfig, validateTopicConfig, type LogConfig } from '../storage/log-config.js';
import type { LogManager } from '../storage/log-manager.js';
import type { Logger } from '../storage/logger.js';
import type { MetadataStore, TopicRecord } from '../storage/metadata-store.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { BrokerConfig } from './config/index.js';

export interface TopicResult {
  errorCode: number;
  errorMessage: string | null;
}

const OK: TopicResult = { errorCode: 0, errorMessage: null };
const fail = (errorCode: number, errorMessage: string): TopicResult => ({ errorCode, errorMessage });

export const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_NAME_LENGTH = 249;

/** Kafka's rule for topic names; returns why a name is not legal, or null. */
export function invalidTopicName(name: string): string | null {
  if (name.length === 0) return 'the topic name is empty';
  if (name === '.' || name === '..') return `the topic name cannot be "${name}"`;
  if (name.length > MAX_NAME_LENGTH) return `the topic name is longer than ${MAX_NAME_LENGTH} characters`;
  if (!LEGAL_NAME.test(name))
    return `the topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return null;
}

/** Told when partitions appear on or leave this broker, so whoever decides leadership can act on them. */
export interface PartitionLifecycle {
  partitionAdded(topic: string, partition: number, log: PartitionLog): void;
  topicDeleted(topic: string): void;
}

/**
 * Topic changes in cluster mode: the controller's operations, written to etcd (src/cluster). The topic manager then
 * only mirrors what etcd holds (`mirrorTopic`, `mirrorDelete`); creating, deleting and growing topics goes here.
 */
export interface ClusterTopicAdmin {
  createTopic(req: {
    name: string;
    partitions: number;
    replicationFactor: number;
    assignment?: number[][];
    configs: Record<string, string>;
    validateOnly?: boolean;
  }): Promise<TopicResult & { topicId?: string; partitions?: number; replicationFactor?: number }>;
  deleteTopic(name: string): Promise<TopicResult>;
  createPartitions(name: string, count: number, assignment?: number[][], validateOnly?: boolean): Promise<TopicResult>;
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicResult>;
  /** The replication factor internal topics are created with (offsets/transaction state settings). */
  internalReplicationFactor(name: string): number;
}

export class TopicManager {
  /** Set in cluster mode: topic changes go through etcd and this manager mirrors the result. */
  cluster: ClusterTopicAdmin | undefined;
  private readonly creating = new Set<string>();
  /** Topic name -> its partitions' logs, index = partition. */
  private readonly partitions = new Map<string, PartitionLog[]>();
  private readonly byId = new Map<string, string>();
  private _generation = 0;
  private lifecycle: PartitionLifecycle | undefined;
  /** The id a new topic gets (replication: the same on every broker); a random UUID when unset or undefined. */
  topicIdFor: ((name: string) => string | undefined) | undefined;

  constructor(
    private readonly config: BrokerConfig,
    private readonly logs: LogManager,
    private readonly metadata: MetadataStore,
    private readonly log: Logger,
    /** How many brokers can hold replicas (a replication factor above it is refused). */
    private readonly brokerCount: () => number = () => 1,
  ) {}

  /** Sets who hears about added partitions and deleted topics (the broker's leadership wiring). */
  setLifecycle(lifecycle: PartitionLifecycle): void {
    this.lifecycle = lifecycle;
  }

  private added(topic: string, from: number, logs: readonly PartitionLog[]): void {
    if (this.lifecycle === undefined) return;
    for (let p = from; p < logs.length; p++) this.lifecycle.partitionAdded(topic, p, logs[p]!);
  }

  /** Opens the logs of every topic the metadata store knows, creating any partition directory that is missing. */
  load(): void {
    for (const t of this.metadata.list()) this.attach(t);
    // Partition directories of topics the metadata store does not know (a crash during a delete) are removed.
    for (const log of [...this.logs.allLogs()]) {
      const t = this.metadata.get(log.topic);
      if (t === undefined || log.partition >= t.partitions) {
        this.log.warn(`removing ${log.topic}-${log.partition}: no such topic or partition in the metadata`);
        this.logs.deleteLog(log.topic, log.partition);
      }
    }
  }

  private attach(t: TopicRecord): void {
    const cfg = this.logConfig(t.configs);
    const logs: PartitionLog[] = [];
    for (let p = 0; p < t.partitions; p++) {
      const existing = this.logs.getLog(t.name, p);
      // Logs found on disk were opened with the broker defaults: give them the topic's own settings.
      if (existing) existing.updateConfig(cfg);
      logs.push(existing ?? this.logs.createLog(t.name, p, cfg));
    }
    this.partitions.set(t.name, logs);
    this.byId.set(t.topicId, t.name);
    this.added(t.name, 0, logs);
  }

  private logConfig(overrides: Record<string, string>): LogConfig {
    return resolveLogConfig(overrides, this.config.raw);
  }

  count(): number {
    return this.partitions.size;
  }

  names(): string[] {
    return [...this.partitions.keys()];
  }

  /** Goes up by one whenever a topic is created or deleted (so callers can cache what they derived from names()). */
  get generation(): number {
    return this._generation;
  }

  get(name: string): TopicRecord | undefined {
    return this.metadata.get(name);
  }

  nameForId(topicId: string): string | undefined {
    return this.byId.get(topicId);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.partitions.get(topic)?.[partition];
  }

  partitionsOf(topic: string): PartitionLog[] | undefined {
    return this.partitions.get(topic);
  }

  isInternal(name: string): boolean {
    return INTERNAL_TOPICS.has(name);
  }

  /** Checks a create request without changing anything. */
  validateCreate(
    name: string,
    numPartitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
  ): TopicResult {
    const bad = invalidTopicName(name);
    if (bad) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
    if (this.metadata.get(name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const collides = this.names().find((n) => n !== name && n.replace(/\./g, '_') === name.replace(/\./g, '_'));
    if (collides)
      return fail(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${name}' collides with existing topic '${collides}' ('.' and '_' are interchangeable in metric names).`,
      );
    if (numPartitions !== -1 && numPartitions < 1)
      return fail(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be at least 1, got ${numPartitions}.`);
    if (replicationFactor !== -1 && replicationFactor < 1)
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor must be at least 1, got ${replicationFactor}.`,
      );
    const brokers = this.brokerCount();
    if (replicationFactor > brokers) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor: ${replicationFactor} larger than available brokers: ${brokers}.`,
      );
    }
    for (const [k, v] of Object.entries(configs)) {
      const err = validateTopicConfig(k, v);
      if (err) return fail(ErrorCode.INVALID_CONFIG, err);
    }
    return OK;
  }

  create(
    name: string,
    numPartitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    validateOnly = false,
  ): TopicResult {
    const check = this.validateCreate(name, numPartitions, replicationFactor, configs);
    if (check.errorCode !== 0 || validateOnly) return check;
    if (this.cluster !== undefined) return this.createInCluster(name, numPartitions, replicationFactor, configs);
    const partitions = numPartitions === -1 ? this.config.numPartitions : numPartitions;
    const topicId = this.topicIdFor?.(name) ?? randomUUID();
    const record: TopicRecord = { name, topicId, partitions, configs: { ...configs } };
    try {
      this.metadata.createTopic(record);
      this.attach(record);
    } catch (e) {
      // All or nothing: a topic whose partitions could not all be created is removed again.
      this.partitions.delete(name);
      this.byId.delete(record.topicId);
      try {
        if (this.metadata.get(name)) this.metadata.deleteTopic(name);
        this.logs.deleteLogs(name);
      } catch (cleanup) {
        // What is left is removed at the next start: partition directories of unknown topics are dropped.
        this.log.warn(`could not remove the partly created topic ${name}: ${(cleanup as Error).message}`);
      }
      const why = (e as Error).message;
      this.log.error(`could not create topic ${name}: ${why}`);
      return fail(ErrorCode.KAFKA_STORAGE_ERROR, `Topic '${name}' could not be created: ${why}`);
    }
    this._generation++;
    this.log.info(`created topic ${name} with ${partitions} partition(s)`);
    return OK;
  }

  /**
   * Cluster mode's answer to the synchronous create (auto-created and internal topics): the creation starts in
   * etcd and the caller hears LEADER_NOT_AVAILABLE, as from Kafka, until the topic has reached this broker.
   */
  private createInCluster(
    name: string,
    numPartitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
  ): TopicResult {
    if (!this.creating.has(name)) {
      this.creating.add(name);
      const rf = INTERNAL_TOPICS.has(name) ? this.cluster!.internalReplicationFactor(name) : replicationFactor;
      this.cluster!.createTopic({ name, partitions: numPartitions, replicationFactor: rf, configs })
        .then((r) => {
          if (r.errorCode !== 0 && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS)
            this.log.warn(`could not create topic ${name} in the cluster: ${r.errorMessage ?? r.errorCode}`);
        })
        .catch((err) => this.log.warn(`could not create topic ${name} in the cluster: ${(err as Error).message}`))
        .finally(() => this.creating.delete(name));
    }
    return fail(ErrorCode.LEADER_NOT_AVAILABLE, `Topic '${name}' is being created.`);
  }

  /**
   * Cluster mode: makes this broker's copy of a topic match etcd's record (created, grown, configs replaced, or
   * recreated when the id changed). Logs exist for every partition; only replicas hold data.
   */
  mirrorTopic(record: TopicRecord): void {
    const have = this.metadata.get(record.name);
    if (have !== undefined && have.topicId !== record.topicId) this.mirrorDelete(record.name);
    const cur = this.metadata.get(record.name);
    if (cur === undefined) {
      this.metadata.createTopic({ ...record, configs: { ...record.configs } });
      this.attach(this.metadata.get(record.name)!);
      this._generation++;
      this.log.info(`topic ${record.name} with ${record.partitions} partition(s) joined this broker`);
      return;
    }
    if (JSON.stringify(cur.configs) !== JSON.stringify(record.configs)) {
      this.metadata.setConfigs(record.name, record.configs);
      const cfg = this.logConfig(record.configs);
      for (const l of this.partitions.get(record.name) ?? []) l.updateConfig(cfg);
    }
    if (record.partitions > cur.partitions) {
      const logs = this.partitions.get(record.name)!;
      const cfg = this.logConfig(record.configs);
      const before = logs.length;
      for (let p = before; p < record.partitions; p++)
        logs.push(this.logs.getLog(record.name, p) ?? this.logs.createLog(record.name, p, cfg));
      this.metadata.setPartitions(record.name, record.partitions);
      this._generation++;
      this.added(record.name, before, logs);
    }
  }

  /** Cluster mode: the topic is gone from etcd; its logs go here too. */
  mirrorDelete(name: string): void {
    const t = this.metadata.get(name);
    if (t === undefined) return;
    this.metadata.deleteTopic(name);
    this.partitions.delete(name);
    this.byId.delete(t.topicId);
    this.lifecycle?.topicDeleted(name);
    this.logs.deleteLogs(name);
    this._generation++;
    this.log.info(`deleted topic ${name}`);
  }

  /** Creates a topic on first use when auto.create.topics.enable is set. */
  autoCreate(name: string): TopicResult {
    if (!this.config.autoCreateTopicsEnable)
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    return this.create(name, -1, -1, {});
  }

  delete(name: string): TopicResult {
    if (!this.metadata.get(name)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (!this.config.deleteTopicEnable)
      return fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled (delete.topic.enable=false).');
    const t = this.metadata.get(name)!;
    this.metadata.deleteTopic(name);
    this.partitions.delete(name);
    this.byId.delete(t.topicId);
    this.lifecycle?.topicDeleted(name);
    this.logs.deleteLogs(name);
    this._generation++;
    this.log.info(`deleted topic ${name}`);
    return OK;
  }

  createPartitions(name: string, count: number, validateOnly: boolean): TopicResult {
    const t = this.metadata.get(name);
    if (!t) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (count < t.partitions) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${t.partitions} partitions, which is higher than the requested ${count}.`,
      );
    }
    if (count === t.partitions)
      return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${t.partitions} partitions.`);
    if (validateOnly) return OK;
    const logs = this.partitions.get(name)!;
    const cfg = this.logConfig(t.configs);
    const before = logs.length;
    try {
      for (let p = before; p < count; p++) logs.push(this.logs.getLog(name, p) ?? this.logs.createLog(name, p, cfg));
    } catch (e) {
      // All or nothing, as for a new topic: the partitions added so far go again.
      for (const l of logs.splice(before)) this.logs.deleteLog(name, l.partition);
      const why = (e as Error).message;
      this.log.error(`could not add partitions to topic ${name}: ${why}`);
      return fail(ErrorCode.KAFKA_STORAGE_ERROR, `Partitions of '${name}' could not be created: ${why}`);
    }
    this.metadata.setPartitions(name, count);
    this.added(name, before, logs);
    this.log.info(`topic ${name} now has ${count} partitions`);
    return OK;
  }

  /** Replaces (or with `incremental`, merges) a topic's config overrides, validated first. */
  setConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): TopicResult {
    const t = this.metadata.get(name);
    if (!t) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    for (const [k, v] of Object.entries(configs)) {
      const err = validateTopicConfig(k, v);
      if (err) return fail(ErrorCode.INVALID_CONFIG, err);
    }
    if (validateOnly) return OK;
    this.metadata.setConfigs(name, configs);
    const cfg = this.logConfig(configs);
    for (const l of this.partitions.get(name) ?? []) l.updateConfig(cfg);
    return OK;
  }

  /** setConfigs on a single node; in cluster mode validated here, then written to etcd (every broker mirrors it). */
  alterConfigs(
    name: string,
    configs: Record<string, string>,
    validateOnly: boolean,
  ): TopicResult | Promise<TopicResult> {
    if (this.cluster === undefined) return this.setConfigs(name, configs, validateOnly);
    if (!this.metadata.get(name)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    for (const [k, v] of Object.entries(configs)) {
      const err = validateTopicConfig(k, v);
      if (err) return fail(ErrorCode.INVALID_CONFIG, err);
    }
    if (validateOnly) return OK;
    return this.cluster.setTopicConfigs(name, configs);
  }

  /** Recomputes every topic's log config (the broker defaults under the overrides changed: dynamic configs). */
  refreshLogConfigs(): void {
    for (const [name, logs] of this.partitions) {
      const cfg = this.logConfig(this.metadata.get(name)?.configs ?? {});
      for (const l of logs) l.updateConfig(cfg);
    }
  }

  /** The effective log config of a topic. */
  configOf(name: string): LogConfig {
    return this.logConfig(this.metadata.get(name)?.configs ?? {});
  }
}
