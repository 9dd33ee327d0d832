/**
 * `npm run bench:cluster`: the cost of replication. In one run, on one machine:
 *   - a single broker, topic with 1 partition, kcat producing with acks=1, then consuming;
 *   - three brokers with etcd (startCluster, each broker its own process), topic with 1 partition, replication
 *     factor 3, min.insync.replicas 2, kcat producing with acks=all (bootstrapped with all three), then consuming;
 * for 1M x 100 B and 500k x 1 KB records (--quick: 100k and 50k; --scale F multiplies the counts; --value-size 100
 * or 1024 runs one of the two; --runs N repeats each produce and consume, default 3, and the table shows medians;
 * --profile-dir DIR writes a CPU profile of every broker process there). Like `npm run bench`, each kcat run starts
 * after `sync` and on warm memory (bench/memory.ts: a scratch file as large as the run's copies of the data is
 * written and deleted first; --cold skips that);
 * and the failover time: KafkaJS's idempotent producer sends one record at a time (acks=all) to a replicated
 * partition, the partition's leader is killed with kill -9, and the time is taken from the kill to the first
 * acknowledgement of a send started after it (broker.session.timeout.ms=2000; target under 3 s), several times.
 * Writes its section of docs/benchmarks.md ("Cluster (3 brokers, replication factor 3)") after a run without
 * --quick, unless --no-docs. `npm run bench` runs the same comparison (runClusterBench) as its last step, unless
 * --no-cluster.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { startCluster, type LocalCluster } from '../src/server/cluster.js';
import { writeDocsSection } from './docs-section.js';
import { warmMemory } from './memory.js';
import { median } from './stats.js';
import { BrokerProcess, freePort, ROOT, runTimed } from './proc.js';

const KCAT = process.env.KCAT ?? 'kcat';
export const CLUSTER_SECTION = 'Cluster (3 brokers, replication factor 3)';
const SESSION_MS = 2000;

export interface ClusterBenchOptions {
  /** 100k x 100 B and 50k x 1 KB instead of 1M and 500k. */
  quick?: boolean;
  /** Multiplies the record counts (default 1, 0.1 with quick). */
  scale?: number;
  /** Leader kills measured (default 3). */
  failovers?: number;
  /** Only the workload with this value size in bytes (100 or 1024; default both). */
  valueSize?: number;
  /** Write a V8 CPU profile of every broker process into this directory (node --cpu-prof). */
  profileDir?: string;
  /** Produce and consume runs per setup and workload (default 3, 1 with quick); the table shows medians. */
  runs?: number;
  /** Skip the memory warm-up before each kcat run. */
  cold?: boolean;
}

interface Workload {
  label: string;
  records: number;
  valueSize: number;
}
const workloads = (scale: number): Workload[] => [
  { label: '100 B', records: Math.round(1_000_000 * scale), valueSize: 100 },
  { label: '1 KB', records: Math.round(500_000 * scale), valueSize: 1024 },
];

interface Phase {
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
}
interface Row {
  setup: string;
  workload: Workload;
  /** Medians of the runs. */
  produce: Phase;
  consume: Phase;
  /** Every run, in order. */
  runs: { produce: Phase; consume: Phase }[];
}

/** A phase at the median rate of the runs. */
const medianPhase = (w: Workload, phases: Phase[]): Phase =>
  phase(w, w.records / median(phases.map((p) => p.recordsPerSecond)));

/**
 * A kcat run, prepared first: every dirty page written to disk (the previous run's data would otherwise be
 * written back during this one), and, unless cold, memory the guest still holds for every copy of the data the run
 * makes (kcat's queue, one page-cache copy per replica, and room for socket buffers).
 */
function preparedRun(w: Workload, replicas: number, cold: boolean, kcatArgs: string[]): Promise<Phase> {
  execFileSync('sync');
  if (!cold) warmMemory(tmpdir(), (2 + replicas) * w.records * (w.valueSize + 100));
  return kcatRun(w, kcatArgs);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const temps: string[] = [];
const temp = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};

async function recordFile(w: Workload): Promise<string> {
  const file = join(temp('samsa-bench-cluster-'), `records-${w.valueSize}`);
  const line = `${'x'.repeat(w.valueSize)}\n`;
  const chunk = Buffer.from(line.repeat(Math.max(1, Math.floor((1 << 20) / line.length))));
  const perChunk = chunk.length / line.length;
  const out = createWriteStream(file);
  for (let left = w.records; left > 0; left -= perChunk) {
    const piece = left >= perChunk ? chunk : chunk.subarray(0, left * line.length);
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
  return file;
}

const phase = (w: Workload, seconds: number): Phase => ({
  seconds,
  recordsPerSecond: w.records / seconds,
  mbPerSecond: (w.records * w.valueSize) / seconds / 1e6,
});

async function kcatRun(w: Workload, args: string[]): Promise<Phase> {
  const r = await runTimed(KCAT, args, 600_000);
  if (r.exitCode !== 0) throw new Error(`kcat ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.slice(-2000)}`);
  return phase(w, r.wallSeconds);
}

async function kafkaOf(bootstrap: string): Promise<Kafka> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId: 'samsa-bench-cluster',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 300 },
  });
}

