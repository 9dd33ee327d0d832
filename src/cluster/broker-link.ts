/**
 * A broker in cluster mode: the ClusterMember (etcd store, watched metadata cache, session, controller election
 * and controller) joined to the broker's parts.
 *
 * - The metadata view handlers answer from is the cache (`ClusterMetadataView`): every broker, topic, partition
 *   leader, replica, ISR and offline replica of the cluster, and the controller.
 * - Topics are mirrored from etcd into the broker's topic manager (each broker keeps a log per partition; only the
 *   replicas receive records), and partition states from etcd drive the replica manager: this broker leads where
 *   etcd names it leader (at etcd's leader epoch), follows where it is another replica, and drops partitions it no
 *   longer replicates. When its session is lost it stops leading until it has registered again.
 * - Admin operations (CreateTopics, DeleteTopics, CreatePartitions, topic configs, ElectLeaders, reassignments) are
 *   served by whichever broker receives them, as compare-and-swap writes to etcd fenced on that broker's own
 *   registration: no forwarding to the controller is needed, and a concurrent controller decision or another
 *   broker's write makes the loser decide again from the newer state. The controller then reconciles as usual.
 * - Producer ids come in blocks reserved from one etcd counter, so no two brokers hand out the same id.
 */
import type {
  AdminResult,
  ClusterSecurityStores,
  ClusterJoin,
  ClusterJoinContext,
  ClusterLink,
  PartitionRef,
  ReassignmentInfo,
} from '../broker/cluster-link.js';
import type { BrokerInfo, Endpoint, MetadataView, PartitionInfo, TopicInfo } from '../broker/metadata-view.js';
import type { PartitionState as LocalPartitionState } from '../broker/replica-manager.js';
import { INTERNAL_TOPICS, type ClusterTopicAdmin, type TopicResult } from '../broker/topics.js';
import type { Logger } from '../storage/logger.js';
import { ErrorCode } from '../protocol/errors.js';
import { alterPartition } from './controller.js';
import { ClusterMember, clusterOptionsFromConfig } from './member.js';
import type { MetadataCache } from './metadata-cache.js';
import { clusterSecurityStores } from './security-stores.js';
import type { MetadataChange, PartitionState } from './types.js';

/** The metadata view of the whole cluster, read from the watched cache. */
export class ClusterMetadataView implements MetadataView {
  constructor(
    readonly clusterId: string,
    private readonly cache: MetadataCache,
  ) {}

  controllerId(): number {
    return this.cache.controller()?.brokerId ?? -1;
  }

  brokers(): readonly BrokerInfo[] {
    return [...this.cache.brokers().values()]
      .sort((a, b) => a.nodeId - b.nodeId)
      .map((b) => ({
        nodeId: b.nodeId,
        rack: b.rack,
        endpoints: b.endpoints.map((e) => ({
          listener: e.listener,
          securityProtocol: e.securityProtocol,
          host: e.host,
          port: e.port,
        })),
      }));
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.brokers().find((b) => b.nodeId === nodeId);
  }

  endpoint(nodeId: number, listener: string): Endpoint | undefined {
    const b = this.cache.broker(nodeId);
    const e = b?.endpoints.find((x) => x.listener === listener);
    return e === undefined ? undefined : { ...e };
  }

  topicNames(): string[] {
    return [...this.cache.topics().keys()];
  }

  topic(name: string): TopicInfo | undefined {
    const t = this.cache.topic(name);
    if (t === undefined) return undefined;
    return {
      name,
      topicId: t.topicId,
      isInternal: INTERNAL_TOPICS.has(name),
      partitionCount: t.partitions,
      configs: this.cache.topicConfigs(name),
    };
  }

  topicNameForId(topicId: string): string | undefined {
    return this.cache.topicById(topicId)?.name;
  }

  partitions(topic: string): PartitionInfo[] | undefined {
    const t = this.cache.topic(topic);
    if (t === undefined) return undefined;
    const out: PartitionInfo[] = [];
    for (let i = 0; i < t.partitions; i++) out.push(this.info(i, this.cache.partition(topic, i)));
    return out;
  }

