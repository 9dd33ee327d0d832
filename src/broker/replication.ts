/**
 * Turning replication on in a broker, and the static way of deciding leadership: `BrokerOptions.replication`
 * gives every broker of a group the peer list and, per partition, the replicas, the leader, its epoch and the ISR
 * (what a controller would decide). Tests start several in-process brokers this way and act as their controller
 * (moving leaders with `becomeLeader` / `becomeFollower`, accepting ISR changes through `alterIsr`); the cluster
 * mode (src/cluster, etcd) drives the same replica manager API from etcd.
 *
 * With replication on: logs keep their own high watermark (moved by followers' fetches, checkpointed), followed
 * partitions are fetched by the replica fetcher over the inter-broker listener, and ISR changes go through
 * `alterIsr`.
 */
import type { BrokerConfig } from './config/index.js';
import type { Logger } from '../storage/logger.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { BrokerInfo, MetadataView } from './metadata-view.js';
import { ReplicaFetcherManager } from './replica-fetcher.js';
import { ErrorCode } from '../protocol/errors.js';
import { StorageError } from '../storage/errors.js';
import { coordinatorWriteError, type LeaderAppendFn } from './coordinator/runtime.js';
import type { GroupCoordinator } from './groups/coordinator.js';
import { InterBrokerClient, type InterBrokerSecurity, type PeerAddress } from './inter-broker.js';
import { interBrokerListenerName, interBrokerSecurity } from './inter-broker-security.js';
import { MarkerChannel } from './txn/marker-channel.js';
import type { TransactionCoordinator } from './txn/coordinator.js';
import type { AlterIsr, PartitionState, ReplicaManager } from './replica-manager.js';
import type { PartitionLifecycle, TopicManager } from './topics.js';

/** Replication decided statically (by whoever starts the brokers) instead of by a controller. */
export interface StaticReplication {
  /** Every broker of the group, this one included (its own endpoints are taken from its listeners). */
  brokers(): readonly BrokerInfo[];
  /** Leadership of a partition; undefined: led here alone (replicas = ISR = [this broker]). */
  assignment(topic: string, partition: number): PartitionState | undefined;
  /** The id a topic gets when created here: the same on every broker, as Fetch v13+ names topics by id. */
  topicId?(topic: string): string | undefined;
  /** Where ISR changes are written; without it they take effect on the leader alone. */
  alterIsr?: AlterIsr;
}

/** Leads or follows each partition as the static assignment says, as partitions appear on this broker. */
export function staticLeadership(
  replicas: ReplicaManager,
  replication: StaticReplication,
  log: Logger,
): PartitionLifecycle {
  return {
    partitionAdded(topic: string, partition: number, partitionLog: PartitionLog) {
      const self = [replicas.nodeId];
      const state = replication.assignment(topic, partition) ?? {
        leader: replicas.nodeId,
        leaderEpoch: partitionLog.leaderEpoch,
        replicas: self,
        isr: self,
      };
      if (state.leader === replicas.nodeId) {
        replicas.becomeLeader(topic, partition, partitionLog, state).catch((err) => {
          log.error(
            { topic, partition, err: (err as Error).message },
            'taking on the leadership of a partition failed',
          );
        });
      } else {
        replicas.becomeFollower(topic, partition, partitionLog, state);
      }
    },
    topicDeleted(topic: string) {
      replicas.removeTopic(topic);
    },
  };
}

/** Starts the replica fetcher of a broker and hands it, with `alterIsr`, to the replica manager. */
export function startReplication(opts: {
  config: BrokerConfig;
  replicas: ReplicaManager;
  view: MetadataView;
  topics: TopicManager;
  log: Logger;
  alterIsr?: AlterIsr;
}): ReplicaFetcherManager {
  const { config, view } = opts;
  const values = config.values;
  const num = (k: string, d: number) => {
    const v = values.get(k);
    return typeof v === 'number' ? v : d;
  };
  const fetchers = new ReplicaFetcherManager({
    nodeId: config.nodeId,
    addressOf: interBrokerAddress(config, view),
    security: interBrokerSecurityReader(config),
    topicIdOf: (t) => opts.topics.get(t)?.topicId,
    log: opts.log,
    maxWaitMs: num('replica.fetch.wait.max.ms', 500),
    minBytes: num('replica.fetch.min.bytes', 1),
    maxBytes: num('replica.fetch.response.max.bytes', 10 * 1024 * 1024),
    partitionMaxBytes: num('replica.fetch.max.bytes', 1024 * 1024),
    backoffMs: num('replica.fetch.backoff.ms', 1000),
    socketTimeoutMs: num('replica.socket.timeout.ms', 30_000),
  });
  opts.replicas.enableReplication(fetchers, opts.alterIsr);
  return fetchers;
}