async function createTopic(bootstrap: string, topic: string, replicationFactor: number): Promise<void> {
  const admin = (await kafkaOf(bootstrap)).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor,
          configEntries: replicationFactor > 1 ? [{ name: 'min.insync.replicas', value: '2' }] : [],
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

async function throughput(
  setup: string,
  bootstrap: string,
  acks: string,
  rf: number,
  w: Workload,
  runs: number,
  cold: boolean,
): Promise<Row> {
  const file = await recordFile(w);
  const done: { produce: Phase; consume: Phase }[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const topic = `bench-cluster-${w.valueSize}-${run}-${Date.now().toString(36)}`;
      await createTopic(bootstrap, topic, rf);
      const partition = ['-b', bootstrap, '-t', topic, '-p', '0'];
      const produce = await preparedRun(w, rf, cold, [
        '-P',
        ...partition,
        '-X',
        `acks=${acks}`,
        '-X',
        `queue.buffering.max.messages=${Math.min(10_000_000, w.records + 100_000)}`,
        '-l',
        file,
      ]);
      const consume = await preparedRun(w, rf, cold, [
        '-C',
        ...partition,
        '-e',
        '-o',
        'beginning',
        '-q',
        '-c',
        String(w.records),
      ]);
      done.push({ produce, consume });
      console.log(
        `[bench:cluster] ${setup} ${w.records} x ${w.label} run ${run}: produce ${fmt(produce.recordsPerSecond)} rec/s (${produce.mbPerSecond.toFixed(1)} MB/s), consume ${fmt(consume.recordsPerSecond)} rec/s (${consume.mbPerSecond.toFixed(1)} MB/s)`,
      );
    }
  } finally {
    rmSync(file, { force: true });
  }
  return {
    setup,
    workload: w,
    produce: medianPhase(
      w,
      done.map((r) => r.produce),
    ),
    consume: medianPhase(
      w,
      done.map((r) => r.consume),
    ),
    runs: done,
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Leader of partition 0 of `topic` as KafkaJS sees it. */
async function leaderOf(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const m = await admin.fetchTopicMetadata({ topics: [topic] });
    return m.topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
  } finally {
    await admin.disconnect();
  }
}

/** kill -9 of the leader while an idempotent producer writes; ms from the kill to the first acknowledged send. */
async function failovers(cluster: LocalCluster, n: number): Promise<number[]> {
  const topic = `bench-failover-${Date.now().toString(36)}`;
  await createTopic(cluster.bootstrap, topic, 3);
  const kafka = await kafkaOf(cluster.bootstrap);
  const newProducer = async (): Promise<Producer> => {
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await p.connect();
    return p;
  };
  let producer = await newProducer();
  const acks: Array<{ sentAt: number; ackedAt: number }> = [];
  let stop = false;
  let lastError = '';
  let replaced = 0;
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      const sentAt = Date.now();
      try {
        await producer.send({ topic, acks: -1, timeout: 10_000, messages: [{ partition: 0, value: `f${i}` }] });
        acks.push({ sentAt, ackedAt: Date.now() });
      } catch (err) {
        // The client gave up after its retries: carry on with a new producer (counted in the output).
        lastError = (err as Error).message;
        await producer.disconnect().catch(() => undefined);
        producer = await newProducer().catch(() => producer);
        replaced++;
      }
      await sleep(5);
    }
  })();
  const times: number[] = [];
  try {
    for (let round = 0; round < n; round++) {
      await sleep(1000);
      const leader = await leaderOf(kafka, topic);
      const b = cluster.brokers.find((x) => x.nodeId === leader);
      if (b === undefined) throw new Error(`leader ${leader} is not one of the cluster's brokers`);
      const killedAt = Date.now();
      await b.kill();
      const deadline = killedAt + 60_000;
      let ack: { sentAt: number; ackedAt: number } | undefined;
      while ((ack = acks.find((a) => a.sentAt > killedAt)) === undefined) {
        if (Date.now() > deadline) throw new Error(`no acknowledged produce within 60 s of the kill (${lastError})`);
        await sleep(5);
      }
      times.push(ack.ackedAt - killedAt);
      console.log(
        `[bench:cluster] failover ${round + 1}: killed leader ${leader}; first ack after ${times.at(-1)} ms (producers replaced so far: ${replaced})`,
      );
      await b.restart();
      // Back in the ISR before the next round, so the next leader has a follower to fail over to.
      await sleep(3 * SESSION_MS);
    }
  } finally {
    stop = true;
    await loop;
    await producer.disconnect().catch(() => undefined);
  }
  return times;
}

