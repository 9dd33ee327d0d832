/**
 * The admin client: topics, partitions, configs, records, offsets, cluster description, consumer groups and
 * client quotas and ACLs.
 * Every call returns plain objects and throws a KafkaError (with the broker's code) when the broker refuses.
 */
import {
  AlterPartitionReassignments,
  ElectLeaders,
  ListPartitionReassignments,
} from '../protocol/messages/cluster-apis.js';
import { AlterClientQuotas } from '../protocol/messages/alter-client-quotas.js';
import { AlterConfigs } from '../protocol/messages/alter-configs.js';
import { DescribeClientQuotas } from '../protocol/messages/describe-client-quotas.js';
import { AlterUserScramCredentials } from '../protocol/messages/alter-user-scram-credentials.js';
import { DescribeUserScramCredentials } from '../protocol/messages/describe-user-scram-credentials.js';
import { SCRAM_MECHANISMS, scramMechanismByCode, scramSaltedPassword, type ScramMechanism } from '../protocol/sasl.js';
import { randomBytes } from 'node:crypto';
import { CreatePartitions } from '../protocol/messages/create-partitions.js';
import { CreateTopics } from '../protocol/messages/create-topics.js';
import { DeleteGroups } from '../protocol/messages/delete-groups.js';
import { DeleteRecords } from '../protocol/messages/delete-records.js';
import { DeleteTopics } from '../protocol/messages/delete-topics.js';
import { DescribeCluster } from '../protocol/messages/describe-cluster.js';
import { DescribeConfigs } from '../protocol/messages/describe-configs.js';
import { DescribeGroups } from '../protocol/messages/describe-groups.js';
import { IncrementalAlterConfigs } from '../protocol/messages/incremental-alter-configs.js';
import { ListGroups } from '../protocol/messages/list-groups.js';
import { OffsetCommit } from '../protocol/messages/offset-commit.js';
import { OffsetFetch } from '../protocol/messages/offset-fetch.js';
import { decodeAssignment } from '../protocol/consumer-protocol.js';
import type { Api, Encodable, ResponseOf } from '../protocol/schema.js';
import { type Acl, type AclFilter, createAclsVia, deleteAclsVia, describeAclsVia } from './acls.js';
import { Cluster, type BrokerInfo, type ClientOptions, type TopicInfo } from './cluster.js';
import { listOffsetsVia, type TopicPartition, type TopicPartitionOffset } from './consumer.js';
import { ErrorCode, KafkaError, errorFor } from './errors.js';

export type AdminOptions = ClientOptions;

export interface UserScramCredentials {
  user: string;
  credentials: Array<{ mechanism: ScramMechanism; iterations: number }>;
}

export interface NewTopic {
  name: string;
  /** Default -1: the broker's num.partitions. */
  numPartitions?: number;
  /** Default -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Explicit replicas per partition instead of a count. */
  assignments?: Array<{ partition: number; brokers: number[] }>;
  configs?: Record<string, string>;
}

export type ConfigResourceType = 'topic' | 'broker' | 'broker-logger';
const RESOURCE_TYPE: Record<ConfigResourceType, number> = { topic: 2, broker: 4, 'broker-logger': 8 };

export interface ConfigResource {
  type: ConfigResourceType;
  name: string;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  /** Kafka's ConfigSource number (1 dynamic topic, 4 static broker, 5 default, ...); -1 when unknown. */
  source: number;
}

export type AlterOp = 'set' | 'delete' | 'append' | 'subtract';
const ALTER_OP: Record<AlterOp, number> = { set: 0, delete: 1, append: 2, subtract: 3 };

export interface ConfigChange {
  name: string;
  op?: AlterOp;
  value?: string | null;
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    assignment: TopicPartition[];
  }>;
}

export interface PartitionOffsets extends TopicPartition {
  offset: number;
}

/** A client quota entity: `user`, `client-id` and/or `ip` with a name, or null for the default entity. */
export type QuotaEntity = Partial<Record<'user' | 'client-id' | 'ip', string | null>>;

