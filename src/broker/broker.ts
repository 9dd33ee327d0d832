import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { resolve } from 'node:path';
import { defaultMaxOpenFiles, softFdLimit } from '../storage/file-cache.js';
import { LogManager } from '../storage/log-manager.js';
import type { Logger } from '../storage/logger.js';
import { MetadataStore } from '../storage/metadata-store.js';
import type { Authorizer } from '../security/authorizer.js';
import { sslPrincipalBuilder } from '../security/ssl-principal.js';
import { readTlsSettings, watchTlsFiles } from '../security/tls.js';
import { listenerValue, parseBrokerConfig, type BrokerConfig } from './config/index.js';
import { Connection } from './connection.js';
import {
  clientCertificateRefusal,
  handshakeFailures,
  refusedConnections,
  TLS_RELOAD_INTERVAL_MS,
  tlsFailureReason,
} from './listener-refusals.js';
import { Dispatcher } from './dispatch.js';
import { loadClusterId } from './meta-properties.js';
import { FetchSessionCache } from './fetch-sessions.js';
import { FetchWaiters } from './fetch-waiters.js';
import type { PartitionCoordinator } from './coordinator/runtime.js';
import { GroupCoordinator } from './groups/coordinator.js';
import type { BrokerServices } from './handlers/define.js';
import { registerHandlers } from './handlers/index.js';
import { leadEveryPartitionHere } from './local-leadership.js';
import { createLogger } from './logger.js';
import { type Endpoint, LocalMetadataView } from './metadata-view.js';
import { type ClusterJoin, type ClusterLink, SwitchableMetadataView } from './cluster-link.js';
import { ReplicaManager } from './replica-manager.js';
import type { ReplicaFetcherManager } from './replica-fetcher.js';
import {
  interBrokerAddress,
  interBrokerSecurityReader,
  PeerClients,
  replicateCoordinators,
  type StaticReplication,
  staticLeadership,
  startReplication,
} from './replication.js';
import { SchemaValidator } from './schema-validation.js';
import { isSaslProtocol, type ListenerContext } from './request-context.js';
import { TopicManager } from './topics.js';
import { TransactionCoordinator } from './txn/coordinator.js';
import { ClientQuotas } from './quotas/client-quotas.js';
import { ConnectionLimits } from './quotas/connection-limits.js';
import { FileClientQuotaStore } from './quotas/store.js';
import { AuthFailureTracker, SaslListener } from './sasl.js';
import { type ScramCredentials, ScramCredentialStore } from '../security/sasl/scram-store.js';
import { saslListenerSettings } from '../security/sasl/listener-config.js';
import { openAuthorizer, warnUnusedSecurityFiles } from './authorizer.js';
import { DynamicBrokerConfigs, FileDynamicConfigStore } from './dynamic-config.js';

export interface BrokerOptions {
  /** Broker configuration with Kafka's names (server.properties keys). */
  config?: Record<string, string>;
  /** Port of the first listener; 0 picks a free one. Overrides that listener in `listeners`. */
  port?: number;
  /** Host of the first listener. Overrides that listener in `listeners`. */
  host?: string;
  /** Data directory. Overrides `log.dirs`. */
  dataDir?: string;
  logger?: Logger;
  /** Decides what each principal may do; allows everything by default (Kafka without `authorizer.class.name`). */
  authorizer?: Authorizer;
  /** Replication with a static assignment (peers and leadership given by the caller; see broker/replication.ts). */
  replication?: StaticReplication;
  /**
   * Cluster mode (etcd.endpoints set): how to join the cluster. The composition root (src/server) passes
   * src/cluster's; a bare broker given etcd.endpoints without it refuses to start.
   */
  cluster?: ClusterJoin;
}

/** A listener once bound: where it listens and what clients of it are told. */
export interface BoundListener {
  name: string;
  securityProtocol: string;
  host: string;
  port: number;
  advertised: Endpoint;
}

