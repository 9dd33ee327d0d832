/**
 * The broker: configuration, storage, topic management, the request handlers and the listener, wired together.
 * `startBroker` is the one entry point, used by `samsa start` and by other projects' tests (port 0 and a temp dir).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { defaultMaxOpenFiles, softFdLimit } from '../storage/file-cache.js';
import { LogManager } from '../storage/log-manager.js';
import type { Logger } from '../storage/logger.js';
import { MetadataStore } from '../storage/metadata-store.js';
import { parseBrokerConfig, type BrokerConfig } from './config/index.js';
import { Connection } from './connection.js';
import { Dispatcher } from './dispatch.js';
import { registerHandlers } from './handlers/index.js';
import { createLogger } from './logger.js';
import { TopicManager } from './topics.js';
import { FetchWaiters } from './fetch-waiters.js';
import { FetchSessionCache } from './fetch-sessions.js';
import { GroupCoordinator } from './groups/coordinator.js';
import { TransactionCoordinator } from './txn/coordinator.js';

export interface BrokerOptions {
  /** Broker configuration with Kafka's names (server.properties keys). */
  config?: Record<string, string>;
  /** Listener port; 0 picks a free one. Overrides `listeners`. */
  port?: number;
  /** Listener host. Overrides `listeners`. */
  host?: string;
  /** Data directory. Overrides `log.dirs`. */
  dataDir?: string;
  logger?: Logger;
}

export class Broker {
  readonly startedAt = Date.now();
  readonly dispatcher = new Dispatcher();
  readonly waiters = new FetchWaiters();
  readonly fetchSessions = new FetchSessionCache();
  readonly connections = new Set<Connection>();
  port = 0;
  host = '127.0.0.1';
  /** The host and port clients are told to connect to. */
  advertisedHost = '127.0.0.1';
  advertisedPort = 0;
  /** Name of the client listener (e.g. PLAINTEXT). */
  listenerName = 'PLAINTEXT';
  clusterId = '';
  /** Consumer groups and committed offsets; set by startBroker before the listener opens. */
  groups!: GroupCoordinator;
  /** Producer ids and transactions; set by startBroker before the listener opens. */
  txn!: TransactionCoordinator;
  /** HTTP services and other companions started beside the broker (src/server), stopped before it. */
  readonly services = new Map<string, { urls: string[]; close: () => Promise<void> }>();
  private server: Server | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly config: BrokerConfig,
    readonly dataDir: string,
    readonly log: Logger,
    readonly logs: LogManager,
    readonly metadata: MetadataStore,
    readonly topics: TopicManager,
  ) {}

  get nodeId(): number {
    return this.config.nodeId;
  }

  /** Opens the listener. */
  async listen(host: string, port: number): Promise<void> {
    const server = createServer((socket: Socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(port, host, () => {
        server.off('error', rej);
        res();
      });
    });
    server.on('error', (err) => this.log.error({ err: err.message }, 'listener error'));
    const addr = server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    this.host = host;
  }

  private accept(socket: Socket): void {
    const conn = new Connection(
      socket,
      this.dispatcher,
      {
        maxRequestBytes: this.config.socketRequestMaxBytes,
        idleTimeoutMs: this.config.connectionsMaxIdleMs,
        listener: this.listenerName,
      },
      this.log,
      (c) => this.connections.delete(c),
    );
    this.connections.add(conn);
  }

  /** Stops accepting, closes client connections, flushes and closes the logs. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const [name, s] of [...this.services].reverse()) {
        await s.close().catch((err) => this.log.warn(`stopping ${name} failed: ${(err as Error).message}`));
      }
      this.waiters.cancelAll();
      this.groups?.close();
      this.txn?.close();
      const server = this.server;
      for (const c of this.connections) c.close();
      if (server) await new Promise<void>((res) => server.close(() => res()));
      await this.logs.close();
      this.log.info('broker stopped');
    })();
    return this.closing;
  }
}

/** Reads or creates meta.properties (cluster.id, node.id), as Kafka keeps in each log dir. */
function loadClusterId(dataDir: string, nodeId: number, configured: string | undefined): string {
  const file = join(dataDir, 'meta.properties');
  if (existsSync(file)) {
    const props = Object.fromEntries(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.includes('=') && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]),
    );
    const stored = props['cluster.id'];
    if (stored) {
      if (configured && configured !== stored) {
        throw new Error(`cluster.id ${configured} does not match ${stored} stored in ${file}`);
      }
      if (props['node.id'] !== undefined && Number(props['node.id']) !== nodeId) {
        throw new Error(`node.id ${nodeId} does not match ${props['node.id']} stored in ${file}`);
      }
      return stored;
    }
  }
  const id = configured || randomBytes(16).toString('base64url');
  const tmp = `${file}.tmp`;
  writeFileSync(
    tmp,
    `# Written by Samsa when this data directory was first used.\nversion=1\ncluster.id=${id}\nnode.id=${nodeId}\n`,
  );
  renameSync(tmp, file);
  return id;
}