/** One inter-broker connection per peer, made on first use (transaction markers, and other brokers' requests). */
export class PeerClients {
  private readonly clients = new Map<number, InterBrokerClient>();

  constructor(
    private readonly nodeId: number,
    private readonly addressOf: (nodeId: number) => PeerAddress | undefined,
    /** The inter-broker listener's security (TLS, SASL), read at each connect. */
    private readonly security?: () => InterBrokerSecurity | undefined,
  ) {}

  get(nodeId: number): InterBrokerClient | undefined {
    if (nodeId === this.nodeId || this.addressOf(nodeId) === undefined) return undefined;
    let c = this.clients.get(nodeId);
    if (c === undefined)
      this.clients.set(
        nodeId,
        (c = new InterBrokerClient(
          () => this.addressOf(nodeId),
          `samsa-broker-${this.nodeId}`,
          undefined,
          this.security,
        )),
      );
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/**
 * The inter-broker listener's security, checked once now (a setting that cannot work stops the broker from
 * starting) and read again at each new connection, so renewed certificates are used.
 */
export function interBrokerSecurityReader(config: BrokerConfig): () => InterBrokerSecurity | undefined {
  interBrokerSecurity(config);
  return () => interBrokerSecurity(config);
}

/**
 * A broker's address on the inter-broker listener (inter.broker.listener.name, else the listener
 * security.inter.broker.protocol names, else its first listener).
 */
export function interBrokerAddress(
  config: BrokerConfig,
  view: MetadataView,
): (nodeId: number) => PeerAddress | undefined {
  const interBroker = interBrokerListenerName(config) ?? null;
  return (id) => {
    const b = view.broker(id);
    if (b === undefined) return undefined;
    const e =
      (interBroker !== null ? b.endpoints.find((x) => x.listener === interBroker) : undefined) ?? b.endpoints[0];
    return e === undefined ? undefined : { host: e.host, port: e.port };
  };
}

/**
 * The coordinators on replicated internal topics: their records are appended through the replica manager with
 * acks=all (a write completes, and its response is sent, once the high watermark covers it; NOT_ENOUGH_REPLICAS
 * below min.insync.replicas), and transaction markers reach partition leaders on other brokers.
 */
export function replicateCoordinators(opts: {
  config: BrokerConfig;
  replicas: ReplicaManager;
  view: MetadataView;
  groups: GroupCoordinator;
  txn: TransactionCoordinator;
  peers: PeerClients;
  log: Logger;
}): void {
  const { replicas, view } = opts;
  const commitTimeoutMs = Number(opts.config.values.get('offsets.commit.timeout.ms') ?? 5000);
  const leaderAppend =
    (topic: string): LeaderAppendFn =>
    (partition, _log, batch, meta) => {
      const p = replicas.get(topic, partition);
      if (p === undefined || !p.isLeader)
        throw new StorageError(ErrorCode.NOT_COORDINATOR, `not the leader of ${topic}-${partition}`);
      if (p.replicas.length > 1 && replicas.checkEnoughReplicas(p, -1) !== 0)
        throw new StorageError(
          coordinatorWriteError(ErrorCode.NOT_ENOUGH_REPLICAS),
          replicas.notEnoughReplicasMessage(p),
        );
      return replicas.appendAsLeader(p, batch, meta, -1, commitTimeoutMs);
    };
  opts.groups.setLeaderAppend(leaderAppend(opts.groups.topic));
  opts.txn.setLeaderAppend(leaderAppend(opts.txn.topic));
  opts.txn.useReplication({
    replicas,
    timeoutMs: commitTimeoutMs,
    topicExists: (t) => view.topic(t) !== undefined,
    markers: new MarkerChannel({
      leaderOf: (t, p) => view.partition(t, p)?.leader ?? -1,
      clientFor: (id) => opts.peers.get(id),
      log: opts.log,
    }),
  });
}