/** The parts a broker is made of, built by `startBroker` before the broker exists. */
export interface BrokerParts {
  config: BrokerConfig;
  clusterId: string;
  dataDir: string;
  log: Logger;
  logs: LogManager;
  metadataStore: MetadataStore;
  topics: TopicManager;
  replicas: ReplicaManager;
  metadata: SwitchableMetadataView;
  localMetadata: LocalMetadataView;
  cluster?: ClusterLink;
  groups: GroupCoordinator;
  txn: TransactionCoordinator;
  waiters: FetchWaiters;
  fetchSessions: FetchSessionCache;
  dispatcher: Dispatcher;
  authorizer: Authorizer;
  quotas: ClientQuotas;
  connectionLimits: ConnectionLimits;
  /** The replica fetcher, when replication is on. */
  fetchers?: ReplicaFetcherManager;
  /** Inter-broker connections (transaction markers), when replication is on. */
  peers?: PeerClients;
  /** SCRAM credentials; in memory only when absent. */
  scram?: ScramCredentials;
  /** Dynamic broker configs; none can be stored when absent. */
  dynamicConfigs?: DynamicBrokerConfigs;
}

export class Broker implements BrokerServices {
  readonly startedAt = Date.now();
  readonly connections = new Set<Connection>();
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly dataDir: string;
  readonly log: Logger;
  readonly logs: LogManager;
  /** The durable topic records (names, ids, partition counts, overrides). */
  readonly metadataStore: MetadataStore;
  readonly topics: TopicManager;
  readonly replicas: ReplicaManager;
  /** The read-only picture of brokers, topics and partitions that handlers ask. */
  readonly metadata: SwitchableMetadataView;
  /** This broker alone (its endpoints and hosted partitions); the metadata view on a single node. */
  readonly localMetadata: LocalMetadataView;
  /** Set in cluster mode: membership, the cluster's metadata and the admin operations (src/cluster). */
  readonly cluster: ClusterLink | undefined;
  /** Consumer groups and committed offsets. */
  readonly groups: GroupCoordinator;
  /** Producer ids and transactions. */
  readonly txn: TransactionCoordinator;
  readonly waiters: FetchWaiters;
  readonly fetchSessions: FetchSessionCache;
  readonly dispatcher: Dispatcher;
  readonly authorizer: Authorizer;
  /** Broker-side schema id validation (topics with confluent.*.schema.validation); the registry attaches to it. */
  readonly schemas: SchemaValidator;
  /** Client quotas (stored values and enforcement). */
  readonly quotas: ClientQuotas;
  /** max.connections, max.connections.per.ip, creation rates: decided as each connection is accepted. */
  readonly connectionLimits: ConnectionLimits;
  /** Fetches the partitions this broker follows (replication on), else undefined. */
  readonly fetchers: ReplicaFetcherManager | undefined;
  /** Inter-broker connections (replication on), else undefined. */
  readonly peers: PeerClients | undefined;
  /** Users' SCRAM credentials (scram-credentials.json in the data directory). */
  readonly scram: ScramCredentials;
  /** Dynamic broker configs (AlterConfigs on BROKER resources): their layers, store and application. */
  readonly dynamicConfigs: DynamicBrokerConfigs;
  /** Failed SASL logins per peer address, shared by every SASL listener. */
  private readonly authFailures = new AuthFailureTracker();
  /** Every client listener, bound, in `listeners` order. */
  readonly listeners: BoundListener[] = [];
  /** HTTP services and other companions started beside the broker (src/server), stopped before it. */
  readonly services = new Map<string, { urls: string[]; close: () => Promise<void> }>();
  private readonly servers: Server[] = [];
  /** Stops the certificate file watchers of the TLS listeners. */
  private readonly stopWatching: Array<() => void> = [];
  private closing: Promise<void> | undefined;

