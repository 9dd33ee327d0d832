/**
 * The SQL engine: executes statements against the metastore, runs persistent queries (consumer -> plan -> producer,
 * offsets committed under the query's consumer group after the results are written; aggregation state written to a
 * compacted changelog topic and read back on start), push queries and pull queries, and records every statement
 * that changes the metastore in the command topic, which it replays on start so that streams, tables and
 * persistent queries survive a restart. It talks to Kafka only through Samsa's client.
 */
import { readFileSync } from 'node:fs';
import {
  createAdmin,
  createConsumer,
  createProducer,
  type Admin,
  type Consumer,
  type ConsumerRecord,
  type Producer,
  type TopicPartition,
  type TopicPartitionOffset,
  type ClientSecurity,
} from '../client/index.js';
import type { ColumnDef, Literal, Query, Statement } from './ast.js';
import { CommitPipeline } from './commits.js';
import { SqlError } from './errors.js';
import { evaluateConstant } from './expr.js';
import { getFormat, windowedKey, type Codec, type FormatOptions } from './formats.js';
import { inferColumns, REGISTRY_FORMATS } from './registry-formats.js';
import { SchemaRegistryClient, type RegistrySchema } from '../client/schema-registry/index.js';
import { AGGREGATE_FUNCTIONS } from './aggregates.js';
import { SCALAR_FUNCTIONS } from './functions.js';
import { keyColumns, MetaStore, valueColumns, type DataSource, type SourceColumn } from './metastore.js';
import { parseStatements } from './parser.js';
import { needsRepartition, planQuery, PSEUDO_COUNT, type QueryPlan } from './plan.js';
import {
  GroupByRekey,
  QueryRunner,
  RecordDecoder,
  sourceRecord,
  TableState,
  type GroupSnapshot,
  type OutputRow,
} from './runtime.js';
import { castValue, describeSchema, toJsonValue, typeToString, T } from './types.js';

export interface EngineLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface EngineOptions {
  bootstrap: string;
  /** TLS and SASL of every client the engine opens, for a broker without a PLAINTEXT listener. */
  security?: ClientSecurity;
  /** ksql.service.id (default 'default_'): names the command topic and query groups. */
  serviceId?: string;
  logger?: EngineLogger;
  /** Server-side defaults for query properties (ksql.streams.auto.offset.reset, ...). */
  properties?: Record<string, string>;
  /** ksql.schema.registry.url: the registry of the AVRO, PROTOBUF and JSON_SR formats. */
  schemaRegistryUrl?: string;
}

export type Entity = Record<string, unknown>;

/** A running or finished query's row stream for the REST API. */
export interface QueryHandle {
  id: string;
  columnNames: string[];
  columnTypes: string[];
  /** `\`A\` STRING KEY, ...` as /query's header shows it. */
  schema: string;
  close(): Promise<void>;
  /** Settles when the query ends (LIMIT reached, closed, or failed). */
  done: Promise<void>;
}

/** Whether a query reads a source (FROM or any JOIN). */
function readsFrom(plan: QueryPlan, name: string): boolean {
  return (
    plan.source.name === name ||
    plan.join?.table.name === name ||
    (plan.join?.lookups ?? []).some((l) => l.table.name === name)
  );
}

/**
 * Producer batch size of the queries' results: a persistent query writes a fetch's worth of records at once, and
 * larger batches cost the producer and the broker less per record than the client's 16 KB default.
 */
const QUERY_BATCH_BYTES = 256 * 1024;

/**
 * Fetch size per partition of a persistent query's consumer (the client's default is 1 MB). A fetch's records are
 * all held while the query works through them; with a quarter of that many, far fewer of them outlive a young
 * generation GC (broker CPU per record fell by a quarter in the filter benchmark).
 */
const QUERY_FETCH_PARTITION_BYTES = 256 * 1024;

/** How often a busy persistent query commits (and an aggregation emits), unless commit.interval.ms says. */
const DEFAULT_COMMIT_INTERVAL_MS = 100;

const noopLogger: EngineLogger = { info() {}, warn() {}, error() {} };

interface RunningQuery {
  id: string;
  statement: string;
  sink: string;
  sinkTopic: string;
  plan: QueryPlan;
  state: 'RUNNING' | 'ERROR';
  stop(): Promise<void>;
  runner: QueryRunner | null;
  /** The query's repartition and changelog topics, deleted when it is terminated (as ksqlDB does). */
  internalTopics: string[];
}

function upperProps(p: Record<string, Literal>): Record<string, Literal> {
  const out: Record<string, Literal> = {};
  for (const [k, v] of Object.entries(p)) out[k.toUpperCase()] = v;
  return out;
}

export class SqlEngine {
  readonly meta = new MetaStore();
  readonly serviceId: string;
  readonly commandTopic: string;
  private readonly log: EngineLogger;
  private admin!: Admin;
  private producer!: Producer;
  private readonly queries = new Map<string, RunningQuery>();
  private readonly transient = new Map<string, QueryHandle>();
  private readonly tableCaches = new Map<
    string,
    { state: TableState; consumer: Consumer; ready: Promise<void>; lastBatchAt: number }
  >();
  private commandSeq = 0;
  private transientSeq = 0;
  private closed = false;
  readonly properties: Record<string, string>;
  /** The Kafka cluster's id (DescribeCluster, else Metadata), read on start; '' when the cluster has none. */
  kafkaClusterId = '';
  /** The schema registry of the registry formats, if one is configured. */
  readonly registry: SchemaRegistryClient | null;

  constructor(private readonly opts: EngineOptions) {
    this.serviceId = opts.serviceId ?? 'default_';
    this.commandTopic = `_confluent-ksql-${this.serviceId}_command_topic`;
    this.log = opts.logger ?? noopLogger;
    this.properties = {
      'ksql.streams.auto.offset.reset': 'latest',
      'ksql.service.id': this.serviceId,
      ...(opts.properties ?? {}),
    };
    const url = opts.schemaRegistryUrl ?? this.properties['ksql.schema.registry.url'];
    if (url) this.properties['ksql.schema.registry.url'] = url;
    this.registry = url ? new SchemaRegistryClient({ url }) : null;
  }

  /** Format options of a source's key or value, with the registry settings of the registry formats. */
  private formatOptions(format: string, topic: string, isKey: boolean, props: Record<string, Literal>): FormatOptions {
    const p = isKey ? 'KEY' : 'VALUE';
    const opts: FormatOptions = {
      delimiter: props[`${p}_DELIMITER`] as string | undefined,
      wrapSingle: props.WRAP_SINGLE_VALUE as boolean | undefined,
    };
    if (isKey) opts.wrapSingle = undefined;
    if (REGISTRY_FORMATS.has(format)) {
      if (!this.registry)
        throw new SqlError(
          `Cannot use ${format} format: 'ksql.schema.registry.url' is not set (the ${format} format needs a schema registry).`,
        );
      opts.registry = this.registry;
      opts.topic = topic;
      if (props[`${p}_SCHEMA_ID`] !== undefined) opts.schemaId = Number(props[`${p}_SCHEMA_ID`]);
      if (props[`${p}_SCHEMA_FULL_NAME`] !== undefined) opts.fullName = String(props[`${p}_SCHEMA_FULL_NAME`]);
    }
    return opts;
  }