function section(rows: Row[], fail: number[], notes: string): string {
  const single = (w: Workload, k: 'produce' | 'consume'): number =>
    rows.find((r) => r.setup.startsWith('1 broker') && r.workload === w)![k].recordsPerSecond;
  const lines = [
    `## ${CLUSTER_SECTION}`,
    '',
    `Written by \`npm run bench:cluster\` (bench/cluster.ts). ${notes}`,
    '',
    '| setup | records | produce rec/s | MB/s | consume rec/s | MB/s | produce vs 1 broker acks=1 | produce rec/s of each run |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.setup} | ${fmt(r.workload.records)} x ${r.workload.label} | ${fmt(r.produce.recordsPerSecond)} | ${r.produce.mbPerSecond.toFixed(1)} | ${fmt(r.consume.recordsPerSecond)} | ${r.consume.mbPerSecond.toFixed(1)} | ${Math.round((100 * r.produce.recordsPerSecond) / single(r.workload, 'produce'))}% | ${r.runs.map((x) => fmt(x.produce.recordsPerSecond)).join(', ')} |`,
    ),
    '',
    `Failover (kill -9 of the partition leader to the first acknowledged produce, KafkaJS idempotent producer, acks=all, broker.session.timeout.ms=${SESSION_MS}; target under 3 s): ${fail.map((t) => `${t} ms`).join(', ') || 'not measured'}.`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Runs the whole comparison (single broker acks=1, then the 3-broker cluster with acks=all, then the failovers) and
 * returns its docs section; `npm run bench` calls it too, so its report has both side by side from one run.
 */
export async function runClusterBench(
  o: ClusterBenchOptions = {},
): Promise<{ rows: Row[]; failovers: number[]; section: string }> {
  const WORKLOADS = workloads(o.scale ?? (o.quick ? 0.1 : 1)).filter(
    (w) => o.valueSize === undefined || w.valueSize === o.valueSize,
  );
  const started = new Date().toISOString();
  const load = loadavg()[0]!.toFixed(1);
  const rows: Row[] = [];
  const profileFlags = o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`];
  const runs = o.runs ?? (o.quick ? 1 : 3);
  const cold = o.cold ?? false;
  try {
    // One broker, acks=1.
    const port = await freePort();
    const single = new BrokerProcess({
      port,
      dataDir: temp('samsa-bench-single-'),
      nodeFlags: profileFlags,
      overrides: [
        'metrics.enabled=false',
        'console.enabled=false',
        'schema.registry.enabled=false',
        'ksql.enabled=false',
      ],
    });
    try {
      for (let i = 0; ; i++) {
        try {
          await createTopic(`127.0.0.1:${port}`, `bench-warmup-${Date.now()}`, 1);
          break;
        } catch (err) {
          if (i > 100 || !single.running)
            throw new Error(`single broker did not start: ${(err as Error).message}\n${single.log}`);
          await sleep(200);
        }
      }
      for (const w of WORKLOADS)
        rows.push(await throughput('1 broker, acks=1', `127.0.0.1:${port}`, '1', 1, w, runs, cold));
    } finally {
      await single.stop();
    }
    // Three brokers, RF 3, acks=all.
    const cluster = await startCluster({
      brokers: 3,
      processes: true,
      nodeFlags: profileFlags,
      config: {
        'broker.session.timeout.ms': String(SESSION_MS),
        'broker.heartbeat.interval.ms': '300',
        'default.replication.factor': '3',
        'min.insync.replicas': '2',
        'offsets.topic.replication.factor': '3',
        'auto.leader.rebalance.enable': 'false',
      },
    });
    let fail: number[] = [];
    try {
      await sleep(2 * SESSION_MS);
      for (const w of WORKLOADS)
        rows.push(await throughput('3 brokers, RF 3, acks=all', cluster.bootstrap, 'all', 3, w, runs, cold));
      fail = await failovers(cluster, o.failovers ?? 3);
    } finally {
      await cluster.stop();
    }
    const notes =
      `Run ${started} on ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${load} at the start; one partition per topic, kcat for produce and consume, every broker its own process on 127.0.0.1. ` +
      `Rates are medians of ${runs} run(s) (every run's produce rate in the last column); each kcat run starts after \`sync\` and, ${cold ? 'with --cold, without' : 'as in the single-node benchmark, after'} a memory warm-up (a scratch file as large as the run's copies of the data: kcat's queue and one page-cache copy per replica, written and deleted, see "Cold and warm memory" above).`;
    return { rows, failovers: fail, section: section(rows, fail, notes) };
  } finally {
    for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const argv = process.argv.slice(2);
  const flag = (name: string): boolean => argv.includes(name);
  const option = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = flag('--quick');
  const writeDocs =
    !quick && !flag('--no-docs') && option('--scale') === undefined && option('--value-size') === undefined;
  try {
    const r = await runClusterBench({
      quick,
      scale: option('--scale') === undefined ? undefined : Number(option('--scale')),
      failovers: option('--failovers') === undefined ? undefined : Number(option('--failovers')),
      valueSize: option('--value-size') === undefined ? undefined : Number(option('--value-size')),
      profileDir: option('--profile-dir'),
      runs: option('--runs') === undefined ? undefined : Number(option('--runs')),
      cold: flag('--cold'),
    });
    console.log(`\n${r.section}`);
    if (writeDocs)
      writeDocsSection(option('--docs') ?? join(ROOT, 'docs', 'benchmarks.md'), CLUSTER_SECTION, r.section);
  } catch (e) {
    console.error('[bench:cluster] failed:', e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  }
}
