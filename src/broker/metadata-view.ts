/**
 * The metadata view: the read-only picture of the cluster every handler asks (brokers with their advertised
 * endpoints per listener and rack, the controller, the cluster id, topics with ids and configs, and per partition
 * its replicas, leader, leader epoch, ISR and offline replicas). Handlers never decide leadership themselves.
 *
 * `LocalMetadataView` is the single-node view: this broker is the only broker and the controller, topics come from
 * the topic manager (backed by the durable metadata store), and partition state from the replica manager. The
 * cluster work adds a view backed by the coordination service with the same interface.
 */
import type { Partition, ReplicaManager } from './replica-manager.js';
import type { TopicManager } from './topics.js';

/** Where clients reach a broker through one listener. */
export interface Endpoint {
  listener: string;
  securityProtocol: string;
  host: string;
  port: number;
}

export interface BrokerInfo {
  nodeId: number;
  rack: string | null;
  /** One per listener, in listener order. */
  endpoints: readonly Endpoint[];
}

export interface PartitionInfo {
  partition: number;
  /** -1 when the partition has no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  offlineReplicas: readonly number[];
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitionCount: number;
  /** The topic's config overrides (not the effective values). */
  configs: Readonly<Record<string, string>>;
}

export interface MetadataView {
  readonly clusterId: string;
  /** Node id of the active controller; -1 when there is none. */
  controllerId(): number;
  brokers(): readonly BrokerInfo[];
  broker(nodeId: number): BrokerInfo | undefined;
  /** The endpoint of broker `nodeId` on `listener`: what a client that came in on that listener is told. */
  endpoint(nodeId: number, listener: string): Endpoint | undefined;
  topicNames(): string[];
  topic(name: string): TopicInfo | undefined;
  topicNameForId(topicId: string): string | undefined;
  /** Every partition of a topic, by index; undefined for an unknown topic. */
  partitions(topic: string): PartitionInfo[] | undefined;
  partition(topic: string, index: number): PartitionInfo | undefined;
}

const NO_LEADER: Omit<PartitionInfo, 'partition'> = Object.freeze({
  leader: -1,
  leaderEpoch: -1,
  replicas: [],
  isr: [],
  offlineReplicas: [],
});

function partitionInfo(index: number, p: Partition | undefined): PartitionInfo {
  if (p === undefined) return { partition: index, ...NO_LEADER };
  return {
    partition: index,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicas: p.replicas,
    isr: p.isr,
    offlineReplicas: p.offlineReplicas,
  };
}

/** The single-node view: one broker, which is also the controller. */
export class LocalMetadataView implements MetadataView {
  private self: BrokerInfo;
  /** Other brokers, when replication is set up statically (BrokerOptions.replication). */
  private peers: (() => readonly BrokerInfo[]) | undefined;

  constructor(
    readonly clusterId: string,
    private readonly nodeId: number,
    rack: string | null,
    private readonly topics: TopicManager,
    private readonly replicas: ReplicaManager,
  ) {
    this.self = { nodeId, rack, endpoints: [] };
  }

  /** Publishes this broker's endpoints once its listeners are bound (ports chosen by the OS are known then). */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.self = { ...this.self, endpoints: [...endpoints] };
  }

  /** Adds the other brokers of a statically replicated group (this broker's own entry is ignored). */
  setPeers(peers: () => readonly BrokerInfo[]): void {
    this.peers = peers;
  }

  controllerId(): number {
    return this.nodeId;
  }

  brokers(): readonly BrokerInfo[] {
    if (this.peers === undefined) return [this.self];
    const others = this.peers().filter((b) => b.nodeId !== this.nodeId);
    return [this.self, ...others].sort((a, b) => a.nodeId - b.nodeId);
  }

  broker(nodeId: number): BrokerInfo | undefined {
    if (nodeId === this.nodeId) return this.self;
    return this.peers?.().find((b) => b.nodeId === nodeId);
  }

  endpoint(nodeId: number, listener: string): Endpoint | undefined {
    return this.broker(nodeId)?.endpoints.find((e) => e.listener === listener);
  }

  topicNames(): string[] {
    return this.topics.names();
  }

  topic(name: string): TopicInfo | undefined {
    const t = this.topics.get(name);
    if (t === undefined) return undefined;
    return {
      name,
      topicId: t.topicId,
      isInternal: this.topics.isInternal(name),
      partitionCount: t.partitions,
      configs: t.configs,
    };
  }

  topicNameForId(topicId: string): string | undefined {
    return this.topics.nameForId(topicId);
  }

  partitions(topic: string): PartitionInfo[] | undefined {
    const logs = this.topics.partitionsOf(topic);
    if (logs === undefined) return undefined;
    const hosted = this.replicas.partitionsOf(topic);
    return logs.map((_, i) => partitionInfo(i, hosted[i]));
  }

  partition(topic: string, index: number): PartitionInfo | undefined {
    const logs = this.topics.partitionsOf(topic);
    if (logs === undefined || index < 0 || index >= logs.length) return undefined;
    return partitionInfo(index, this.replicas.get(topic, index));
  }
}
