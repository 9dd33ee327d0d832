/**
 * The etcd side of cluster metadata: one etcd3 client scoped to the cluster's prefix (keys.ts), and the writes the
 * cluster makes, each one an etcd transaction so it is atomic and conditional:
 *
 * - broker registration: create-if-absent on brokers/<id>, bound to the broker's lease; the create revision is
 *   the broker epoch;
 * - controller claim: create-if-absent on `controller`, bound to the claimant's lease, together with the next
 *   controller epoch (compare-and-swap on controller-epoch), and only while the claimant's own registration is
 *   the one it holds;
 * - partition state: compare-and-swap on the key's mod revision, plus a fence (the writer's controller key or
 *   broker registration must still be the one it holds), so neither a stale controller nor a fenced leader can
 *   overwrite a newer state.
 *
 * Calls have a deadline (a paused etcd must not hang the broker) and the client's circuit breaker reopens quickly,
 * so a restarted etcd is used again within a second. Reads come back as typed records with their revisions.
 */
import { ConsecutiveBreaker, ConstantBackoff, circuitBreaker, handleWhen, retry } from 'cockatiel';
import {
  Etcd3,
  isRecoverableError,
  type IKeyValue,
  type IOperation,
  type ITxnResponse,
  type Lease,
  type Namespace,
  type Watcher,
} from 'etcd3';
import { clusterPrefix, keys } from './keys.js';
import type {
  BrokerRegistration,
  BrokerRegistrationData,
  ConfigMap,
  ControllerData,
  ControllerInfo,
  PartitionState,
  PartitionStateData,
  TopicData,
  TopicInfo,
} from './types.js';

export interface EtcdStoreOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379'] (etcd.endpoints). */
  endpoints: string[];
  clusterId: string;
  /** Root under which clusters live; default /samsa. */
  root?: string;
  /** Deadline of each unary call; default 3000 ms. */
  callTimeoutMs?: number;
}

/** A key as read from etcd, relative to the cluster prefix, with its revisions (numbers; etcd sends strings). */
export interface StoredKv {
  key: string;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  lease: string;
}

/**
 * The condition that makes a writer's write valid: the key (relative) must still have this create revision. A
 * controller fences on its `controller` key, a partition leader on its own broker registration.
 */
export interface Fence {
  key: string;
  createRevision: number;
}

export const controllerFence = (c: Pick<ControllerInfo, 'revision'>): Fence => ({
  key: keys.controller,
  createRevision: c.revision,
});
export const brokerFence = (nodeId: number, epoch: number): Fence => ({
  key: keys.broker(nodeId),
  createRevision: epoch,
});

/** Outcome of a conditional write: applied at `revision`, or refused because the writer is fenced or stale. */
export type WriteResult<T = undefined> =
  | { ok: true; revision: number }
  | { ok: false; reason: 'fenced' | 'version' | 'exists' | 'missing'; current?: T };

/** etcd's default --max-txn-ops is 128; stay below it. */
export const MAX_TXN_OPS = 120;

export class EtcdStore {
  readonly client: Etcd3;
  readonly kv: Namespace;
  readonly prefix: string;
  readonly clusterId: string;
  private readonly prefixBytes: Buffer;

  constructor(opts: EtcdStoreOptions) {
    if (opts.endpoints.length === 0) throw new Error('etcd.endpoints is empty');
    this.clusterId = opts.clusterId;
    this.prefix = clusterPrefix(opts.clusterId, opts.root);
    this.prefixBytes = Buffer.from(this.prefix);
    const callTimeoutMs = opts.callTimeoutMs ?? 3000;
    this.client = new Etcd3({
      hosts: opts.endpoints,
      dialTimeout: callTimeoutMs,
      // Streams (watch, keep-alive) live long; unary calls get a deadline so a stopped etcd cannot hang us.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
      faultHandling: {
        host: () =>
          circuitBreaker(handleWhen(isRecoverableError), {
            halfOpenAfter: 250,
            breaker: new ConsecutiveBreaker(3),
          }),
        global: retry(handleWhen(isRecoverableError), { maxAttempts: 2, backoff: new ConstantBackoff(50) }),
      },
    });
    this.kv = this.client.namespace(this.prefix);
  }

