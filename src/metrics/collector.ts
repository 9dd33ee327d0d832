/**
 * Prometheus metrics of a broker, named after Kafka's JMX metrics (the names kafka_exporter / jmx_exporter give
 * them), so dashboards and alerts written for Kafka read Samsa too.
 *
 * Two kinds of metric:
 * - counted as things happen, from the observation point (src/broker/observe.ts): requests, errors, connections,
 *   messages and bytes in and out. The hot path stays cheap: the request and traffic metrics are fast.ts's
 *   counters and histograms, whose children (plain number fields) are resolved once per topic or API version and
 *   kept in a map, so an append costs a map lookup and a few additions, once per batch and never per record; a
 *   request costs a map lookup, three bucket searches and a walk of only the response fields that hold error
 *   codes (error-codes.ts);
 * - read when Prometheus scrapes: partitions, leaders, replicas, log sizes, consumer group offsets and lag, group
 *   states, parked fetches (through broker-state.ts, the one place that knows where the broker keeps them).
 *
 * Node's own process metrics (event loop lag, heap, GC) come from prom-client's defaults, collected once per
 * process whatever number of brokers it runs.
 */
import diagnostics from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Broker } from '../broker/broker.js';
import { flushChannel, type FlushEvent } from '../storage/log-flusher.js';
import {
  CHANNEL_NAMES,
  type AppendEvent,
  type AuthFailureEvent,
  type AuthSuccessEvent,
  type ConnectionEvent,
  type FetchOutEvent,
  type IsrChangeEvent,
  type RequestEvent,
} from '../broker/observe.js';
import { errorName } from '../protocol/errors.js';
import { errorPlan, walkErrors } from './error-codes.js';
import { FastCounter, FastHistogram, type CounterChild, type HistogramChild } from './fast.js';
import {
  committedOffsets,
  fetchPurgatorySize,
  producePurgatorySize,
  groupStates,
  isOwnIsrChange,
  partitionStates,
  topicNames,
  type PartitionState,
} from './broker-state.js';

/** Request latency buckets in milliseconds, from a cached fetch to a long poll. */
const LATENCY_BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

let processRegistry: Registry | undefined;

/** Node's process metrics, registered once per process (their observers live as long as the process). */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

interface TopicCounters {
  messagesIn: CounterChild;
  bytesIn: CounterChild;
  bytesOut: CounterChild;
}

interface RequestCounters {
  requests: CounterChild;
  requestBytes: CounterChild;
  responseBytes: CounterChild;
  queueTime: HistogramChild;
  localTime: HistogramChild;
  totalTime: HistogramChild;
  apiKey: number;
  apiName: string;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly topics = new Map<string, TopicCounters>();
  private readonly apis = new Map<number, RequestCounters>();
  private readonly errorChildren = new Map<number, CounterChild>();
  private readonly connectionGauges = new Map<string, Gauge.Internal<string>>();

  private readonly messagesIn: FastCounter;
  private readonly bytesIn: FastCounter;
  private readonly bytesOut: FastCounter;
  private readonly requests: FastCounter;
  private readonly requestBytes: FastCounter;
  private readonly responseBytes: FastCounter;
  private readonly queueTime: FastHistogram;
  private readonly localTime: FastHistogram;
  private readonly totalTime: FastHistogram;
  private readonly errors: FastCounter;
  private readonly connections: Gauge<string>;
  private readonly connectionsCreated: Counter<string>;
  private readonly connectionsClosed: Counter<string>;
  private readonly flushTime: Histogram<string>;
  private readonly failedAuthentications: Counter<string>;
  private readonly successfulAuthentications: Counter<string>;
  private readonly successfulReauthentications: Counter<string>;
  private readonly isrShrinks: Counter<string>;
  private readonly isrExpands: Counter<string>;
  private closed = false;
  /** The partitions as read for the scrape under way. */
  private snapshot: PartitionState[] | undefined;

