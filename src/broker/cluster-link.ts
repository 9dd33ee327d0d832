/**
 * What the broker needs from cluster mode, as interfaces, so that broker/ does not depend on cluster/ (the
 * composition root in src/server hands `startBroker` a `ClusterJoin` built from src/cluster when etcd.endpoints is
 * set). The broker asks it for the metadata view of the whole cluster, sends topic changes and the other admin
 * operations through it, allocates producer ids from it, and leaves the cluster through it on shutdown.
 */
import type { Logger } from '../storage/logger.js';
import type { BrokerConfig } from './config/index.js';
import type { BrokerInfo, Endpoint, MetadataView, PartitionInfo, TopicInfo } from './metadata-view.js';
import type { ReplicaManager } from './replica-manager.js';
import type { ClusterTopicAdmin, TopicManager } from './topics.js';
import type { DynamicBrokerConfigs } from './dynamic-config.js';
import type { AclStore } from '../security/acl-store.js';
import type { ScramCredentials } from '../security/sasl/scram-store.js';
import type { ClientQuotaStore } from './quotas/store.js';

/** ACLs, SCRAM credentials and client quotas shared by every broker of the cluster (in etcd). */
export interface ClusterSecurityStores {
  acls: AclStore;
  quotas: ClientQuotaStore;
  scram: ScramCredentials;
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface AdminResult {
  errorCode: number;
  message?: string;
}

export interface ReassignmentInfo extends PartitionRef {
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface ClusterLink {
  /** The metadata of the whole cluster, from this broker's watched copy of etcd. */
  readonly view: MetadataView;
  readonly topicAdmin: ClusterTopicAdmin;
  /** Registers this broker (with the advertised endpoints of its bound listeners) and takes part in elections. */
  join(endpoints: readonly Endpoint[]): Promise<void>;
  /** ElectLeaders; `partitions` null means every partition. ElectionType 0 preferred, 1 unclean. */
  electLeaders(type: number, partitions: PartitionRef[] | null): Promise<Array<PartitionRef & AdminResult>>;
  /** AlterPartitionReassignments for one partition; `replicas` null cancels. */
  alterReassignment(ref: PartitionRef, replicas: number[] | null): Promise<AdminResult>;
  /** ListPartitionReassignments; `filter` undefined means every partition. */
  listReassignments(filter?: PartitionRef[]): ReassignmentInfo[];
  /** A block of producer ids no other broker of the cluster has handed out or will. */
  allocateProducerIds(count: number): Promise<{ start: number; end: number }>;
  /** Leave the cluster; controlled: move leadership away first (bounded by `timeoutMs`). */
  stop(opts: { controlled: boolean; timeoutMs?: number }): Promise<void>;
  /** The cluster's ACLs, SCRAM credentials and quotas, used in place of this broker's own files. */
  readonly securityStores?: ClusterSecurityStores;
}

export interface ClusterJoinContext {
  config: BrokerConfig;
  clusterId: string;
  log: Logger;
  topics: TopicManager;
  replicas: ReplicaManager;
  /** Dynamic broker configs: the link reads them from etcd, follows them and stores changes there. */
  dynamicConfigs?: DynamicBrokerConfigs;
}

/** Connects to etcd and reads the cluster metadata (not registered yet: `join` does that once listening). */
export type ClusterJoin = (ctx: ClusterJoinContext) => Promise<ClusterLink>;

/**
 * The metadata view handlers are given: the single-node view until the cluster link exists, then the cluster's.
 * Handlers keep the object they were created with, so the switch happens behind it.
 */
export class SwitchableMetadataView implements MetadataView {
  constructor(private target: MetadataView) {}

  use(target: MetadataView): void {
    this.target = target;
  }

  get clusterId(): string {
    return this.target.clusterId;
  }
  controllerId(): number {
    return this.target.controllerId();
  }
  brokers(): readonly BrokerInfo[] {
    return this.target.brokers();
  }
  broker(nodeId: number): BrokerInfo | undefined {
    return this.target.broker(nodeId);
  }
  endpoint(nodeId: number, listener: string): Endpoint | undefined {
    return this.target.endpoint(nodeId, listener);
  }
  topicNames(): string[] {
    return this.target.topicNames();
  }
  topic(name: string): TopicInfo | undefined {
    return this.target.topic(name);
  }
  topicNameForId(topicId: string): string | undefined {
    return this.target.topicNameForId(topicId);
  }
  partitions(topic: string): PartitionInfo[] | undefined {
    return this.target.partitions(topic);
  }
  partition(topic: string, index: number): PartitionInfo | undefined {
    return this.target.partition(topic, index);
  }
}