export interface QuotaEntry {
  entity: QuotaEntity;
  /** producer_byte_rate, consumer_byte_rate, request_percentage, ... */
  values: Record<string, number>;
}

/** How a describe filter matches one entity type: an exact name, the default entity, or any entity of the type. */
export type QuotaMatch = { name: string } | { default: true } | { any: true };

export interface QuotaAlteration {
  entity: QuotaEntity;
  /** Values to set. */
  set?: Record<string, number>;
  /** Keys to remove. */
  remove?: string[];
}

const ENTITY_TYPES = ['user', 'client-id', 'ip'] as const;

function entityToWire(e: QuotaEntity) {
  return ENTITY_TYPES.filter((t) => e[t] !== undefined).map((t) => ({ entityType: t, entityName: e[t] ?? null }));
}

function entityFromWire(pairs: ReadonlyArray<{ entityType: string; entityName: string | null }>): QuotaEntity {
  const e: Record<string, string | null> = {};
  for (const p of pairs) e[p.entityType] = p.entityName;
  return e as QuotaEntity;
}

function check(code: number, what: string, message?: string | null): void {
  if (code !== 0) throw errorFor(code, what, message);
}

export class Admin {
  readonly cluster: Cluster;

  constructor(opts: AdminOptions) {
    this.cluster = new Cluster(opts);
  }

  /** Connects to a bootstrap server (calls do it on their own; this just fails early). */
  async connect(): Promise<void> {
    await this.cluster.anyConnection();
  }

  /** Topic requests go to the controller when known, else to any broker (which forwards or handles them). */
  private async controller(): Promise<number> {
    if (this.cluster.controllerId < 0) await this.cluster.fetchMetadata([], false);
    return this.cluster.controllerId;
  }

  private async sendController<T>(fn: (node: number) => Promise<T>): Promise<T> {
    return this.cluster.retry(async () => {
      const c = await this.controller();
      try {
        return await fn(c);
      } catch (e) {
        if (e instanceof KafkaError && e.code === ErrorCode.NOT_CONTROLLER) this.cluster.controllerId = -1;
        throw e;
      }
    });
  }

