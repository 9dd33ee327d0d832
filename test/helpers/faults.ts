/**
 * The fault harness: a real etcd and three brokers as child processes (startCluster with `processes: true`, so each
 * broker is `samsa start --override etcd.endpoints=... --override node.id=N ...` on a free port with its own data
 * dir), which a test kills with SIGKILL, pauses with SIGSTOP/SIGCONT and restarts on the same data; etcd is killed
 * and restarted on its own data the same way.
 *
 * Around it: a writer (KafkaJS's idempotent producer, acks=all) appending sequence-numbered records to every
 * partition of a replicated topic throughout a fault and keeping every acknowledged (partition, offset, value); a
 * verifier that reads every partition back with kcat and checks each acknowledged record is there exactly once,
 * at its acknowledged offset, in order; a check that the cluster healed (every broker reports every replica in
 * the ISR and a leader for every partition); and a comparison of the replicas' logs, read from each broker's
 * segment files through src/storage once the brokers are stopped.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Kafka, Producer, RecordMetadata } from 'kafkajs';
import { FindCoordinator } from '../../src/protocol/messages/find-coordinator.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { type BatchHeader, readBatchHeader } from '../../src/protocol/records/batch.js';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD } from '../../src/protocol/records/layout.js';
import { startCluster, type ClusterBroker, type LocalCluster } from '../../src/server/cluster.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { kcatConsumeAll, requireClient } from './clients.js';
import { requireEtcd } from './etcd.js';
import { RawClient } from './raw-client.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How many rounds a fault scenario runs: FAULT_ROUNDS, else `ci` (a few, for the ordinary test run). */
export function faultRounds(ci: number): number {
  const n = Number(process.env['FAULT_ROUNDS']);
  return Number.isInteger(n) && n > 0 ? n : ci;
}

/** Session timeout of the fault cluster's brokers: a dead or paused broker loses its leaderships after this. */
export const SESSION_MS = 2000;

/** Broker config of the fault cluster: RF 3 everywhere, min.insync.replicas 2, short sessions. */
export const FAULT_CONFIG: Record<string, string> = {
  'broker.session.timeout.ms': String(SESSION_MS),
  'broker.heartbeat.interval.ms': '300',
  'num.partitions': '3',
  'default.replication.factor': '3',
  'min.insync.replicas': '2',
  'offsets.topic.replication.factor': '3',
  'offsets.topic.num.partitions': '6',
  'transaction.state.log.replication.factor': '3',
  'transaction.state.log.min.isr': '2',
  'transaction.state.log.num.partitions': '3',
  'replica.lag.time.max.ms': '5000',
  'auto.leader.rebalance.enable': 'false',
  'unclean.leader.election.enable': 'false',
};

/**
 * Call at the top of a fault test: true when etcd, kcat and KafkaJS are there. Otherwise the test fails under
 * SAMSA_REQUIRE_CLIENTS=1 and is skipped with a visible notice without it.
 */
export function requireFaultTools(t: TestContext): boolean {
  return requireEtcd(t) && requireClient(t, 'kcat') && requireClient(t, 'kafkajs');
}

export interface PartitionView {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

export interface TopicView {
  controller: number;
  brokers: number[];
  errorCode: number;
  partitions: PartitionView[];
}

/** `topic` as the broker on `port` describes it (Metadata v9). */
export async function describeTopic(port: number, topic: string): Promise<TopicView> {
  const c = await RawClient.connect(port);
  try {
    const r = await Promise.race([
      c.send(Metadata, 9, {
        topics: [{ name: topic }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      }),
      sleep(5000).then(() => {
        throw new Error(`Metadata from port ${port} took over 5 s`);
      }),
    ]);
    const t = r.topics[0]!;
    return {
      controller: r.controllerId,
      brokers: r.brokers.map((b) => b.nodeId).sort(),
      errorCode: t.errorCode,
      partitions: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: [...p.replicaNodes].sort(),
          isr: [...p.isrNodes].sort(),
          offline: [...p.offlineReplicas].sort(),
        }))
        .sort((a, b) => a.partition - b.partition),
    };
  } finally {
    c.close();
  }
}