export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  const t0 = performance.now();
  const props: Record<string, string> = { ...(opts.config ?? {}) };
  if (opts.dataDir !== undefined) {
    delete props['log.dir'];
    props['log.dirs'] = opts.dataDir;
  }
  if (opts.port !== undefined || opts.host !== undefined) {
    // Replace the client listener's address, keeping its name so advertised.listeners still refers to it.
    const current = parseBrokerConfig(props).clientListeners[0]!;
    const host = opts.host ?? current.host;
    const port = opts.port ?? current.port;
    props['listeners'] = `${current.name}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    delete props['advertised.listeners'];
  }
  const config = parseBrokerConfig(props);
  const log = opts.logger ?? createLogger({ level: process.env['LOG_LEVEL'] ?? 'info' });
  const dataDir = resolve(config.logDirs[0]!);
  mkdirSync(dataDir, { recursive: true });
  const clusterId = loadClusterId(dataDir, config.nodeId, config.clusterId);

  // Segment files may use at most half the process's descriptors: sockets and other files need the rest.
  const fdLimit = softFdLimit();
  const maxOpenFiles = defaultMaxOpenFiles(config.logDirMaxOpenFiles, fdLimit);
  if (maxOpenFiles < config.logDirMaxOpenFiles) {
    const why =
      fdLimit === undefined
        ? 'the open-file limit of this system is unknown'
        : `half the process's open-file limit of ${fdLimit}`;
    const msg = `keeping at most ${maxOpenFiles} segment files open (${why}; log.dir.max.open.files is ${config.logDirMaxOpenFiles})`;
    if ('log.dir.max.open.files' in config.raw) log.warn(msg);
    else log.info(msg);
  }
  const logs = new LogManager({
    dataDir,
    logger: log,
    brokerConfig: config.raw,
    maxOpenFiles,
    retentionCheckIntervalMs: config.logRetentionCheckIntervalMs,
  });
  logs.open();
  const metadata = new MetadataStore(dataDir);
  await metadata.open();
  const topics = new TopicManager(config, logs, metadata, log);
  topics.load();

  const listener = config.clientListeners[0]!;
  const broker = new Broker(config, dataDir, log, logs, metadata, topics);
  broker.clusterId = clusterId;
  broker.groups = new GroupCoordinator(config, topics, log);
  // Until a replica manager drives leadership, this broker leads every internal partition from the start.
  await Promise.all(broker.groups.partitions().map((p) => broker.groups.onBecomeLeader(p, 0)));
  broker.txn = new TransactionCoordinator({
    config,
    topics,
    logs,
    groups: broker.groups,
    waiters: broker.waiters,
    log,
    dataDir,
  });
  await Promise.all(broker.txn.partitions().map((p) => broker.txn.onBecomeLeader(p, 0)));
  registerHandlers(broker);
  broker.listenerName = listener.name;
  await broker.listen(listener.host, listener.port);
  const advertised = config.advertisedListeners.find((l) => l.name === listener.name) ?? listener;
  broker.advertisedHost = advertised.host === '0.0.0.0' || advertised.host === '' ? '127.0.0.1' : advertised.host;
  broker.advertisedPort = advertised.port === 0 ? broker.port : advertised.port;
  log.debug(
    `broker ${config.nodeId} listening on ${broker.host}:${broker.port}, data in ${dataDir}, ` +
      `${topics.count()} topics, started in ${Math.round(performance.now() - t0)} ms`,
  );
  return broker;
}
