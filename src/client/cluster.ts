/**
 * What a client knows about the cluster: brokers, topics, partition leaders, and one pooled connection per broker.
 * Metadata is fetched for the topics the client uses and refreshed when a broker says a leader moved, when a topic
 * is unknown, or when it gets old. Connections that fail are re-opened with exponential backoff.
 */
import { FindCoordinator } from '../protocol/messages/find-coordinator.js';
import { Metadata } from '../protocol/messages/metadata.js';
import type { Api, Encodable, ResponseOf } from '../protocol/schema.js';
import { BrokerConnection, type ClientTlsOptions, type SendOptions } from './connection.js';
import { ClientStateError, ConnectionError, ErrorCode, KafkaError, errorFor } from './errors.js';
import { silentLogger, type ClientLogger } from './logger.js';
import type { SaslOptions } from './sasl.js';

export interface ClientOptions {
  /** "host:port" or a list of them. */
  bootstrapServers: string | string[];
  clientId?: string;
  /** Time to wait for a response (default 30000). */
  requestTimeoutMs?: number;
  /** Time to wait for a TCP connection (default 10000). */
  connectTimeoutMs?: number;
  /** Backoff after a failed connection attempt, doubling up to reconnectBackoffMaxMs (default 50). */
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  /** Refresh metadata at least this often (default 300000). */
  metadataMaxAgeMs?: number;
  /** Retries of retriable failures for metadata and admin calls (default 5), with backoff from retryBackoffMs (100). */
  retries?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  logger?: ClientLogger;
  /** Whether metadata requests may create unknown topics (broker permitting). Default false. */
  allowAutoTopicCreation?: boolean;
  /** Connect to every broker with TLS (security.protocol SSL or SASL_SSL). */
  tls?: ClientTlsOptions;
  /** SASL credentials for SASL_PLAINTEXT / SASL_SSL listeners: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  sasl?: SaslOptions;
}

/** The security of a client's connections (what the broker's services are given besides a bootstrap address). */
export type ClientSecurity = Pick<ClientOptions, 'tls' | 'sasl'>;

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

interface NodeState {
  conn: BrokerConnection | undefined;
  opening: Promise<BrokerConnection> | undefined;
  failures: number;
  nextAttemptAt: number;
}

/** Pool ids at or below this are coordinator connections: COORDINATOR_BASE - nodeId. */
const COORDINATOR_BASE = -1_000_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function backoff(base: number, max: number, attempt: number): number {
  const exp = Math.min(max, base * 2 ** attempt);
  // Jitter of +-20% keeps many clients from retrying in lockstep.
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

function parseHostPort(s: string): { host: string; port: number } {
  const t = s.trim().replace(/^[a-zA-Z]+:\/\//, '');
  const i = t.lastIndexOf(':');
  if (i < 0) return { host: t, port: 9092 };
  let host = t.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(t.slice(i + 1)) };
}

export class Cluster {
  readonly clientId: string;
  readonly log: ClientLogger;
  readonly requestTimeoutMs: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly brokers = new Map<number, BrokerInfo>();
  readonly topics = new Map<string, TopicInfo>();
  clusterId: string | null = null;
  controllerId = -1;
  private readonly bootstrap: Array<{ host: string; port: number }>;
  private readonly nodes = new Map<number, NodeState>();
  /** Topics whose metadata the client keeps fresh. */
  private readonly interest = new Set<string>();
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private lastRefresh = 0;
  private closed = false;
  private bootstrapIndex = 0;
  private ageTimer: NodeJS.Timeout | undefined;
  /** Called after each metadata update (consumers re-route fetches, producers re-route batches). */
  readonly onMetadata: Array<() => void> = [];

  constructor(readonly opts: ClientOptions) {
    const list = Array.isArray(opts.bootstrapServers) ? opts.bootstrapServers : opts.bootstrapServers.split(',');
    this.bootstrap = list.filter((s) => s.trim() !== '').map(parseHostPort);
    if (this.bootstrap.length === 0) throw new ClientStateError('bootstrapServers is empty');
    this.clientId = opts.clientId ?? 'samsa';
    this.log = opts.logger ?? silentLogger;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30000;
    this.retries = opts.retries ?? 5;
    this.retryBackoffMs = opts.retryBackoffMs ?? 100;
    this.retryBackoffMaxMs = opts.retryBackoffMaxMs ?? 1000;
    const maxAge = opts.metadataMaxAgeMs ?? 300000;
    this.ageTimer = setInterval(
      () => {
        if (Date.now() - this.lastRefresh >= maxAge) this.refreshMetadata().catch(() => {});
      },
      Math.min(maxAge, 30000),
    );
    this.ageTimer.unref();
  }

  private newConnection(host: string, port: number, nodeId: number): BrokerConnection {
    return new BrokerConnection({
      host,
      port,
      nodeId,
      clientId: this.clientId,
      requestTimeoutMs: this.requestTimeoutMs,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 10000,
      logger: this.log,
      tls: this.opts.tls,
      ...(this.opts.sasl === undefined ? {} : { sasl: this.opts.sasl }),
    });
  }

  private checkOpen(): void {
    if (this.closed) throw new ClientStateError('the client is closed');
  }

  /** The pooled connection to a broker, opened (or re-opened after backoff) when needed. */
  async connection(nodeId: number): Promise<BrokerConnection> {
    this.checkOpen();
    let st = this.nodes.get(nodeId);
    if (st === undefined) {
      st = { conn: undefined, opening: undefined, failures: 0, nextAttemptAt: 0 };
      this.nodes.set(nodeId, st);
    }
    if (st.conn && !st.conn.closed) return st.conn;
    if (st.opening) return st.opening;
    const state = st;
    state.opening = (async () => {
      const wait = state.nextAttemptAt - Date.now();
      if (wait > 0) await sleep(wait);
      this.checkOpen();
      const addr =
        nodeId <= COORDINATOR_BASE
          ? this.brokers.get(COORDINATOR_BASE - nodeId)
          : nodeId < 0
            ? this.bootstrap[-nodeId - 1]
            : this.brokers.get(nodeId);
      if (!addr) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${nodeId} is not in the metadata`);
      const conn = this.newConnection(addr.host, addr.port, nodeId);
      try {
        await conn.connect();
      } catch (e) {
        conn.close();
        state.failures++;
        state.nextAttemptAt =
          Date.now() +
          backoff(this.opts.reconnectBackoffMs ?? 50, this.opts.reconnectBackoffMaxMs ?? 1000, state.failures - 1);
        throw e;
      }
      if (this.closed) {
        conn.close();
        this.checkOpen();
      }
      state.failures = 0;
      state.conn = conn;
      return conn;
    })().finally(() => {
      state.opening = undefined;
    });
    return state.opening;
  }

  /**
   * A second connection to a broker, for group coordination. Brokers answer the requests of one connection in
   * order, so commits and heartbeats must not queue behind a long-polling Fetch on the data connection.
   */
  coordinatorConnection(nodeId: number): Promise<BrokerConnection> {
    return this.connection(COORDINATOR_BASE - nodeId);
  }

  /**
   * The coordinator of a group (keyType 0) or transactional id (keyType 1), found with FindCoordinator in whichever
   * form the broker speaks (v4+ answer a list) and remembered as a broker; `what` names it in errors. Retried.
   */
  findCoordinator(key: string, keyType: 0 | 1, what: string): Promise<number> {
    return this.retry(async () => {
      const conn = await this.anyConnection();
      const v = conn.versions.get(FindCoordinator.key) ?? 0;
      const res = await conn.send(FindCoordinator, { key, keyType, coordinatorKeys: [key] });
      const c =
        v >= 4
          ? res.coordinators[0]
          : {
              nodeId: res.nodeId,
              host: res.host,
              port: res.port,
              errorCode: res.errorCode,
              errorMessage: res.errorMessage,
            };
      if (!c) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `no coordinator for ${what}`);
      if (c.errorCode !== 0) throw errorFor(c.errorCode, what, c.errorMessage);
      if (!this.brokers.has(c.nodeId))
        this.brokers.set(c.nodeId, { nodeId: c.nodeId, host: c.host, port: c.port, rack: null });
      return c.nodeId;
    });
  }

  /** Some live connection: a known broker if any answers, else a bootstrap server. */
  async anyConnection(): Promise<BrokerConnection> {
    this.checkOpen();
    for (const [id, st] of this.nodes) if (st.conn && !st.conn.closed && id >= 0) return st.conn;
    for (const [id, st] of this.nodes) if (st.conn && !st.conn.closed && id > COORDINATOR_BASE) return st.conn;
    const candidates: number[] = [...this.brokers.keys()];
    for (let i = 0; i < this.bootstrap.length; i++)
      candidates.push(-((this.bootstrapIndex + i) % this.bootstrap.length) - 1);
    let last: unknown;
    for (const id of candidates) {
      try {
        return await this.connection(id);
      } catch (e) {
        last = e;
        if (id < 0) this.bootstrapIndex++;
      }
    }
    throw last instanceof Error ? last : new ConnectionError('no broker is reachable');
  }

  /** Sends to any broker, retrying retriable failures on another connection. */
  async sendAny<Req, Res>(api: Api<Req, Res>, req: Encodable<Req>, opts?: SendOptions): Promise<Res> {
    return this.retry(async () => (await this.anyConnection()).send(api, req, opts));
  }

  /** Sends to one broker, retrying retriable failures. */
  async sendTo<Req, Res>(nodeId: number, api: Api<Req, Res>, req: Encodable<Req>, opts?: SendOptions): Promise<Res> {
    return this.retry(async () => (await this.connection(nodeId)).send(api, req, opts));
  }

  /** Runs `fn` again after backoff while it fails with a retriable error, up to `retries` times. */
  async retry<T>(fn: (attempt: number) => Promise<T>, retries = this.retries): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable || attempt >= retries || this.closed) throw e;
        this.log.debug('retrying after a retriable error', { error: e.message, attempt });
        await sleep(backoff(this.retryBackoffMs, this.retryBackoffMaxMs, attempt));
      }
    }
  }

  /** A version the broker and client both speak for `api`, from any live connection (connecting if needed). */
  async supports(api: Api): Promise<boolean> {
    return (await this.anyConnection()).supports(api);
  }

  /**
   * Makes sure metadata for these topics is known (fetching it if not) and keeps it fresh from now on. Topics the
   * broker does not know are left out of the map; their error is returned per topic.
   */
  async ensureTopics(topics: Iterable<string>): Promise<void> {
    let missing = false;
    for (const t of topics) {
      if (!this.interest.has(t)) this.interest.add(t);
      if (!this.topics.has(t)) missing = true;
    }
    if (missing) await this.refreshMetadata();
  }

  /** Stops tracking topics the client no longer uses. */
  forgetTopics(topics: Iterable<string>): void {
    for (const t of topics) {
      this.interest.delete(t);
      this.topics.delete(t);
    }
  }

  /**
   * Fetches metadata for the tracked topics. Concurrent callers share one request; a call made while one is in
   * flight schedules exactly one more, so a refresh asked for after a leader change always sees newer data.
   */
  refreshMetadata(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.retry(() => this.fetchMetadata([...this.interest], this.opts.allowAutoTopicCreation ?? false));
        } while (this.refreshAgain);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** One Metadata request. `topics` null means all topics. Updates the cache and returns the raw response. */
  async fetchMetadata(topics: string[] | null, allowAutoTopicCreation: boolean) {
    const conn = await this.anyConnection();
    const res = await conn.send(Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
    });
    this.applyMetadata(res, topics);
    return res;
  }

  private applyMetadata(res: ResponseOf<typeof Metadata>, asked: string[] | null): void {
    this.lastRefresh = Date.now();
    if (res.brokers.length > 0) {
      const seen = new Set<number>();
      for (const b of res.brokers) {
        seen.add(b.nodeId);
        const old = this.brokers.get(b.nodeId);
        if (old && (old.host !== b.host || old.port !== b.port)) this.dropConnection(b.nodeId);
        this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null });
      }
      for (const id of [...this.brokers.keys()]) {
        if (!seen.has(id)) {
          this.brokers.delete(id);
          this.dropConnection(id);
        }
      }
    }
    this.clusterId = res.clusterId ?? null;
    this.controllerId = res.controllerId ?? -1;
    const answered = new Set<string>();
    for (const t of res.topics) {
      if (t.name === null) continue;
      answered.add(t.name);
      if (t.errorCode !== 0) {
        this.topics.delete(t.name);
        continue;
      }
      const partitions: PartitionInfo[] = t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas ?? [],
          errorCode: p.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition);
      this.topics.set(t.name, {
        name: t.name,
        topicId: t.topicId ?? '',
        isInternal: t.isInternal ?? false,
        partitions,
      });
    }
    if (asked) for (const name of asked) if (!answered.has(name)) this.topics.delete(name);
    for (const cb of this.onMetadata) cb();
  }

  private dropConnection(nodeId: number): void {
    for (const id of [nodeId, COORDINATOR_BASE - nodeId]) {
      const st = this.nodes.get(id);
      if (st?.conn) st.conn.close();
      this.nodes.delete(id);
    }
  }

  /** Partition count of a known topic, or undefined. */
  partitionCount(topic: string): number | undefined {
    return this.topics.get(topic)?.partitions.length;
  }

  /** Leader node id of a partition, or -1 when unknown. */
  leaderFor(topic: string, partition: number): number {
    const p = this.topics.get(topic)?.partitions[partition];
    return p === undefined || p.partition !== partition ? -1 : p.leader;
  }

  /** The metadata error for a topic the broker refused, as a typed error (for callers that need the reason). */
  async topicError(topic: string): Promise<KafkaError | undefined> {
    const res = await this.sendAny(Metadata, { topics: [{ name: topic }], allowAutoTopicCreation: false });
    const t = res.topics.find((x) => x.name === topic);
    if (t && t.errorCode !== 0) return errorFor(t.errorCode, topic);
    return undefined;
  }

  /** Closes every connection. Pending requests fail with ConnectionError. */
  close(): void {
    this.closed = true;
    if (this.ageTimer) clearInterval(this.ageTimer);
    for (const st of this.nodes.values()) st.conn?.close();
    this.nodes.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