export interface FaultCluster {
  readonly cluster: LocalCluster;
  /** host:port of all three brokers (clients bootstrap from every one, running or not). */
  readonly bootstrap: string;
  readonly ids: number[];
  broker(id: number): ClusterBroker;
  /** Running and not paused. */
  live(id: number): boolean;
  /** kill -9. */
  kill(id: number): Promise<void>;
  /** SIGSTOP: the process keeps its sockets and answers nothing; its etcd session runs out. */
  pause(id: number): void;
  /** SIGCONT after pause. */
  resume(id: number): void;
  /** Start a killed broker again with the same node id, port and data dir (waits until it listens). */
  restart(id: number): Promise<void>;
  /** kill -9 of every broker. */
  killAll(): Promise<void>;
  /** etcd: kill -9 and start again on the same data; `downMs` in between. */
  restartEtcd(downMs: number): Promise<void>;
  /** The controller as a live broker reports it (-1: none). */
  controller(): Promise<number>;
  /** A topic as a live broker describes it. */
  describe(topic: string): Promise<TopicView>;
  /** Leader of a partition as a live broker reports it. */
  leaderOf(topic: string, partition: number): Promise<number>;
  /**
   * Waits until every live broker reports, for every partition of every topic, a leader, the ISR equal to the
   * replicas (all three) and no offline replica, all brokers agreeing. Resolves with the time it took.
   */
  waitHealed(topics: string[], timeoutMs?: number): Promise<number>;
  /** KafkaJS bootstrapped with all three brokers. */
  kafka(clientId: string): Promise<Kafka>;
  /** Creates an RF 3 topic (min.insync.replicas 2) through KafkaJS and waits until it is healed. */
  createTopic(topic: string, partitions: number): Promise<void>;
  /** The last lines every broker wrote, for failure messages. */
  diagnostics(lines?: number): string;
  /** Stops every broker (SIGTERM; SIGKILL if paused), then etcd; removes the data. */
  close(): Promise<void>;
}

