/**
 * The controller: on the broker that won the election, applies the pure decisions of assignment.ts and
 * partition-decisions.ts to etcd. Every write is a compare-and-swap on the partition's version, fenced on this
 * controller's key, so a controller that lost its role (or raced with a leader's ISR change) is refused and
 * decides again from the newer state.
 *
 * - Whenever the registered brokers change (a session expired, a broker registered or started a controlled
 *   shutdown), and when it is elected, it reconciles every partition: departed replicas leave the ISR, offline
 *   or departing leaders are replaced (unclean only with unclean.leader.election.enable), finished
 *   reassignments are narrowed to their target.
 * - With auto.leader.rebalance.enable it checks every leader.imbalance.check.interval.seconds for brokers whose
 *   preferred partitions are led elsewhere beyond leader.imbalance.per.broker.percentage, and moves them back.
 * - It serves the admin operations that change cluster metadata (CreateTopics, DeleteTopics, CreatePartitions,
 *   ElectLeaders, AlterPartitionReassignments, ListPartitionReassignments, config changes), returning Kafka's
 *   error codes; NOT_CONTROLLER when called on a broker that is not (or no longer) the controller.
 *
 * Leaders change the ISR of their own partitions through `alterPartition` (AlterPartition's rules), fenced on
 * their broker registration rather than on the controller, so it works on any broker.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import { assignReplicas, validateAssignment } from './assignment.js';
import type { ControllerElector } from './controller-election.js';
import { brokerFence, controllerFence, partitionData, type EtcdStore, type Fence } from './etcd-store.js';
import type { MetadataCache } from './metadata-cache.js';
import {
  applyIsrChange,
  cancelReassignment,
  completeReassignment,
  electForRequest,
  initialPartitionState,
  preferredElectionsNeeded,
  reconcilePartition,
  startReassignment,
  type ElectionType,
  type LiveBrokers,
} from './partition-decisions.js';
import type { ConfigMap, ControllerInfo, PartitionState, PartitionStateData } from './types.js';

export interface ControllerOptions {
  /** unclean.leader.election.enable */
  uncleanLeaderElection: boolean;
  /** auto.leader.rebalance.enable */
  autoLeaderRebalance: boolean;
  /** leader.imbalance.check.interval.seconds, in ms */
  imbalanceCheckIntervalMs: number;
  /** leader.imbalance.per.broker.percentage */
  imbalancePercentage: number;
  /** num.partitions, for CreateTopics with NumPartitions -1 */
  defaultPartitions: number;
  /** default.replication.factor, for CreateTopics with ReplicationFactor -1 */
  defaultReplicationFactor: number;
  log?: (msg: string) => void;
  /**
   * The fence admin operations use on a broker that is not the controller (its own registration), so any broker
   * can serve them as compare-and-swap writes; without it such a broker answers NOT_CONTROLLER.
   */
  adminFence?: () => Fence | undefined;
}

/** The result of one admin operation on one resource: Kafka's error code and a message for ErrorMessage. */
export interface OpResult {
  errorCode: number;
  message?: string;
}

export interface CreateTopicRequest {
  name: string;
  /** -1 or undefined: num.partitions (ignored when an assignment is given). */
  partitions?: number;
  /** -1 or undefined: default.replication.factor (ignored when an assignment is given). */
  replicationFactor?: number;
  /** Explicit replicas per partition, preferred leader first. */
  assignment?: number[][];
  configs?: ConfigMap;
  /** Only check, write nothing (CreateTopics ValidateOnly). */
  validateOnly?: boolean;
}

export interface CreateTopicResult extends OpResult {
  topicId?: string;
  replicas?: number[][];
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

const MAX_CAS_ATTEMPTS = 8;
const RECONCILE_CONCURRENCY = 32;

export class ClusterController {
  private fence: Fence | undefined;
  private info: ControllerInfo | undefined;
  private reconciling = false;
  private again = false;
  private rebalanceTimer: NodeJS.Timeout | undefined;
  private started = false;

