/**
 * Confluent REST Proxy API v3 under /v3: clusters, brokers, topics, partitions and replicas, topic configs,
 * consumer groups with their consumers and lags, and producing records (JSON, STRING or base64 BINARY data, one
 * record per request or a stream of concatenated JSON records with one delivery report each).
 *
 * Everything goes through Samsa's client against the bootstrap address, as any other Kafka application would, so
 * the API answers the same for one broker or a cluster. Response shapes follow Confluent's: a `kind`, `metadata`
 * with `self` (and `resource_name`), and `related` links to the resources below.
 */
import type { Admin, Producer, TopicInfo } from '../../client/index.js';
import type { RouteHandler, RouteParams, Router } from '../../http/server.js';
import {
  badRequest,
  intField,
  intParam,
  jsonBody,
  nameValueList,
  notFound,
  RestError,
  restErrorOf,
  stringField,
  type RestRequest,
} from './http.js';
import { sendJson } from '../../http/server.js';
import { AclsApi } from './acls.js';

/** The Kafka clients the API works through (created once by the service). */
export interface RestClients {
  admin: Admin;
  producer(): Producer;
}

type Json = Record<string, unknown>;

const crn = (clusterId: string, ...parts: string[]) => `crn:///kafka=${clusterId}${parts.map((p) => `/${p}`).join('')}`;
const rel = (href: string) => ({ related: href });

function list(kind: string, self: string, data: unknown[]): Json {
  return { kind, metadata: { self, next: null }, data };
}

export class RestApi {
  constructor(private readonly clients: RestClients) {}

  private get admin(): Admin {
    return this.clients.admin;
  }

  /** The cluster id, checked against the one in the path (404 for another cluster). */
  async clusterId(asked?: string): Promise<string> {
    const d = await this.admin.describeCluster();
    const id = d.clusterId ?? '';
    if (asked !== undefined && asked !== id) throw notFound(`Cluster ${asked} not found`);
    return id;
  }

  private clusterUrl(r: RestRequest, id: string): string {
    return `${r.base}/v3/clusters/${encodeURIComponent(id)}`;
  }

  // ------------------------------------------------------------------------------------------ clusters and brokers

  async cluster(r: RestRequest, asked?: string): Promise<Json> {
    const d = await this.admin.describeCluster();
    const id = d.clusterId ?? '';
    if (asked !== undefined && asked !== id) throw notFound(`Cluster ${asked} not found`);
    const u = this.clusterUrl(r, id);
    return {
      kind: 'KafkaCluster',
      metadata: { self: u, resource_name: crn(id) },
      cluster_id: id,
      controller: rel(`${u}/brokers/${d.controllerId}`),
      acls: rel(`${u}/acls`),
      brokers: rel(`${u}/brokers`),
      broker_configs: rel(`${u}/broker-configs`),
      consumer_groups: rel(`${u}/consumer-groups`),
      topics: rel(`${u}/topics`),
      partition_reassignments: rel(`${u}/topics/-/partitions/-/reassignment`),
    };
  }

  async brokers(r: RestRequest, asked: string): Promise<Json> {
    const d = await this.admin.describeCluster();
    const id = d.clusterId ?? '';
    if (asked !== id) throw notFound(`Cluster ${asked} not found`);
    const u = this.clusterUrl(r, id);
    const data = d.brokers.sort((a, b) => a.nodeId - b.nodeId).map((b) => this.brokerBody(u, id, b));
    return list('KafkaBrokerList', `${u}/brokers`, data);
  }

  async broker(r: RestRequest, asked: string, brokerId: number): Promise<Json> {
    const d = await this.admin.describeCluster();
    const id = d.clusterId ?? '';
    if (asked !== id) throw notFound(`Cluster ${asked} not found`);
    const b = d.brokers.find((x) => x.nodeId === brokerId);
    if (b === undefined) throw notFound(`Broker ${brokerId} not found`);
    return this.brokerBody(this.clusterUrl(r, id), id, b);
  }