/** Starts etcd and three brokers as child processes; `config` is added to FAULT_CONFIG. */
export async function startFaultCluster(config: Record<string, string> = {}): Promise<FaultCluster> {
  const cluster = await startCluster({ brokers: 3, processes: true, config: { ...FAULT_CONFIG, ...config } });
  const paused = new Set<number>();
  const ids = cluster.brokers.map((b) => b.nodeId);
  const broker = (id: number): ClusterBroker => {
    const b = cluster.brokers.find((x) => x.nodeId === id);
    if (b === undefined) throw new Error(`no broker ${id}`);
    return b;
  };
  const live = (id: number): boolean => broker(id).running() && !paused.has(id);
  const anyLive = (): ClusterBroker => {
    const b = cluster.brokers.find((x) => live(x.nodeId));
    if (b === undefined) throw new Error('no broker is running');
    return b;
  };
  const describe = (topic: string): Promise<TopicView> => describeTopic(anyLive().port, topic);

  const fc: FaultCluster = {
    cluster,
    bootstrap: cluster.bootstrap,
    ids,
    broker,
    live,
    kill: async (id) => {
      paused.delete(id);
      await broker(id).kill();
    },
    pause: (id) => {
      broker(id).process?.kill('SIGSTOP');
      paused.add(id);
    },
    resume: (id) => {
      broker(id).process?.kill('SIGCONT');
      paused.delete(id);
    },
    restart: async (id) => {
      paused.delete(id);
      await broker(id).restart();
    },
    killAll: async () => {
      paused.clear();
      await Promise.all(cluster.brokers.map((b) => b.kill()));
    },
    restartEtcd: async (downMs) => {
      const etcd = cluster.etcd;
      if (etcd === undefined) throw new Error('the fault cluster runs its own etcd');
      await etcd.kill();
      await sleep(downMs);
      await etcd.restart();
    },
    controller: async () => (await describe('__none__')).controller,
    describe,
    leaderOf: async (topic, partition) => {
      const p = (await describe(topic)).partitions.find((x) => x.partition === partition);
      return p?.leader ?? -1;
    },
    waitHealed: async (topics, timeoutMs = 60_000) => {
      const start = Date.now();
      let last = '';
      for (;;) {
        try {
          const running = cluster.brokers.filter((b) => live(b.nodeId));
          const problems: string[] = [];
          if (running.length !== ids.length) problems.push(`live brokers ${running.map((b) => b.nodeId)}`);
          const first = new Map<string, string>();
          for (const b of running) {
            for (const topic of topics) {
              const v = await describeTopic(b.port, topic);
              if (v.brokers.length !== ids.length) problems.push(`broker ${b.nodeId} sees brokers ${v.brokers}`);
              if (v.controller < 0) problems.push(`broker ${b.nodeId} sees no controller`);
              if (v.errorCode !== 0 || v.partitions.length === 0)
                problems.push(`broker ${b.nodeId}: ${topic} error ${v.errorCode}`);
              for (const p of v.partitions) {
                if (p.leader < 0) problems.push(`${topic}-${p.partition} has no leader`);
                if (p.replicas.length !== ids.length || p.isr.join() !== p.replicas.join() || p.offline.length > 0)
                  problems.push(
                    `${topic}-${p.partition} on ${b.nodeId}: replicas ${p.replicas} isr ${p.isr} offline ${p.offline}`,
                  );
              }
              const seen = JSON.stringify(v.partitions);
              const other = first.get(topic);
              if (other === undefined) first.set(topic, seen);
              else if (other !== seen) problems.push(`brokers disagree on ${topic}: ${other} / ${seen}`);
            }
          }
          if (problems.length === 0) return Date.now() - start;
          last = problems.slice(0, 6).join('; ');
        } catch (err) {
          last = (err as Error).message;
        }
        if (Date.now() - start > timeoutMs)
          throw new Error(`cluster did not heal in ${timeoutMs} ms: ${last}\n${fc.diagnostics()}`);
        await sleep(200);
      }
    },
    kafka: async (clientId) => {
      const { Kafka, logLevel } = await import('kafkajs');
      const addresses = cluster.bootstrap.split(',');
      return new Kafka({
        clientId,
        // KafkaJS 2.2.4 bootstraps every new client (each producer, consumer and admin has its own) from the
        // first address of a list, and when that broker accepts the connection but never answers (a paused
        // process: the kernel completes the handshake), its ApiVersions times out, the seed broker is not
        // rotated (only connection errors rotate it), the retry takes the open socket for a connected broker and
        // the client fails with "Broker not connected": no new client can start while the first broker of the
        // list is paused. Given the list in random order, each client starts at a random broker, as Kafka's Java
        // client does (it picks a random bootstrap node and drops a connection whose request timed out).
        brokers: () => shuffled(addresses),
        logLevel: logLevel.NOTHING,
        connectionTimeout: 2000,
        // A paused broker accepts connections (the kernel does) but never answers: give up on it soon.
        requestTimeout: 3000,
        retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
      });
    },
    createTopic: async (topic, partitions) => {
      const admin = (await fc.kafka('samsa-faults-admin')).admin();
      await admin.connect();
      try {
        await admin.createTopics({
          topics: [
            {
              topic,
              numPartitions: partitions,
              replicationFactor: 3,
              configEntries: [{ name: 'min.insync.replicas', value: '2' }],
            },
          ],
          waitForLeaders: true,
        });
      } finally {
        await admin.disconnect();
      }
      await fc.waitHealed([topic], 30_000);
    },
    diagnostics: (lines = 12) =>
      cluster.brokers
        .map((b) => `--- broker ${b.nodeId} (${b.running() ? 'running' : 'stopped'}) ---\n${tail(b.output(), lines)}`)
        .join('\n'),
    close: async () => {
      for (const id of paused) broker(id).process?.kill('SIGCONT');
      paused.clear();
      await cluster.stop();
    },
  };
  return fc;
}

/** A copy of `xs` in random order (Fisher-Yates). */
function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const tail = (s: string, lines: number): string => s.trimEnd().split('\n').slice(-lines).join('\n');

/** Starts a fault cluster for one test and closes it after; failures carry the brokers' last lines. */
export async function withFaultCluster<T>(
  t: TestContext,
  fn: (c: FaultCluster) => Promise<T>,
  config: Record<string, string> = {},
): Promise<T> {
  const c = await startFaultCluster(config);
  t.after(() => c.close());
  try {
    return await fn(c);
  } catch (err) {
    if (err instanceof Error && !err.message.includes('--- broker ')) err.message += `\n${c.diagnostics()}`;
    throw err;
  }
}