  private readonly onElected = (c: ControllerInfo): void => void this.activate(c);
  private readonly onResigned = (): void => this.deactivate();
  private readonly onChanges = (changes: { kind: string }[]): void => {
    if (this.fence === undefined) return;
    if (changes.some((c) => c.kind === 'broker' || c.kind === 'partition' || c.kind === 'topic')) this.reconcile();
  };

  constructor(
    private readonly store: EtcdStore,
    private readonly cache: MetadataCache,
    private readonly elector: ControllerElector,
    private readonly opts: ControllerOptions,
  ) {}

  /** Follow the elector: act as controller while this broker holds the role. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.elector.on('elected', this.onElected);
    this.elector.on('resigned', this.onResigned);
    this.cache.on('changes', this.onChanges);
    const held = this.elector.controller;
    if (held !== undefined) void this.activate(held);
  }

  stop(): void {
    this.started = false;
    this.elector.off('elected', this.onElected);
    this.elector.off('resigned', this.onResigned);
    this.cache.off('changes', this.onChanges);
    this.deactivate();
  }

  get active(): boolean {
    return this.fence !== undefined;
  }

  /** The controller epoch while active. */
  get epoch(): number | undefined {
    return this.info?.epoch;
  }

  private async activate(c: ControllerInfo): Promise<void> {
    this.info = c;
    this.fence = controllerFence(c);
    await this.cache.waitForRevision(c.revision);
    if (this.fence?.createRevision !== c.revision) return;
    this.reconcile();
    if (this.opts.autoLeaderRebalance) {
      this.rebalanceTimer = setInterval(() => void this.rebalance(), this.opts.imbalanceCheckIntervalMs);
      this.rebalanceTimer.unref?.();
    }
  }

  private deactivate(): void {
    this.fence = undefined;
    this.info = undefined;
    if (this.rebalanceTimer !== undefined) clearInterval(this.rebalanceTimer);
    this.rebalanceTimer = undefined;
  }

  private liveBrokers(): LiveBrokers {
    const live = new Set<number>();
    const shuttingDown = new Set<number>();
    for (const b of this.cache.brokers().values()) {
      live.add(b.nodeId);
      if (b.shuttingDown === true) shuttingDown.add(b.nodeId);
    }
    return { live, shuttingDown };
  }

  // ------------------------------------------------------------------------------------------------------
  // Reconciliation

  /** Bring every partition in line with the live brokers; coalesces calls that arrive while one runs. */
  reconcile(): void {
    if (this.fence === undefined) return;
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = true;
    void (async () => {
      try {
        do {
          this.again = false;
          await this.reconcileOnce();
        } while (this.again && this.fence !== undefined);
      } catch (e) {
        this.opts.log?.(`controller: reconcile failed: ${(e as Error).message}`);
        setTimeout(() => this.reconcile(), 500).unref?.();
      } finally {
        this.reconciling = false;
      }
    })();
  }

  /** Resolves when no reconciliation is running or queued (for tests and controlled shutdown). */
  async settled(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.reconciling || this.again) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  private async reconcileOnce(): Promise<void> {
    const fence = this.fence;
    if (fence === undefined) return;
    const brokers = this.liveBrokers();
    const unclean = this.clusterUnclean();
    const work: Array<{ s: PartitionState; next: PartitionStateData }> = [];
    for (const s of this.cache.allPartitions()) {
      const unc = this.topicUnclean(s.topic) ?? unclean;
      const next =
        reconcilePartition(s, brokers, { unclean: unc }) ?? completeReassignment(s, brokers, { unclean: unc });
      if (next !== undefined) work.push({ s, next });
    }
    for (let i = 0; i < work.length; i += RECONCILE_CONCURRENCY) {
      const results = await Promise.all(
        work
          .slice(i, i + RECONCILE_CONCURRENCY)
          .map(({ s, next }) => this.store.writePartition(fence, s.topic, s.partition, s.version, partitionData(next))),
      );
      for (const r of results) {
        if (r.ok) continue;
        if (r.reason === 'fenced') {
          this.elector.fenced();
          return;
        }
        // Someone (a leader's ISR change) got there first: decide again once the cache has the newer state.
        this.again = true;
      }
    }
    if (this.again && work.length > 0) {
      const rev = Math.max(...work.map((w) => w.s.version));
      await this.cache.waitForRevision(rev + 1, 2000);
    }
  }