  close(): void {
    this.client.close();
  }

  // ------------------------------------------------------------------------------------------------------
  // Reads

  /** Every key of the cluster at one revision (the snapshot the cache starts from). */
  async readAll(): Promise<{ revision: number; kvs: StoredKv[] }> {
    const res = await this.kv.getAll().exec();
    return { revision: Number(res.header.revision), kvs: res.kvs.map((kv) => this.toStored(kv)) };
  }

  async read(key: string): Promise<StoredKv | undefined> {
    const res = await this.kv.get(key).exec();
    const kv = res.kvs[0];
    return kv === undefined ? undefined : this.toStored(kv);
  }

  async readPartition(topic: string, partition: number): Promise<PartitionState | undefined> {
    const kv = await this.read(keys.partition(topic, partition));
    return kv === undefined ? undefined : decodePartition(topic, partition, kv);
  }

  async readController(): Promise<ControllerInfo | undefined> {
    const kv = await this.read(keys.controller);
    return kv === undefined ? undefined : decodeController(kv);
  }

  /** One watch on every key of the cluster from `fromRevision` on; events carry full keys (see relativeKey). */
  watchAll(fromRevision: number): Promise<Watcher> {
    return this.client.watch().prefix(this.prefix).startRevision(String(fromRevision)).create();
  }

  /** Relative key of a raw kv from a watch or a transaction response (those carry the full key). */
  relativeKey(full: Buffer): string | undefined {
    if (full.length < this.prefixBytes.length || !full.subarray(0, this.prefixBytes.length).equals(this.prefixBytes)) {
      return undefined;
    }
    return full.subarray(this.prefixBytes.length).toString('utf8');
  }

  toStored(kv: IKeyValue, key?: string): StoredKv {
    return {
      key: key ?? this.relativeKey(kv.key) ?? kv.key.toString('utf8'),
      value: kv.value,
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      lease: kv.lease,
    };
  }

  // ------------------------------------------------------------------------------------------------------
  // Brokers

  /** A lease of `ttlSeconds` (at least 1; etcd may round small TTLs up) without automatic keep-alive. */
  lease(ttlSeconds: number): Lease {
    const lease = this.client.lease(Math.max(1, Math.ceil(ttlSeconds)), { autoKeepAlive: false });
    // etcd3 reports a lost lease as an event; the session polls for it itself, so swallow the emitter's copy.
    lease.on('lost', () => undefined);
    return lease;
  }

  /**
   * Create brokers/<id> bound to `leaseId` if absent. The epoch is the create revision. If the key exists (an
   * earlier process of the same broker whose lease has not expired yet, or another broker with the same id) the
   * existing registration comes back instead; a registration already bound to `leaseId` counts as ours.
   */
  async registerBroker(
    data: BrokerRegistrationData,
    leaseId: string,
  ): Promise<{ ok: true; epoch: number } | { ok: false; existing?: BrokerRegistration }> {
    const key = keys.broker(data.nodeId);
    const res = await this.kv
      .if(key, 'Create', '==', 0)
      .then(this.kv.put(key).value(JSON.stringify(data)).lease(leaseId))
      .else(this.kv.get(key))
      .commit();
    if (res.succeeded) return { ok: true, epoch: Number(res.header.revision) };
    const kv = this.rangeResult(res, 0)[0];
    if (kv === undefined) return { ok: false };
    const existing = decodeBroker(this.toStored(kv));
    if (existing.lease === leaseId) return { ok: true, epoch: existing.epoch };
    return { ok: false, existing };
  }