  constructor(parts: BrokerParts) {
    this.config = parts.config;
    this.clusterId = parts.clusterId;
    this.dataDir = parts.dataDir;
    this.log = parts.log;
    this.logs = parts.logs;
    this.metadataStore = parts.metadataStore;
    this.topics = parts.topics;
    this.replicas = parts.replicas;
    this.metadata = parts.metadata;
    this.localMetadata = parts.localMetadata;
    this.cluster = parts.cluster;
    this.groups = parts.groups;
    this.txn = parts.txn;
    this.waiters = parts.waiters;
    this.fetchSessions = parts.fetchSessions;
    this.dispatcher = parts.dispatcher;
    this.authorizer = parts.authorizer;
    this.schemas = new SchemaValidator(parts.config.values.get('confluent.schema.registry.url') as string | null);
    this.quotas = parts.quotas;
    this.connectionLimits = parts.connectionLimits;
    this.fetchers = parts.fetchers;
    this.peers = parts.peers;
    this.scram = parts.scram ?? new ScramCredentialStore(undefined);
    this.dynamicConfigs = parts.dynamicConfigs ?? new DynamicBrokerConfigs(parts.config, parts.log);
  }

  get nodeId(): number {
    return this.config.nodeId;
  }

  private get primary(): BoundListener {
    const first = this.listeners[0];
    if (first === undefined) throw new Error('the broker is not listening');
    return first;
  }

  /** Port of the first listener. */
  get port(): number {
    return this.primary.port;
  }

  /** Host of the first listener. */
  get host(): string {
    return this.primary.host;
  }

  /** Name of the first listener (e.g. PLAINTEXT). */
  get listenerName(): string {
    return this.primary.name;
  }

  /** The host clients of the first listener are told to connect to. */
  get advertisedHost(): string {
    return this.primary.advertised.host;
  }

  get advertisedPort(): number {
    return this.primary.advertised.port;
  }

  /**
   * The context of the connections of one listener. SSL listeners get the principal builder of their
   * ssl.principal.mapping.rules; SASL listeners start unauthenticated (see SaslAuthenticator in
   * request-context.ts; `saslAuthenticator` is where the SASL implementation plugs in).
   */
  private listenerContext(l: { name: string; securityProtocol: string }): ListenerContext {
    const context: ListenerContext = {
      listenerName: l.name,
      securityProtocol: l.securityProtocol,
      authorizer: this.authorizer,
      quotas: this.quotas,
    };
    if (l.securityProtocol === 'SSL') {
      context.sslPrincipal = sslPrincipalBuilder(
        String(listenerValue(this.config, l.name, 'ssl.principal.mapping.rules') ?? 'DEFAULT'),
      );
    }
    if (isSaslProtocol(l.securityProtocol)) context.authenticator = this.saslListener(l.name);
    return context;
  }