  /**
   * unclean.leader.election.enable for topics without their own: the cluster-wide dynamic default (etcd's
   * configs/brokers/<default>), else the controller's properties, as a KRaft controller decides.
   */
  private clusterUnclean(): boolean {
    const v = this.cache.brokerConfigs('default')['unclean.leader.election.enable'];
    return v === undefined ? this.opts.uncleanLeaderElection : v.trim().toLowerCase() === 'true';
  }

  /** A topic's own unclean.leader.election.enable override, if it has one. */
  private topicUnclean(topic: string): boolean | undefined {
    const v = this.cache.topicConfigs(topic)['unclean.leader.election.enable'];
    return v === undefined ? undefined : v.toLowerCase() === 'true';
  }

  private async rebalance(): Promise<void> {
    if (this.fence === undefined) return;
    const states = [...this.cache.allPartitions()];
    const picks = preferredElectionsNeeded(states, this.liveBrokers(), this.opts.imbalancePercentage);
    if (picks.length === 0) return;
    this.opts.log?.(`controller: preferred leader election for ${picks.length} partitions`);
    await this.electLeaders(
      'preferred',
      picks.map((i) => ({ topic: states[i]!.topic, partition: states[i]!.partition })),
    );
  }

  // ------------------------------------------------------------------------------------------------------
  // Admin operations

  private requireFence(): Fence | undefined {
    return this.fence ?? this.opts.adminFence?.();
  }

  async createTopic(req: CreateTopicRequest): Promise<CreateTopicResult> {
    const fence = this.requireFence();
    if (fence === undefined) return notController();
    if (this.cache.topic(req.name) !== undefined) {
      return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${req.name}' already exists.` };
    }
    const placements = [...this.cache.brokers().values()]
      .filter((b) => b.shuttingDown !== true)
      .map((b) => ({ id: b.nodeId, rack: b.rack }));
    let replicas: number[][];
    if (req.assignment !== undefined && req.assignment.length > 0) {
      const check = validateAssignment(req.assignment, new Set(placements.map((p) => p.id)));
      if (!check.ok) return { errorCode: check.errorCode, message: check.message };
      replicas = req.assignment.map((r) => [...r]);
    } else {
      const partitions =
        req.partitions === undefined || req.partitions === -1 ? this.opts.defaultPartitions : req.partitions;
      const rf =
        req.replicationFactor === undefined || req.replicationFactor === -1
          ? this.opts.defaultReplicationFactor
          : req.replicationFactor;
      const res = assignReplicas(placements, partitions, rf);
      if (!res.ok) return { errorCode: res.errorCode, message: res.message };
      replicas = res.replicas;
    }
    if (req.validateOnly === true) return { errorCode: ErrorCode.NONE, replicas };
    const brokers = this.liveBrokers();
    const topicId = randomUUID();
    const res = await this.store.createTopic(
      fence,
      req.name,
      { topicId, partitions: replicas.length },
      replicas.map((r) => initialPartitionState(r, brokers)),
      req.configs ?? {},
    );
    if (!res.ok) return this.refusal(res.reason, `Topic '${req.name}' already exists.`);
    await this.cache.waitForRevision(res.revision);
    return { errorCode: ErrorCode.NONE, topicId, replicas };
  }

  async deleteTopic(name: string): Promise<OpResult> {
    const fence = this.requireFence();
    if (fence === undefined) return notController();
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const topic = this.cache.topic(name);
      if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      const res = await this.store.deleteTopic(fence, name, topic.version);
      if (res.ok) {
        await this.cache.waitForRevision(res.revision);
        return { errorCode: ErrorCode.NONE };
      }
      if (res.reason === 'fenced') return this.refusal(res.reason);
      await this.cache.waitForRevision(topic.version + 1, 1000);
    }
    return { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: 'The topic kept changing.' };
  }