  private brokerBody(u: string, id: string, b: { nodeId: number; host: string; port: number; rack: string | null }) {
    return {
      kind: 'KafkaBroker',
      metadata: { self: `${u}/brokers/${b.nodeId}`, resource_name: crn(id, `broker=${b.nodeId}`) },
      cluster_id: id,
      broker_id: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
      configs: rel(`${u}/brokers/${b.nodeId}/configs`),
      partition_replicas: rel(`${u}/brokers/${b.nodeId}/partition-replicas`),
    };
  }

  // ------------------------------------------------------------------------------------------ topics

  private topicBody(u: string, id: string, t: TopicInfo): Json {
    const tu = `${u}/topics/${encodeURIComponent(t.name)}`;
    return {
      kind: 'KafkaTopic',
      metadata: { self: tu, resource_name: crn(id, `topic=${t.name}`) },
      cluster_id: id,
      topic_name: t.name,
      is_internal: t.isInternal,
      replication_factor: t.partitions[0]?.replicas.length ?? 0,
      partitions_count: t.partitions.length,
      partitions: rel(`${tu}/partitions`),
      configs: rel(`${tu}/configs`),
      partition_reassignments: rel(`${tu}/partitions/-/reassignment`),
      authorized_operations: [],
    };
  }

  async topics(r: RestRequest, asked: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const u = this.clusterUrl(r, id);
    const names = await this.admin.listTopics({ includeInternal: true });
    const infos = names.length > 0 ? await this.admin.describeTopics(names) : [];
    return list(
      'KafkaTopicList',
      `${u}/topics`,
      infos.map((t) => this.topicBody(u, id, t)),
    );
  }

  async topic(r: RestRequest, asked: string, name: string): Promise<Json> {
    const id = await this.clusterId(asked);
    return this.topicBody(this.clusterUrl(r, id), id, await this.describeTopic(name));
  }

  private async describeTopic(name: string): Promise<TopicInfo> {
    const [t] = await this.admin.describeTopics([name]).catch((e: unknown) => {
      throw restErrorOf(e);
    });
    if (t === undefined) throw new RestError(404, 40403, 'This server does not host this topic-partition.');
    return t;
  }

  async createTopic(r: RestRequest, asked: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const body = await jsonBody(r);
    const name = stringField(body, 'topic_name');
    if (name === undefined || name === '') throw badRequest('topic_name is required');
    const partitions = intField(body, 'partitions_count');
    const rf = intField(body, 'replication_factor');
    const configs: Record<string, string> = {};
    for (const c of nameValueList(body, 'configs')) if (c.value !== undefined) configs[c.name] = c.value;
    await this.admin.createTopics([{ name, numPartitions: partitions ?? -1, replicationFactor: rf ?? -1, configs }]);
    r.res.statusCode = 201;
    return this.topicBody(this.clusterUrl(r, id), id, await this.describeTopic(name));
  }

  async deleteTopic(_r: RestRequest, asked: string, name: string): Promise<null> {
    await this.clusterId(asked);
    await this.admin.deleteTopics([name]);
    return null;
  }

  /** PATCH a topic: raise partitions_count (Confluent's "update partition count"). */
  async updateTopic(r: RestRequest, asked: string, name: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const body = await jsonBody(r);
    const count = intField(body, 'partitions_count');
    if (count === undefined) throw badRequest('partitions_count is required');
    await this.describeTopic(name);
    await this.admin.createPartitions([{ topic: name, count }]);
    return this.topicBody(this.clusterUrl(r, id), id, await this.describeTopic(name));
  }

  // ------------------------------------------------------------------------------------------ partitions

  async partitions(r: RestRequest, asked: string, name: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const t = await this.describeTopic(name);
    const tu = `${this.clusterUrl(r, id)}/topics/${encodeURIComponent(name)}`;
    return list(
      'KafkaPartitionList',
      `${tu}/partitions`,
      t.partitions.map((p) => this.partitionBody(tu, id, name, p.partition, p.leader)),
    );
  }