  partition(topic: string, index: number): PartitionInfo | undefined {
    const t = this.cache.topic(topic);
    if (t === undefined || index < 0 || index >= t.partitions) return undefined;
    return this.info(index, this.cache.partition(topic, index));
  }

  private info(index: number, s: PartitionState | undefined): PartitionInfo {
    if (s === undefined) {
      return { partition: index, leader: -1, leaderEpoch: -1, replicas: [], isr: [], offlineReplicas: [] };
    }
    const live = this.cache.brokers();
    return {
      partition: index,
      leader: s.leader,
      leaderEpoch: s.leaderEpoch,
      replicas: s.replicas,
      isr: s.isr,
      offlineReplicas: s.replicas.filter((r) => !live.has(r)),
    };
  }
}

const PRODUCER_ID_BLOCK = 1000;

class BrokerClusterLink implements ClusterLink {
  readonly view: ClusterMetadataView;
  readonly topicAdmin: ClusterTopicAdmin;
  readonly securityStores: ClusterSecurityStores;
  private leading = true;
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private readonly member: ClusterMember,
    private readonly ctx: ClusterJoinContext,
  ) {
    this.log = ctx.log;
    this.view = new ClusterMetadataView(member.store.clusterId, member.cache);
    this.topicAdmin = this.makeTopicAdmin();
    this.securityStores = clusterSecurityStores(member.store, member.cache, (msg) => ctx.log.warn(`cluster: ${msg}`));
  }

  private get cache(): MetadataCache {
    return this.member.cache;
  }

  private get nodeId(): number {
    return this.ctx.config.nodeId;
  }

  /** Brings the topic manager and replica manager in line with the cache, then follows its changes. */
  attach(): void {
    const { topics } = this.ctx;
    topics.setLifecycle({
      partitionAdded: (topic, partition) => this.applyPartition(topic, partition),
      topicDeleted: (topic) => this.ctx.replicas.removeTopic(topic),
    });
    // Dynamic broker configs first, so the topics' logs open with the broker defaults in force.
    const dyn = this.ctx.dynamicConfigs;
    if (dyn !== undefined) {
      dyn.setLayer('default', this.cache.brokerConfigs('default'));
      dyn.setLayer(this.nodeId, this.cache.brokerConfigs(this.nodeId));
      dyn.store = {
        save: async (entity, configs) => {
          await this.member.store.setBrokerConfigs(entity, configs);
        },
      };
    }
    // Local topics etcd does not know (deleted while this broker was away), or knows under another id, go.
    topics.load();
    for (const name of topics.names()) {
      const t = this.cache.topic(name);
      if (t === undefined || t.topicId !== topics.get(name)?.topicId) topics.mirrorDelete(name);
    }
    for (const name of this.cache.topics().keys()) this.mirrorTopic(name);
    this.cache.on('changes', (changes) => this.onChanges(changes));
    this.ctx.replicas.alterIsr = async (topic, partition, req) => {
      const epoch = this.member.session.epoch;
      if (epoch === undefined) return { errorCode: ErrorCode.STALE_BROKER_EPOCH };
      const r = await alterPartition(
        this.member.store,
        this.cache,
        { nodeId: this.nodeId, brokerEpoch: epoch },
        { topic, partition },
        req,
      );
      return r.state === undefined
        ? { errorCode: r.errorCode }
        : {
            errorCode: r.errorCode,
            isr: r.state.isr,
            leaderEpoch: r.state.leaderEpoch,
            partitionEpoch: r.state.partitionEpoch,
          };
    };
  }

  private mirrorTopic(name: string): void {
    const t = this.cache.topic(name);
    if (t === undefined) return;
    try {
      this.ctx.topics.mirrorTopic({
        name,
        topicId: t.topicId,
        partitions: t.partitions,
        configs: { ...this.cache.topicConfigs(name) },
      });
    } catch (err) {
      this.log.error({ topic: name, err: (err as Error).message }, 'could not open the logs of a topic');
    }
  }

  private onChanges(changes: MetadataChange[]): void {
    const topicsTouched = new Set<string>();
    const partitions: Array<[string, number]> = [];
    let brokersChanged = false;
    for (const c of changes) {
      if (c.kind === 'topic') {
        if (c.after === undefined) this.ctx.topics.mirrorDelete(c.name);
        else topicsTouched.add(c.name);
      } else if (c.kind === 'topicConfig') {
        if (this.cache.topic(c.name) !== undefined) topicsTouched.add(c.name);
      } else if (c.kind === 'partition') {
        partitions.push([c.topic, c.partition]);
      } else if (c.kind === 'broker') {
        brokersChanged = true;
      } else if (c.kind === 'brokerConfig') {
        this.ctx.dynamicConfigs?.setLayer(c.broker, c.after);
      }
    }
    for (const name of topicsTouched) this.mirrorTopic(name);
    for (const [topic, partition] of partitions) this.applyPartition(topic, partition);
    // Offline replicas are derived from the live brokers: refresh what the hosted partitions report.
    if (brokersChanged) this.applyAll();
  }

  private applyAll(): void {
    for (const p of [...this.ctx.replicas.all()]) this.applyPartition(p.topic, p.index);
    for (const s of this.cache.allPartitions()) this.applyPartition(s.topic, s.partition);
  }

  /** Makes this broker lead, follow or drop one partition, as etcd says. */
  private applyPartition(topic: string, partition: number): void {
    if (this.stopped) return;
    const { replicas, topics } = this.ctx;
    const s = this.cache.partition(topic, partition);
    const hosted = replicas.get(topic, partition);
    if (s === undefined || !s.replicas.includes(this.nodeId)) {
      if (hosted !== undefined) replicas.remove(topic, partition);
      return;
    }
    const log = topics.partition(topic, partition);
    if (log === undefined) return; // the topic reaches the topic manager first; applied again then
    const live = this.cache.brokers();
    const state: LocalPartitionState = {
      leader: s.leader,
      leaderEpoch: s.leaderEpoch,
      replicas: s.replicas,
      isr: s.isr,
      offlineReplicas: s.replicas.filter((r) => !live.has(r)),
      partitionEpoch: s.partitionEpoch,
    };
    if (s.leader === this.nodeId && this.leading) {
      replicas.becomeLeader(topic, partition, log, state).catch((err) => {
        this.log.error(
          { topic, partition, err: (err as Error).message },
          'taking on the leadership of a partition failed',
        );
      });
    } else {
      // Not leading (or our session is lost, so etcd may already have moved leadership): follow.
      replicas.becomeFollower(topic, partition, log, s.leader === this.nodeId ? { ...state, leader: -1 } : state);
    }
  }

  async join(endpoints: readonly Endpoint[]): Promise<void> {
    this.member.session.on('lost', (reason) => {
      this.log.warn(`cluster session lost (${reason}): no longer leading any partition until registered again`);
      this.leading = false;
      this.applyAll();
    });
    this.member.session.on('registered', (r) => {
      if (!this.leading) this.log.info(`registered again in the cluster with broker epoch ${r.epoch}`);
      this.leading = true;
      this.applyAll();
    });
    await this.member.join(
      endpoints.map((e) => ({
        listener: e.listener,
        host: e.host,
        port: e.port,
        securityProtocol: e.securityProtocol,
      })),
    );
    this.leading = true;
    this.applyAll();
  }

  private makeTopicAdmin(): ClusterTopicAdmin {
    const c = (): ClusterMember['controller'] => this.member.controller;
    const res = (r: { errorCode: number; message?: string }): TopicResult => ({
      errorCode: r.errorCode,
      errorMessage: r.errorCode === 0 ? null : (r.message ?? null),
    });
    return {
      createTopic: async (req) => {
        const r = await c().createTopic({
          name: req.name,
          partitions: req.partitions,
          replicationFactor: req.replicationFactor,
          assignment: req.assignment,
          configs: req.configs,
          validateOnly: req.validateOnly,
        });
        if (r.errorCode === 0 && req.validateOnly !== true) await this.untilMirrored(req.name, true);
        return {
          ...res(r),
          topicId: r.topicId,
          partitions: r.replicas?.length,
          replicationFactor: r.replicas?.[0]?.length,
        };
      },
      deleteTopic: async (name) => {
        const r = await c().deleteTopic(name);
        if (r.errorCode === 0) await this.untilMirrored(name, false);
        return res(r);
      },
      createPartitions: async (name, count, assignment, validateOnly) => {
        const r = await c().createPartitions(name, count, assignment, validateOnly);
        if (r.errorCode === 0 && validateOnly !== true) {
          await this.until(() => (this.ctx.topics.get(name)?.partitions ?? 0) >= count);
        }
        return res(r);
      },
      setTopicConfigs: async (name, configs) => {
        const r = await c().setTopicConfigs(name, configs);
        if (r.errorCode === 0) {
          const want = JSON.stringify(configs);
          await this.until(() => JSON.stringify(this.ctx.topics.get(name)?.configs ?? {}) === want);
        }
        return res(r);
      },
      internalReplicationFactor: (name) =>
        Number(
          this.ctx.config.values.get(
            name === '__transaction_state'
              ? 'transaction.state.log.replication.factor'
              : 'offsets.topic.replication.factor',
          ),
        ),
    };
  }

  private untilMirrored(name: string, present: boolean): Promise<void> {
    return this.until(() => (this.ctx.topics.get(name) !== undefined) === present);
  }

  /** Waits (up to 5 s) for the watch to bring a change this broker made back to its own topic manager. */
  private async until(cond: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  async electLeaders(type: number, partitions: PartitionRef[] | null): Promise<Array<PartitionRef & AdminResult>> {
    const refs = partitions ?? [...this.cache.allPartitions()].map((s) => ({ topic: s.topic, partition: s.partition }));
    return this.member.controller.electLeaders(type === 1 ? 'unclean' : 'preferred', refs);
  }

  alterReassignment(ref: PartitionRef, replicas: number[] | null): Promise<AdminResult> {
    return this.member.controller.alterReassignment(ref, replicas);
  }

  listReassignments(filter?: PartitionRef[]): ReassignmentInfo[] {
    return this.member.controller.listReassignments(filter).map((s) => ({
      topic: s.topic,
      partition: s.partition,
      replicas: s.replicas,
      addingReplicas: s.addingReplicas,
      removingReplicas: s.removingReplicas,
    }));
  }

  allocateProducerIds(count: number): Promise<{ start: number; end: number }> {
    return this.member.store.allocateProducerIds(Math.max(1, count));
  }

  async stop(opts: { controlled: boolean; timeoutMs?: number }): Promise<void> {
    const r = await this.member.stop({ controlled: opts.controlled, timeoutMs: opts.timeoutMs });
    this.stopped = true;
    if (r.leadersLeft > 0) {
      this.log.warn(`left the cluster still leading ${r.leadersLeft} partition(s) with no other in-sync replica`);
    }
  }
}

export { PRODUCER_ID_BLOCK };

/** The ClusterJoin the composition root hands the broker when etcd.endpoints is set. */
export const joinCluster: ClusterJoin = async (ctx) => {
  const opts = clusterOptionsFromConfig(ctx.config);
  if (opts === undefined) throw new Error('etcd.endpoints is not set');
  const member = await ClusterMember.prepare({
    ...opts,
    clusterId: ctx.clusterId,
    adminFromAnyBroker: true,
    log: (msg) => ctx.log.info(`cluster: ${msg}`),
  });
  const link = new BrokerClusterLink(member, ctx);
  link.attach();
  return link;
};