/**
 * Sends `messages` to `topic` with one `producer.send` per partition, all at once (acks=all), and resolves when
 * every send has settled: the results of those that succeeded and the errors of those that failed.
 *
 * One send per partition, because KafkaJS 2.2.4 mishandles a send that spans several leaders when one of them
 * fails: (1) it retries at once while the requests to the other leaders may still be waiting for acks=all; the
 * retry builds a new request for such a leader, which waits for the client's per-broker lock and, when the first
 * request then succeeds, is sent with the partition's sequence already advanced past it, so the same records go
 * out again as a new batch that any broker appends (test/replication/idempotent-resend.test.ts; the cause of the
 * records the etcd-restart fault read twice: their stored batches had the next sequence number); (2) its retry skips brokers that answered the first attempt, so a partition
 * whose leadership moved to such a broker is left out of the result. With one partition per send each attempt
 * has one request, retried only after it failed, with its sequence rolled back: a retry of records the broker
 * already holds carries their sequence and is answered as a duplicate.
 */
export async function sendPerPartition(
  producer: Producer,
  topic: string,
  messages: ReadonlyArray<{ partition: number; value: string }>,
  timeoutMs = 10_000,
): Promise<{ meta: RecordMetadata[]; errors: Error[] }> {
  const byPartition = new Map<number, Array<{ partition: number; value: string }>>();
  for (const m of messages) {
    const list = byPartition.get(m.partition);
    if (list === undefined) byPartition.set(m.partition, [m]);
    else list.push(m);
  }
  const settled = await Promise.allSettled(
    [...byPartition.values()].map((list) => producer.send({ topic, acks: -1, timeout: timeoutMs, messages: list })),
  );
  const meta: RecordMetadata[] = [];
  const errors: Error[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') meta.push(...s.value);
    else errors.push(s.reason as Error);
  }
  return { meta, errors };
}

export interface Acked {
  offset: number;
  value: string;
  seq: number;
  /** Which of the writer's producers (1, 2, ...) got the acknowledgement. */
  producer: number;
  /** When the send started and when it was acknowledged (ms since epoch). */
  sentAt: number;
  ackedAt: number;
}

export interface WriterStats {
  sends: number;
  failedSends: number;
  /** Sends whose result the client returned without some partition (see FaultWriter.run). */
  incomplete: number;
  /** Producers created (a new one after each failed send). */
  producers: number;
  acked: number;
}

/**
 * KafkaJS's idempotent producer (acks=all) writing `batch` sequence-numbered records (`p<partition>-<seq>`) to
 * every partition per send, from start() until stop(), keeping every acknowledged record with its offset. A send
 * that fails after the client's retries leaves its records unacknowledged (they may or may not be in the log, but
 * never twice); the producer is then replaced, so the next records start a fresh producer id rather than reuse
 * sequence numbers the broker may already hold.
 */