  async partition(r: RestRequest, asked: string, name: string, partition: number): Promise<Json> {
    const id = await this.clusterId(asked);
    const p = (await this.describeTopic(name)).partitions.find((x) => x.partition === partition);
    if (p === undefined) throw new RestError(404, 40402, `Partition ${partition} of ${name} not found`);
    const tu = `${this.clusterUrl(r, id)}/topics/${encodeURIComponent(name)}`;
    return this.partitionBody(tu, id, name, partition, p.leader);
  }

  private partitionBody(tu: string, id: string, topic: string, partition: number, leader: number): Json {
    const pu = `${tu}/partitions/${partition}`;
    return {
      kind: 'KafkaPartition',
      metadata: { self: pu, resource_name: crn(id, `topic=${topic}`, `partition=${partition}`) },
      cluster_id: id,
      topic_name: topic,
      partition_id: partition,
      leader: leader >= 0 ? rel(`${pu}/replicas/${leader}`) : null,
      replicas: rel(`${pu}/replicas`),
      reassignment: rel(`${pu}/reassignment`),
    };
  }

  async replicas(r: RestRequest, asked: string, name: string, partition: number): Promise<Json> {
    const id = await this.clusterId(asked);
    const u = this.clusterUrl(r, id);
    const p = (await this.describeTopic(name)).partitions.find((x) => x.partition === partition);
    if (p === undefined) throw new RestError(404, 40402, `Partition ${partition} of ${name} not found`);
    const pu = `${u}/topics/${encodeURIComponent(name)}/partitions/${partition}`;
    return list(
      'KafkaReplicaList',
      `${pu}/replicas`,
      p.replicas.map((b) => ({
        kind: 'KafkaReplica',
        metadata: {
          self: `${pu}/replicas/${b}`,
          resource_name: crn(id, `topic=${name}`, `partition=${partition}`, `replica=${b}`),
        },
        cluster_id: id,
        topic_name: name,
        partition_id: partition,
        broker_id: b,
        is_leader: b === p.leader,
        is_in_sync: p.isr.includes(b),
        broker: rel(`${u}/brokers/${b}`),
      })),
    );
  }

  // ------------------------------------------------------------------------------------------ topic configs

  private configBody(tu: string, id: string, topic: string, c: import('../../client/index.js').ConfigEntry): Json {
    return {
      kind: 'KafkaTopicConfig',
      metadata: {
        self: `${tu}/configs/${encodeURIComponent(c.name)}`,
        resource_name: crn(id, `topic=${topic}`, `config=${c.name}`),
      },
      cluster_id: id,
      topic_name: topic,
      name: c.name,
      value: c.isSensitive ? null : c.value,
      is_default: c.isDefault,
      is_read_only: c.readOnly,
      is_sensitive: c.isSensitive,
      source: CONFIG_SOURCES[c.source] ?? 'UNKNOWN',
      synonyms: [],
    };
  }

  private async topicConfigs(name: string) {
    await this.describeTopic(name);
    const [res] = await this.admin.describeConfigs([{ type: 'topic', name }]);
    return res?.configs ?? [];
  }

  async configs(r: RestRequest, asked: string, name: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const tu = `${this.clusterUrl(r, id)}/topics/${encodeURIComponent(name)}`;
    const configs = await this.topicConfigs(name);
    return list(
      'KafkaTopicConfigList',
      `${tu}/configs`,
      configs.map((c) => this.configBody(tu, id, name, c)),
    );
  }

  async config(r: RestRequest, asked: string, name: string, key: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const tu = `${this.clusterUrl(r, id)}/topics/${encodeURIComponent(name)}`;
    const c = (await this.topicConfigs(name)).find((x) => x.name === key);
    if (c === undefined) throw notFound(`Config ${key} not found`);
    return this.configBody(tu, id, name, c);
  }

  async updateConfig(r: RestRequest, asked: string, name: string, key: string): Promise<null> {
    await this.clusterId(asked);
    const body = await jsonBody(r);
    const value = stringField(body, 'value');
    if (value === undefined) throw badRequest('value is required');
    await this.describeTopic(name);
    await this.admin.alterConfigs({ type: 'topic', name }, [{ name: key, op: 'set', value }]);
    return null;
  }