  /** Rewrite a live registration (e.g. to flag a controlled shutdown); only while it is still epoch `epoch`. */
  async updateRegistration(data: BrokerRegistrationData, epoch: number, leaseId: string): Promise<WriteResult> {
    const key = keys.broker(data.nodeId);
    const res = await this.kv
      .if(key, 'Create', '==', epoch)
      .then(this.kv.put(key).value(JSON.stringify(data)).lease(leaseId))
      .commit();
    return res.succeeded ? { ok: true, revision: Number(res.header.revision) } : { ok: false, reason: 'fenced' };
  }

  // ------------------------------------------------------------------------------------------------------
  // Controller

  /**
   * Try to become controller: succeeds only if there is no controller, the claimant's registration is still the
   * one of `brokerEpoch`, and no other claim bumped controller-epoch meanwhile. The controller key is bound to the
   * claimant's lease, so it disappears with the claimant's session.
   */
  async claimController(brokerId: number, brokerEpoch: number, leaseId: string): Promise<ControllerInfo | undefined> {
    const epochKv = await this.read(keys.controllerEpoch);
    const previous = epochKv === undefined ? 0 : Number(epochKv.value.toString('utf8'));
    const data: ControllerData = { brokerId, epoch: previous + 1, brokerEpoch };
    const res = await this.kv
      .if(keys.controller, 'Create', '==', 0)
      .and(keys.broker(brokerId), 'Create', '==', brokerEpoch)
      .and(keys.controllerEpoch, 'Mod', '==', epochKv?.modRevision ?? 0)
      .then(
        this.kv.put(keys.controller).value(JSON.stringify(data)).lease(leaseId),
        this.kv.put(keys.controllerEpoch).value(String(data.epoch)),
      )
      .commit();
    if (!res.succeeded) return undefined;
    return { ...data, revision: Number(res.header.revision) };
  }

  /** Give up the controller role (controlled shutdown), if it is still the one created at `revision`. */
  async resignController(revision: number): Promise<boolean> {
    const res = await this.kv
      .if(keys.controller, 'Create', '==', revision)
      .then(this.kv.delete().key(keys.controller))
      .commit();
    return res.succeeded;
  }

  // ------------------------------------------------------------------------------------------------------
  // Topics and partitions (controller writes, fenced)

  /**
   * Create a topic with its partitions and configs, if no topic of that name exists. Topics with more partitions
   * than fit in one transaction write their partition keys first (fenced) and the topic key last: a topic exists
   * for readers only once topics/<name> does.
   */
  async createTopic(
    fence: Fence,
    name: string,
    topic: TopicData,
    partitions: PartitionStateData[],
    configs: ConfigMap = {},
  ): Promise<WriteResult> {
    const topicKey = keys.topic(name);
    const finalOps: IOperation[] = [
      this.kv.put(topicKey).value(JSON.stringify(topic)),
      Object.keys(configs).length > 0
        ? this.kv.put(keys.topicConfig(name)).value(JSON.stringify(configs))
        : this.kv.delete().key(keys.topicConfig(name)),
    ];
    const partitionOps = partitions.map((p, i) => this.kv.put(keys.partition(name, i)).value(JSON.stringify(p)));
    // Partition keys left by an earlier, unfinished creation go first (etcd refuses a delete and a put of the
    // same key in one transaction).
    const clear = this.kv.delete().prefix(keys.topicPartitionsPrefix(name));
    const first = await this.fencedTxn(fence, [[topicKey, 'Create', 0]], [clear], 'exists');
    if (!first.ok) return first;
    if (partitionOps.length + finalOps.length <= MAX_TXN_OPS) {
      return this.fencedTxn(fence, [[topicKey, 'Create', 0]], [...partitionOps, ...finalOps], 'exists');
    }
    for (let i = 0; i < partitionOps.length; i += MAX_TXN_OPS) {
      const chunk = await this.fencedTxn(
        fence,
        [[topicKey, 'Create', 0]],
        partitionOps.slice(i, i + MAX_TXN_OPS),
        'exists',
      );
      if (!chunk.ok) return chunk;
    }
    return this.fencedTxn(fence, [[topicKey, 'Create', 0]], finalOps, 'exists');
  }