export class FaultWriter {
  readonly acked = new Map<number, Acked[]>();
  readonly stats: WriterStats = { sends: 0, failedSends: 0, incomplete: 0, producers: 0, acked: 0 };
  /** When each acknowledged send started and when it was acknowledged, per partition (ms since epoch). */
  readonly ackTimes = new Map<number, Array<{ sentAt: number; ackedAt: number }>>();
  lastError: string | undefined;
  private seq = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    readonly partitions: number[],
    private readonly batch = 5,
    private readonly pauseMs = 20,
  ) {
    for (const p of partitions) {
      this.acked.set(p, []);
      this.ackTimes.set(p, []);
    }
  }

  start(): void {
    this.loop = this.run();
  }

  /** Resolves once at least `n` more records were acknowledged (or throws after `timeoutMs`). */
  async waitForAcks(n: number, timeoutMs = 30_000): Promise<void> {
    const target = this.stats.acked + n;
    const start = Date.now();
    while (this.stats.acked < target) {
      if (Date.now() - start > timeoutMs)
        throw new Error(
          `writer: fewer than ${n} acknowledgements in ${timeoutMs} ms (${JSON.stringify(this.stats)}, last error: ${this.lastError})`,
        );
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }

  private async newProducer(): Promise<Producer> {
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // KafkaJS retries a request that timed out (a paused leader) on its cached metadata, refreshed only when
      // older than this (default 5 min): all its retries then go to the same broker. Kafka's Java producer asks for
      // new metadata after a timeout; refreshing at most a second old gives KafkaJS about that behaviour.
      metadataMaxAge: 1000,
    });
    await p.connect();
    this.stats.producers++;
    return p;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        this.producer ??= await this.newProducer();
      } catch (err) {
        this.lastError = `connect: ${(err as Error).message}`;
        await sleep(200);
        continue;
      }
      const sent = new Map<number, Array<{ value: string; seq: number }>>();
      const messages: Array<{ partition: number; value: string }> = [];
      for (const partition of this.partitions) {
        const list: Array<{ value: string; seq: number }> = [];
        for (let i = 0; i < this.batch; i++) {
          const seq = this.seq++;
          const value = `p${partition}-${seq}`;
          list.push({ value, seq });
          messages.push({ partition, value });
        }
        sent.set(partition, list);
      }
      this.stats.sends++;
      const sentAt = Date.now();
      try {
        const { meta, errors } = await sendPerPartition(this.producer, this.topic, messages);
        const now = Date.now();
        for (const m of meta) {
          if (m.errorCode !== 0) continue;
          const base = Number(m.baseOffset);
          const list = sent.get(m.partition)!;
          const acked = this.acked.get(m.partition)!;
          for (const [i, r] of list.entries())
            acked.push({
              offset: base + i,
              value: r.value,
              seq: r.seq,
              producer: this.stats.producers,
              sentAt,
              ackedAt: now,
            });
          this.ackTimes.get(m.partition)!.push({ sentAt, ackedAt: now });
          this.stats.acked += list.length;
        }
        if (errors.length > 0) throw errors[0]!;
        // A partition missing from a result (KafkaJS 2.2.4 can leave one out when a send spans several leaders, see
        // sendPerPartition) counts as failed: its records unacknowledged, and the producer is replaced so that the
        // next records do not reuse its sequence.
        const missing = this.partitions.filter((p) => !meta.some((m) => m.partition === p && m.errorCode === 0));
        if (missing.length > 0) {
          this.stats.incomplete++;
          throw new Error(`the client's result left out partition(s) ${missing}`);
        }
      } catch (err) {
        this.stats.failedSends++;
        this.lastError = (err as Error).message;
        const old = this.producer;
        this.producer = undefined;
        await old.disconnect().catch(() => undefined);
        await sleep(100);
      }
      if (this.pauseMs > 0) await sleep(this.pauseMs);
    }
  }
}

/** A value read twice from a partition: at `first` and again at `second`. */
export interface Duplicate {
  partition: number;
  value: string;
  first: number;
  second: number;
}

/** verifyTopic's failure; `duplicates` lists the values read twice (for describeDuplicates). */
export class VerificationError extends Error {
  constructor(
    message: string,
    readonly duplicates: Duplicate[],
  ) {
    super(message);
  }
}

export interface PartitionCheck {
  partition: number;
  acked: number;
  read: number;
  /** Records read that were never acknowledged (sends that failed but reached the log). */
  unacked: number;
}

/**
 * Reads every partition of `topic` from the beginning with kcat and checks, per partition: every acknowledged
 * record is at its acknowledged offset, no value is there twice (acknowledged or not), the acknowledged records
 * come in the order they were sent, and every record belongs to the partition. Throws an assertion-style error
 * naming the first problems; resolves with the counts.
 */
