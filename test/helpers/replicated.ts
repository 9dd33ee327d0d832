/**
 * A replicated group of in-process brokers for tests, with the test as their controller: static replication
 * (BrokerOptions.replication) gives each broker the peer list and the leadership of every partition; this helper
 * keeps that state, accepts the leaders' ISR changes (alterIsr, as the cluster's compare-and-swap would), and
 * moves leaders (`elect`) and stops and restarts brokers the way a controller reacts to them. Node ids 1..n.
 * Every broker has its own temp data dir, kept across restarts and removed by `close`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Broker } from '../../src/broker/broker.js';
import type { BrokerInfo } from '../../src/broker/metadata-view.js';
import type { AlterIsr, PartitionState } from '../../src/broker/replica-manager.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { StaticReplication } from '../../src/broker/replication.js';
import { startTestBroker, type TestBroker } from './broker.js';

export interface ReplicatedOptions {
  brokers?: number;
  /** Broker config for every broker (on top of the defaults here: min.insync.replicas 2, fast lag checks). */
  config?: Record<string, string>;
}

interface TopicState {
  topicId: string;
  partitions: PartitionState[];
}

export interface ReplicatedCluster {
  readonly ids: number[];
  /** host:port of every running broker, comma-separated. */
  bootstrap(): string;
  /** The running broker with this node id (throws if stopped). */
  broker(id: number): Broker;
  running(id: number): boolean;
  test(id: number): TestBroker | undefined;
  /** Creates a topic on every broker; leaders spread round-robin from `firstLeader` (default node 1). */
  createTopic(
    name: string,
    partitions: number,
    opts?: { replicationFactor?: number; configs?: Record<string, string>; leaders?: number[] },
  ): Promise<void>;
  /** The controller's state of a partition. */
  state(topic: string, partition: number): PartitionState;
  /**
   * Moves leadership to `leader` (default: the first running ISR member other than the current leader) with the
   * next epoch; `isr` overrides the ISR (an unclean election when the leader is not in it).
   */
  elect(topic: string, partition: number, opts?: { leader?: number; isr?: number[] }): Promise<PartitionState>;
  /** Closes a broker (its data stays); partitions it led get a new leader from the running ISR when `elect`. */
  stop(id: number, opts?: { elect?: boolean }): Promise<void>;
  /** Starts a stopped broker again on the same port and data dir. */
  restart(id: number): Promise<void>;
  /** Waits until every replica of the partition is in the ISR and all logs end at the leader's log end. */
  waitInSync(topic: string, partition: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const INTERNAL = ['__consumer_offsets', '__transaction_state'];

export async function startReplicatedCluster(opts: ReplicatedOptions = {}): Promise<ReplicatedCluster> {
  const n = opts.brokers ?? 3;
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const config: Record<string, string> = {
    'min.insync.replicas': '2',
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.num.partitions': '3',
    'replica.lag.time.max.ms': '2000',
    'replica.fetch.backoff.ms': '100',
    'replica.fetch.wait.max.ms': '200',
    'auto.create.topics.enable': 'false',
    'group.initial.rebalance.delay.ms': '0',
    ...opts.config,
  };
  const topics = new Map<string, TopicState>();
  const running = new Map<number, TestBroker>();
  const ports = new Map<number, number>();
  const dirs = new Map<number, string>();

  const brokers = (): BrokerInfo[] =>
    [...running.keys()].map((id) => ({
      nodeId: id,
      rack: null,
      endpoints: [{ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: ports.get(id)! }],
    }));

  /** Tells every running broker the ISR of a partition (the leader applied it when its proposal was accepted). */
  const spreadIsr = (topic: string, partition: number, isr: readonly number[]) => {
    for (const tb of running.values()) {
      const p = tb.broker.replicas.get(topic, partition);
      if (p !== undefined) p.isr = [...isr];
    }
  };

  /** As the controller's compare-and-swap: only the current leader epoch may change the ISR. */
  const alterIsr: AlterIsr = async (topic, partition, req) => {
    const s = topics.get(topic)?.partitions[partition];
    if (s === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    if (s.leaderEpoch !== req.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH };
    s.isr = [...req.isr];
    spreadIsr(topic, partition, s.isr);
    return { errorCode: 0, isr: [...s.isr], leaderEpoch: s.leaderEpoch };
  };

  const replication = (): StaticReplication => ({
    brokers,
    assignment: (topic, partition) => {
      const s = topics.get(topic)?.partitions[partition];
      return s === undefined ? undefined : { ...s, replicas: [...s.replicas], isr: [...s.isr] };
    },
    topicId: (topic) => topics.get(topic)?.topicId,
    alterIsr,
  });

  const start = async (id: number) => {
    let dir = dirs.get(id);
    if (dir === undefined) {
      dir = await mkdtemp(join(tmpdir(), `samsa-repl-${id}-`));
      dirs.set(id, dir);
    }
    const tb = await startTestBroker({
      config: { ...config, 'node.id': String(id) },
      dataDir: dir,
      port: ports.get(id) ?? 0,
      replication: replication(),
      logLevel: process.env['LOG_LEVEL'] ?? 'warn',
    });
    ports.set(id, tb.port);
    running.set(id, tb);
  };

  /** Applies the controller's state of one partition to every running broker. */
  const apply = async (topic: string, partition: number) => {
    const s = topics.get(topic)!.partitions[partition]!;
    for (const [id, tb] of running) {
      const log = tb.broker.topics.partition(topic, partition);
      if (log === undefined || !s.replicas.includes(id)) continue;
      const state = { ...s, replicas: [...s.replicas], isr: [...s.isr] };
      if (s.leader === id) await tb.broker.replicas.becomeLeader(topic, partition, log, state);
      else tb.broker.replicas.becomeFollower(topic, partition, log, state);
    }
  };

  const createTopic: ReplicatedCluster['createTopic'] = async (name, partitions, o = {}) => {
    const rf = o.replicationFactor ?? Math.min(3, n);
    const states: PartitionState[] = [];
    for (let p = 0; p < partitions; p++) {
      const leader = o.leaders?.[p] ?? ids[p % n]!;
      const at = ids.indexOf(leader);
      const replicas = Array.from({ length: rf }, (_, k) => ids[(at + k) % n]!);
      states.push({ leader, leaderEpoch: 0, replicas, isr: [...replicas] });
    }
    topics.set(name, { topicId: randomUUID(), partitions: states });
    for (const [id, tb] of running) {
      if (!states.some((s) => s.replicas.includes(id))) continue;
      const res = tb.broker.topics.create(name, partitions, rf, o.configs ?? {});
      if (res.errorCode !== 0) throw new Error(`creating ${name} on broker ${id}: ${res.errorMessage}`);
    }
  };

  const cluster: ReplicatedCluster = {
    ids,
    bootstrap: () => [...running.values()].map((tb) => tb.bootstrap).join(','),
    broker(id) {
      const tb = running.get(id);
      if (tb === undefined) throw new Error(`broker ${id} is not running`);
      return tb.broker;
    },
    running: (id) => running.has(id),
    test: (id) => running.get(id),
    createTopic,
    state(topic, partition) {
      const s = topics.get(topic)?.partitions[partition];
      if (s === undefined) throw new Error(`no partition ${topic}-${partition}`);
      return s;
    },
    async elect(topic, partition, o = {}) {
      const s = cluster.state(topic, partition);
      const leader =
        o.leader ?? s.isr.find((id) => id !== s.leader && running.has(id)) ?? s.replicas.find((id) => running.has(id));
      if (leader === undefined) throw new Error(`no replica of ${topic}-${partition} can lead`);
      s.leader = leader;
      s.leaderEpoch += 1;
      s.isr = o.isr ?? s.isr.filter((id) => running.has(id) || id === leader);
      if (!s.isr.includes(leader)) s.isr = [...s.isr, leader];
      await apply(topic, partition);
      return s;
    },
    async stop(id, o = {}) {
      const tb = running.get(id);
      if (tb === undefined) return;
      running.delete(id);
      await tb.stop();
      if (o.elect ?? true) {
        for (const [topic, t] of topics) {
          for (let p = 0; p < t.partitions.length; p++) {
            const s = t.partitions[p]!;
            if (s.leader !== id) continue;
            const next = s.isr.find((x) => x !== id && running.has(x));
            if (next !== undefined) await cluster.elect(topic, p, { leader: next });
          }
        }
      }
    },
    async restart(id) {
      if (running.has(id)) return;
      await start(id);
    },
    async waitInSync(topic, partition, timeoutMs = 20_000) {
      const t0 = Date.now();
      for (;;) {
        const s = cluster.state(topic, partition);
        const leader = running.get(s.leader)?.broker.replicas.get(topic, partition);
        const ends = s.replicas.map((id) => running.get(id)?.broker.replicas.get(topic, partition)?.logEndOffset);
        if (
          leader !== undefined &&
          s.isr.length === s.replicas.length &&
          ends.every((e) => e === leader.logEndOffset) &&
          leader.highWatermark === leader.logEndOffset
        )
          return;
        if (Date.now() - t0 > timeoutMs) {
          throw new Error(
            `${topic}-${partition} not in sync after ${timeoutMs} ms: isr ${s.isr.join(',')}, ends ${ends.join(',')}, hw ${leader?.highWatermark}`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await Promise.all([...running.values()].map((tb) => tb.stop()));
      running.clear();
      await Promise.all([...dirs.values()].map((d) => rm(d, { recursive: true, force: true })));
    },
  };

  try {
    for (const id of ids) await start(id);
    // The internal topics exist from the start, replicated like any other, so coordinators follow leadership.
    const internal = { 'cleanup.policy': 'compact', 'compression.type': 'producer' };
    await createTopic('__consumer_offsets', Number(config['offsets.topic.num.partitions']), { configs: internal });
    await createTopic('__transaction_state', Number(config['transaction.state.log.num.partitions']), {
      configs: internal,
    });
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

/** Starts a replicated cluster for `fn` and closes it after; a failure carries each broker's last log lines. */
export async function withCluster<T>(fn: (c: ReplicatedCluster) => Promise<T>): Promise<T> {
  const c = await startReplicatedCluster();
  try {
    return await fn(c);
  } catch (err) {
    if (err instanceof Error) {
      for (const id of c.ids) {
        const tb = c.test(id);
        if (tb) err.message += `\n--- broker ${id} log ---\n${tb.logTail(15)}`;
      }
    }
    throw err;
  } finally {
    await c.close();
  }
}