  /** Opens every client listener and publishes their advertised endpoints in the metadata view. */
  async listen(): Promise<void> {
    for (const l of this.config.clientListeners) {
      const context = this.listenerContext(l);
      this.connectionLimits.validateListener(l.name);
      let server: Server;
      if (l.securityProtocol === 'SSL' || l.securityProtocol === 'SASL_SSL') {
        const read = () =>
          readTlsSettings((key) => listenerValue(this.config, l.name, key) as string | string[] | null, l.name);
        const settings = read();
        const tlsServer = createTlsServer(settings.options, (socket: TLSSocket) => {
          const refusal = clientCertificateRefusal(socket, settings.clientAuth);
          if (refusal !== undefined) {
            handshakeFailures(this.log).write(
              `refusing TLS client: ${refusal.kind}`,
              { conn: `${socket.remoteAddress}:${socket.remotePort}`, listener: l.name },
              `refusing TLS client: ${refusal.reason}`,
            );
            socket.destroy();
            return;
          }
          this.accept(socket, context);
        });
        tlsServer.on('tlsClientError', (err, socket) => {
          const reason = tlsFailureReason(err);
          handshakeFailures(this.log).write(
            `TLS handshake failed: ${reason}`,
            socket.remoteAddress
              ? { conn: `${socket.remoteAddress}:${socket.remotePort}`, listener: l.name }
              : { listener: l.name },
            `TLS handshake failed: ${reason}`,
          );
          socket.destroy();
        });
        this.stopWatching.push(watchTlsFiles(tlsServer, settings, read, this.log, l.name, TLS_RELOAD_INTERVAL_MS));
        server = tlsServer;
      } else {
        server = createServer((socket: Socket) => this.accept(socket, context));
      }
      this.servers.push(server);
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(l.port, l.host, () => {
          server.off('error', rej);
          res();
        });
      });
      server.on('error', (err) => this.log.error({ err: err.message, listener: l.name }, 'listener error'));
      const addr = server.address();
      const port = addr && typeof addr === 'object' ? addr.port : l.port;
      const adv = this.config.advertisedListeners.find((a) => a.name === l.name) ?? l;
      this.listeners.push({
        name: l.name,
        securityProtocol: l.securityProtocol,
        host: l.host,
        port,
        advertised: {
          listener: l.name,
          securityProtocol: l.securityProtocol,
          host: adv.host === '0.0.0.0' || adv.host === '' ? '127.0.0.1' : adv.host,
          port: adv.port === 0 ? port : adv.port,
        },
      });
    }
    this.localMetadata.setEndpoints(this.listeners.map((l) => l.advertised));
  }

  /** The SASL settings of one listener (mechanisms, PLAIN users, limits); throws when they are not valid. */
  private saslListener(name: string): SaslListener {
    const value = (key: string) => listenerValue(this.config, name, key);
    const settings = saslListenerSettings(this.config.raw, name, value('sasl.enabled.mechanisms') as string[]);
    const plain = settings.plainUsers;
    const scram = this.scram;
    return new SaslListener({
      listenerName: name,
      mechanisms: settings.mechanisms,
      credentials: {
        plainPassword: (user) => plain.get(user),
        scram: (user, mechanism) => scram.get(user, mechanism),
      },
      maxReceiveSize: Number(value('sasl.server.max.receive.size')),
      reauthMs: Number(value('connections.max.reauth.ms')),
      failureDelayMs: Number(value('connection.failed.authentication.delay.ms')),
      failures: this.authFailures,
      log: this.log,
    });
  }

  private accept(socket: Socket, listener: ListenerContext): void {
    const address = socket.remoteAddress ?? '';
    const admission = this.connectionLimits.admit(listener.listenerName, address, Date.now());
    if (!admission.admit) {
      refusedConnections(this.log).write(
        `refusing connection: ${admission.kind}`,
        { conn: `${address}:${socket.remotePort}`, listener: listener.listenerName },
        `refusing connection: ${admission.reason}`,
      );
      socket.on('error', () => {});
      if (admission.delayMs > 0) {
        // Kafka holds a connection over its IP's creation rate for the throttle time before closing it.
        socket.pause();
        const timer = setTimeout(() => socket.destroy(), admission.delayMs);
        socket.once('close', () => clearTimeout(timer));
      } else socket.destroy();
      return;
    }
    const limits = {
      maxRequestBytes: this.config.socketRequestMaxBytes,
      idleTimeoutMs: this.config.connectionsMaxIdleMs,
    };
    const conn = new Connection(socket, this.dispatcher, limits, listener, this.log, (c) => {
      this.connections.delete(c);
      this.connectionLimits.release(listener.listenerName, address);
    });
    this.connections.add(conn);
    // Over max.connection.creation.rate: served once the rate is back within it.
    if (admission.delayMs > 0) conn.mute(admission.delayMs);
  }

  /**
   * Stops accepting, closes client connections, flushes and closes the logs. Safe to call more than once. In
   * cluster mode the broker first leaves the cluster: controlled (the default, `controlled.shutdown.enable`), the
   * controller moves its leaderships away before it stops serving them.
   */
  close(opts: { controlled?: boolean } = {}): Promise<void> {
    this.closing ??= (async () => {
      if (this.cluster !== undefined) {
        const controlled = (opts.controlled ?? true) && this.config.values.get('controlled.shutdown.enable') !== false;
        await this.cluster
          .stop({ controlled, timeoutMs: 30_000 })
          .catch((err) => this.log.warn(`leaving the cluster failed: ${(err as Error).message}`));
      }
      for (const [name, s] of [...this.services].reverse()) {
        await s.close().catch((err) => this.log.warn(`stopping ${name} failed: ${(err as Error).message}`));
      }
      this.replicas.close();
      await this.fetchers?.close();
      this.peers?.close();
      this.waiters.cancelAll();
      this.groups.close();
      this.txn.close();
      for (const c of this.connections) c.close();
      for (const stop of this.stopWatching) stop();
      await Promise.all(this.servers.map((server) => new Promise<void>((res) => server.close(() => res()))));
      await this.logs.close();
      this.log.info('broker stopped');
    })();
    return this.closing;
  }
}