  /** Delete a topic, its partition states and its configs in one transaction. */
  async deleteTopic(fence: Fence, name: string, expectedVersion: number): Promise<WriteResult> {
    return this.fencedTxn(
      fence,
      [[keys.topic(name), 'Mod', expectedVersion]],
      [
        this.kv.delete().key(keys.topic(name)),
        this.kv.delete().prefix(keys.topicPartitionsPrefix(name)),
        this.kv.delete().key(keys.topicConfig(name)),
      ],
      'version',
    );
  }

  /** Grow a topic: new partition states from index `topic.partitions` on, then the new count (CAS on the topic). */
  async addPartitions(fence: Fence, current: TopicInfo, added: PartitionStateData[]): Promise<WriteResult> {
    const topicKey = keys.topic(current.name);
    const ops = added.map((p, i) =>
      this.kv.put(keys.partition(current.name, current.partitions + i)).value(JSON.stringify(p)),
    );
    const data: TopicData = { topicId: current.topicId, partitions: current.partitions + added.length };
    const cond: Compare[] = [[topicKey, 'Mod', current.version]];
    const putTopic = this.kv.put(topicKey).value(JSON.stringify(data));
    if (ops.length + 1 <= MAX_TXN_OPS) return this.fencedTxn(fence, cond, [...ops, putTopic], 'version');
    for (let i = 0; i < ops.length; i += MAX_TXN_OPS) {
      const chunk = await this.fencedTxn(fence, cond, ops.slice(i, i + MAX_TXN_OPS), 'version');
      if (!chunk.ok) return chunk;
    }
    return this.fencedTxn(fence, cond, [putTopic], 'version');
  }

  /**
   * Compare-and-swap of one partition's state: applied only if the key is still at `expectedVersion` (its mod
   * revision when the writer read it) and the writer's fence holds. A refusal carries the current state.
   */
  async writePartition(
    fence: Fence,
    topic: string,
    partition: number,
    expectedVersion: number,
    data: PartitionStateData,
  ): Promise<WriteResult<PartitionState>> {
    const key = keys.partition(topic, partition);
    const res = await this.txn(
      fence,
      [[key, 'Mod', expectedVersion]],
      [this.kv.put(key).value(JSON.stringify(data))],
      [this.kv.get(key), this.kv.get(fence.key)],
    );
    if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
    const current = this.rangeResult(res, 0)[0];
    const fenceKv = this.rangeResult(res, 1)[0];
    const fenced = fenceKv === undefined || Number(fenceKv.create_revision) !== fence.createRevision;
    return {
      ok: false,
      reason: fenced ? 'fenced' : current === undefined ? 'missing' : 'version',
      current: current === undefined ? undefined : decodePartition(topic, partition, this.toStored(current)),
    };
  }

  /** Replace a topic's config overrides (empty map deletes the key). */
  async setTopicConfigs(fence: Fence, name: string, configs: ConfigMap): Promise<WriteResult> {
    const key = keys.topicConfig(name);
    const op =
      Object.keys(configs).length > 0 ? this.kv.put(key).value(JSON.stringify(configs)) : this.kv.delete().key(key);
    return this.fencedTxn(fence, [[keys.topic(name), 'Create', 0, '>']], [op], 'missing');
  }

  /** Replace the dynamic configs of one broker or of the cluster default (empty map deletes the key). */
  async setBrokerConfigs(broker: number | 'default', configs: ConfigMap): Promise<void> {
    const key = keys.brokerConfig(broker);
    if (Object.keys(configs).length === 0) await this.kv.delete().key(key).exec();
    else await this.kv.put(key).value(JSON.stringify(configs)).exec();
  }

  // ------------------------------------------------------------------------------------------------------
  // Producer ids