  /**
   * Columns of a CREATE STREAM / TABLE from the registry when the statement gives no value columns (or no key
   * columns, for a registry key format): the schema VALUE_SCHEMA_ID names, or the subject's latest version.
   */
  private async inferFromRegistry(s: Extract<Statement, { kind: 'createSource' }>): Promise<ColumnDef[] | null> {
    const props = upperProps(s.props);
    const fmt = props.FORMAT !== undefined ? String(props.FORMAT).toUpperCase() : null;
    const valueFormat = String(
      props.VALUE_FORMAT ?? fmt ?? this.properties['ksql.persistence.default.format.value'] ?? '',
    ).toUpperCase();
    const keyFormat = String(props.KEY_FORMAT ?? fmt ?? '').toUpperCase();
    const topic = String(props.KAFKA_TOPIC ?? s.name);
    const hasKey = s.columns.some((c) => c.key || c.primaryKey);
    const hasValue = s.columns.some((c) => !c.key && !c.primaryKey);
    const wantValue = !hasValue && REGISTRY_FORMATS.has(valueFormat);
    const wantKey = !hasKey && REGISTRY_FORMATS.has(keyFormat);
    if (!wantValue && !wantKey) return null;
    const registry = this.registry;
    if (!registry)
      throw new SqlError(
        `Cannot infer the columns of ${s.name}: 'ksql.schema.registry.url' is not set (the ${wantValue ? valueFormat : keyFormat} format needs a schema registry).`,
      );
    const fetchColumns = async (isKey: boolean, format: string) => {
      const p = isKey ? 'KEY' : 'VALUE';
      const subject = `${topic}-${isKey ? 'key' : 'value'}`;
      const id = props[`${p}_SCHEMA_ID`];
      let schema: RegistrySchema & { id?: number };
      try {
        schema = id !== undefined ? await registry.getSchema(Number(id)) : await registry.getVersion(subject, 'latest');
      } catch (e) {
        throw new SqlError(
          id !== undefined
            ? `Schema for message ${isKey ? 'keys' : 'values'} on topic '${topic}' does not exist in the Schema Registry. Schema id ${id}: ${(e as Error).message}`
            : `Schema for message ${isKey ? 'keys' : 'values'} on topic '${topic}' does not exist in the Schema Registry.Subject: ${subject}`,
        );
      }
      const expected = format === 'JSON_SR' ? 'JSON' : format;
      if ((schema.schemaType ?? 'AVRO') !== expected)
        throw new SqlError(
          `Unable to verify the ${format} schema is compatible with ${format}: the registered schema is ${schema.schemaType ?? 'AVRO'}.`,
        );
      // Writes (INSERT INTO ... VALUES) use the schema the columns came from.
      s.props[`${p}_SCHEMA_ID`] = id !== undefined ? Number(id) : schema.id!;
      const refs = await registry.resolveReferences(schema.references);
      const fullName = props[`${p}_SCHEMA_FULL_NAME`];
      return inferColumns(format, schema, refs, isKey, fullName === undefined ? undefined : String(fullName));
    };
    const cols: ColumnDef[] = [...s.columns];
    if (wantKey) {
      const keys = await fetchColumns(true, keyFormat);
      cols.unshift(
        ...keys.map((k) => ({
          name: k.name,
          type: k.type,
          key: s.sourceType === 'STREAM',
          primaryKey: s.sourceType === 'TABLE',
          headers: null,
        })),
      );
    }
    if (wantValue) {
      const values = await fetchColumns(false, valueFormat);
      const keyNames = new Set(cols.filter((c) => c.key || c.primaryKey).map((c) => c.name));
      for (const v of values) {
        if (keyNames.has(v.name)) continue; // a key column named like a value field keeps the key
        cols.push({ name: v.name, type: v.type, key: false, primaryKey: false, headers: null });
      }
    }
    return cols;
  }

  async start(): Promise<void> {
    this.admin = createAdmin({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      clientId: `ksql-${this.serviceId}`,
    });
    await this.admin.connect();
    this.producer = createProducer({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      lingerMs: 5,
      batchSize: QUERY_BATCH_BYTES,
      clientId: `ksql-${this.serviceId}`,
    });
    await this.ensureTopic(this.commandTopic, 1, { 'retention.ms': '-1', 'cleanup.policy': 'delete' });
    this.kafkaClusterId = (await this.admin.describeCluster()).clusterId ?? '';
    await this.replay();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const h of this.transient.values()) await h.close().catch(() => {});
    for (const q of this.queries.values()) await q.stop().catch(() => {});
    for (const c of this.tableCaches.values()) await c.consumer.close().catch(() => {});
    await this.producer?.close().catch(() => {});
    this.admin?.close();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Command topic

  private async replay(): Promise<void> {
    const records = await this.readAll(this.commandTopic);
    for (const r of records) {
      if (r.value === null) continue;
      let cmd: {
        statement: string;
        streamsProperties?: Record<string, string>;
        columns?: ColumnDef[];
        props?: Record<string, Literal>;
      };
      try {
        cmd = JSON.parse(r.value.toString('utf8'));
      } catch {
        continue;
      }
      this.commandSeq = r.offset + 1;
      try {
        const [stmt] = parseStatements(cmd.statement);
        if (stmt?.kind === 'createSource' && cmd.columns) {
          stmt.columns = cmd.columns;
          stmt.props = { ...stmt.props, ...cmd.props };
        }
        if (stmt) await this.apply(stmt, cmd.streamsProperties ?? {}, r.offset, true);
      } catch (e) {
        this.log.warn('command topic: statement could not be replayed', {
          statement: cmd.statement,
          error: (e as Error).message,
        });
      }
    }
    this.log.info('sql: command topic replayed', { commands: records.length, queries: this.queries.size });
  }

  private async record(stmt: Statement, props: Record<string, string>): Promise<number> {
    const md = await this.producer.send({
      topic: this.commandTopic,
      key: `${stmt.kind}/${this.commandSeq}`,
      value: JSON.stringify({
        statement: stmt.text,
        streamsProperties: props,
        // Columns inferred from the registry are recorded, so a replay does not depend on the registry's state.
        ...(stmt.kind === 'createSource' && stmt.inferred ? { columns: stmt.columns, props: stmt.props } : {}),
      }),
      partition: 0,
    });
    this.commandSeq = md.offset + 1;
    return md.offset;
  }