/**
 * Hands the coordinators the partitions of their internal topics: each hears `onBecomeLeader` for every partition
 * of its topic this broker leads (now, and whenever leadership arrives) and `onResign` when leadership goes. The
 * group coordinator loads first: the transaction coordinator finishes half-completed transactions, which may commit
 * offsets to groups.
 */
async function attachCoordinatorsToLeadership(
  replicas: ReplicaManager,
  coordinators: readonly PartitionCoordinator[],
): Promise<void> {
  for (const c of coordinators) {
    await replicas.addLeadershipListener(c.topic, {
      onBecomeLeader: (p) => c.onBecomeLeader(p.index, p.leaderEpoch),
      onResign: (p, leaderEpoch) => c.onResign(p.index, leaderEpoch),
    });
  }
}

/** Writes a listener back in `listeners` syntax. */
function listenerText(l: { name: string; host: string; port: number }): string {
  return `${l.name}://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
}

export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  const t0 = performance.now();
  const props: Record<string, string> = { ...(opts.config ?? {}) };
  if (opts.dataDir !== undefined) {
    delete props['log.dir'];
    props['log.dirs'] = opts.dataDir;
  }
  if (opts.port !== undefined || opts.host !== undefined) {
    // Replace the first client listener's address, keeping its name so advertised.listeners still refers to it,
    // and every other listener as configured.
    const parsed = parseBrokerConfig(props);
    const first = parsed.clientListeners[0]!;
    const replaced = { ...first, host: opts.host ?? first.host, port: opts.port ?? first.port };
    props['listeners'] = parsed.listeners.map((l) => listenerText(l === first ? replaced : l)).join(',');
    if (props['advertised.listeners'] !== undefined) {
      const rest = parsed.advertisedListeners.filter((a) => a.name !== first.name);
      if (rest.length === 0) delete props['advertised.listeners'];
      else props['advertised.listeners'] = rest.map(listenerText).join(',');
    }
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
  const clustered = config.values.get('etcd.endpoints') !== null && config.values.get('etcd.endpoints') !== undefined;
  // Dynamic broker configs: on one node kept in the data dir and in force from the start; in cluster mode the
  // cluster link reads them from etcd (before topics are mirrored) and follows their changes.
  const dynamicConfigs = new DynamicBrokerConfigs(config, log);
  if (!clustered) {
    const store = new FileDynamicConfigStore(dataDir);
    const stored = store.load();
    dynamicConfigs.store = store;
    dynamicConfigs.setLayer('default', stored.default);
    dynamicConfigs.setLayer(config.nodeId, stored.brokers.get(config.nodeId));
  }
  const logs = new LogManager({
    dataDir,
    logger: log,
    brokerConfig: config.raw,
    maxOpenFiles,
    retentionCheckIntervalMs: config.logRetentionCheckIntervalMs,
    // Replicated: the high watermark is what the ISR has, moved by followers' fetches (and checkpointed).
    hwFollowsLeo: opts.replication === undefined && !clustered,
  });
  logs.open();
  const metadataStore = new MetadataStore(dataDir);
  await metadataStore.open();

  // Partition state: the replica manager owns it, the metadata view reports it, and on one node this broker
  // leads every partition as topics are loaded and created.
  const waiters = new FetchWaiters();
  const replicas = new ReplicaManager({
    nodeId: config.nodeId,
    waiters,
    knownElsewhere: (topic, partition) => view.partition(topic, partition) !== undefined,
    replicaLagTimeMaxMs: Number(config.values.get('replica.lag.time.max.ms') ?? 30_000),
    log,
  });
  const topics: TopicManager = new TopicManager(config, logs, metadataStore, log, () => view.brokers().length);
  const rack = (config.values.get('broker.rack') as string | null | undefined) ?? null;
  const local: LocalMetadataView = new LocalMetadataView(clusterId, config.nodeId, rack, topics, replicas);
  const view = new SwitchableMetadataView(local);
  let cluster: ClusterLink | undefined;
  // Replication (cluster mode, or a static assignment): followed partitions are fetched from their leaders. The
  // fetcher is ready before leadership is first applied; the cluster link sets the replica manager's alterIsr.
  let fetchers: ReplicaFetcherManager | undefined;
  if (clustered || opts.replication !== undefined) {
    fetchers = startReplication({ config, replicas, view, topics, log, alterIsr: opts.replication?.alterIsr });
  }
  if (clustered) {
    if (opts.cluster === undefined)
      throw new Error('etcd.endpoints is set, but this broker was started without cluster support');
    if (!config.clusterId)
      throw new Error('cluster mode needs cluster.id: brokers with the same cluster.id form one cluster');
    // Reads the cluster's metadata, mirrors its topics here and drives leadership from it (registers later).
    cluster = await opts.cluster({ config, clusterId, log, topics, replicas, dynamicConfigs });
    topics.cluster = cluster.topicAdmin;
    view.use(cluster.view);
  } else if (opts.replication !== undefined) {
    const replication = opts.replication;
    local.setPeers(() => replication.brokers());
    topics.topicIdFor = (name) => replication.topicId?.(name);
    topics.setLifecycle(staticLeadership(replicas, replication, log));
    topics.load();
  } else {
    topics.setLifecycle(leadEveryPartitionHere(replicas, log));
    topics.load();
  }

  const groups = new GroupCoordinator(config, topics, log);
  const txn = new TransactionCoordinator({ config, topics, logs, groups, waiters, log, dataDir });
  if (cluster !== undefined) {
    const link = cluster;
    await txn.producerIds.useBlockSource((n) => link.allocateProducerIds(n));
  }
  let peers: PeerClients | undefined;
  if (fetchers !== undefined) {
    peers = new PeerClients(config.nodeId, interBrokerAddress(config, view), interBrokerSecurityReader(config));
    replicateCoordinators({ config, replicas, view, groups, txn, peers, log });
  }
  await attachCoordinatorsToLeadership(replicas, [groups, txn]);

  const quotaWindow = {
    samples: Number(config.values.get('quota.window.num')),
    windowMs: Number(config.values.get('quota.window.size.seconds')) * 1000,
  };
  // In a cluster, ACLs, SCRAM credentials and quotas are the cluster's (etcd), not this broker's files.
  const shared = cluster?.securityStores;
  if (shared !== undefined) warnUnusedSecurityFiles(dataDir, log);
  const quotas = new ClientQuotas(shared?.quotas ?? new FileClientQuotaStore(dataDir), quotaWindow, log);
  await quotas.load();
  const connectionLimits = new ConnectionLimits(config, quotaWindow, (ip) => quotas.connectionRateFor(ip));
  quotas.onIpQuotasChanged = () => connectionLimits.ipQuotasChanged();
  dynamicConfigs.onChange(() => {
    topics.refreshLogConfigs();
    connectionLimits.reconfigure(config);
    if (logs.cleaner) logs.cleaner.backoffMs = config.logCleanerBackoffMs;
  });

  const dispatcher = new Dispatcher();
  const broker = new Broker({
    config,
    clusterId,
    dataDir,
    log,
    logs,
    metadataStore,
    topics,
    replicas,
    metadata: view,
    localMetadata: local,
    cluster,
    groups,
    txn,
    waiters,
    fetchSessions: new FetchSessionCache(),
    dispatcher,
    authorizer: opts.authorizer ?? (await openAuthorizer(config, dataDir, log, shared?.acls)),
    quotas,
    connectionLimits,
    fetchers,
    peers,
    scram: shared?.scram ?? new ScramCredentialStore(dataDir),
    dynamicConfigs,
  });
  registerHandlers(dispatcher, broker);
  try {
    await broker.listen();
    await cluster?.join(broker.listeners.map((l) => l.advertised));
  } catch (err) {
    await broker.close();
    throw err;
  }
  const where = broker.listeners.map((l) => `${l.name} ${l.host}:${l.port}`).join(', ');
  log.debug(
    `broker ${config.nodeId} listening on ${where}, data in ${dataDir}, ` +
      `${topics.count()} topics, started in ${Math.round(performance.now() - t0)} ms`,
  );
  return broker;
}