export async function verifyTopic(
  bootstrap: string,
  topic: string,
  acked: Map<number, Acked[]>,
): Promise<PartitionCheck[]> {
  const out: PartitionCheck[] = [];
  const problems: string[] = [];
  const duplicates: Duplicate[] = [];
  for (const [partition, list] of acked) {
    // Up to the last acknowledged offset (the writer may still be adding records behind it), or to the end.
    const upTo = list.length > 0 ? ['-c', String(list.at(-1)!.offset + 1)] : [];
    const read = await kcatConsumeAll(bootstrap, topic, ['-p', String(partition), ...upTo], { timeoutMs: 120_000 });
    const byOffset = new Map<number, string>();
    const seen = new Map<string, number>();
    let lastOffset = -1;
    for (const m of read) {
      const value = m.payload ?? '';
      if (m.offset <= lastOffset) problems.push(`${topic}-${partition}: offset ${m.offset} read after ${lastOffset}`);
      lastOffset = m.offset;
      byOffset.set(m.offset, value);
      if (seen.has(value)) {
        problems.push(`${topic}-${partition}: ${value} at offsets ${seen.get(value)} and ${m.offset} (duplicate)`);
        duplicates.push({ partition, value, first: seen.get(value)!, second: m.offset });
      }
      seen.set(value, m.offset);
      if (!value.startsWith(`p${partition}-`)) problems.push(`${topic}-${partition}: foreign record ${value}`);
    }
    let prev: Acked | undefined;
    let missing = 0;
    for (const a of list) {
      const got = byOffset.get(a.offset);
      if (got !== a.value) {
        missing++;
        if (missing === 1) {
          const i = list.indexOf(a);
          const around = list.slice(Math.max(0, i - 6), i + 6);
          problems.push(
            `${topic}-${partition} acknowledged around the first miss (value@offset producer sent..acked): ${around.map((x) => `${x.value}@${x.offset} #${x.producer} ${x.sentAt % 100000}..${x.ackedAt % 100000}`).join(', ')}`,
            `${topic}-${partition} read around it: ${read
              .filter((m) => Math.abs(m.offset - a.offset) <= 12)
              .map((m) => `${m.payload}@${m.offset}`)
              .join(', ')}`,
          );
        }
        if (missing <= 5)
          problems.push(
            `${topic}-${partition}: acknowledged ${a.value} at offset ${a.offset}, read ${got === undefined ? 'nothing' : got}` +
              (seen.has(a.value) ? ` (${a.value} is at ${seen.get(a.value)})` : ''),
          );
      }
      if (prev !== undefined && (a.seq <= prev.seq || a.offset <= prev.offset))
        problems.push(`${topic}-${partition}: ${a.value}@${a.offset} acknowledged after ${prev.value}@${prev.offset}`);
      prev = a;
    }
    if (missing > 5) problems.push(`${topic}-${partition}: ${missing} acknowledged records missing or moved in all`);
    const ackedValues = new Set(list.map((a) => a.value));
    out.push({
      partition,
      acked: list.length,
      read: read.length,
      unacked: read.filter((m) => !ackedValues.has(m.payload ?? '')).length,
    });
  }
  if (problems.length > 0)
    throw new VerificationError(
      `verification of ${topic} failed:\n  ${problems.slice(0, 20).join('\n  ')}`,
      duplicates,
    );
  return out;
}

/**
 * Waits until the high watermark of every partition stops moving for `quietMs` (after the writer stopped): by then
 * every follower in the ISR has fetched all the leader has, so the replicas' logs should be equal.
 */