  /**
   * Every committed record of a topic (read_committed), for the changelogs of exactly-once queries: the topic's
   * end may be a transaction marker, which no record reaches, so reading stops at the end position or when the
   * topic has been quiet for a second.
   */
  private async readCommitted(topic: string): Promise<ConsumerRecord[]> {
    const tps = await this.partitionsOf(topic);
    const ends = await this.admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: -1 })));
    const want = ends.filter((e) => e.offset > 0);
    if (want.length === 0) return [];
    const c = createConsumer({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      autoOffsetReset: 'earliest',
      isolationLevel: 'read_committed',
    });
    c.assign(want.map((e) => ({ topic, partition: e.partition })));
    const out: ConsumerRecord[] = [];
    const done = () => want.every((e) => (c.position({ topic, partition: e.partition }) ?? 0) >= e.offset);
    try {
      let pending = c.next();
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const idle = new Promise<'idle'>((r) => (timer = setTimeout(() => r('idle'), 1000)));
        const r = await Promise.race([pending, idle]);
        clearTimeout(timer);
        if (r === 'idle' || r === null) break;
        out.push(r);
        if (done()) break;
        pending = c.next();
      }
    } finally {
      await c.close();
    }
    return out;
  }

  /** Every record of a topic from the beginning up to its end now. */
  private async readAll(topic: string): Promise<ConsumerRecord[]> {
    const tps = await this.partitionsOf(topic);
    const ends = await this.admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: -1 })));
    const want = new Map<number, number>();
    for (const e of ends) if (e.offset > 0) want.set(e.partition, e.offset);
    if (want.size === 0) return [];
    const c = createConsumer({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      autoOffsetReset: 'earliest',
    });
    c.assign(tps.filter((tp) => want.has(tp.partition)));
    const out: ConsumerRecord[] = [];
    try {
      while (want.size > 0) {
        const r = await c.next();
        if (r === null) break;
        out.push(r);
        if (r.offset + 1 >= (want.get(r.partition) ?? 0)) want.delete(r.partition);
      }
    } finally {
      await c.close();
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Statements

  /** Executes a script as /ksql does: one entity per statement (SET/UNSET change the rest of the request). */
  async execute(text: string, streamsProperties: Record<string, string> = {}): Promise<Entity[]> {
    const stmts = parseStatements(text);
    const props = { ...streamsProperties };
    const out: Entity[] = [];
    for (const s of stmts) {
      if (s.kind === 'set') {
        props[s.name] = s.value;
        continue;
      }
      if (s.kind === 'unset') {
        delete props[s.name];
        continue;
      }
      if (s.kind === 'query') {
        throw new SqlError(
          "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
          40002,
        );
      }
      if (s.kind === 'print')
        throw new SqlError(
          "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
          40002,
        );
      if (s.kind === 'runScript') {
        out.push(...(await this.execute(readFileSync(s.path, 'utf8'), props)));
        continue;
      }
      out.push(await this.executeOne(s, props));
    }
    return out;
  }

  private async executeOne(s: Statement, props: Record<string, string>): Promise<Entity> {
    const base = { statementText: s.text, warnings: [] as unknown[] };
    switch (s.kind) {
      case 'show':
        return { ...base, ...(await this.show(s.what, s.extended, props)) };
      case 'describe':
        return {
          '@type': 'sourceDescription',
          ...base,
          sourceDescription: await this.describe(this.meta.get(s.name), s.extended),
        };
      case 'describeFunction':
        return { '@type': 'describe_function', ...base, ...this.describeFunction(s.name) };
      case 'explain':
        return { '@type': 'queryDescription', ...base, queryDescription: this.explain(s) };
      case 'insertValues':
        await this.insertValues(
          s.target,
          s.columns,
          s.values.map((v) => evaluateConstant(v)),
        );
        return {
          '@type': 'currentStatus',
          ...base,
          commandId: `stream/\`${s.target}\`/insert`,
          commandStatus: { status: 'SUCCESS', message: 'Inserted', queryId: null },
          commandSequenceNumber: -1,
        };
      default: {
        // Statements that change the metastore: validate, record in the command topic, then apply.
        if (s.kind === 'createSource') {
          const inferred = await this.inferFromRegistry(s);
          if (inferred) {
            s.columns = inferred;
            s.inferred = true;
          }
        }
        await this.apply(s, props, -1, false, true);
        const seq = await this.record(s, props);
        const result = await this.apply(s, props, seq, false);
        return {
          '@type': 'currentStatus',
          ...base,
          commandId: result.commandId,
          commandStatus: { status: 'SUCCESS', message: result.message, queryId: result.queryId },
          commandSequenceNumber: seq,
        };
      }
    }
  }

  /** Applies a metastore statement; `dryRun` only validates. */
  private async apply(
    s: Statement,
    props: Record<string, string>,
    seq: number,
    replaying: boolean,
    dryRun = false,
  ): Promise<{ commandId: string; message: string; queryId: string | null }> {
    switch (s.kind) {
      case 'createSource': {
        const exists = this.meta.find(s.name);
        if (exists && !s.orReplace) {
          if (s.ifNotExists)
            return {
              commandId: '',
              message: `A ${exists.type.toLowerCase()} with the same name already exists`,
              queryId: null,
            };
          throw new SqlError(
            `Cannot add ${s.sourceType.toLowerCase()} '${s.name}': A ${exists.type.toLowerCase()} with the same name already exists`,
          );
        }
        const ds = this.sourceFromDdl(s.name, s.sourceType, s.columns, upperProps(s.props), s.text, s.source);
        if (dryRun) return { commandId: '', message: '', queryId: null };
        const topicProps = upperProps(s.props);
        const known = await this.topicExists(ds.topic);
        if (!known) {
          if (topicProps.PARTITIONS === undefined) {
            throw new SqlError(
              `Topic '${ds.topic}' does not exist. If you want to create a new topic for the ${s.sourceType.toLowerCase()} please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: CREATE ${s.sourceType} ${s.name} (...) WITH (KAFKA_TOPIC='${ds.topic}', PARTITIONS=2, REPLICAS=1);`,
            );
          }
          await this.ensureTopic(
            ds.topic,
            ds.partitions,
            s.sourceType === 'TABLE' ? { 'cleanup.policy': 'compact' } : {},
          );
        } else if (!replaying) ds.partitions = (await this.partitionsOf(ds.topic)).length;
        this.meta.put(ds);
        const kind = s.sourceType === 'STREAM' ? 'Stream' : 'Table';
        return {
          commandId: `${s.sourceType.toLowerCase()}/\`${s.name}\`/create`,
          message: `${kind} created`,
          queryId: null,
        };
      }
      case 'createAs':
      case 'insertSelect':
        return this.applyPersistent(s, props, seq, dryRun);
      case 'drop': {
        const ds = this.meta.find(s.name);
        if (!ds) {
          if (s.ifExists) return { commandId: '', message: `Source ${s.name} does not exist.`, queryId: null };
          throw new SqlError(`${s.sourceType === 'STREAM' ? 'Stream' : 'Table'} ${s.name} does not exist.`);
        }
        if (ds.type !== s.sourceType)
          throw new SqlError(`Incompatible data source type is ${ds.type}, but statement was DROP ${s.sourceType}`);
        const users = [...this.queries.values()].filter((q) => q.sink === ds.name || readsFrom(q.plan, ds.name));
        if (users.length > 0) {
          throw new SqlError(
            `Cannot drop ${ds.name}.\nThe following queries read from this source: [${users
              .filter((q) => q.sink !== ds.name)
              .map((q) => q.id)
              .join(', ')}].\nThe following queries write into this source: [${users
              .filter((q) => q.sink === ds.name)
              .map((q) => q.id)
              .join(', ')}].\nYou need to terminate them before dropping ${ds.name}.`,
          );
        }
        if (dryRun) return { commandId: '', message: '', queryId: null };
        this.meta.delete(ds.name);
        const cache = this.tableCaches.get(ds.name);
        if (cache) {
          this.tableCaches.delete(ds.name);
          await cache.consumer.close();
        }
        if (s.deleteTopic && !replaying) await this.admin.deleteTopics([ds.topic]).catch(() => {});
        return {
          commandId: `${s.sourceType.toLowerCase()}/\`${s.name}\`/drop`,
          message: `Source \`${s.name}\` (topic: ${ds.topic}) was dropped.`,
          queryId: null,
        };
      }
      case 'terminate': {
        const ids = s.queryId === null ? [...this.queries.keys()] : [s.queryId];
        for (const id of ids) {
          if (!this.queries.has(id)) {
            if (replaying) continue;
            throw new SqlError(`Unknown queryId: ${id}`);
          }
        }
        if (dryRun) return { commandId: '', message: '', queryId: null };
        for (const id of ids) {
          const q = this.queries.get(id);
          if (!q) continue;
          await q.stop();
          this.queries.delete(id);
          if (q.internalTopics.length > 0) await this.admin.deleteTopics(q.internalTopics).catch(() => {});
          const sink = this.meta.find(q.sink);
          if (sink && sink.writerQuery === id) sink.writerQuery = null;
        }
        return { commandId: `terminate/${s.queryId ?? 'ALL'}/execute`, message: 'Query terminated.', queryId: null };
      }
      default:
        throw new SqlError(`Statement not supported here: ${s.text}`);
    }
  }

  private sourceFromDdl(
    name: string,
    type: 'STREAM' | 'TABLE',
    columns: ColumnDef[],
    props: Record<string, Literal>,
    statement: string,
    readOnly: boolean,
  ): DataSource {
    const topic = String(props.KAFKA_TOPIC ?? name);
    if (props.KAFKA_TOPIC === undefined)
      throw new SqlError('Missing required property "KAFKA_TOPIC" which has no default value.');
    const fmt = props.FORMAT !== undefined ? String(props.FORMAT).toUpperCase() : null;
    const valueFormat = String(
      props.VALUE_FORMAT ?? fmt ?? this.properties['ksql.persistence.default.format.value'] ?? '',
    ).toUpperCase();
    if (valueFormat === '')
      throw new SqlError(
        "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.",
      );
    const keyCols = columns.filter((c) => c.key || c.primaryKey);
    if (type === 'TABLE' && columns.some((c) => c.key))
      throw new SqlError(
        `Column \`${columns.find((c) => c.key)!.name}\` is a 'KEY' column: please use 'PRIMARY KEY' for tables.`,
      );
    if (type === 'STREAM' && columns.some((c) => c.primaryKey))
      throw new SqlError(
        `Column \`${columns.find((c) => c.primaryKey)!.name}\` is a 'PRIMARY KEY' column: please use 'KEY' for streams.`,
      );
    if (type === 'TABLE' && keyCols.length === 0)
      throw new SqlError(`Tables require a PRIMARY KEY. Please define the PRIMARY KEY.`);
    const keyFormat = String(props.KEY_FORMAT ?? fmt ?? (keyCols.length === 0 ? 'NONE' : 'KAFKA')).toUpperCase();
    const cols: SourceColumn[] = [
      ...keyCols.map((c) => ({ name: c.name, type: c.type, key: true })),
      ...columns.filter((c) => !c.key && !c.primaryKey).map((c) => ({ name: c.name, type: c.type, key: false })),
    ];
    if (cols.length === 0) throw new SqlError('The statement does not define any columns.');
    const seen = new Set<string>();
    for (const c of cols) {
      if (seen.has(c.name)) throw new SqlError(`Duplicate column names: ${c.name}`);
      seen.add(c.name);
    }
    const ds: DataSource = {
      name,
      type,
      topic,
      keyFormat,
      valueFormat,
      keyOptions: this.formatOptions(keyFormat, topic, true, props),
      valueOptions: this.formatOptions(valueFormat, topic, false, props),
      columns: cols,
      timestampColumn: props.TIMESTAMP !== undefined ? String(props.TIMESTAMP).toUpperCase() : null,
      timestampFormat: props.TIMESTAMP_FORMAT !== undefined ? String(props.TIMESTAMP_FORMAT) : null,
      window: null,
      partitions: Number(props.PARTITIONS ?? 1),
      replicas: Number(props.REPLICAS ?? -1),
      statement,
      readOnly,
      writerQuery: null,
    };
    this.checkFormats(ds);
    if (ds.timestampColumn && !cols.some((c) => c.name === ds.timestampColumn)) {
      throw new SqlError(
        `The TIMESTAMP column set in the WITH clause does not exist in the schema: '${ds.timestampColumn}'`,
      );
    }
    if (props.WINDOW_TYPE !== undefined) {
      const wt = String(props.WINDOW_TYPE).toUpperCase() as 'TUMBLING' | 'HOPPING' | 'SESSION';
      const m = /^(\d+)\s*(\w+)$/.exec(String(props.WINDOW_SIZE ?? ''));
      const units: Record<string, number> = {
        MILLISECOND: 1,
        SECOND: 1000,
        MINUTE: 60000,
        HOUR: 3600000,
        DAY: 86400000,
      };
      ds.window = { type: wt, size: m ? Number(m[1]) * (units[m[2]!.toUpperCase().replace(/S$/, '')] ?? 1) : 0 };
    }
    return ds;
  }

  private checkFormats(ds: DataSource): void {
    getFormat(ds.keyFormat).check(keyColumns(ds), true);
    getFormat(ds.valueFormat).check(valueColumns(ds), false);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Persistent queries

  private async applyPersistent(
    s: Extract<Statement, { kind: 'createAs' | 'insertSelect' }>,
    props: Record<string, string>,
    seq: number,
    dryRun: boolean,
  ): Promise<{ commandId: string; message: string; queryId: string | null }> {
    const plan = planQuery(s.query, this.meta);
    if (s.query.limit !== null) throw new SqlError('Persistent queries do not support LIMIT.');
    let sink: DataSource;
    if (s.kind === 'createAs') {
      const existing = this.meta.find(s.name);
      if (existing && !s.orReplace) {
        if (s.ifNotExists) return { commandId: '', message: 'already exists', queryId: null };
        throw new SqlError(
          `Cannot add ${s.sourceType.toLowerCase()} '${s.name}': A ${existing.type.toLowerCase()} with the same name already exists`,
        );
      }
      if (s.sourceType === 'TABLE' && !plan.outputIsTable)
        throw new SqlError(
          `Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT statement instead.`,
        );
      if (s.sourceType === 'STREAM' && plan.aggregate)
        throw new SqlError(
          'Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead.',
        );
      if (s.sourceType === 'TABLE' && plan.keyCount === 0)
        throw new SqlError('Key missing from projection (ie, SELECT).');
      const p = upperProps(s.props);
      const fmt = p.FORMAT !== undefined ? String(p.FORMAT).toUpperCase() : null;
      const keyCount = plan.keyCount;
      let keyFormat = String(
        p.KEY_FORMAT ?? fmt ?? (plan.join ? plan.join.table.keyFormat : plan.source.keyFormat),
      ).toUpperCase();
      if (keyCount === 0) keyFormat = 'NONE';
      else if (keyFormat === 'NONE') keyFormat = 'KAFKA';
      if (
        keyFormat === 'KAFKA' &&
        (keyCount > 1 || !['INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES'].includes(plan.output[0]!.type.base))
      )
        keyFormat = 'JSON';
      const sinkTopic = String(p.KAFKA_TOPIC ?? s.name);
      const valueFormat = String(p.VALUE_FORMAT ?? fmt ?? plan.source.valueFormat).toUpperCase();
      sink = {
        name: s.name,
        type: s.sourceType,
        topic: sinkTopic,
        keyFormat,
        valueFormat,
        keyOptions: this.formatOptions(keyFormat, sinkTopic, true, p),
        valueOptions: this.formatOptions(valueFormat, sinkTopic, false, p),
        columns: plan.output.map((c) => ({ name: c.name, type: c.type, key: c.key })),
        timestampColumn: p.TIMESTAMP !== undefined ? String(p.TIMESTAMP).toUpperCase() : null,
        timestampFormat: p.TIMESTAMP_FORMAT !== undefined ? String(p.TIMESTAMP_FORMAT) : null,
        window: plan.aggregate?.window ? { type: plan.aggregate.window.type, size: plan.aggregate.window.size } : null,
        partitions: Number(p.PARTITIONS ?? plan.source.partitions),
        replicas: Number(p.REPLICAS ?? -1),
        statement: s.text,
        readOnly: false,
        writerQuery: null,
      };
      this.checkFormats(sink);
    } else {
      sink = this.meta.get(s.target);
      if (sink.readOnly) throw new SqlError(`Cannot insert into read-only ${sink.type.toLowerCase()}: ${sink.name}`);
      if (sink.type !== 'STREAM')
        throw new SqlError(`INSERT INTO can only be used to insert into a stream. ${sink.name} is a table.`);
      const want = sink.columns.map((c) => `${c.name}:${typeToString(c.type)}:${c.key}`).join(',');
      const got = plan.output.map((c) => `${c.name}:${typeToString(c.type)}:${c.key}`).join(',');
      if (want !== got)
        throw new SqlError(
          `Incompatible schema between results and sink.\nResult schema is ${got}\nSink schema is ${want}`,
        );
    }
    if (dryRun) return { commandId: '', message: '', queryId: null };
    const prefix = s.kind === 'insertSelect' ? 'INSERTQUERY' : s.sourceType === 'STREAM' ? 'CSAS' : 'CTAS';
    const id = `${prefix}_${sink.name}_${seq}`;
    if (s.kind === 'createAs') {
      const existing = this.meta.find(s.name);
      if (existing?.writerQuery) {
        const old = this.queries.get(existing.writerQuery);
        await old?.stop();
        this.queries.delete(existing.writerQuery);
      }
      await this.ensureTopic(sink.topic, sink.partitions, sink.type === 'TABLE' ? { 'cleanup.policy': 'compact' } : {});
      sink.writerQuery = id;
      this.meta.put(sink);
    }
    await this.startPersistent(id, s.text, plan, sink, props);
    return {
      commandId: `${sink.type.toLowerCase()}/\`${sink.name}\`/create`,
      message: `Created query with ID ${id}`,
      queryId: id,
    };
  }

  private async startPersistent(
    id: string,
    statement: string,
    plan: QueryPlan,
    sink: DataSource,
    props: Record<string, string>,
  ): Promise<void> {
    const groupId = `_confluent-ksql-${this.serviceId}query_${id}`;
    // A GROUP BY on something other than the source's key goes through a repartition topic (ksqlDB's names),
    // and each of its partitions has an aggregation state of its own, kept in that partition of the changelog.
    const repartition = needsRepartition(plan);
    const repartitionTopic = `${groupId}-Aggregate-GroupBy-repartition`;
    const changelog = repartition
      ? `${groupId}-Aggregate-Aggregate-Materialize-changelog`
      : `${groupId}-Aggregate-Materialize-changelog`;
    const encoder = new RowEncoder(sink);
    await encoder.init();
    // exactly_once_v2: results, changelog and offsets are committed together in one transaction per batch, by a
    // producer of the query's own whose transactional id fences an older instance of the query.
    const guarantee = String(
      props['processing.guarantee'] ??
        props['ksql.streams.processing.guarantee'] ??
        this.properties['ksql.streams.processing.guarantee'] ??
        this.properties['processing.guarantee'] ??
        'at_least_once',
    ).toLowerCase();
    const eos = guarantee === 'exactly_once_v2' || guarantee === 'exactly_once';
    let producer = this.producer;
    if (eos) {
      producer = createProducer({
        bootstrapServers: this.opts.bootstrap,
        ...this.opts.security,
        clientId: id,
        acks: 'all',
        lingerMs: 5,
        batchSize: QUERY_BATCH_BYTES,
        transactionalId: groupId,
      });
      await producer.initTransactions();
    }
    const sinkTopic = sink.topic;
    const pending: Array<{ key: Buffer | null; value: Buffer | null; timestamp: number }> = [];
    const table = plan.join?.kind === 'STREAM_TABLE' ? await this.tableCache(plan.join.table) : null;
    const emit = (row: OutputRow) => {
      pending.push(encoder.encode(row));
    };
    const tps = await this.inputPartitions(plan);
    const internalTopics: string[] = [];
    let rekey: GroupByRekey | null = null;
    let runners: QueryRunner[];
    if (repartition) {
      const n = tps.length;
      await this.ensureTopic(repartitionTopic, n, { 'cleanup.policy': 'delete', 'retention.ms': '-1' });
      internalTopics.push(repartitionTopic);
      const keyCols = plan.output.slice(0, plan.aggregate!.groupBy.length).map((c) => ({ name: c.name, type: c.type }));
      const keyFormat =
        keyCols.length === 1 && ['INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES'].includes(keyCols[0]!.type.base)
          ? 'KAFKA'
          : 'JSON';
      rekey = new GroupByRekey(plan, getFormat(keyFormat).codec(keyCols, true, {}), n);
      // The aggregating half reads records the first half has filtered already.
      const aggregating: QueryPlan = { ...plan, where: null };
      runners = Array.from({ length: n }, () => new QueryRunner(aggregating, emit, null));
    } else {
      const lookups: TableState[] = [];
      for (const l of plan.join?.lookups ?? []) {
        const c = await this.tableCache(l.table);
        await c.ready;
        lookups.push(c.state);
      }
      runners = [new QueryRunner(plan, emit, table?.state ?? null, lookups)];
    }
    if (plan.aggregate) {
      await this.ensureTopic(changelog, runners.length, { 'cleanup.policy': 'compact' });
      internalTopics.push(changelog);
      for (const r of eos ? await this.readCommitted(changelog) : await this.readAll(changelog)) {
        if (r.key === null) continue;
        (runners[r.partition] ?? runners[0]!).restore(
          r.key.toString('utf8'),
          r.value === null ? null : (JSON.parse(r.value.toString('utf8')) as GroupSnapshot),
        );
      }
    }
    // Stream-stream and table-table joins keep their state (the records in the join windows, both tables' rows)
    // in a compacted changelog of their own, read back on start.
    const twoSided = plan.join !== null && plan.join.kind !== 'STREAM_TABLE';
    const joinChangelog = `${groupId}-Join-store-changelog`;
    let restoredJoin = 0;
    if (twoSided) {
      await this.ensureTopic(joinChangelog, 1, { 'cleanup.policy': 'compact' });
      internalTopics.push(joinChangelog);
      const latest = new Map<string, string>();
      for (const r of eos ? await this.readCommitted(joinChangelog) : await this.readAll(joinChangelog)) {
        if (r.key === null) continue;
        const k = r.key.toString('utf8');
        if (r.value === null) latest.delete(k);
        else latest.set(k, r.value.toString('utf8'));
      }
      await runners[0]!.restoreJoin(latest);
      restoredJoin = latest.size;
    }
    if (table) await table.ready;
    const reset = (props['auto.offset.reset'] ??
      props['ksql.streams.auto.offset.reset'] ??
      this.properties['ksql.streams.auto.offset.reset'] ??
      'latest') as 'earliest' | 'latest';
    // A table-table join without state to restore (its first start) reads both tables from the beginning.
    const tableJoin = plan.join?.kind === 'TABLE_TABLE' && restoredJoin === 0;
    const consumer = createConsumer({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      groupId,
      autoOffsetReset: tableJoin ? 'earliest' : reset,
      clientId: id,
      maxPartitionBytes: QUERY_FETCH_PARTITION_BYTES,
      ...(eos ? { isolationLevel: 'read_committed' as const } : {}),
    });
    const internalTps = repartition ? runners.map((_, partition) => ({ topic: repartitionTopic, partition })) : [];
    consumer.assign([...tps, ...internalTps]);
    if (!tableJoin) for (const c of await consumer.committed(tps)) if (c.offset >= 0) consumer.seek(c, c.offset);
    // The repartition topic is read from its start (or the committed offset) whatever auto.offset.reset says.
    if (repartition) for (const c of await consumer.committed(internalTps)) consumer.seek(c, Math.max(0, c.offset));
    let stopping = false;
    const q: RunningQuery = {
      id,
      statement,
      sink: sink.name,
      sinkTopic,
      plan,
      state: 'RUNNING',
      runner: runners[0]!,
      internalTopics,
      stop: async () => {
        stopping = true;
        await consumer.close();
        await loop.catch(() => {});
        if (eos) await producer.close().catch(() => {});
      },
    };
    // Records of the repartition topic that are consumed and committed are deleted now and then (as Kafka
    // Streams purges its repartition topics).
    const purged = new Map<number, number>();
    const purge = (partition: number, offset: number) => {
      const now = Date.now();
      if (!purged.has(partition)) purged.set(partition, now);
      if (now - purged.get(partition)! < 30_000) return;
      purged.set(partition, now);
      void this.admin.deleteRecords([{ topic: repartitionTopic, partition, offset }]).catch(() => {});
    };
    // At least once: offsets are committed once the results of the records before them are acknowledged, while
    // later batches run.
    const commits = eos
      ? null
      : new CommitPipeline(async (offsets) => {
          await this.admin.alterGroupOffsets(groupId, offsets);
          for (const o of offsets) if (o.topic === repartitionTopic) purge(o.partition, o.offset);
        });
    const cb = () => (commits === null ? undefined : commits.callback());
    // Aggregations emit their changed groups, and write them to the changelog, when the batches since the last
    // time are committed (Kafka Streams flushes its record cache on commit likewise): at once when the consumer
    // has nothing more at hand, else every commit.interval.ms.
    const interval = Number(
      props['commit.interval.ms'] ??
        props['ksql.streams.commit.interval.ms'] ??
        this.properties['ksql.streams.commit.interval.ms'] ??
        DEFAULT_COMMIT_INTERVAL_MS,
    );
    const commitIntervalMs = Number.isFinite(interval) && interval >= 0 ? interval : DEFAULT_COMMIT_INTERVAL_MS;
    const touched = new Set<number>();
    const uncommitted = new Map<string, TopicPartitionOffset>();
    let inTransaction = false;
    let lastCommit = Date.now();
    const producePending = () => {
      for (const p of pending)
        producer.produce({ topic: sinkTopic, key: p.key, value: p.value, timestamp: p.timestamp }, cb());
      pending.length = 0;
    };
    const commit = async () => {
      for (const i of touched) {
        const runner = runners[i]!;
        runner.endBatch();
        if (twoSided)
          for (const [k, v] of runner.takeJoinChangelog())
            producer.produce({ topic: joinChangelog, key: k, value: v, partition: 0 }, cb());
        if (plan.aggregate) {
          for (const [k, snap] of runner.takeChangelog()) {
            producer.produce(
              { topic: changelog, key: k, value: snap === null ? null : JSON.stringify(snap), partition: i },
              cb(),
            );
          }
        }
      }
      touched.clear();
      producePending();
      const offsets = [...uncommitted.values()];
      uncommitted.clear();
      lastCommit = Date.now();
      if (commits !== null) commits.seal(offsets);
      else if (inTransaction) {
        await producer.sendOffsetsToTransaction(offsets, groupId);
        await producer.commitTransaction();
        inTransaction = false;
        for (const o of offsets) if (o.topic === repartitionTopic) purge(o.partition, o.offset);
      }
    };
    const loop = (async () => {
      for await (const batch of consumer.batches()) {
        if (stopping) break;
        if (commits !== null) await commits.admit();
        const internal = repartition && batch.topic === repartitionTopic;
        if (rekey !== null && !internal) {
          await rekey.prepare(batch.records);
          if (eos && !inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
          }
          for (const r of batch.records) {
            const m = rekey.rekey(r, repartitionTopic);
            if (m !== null) producer.produce(m, cb());
          }
        } else {
          const index = internal ? batch.partition : 0;
          const runner = runners[index]!;
          if (internal) for (const r of batch.records) sourceRecord(r);
          await runner.prepare(batch.records);
          if (eos && !inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
          }
          for (const r of batch.records) runner.process(r);
          touched.add(index);
          producePending();
        }
        const last = batch.records[batch.records.length - 1]!;
        uncommitted.set(`${batch.topic}\u0000${batch.partition}`, {
          topic: batch.topic,
          partition: batch.partition,
          offset: last.offset + 1,
        });
        if (consumer.stats().bufferedBytes === 0 || Date.now() - lastCommit >= commitIntervalMs) await commit();
      }
      // Stopped: what is processed gets committed once its results are acknowledged (if that comes soon).
      if (commits !== null) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([commits.drain(), new Promise((r) => (timer = setTimeout(r, 5000)))]);
        clearTimeout(timer);
      }
    })().catch((e: Error) => {
      if (stopping || this.closed) return;
      q.state = 'ERROR';
      this.log.error('sql: persistent query failed', { query: id, error: e.message });
    });
    this.queries.set(id, q);
  }

  /** A table kept in memory from its topic, shared by joins and pull queries; `ready` once caught up. */
  private async tableCache(
    ds: DataSource,
  ): Promise<{ state: TableState; consumer: Consumer; ready: Promise<void>; lastBatchAt: number }> {
    const have = this.tableCaches.get(ds.name);
    if (have) return have;
    const state = new TableState(ds);
    const consumer = createConsumer({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      autoOffsetReset: 'earliest',
      clientId: `ksql-table-${ds.name}`,
    });
    const tps = await this.partitionsOf(ds.topic);
    consumer.assign(tps);
    const entry = { state, consumer, ready: Promise.resolve(), lastBatchAt: Date.now() };
    let caughtUp: () => void = () => {};
    entry.ready = new Promise<void>((r) => (caughtUp = r));
    this.tableCaches.set(ds.name, entry);
    const ends = await this.admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: -1 })));
    const want = new Map<number, number>();
    for (const e of ends) if (e.offset > 0) want.set(e.partition, e.offset);
    if (want.size === 0) caughtUp();
    // A topic written in transactions ends with a marker no record reaches: a reader quiet for a second has
    // read everything there is.
    const quiet = setInterval(() => {
      if (Date.now() - entry.lastBatchAt > 1000) {
        caughtUp();
        clearInterval(quiet);
      }
    }, 250);
    quiet.unref();
    void (async () => {
      for await (const batch of consumer.batches()) {
        entry.lastBatchAt = Date.now();
        await state.prepare(batch.records);
        for (const r of batch.records) state.apply(r);
        const last = batch.records[batch.records.length - 1]!;
        if (want.has(batch.partition) && last.offset + 1 >= want.get(batch.partition)!) {
          want.delete(batch.partition);
          if (want.size === 0) caughtUp();
        }
      }
    })()
      .catch((e: Error) => this.log.warn('sql: table reader stopped', { table: ds.name, error: e.message }))
      .finally(() => clearInterval(quiet));
    return entry;
  }

  /** Waits until a table cache holds everything its topic holds now. */
  private async syncTable(ds: DataSource): Promise<TableState> {
    const cache = await this.tableCache(ds);
    await cache.ready;
    const tps = await this.partitionsOf(ds.topic);
    const ends = await this.admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: -1 })));
    const started = Date.now();
    const deadline = started + 10_000;
    for (;;) {
      const behind = ends.some(
        (e) => (cache.consumer.position({ topic: ds.topic, partition: e.partition }) ?? 0) < e.offset,
      );
      // (A quiet reader has read all there is: a transactional topic ends with a marker.)
      const now = Date.now();
      if (!behind || now > deadline || (now - started > 1000 && now - cache.lastBatchAt > 1000)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return cache.state;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Push and pull queries

  /** Starts a query: a push query (EMIT CHANGES) streams rows until LIMIT or close; a pull query answers once. */
  async query(text: string, props: Record<string, string>, onRow: (values: unknown[]) => void): Promise<QueryHandle> {
    const stmts = parseStatements(text);
    if (stmts.length !== 1) throw new SqlError('Expected exactly one statement');
    const s = stmts[0]!;
    if (s.kind === 'print') return this.print(s, onRow);
    if (s.kind !== 'query') throw new SqlError(`Not a query: ${s.text}`);
    const q = s.query;
    if (q.emit === null) return this.pull(q, onRow);
    const plan = planQuery(q, this.meta);
    const id = `transient_${plan.source.name}_${++this.transientSeq}`;
    const table = plan.join?.kind === 'STREAM_TABLE' ? await this.syncTable(plan.join.table) : null;
    const lookups: TableState[] = [];
    for (const l of plan.join?.lookups ?? []) lookups.push(await this.syncTable(l.table));
    const reset = (props['auto.offset.reset'] ??
      props['ksql.streams.auto.offset.reset'] ??
      this.properties['ksql.streams.auto.offset.reset']) as 'earliest' | 'latest';
    const consumer = createConsumer({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      autoOffsetReset: reset === 'earliest' ? 'earliest' : 'latest',
      clientId: id,
    });
    consumer.assign(await this.inputPartitions(plan));
    let count = 0;
    let finished = false;
    const limit = plan.limit;
    const runner = new QueryRunner(
      plan,
      (row) => {
        if (finished) return;
        onRow(this.restValues(plan, row));
        count++;
        if (limit !== null && count >= limit) finished = true;
      },
      table,
      lookups,
    );
    const done = (async () => {
      for await (const batch of consumer.batches()) {
        await runner.prepare(batch.records);
        for (const r of batch.records) {
          runner.process(r);
          if (finished) break;
        }
        runner.endBatch();
        if (finished) break;
      }
    })()
      .catch(() => {})
      .finally(() => {
        this.transient.delete(id);
        void consumer.close();
      });
    const handle: QueryHandle = {
      id,
      ...this.header(plan),
      close: async () => {
        finished = true;
        await consumer.close();
        await done;
      },
      done,
    };
    this.transient.set(id, handle);
    return handle;
  }

  private header(plan: QueryPlan): { columnNames: string[]; columnTypes: string[]; schema: string } {
    return {
      columnNames: plan.output.map((c) => c.name),
      columnTypes: plan.output.map((c) => typeToString(c.type)),
      schema: plan.output.map((c) => `\`${c.name}\` ${typeToString(c.type)}${c.key ? ' KEY' : ''}`).join(', '),
    };
  }

  private restValues(plan: QueryPlan, row: OutputRow): unknown[] {
    return row.values.map((v, i) => toJsonValue(v, plan.output[i]!.type, false));
  }

  /** A pull query: the rows of a table (or stream) as its topic holds them now, filtered and projected. */
  private async pull(q: Query, onRow: (values: unknown[]) => void): Promise<QueryHandle> {
    if (q.joins.length > 0 || q.groupBy || q.window)
      throw new SqlError("Pull queries don't support JOIN, GROUP BY or WINDOW clauses.");
    const plan = planQuery(q, this.meta, { pull: true });
    const ds = plan.source;
    const rows: unknown[][] = [];
    if (ds.type === 'TABLE') {
      const state = await this.syncTable(ds);
      rows.push(...state.rows.values());
    } else {
      const decoder = new RecordDecoder(ds);
      const records = await this.readAll(ds.topic);
      if (decoder.needsPrepare) await decoder.prepare(records);
      for (const r of records) {
        const row = new Array(plan.width);
        if (decoder.decode(r, row)) rows.push(row);
      }
    }
    let n = 0;
    for (const row of rows) {
      if (plan.where !== null && plan.where(row) !== true) continue;
      onRow(plan.project.map((f, i) => toJsonValue(f(row), plan.output[i]!.type, false)));
      if (plan.limit !== null && ++n >= plan.limit) break;
    }
    const id = `query_${Date.now()}_${++this.transientSeq}`;
    return { id, ...this.header(plan), close: async () => {}, done: Promise.resolve() };
  }

  /** PRINT: a topic's records as text lines. */
  private async print(
    s: Extract<Statement, { kind: 'print' }>,
    onRow: (values: unknown[]) => void,
  ): Promise<QueryHandle> {
    if (!(await this.topicExists(s.topic)))
      throw new SqlError(
        `Could not find topic '${s.topic}', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.`,
      );
    const consumer = createConsumer({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      autoOffsetReset: s.fromBeginning ? 'earliest' : 'latest',
    });
    consumer.assign(await this.partitionsOf(s.topic));
    let n = 0;
    const done = (async () => {
      for await (const r of consumer) {
        const text = (b: Buffer | null) => (b === null ? '<null>' : b.toString('utf8'));
        onRow([
          `rowtime: ${new Date(r.timestamp).toISOString().replace('T', ' ').replace('Z', ' Z')}, key: ${text(r.key)}, value: ${text(r.value)}, partition: ${r.partition}`,
        ]);
        if (s.limit !== null && ++n >= s.limit) break;
      }
    })()
      .catch(() => {})
      .finally(() => void consumer.close());
    return {
      id: `print_${++this.transientSeq}`,
      columnNames: ['RECORD'],
      columnTypes: ['STRING'],
      schema: '`RECORD` STRING',
      close: () => consumer.close(),
      done,
    };
  }

  /** Closes a push query by id (/close-query); false when there is none. */
  async closeQuery(id: string): Promise<boolean> {
    const h = this.transient.get(id);
    if (!h) return false;
    await h.close();
    return true;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // INSERT INTO ... VALUES and /inserts-stream

  async insertValues(target: string, columns: string[] | null, values: unknown[]): Promise<void> {
    const ds = this.meta.get(target);
    if (ds.readOnly) throw new SqlError(`Cannot insert values into read-only ${ds.type.toLowerCase()}: ${ds.name}`);
    if (ds.writerQuery)
      throw new SqlError(`Cannot insert values into ${ds.name}: it is written by query ${ds.writerQuery}.`);
    const names = columns ?? ds.columns.map((c) => c.name);
    if (names.length !== values.length)
      throw new SqlError(
        `Expected a value for each column. Expected Columns: [${names.join(', ')}]. Got [${values.join(', ')}]`,
      );
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    await this.insertRow(ds, row);
  }

  /** Inserts one row given by column name (values in JSON shape, as /inserts-stream sends them). */
  async insertRow(ds: DataSource, input: Record<string, unknown>): Promise<void> {
    const row = new Array(PSEUDO_COUNT + ds.columns.length).fill(null);
    let timestamp = Date.now();
    for (const [k, v] of Object.entries(input)) {
      const name = k.toUpperCase();
      if (name === 'ROWTIME') {
        timestamp = Number(v);
        continue;
      }
      const i = ds.columns.findIndex((c) => c.name === k || c.name === name);
      if (i < 0) throw new SqlError(`Column name ${k} does not exist.`);
      const t = ds.columns[i]!.type;
      row[PSEUDO_COUNT + i] = typeof v === 'string' && t.base !== 'STRING' ? castValue(v, T.STRING, t) : v;
    }
    const enc = new RowEncoder(ds);
    await enc.init();
    const values = row.slice(PSEUDO_COUNT);
    const out = enc.encode({ values, tombstone: false, timestamp, windowStart: null, windowEnd: null });
    await this.producer.send({ topic: ds.topic, key: out.key, value: out.value, timestamp });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // SHOW, DESCRIBE, EXPLAIN

  private async show(what: string, extended: boolean, props: Record<string, string>): Promise<Entity> {
    const sourceEntry = (s: DataSource) => ({
      type: s.type,
      name: s.name,
      topic: s.topic,
      keyFormat: s.keyFormat,
      valueFormat: s.valueFormat,
      isWindowed: s.window !== null,
    });
    switch (what) {
      case 'STREAMS':
      case 'TABLES': {
        const type = what === 'STREAMS' ? 'STREAM' : 'TABLE';
        const sources = this.meta.all().filter((s) => s.type === type);
        if (extended) {
          return {
            '@type': 'source_descriptions',
            sourceDescriptions: await Promise.all(sources.map((s) => this.describe(s, true))),
          };
        }
        return { '@type': what.toLowerCase(), [what.toLowerCase()]: sources.map(sourceEntry) };
      }
      case 'TOPICS': {
        const names = (await this.admin.listTopics()).filter((n) => extended || !n.startsWith('_')).sort();
        const infos = names.length > 0 ? await this.admin.describeTopics(names) : [];
        return {
          '@type': 'kafka_topics',
          topics: infos.map((t) => ({ name: t.name, replicaInfo: t.partitions.map((p) => p.replicas.length) })),
        };
      }
      case 'QUERIES':
        return {
          '@type': 'queries',
          queries: [...this.queries.values()].map((q) => this.queryEntry(q)),
        };
      case 'PROPERTIES': {
        const all = { ...this.properties, ...props };
        return {
          '@type': 'properties',
          properties: Object.entries(all).map(([name, value]) => ({ name, scope: 'KSQL', value })),
          overwrittenProperties: Object.keys(props),
          defaultProperties: Object.keys(this.properties),
        };
      }
      default:
        return {
          '@type': 'function_names',
          functions: [
            ...[...SCALAR_FUNCTIONS.values()].map((f) => ({ name: f.name, category: f.category, type: 'SCALAR' })),
            ...[...AGGREGATE_FUNCTIONS.values()].map((f) => ({
              name: f.name,
              category: 'AGGREGATE',
              type: 'AGGREGATE',
            })),
            ...['TRANSFORM', 'FILTER', 'REDUCE'].map((name) => ({ name, category: 'LAMBDA', type: 'SCALAR' })),
          ].sort((a, b) => a.name.localeCompare(b.name)),
        };
    }
  }

  private queryEntry(q: RunningQuery): Entity {
    return {
      queryString: q.statement,
      sinks: [q.sink],
      sinkKafkaTopics: [q.sinkTopic],
      id: q.id,
      statusCount: { [q.state]: 1 },
      queryType: 'PERSISTENT',
      state: q.state,
    };
  }

  private async describe(ds: DataSource, extended: boolean): Promise<Entity> {
    const readQueries = [...this.queries.values()].filter((q) => readsFrom(q.plan, ds.name));
    const writeQueries = [...this.queries.values()].filter((q) => q.sink === ds.name);
    const partitions = extended ? (await this.partitionsOf(ds.topic).catch(() => [])).length : ds.partitions;
    return {
      name: ds.name,
      windowType: ds.window?.type ?? null,
      readQueries: readQueries.map((q) => this.queryEntry(q)),
      writeQueries: writeQueries.map((q) => this.queryEntry(q)),
      fields: ds.columns.map((c) => ({
        name: c.name,
        schema: describeSchema(c.type),
        ...(c.key ? { type: 'KEY' } : {}),
      })),
      type: ds.type,
      timestamp: ds.timestampColumn ?? '',
      statistics: '',
      errorStats: '',
      extended,
      keyFormat: ds.keyFormat,
      valueFormat: ds.valueFormat,
      topic: ds.topic,
      partitions,
      replication: ds.replicas < 0 ? 1 : ds.replicas,
      statement: ds.statement,
      queryOffsetSummaries: [],
      sourceConstraints: [],
    };
  }

  private describeFunction(name: string): Entity {
    const f = SCALAR_FUNCTIONS.get(name);
    const a = AGGREGATE_FUNCTIONS.get(name);
    if (!f && !a) throw new SqlError(`Can't find any functions with the name '${name}'`);
    return {
      name,
      description: f?.description ?? a!.description,
      author: 'Samsa',
      version: '',
      path: 'internal',
      functions: [{ arguments: [], returnType: '', description: f?.description ?? a!.description, argumentTypes: [] }],
      type: f ? 'SCALAR' : 'AGGREGATE',
    };
  }

  private explain(s: Extract<Statement, { kind: 'explain' }>): Entity {
    if (s.queryId !== null) {
      const q = this.queries.get(s.queryId);
      if (!q)
        throw new SqlError(
          `Query with id:${s.queryId} does not exist, use SHOW QUERIES to view the full set of running queries.`,
        );
      return this.describeQuery(q.id, q.statement, q.plan, [q.sink], [q.sinkTopic], q.state);
    }
    const inner = s.statement!;
    const query =
      inner.kind === 'query'
        ? inner.query
        : inner.kind === 'createAs' || inner.kind === 'insertSelect'
          ? inner.query
          : null;
    if (!query) throw new SqlError('EXPLAIN needs a query or a query id.');
    const plan = planQuery(query, this.meta, { pull: query.emit === null });
    return this.describeQuery('', inner.text, plan, [], [], 'UNKNOWN');
  }

  private describeQuery(
    id: string,
    statement: string,
    plan: QueryPlan,
    sinks: string[],
    topics: string[],
    state: string,
  ): Entity {
    const steps = [
      `> [ SOURCE ] | Name: ${plan.source.name} | Topic: ${plan.source.topic}`,
      ...(plan.join ? [`> [ JOIN ] | ${plan.join.kind} ${plan.join.type} | Right: ${plan.join.table.name}`] : []),
      ...(plan.where ? ['> [ FILTER ]'] : []),
      ...(plan.aggregate ? [`> [ AGGREGATE ] | Window: ${plan.aggregate.window?.type ?? 'none'}`] : []),
      `> [ PROJECT ] | Schema: ${this.header(plan).schema}`,
      ...(sinks.length > 0 ? [`> [ SINK ] | Topic: ${topics.join(', ')}`] : []),
    ];
    return {
      id,
      statementText: statement,
      windowType: plan.aggregate?.window?.type ?? null,
      fields: plan.output.map((c) => ({
        name: c.name,
        schema: describeSchema(c.type),
        ...(c.key ? { type: 'KEY' } : {}),
      })),
      sources: [plan.source.name, ...(plan.join ? [plan.join.table.name] : [])],
      sinks,
      topology: '',
      executionPlan: steps.map((l, i) => ' '.repeat(i * 2) + l).join('\n'),
      overriddenProperties: {},
      ksqlHostQueryStatus: {},
      queryType: sinks.length > 0 ? 'PERSISTENT' : 'PUSH',
      state,
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Topics

  private async topicExists(topic: string): Promise<boolean> {
    return (await this.admin.listTopics({ includeInternal: true })).includes(topic);
  }

  /** The partitions a query reads: its source's, and the right side's of a stream-stream or table-table join. */
  private async inputPartitions(plan: QueryPlan): Promise<TopicPartition[]> {
    const tps = await this.partitionsOf(plan.source.topic);
    const j = plan.join;
    if (j !== null && j.kind !== 'STREAM_TABLE' && j.table.topic !== plan.source.topic)
      tps.push(...(await this.partitionsOf(j.table.topic)));
    return tps;
  }

  private async partitionsOf(topic: string): Promise<TopicPartition[]> {
    const [info] = await this.admin.describeTopics([topic]);
    if (!info || info.partitions.length === 0) throw new SqlError(`Kafka topic does not exist: ${topic}`);
    return info.partitions.map((p) => ({ topic, partition: p.partition })).sort((a, b) => a.partition - b.partition);
  }

  private async ensureTopic(topic: string, partitions: number, configs: Record<string, string>): Promise<void> {
    if (await this.topicExists(topic)) return;
    try {
      await this.admin.createTopics([{ name: topic, numPartitions: partitions, configs }]);
    } catch (e) {
      if (!(await this.topicExists(topic))) throw e;
    }
  }

  /** Persistent queries, for /status and tests. */
  persistentQueries(): Array<{ id: string; sink: string; state: string }> {
    return [...this.queries.values()].map((q) => ({ id: q.id, sink: q.sink, state: q.state }));
  }
}

/** Encodes output rows with a sink's key and value formats (windowed keys carry the window start). */
export class RowEncoder {
  private readonly key: Codec;
  private readonly value: Codec;
  private readonly keyCount: number;
  private readonly windowed: boolean;
  private readonly session: boolean;

  constructor(ds: DataSource) {
    this.key = getFormat(ds.keyFormat).codec(keyColumns(ds), true, ds.keyOptions);
    this.value = getFormat(ds.valueFormat).codec(valueColumns(ds), false, ds.valueOptions);
    this.keyCount = keyColumns(ds).length;
    this.windowed = ds.window !== null;
    this.session = ds.window?.type === 'SESSION';
  }

  /** Resolves the registry formats' schemas (registering the sink's, as ksqlDB does) before the first row. */
  async init(): Promise<void> {
    await this.key.init?.();
    await this.value.init?.();
  }

  encode(row: OutputRow): { key: Buffer | null; value: Buffer | null; timestamp: number } {
    let key = this.keyCount > 0 ? this.key.encode(row.values, 0) : null;
    if (this.windowed && row.windowStart !== null)
      key = windowedKey(key, row.windowStart, this.session ? row.windowEnd : null);
    const value = row.tombstone ? null : this.value.encode(row.values, this.keyCount);
    return { key, value, timestamp: row.timestamp };
  }
}