  constructor(private readonly broker: Broker) {
    const registers = [this.registry];
    this.messagesIn = new FastCounter(
      'kafka_server_brokertopicmetrics_messagesin_total',
      'Records appended by producers, per topic (BrokerTopicMetrics MessagesInPerSec)',
      ['topic'],
      registers,
    );
    this.bytesIn = new FastCounter(
      'kafka_server_brokertopicmetrics_bytesin_total',
      'Record batch bytes appended by producers, per topic (BrokerTopicMetrics BytesInPerSec)',
      ['topic'],
      registers,
    );
    this.bytesOut = new FastCounter(
      'kafka_server_brokertopicmetrics_bytesout_total',
      'Record batch bytes returned to consumers and followers, per topic (BrokerTopicMetrics BytesOutPerSec)',
      ['topic'],
      registers,
    );
    this.requests = new FastCounter(
      'kafka_network_requestmetrics_requests_total',
      'Requests answered, per API and version (RequestMetrics RequestsPerSec)',
      ['request', 'version'],
      registers,
    );
    this.requestBytes = new FastCounter(
      'kafka_network_requestmetrics_requestbytes_total',
      'Bytes of request frames received, per API (RequestMetrics RequestBytes)',
      ['request'],
      registers,
    );
    this.responseBytes = new FastCounter(
      'kafka_network_requestmetrics_responsebytes_total',
      'Bytes of response frames sent, per API',
      ['request'],
      registers,
    );
    const histogram = (name: string, help: string) =>
      new FastHistogram(name, help, ['request'], LATENCY_BUCKETS_MS, registers);
    this.queueTime = histogram(
      'kafka_network_requestmetrics_requestqueuetimems',
      'Milliseconds a request waited behind earlier requests of its connection (RequestMetrics RequestQueueTimeMs)',
    );
    this.localTime = histogram(
      'kafka_network_requestmetrics_localtimems',
      'Milliseconds from the start of handling to the response being written, long polls included ' +
        '(RequestMetrics LocalTimeMs)',
    );
    this.totalTime = histogram(
      'kafka_network_requestmetrics_totaltimems',
      'Milliseconds from a request being read to its response being written (RequestMetrics TotalTimeMs)',
    );
    this.errors = new FastCounter(
      'kafka_network_requestmetrics_errors_total',
      'Error codes in responses, per API and Kafka error name (RequestMetrics ErrorsPerSec, NONE left out)',
      ['request', 'error'],
      registers,
    );
    this.connections = new Gauge({
      name: 'kafka_server_socketservermetrics_connection_count',
      help: 'Open client connections, per listener (SocketServerMetrics connection-count)',
      labelNames: ['listener'],
      registers,
    });
    this.connectionsCreated = new Counter({
      name: 'kafka_server_socketservermetrics_connection_creation_total',
      help: 'Client connections accepted, per listener (SocketServerMetrics connection-creation-total)',
      labelNames: ['listener'],
      registers,
    });
    this.connectionsClosed = new Counter({
      name: 'kafka_server_socketservermetrics_connection_close_total',
      help: 'Client connections closed, per listener (SocketServerMetrics connection-close-total)',
      labelNames: ['listener'],
      registers,
    });
    this.flushTime = new Histogram({
      name: 'kafka_log_logflushstats_logflushrateandtimems',
      help: 'Milliseconds per flush round of a partition log, its fdatasyncs (LogFlushStats LogFlushRateAndTimeMs)',
      buckets: LATENCY_BUCKETS_MS,
      registers,
    });
    this.failedAuthentications = new Counter({
      name: 'kafka_server_socketservermetrics_failed_authentication_total',
      help: 'Failed SASL authentications, per listener (SocketServerMetrics failed-authentication-total)',
      labelNames: ['listener'],
      registers,
    });
    this.successfulAuthentications = new Counter({
      name: 'kafka_server_socketservermetrics_successful_authentication_total',
      help: 'Successful SASL authentications, per listener (SocketServerMetrics successful-authentication-total)',
      labelNames: ['listener'],
      registers,
    });
    this.successfulReauthentications = new Counter({
      name: 'kafka_server_socketservermetrics_successful_reauthentication_total',
      help: 'Successful SASL re-authentications (KIP-368), per listener (successful-reauthentication-total)',
      labelNames: ['listener'],
      registers,
    });
    diagnostics.subscribe(CHANNEL_NAMES.authFailure, this.onAuthFailure);
    diagnostics.subscribe(CHANNEL_NAMES.authSuccess, this.onAuthSuccess);
    this.isrShrinks = new Counter({
      name: 'kafka_server_replicamanager_isrshrinks_total',
      help: 'Times a partition led here lost in-sync replicas (ReplicaManager IsrShrinksPerSec)',
      registers,
    });
    this.isrExpands = new Counter({
      name: 'kafka_server_replicamanager_isrexpands_total',
      help: 'Times a partition led here gained in-sync replicas (ReplicaManager IsrExpandsPerSec)',
      registers,
    });
    this.stateMetrics(registers);
    diagnostics.subscribe(CHANNEL_NAMES.isr, this.onIsrChange);
    diagnostics.subscribe(flushChannel.name, this.onFlush);
    diagnostics.subscribe(CHANNEL_NAMES.append, this.onAppend);
    diagnostics.subscribe(CHANNEL_NAMES.fetchOut, this.onFetchOut);
    diagnostics.subscribe(CHANNEL_NAMES.request, this.onRequest);
    diagnostics.subscribe(CHANNEL_NAMES.connection, this.onConnection);
  }

