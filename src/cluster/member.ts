/**
 * One broker's part in the cluster, assembled: the etcd store, the metadata cache, the broker session, the
 * controller elector and the controller, started in the order they depend on each other and stopped in reverse.
 * This is what the broker will start when etcd.endpoints is set; `clusterOptionsFromConfig` reads the cluster keys
 * (src/broker/config/keys/cluster.ts) from a parsed broker config.
 *
 * A controlled shutdown marks the registration as shutting down, waits (bounded) until the controller has moved
 * every leadership away, then gives up the controller role and revokes the session, so the rest of the cluster
 * does not wait for a session timeout.
 */
import type { BrokerConfig } from '../broker/config/index.js';
import { BrokerSession } from './broker-session.js';
import { ClusterController, type ControllerOptions } from './controller.js';
import { ControllerElector } from './controller-election.js';
import { brokerFence, EtcdStore } from './etcd-store.js';
import { MetadataCache } from './metadata-cache.js';
import type { BrokerEndpoint } from './types.js';

export interface ClusterMemberOptions extends ControllerOptions {
  endpoints: string[];
  clusterId: string;
  root?: string;
  requestTimeoutMs?: number;
  nodeId: number;
  rack: string | null;
  /** What other brokers and clients are told (advertised listeners). */
  brokerEndpoints: BrokerEndpoint[];
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  registrationTimeoutMs: number;
  /** Serve admin operations on this broker too (fenced on its registration), not only on the controller. */
  adminFromAnyBroker?: boolean;
}

/** The cluster options of a parsed broker config, or undefined when etcd.endpoints is not set (single node). */
export function clusterOptionsFromConfig(
  config: Pick<BrokerConfig, 'values' | 'nodeId' | 'clusterId' | 'advertisedListeners'>,
): (Omit<ClusterMemberOptions, 'clusterId'> & { clusterId: string | undefined }) | undefined {
  const v = config.values;
  const endpoints = v.get('etcd.endpoints') as string[] | null;
  if (endpoints === null || endpoints === undefined || endpoints.length === 0) return undefined;
  const n = (k: string): number => v.get(k) as number;
  return {
    endpoints,
    clusterId: config.clusterId,
    root: v.get('etcd.prefix') as string,
    requestTimeoutMs: n('etcd.request.timeout.ms'),
    nodeId: config.nodeId,
    rack: (v.get('broker.rack') as string | null) ?? null,
    brokerEndpoints: config.advertisedListeners.map((l) => ({
      listener: l.name,
      host: l.host,
      port: l.port,
      securityProtocol: l.securityProtocol,
    })),
    sessionTimeoutMs: n('broker.session.timeout.ms'),
    heartbeatIntervalMs: n('broker.heartbeat.interval.ms'),
    registrationTimeoutMs: n('initial.broker.registration.timeout.ms'),
    uncleanLeaderElection: v.get('unclean.leader.election.enable') as boolean,
    autoLeaderRebalance: v.get('auto.leader.rebalance.enable') as boolean,
    imbalanceCheckIntervalMs: n('leader.imbalance.check.interval.seconds') * 1000,
    imbalancePercentage: n('leader.imbalance.per.broker.percentage'),
    defaultPartitions: n('num.partitions'),
    defaultReplicationFactor: n('default.replication.factor'),
  };
}

export class ClusterMember {
  readonly store: EtcdStore;
  readonly cache: MetadataCache;
  readonly session: BrokerSession;
  readonly elector: ControllerElector;
  readonly controller: ClusterController;
  private stopped = false;

  private constructor(readonly opts: ClusterMemberOptions) {
    this.store = new EtcdStore({
      endpoints: opts.endpoints,
      clusterId: opts.clusterId,
      root: opts.root,
      callTimeoutMs: opts.requestTimeoutMs,
    });
    this.cache = new MetadataCache(this.store, { log: opts.log });
    this.session = new BrokerSession(this.store, {
      nodeId: opts.nodeId,
      rack: opts.rack,
      endpoints: opts.brokerEndpoints,
      sessionTimeoutMs: opts.sessionTimeoutMs,
      heartbeatIntervalMs: opts.heartbeatIntervalMs,
      registrationTimeoutMs: opts.registrationTimeoutMs,
      log: opts.log,
    });
    this.elector = new ControllerElector(this.store, this.session, this.cache, { log: opts.log });
    this.controller = new ClusterController(this.store, this.cache, this.elector, {
      ...opts,
      adminFence: !opts.adminFromAnyBroker
        ? undefined
        : () => {
            // The watch may show our new registration before register() has returned: recognise it by incarnation.
            const mine = this.cache.broker(opts.nodeId);
            const epoch =
              this.session.epoch ?? (mine?.incarnationId === this.session.incarnationId ? mine.epoch : undefined);
            return epoch === undefined ? undefined : brokerFence(opts.nodeId, epoch);
          },
    });
  }

  /** Read the metadata, register, and take part in controller elections. */
  static async start(opts: ClusterMemberOptions): Promise<ClusterMember> {
    const m = await ClusterMember.prepare(opts);
    try {
      await m.join();
      return m;
    } catch (e) {
      await m.cache.stop();
      m.store.close();
      throw e;
    }
  }

  /** First half of start(): read the metadata and watch it, without registering (a broker not listening yet). */
  static async prepare(opts: ClusterMemberOptions): Promise<ClusterMember> {
    const m = new ClusterMember(opts);
    try {
      await m.cache.start();
      return m;
    } catch (e) {
      await m.cache.stop();
      m.store.close();
      throw e;
    }
  }

  /** Second half of start(): register with `endpoints` (when given) and take part in controller elections. */
  async join(endpoints?: BrokerEndpoint[]): Promise<void> {
    if (endpoints !== undefined) this.session.setEndpoints(endpoints);
    await this.session.start();
    this.controller.start();
    this.elector.start();
  }

  /**
   * Leave the cluster. Controlled (the default): first let the controller move leadership away (waiting at most
   * `timeoutMs`), then resign as controller and revoke the session.
   */
  async stop(opts: { controlled?: boolean; timeoutMs?: number } = {}): Promise<{ leadersLeft: number }> {
    if (this.stopped) return { leadersLeft: 0 };
    this.stopped = true;
    let leadersLeft = 0;
    if (opts.controlled !== false && (await this.session.markShuttingDown().catch(() => false))) {
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      // Partitions this broker still leads, and how many of them another live broker (not shutting down) in the
      // ISR could take: only those are worth waiting for (when every broker stops at once, none can).
      const leading = (): { all: number; movable: number } => {
        let all = 0;
        let movable = 0;
        for (const p of this.cache.allPartitions()) {
          if (p.leader !== this.opts.nodeId) continue;
          all++;
          const other = p.isr.some((r) => {
            if (r === this.opts.nodeId) return false;
            const b = this.cache.broker(r);
            return b !== undefined && b.shuttingDown !== true;
          });
          if (other) movable++;
        }
        return { all, movable };
      };
      for (;;) {
        const now = leading();
        leadersLeft = now.all;
        if (now.movable === 0 || Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    this.controller.stop();
    await this.elector.stop();
    await this.session.close();
    await this.cache.stop();
    this.store.close();
    return { leadersLeft };
  }
}