  async resetConfig(_r: RestRequest, asked: string, name: string, key: string): Promise<null> {
    await this.clusterId(asked);
    await this.describeTopic(name);
    await this.admin.alterConfigs({ type: 'topic', name }, [{ name: key, op: 'delete' }]);
    return null;
  }

  /** POST configs:alter — a batch of SET and DELETE operations in one request. */
  async alterConfigs(r: RestRequest, asked: string, name: string): Promise<null> {
    await this.clusterId(asked);
    const body = await jsonBody(r);
    const data = body['data'];
    if (!Array.isArray(data)) throw badRequest('data must be an array of {name, value, operation}');
    const changes = (data as Json[]).map((c) => {
      const n = c && typeof c === 'object' ? stringField(c, 'name') : undefined;
      if (n === undefined) throw badRequest('every entry of data needs a name');
      const op = (stringField(c, 'operation') ?? 'SET').toUpperCase();
      if (op !== 'SET' && op !== 'DELETE') throw badRequest(`operation must be SET or DELETE, not ${op}`);
      return op === 'SET'
        ? { name: n, op: 'set' as const, value: stringField(c, 'value') ?? null }
        : { name: n, op: 'delete' as const };
    });
    await this.describeTopic(name);
    await this.admin.alterConfigs({ type: 'topic', name }, changes);
    return null;
  }

  // ------------------------------------------------------------------------------------------ consumer groups

  private groupBody(u: string, id: string, g: import('../../client/index.js').GroupDescription, coordinator: number) {
    const gu = `${u}/consumer-groups/${encodeURIComponent(g.groupId)}`;
    return {
      kind: 'KafkaConsumerGroup',
      metadata: { self: gu, resource_name: crn(id, `consumer-group=${g.groupId}`) },
      cluster_id: id,
      consumer_group_id: g.groupId,
      is_simple: g.protocolType === '' && g.members.length === 0,
      partition_assignor: g.protocol,
      state: groupState(g.state),
      coordinator: rel(`${u}/brokers/${coordinator}`),
      consumers: rel(`${gu}/consumers`),
      lag_summary: rel(`${gu}/lag-summary`),
    };
  }

  async groups(r: RestRequest, asked: string): Promise<Json> {
    const d = await this.admin.describeCluster();
    const id = d.clusterId ?? '';
    if (asked !== id) throw notFound(`Cluster ${asked} not found`);
    const u = this.clusterUrl(r, id);
    const listed = await this.admin.listGroups();
    const described = listed.length > 0 ? await this.admin.describeGroups(listed.map((g) => g.groupId)) : [];
    return list(
      'KafkaConsumerGroupList',
      `${u}/consumer-groups`,
      described.map((g) => this.groupBody(u, id, g, d.controllerId)),
    );
  }

  private async describeGroup(groupId: string) {
    const [g] = await this.admin.describeGroups([groupId]);
    if (g === undefined || g.state === 'Dead') {
      // A group with committed offsets and no members is Empty; one the coordinator never saw is Dead.
      const offsets = await this.admin.listGroupOffsets(groupId);
      if (offsets.length === 0) throw notFound(`Consumer group ${groupId} not found`);
      return { groupId, state: 'Empty', protocolType: 'consumer', protocol: '', members: [] };
    }
    return g;
  }

  async group(r: RestRequest, asked: string, groupId: string): Promise<Json> {
    const d = await this.admin.describeCluster();
    const id = d.clusterId ?? '';
    if (asked !== id) throw notFound(`Cluster ${asked} not found`);
    return this.groupBody(this.clusterUrl(r, id), id, await this.describeGroup(groupId), d.controllerId);
  }