  async createTopics(topics: NewTopic[], opts: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.sendController(async (node) => {
      const res = await this.cluster.sendTo(
        node >= 0 ? node : (await this.cluster.anyConnection()).nodeId,
        CreateTopics,
        {
          topics: topics.map((t) => ({
            name: t.name,
            numPartitions: t.assignments ? -1 : (t.numPartitions ?? -1),
            replicationFactor: t.assignments ? -1 : (t.replicationFactor ?? -1),
            assignments: (t.assignments ?? []).map((a) => ({ partitionIndex: a.partition, brokerIds: a.brokers })),
            configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
          timeoutMs: opts.timeoutMs ?? 60000,
          validateOnly: opts.validateOnly ?? false,
        },
      );
      for (const t of res.topics) {
        if (t.errorCode === ErrorCode.NOT_CONTROLLER) throw errorFor(t.errorCode, t.name);
        check(t.errorCode, `create topic ${t.name}`, t.errorMessage);
      }
    });
  }

  async deleteTopics(names: string[], opts: { timeoutMs?: number } = {}): Promise<void> {
    await this.sendController(async (node) => {
      const res = await this.cluster.sendTo(
        node >= 0 ? node : (await this.cluster.anyConnection()).nodeId,
        DeleteTopics,
        {
          topicNames: names,
          topics: names.map((name) => ({ name })),
          timeoutMs: opts.timeoutMs ?? 60000,
        },
      );
      for (const t of res.responses) check(t.errorCode, `delete topic ${t.name}`, t.errorMessage);
    });
    this.cluster.forgetTopics(names);
  }

  /** Names of all topics (internal ones only when asked). */
  async listTopics(opts: { includeInternal?: boolean } = {}): Promise<string[]> {
    const res = await this.cluster.retry(() => this.cluster.fetchMetadata(null, false));
    return res.topics
      .filter((t) => t.errorCode === 0 && t.name !== null && (opts.includeInternal || !t.isInternal))
      .map((t) => t.name!)
      .sort();
  }

  /** Partitions, leaders and replicas of topics; throws for a topic that does not exist. */
  async describeTopics(names: string[]): Promise<TopicInfo[]> {
    const res = await this.cluster.retry(() => this.cluster.fetchMetadata(names, false));
    for (const t of res.topics) check(t.errorCode, `describe topic ${t.name}`);
    return names.map((n) => this.cluster.topics.get(n)!).filter((t) => t !== undefined);
  }

  /** Raises the partition count of topics to `count`. */
  async createPartitions(
    changes: Array<{ topic: string; count: number }>,
    opts: { validateOnly?: boolean } = {},
  ): Promise<void> {
    await this.sendController(async (node) => {
      const res = await this.cluster.sendTo(
        node >= 0 ? node : (await this.cluster.anyConnection()).nodeId,
        CreatePartitions,
        {
          topics: changes.map((c) => ({ name: c.topic, count: c.count, assignments: null })),
          timeoutMs: 60000,
          validateOnly: opts.validateOnly ?? false,
        },
      );
      for (const r of res.results) check(r.errorCode, `create partitions of ${r.name}`, r.errorMessage);
    });
  }

  /** Where a config resource's requests go: a broker's own configs to that broker (as Kafka's admin client). */
  private configTarget(r: ConfigResource): number | undefined {
    return r.type === 'broker' && /^\d+$/.test(r.name) ? Number(r.name) : undefined;
  }

  private async sendConfigs<Req, Res>(node: number | undefined, api: Api<Req, Res>, req: Encodable<Req>): Promise<Res> {
    if (node === undefined) return this.cluster.sendAny(api, req);
    // The broker's address comes from metadata, which a fresh client may not have fetched yet.
    if (!this.cluster.brokers.has(node)) await this.cluster.refreshMetadata();
    return this.cluster.sendTo(node, api, req);
  }

  async describeConfigs(resources: ConfigResource[]): Promise<Array<ConfigResource & { configs: ConfigEntry[] }>> {
    // One request per broker resource (sent to that broker), one for the rest.
    const groups = new Map<number | undefined, number[]>();
    resources.forEach((r, i) => {
      const k = this.configTarget(r);
      groups.set(k, [...(groups.get(k) ?? []), i]);
    });
    const results: Array<ResponseOf<typeof DescribeConfigs>['results'][number]> = new Array(resources.length);
    await Promise.all(
      [...groups].map(async ([node, idx]) => {
        const req = {
          resources: idx.map((i) => ({
            resourceType: RESOURCE_TYPE[resources[i]!.type],
            resourceName: resources[i]!.name,
            configurationKeys: null,
          })),
          includeSynonyms: false,
          includeDocumentation: false,
        };
        const res = await this.sendConfigs(node, DescribeConfigs, req);
        res.results.forEach((r, j) => {
          results[idx[j]!] = r;
        });
      }),
    );
    return results.map((r, i) => {
      check(r.errorCode, `describe configs of ${r.resourceName}`, r.errorMessage);
      return {
        ...resources[i]!,
        configs: r.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.isDefault || c.configSource === 5,
          isSensitive: c.isSensitive,
          source: c.configSource,
        })),
      };
    });
  }

  /** Incremental changes (IncrementalAlterConfigs): only the named entries change. */
  async alterConfigs(
    resource: ConfigResource,
    changes: ConfigChange[],
    opts: { validateOnly?: boolean } = {},
  ): Promise<void> {
    const res = await this.sendConfigs(this.configTarget(resource), IncrementalAlterConfigs, {
      resources: [
        {
          resourceType: RESOURCE_TYPE[resource.type],
          resourceName: resource.name,
          configs: changes.map((c) => ({
            name: c.name,
            configOperation: ALTER_OP[c.op ?? 'set'],
            value: c.value ?? null,
          })),
        },
      ],
      validateOnly: opts.validateOnly ?? false,
    });
    for (const r of res.responses) check(r.errorCode, `alter configs of ${r.resourceName}`, r.errorMessage);
  }