  /** CreatePartitions: grow `name` to `count` partitions, with explicit replicas for the new ones if given. */
  async createPartitions(
    name: string,
    count: number,
    assignment?: number[][],
    validateOnly = false,
  ): Promise<OpResult> {
    const fence = this.requireFence();
    if (fence === undefined) return notController();
    const topic = this.cache.topic(name);
    if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    if (count <= topic.partitions) {
      return {
        errorCode: ErrorCode.INVALID_PARTITIONS,
        message: `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${count}.`,
      };
    }
    const added = count - topic.partitions;
    const placements = [...this.cache.brokers().values()]
      .filter((b) => b.shuttingDown !== true)
      .map((b) => ({ id: b.nodeId, rack: b.rack }));
    let replicas: number[][];
    if (assignment !== undefined && assignment.length > 0) {
      if (assignment.length !== added) {
        return {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          message: `Increasing the number of partitions by ${added} but ${assignment.length} assignments provided.`,
        };
      }
      const check = validateAssignment(assignment, new Set(placements.map((p) => p.id)));
      if (!check.ok) return { errorCode: check.errorCode, message: check.message };
      replicas = assignment.map((r) => [...r]);
    } else {
      const rf = this.cache.partition(name, 0)?.replicas.length ?? this.opts.defaultReplicationFactor;
      const res = assignReplicas(placements, added, rf, { firstPartition: topic.partitions });
      if (!res.ok) return { errorCode: res.errorCode, message: res.message };
      replicas = res.replicas;
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE };
    const brokers = this.liveBrokers();
    const res = await this.store.addPartitions(
      fence,
      topic,
      replicas.map((r) => initialPartitionState(r, brokers)),
    );
    if (!res.ok) return this.refusal(res.reason, 'The topic changed meanwhile; try again.');
    await this.cache.waitForRevision(res.revision);
    return { errorCode: ErrorCode.NONE };
  }

  /** ElectLeaders (preferred or unclean) for the given partitions. */
  async electLeaders(type: ElectionType, partitions: PartitionRef[]): Promise<Array<PartitionRef & OpResult>> {
    const brokers = this.liveBrokers();
    return Promise.all(
      partitions.map(async (p) => ({
        ...p,
        ...(await this.updatePartition(p, (s) => electForRequest(s, brokers, type))),
      })),
    );
  }