  async consumers(r: RestRequest, asked: string, groupId: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const gu = `${this.clusterUrl(r, id)}/consumer-groups/${encodeURIComponent(groupId)}`;
    const g = await this.describeGroup(groupId);
    return list(
      'KafkaConsumerList',
      `${gu}/consumers`,
      g.members.map((m) => ({
        kind: 'KafkaConsumer',
        metadata: {
          self: `${gu}/consumers/${encodeURIComponent(m.memberId)}`,
          resource_name: crn(id, `consumer-group=${groupId}`, `consumer=${m.memberId}`),
        },
        cluster_id: id,
        consumer_group_id: groupId,
        consumer_id: m.memberId,
        instance_id: m.groupInstanceId,
        client_id: m.clientId,
        host: m.clientHost,
        assignments: rel(`${gu}/consumers/${encodeURIComponent(m.memberId)}/assignments`),
        // Samsa adds the assignment itself, which Confluent serves one level down.
        assigned_partitions: m.assignment.map((a) => ({ topic_name: a.topic, partition_id: a.partition })),
      })),
    );
  }

  /** Committed offset, log end offset and lag for each partition the group has an offset for or is assigned. */
  async lagRows(groupId: string) {
    const g = await this.describeGroup(groupId);
    const committed = await this.admin.listGroupOffsets(groupId);
    const owner = new Map<string, (typeof g.members)[number]>();
    for (const m of g.members) for (const a of m.assignment) owner.set(`${a.topic}\u0000${a.partition}`, m);
    const keys = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const c of committed) keys.set(`${c.topic}\u0000${c.partition}`, { ...c, offset: c.offset });
    for (const m of g.members) {
      for (const a of m.assignment) {
        const k = `${a.topic}\u0000${a.partition}`;
        if (!keys.has(k)) keys.set(k, { topic: a.topic, partition: a.partition, offset: -1 });
      }
    }
    const parts = [...keys.values()];
    const ends = parts.length > 0 ? await this.admin.listOffsets(parts, 'latest') : [];
    return {
      group: g,
      rows: parts
        .map((p, i) => {
          const end = ends[i]?.offset ?? -1;
          const m = owner.get(`${p.topic}\u0000${p.partition}`);
          return {
            topic: p.topic,
            partition: p.partition,
            current: p.offset,
            end,
            lag: p.offset >= 0 ? Math.max(0, end - p.offset) : Math.max(0, end),
            consumerId: m?.memberId ?? '',
            instanceId: m?.groupInstanceId ?? null,
            clientId: m?.clientId ?? '',
          };
        })
        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
    };
  }

  async lags(r: RestRequest, asked: string, groupId: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const u = this.clusterUrl(r, id);
    const gu = `${u}/consumer-groups/${encodeURIComponent(groupId)}`;
    const { rows } = await this.lagRows(groupId);
    return list(
      'KafkaConsumerLagList',
      `${gu}/lags`,
      rows.map((l) => ({
        kind: 'KafkaConsumerLag',
        metadata: {
          self: `${gu}/lags/${encodeURIComponent(l.topic)}/partitions/${l.partition}`,
          resource_name: crn(id, `consumer-group=${groupId}`, `lag=${l.topic}`, `partition=${l.partition}`),
        },
        cluster_id: id,
        consumer_group_id: groupId,
        topic_name: l.topic,
        partition_id: l.partition,
        current_offset: l.current,
        log_end_offset: l.end,
        lag: l.lag,
        consumer_id: l.consumerId,
        instance_id: l.instanceId,
        client_id: l.clientId,
      })),
    );
  }

  async lagSummary(r: RestRequest, asked: string, groupId: string): Promise<Json> {
    const id = await this.clusterId(asked);
    const u = this.clusterUrl(r, id);
    const gu = `${u}/consumer-groups/${encodeURIComponent(groupId)}`;
    const { rows } = await this.lagRows(groupId);
    let max = rows[0];
    let total = 0;
    for (const l of rows) {
      total += l.lag;
      if (max === undefined || l.lag > max.lag) max = l;
    }
    return {
      kind: 'KafkaConsumerGroupLagSummary',
      metadata: { self: `${gu}/lag-summary`, resource_name: crn(id, `consumer-group=${groupId}`, 'lag-summary') },
      cluster_id: id,
      consumer_group_id: groupId,
      max_lag_consumer_id: max?.consumerId ?? '',
      max_lag_instance_id: max?.instanceId ?? null,
      max_lag_client_id: max?.clientId ?? '',
      max_lag_topic_name: max?.topic ?? '',
      max_lag_partition_id: max?.partition ?? 0,
      max_lag: max?.lag ?? 0,
      total_lag: total,
      max_lag_consumer: max?.consumerId ? rel(`${gu}/consumers/${encodeURIComponent(max.consumerId)}`) : null,
      max_lag_partition: max ? rel(`${u}/topics/${encodeURIComponent(max.topic)}/partitions/${max.partition}`) : null,
    };
  }

  // ------------------------------------------------------------------------------------------ ACLs

  async searchAcls(r: RestRequest, asked: string): Promise<Json> {
    const id = await this.clusterId(asked);
    return new AclsApi(this.admin).search(r, this.clusterUrl(r, id), id);
  }

  async createAcl(r: RestRequest, asked: string): Promise<null> {
    const id = await this.clusterId(asked);
    return new AclsApi(this.admin).create(r, this.clusterUrl(r, id), id);
  }

  async createAcls(r: RestRequest, asked: string): Promise<null> {
    await this.clusterId(asked);
    return new AclsApi(this.admin).createBatch(r);
  }

  async deleteAcls(r: RestRequest, asked: string): Promise<Json> {
    const id = await this.clusterId(asked);
    return new AclsApi(this.admin).delete(r, this.clusterUrl(r, id), id);
  }

  // ------------------------------------------------------------------------------------------ producing records

  /** Encodes one record request ({partition_id, headers, key, value, timestamp}) and sends it. */
  async produceOne(id: string, topic: string, rec: unknown): Promise<Json> {
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec))
      throw badRequest('A record must be a JSON object');
    const body = rec as Json;
    const partition = intField(body, 'partition_id');
    const key = encodeData(body['key'], 'key');
    const value = encodeData(body['value'], 'value');
    const headers = nameValueList(body, 'headers').map((x) => ({
      key: x.name,
      value: x.value === undefined ? Buffer.alloc(0) : Buffer.from(x.value, 'base64'),
    }));
    let timestamp: number | undefined;
    const ts = body['timestamp'];
    if (ts !== undefined && ts !== null) {
      timestamp = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
      if (!Number.isFinite(timestamp)) throw badRequest('timestamp must be an ISO-8601 date-time');
    }
    const t = await this.describeTopic(topic);
    if (partition !== undefined && !t.partitions.some((p) => p.partition === partition))
      throw new RestError(404, 40402, `Partition ${partition} of ${topic} not found`);
    const m = await this.clients.producer().send({
      topic,
      key: key?.bytes ?? null,
      value: value?.bytes ?? null,
      ...(partition !== undefined ? { partition } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      headers,
    });
    return {
      error_code: 200,
      cluster_id: id,
      topic_name: topic,
      partition_id: m.partition,
      offset: m.offset,
      timestamp: new Date(m.timestamp).toISOString(),
      key: key ? { type: key.type, size: key.bytes?.length ?? 0 } : null,
      value: value ? { type: value.type, size: value.bytes?.length ?? 0 } : null,
    };
  }

  /**
   * POST records: a single JSON record answers with its delivery report; a stream of concatenated JSON records
   * (Transfer-Encoding: chunked) answers with one report per record, in order, as each is acknowledged.
   */
  async produce(r: RestRequest, asked: string, topic: string): Promise<void> {
    const id = await this.clusterId(asked);
    await this.describeTopic(topic);
    const streaming = r.req.headers['transfer-encoding'] !== undefined && r.req.headers['content-length'] === undefined;
    if (!streaming) {
      const body = await jsonBody(r);
      sendJson(r.res, 200, await this.produceOne(id, topic, body));
      return;
    }
    r.res.writeHead(200, { 'content-type': 'application/json' });
    const parser = new ConcatenatedJson();
    let chain = Promise.resolve();
    const report = (rec: unknown) => {
      const p = this.produceOne(id, topic, rec).then(
        (ok) => ok,
        (e: unknown) => {
          const err = restErrorOf(e);
          return { error_code: err.code, message: err.message };
        },
      );
      chain = chain.then(async () => {
        r.res.write(`${JSON.stringify(await p)}\n`);
      });
    };
    await new Promise<void>((resolve) => {
      r.req.on('data', (chunk: Buffer) => {
        try {
          for (const rec of parser.push(chunk.toString('utf8'))) report(rec);
        } catch (e) {
          chain = chain.then(() => {
            r.res.write(`${JSON.stringify({ error_code: 400, message: (e as Error).message })}\n`);
          });
          r.req.destroy();
          resolve();
        }
      });
      r.req.on('end', () => resolve());
      r.req.on('error', () => resolve());
    });
    await chain;
    r.res.end();
  }
}