  /** The exposition text: this broker's metrics, then the process's. */
  async text(): Promise<string> {
    this.snapshot = undefined;
    const own = await this.registry.metrics();
    this.snapshot = undefined;
    return `${own}\n${await processMetrics().metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops counting (unsubscribes from the observation point). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    diagnostics.unsubscribe(CHANNEL_NAMES.authFailure, this.onAuthFailure);
    diagnostics.unsubscribe(CHANNEL_NAMES.authSuccess, this.onAuthSuccess);
    diagnostics.unsubscribe(CHANNEL_NAMES.isr, this.onIsrChange);
    diagnostics.unsubscribe(flushChannel.name, this.onFlush);
    diagnostics.unsubscribe(CHANNEL_NAMES.append, this.onAppend);
    diagnostics.unsubscribe(CHANNEL_NAMES.fetchOut, this.onFetchOut);
    diagnostics.unsubscribe(CHANNEL_NAMES.request, this.onRequest);
    diagnostics.unsubscribe(CHANNEL_NAMES.connection, this.onConnection);
  }

  // ------------------------------------------------------------------------------------------ counted as it happens
  // Channels are process-wide: a process running several brokers (tests) counts each event in every collector.

  /** Only this broker's partitions: a process running several brokers (tests) publishes each one's changes. */
  private readonly onIsrChange = (m: unknown): void => {
    const e = m as IsrChangeEvent;
    if (!isOwnIsrChange(this.broker, e.topic, e.partition, e.after)) return;
    if (e.before.some((id) => !e.after.includes(id))) this.isrShrinks.inc();
    if (e.after.some((id) => !e.before.includes(id))) this.isrExpands.inc();
  };

  private readonly onFlush = (m: unknown): void => {
    this.flushTime.observe((m as FlushEvent).durationMs);
  };

  private topicCounters(topic: string): TopicCounters {
    let c = this.topics.get(topic);
    if (c === undefined) {
      c = {
        messagesIn: this.messagesIn.child(topic),
        bytesIn: this.bytesIn.child(topic),
        bytesOut: this.bytesOut.child(topic),
      };
      this.topics.set(topic, c);
    }
    return c;
  }

  private readonly onAppend = (m: unknown): void => {
    const e = m as AppendEvent;
    const c = this.topicCounters(e.topic);
    c.messagesIn.value += e.records;
    c.bytesIn.value += e.bytes;
  };

  private readonly onFetchOut = (m: unknown): void => {
    const e = m as FetchOutEvent;
    if (e.bytes > 0) this.topicCounters(e.topic).bytesOut.value += e.bytes;
  };

  private readonly onRequest = (m: unknown): void => {
    const e = m as RequestEvent;
    const key = e.apiKey * 1000 + e.apiVersion;
    let c = this.apis.get(key);
    if (c === undefined) {
      c = {
        requests: this.requests.child(e.apiName, String(e.apiVersion)),
        requestBytes: this.requestBytes.child(e.apiName),
        responseBytes: this.responseBytes.child(e.apiName),
        queueTime: this.queueTime.child(e.apiName),
        localTime: this.localTime.child(e.apiName),
        totalTime: this.totalTime.child(e.apiName),
        apiKey: e.apiKey,
        apiName: e.apiName,
      };
      this.apis.set(key, c);
    }
    c.requests.value++;
    c.requestBytes.value += e.requestBytes;
    c.responseBytes.value += e.responseBytes;
    this.queueTime.observe(c.queueTime, e.queueMs);
    this.localTime.observe(c.localTime, e.handleMs);
    this.totalTime.observe(c.totalTime, e.queueMs + e.handleMs);
    if (e.response !== null && typeof e.response === 'object') {
      this.errorsOf = c;
      const plan = errorPlan(e.apiKey);
      if (plan === undefined) this.countErrors(e.response, 0);
      else if (plan !== null) walkErrors(plan, e.response, this.countError);
    }
  };

  /** The API whose response is being walked for error codes. */
  private errorsOf: RequestCounters | undefined;

  /** Walks a response body of an API without a declaration for non-zero errorCode fields (buffers skipped). */
  private countErrors(node: object, depth: number): void {
    if (depth > 8) return;
    if (Array.isArray(node)) {
      for (const item of node) if (item !== null && typeof item === 'object') this.countErrors(item, depth + 1);
      return;
    }
    if (ArrayBuffer.isView(node)) return;
    for (const k in node) {
      const v = (node as Record<string, unknown>)[k];
      if (v === null || v === undefined) continue;
      if (typeof v === 'object') this.countErrors(v, depth + 1);
      else if (k === 'errorCode' && typeof v === 'number' && v !== 0) this.countError(v);
    }
  }

  private readonly countError = (code: number): void => {
    const api = this.errorsOf!;
    const key = api.apiKey * 100_000 + code;
    let c = this.errorChildren.get(key);
    if (c === undefined) {
      c = this.errors.child(api.apiName, errorName(code));
      this.errorChildren.set(key, c);
    }
    c.value++;
  };

  private readonly onAuthFailure = (m: unknown): void => {
    this.failedAuthentications.labels((m as AuthFailureEvent).listener).inc();
  };

  private readonly onAuthSuccess = (m: unknown): void => {
    const e = m as AuthSuccessEvent;
    (e.reauthentication ? this.successfulReauthentications : this.successfulAuthentications).labels(e.listener).inc();
  };

  private readonly onConnection = (m: unknown): void => {
    const e = m as ConnectionEvent;
    let g = this.connectionGauges.get(e.listener);
    if (g === undefined) {
      g = this.connections.labels(e.listener);
      this.connectionGauges.set(e.listener, g);
    }
    if (e.kind === 'open') {
      g.inc();
      this.connectionsCreated.labels(e.listener).inc();
    } else {
      g.dec();
      this.connectionsClosed.labels(e.listener).inc();
    }
  };

  // ------------------------------------------------------------------------------------------ read at scrape time

  private stateMetrics(registers: Registry[]): void {
    const broker = this.broker;
    // One snapshot of the partitions per scrape, shared by every gauge that reads them.
    const parts = (): PartitionState[] => {
      this.snapshot ??= partitionStates(broker);
      return this.snapshot;
    };
    const self = broker.nodeId;
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge<string>) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          fill(this);
        },
      });

    gauge('kafka_server_replicamanager_partitioncount', 'Partitions on this broker', [], (g) => g.set(parts().length));
    gauge('kafka_server_replicamanager_leadercount', 'Partitions this broker leads', [], (g) =>
      g.set(parts().filter((p) => p.leader === self).length),
    );
    gauge(
      'kafka_server_replicamanager_underreplicatedpartitions',
      'Partitions led here with fewer in-sync replicas than replicas',
      [],
      (g) => g.set(parts().filter((p) => p.leader === self && p.isr.length < p.replicas.length).length),
    );
    gauge('kafka_controller_kafkacontroller_offlinepartitionscount', 'Partitions without a leader', [], (g) =>
      g.set(parts().filter((p) => p.leader < 0).length),
    );
    gauge(
      'kafka_server_replicamanager_underminisrpartitioncount',
      'Partitions led here with fewer in-sync replicas than min.insync.replicas',
      [],
      (g) => {
        let n = 0;
        for (const p of parts()) {
          if (p.leader !== self) continue;
          const min = broker.topics.configOf(p.topic).minInsyncReplicas;
          if (p.isr.length < min) n++;
        }
        g.set(n);
      },
    );
    gauge(
      'kafka_server_delayedoperationpurgatory_purgatorysize',
      'Requests parked until they can complete, per purgatory (Fetch: long polls waiting for data; Produce: acks=all ' +
        'produces waiting for the in-sync replicas)',
      ['delayedOperation'],
      (g) => {
        g.labels('Fetch').set(fetchPurgatorySize(broker));
        g.labels('Produce').set(producePurgatorySize(broker));
      },
    );
    const perPartition = ['topic', 'partition'];
    gauge('kafka_log_log_size', 'Bytes of the partition log on this broker', perPartition, (g) => {
      for (const p of parts()) g.labels(p.topic, String(p.partition)).set(p.size);
    });
    gauge('kafka_log_log_numlogsegments', 'Segments of the partition log', perPartition, (g) => {
      for (const p of parts()) g.labels(p.topic, String(p.partition)).set(p.segments);
    });
    gauge('kafka_log_log_logstartoffset', 'First offset of the partition log', perPartition, (g) => {
      for (const p of parts()) g.labels(p.topic, String(p.partition)).set(p.logStartOffset);
    });
    gauge('kafka_log_log_logendoffset', 'Offset after the last record of the partition log', perPartition, (g) => {
      for (const p of parts()) g.labels(p.topic, String(p.partition)).set(p.logEndOffset);
    });
    gauge(
      'kafka_topic_partition_current_offset',
      'High watermark of a partition (as kafka_exporter)',
      perPartition,
      (g) => {
        for (const p of parts()) if (!p.internal) g.labels(p.topic, String(p.partition)).set(p.highWatermark);
      },
    );
    gauge('kafka_topic_partition_replicas', 'Replicas of a partition (as kafka_exporter)', perPartition, (g) => {
      for (const p of parts()) if (!p.internal) g.labels(p.topic, String(p.partition)).set(p.replicas.length);
    });
    gauge(
      'kafka_topic_partition_in_sync_replica',
      'In-sync replicas of a partition (as kafka_exporter)',
      perPartition,
      (g) => {
        for (const p of parts()) if (!p.internal) g.labels(p.topic, String(p.partition)).set(p.isr.length);
      },
    );
    gauge(
      'kafka_topic_partition_leader',
      'Leader node id of a partition, -1 when offline (as kafka_exporter)',
      perPartition,
      (g) => {
        for (const p of parts()) if (!p.internal) g.labels(p.topic, String(p.partition)).set(p.leader);
      },
    );

    const groupLabels = ['consumergroup', 'topic', 'partition'];
    const lags = (): Array<{ group: string; topic: string; partition: number; offset: number; lag: number }> => {
      const hw = new Map<string, number>();
      for (const p of parts()) hw.set(`${p.topic}\u0000${p.partition}`, p.highWatermark);
      const out = [];
      for (const c of committedOffsets(broker)) {
        const end = hw.get(`${c.topic}\u0000${c.partition}`);
        if (end === undefined) continue;
        out.push({ ...c, lag: Math.max(0, end - c.offset) });
      }
      return out;
    };
    gauge(
      'kafka_consumergroup_current_offset',
      'Committed offset of a group on a partition (as kafka_exporter)',
      groupLabels,
      (g) => {
        for (const c of committedOffsets(broker)) g.labels(c.group, c.topic, String(c.partition)).set(c.offset);
      },
    );
    gauge(
      'kafka_consumergroup_lag',
      'High watermark minus committed offset of a group on a partition (as kafka_exporter)',
      groupLabels,
      (g) => {
        for (const l of lags()) g.labels(l.group, l.topic, String(l.partition)).set(l.lag);
      },
    );
    gauge(
      'kafka_consumergroup_lag_sum',
      'Lag of a group summed over the partitions of a topic (as kafka_exporter)',
      ['consumergroup', 'topic'],
      (g) => {
        const sums = new Map<string, { group: string; topic: string; lag: number }>();
        for (const l of lags()) {
          const k = `${l.group}\u0000${l.topic}`;
          const s = sums.get(k);
          if (s) s.lag += l.lag;
          else sums.set(k, { group: l.group, topic: l.topic, lag: l.lag });
        }
        for (const s of sums.values()) g.labels(s.group, s.topic).set(s.lag);
      },
    );
    gauge('kafka_consumergroup_members', 'Members of a group (as kafka_exporter)', ['consumergroup'], (g) => {
      for (const s of groupStates(broker)) g.labels(s.group).set(s.members);
    });
    gauge(
      'kafka_consumergroup_state',
      'Current state of a group: 1 for its state, per group, state and type (classic or consumer)',
      ['consumergroup', 'state', 'type'],
      (g) => {
        for (const s of groupStates(broker)) g.labels(s.group, s.state, s.type).set(1);
      },
    );
    gauge(
      'kafka_coordinator_group_groupmetadatamanager_numgroups',
      'Groups coordinated here, per state (GroupMetadataManager NumGroups<State>)',
      ['state'],
      (g) => {
        const n = new Map<string, number>();
        for (const s of groupStates(broker)) n.set(s.state, (n.get(s.state) ?? 0) + 1);
        for (const [state, count] of n) g.labels(state).set(count);
      },
    );
    // Deleted topics stop being reported: their counters go at the next scrape.
    gauge('samsa_metrics_topics', 'Topics with traffic counters in this collector', [], (g) => {
      const live = topicNames(broker);
      for (const topic of [...this.topics.keys()]) {
        if (live.has(topic)) continue;
        this.topics.delete(topic);
        this.messagesIn.remove(topic);
        this.bytesIn.remove(topic);
        this.bytesOut.remove(topic);
      }
      g.set(this.topics.size);
    });
  }
}