  /** AlterPartitionReassignments: `replicas` null cancels a running reassignment. */
  async alterReassignment(p: PartitionRef, replicas: number[] | null): Promise<OpResult> {
    const brokers = this.liveBrokers();
    if (replicas !== null) {
      const unknown = replicas.find((b) => !brokers.live.has(b));
      if (unknown !== undefined) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Unknown broker ${unknown}.` };
      }
    }
    const unclean = this.clusterUnclean();
    return this.updatePartition(p, (s) =>
      replicas === null ? cancelReassignment(s, brokers, { unclean }) : startReassignment(s, replicas),
    );
  }

  /** ListPartitionReassignments: the partitions with a reassignment running (all, or the given ones). */
  listReassignments(filter?: PartitionRef[]): PartitionState[] {
    const all = filter
      ? filter.map((p) => this.cache.partition(p.topic, p.partition)).filter((s) => s !== undefined)
      : [...this.cache.allPartitions()];
    return all.filter((s) => s.addingReplicas.length > 0 || s.removingReplicas.length > 0);
  }

  async setTopicConfigs(name: string, configs: ConfigMap): Promise<OpResult> {
    const fence = this.requireFence();
    if (fence === undefined) return notController();
    const res = await this.store.setTopicConfigs(fence, name, configs);
    if (!res.ok) {
      return res.reason === 'missing' ? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION } : this.refusal(res.reason);
    }
    await this.cache.waitForRevision(res.revision);
    return { errorCode: ErrorCode.NONE };
  }

  /**
   * Read-decide-write one partition with compare-and-swap, deciding again from the newer state when another
   * writer got there first.
   */
  private async updatePartition(
    p: PartitionRef,
    decide: (s: PartitionState) => { ok: true; state: PartitionStateData } | { ok: false; errorCode: number },
  ): Promise<OpResult> {
    const fence = this.requireFence();
    if (fence === undefined) return notController();
    const r = await casPartition(this.store, this.cache, fence, p, decide);
    if (r.errorCode === ErrorCode.NOT_CONTROLLER) this.elector.fenced();
    return r;
  }

  private refusal(reason: 'fenced' | 'version' | 'exists' | 'missing', message?: string): OpResult {
    if (reason === 'fenced') {
      this.elector.fenced();
      return notController();
    }
    if (reason === 'exists') return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message };
    if (reason === 'missing') return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message };
    return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, message };
  }
}

const notController = (): OpResult => ({
  errorCode: ErrorCode.NOT_CONTROLLER,
  message: 'This broker is not the controller.',
});

/** Compare-and-swap loop on one partition; NOT_CONTROLLER stands for "the fence no longer holds". */
async function casPartition(
  store: EtcdStore,
  cache: MetadataCache,
  fence: Fence,
  p: PartitionRef,
  decide: (s: PartitionState) => { ok: true; state: PartitionStateData } | { ok: false; errorCode: number },
): Promise<OpResult & { state?: PartitionStateData }> {
  let s = cache.partition(p.topic, p.partition);
  let fresh = false;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    if (s === undefined && !fresh) {
      s = await store.readPartition(p.topic, p.partition);
      fresh = true;
    }
    if (s === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const d = decide(s);
    if (!d.ok) {
      // The cache may lag etcd: decide once more on what etcd holds before refusing.
      if (fresh) return { errorCode: d.errorCode };
      const current = await store.readPartition(p.topic, p.partition);
      fresh = true;
      if (current === undefined || current.version === s.version) return { errorCode: d.errorCode };
      s = current;
      continue;
    }
    if (d.state === s) return { errorCode: ErrorCode.NONE, state: s };
    const w = await store.writePartition(fence, p.topic, p.partition, s.version, partitionData(d.state));
    if (w.ok) {
      await cache.waitForRevision(w.revision, 2000);
      return { errorCode: ErrorCode.NONE, state: d.state };
    }
    if (w.reason === 'fenced') return notController();
    s = w.current;
    fresh = true;
  }
  return { errorCode: ErrorCode.REQUEST_TIMED_OUT, message: 'The partition kept changing.' };
}

/**
 * A partition leader's ISR change (shrink after replica.lag.time.max.ms, expand when a follower caught up), with
 * AlterPartition's rules (partition-decisions applyIsrChange), written with compare-and-swap and fenced on the
 * leader's own registration: a leader whose session expired cannot change the ISR any more.
 */
export async function alterPartition(
  store: EtcdStore,
  cache: MetadataCache,
  leader: { nodeId: number; brokerEpoch: number },
  p: PartitionRef,
  req: { leaderEpoch: number; partitionEpoch: number; isr: number[] },
): Promise<OpResult & { state?: PartitionStateData }> {
  // Kafka checks the broker epoch first; etcd's fence decides when the cache has not seen a newer registration.
  const known = cache.broker(leader.nodeId);
  if (known !== undefined && known.epoch > leader.brokerEpoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH };
  const live = new Set([...cache.brokers().keys()]);
  const shuttingDown = new Set(
    [...cache.brokers().values()].filter((b) => b.shuttingDown === true).map((b) => b.nodeId),
  );
  const r = await casPartition(store, cache, brokerFence(leader.nodeId, leader.brokerEpoch), p, (s) =>
    applyIsrChange(s, { live, shuttingDown }, { ...req, leader: leader.nodeId }),
  );
  return r.errorCode === ErrorCode.NOT_CONTROLLER ? { errorCode: ErrorCode.STALE_BROKER_EPOCH } : r;
}