  /** Replaces the whole dynamic config of a resource (the legacy AlterConfigs). */
  async replaceConfigs(resource: ConfigResource, configs: Record<string, string>): Promise<void> {
    const res = await this.sendConfigs(this.configTarget(resource), AlterConfigs, {
      resources: [
        {
          resourceType: RESOURCE_TYPE[resource.type],
          resourceName: resource.name,
          configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
      validateOnly: false,
    });
    for (const r of res.responses) check(r.errorCode, `alter configs of ${r.resourceName}`, r.errorMessage);
  }

  /**
   * Client quotas of the entities matching `filter` (per entity type: an exact name, the default entity, or any);
   * `strict` leaves out entities that have other types too. An empty filter lists every entity.
   */
  async describeClientQuotas(
    filter: Partial<Record<'user' | 'client-id' | 'ip', QuotaMatch>> = {},
    opts: { strict?: boolean } = {},
  ): Promise<QuotaEntry[]> {
    const components = Object.entries(filter).map(([entityType, m]) =>
      'name' in m
        ? { entityType, matchType: 0, match: m.name }
        : { entityType, matchType: 'default' in m ? 1 : 2, match: null },
    );
    const res = await this.cluster.sendAny(DescribeClientQuotas, { components, strict: opts.strict ?? false });
    check(res.errorCode, 'describe client quotas', res.errorMessage);
    return (res.entries ?? []).map((e) => ({
      entity: entityFromWire(e.entity),
      values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
    }));
  }

  /** Sets and removes client quota values; throws the first entity's error. */
  async alterClientQuotas(alterations: QuotaAlteration[], opts: { validateOnly?: boolean } = {}): Promise<void> {
    const res = await this.cluster.sendAny(AlterClientQuotas, {
      entries: alterations.map((a) => ({
        entity: entityToWire(a.entity),
        ops: [
          ...Object.entries(a.set ?? {}).map(([key, value]) => ({ key, value, remove: false })),
          ...(a.remove ?? []).map((key) => ({ key, value: 0, remove: true })),
        ],
      })),
      validateOnly: opts.validateOnly ?? false,
    });
    for (const e of res.entries) {
      const who = e.entity.map((p) => `${p.entityType} ${p.entityName ?? '<default>'}`).join(', ');
      check(e.errorCode, `alter client quotas of ${who}`, e.errorMessage);
    }
  }

  /**
   * SCRAM credentials of the named users (every user with credentials when none is named): their mechanisms and
   * iteration counts. A named user without credentials throws RESOURCE_NOT_FOUND.
   */
  async describeUserScramCredentials(users?: string[]): Promise<UserScramCredentials[]> {
    const res = await this.cluster.sendAny(DescribeUserScramCredentials, {
      users: users === undefined || users.length === 0 ? null : users.map((name) => ({ name })),
    });
    check(res.errorCode, 'describe user SCRAM credentials', res.errorMessage);
    return res.results.map((r) => {
      check(r.errorCode, `describe SCRAM credentials of user ${r.user}`, r.errorMessage);
      return {
        user: r.user,
        credentials: r.credentialInfos.map((c) => ({
          mechanism: scramMechanismByCode(c.mechanism) ?? (`UNKNOWN(${c.mechanism})` as ScramMechanism),
          iterations: c.iterations,
        })),
      };
    });
  }

  /**
   * Sets (salting the password here, as Kafka's admin client does; 4096 iterations by default) and deletes users'
   * SCRAM credentials; throws the first user's error.
   */
  async alterUserScramCredentials(changes: {
    upsertions?: Array<{ user: string; mechanism: ScramMechanism; password: string; iterations?: number }>;
    deletions?: Array<{ user: string; mechanism: ScramMechanism }>;
  }): Promise<void> {
    const res = await this.cluster.sendAny(AlterUserScramCredentials, {
      deletions: (changes.deletions ?? []).map((d) => ({
        name: d.user,
        mechanism: SCRAM_MECHANISMS[d.mechanism].code,
      })),
      upsertions: (changes.upsertions ?? []).map((u) => {
        const salt = randomBytes(32);
        const iterations = u.iterations ?? 4096;
        return {
          name: u.user,
          mechanism: SCRAM_MECHANISMS[u.mechanism].code,
          iterations,
          salt,
          saltedPassword: scramSaltedPassword(u.mechanism, u.password, salt, iterations),
        };
      }),
    });
    for (const r of res.results) check(r.errorCode, `alter SCRAM credentials of user ${r.user}`, r.errorMessage);
  }

  /** Creates ACLs (CreateAcls); throws the first refusal. */
  createAcls(acls: readonly Acl[]): Promise<void> {
    return createAclsVia(this.cluster, acls);
  }

  /** The ACLs a filter matches (DescribeAcls); every ACL without a filter. */
  describeAcls(filter: AclFilter = {}): Promise<Acl[]> {
    return describeAclsVia(this.cluster, filter);
  }

  /** Deletes the ACLs the filters match (DeleteAcls); returns them. */
  deleteAcls(filters: readonly AclFilter[]): Promise<Acl[]> {
    return deleteAclsVia(this.cluster, filters);
  }

  /** Deletes records before `offset` (-1: the high watermark) per partition; returns the new low watermarks. */
  async deleteRecords(offsets: PartitionOffsets[]): Promise<PartitionOffsets[]> {
    await this.cluster.ensureTopics(new Set(offsets.map((o) => o.topic)));
    const byNode = new Map<number, PartitionOffsets[]>();
    for (const o of offsets) {
      const leader = this.cluster.leaderFor(o.topic, o.partition);
      if (leader < 0)
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${o.topic}-${o.partition} has no leader`);
      let l = byNode.get(leader);
      if (!l) byNode.set(leader, (l = []));
      l.push(o);
    }
    const out: PartitionOffsets[] = [];
    for (const [node, list] of byNode) {
      const topics = new Map<string, Array<{ partitionIndex: number; offset: number }>>();
      for (const o of list) {
        let l = topics.get(o.topic);
        if (!l) topics.set(o.topic, (l = []));
        l.push({ partitionIndex: o.partition, offset: o.offset });
      }
      const res = await this.cluster.sendTo(node, DeleteRecords, {
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        timeoutMs: 30000,
      });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          check(p.errorCode, `delete records of ${t.name}-${p.partitionIndex}`);
          out.push({ topic: t.name, partition: p.partitionIndex, offset: p.lowWatermark });
        }
      }
    }
    return out;
  }

  /**
   * ElectLeaders: 'preferred' gives leadership back to each partition's first replica; 'unclean' lets a live
   * replica outside the ISR lead a partition that has no live ISR replica. `partitions` undefined: every partition.
   * Returns each partition's outcome (ELECTION_NOT_NEEDED when the leader was already right), without throwing.
   */
  async electLeaders(
    type: 'preferred' | 'unclean',
    partitions?: TopicPartition[],
  ): Promise<Array<TopicPartition & { errorCode: number; error: string | null }>> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions ?? []) {
      const list = byTopic.get(p.topic);
      if (list) list.push(p.partition);
      else byTopic.set(p.topic, [p.partition]);
    }
    return this.sendController(async (node) => {
      const res = await this.cluster.sendTo(
        node >= 0 ? node : (await this.cluster.anyConnection()).nodeId,
        ElectLeaders,
        {
          electionType: type === 'unclean' ? 1 : 0,
          topicPartitions:
            partitions === undefined ? null : [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })),
          timeoutMs: 60000,
        },
      );
      check(res.errorCode, 'elect leaders');
      return res.replicaElectionResults.flatMap((t) =>
        t.partitionResult.map((p) => ({
          topic: t.topic,
          partition: p.partitionId,
          errorCode: p.errorCode,
          error: p.errorCode === 0 ? null : (p.errorMessage ?? errorFor(p.errorCode, '').codeName),
        })),
      );
    });
  }

  /** AlterPartitionReassignments: move partitions to new replicas (null cancels a running reassignment). */
  async alterPartitionReassignments(
    moves: Array<TopicPartition & { replicas: number[] | null }>,
  ): Promise<Array<TopicPartition & { errorCode: number; error: string | null }>> {
    const byTopic = new Map<string, Array<{ partitionIndex: number; replicas: number[] | null }>>();
    for (const m of moves) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ partitionIndex: m.partition, replicas: m.replicas });
      byTopic.set(m.topic, list);
    }
    return this.sendController(async (node) => {
      const res = await this.cluster.sendTo(
        node >= 0 ? node : (await this.cluster.anyConnection()).nodeId,
        AlterPartitionReassignments,
        { timeoutMs: 60000, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) },
      );
      check(res.errorCode, 'alter partition reassignments', res.errorMessage);
      return res.responses.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          error: p.errorCode === 0 ? null : (p.errorMessage ?? errorFor(p.errorCode, '').codeName),
        })),
      );
    });
  }

  /** ListPartitionReassignments: the reassignments in progress (of the given partitions, or all). */
  async listPartitionReassignments(
    partitions?: TopicPartition[],
  ): Promise<Array<TopicPartition & { replicas: number[]; adding: number[]; removing: number[] }>> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    return this.sendController(async (node) => {
      const res = await this.cluster.sendTo(
        node >= 0 ? node : (await this.cluster.anyConnection()).nodeId,
        ListPartitionReassignments,
        {
          timeoutMs: 60000,
          topics:
            partitions === undefined
              ? null
              : [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        },
      );
      check(res.errorCode, 'list partition reassignments', res.errorMessage);
      return res.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          replicas: p.replicas,
          adding: p.addingReplicas,
          removing: p.removingReplicas,
        })),
      );
    });
  }

  /** Cluster id, controller and brokers (DescribeCluster when offered, else Metadata). */
  async describeCluster(): Promise<ClusterDescription> {
    const conn = await this.cluster.anyConnection();
    if (conn.supports(DescribeCluster)) {
      const res = await this.cluster.sendAny(DescribeCluster, {
        includeClusterAuthorizedOperations: false,
        endpointType: 1,
      });
      check(res.errorCode, 'describe cluster', res.errorMessage);
      return {
        clusterId: res.clusterId,
        controllerId: res.controllerId,
        brokers: res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })),
      };
    }
    await this.cluster.fetchMetadata([], false);
    return {
      clusterId: this.cluster.clusterId,
      controllerId: this.cluster.controllerId,
      brokers: [...this.cluster.brokers.values()],
    };
  }

  /**
   * Offsets of partitions: 'earliest', 'latest', or the first offset at or after a timestamp (-1 when none).
   */
  async listOffsets(
    partitions: TopicPartition[],
    spec: 'earliest' | 'latest' | number = 'latest',
    isolation: 'read_uncommitted' | 'read_committed' = 'read_uncommitted',
  ): Promise<PartitionOffsets[]> {
    await this.cluster.ensureTopics(new Set(partitions.map((p) => p.topic)));
    const ts = spec === 'earliest' ? -2 : spec === 'latest' ? -1 : spec;
    const m = await this.cluster.retry(() =>
      listOffsetsVia(
        this.cluster,
        partitions.map((p) => ({ ...p, timestamp: ts })),
        isolation === 'read_committed' ? 1 : 0,
      ),
    );
    return partitions.map((p) => ({ ...p, offset: m.get(`${p.topic}\u0000${p.partition}`) ?? -1 }));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Groups

  private coordinatorOf(groupId: string): Promise<number> {
    return this.cluster.findCoordinator(groupId, 0, `coordinator of group ${groupId}`);
  }

  /** Groups on every broker. */
  async listGroups(): Promise<GroupListing[]> {
    await this.cluster.fetchMetadata([], false);
    const out: GroupListing[] = [];
    for (const id of this.cluster.brokers.keys()) {
      const res = await this.cluster.sendTo(id, ListGroups, { statesFilter: [], typesFilter: [] });
      check(res.errorCode, 'list groups');
      for (const g of res.groups) out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState });
    }
    return out.sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    const out: GroupDescription[] = [];
    for (const groupId of groupIds) {
      const node = await this.coordinatorOf(groupId);
      const res = await this.cluster.sendTo(node, DescribeGroups, {
        groups: [groupId],
        includeAuthorizedOperations: false,
      });
      for (const g of res.groups) {
        check(g.errorCode, `describe group ${g.groupId}`);
        out.push({
          groupId: g.groupId,
          state: g.groupState,
          protocolType: g.protocolType,
          protocol: g.protocolData,
          members: g.members.map((m) => {
            let assignment: TopicPartition[] = [];
            if (g.protocolType === 'consumer' && m.memberAssignment.length > 0) {
              try {
                assignment = decodeAssignment(m.memberAssignment).assignedPartitions.flatMap((a) =>
                  a.partitions.map((partition) => ({ topic: a.topic, partition })),
                );
              } catch {
                assignment = [];
              }
            }
            return {
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              assignment,
            };
          }),
        });
      }
    }
    return out;
  }

  /** Committed offsets of a group (all partitions it has offsets for, or just these). */
  async listGroupOffsets(groupId: string, partitions?: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const node = await this.coordinatorOf(groupId);
    let topics: Array<{ name: string; partitionIndexes: number[] }> | null = null;
    if (partitions) {
      const m = new Map<string, number[]>();
      for (const p of partitions) {
        let l = m.get(p.topic);
        if (!l) m.set(p.topic, (l = []));
        l.push(p.partition);
      }
      topics = [...m].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    }
    const res = await this.cluster.sendTo(node, OffsetFetch, {
      groupId,
      topics,
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics }],
      requireStable: false,
    });
    const groupError = res.groups.length > 0 ? res.groups[0]!.errorCode : res.errorCode;
    check(groupError, `offsets of group ${groupId}`);
    const ts = res.groups.length > 0 ? res.groups[0]!.topics : res.topics;
    const out: TopicPartitionOffset[] = [];
    for (const t of ts) {
      for (const p of t.partitions) {
        check(p.errorCode, `offset of ${t.name}-${p.partitionIndex}`);
        if (p.committedOffset >= 0)
          out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
      }
    }
    return out;
  }

  /** Sets a group's committed offsets (the group must have no active members). */
  async alterGroupOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    const node = await this.coordinatorOf(groupId);
    const m = new Map<
      string,
      Array<{ partitionIndex: number; committedOffset: number; committedMetadata: string | null }>
    >();
    for (const o of offsets) {
      let l = m.get(o.topic);
      if (!l) m.set(o.topic, (l = []));
      l.push({ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: o.metadata ?? null });
    }
    const res = await this.cluster.sendTo(node, OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [...m].map(([name, partitions]) => ({ name, partitions })),
    });
    for (const t of res.topics)
      for (const p of t.partitions) check(p.errorCode, `commit ${t.name}-${p.partitionIndex} for ${groupId}`);
  }

  /** Moves a group's offsets to the earliest or latest offset, or to a timestamp, for the given partitions. */
  async resetGroupOffsets(
    groupId: string,
    partitions: TopicPartition[],
    to: 'earliest' | 'latest' | number,
  ): Promise<TopicPartitionOffset[]> {
    const offsets = await this.listOffsets(partitions, to);
    // A timestamp past every record finds nothing: use the end instead.
    const latest = offsets.some((o) => o.offset < 0) ? await this.listOffsets(partitions, 'latest') : [];
    const target = offsets.map((o, i) => ({ ...o, offset: o.offset >= 0 ? o.offset : latest[i]!.offset }));
    await this.alterGroupOffsets(groupId, target);
    return target;
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    for (const groupId of groupIds) {
      const node = await this.coordinatorOf(groupId);
      const res = await this.cluster.sendTo(node, DeleteGroups, { groupsNames: [groupId] });
      for (const r of res.results) check(r.errorCode, `delete group ${r.groupId}`);
    }
  }

  close(): void {
    this.cluster.close();
  }
}

export function createAdmin(opts: AdminOptions): Admin {
  return new Admin(opts);
}