export async function waitQuiet(kafka: Kafka, topic: string, quietMs = 1500, timeoutMs = 30_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const start = Date.now();
    let last = '';
    let since = Date.now();
    for (;;) {
      let now = last;
      try {
        now = JSON.stringify(await admin.fetchTopicOffsets(topic));
      } catch {
        // a leader moving: try again
      }
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return;
      if (Date.now() - start > timeoutMs)
        throw new Error(`high watermarks of ${topic} still moving after ${timeoutMs} ms`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

export interface ReplicaDigest {
  node: number;
  logStartOffset: number;
  logEndOffset: number;
  batches: number;
  /** SHA-256 over every batch's base offset, last offset and CRC, in log order. */
  digest: string;
}

/** The header of every batch of one replica's log of a partition (the broker must be stopped); null if absent. */
export function storedBatches(
  dataDir: string,
  topic: string,
  partition: number,
): { logStartOffset: number; logEndOffset: number; batches: BatchHeader[] } | null {
  const dir = join(dataDir, `${topic}-${partition}`);
  if (!existsSync(dir)) return null;
  const log = PartitionLog.open(dir);
  try {
    const batches: BatchHeader[] = [];
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const r = log.read(offset, 1 << 20);
      if (r.errorCode !== 0 || r.records.length === 0) break;
      let pos = 0;
      while (pos + BATCH_HEADER_SIZE <= r.records.length) {
        const h = readBatchHeader(r.records, pos);
        if (pos + LOG_OVERHEAD + h.length > r.records.length) break;
        batches.push(h);
        offset = h.baseOffset + h.lastOffsetDelta + 1;
        pos += LOG_OVERHEAD + h.length;
      }
    }
    return { logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, batches };
  } finally {
    log.close();
  }
}

/**
 * One replica's log of a partition, read from its segment files through src/storage (the broker must be
 * stopped): log start and end offsets and a digest of its batches.
 */
export function replicaDigest(node: number, dataDir: string, topic: string, partition: number): ReplicaDigest {
  const stored = storedBatches(dataDir, topic, partition);
  if (stored === null) return { node, logStartOffset: -1, logEndOffset: -1, batches: 0, digest: 'missing' };
  const h = createHash('sha256');
  for (const b of stored.batches) h.update(`${b.baseOffset}:${b.baseOffset + b.lastOffsetDelta}:${b.crc};`);
  return {
    node,
    logStartOffset: stored.logStartOffset,
    logEndOffset: stored.logEndOffset,
    batches: stored.batches.length,
    digest: h.digest('hex'),
  };
}

/**
 * For a failed verification that found records twice: the stored batches holding them (offsets, producer id,
 * epoch, base sequence, leader epoch), read from every replica's segment files after stopping the brokers. A second
 * copy with the same producer id, epoch and sequence as the first is a retry the broker failed to recognise; one
 * with a later sequence was sent again by the client as new records, which no broker can recognise.
 */
export async function describeDuplicates(c: FaultCluster, topic: string, duplicates: Duplicate[]): Promise<string> {
  await Promise.all(c.cluster.brokers.map((b) => b.stop()));
  const lines: string[] = [];
  for (const b of c.cluster.brokers) {
    for (const partition of [...new Set(duplicates.map((d) => d.partition))]) {
      const stored = storedBatches(b.dataDir, topic, partition);
      if (stored === null) continue;
      const offsets = duplicates.filter((d) => d.partition === partition).flatMap((d) => [d.first, d.second]);
      const holding = stored.batches.filter((h) =>
        offsets.some((o) => o >= h.baseOffset && o <= h.baseOffset + h.lastOffsetDelta),
      );
      lines.push(
        `node ${b.nodeId} ${topic}-${partition}: ${holding
          .map(
            (h) =>
              `${h.baseOffset}-${h.baseOffset + h.lastOffsetDelta} producer ${h.producerId} epoch ${h.producerEpoch} sequence ${h.baseSequence} leader epoch ${h.partitionLeaderEpoch}`,
          )
          .join('; ')}`,
      );
    }
  }
  return lines.join('\n  ');
}

/**
 * Stops every broker (SIGTERM, after the high watermarks settled) and compares the replicas of every partition of
 * `topic`: same log end offset, same batches. Throws naming the differing replicas; resolves with the digests.
 */
export async function compareReplicas(
  c: FaultCluster,
  topic: string,
  partitions: number[],
): Promise<Map<number, ReplicaDigest[]>> {
  await Promise.all(c.cluster.brokers.map((b) => b.stop()));
  const out = new Map<number, ReplicaDigest[]>();
  const problems: string[] = [];
  for (const p of partitions) {
    const ds = c.cluster.brokers.map((b) => replicaDigest(b.nodeId, b.dataDir, topic, p));
    out.set(p, ds);
    const ref = ds[0]!;
    for (const d of ds.slice(1)) {
      if (d.logEndOffset !== ref.logEndOffset || d.digest !== ref.digest)
        problems.push(
          `${topic}-${p}: ${ds.map((x) => `node ${x.node} end ${x.logEndOffset} batches ${x.batches} ${x.digest.slice(0, 10)}`).join(', ')}`,
        );
    }
  }
  if (problems.length > 0) throw new Error(`replica logs differ:\n  ${[...new Set(problems)].join('\n  ')}`);
  return out;
}

/** The broker coordinating a group (keyType 0) or a transactional id (keyType 1), as a live broker answers. */
export async function coordinatorOf(c: FaultCluster, key: string, keyType: 0 | 1, timeoutMs = 30_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const b = c.cluster.brokers.find((x) => c.live(x.nodeId));
    if (b !== undefined) {
      const raw = await RawClient.connect(b.port).catch(() => undefined);
      if (raw !== undefined) {
        try {
          const r = await raw.send(FindCoordinator, 3, { key, keyType });
          if (r.errorCode === 0 && r.nodeId >= 0) return r.nodeId;
        } catch {
          // try again
        } finally {
          raw.close();
        }
      }
    }
    if (Date.now() - start > timeoutMs) throw new Error(`no coordinator for ${key} in ${timeoutMs} ms`);
    await sleep(200);
  }
}

export interface ScenarioContext {
  c: FaultCluster;
  topic: string;
  partitions: number[];
  writer: FaultWriter;
  round: number;
  /** Notes of the round, printed as test diagnostics. */
  note(s: string): void;
}

export interface ScenarioResult {
  rounds: number;
  acked: number;
  stats: WriterStats;
  checks: PartitionCheck[];
  notes: string[];
}

/** `verification`, or its failure with the stored batches of the records read twice added to the message. */
async function explained<T>(c: FaultCluster, topic: string, verification: Promise<T>): Promise<T> {
  try {
    return await verification;
  } catch (err) {
    if (err instanceof VerificationError && err.duplicates.length > 0) {
      const stored = await describeDuplicates(c, topic, err.duplicates.slice(0, 10)).catch(
        (e: Error) => `(could not read the stored batches: ${e.message})`,
      );
      err.message += `\n  batches holding the duplicated records (brokers stopped):\n  ${stored}`;
    }
    throw err;
  }
}

/**
 * The frame of every fault scenario: a fault cluster, an RF 3 topic with `partitions` partitions, the writer
 * running throughout; per round, `fault`, then the cluster must heal, the writer must get acknowledgements again
 * and every record acknowledged so far must read back exactly once, in order. At the end the writer stops, the
 * high watermarks settle, everything is verified once more and the brokers are stopped to compare the replicas'
 * segment files.
 */
export async function runScenario(
  t: TestContext,
  name: string,
  opts: { rounds: number; partitions?: number; healMs?: number },
  fault: (ctx: ScenarioContext) => Promise<void>,
): Promise<ScenarioResult | undefined> {
  if (!requireFaultTools(t)) return undefined;
  return withFaultCluster(t, async (c) => {
    const topic = `faults-${name}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    const partitions = Array.from({ length: opts.partitions ?? 3 }, (_, i) => i);
    await c.createTopic(topic, partitions.length);
    const kafka = await c.kafka(`samsa-faults-${name}`);
    const writer = new FaultWriter(kafka, topic, partitions);
    const notes: string[] = [];
    const note = (s: string): void => {
      notes.push(s);
      t.diagnostic(s);
    };
    writer.start();
    try {
      await writer.waitForAcks(30 * partitions.length);
      for (let round = 0; round < opts.rounds; round++) {
        await fault({ c, topic, partitions, writer, round, note });
        const healed = await c.waitHealed([topic], opts.healMs ?? 60_000);
        await writer.waitForAcks(10 * partitions.length, 60_000);
        const snapshot = new Map([...writer.acked].map(([p, l]) => [p, l.slice()]));
        await explained(c, topic, verifyTopic(c.bootstrap, topic, snapshot));
        note(`round ${round + 1}: healed ${healed} ms after the fault step, ${writer.stats.acked} acknowledged so far`);
      }
    } finally {
      await writer.stop();
    }
    await c.waitHealed([topic], opts.healMs ?? 60_000);
    await waitQuiet(kafka, topic);
    const checks = await explained(c, topic, verifyTopic(c.bootstrap, topic, writer.acked));
    note(`writer: ${JSON.stringify(writer.stats)}; per partition ${JSON.stringify(checks)}`);
    const digests = await compareReplicas(c, topic, partitions);
    note(
      `replicas identical: ${[...digests].map(([p, d]) => `${p}: end ${d[0]!.logEndOffset} in ${d[0]!.batches} batches`).join(', ')}`,
    );
    return { rounds: opts.rounds, acked: writer.stats.acked, stats: writer.stats, checks, notes };
  });
}