  /**
   * Reserve `count` producer ids for one broker (Kafka's AllocateProducerIds): compare-and-swap on the counter
   * `producer-ids`, retried while other brokers reserve at the same time. No two brokers ever get the same id.
   */
  async allocateProducerIds(count: number): Promise<{ start: number; end: number }> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const kv = await this.read(keys.producerIds);
      const start = kv === undefined ? 0 : Number(kv.value.toString('utf8'));
      if (!Number.isSafeInteger(start) || start < 0) throw new Error(`etcd key producer-ids holds "${kv?.value}"`);
      const end = start + count;
      const res = await this.kv
        .if(keys.producerIds, 'Mod', '==', kv?.modRevision ?? 0)
        .then(this.kv.put(keys.producerIds).value(String(end)))
        .commit();
      if (res.succeeded) return { start, end };
    }
    throw new Error('could not reserve producer ids: the counter kept changing');
  }

  // ------------------------------------------------------------------------------------------------------
  // Transactions

  private async fencedTxn(
    fence: Fence,
    compares: Compare[],
    ops: IOperation[],
    refusal: 'exists' | 'version' | 'missing',
  ): Promise<WriteResult> {
    const res = await this.txn(fence, compares, ops, [this.kv.get(fence.key)]);
    if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
    const fenceKv = this.rangeResult(res, 0)[0];
    const fenced = fenceKv === undefined || Number(fenceKv.create_revision) !== fence.createRevision;
    return { ok: false, reason: fenced ? 'fenced' : refusal };
  }

  private txn(fence: Fence, compares: Compare[], ops: IOperation[], otherwise: IOperation[]): Promise<ITxnResponse> {
    let b = this.kv.if(fence.key, 'Create', '==', fence.createRevision);
    for (const [key, target, value, cmp] of compares) b = b.and(key, target, cmp ?? '==', value);
    return b
      .then(...ops)
      .else(...otherwise)
      .commit();
  }

  private rangeResult(res: ITxnResponse, index: number): IKeyValue[] {
    const op = res.responses[index] as { response_range?: { kvs: IKeyValue[] } } | undefined;
    return op?.response_range?.kvs ?? [];
  }
}

type Compare = [key: string, target: 'Create' | 'Mod', value: number, cmp?: '==' | '>' | '<' | '!='];

// ---------------------------------------------------------------------------------------------------------
// Decoding (shared with the cache)

export function decodeBroker(kv: StoredKv): BrokerRegistration {
  const d = JSON.parse(kv.value.toString('utf8')) as BrokerRegistrationData;
  return { ...d, epoch: kv.createRevision, lease: kv.lease };
}

export function decodeController(kv: StoredKv): ControllerInfo {
  const d = JSON.parse(kv.value.toString('utf8')) as ControllerData;
  return { ...d, revision: kv.createRevision };
}

export function decodeTopic(name: string, kv: StoredKv): TopicInfo {
  const d = JSON.parse(kv.value.toString('utf8')) as TopicData;
  return { name, topicId: d.topicId, partitions: d.partitions, version: kv.modRevision };
}

export function decodePartition(topic: string, partition: number, kv: StoredKv): PartitionState {
  const d = JSON.parse(kv.value.toString('utf8')) as PartitionStateData;
  return {
    topic,
    partition,
    replicas: d.replicas,
    isr: d.isr,
    leader: d.leader,
    leaderEpoch: d.leaderEpoch,
    partitionEpoch: d.partitionEpoch,
    addingReplicas: d.addingReplicas ?? [],
    removingReplicas: d.removingReplicas ?? [],
    version: kv.modRevision,
  };
}

export function decodeConfigs(kv: StoredKv): ConfigMap {
  return JSON.parse(kv.value.toString('utf8')) as ConfigMap;
}

/** The stored data of a partition state (what writePartition takes), without the cache's bookkeeping. */
export function partitionData(s: PartitionStateData): PartitionStateData {
  return {
    replicas: s.replicas,
    isr: s.isr,
    leader: s.leader,
    leaderEpoch: s.leaderEpoch,
    partitionEpoch: s.partitionEpoch,
    addingReplicas: s.addingReplicas,
    removingReplicas: s.removingReplicas,
  };
}