const CONFIG_SOURCES: Record<number, string> = {
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
};

/** Confluent's state names (Kafka's ConsumerGroupState enum). */
function groupState(s: string): string {
  switch (s) {
    case 'Stable':
      return 'STABLE';
    case 'Empty':
      return 'EMPTY';
    case 'Dead':
      return 'DEAD';
    case 'PreparingRebalance':
      return 'PREPARING_REBALANCE';
    case 'CompletingRebalance':
      return 'COMPLETING_REBALANCE';
    case 'Assigning':
      return 'ASSIGNING';
    case 'Reconciling':
      return 'RECONCILING';
    default:
      return 'UNKNOWN';
  }
}

/** Key or value data of a produce request: {type: JSON|STRING|BINARY, data}; a bare `data` is JSON. */
function encodeData(v: unknown, what: string): { type: string; bytes: Buffer | null } | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${what} must be an object with type and data`);
  const o = v as Json;
  const type = (stringField(o, 'type') ?? 'JSON').toUpperCase();
  const data = o['data'];
  if (type === 'JSON') return { type, bytes: data === undefined ? null : Buffer.from(JSON.stringify(data)) };
  if (data === undefined || data === null) return { type, bytes: null };
  if (typeof data !== 'string') throw badRequest(`${what}.data must be a string for type ${type}`);
  if (type === 'STRING') return { type, bytes: Buffer.from(data, 'utf8') };
  if (type === 'BINARY') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw badRequest(`${what}.data is not valid base64`);
    return { type, bytes: Buffer.from(data, 'base64') };
  }
  throw badRequest(`${what}.type ${type} is not supported here: use JSON, STRING or BINARY`);
}

/** Splits a stream of concatenated JSON objects (whitespace between them allowed) into parsed values. */
class ConcatenatedJson {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pos = 0;
  private start = -1;

  push(text: string): unknown[] {
    this.buf += text;
    const out: unknown[] = [];
    for (; this.pos < this.buf.length; this.pos++) {
      const ch = this.buf[this.pos]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '{') {
        if (this.depth++ === 0) this.start = this.pos;
      } else if (ch === '}') {
        if (--this.depth === 0) {
          out.push(JSON.parse(this.buf.slice(this.start, this.pos + 1)));
          this.buf = this.buf.slice(this.pos + 1);
          this.pos = -1;
          this.start = -1;
        } else if (this.depth < 0) throw new Error('unbalanced } in the record stream');
      } else if (this.depth === 0 && !/\s/.test(ch)) throw new Error(`unexpected '${ch}' between records`);
    }
    return out;
  }
}

/**
 * Adds the /v3 routes to a router; each handler returns a body (200 JSON), null (204) or answers itself. `apiOf`
 * gives the API of the caller's clients: the console's own, or those of the user who logged in.
 */
export function addV3Routes<R extends RestRequest>(router: Router<R>, apiOf: (r: R) => RestApi): void {
  const c = '/v3/clusters/:cluster';
  const t = `${c}/topics/:topic`;
  const on =
    (f: (api: RestApi, r: R, p: RouteParams) => unknown): RouteHandler<R> =>
    (r, p) =>
      f(apiOf(r), r, p) as ReturnType<RouteHandler<R>>;
  const cl = (p: RouteParams) => p['cluster']!;
  router
    .add(
      'GET',
      '/v3/clusters',
      on(async (api, r) => list('KafkaClusterList', `${r.base}/v3/clusters`, [await api.cluster(r)])),
    )
    .add(
      'GET',
      c,
      on((api, r, p) => api.cluster(r, p['cluster'])),
    )
    .add(
      'GET',
      `${c}/brokers`,
      on((api, r, p) => api.brokers(r, cl(p))),
    )
    .add(
      'GET',
      `${c}/brokers/:broker`,
      on((api, r, p) => api.broker(r, cl(p), intParam(p['broker'], 'Broker'))),
    )
    .add(
      'GET',
      `${c}/topics`,
      on((api, r, p) => api.topics(r, cl(p))),
    )
    .add(
      'POST',
      `${c}/topics`,
      on((api, r, p) => api.createTopic(r, cl(p))),
    )
    .add(
      'GET',
      t,
      on((api, r, p) => api.topic(r, cl(p), p['topic']!)),
    )
    .add(
      'PATCH',
      t,
      on((api, r, p) => api.updateTopic(r, cl(p), p['topic']!)),
    )
    .add(
      'DELETE',
      t,
      on((api, r, p) => api.deleteTopic(r, cl(p), p['topic']!)),
    )
    .add(
      'GET',
      `${t}/partitions`,
      on((api, r, p) => api.partitions(r, cl(p), p['topic']!)),
    )
    .add(
      'GET',
      `${t}/partitions/:partition`,
      on((api, r, p) => api.partition(r, cl(p), p['topic']!, intParam(p['partition'], 'Partition'))),
    )
    .add(
      'GET',
      `${t}/partitions/:partition/replicas`,
      on((api, r, p) => api.replicas(r, cl(p), p['topic']!, intParam(p['partition'], 'Partition'))),
    )
    .add(
      'GET',
      `${t}/configs`,
      on((api, r, p) => api.configs(r, cl(p), p['topic']!)),
    )
    .add(
      'POST',
      `${t}/configs:alter`,
      on((api, r, p) => api.alterConfigs(r, cl(p), p['topic']!)),
    )
    .add(
      'GET',
      `${t}/configs/:name`,
      on((api, r, p) => api.config(r, cl(p), p['topic']!, p['name']!)),
    )
    .add(
      'PUT',
      `${t}/configs/:name`,
      on((api, r, p) => api.updateConfig(r, cl(p), p['topic']!, p['name']!)),
    )
    .add(
      'DELETE',
      `${t}/configs/:name`,
      on((api, r, p) => api.resetConfig(r, cl(p), p['topic']!, p['name']!)),
    )
    .add(
      'POST',
      `${t}/records`,
      on((api, r, p) => api.produce(r, cl(p), p['topic']!)),
    )
    .add(
      'GET',
      `${c}/consumer-groups`,
      on((api, r, p) => api.groups(r, cl(p))),
    )
    .add(
      'GET',
      `${c}/consumer-groups/:group`,
      on((api, r, p) => api.group(r, cl(p), p['group']!)),
    )
    .add(
      'GET',
      `${c}/consumer-groups/:group/consumers`,
      on((api, r, p) => api.consumers(r, cl(p), p['group']!)),
    )
    .add(
      'GET',
      `${c}/consumer-groups/:group/lags`,
      on((api, r, p) => api.lags(r, cl(p), p['group']!)),
    )
    .add(
      'GET',
      `${c}/consumer-groups/:group/lag-summary`,
      on((api, r, p) => api.lagSummary(r, cl(p), p['group']!)),
    )
    .add(
      'GET',
      `${c}/acls`,
      on((api, r, p) => api.searchAcls(r, cl(p))),
    )
    .add(
      'POST',
      `${c}/acls`,
      on((api, r, p) => api.createAcl(r, cl(p))),
    )
    .add(
      'POST',
      `${c}/acls:batch`,
      on((api, r, p) => api.createAcls(r, cl(p))),
    )
    .add(
      'DELETE',
      `${c}/acls`,
      on((api, r, p) => api.deleteAcls(r, cl(p))),
    );
}
