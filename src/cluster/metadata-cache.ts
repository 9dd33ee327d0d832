/**
 * Every broker's copy of the cluster metadata: read all keys under the cluster prefix at one revision, then one
 * watch on the prefix from the next revision, so the copy follows etcd change by change. Each watch response
 * becomes one 'changes' event (all changes of that response, in order, with its revision).
 *
 * When the watch breaks (etcd restarted, the connection lost, or the watch cancelled because the revision was
 * compacted away) the cache reads everything again and emits the difference between what it had and what etcd
 * has now as ordinary changes, so listeners never need a separate "reload" path. Until that read succeeds the
 * cache keeps serving what it had ('stale' is emitted once, 'synced' when it is current again).
 *
 * A topic exists once topics/<name> does; partition keys of a topic that does not exist (yet) are kept but not
 * reported, and are reported together with the topic when it appears.
 */
import { EventEmitter } from 'node:events';
import type { IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import {
  decodeBroker,
  decodeConfigs,
  decodeController,
  decodePartition,
  decodeTopic,
  type EtcdStore,
  type StoredKv,
} from './etcd-store.js';
import { parseKey, type ParsedKey } from './keys.js';
import type {
  BrokerRegistration,
  ConfigMap,
  ControllerInfo,
  MetadataChange,
  PartitionState,
  TopicInfo,
} from './types.js';

export interface CacheEvents {
  changes: [changes: MetadataChange[], revision: number];
  stale: [reason: string];
  synced: [revision: number];
  /** Keys under security/ that changed (after the 'changes' of the same revision). */
  security: [keys: string[]];
}

export interface MetadataCacheOptions {
  /** Pause between attempts to read everything again while etcd is away; default 250 ms. */
  retryMs?: number;
  log?: (msg: string) => void;
}

export class MetadataCache extends EventEmitter<CacheEvents> {
  private readonly brokerMap = new Map<number, BrokerRegistration>();
  private controllerInfo: ControllerInfo | undefined;
  private controllerEpochValue = 0;
  private readonly topicMap = new Map<string, TopicInfo>();
  private readonly partitionMap = new Map<string, Map<number, PartitionState>>();
  private readonly topicConfigMap = new Map<string, ConfigMap>();
  private readonly brokerConfigMap = new Map<number | 'default', ConfigMap>();
  /** Keys under security/ and their values (ACLs, SCRAM credentials, quotas), and the ones changed lately. */
  private readonly securityMap = new Map<string, StoredKv>();
  private securityChanged: string[] = [];
  /** The raw mod revision of every key held, to tell real changes from a resync's unchanged keys. */
  private readonly modRevisions = new Map<string, number>();
  private watcher: Watcher | undefined;
  private rev = 0;
  private stopped = false;
  private resyncing: Promise<void> | undefined;
  private isStale = true;

  constructor(
    private readonly store: EtcdStore,
    private readonly opts: MetadataCacheOptions = {},
  ) {
    super();
  }

  /** Read everything and start watching; resolves once the cache is current. */
  async start(): Promise<void> {
    await this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const w = this.watcher;
    this.watcher = undefined;
    if (w !== undefined) await w.cancel().catch(() => undefined);
  }

  /** The etcd revision the cache reflects. */
  get revision(): number {
    return this.rev;
  }

  /** True while the watch is broken and the copy may be behind etcd. */
  get stale(): boolean {
    return this.isStale;
  }

  // ------------------------------------------------------------------------------------------------------
  // Reads

  brokers(): ReadonlyMap<number, BrokerRegistration> {
    return this.brokerMap;
  }

  broker(nodeId: number): BrokerRegistration | undefined {
    return this.brokerMap.get(nodeId);
  }

  controller(): ControllerInfo | undefined {
    return this.controllerInfo;
  }

  /** The last controller epoch handed out (0 before the first election). */
  controllerEpoch(): number {
    return this.controllerEpochValue;
  }

  topics(): ReadonlyMap<string, TopicInfo> {
    return this.topicMap;
  }

  topic(name: string): TopicInfo | undefined {
    return this.topicMap.get(name);
  }

  topicById(topicId: string): TopicInfo | undefined {
    for (const t of this.topicMap.values()) if (t.topicId === topicId) return t;
    return undefined;
  }

  /** The partitions of an existing topic, by index (missing keys are left out). */
  partitions(topic: string): PartitionState[] {
    if (!this.topicMap.has(topic)) return [];
    const m = this.partitionMap.get(topic);
    return m === undefined ? [] : [...m.values()].sort((a, b) => a.partition - b.partition);
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    if (!this.topicMap.has(topic)) return undefined;
    return this.partitionMap.get(topic)?.get(partition);
  }

  /** Every partition of every existing topic. */
  *allPartitions(): IterableIterator<PartitionState> {
    for (const name of this.topicMap.keys()) yield* this.partitions(name);
  }

  topicConfigs(name: string): ConfigMap {
    return this.topicConfigMap.get(name) ?? {};
  }

  brokerConfigs(broker: number | 'default'): ConfigMap {
    return this.brokerConfigMap.get(broker) ?? {};
  }

  /** The keys under `prefix` (one of keys.aclsPrefix, scramPrefix, quotasPrefix) with their values. */
  securityEntries(prefix: string): StoredKv[] {
    const out: StoredKv[] = [];
    for (const [k, kv] of this.securityMap) if (k.startsWith(prefix)) out.push(kv);
    return out;
  }

  /** Resolves once the cache has seen `revision` (e.g. the revision of one's own write); false on timeout. */
  waitForRevision(revision: number, timeoutMs = 10_000): Promise<boolean> {
    if (this.rev >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.rev >= revision) done(true);
      };
      const done = (v: boolean): void => {
        clearTimeout(timer);
        this.off('changes', check);
        this.off('synced', check);
        this.off('security', check);
        resolve(v);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.on('changes', check);
      this.on('synced', check);
      this.on('security', check);
    });
  }

  // ------------------------------------------------------------------------------------------------------
  // Keeping up

  /** Read everything, emit the difference, and watch from there; retried until it works or the cache stops. */
  private sync(): Promise<void> {
    this.resyncing ??= (async () => {
      try {
        for (let attempt = 0; !this.stopped; attempt++) {
          try {
            await this.loadAndWatch();
            return;
          } catch (e) {
            if (attempt % 20 === 0) this.opts.log?.(`metadata cache: etcd read failed (${(e as Error).message})`);
            await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 250));
          }
        }
      } finally {
        this.resyncing = undefined;
      }
    })();
    return this.resyncing;
  }

  private async loadAndWatch(): Promise<void> {
    const old = this.watcher;
    this.watcher = undefined;
    if (old !== undefined) await old.cancel().catch(() => undefined);
    const { revision, kvs } = await this.store.readAll();
    if (this.stopped) return;
    const changes: MetadataChange[] = [];
    const seen = new Set<string>();
    for (const kv of kvs) {
      seen.add(kv.key);
      if (this.modRevisions.get(kv.key) === kv.modRevision) continue;
      this.apply(kv.key, kv, changes);
    }
    for (const key of [...this.modRevisions.keys()]) if (!seen.has(key)) this.apply(key, undefined, changes);
    this.rev = revision;
    const watcher = await this.store.watchAll(revision + 1);
    if (this.stopped) {
      await watcher.cancel().catch(() => undefined);
      return;
    }
    this.watcher = watcher;
    watcher.on('data', (res) => this.onWatch(watcher, res));
    watcher.on('disconnected', () => this.onBroken(watcher, 'etcd connection lost'));
    watcher.on('error', (err) => this.onBroken(watcher, `watch cancelled (${err.message})`));
    if (changes.length > 0) this.emit('changes', changes, revision);
    this.emitSecurity();
    this.isStale = false;
    this.emit('synced', revision);
  }

  private onBroken(watcher: Watcher, reason: string): void {
    if (watcher !== this.watcher || this.stopped) return;
    this.watcher = undefined;
    void watcher.cancel().catch(() => undefined);
    if (!this.isStale) {
      this.isStale = true;
      this.opts.log?.(`metadata cache: ${reason}; reading again`);
      this.emit('stale', reason);
    }
    void this.sync();
  }

  private onWatch(watcher: Watcher, res: IWatchResponse): void {
    if (watcher !== this.watcher) return;
    const revision = Number(res.header.revision);
    const changes: MetadataChange[] = [];
    for (const ev of res.events) {
      const kv = ev.kv as IKeyValue;
      const key = this.store.relativeKey(kv.key) ?? kv.key.toString('utf8');
      if (ev.type === 'Delete') this.apply(key, undefined, changes);
      else this.apply(key, this.store.toStored(kv, key), changes);
    }
    if (revision > this.rev) this.rev = revision;
    if (changes.length > 0) this.emit('changes', changes, revision);
    this.emitSecurity();
  }

  private emitSecurity(): void {
    if (this.securityChanged.length === 0) return;
    const changed = this.securityChanged;
    this.securityChanged = [];
    this.emit('security', changed);
  }

  /** Put one key's new value (undefined: deleted) into the typed maps, recording the change. */
  private apply(key: string, kv: StoredKv | undefined, out: MetadataChange[]): void {
    if (kv === undefined) this.modRevisions.delete(key);
    else this.modRevisions.set(key, kv.modRevision);
    const parsed = parseKey(key);
    if (parsed === undefined) return;
    try {
      this.applyParsed(parsed, kv, out);
    } catch (e) {
      this.opts.log?.(`metadata cache: ignoring unreadable value of ${key}: ${(e as Error).message}`);
    }
  }

  private applyParsed(k: ParsedKey, kv: StoredKv | undefined, out: MetadataChange[]): void {
    switch (k.kind) {
      case 'broker': {
        const before = this.brokerMap.get(k.nodeId);
        const after = kv === undefined ? undefined : decodeBroker(kv);
        setOrDelete(this.brokerMap, k.nodeId, after);
        out.push({ kind: 'broker', nodeId: k.nodeId, before, after });
        return;
      }
      case 'controller': {
        const before = this.controllerInfo;
        this.controllerInfo = kv === undefined ? undefined : decodeController(kv);
        out.push({ kind: 'controller', before, after: this.controllerInfo });
        return;
      }
      case 'controllerEpoch':
        this.controllerEpochValue = kv === undefined ? 0 : Number(kv.value.toString('utf8'));
        return;
      case 'topic': {
        const before = this.topicMap.get(k.name);
        const after = kv === undefined ? undefined : decodeTopic(k.name, kv);
        setOrDelete(this.topicMap, k.name, after);
        out.push({ kind: 'topic', name: k.name, before, after });
        // Partitions written before their topic key become visible with it.
        if (before === undefined && after !== undefined) {
          for (const p of this.partitionMap.get(k.name)?.values() ?? []) {
            out.push({ kind: 'partition', topic: k.name, partition: p.partition, after: p });
          }
        }
        return;
      }
      case 'partition': {
        let m = this.partitionMap.get(k.topic);
        const before = m?.get(k.partition);
        const after = kv === undefined ? undefined : decodePartition(k.topic, k.partition, kv);
        if (after !== undefined) {
          if (m === undefined) this.partitionMap.set(k.topic, (m = new Map()));
          m.set(k.partition, after);
        } else if (m !== undefined) {
          m.delete(k.partition);
          if (m.size === 0) this.partitionMap.delete(k.topic);
        }
        if (this.topicMap.has(k.topic) || before !== undefined) {
          out.push({ kind: 'partition', topic: k.topic, partition: k.partition, before, after });
        }
        return;
      }
      case 'topicConfig': {
        const before = this.topicConfigMap.get(k.name);
        const after = kv === undefined ? undefined : decodeConfigs(kv);
        setOrDelete(this.topicConfigMap, k.name, after);
        out.push({ kind: 'topicConfig', name: k.name, before, after });
        return;
      }
      case 'security':
        setOrDelete(this.securityMap, k.key, kv);
        this.securityChanged.push(k.key);
        return;
      case 'brokerConfig': {
        const before = this.brokerConfigMap.get(k.broker);
        const after = kv === undefined ? undefined : decodeConfigs(kv);
        setOrDelete(this.brokerConfigMap, k.broker, after);
        out.push({ kind: 'brokerConfig', broker: k.broker, before, after });
        return;
      }
    }
  }
}

function setOrDelete<K, V>(m: Map<K, V>, k: K, v: V | undefined): void {
  if (v === undefined) m.delete(k);
  else m.set(k, v);
}
