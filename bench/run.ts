/**
 * `npm run bench`: end-to-end benchmark of a Samsa broker running as its own process, driven by kcat and by the
 * raw-protocol load generators of bench/latency.ts, all on 127.0.0.1. Writes docs/benchmarks.md after a full run.
 *
 *   node dist/bench/run.js              full run (1M x 100 B and 500k x 1 KB, each twice), writes the docs
 *   node dist/bench/run.js --quick      smoke run (100k / 50k records, short latency runs), docs untouched
 *   node dist/bench/run.js --profile    profile the broker (node --cpu-prof) under kcat produce and consume
 *
 * Options: --runs N (repetitions of each kcat run, default 2), --no-docs, --docs PATH, --profile-dir DIR (keep
 * the .cpuprofile files there), --top N (hot spots listed by --profile), --profile-size 100|1024 (record size
 * profiled; with --quick the record counts are smaller), --cold (no memory warm-up before the kcat runs: see
 * bench/memory.ts), --no-metrics (skip the metrics on/off comparison), --metrics-only (only the metrics on/off
 * comparison, printed, docs untouched; with --quick on the smaller workload and --runs 1 it takes about a minute),
 * --no-tls (skip kcat over SSL next to plaintext, bench/tls.ts), --no-cluster (skip the 3-broker cluster, RF 3 and
 * acks=all, next to a single broker with acks=1, and the leader failover time: bench/cluster.ts).
 *
 * The broker runs without the HTTP services `samsa start` turns on (schema registry, SQL, metrics, console), except in the metrics
 * comparison, which runs the 100-byte workload against a broker with metrics off and one with metrics on (and
 * scraped every second, more often than Prometheus usually does), alternating, and reports the difference.
 */
import { execFileSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiVersions } from '../src/protocol/messages/api-versions.js';
import {
  runEndToEnd,
  runProduceLatency,
  runProduceMax,
  type EndToEndResult,
  type ProduceLatencyResult,
} from './latency.js';
import { probePageCacheWrites, warmMemory, type PageCacheProbe } from './memory.js';
import { median } from './stats.js';
import {
  BrokerProcess,
  cpuSeconds,
  freePort,
  peakRssBytes,
  resetPeakRss,
  ROOT,
  rssBytes,
  machineStealAndIowait,
  runQueueWaitSeconds,
  runTimed,
  type ToolRun,
} from './proc.js';
import { formatSummary, monotonicUs, summariseProfile } from './profile.js';
import { writeDocsSection } from './docs-section.js';
import { tlsBench, tlsDocsSection } from './tls.js';
import { CLUSTER_SECTION, runClusterBench } from './cluster.js';
import { apiVersionsFrame, createTopic, latestOffset, responseBody, WireConnection } from './wire.js';

const KCAT = process.env.KCAT ?? 'kcat';
const KCAT_TIMEOUT_MS = 180_000;

// ---------------------------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = flag('--quick');
const PROFILE = flag('--profile');
const RUNS = Number(option('--runs') ?? 2);
/** The metrics comparison needs more runs than the others: the difference it looks for is within their noise. */
const METRICS_RUNS = option('--runs') !== undefined || QUICK ? RUNS : 8;
const COLD = flag('--cold');
const METRICS_ONLY = flag('--metrics-only');
const WRITE_DOCS = !QUICK && !PROFILE && !METRICS_ONLY && !flag('--no-docs');
const DOCS_PATH = option('--docs') ?? join(ROOT, 'docs', 'benchmarks.md');
const COMMAND = `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`;

interface Workload {
  label: string;
  records: number;
  valueSize: number;
}

const WORKLOADS: Workload[] = QUICK
  ? [
      { label: '100 B', records: 100_000, valueSize: 100 },
      { label: '1 KB', records: 50_000, valueSize: 1024 },
    ]
  : [
      { label: '100 B', records: 1_000_000, valueSize: 100 },
      { label: '1 KB', records: 500_000, valueSize: 1024 },
    ];
const LOAD_AT_START = loadavg()[0]!;
const LATENCY_MS = QUICK ? 3000 : 10_000;
const E2E_RATE = 10_000;

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: every broker and temp dir is registered here and removed on exit, error or Ctrl-C.

const brokers = new Set<BrokerProcess>();
const tempDirs: string[] = [];

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

async function cleanup(): Promise<void> {
  await Promise.all([...brokers].map((b) => b.stop(5000)));
  brokers.clear();
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n[bench] ${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** The HTTP services samsa start turns on: off for the benchmark unless a step asks for one. */
const SERVICES_OFF = [
  'metrics.enabled=false',
  'console.enabled=false',
  'schema.registry.enabled=false',
  'ksql.enabled=false',
];

async function startBroker(
  dataDir: string,
  nodeFlags: string[] = [],
  overrides: string[] = SERVICES_OFF,
): Promise<BrokerProcess> {
  const port = await freePort();
  const b = new BrokerProcess({ port, dataDir, nodeFlags, overrides });
  brokers.add(b);
  return b;
}

async function stopBroker(b: BrokerProcess): Promise<void> {
  await b.stop();
  brokers.delete(b);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// Step 1: startup time and idle memory

/**
 * Polls the port until an ApiVersions v0 request gets a successful answer; returns the time of that answer.
 * Connection refusals are retried every 2 ms.
 */
async function waitForApiVersions(b: BrokerProcess, timeoutMs = 20_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let correlation = 1;
  while (performance.now() < deadline) {
    if (!b.running) throw new Error(`broker exited during startup:\n${b.log}`);
    let c: WireConnection;
    try {
      c = await WireConnection.open(b.opts.port, '127.0.0.1', 1000);
    } catch {
      await sleep(2);
      continue;
    }
    try {
      const id = correlation++;
      const answer = c.sendFrame(apiVersionsFrame(id), id);
      const timeout = sleep(2000).then(() => undefined);
      const res = await Promise.race([answer, timeout]);
      if (res) {
        const body = ApiVersions.responseCodec(0).decode(responseBody(ApiVersions, 0, res.frame));
        if (body.errorCode === 0) return res.at;
      }
    } catch {
      /* closed while starting: try again */
    } finally {
      c.close();
    }
    await sleep(2);
  }
  throw new Error(`no ApiVersions answer within ${timeoutMs} ms:\n${b.log}`);
}

interface StartupResult {
  startupMs: number[];
  idleRssBytes: number;
}

/** Starts the broker `times` times on fresh data dirs; the last one stays up and is returned for the next steps. */
async function measureStartup(times: number): Promise<{ result: StartupResult; broker: BrokerProcess }> {
  const startupMs: number[] = [];
  let broker: BrokerProcess | undefined;
  for (let i = 0; i < times; i++) {
    if (broker) await stopBroker(broker);
    broker = await startBroker(tempDir('samsa-bench-data-'));
    const at = await waitForApiVersions(broker);
    startupMs.push(at - broker.spawnedAt);
  }
  await sleep(2000);
  return { result: { startupMs, idleRssBytes: rssBytes(broker!.pid) }, broker: broker! };
}

// ---------------------------------------------------------------------------------------------------------------
// Step 2: kcat throughput

/** Writes `count` lines of `valueSize` bytes (plus newline) for `kcat -P -l`. */
async function writeRecordFile(path: string, count: number, valueSize: number): Promise<void> {
  const perChunk = Math.max(1, Math.floor((1 << 20) / (valueSize + 1)));
  const lines: string[] = [];
  for (let i = 0; i < perChunk; i++) {
    const head = `record-${i}-`;
    lines.push((head + 'x'.repeat(valueSize)).slice(0, valueSize) + '\n');
  }
  const chunk = Buffer.from(lines.join(''));
  const out = createWriteStream(path);
  let left = count;
  while (left > 0) {
    const n = Math.min(left, perChunk);
    const piece = n === perChunk ? chunk : chunk.subarray(0, n * (valueSize + 1));
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
    left -= n;
  }
  await new Promise<void>((res, rej) => {
    out.once('error', rej);
    out.end(() => res());
  });
}

/** CPU seconds of the broker's main (JavaScript) thread: its thread id equals the process id. */
function mainThreadCpuSeconds(pid: number): number {
  return cpuSeconds(pid, pid);
}

interface PhaseResult {
  wallSeconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  kcatCpuSeconds: number;
  brokerCpuSeconds: number;
  brokerMainThreadCpuSeconds: number;
  /** Time the broker's JavaScript thread was ready to run but waited for a CPU (other processes had them). */
  brokerMainThreadWaitSeconds: number;
  /** CPU time the hypervisor gave to other guests, and idle CPU time waiting for I/O, both CPUs together. */
  stealSeconds: number;
  iowaitSeconds: number;
}

interface ThroughputRun {
  workload: Workload;
  run: number;
  /** Whether the run started on memory the guest had just freed (see bench/memory.ts). */
  memory: 'warm' | 'cold';
  produce: PhaseResult;
  consume: PhaseResult;
  peakRssBytes: number;
}

async function kcatPhase(b: BrokerProcess, w: Workload, args: string[]): Promise<PhaseResult> {
  const cpu0 = cpuSeconds(b.pid);
  const main0 = mainThreadCpuSeconds(b.pid);
  const wait0 = runQueueWaitSeconds(b.pid, b.pid);
  const machine0 = machineStealAndIowait();
  const run: ToolRun = await runTimed(KCAT, args, KCAT_TIMEOUT_MS);
  const machine1 = machineStealAndIowait();
  const cpu1 = cpuSeconds(b.pid);
  const main1 = mainThreadCpuSeconds(b.pid);
  const wait1 = runQueueWaitSeconds(b.pid, b.pid);
  if (run.exitCode !== 0) throw new Error(`kcat ${args.join(' ')} failed (exit ${run.exitCode}):\n${run.stderr}`);
  return {
    wallSeconds: run.wallSeconds,
    recordsPerSecond: w.records / run.wallSeconds,
    mbPerSecond: (w.records * w.valueSize) / run.wallSeconds / 1e6,
    kcatCpuSeconds: run.cpuSeconds,
    brokerCpuSeconds: cpu1 - cpu0,
    brokerMainThreadCpuSeconds: main1 - main0,
    brokerMainThreadWaitSeconds: wait1 - wait0,
    stealSeconds: machine1.steal - machine0.steal,
    iowaitSeconds: machine1.iowait - machine0.iowait,
  };
}

function produceArgs(port: number, topic: string, w: Workload, file: string): string[] {
  return [
    '-P',
    '-b',
    `127.0.0.1:${port}`,
    '-t',
    topic,
    '-X',
    'acks=1',
    '-X',
    `queue.buffering.max.messages=${Math.min(10_000_000, w.records + 100_000)}`,
    '-l',
    file,
  ];
}

function consumeArgs(port: number, topic: string, w: Workload): string[] {
  return ['-C', '-b', `127.0.0.1:${port}`, '-t', topic, '-e', '-o', 'beginning', '-q', '-c', String(w.records)];
}

/**
 * Memory a run touches for the first time: kcat's copy of every record, and the broker's new page-cache pages,
 * each about the records plus their framing; the warm-up covers it with room to spare.
 */
const warmBytes = (w: Workload) => 3 * w.records * (w.valueSize + 100);

/**
 * Writes every dirty page of the machine to disk, so that a run does not share the CPU and the disk with the
 * writeback of the data the previous run left behind (the kernel starts it about 30 s after the writes).
 */
function settle(): void {
  execFileSync('sync');
}

async function throughputRun(
  b: BrokerProcess,
  w: Workload,
  run: number,
  file: string,
  memory: 'warm' | 'cold',
): Promise<ThroughputRun> {
  const topic = `bench-${w.valueSize}b-${run}-${Date.now().toString(36)}`;
  const port = b.opts.port;
  await createTopic(port, topic);
  resetPeakRss(b.pid);
  settle();
  if (memory === 'warm') warmMemory(tmpdir(), warmBytes(w));
  const produce = await kcatPhase(b, w, produceArgs(port, topic, w, file));
  const stored = await latestOffset(port, topic);
  if (stored !== w.records) throw new Error(`${topic}: expected ${w.records} records stored, found ${stored}`);
  if (memory === 'warm') warmMemory(tmpdir(), warmBytes(w));
  const consume = await kcatPhase(b, w, consumeArgs(port, topic, w));
  return { workload: w, run, memory, produce, consume, peakRssBytes: peakRssBytes(b.pid) };
}

// ---------------------------------------------------------------------------------------------------------------
// Step 4: reporting

interface Machine {
  nproc: number;
  model: string;
  memory: string;
  node: string;
  kcat: string;
  kernel: string;
  /** 1-minute load average when the benchmark started: anything near or above 1 means the figures are disturbed. */
  loadAtStart: number;
}

function machine(): Machine {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  let kcat = 'unknown';
  try {
    const v = execFileSync(KCAT, ['-V'], { encoding: 'utf8' });
    kcat =
      /kcat - .*?\n.*?\nVersion (\S+)/s.exec(v)?.[1] ??
      v
        .split('\n')
        .find((l) => /version/i.test(l))
        ?.trim() ??
      'unknown';
    const lib = /librdkafka version (\S+)/.exec(v)?.[1];
    if (lib) kcat += ` (librdkafka ${lib})`;
  } catch {
    /* reported as unknown */
  }
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  return {
    nproc: cpus().length,
    model,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    kcat,
    kernel,
    loadAtStart: LOAD_AT_START,
  };
}

const best = (xs: number[]) => Math.max(...xs);
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const mb = (bytes: number) => `${fmt(bytes / 2 ** 20, 0)} MiB`;

/** Share of wall time a process spent on CPU; 1.0 = one core fully busy. */
const util = (cpu: number, wall: number) => cpu / wall;

interface Report {
  machine: Machine;
  date: string;
  command: string;
  startup: StartupResult;
  pageCache: PageCacheProbe;
  /** The runs the targets are judged on: warm memory unless --cold was given. */
  runs: ThroughputRun[];
  /** One more run of the largest workload without the warm-up (none with --cold, where every run is cold). */
  coldRuns: ThroughputRun[];
  latency: ProduceLatencyResult;
  /** Host steal during the produce latency run, as a share of both CPUs' time. */
  latencySteal: number;
  /** Records/s of the latency workload sent unthrottled (its maximum rate). */
  latencyWorkloadMax: number;
  /** Throughput with metrics off and on (absent with --no-metrics). */
  metrics?: MetricsComparison | undefined;
  e2e: EndToEndResult;
}

interface Summary {
  workload: Workload;
  produceRps: { best: number; median: number };
  produceMBps: { best: number; median: number };
  consumeRps: { best: number; median: number };
  consumeMBps: { best: number; median: number };
}

function summarise(runs: ThroughputRun[], w: Workload): Summary {
  const rs = runs.filter((r) => r.workload === w);
  const pick = (f: (r: ThroughputRun) => number) => ({ best: best(rs.map(f)), median: median(rs.map(f)) });
  return {
    workload: w,
    produceRps: pick((r) => r.produce.recordsPerSecond),
    produceMBps: pick((r) => r.produce.mbPerSecond),
    consumeRps: pick((r) => r.consume.recordsPerSecond),
    consumeMBps: pick((r) => r.consume.mbPerSecond),
  };
}

/** The broker counts as the bottleneck of a run when its JavaScript thread was busy for most of the wall time. */
const SATURATED = 0.85;

/**
 * Which side limited a run. The broker's JavaScript thread wanted a CPU for its busy time plus its run-queue wait;
 * when that demand fills the wall time but the wait is a large part of it, the machine's other load was the limit.
 */
function verdict(p: PhaseResult): string {
  const busy = util(p.brokerMainThreadCpuSeconds, p.wallSeconds);
  const wait = util(p.brokerMainThreadWaitSeconds, p.wallSeconds);
  const kcat = util(p.kcatCpuSeconds, p.wallSeconds);
  if (busy >= SATURATED) return 'broker-bound';
  if (busy + wait >= SATURATED) return 'CPU-starved (other load)';
  if (kcat >= SATURATED) return 'kcat-bound';
  if (wait >= 0.25) return 'neither saturated; broker waited for CPU';
  return 'neither saturated';
}

interface TargetRow {
  target: string;
  measured: string;
  met: boolean;
}

function targets(r: Report): TargetRow[] {
  const [small, large] = WORKLOADS.map((w) => summarise(r.runs, w)) as [Summary, Summary];
  const smallRuns = r.runs.filter((x) => x.workload === small.workload);
  const worstBrokerMain = Math.max(
    ...smallRuns.flatMap((x) => [x.produce, x.consume].map((p) => util(p.brokerMainThreadCpuSeconds, p.wallSeconds))),
  );
  const rows: TargetRow[] = [
    {
      target: `broker is not kcat's bottleneck (100 B runs: broker JS thread busy < ${SATURATED * 100}% of wall time)`,
      measured: `broker JS thread busy up to ${fmt(worstBrokerMain * 100, 0)}%`,
      met: worstBrokerMain < SATURATED,
    },
    {
      target: '100 B produce, acks=1: >= 1,000,000 records/s',
      measured: `${fmtInt(small.produceRps.best)} records/s (best), ${fmtInt(small.produceRps.median)} (median)`,
      met: small.produceRps.best >= 1e6,
    },
    {
      target: '100 B consume: >= 1,500,000 records/s',
      measured: `${fmtInt(small.consumeRps.best)} records/s (best), ${fmtInt(small.consumeRps.median)} (median)`,
      met: small.consumeRps.best >= 1.5e6,
    },
    {
      target: '1 KB produce: >= 300 MB/s',
      measured:
        `${fmt(large.produceMBps.best)} MB/s (best), ${fmt(large.produceMBps.median)} (median)` +
        (r.coldRuns.length > 0
          ? `; ${r.coldRuns.map((x) => fmt(x.produce.mbPerSecond)).join(', ')} MB/s on cold memory`
          : ''),
      met: large.produceMBps.best >= 300,
    },
    {
      target: '1 KB consume: >= 300 MB/s',
      measured: `${fmt(large.consumeMBps.best)} MB/s (best), ${fmt(large.consumeMBps.median)} (median)`,
      met: large.consumeMBps.best >= 300,
    },
    {
      target: 'produce p99 < 5 ms at half the maximum rate',
      measured:
        `p99 ${fmt(r.latency.latency.p99, 2)} ms at ${fmtInt(r.latency.achievedRecordsPerSecond)} records/s ` +
        `(asked for ${fmtInt(r.latency.targetRecordsPerSecond)}` +
        (r.latency.unanswered > 0 ? `; ${r.latency.unanswered} batches unanswered when the run gave up)` : ')'),
      // A run that fell well short of the rate it was asked for did not measure latency at that rate.
      met:
        r.latency.latency.p99 < 5 &&
        r.latency.unanswered === 0 &&
        r.latency.achievedRecordsPerSecond >= 0.95 * r.latency.targetRecordsPerSecond,
    },
    {
      target: 'first answer within 300 ms of start',
      measured: `${fmt(median(r.startup.startupMs), 0)} ms (median of ${r.startup.startupMs.length}), best ${fmt(Math.min(...r.startup.startupMs), 0)} ms`,
      met: median(r.startup.startupMs) < 300,
    },
    {
      target: 'idle RSS < 80 MB',
      measured: `${fmt(r.startup.idleRssBytes / 1e6, 0)} MB`,
      met: r.startup.idleRssBytes < 80e6,
    },
  ];
  return rows;
}

function runTable(runs: ThroughputRun[]): string[] {
  const lines = [
    '| workload | run | phase | wall s | records/s | MB/s | broker CPU s (JS thread) | kcat CPU s | broker JS busy | broker JS run-queue wait | host steal | iowait | peak RSS | verdict |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of runs) {
    for (const [phase, p] of [
      ['produce', r.produce],
      ['consume', r.consume],
    ] as const) {
      lines.push(
        `| ${fmtInt(r.workload.records)} x ${r.workload.label} | ${r.run} (${r.memory}) | ${phase} | ${fmt(p.wallSeconds, 2)} | ` +
          `${fmtInt(p.recordsPerSecond)} | ${fmt(p.mbPerSecond)} | ${fmt(p.brokerCpuSeconds, 2)} (${fmt(p.brokerMainThreadCpuSeconds, 2)}) | ` +
          `${fmt(p.kcatCpuSeconds, 2)} | ${fmt(util(p.brokerMainThreadCpuSeconds, p.wallSeconds) * 100, 0)}% | ` +
          `${fmt(util(p.brokerMainThreadWaitSeconds, p.wallSeconds) * 100, 0)}% | ` +
          `${fmt(util(p.stealSeconds, 2 * p.wallSeconds) * 100, 0)}% | ${fmt(util(p.iowaitSeconds, 2 * p.wallSeconds) * 100, 0)}% | ` +
          `${mb(r.peakRssBytes)} | ${verdict(p)} |`,
      );
    }
  }
  return lines;
}

function printReport(r: Report): void {
  const m = r.machine;
  console.log(`\n=== Samsa benchmark ${r.date} ===`);
  console.log(
    `machine: ${m.nproc} x ${m.model}, ${m.memory}, node ${m.node}, kcat ${m.kcat}, load at start ${fmt(m.loadAtStart, 2)}`,
  );
  console.log(
    `startup to first ApiVersions answer: ${r.startup.startupMs.map((x) => fmt(x, 0)).join(', ')} ms; idle RSS ${mb(r.startup.idleRssBytes)}`,
  );
  console.log('\nkcat runs:');
  console.log(
    'workload          run phase     wall s   records/s     MB/s  brokerCPU(JS)   kcatCPU  JS busy  JS wait  steal  peak RSS  verdict',
  );
  for (const x of [...r.runs, ...r.coldRuns]) {
    for (const [phase, p] of [
      ['produce', x.produce],
      ['consume', x.consume],
    ] as const) {
      console.log(
        `${`${fmtInt(x.workload.records)} x ${x.workload.label}`.padEnd(18)}${`${x.run}${x.memory[0]}`.padEnd(4)}${phase.padEnd(9)}` +
          `${fmt(p.wallSeconds, 2).padStart(7)} ${fmtInt(p.recordsPerSecond).padStart(11)} ${fmt(p.mbPerSecond).padStart(8)}` +
          `  ${`${fmt(p.brokerCpuSeconds, 2)} (${fmt(p.brokerMainThreadCpuSeconds, 2)})`.padStart(13)} ${fmt(p.kcatCpuSeconds, 2).padStart(9)}` +
          ` ${`${fmt(util(p.brokerMainThreadCpuSeconds, p.wallSeconds) * 100, 0)}%`.padStart(8)}` +
          ` ${`${fmt(util(p.brokerMainThreadWaitSeconds, p.wallSeconds) * 100, 0)}%`.padStart(8)}` +
          ` ${`${fmt(util(p.stealSeconds, 2 * p.wallSeconds) * 100, 0)}%`.padStart(6)} ${mb(x.peakRssBytes).padStart(9)}  ${verdict(p)}`,
      );
    }
  }
  const l = r.latency;
  console.log(
    `\nproduce latency at ${fmtInt(l.targetRecordsPerSecond)} records/s (achieved ${fmtInt(l.achievedRecordsPerSecond)}), ` +
      `${l.recordsPerBatch} records/batch, ${l.batches} batches: p50 ${fmt(l.latency.p50, 2)} p99 ${fmt(l.latency.p99, 2)} ` +
      `p99.9 ${fmt(l.latency.p999, 2)} max ${fmt(l.latency.max, 2)} ms; from schedule p99 ${fmt(l.fromSchedule.p99, 2)} ms; ` +
      `${l.delayedSends} delayed sends; host steal ${fmt(r.latencySteal * 100, 0)}%`,
  );
  const e = r.e2e;
  console.log(
    `end-to-end at ${fmtInt(e.recordsPerSecond)} records/s, ${e.batches} batches: p50 ${fmt(e.latency.p50, 2)} p99 ${fmt(e.latency.p99, 2)} max ${fmt(e.latency.max, 2)} ms`,
  );
  console.log('\ntargets:');
  for (const t of targets(r)) console.log(`  [${t.met ? 'met' : 'MISSED'}] ${t.target}: ${t.measured}`);
}

function docs(r: Report): string {
  const m = r.machine;
  const sums = WORKLOADS.map((w) => summarise(r.runs, w));
  const peak = Math.max(...r.runs.map((x) => x.peakRssBytes));
  const l = r.latency;
  const e = r.e2e;
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    'Figures from `npm run bench` (bench/run.ts). This file is written by that command after a full run; edit the',
    'generator, not the figures.',
    '',
    '## Setup',
    '',
    `- Date: ${r.date}`,
    `- Command: \`${r.command}\` (in the project root)`,
    `- Machine: ${m.nproc} CPUs (${m.model}), ${m.memory} memory, Linux ${m.kernel}`,
    `- Node ${m.node}; kcat ${m.kcat}`,
    `- 1-minute load average when the run started: ${fmt(m.loadAtStart, 2)}` +
      (m.loadAtStart >= 0.5
        ? ' (other work was running on the machine: the figures are lower and noisier than on an idle one)'
        : ''),
    '- Broker: `node bin/samsa.js start` as its own process with default settings and a fresh data directory under',
    '  the system temp dir, listening on 127.0.0.1; topics with one partition, created before each run.',
    '  Load generators (kcat, bench/latency.ts) run on the same two-core machine and compete with the broker for CPU.',
    '- Before each kcat run and before the latency runs the command calls `sync`, so that no run shares the machine',
    '  with the writeback of the data an earlier run left in the page cache.',
    r.coldRuns.length > 0 || !COLD
      ? '- Memory: before each kcat run the command writes and deletes a scratch file as large as the run will need,\n' +
          '  so that the run starts on memory the guest still holds (see "Cold and warm memory" below: this machine\n' +
          '  gives freed memory back to its host, and touching it again costs both kcat and the broker kernel time).\n' +
          '  One extra 1 KB run without the warm-up shows the difference.'
      : '- Memory: cold (`--cold`): no warm-up before the kcat runs.',
    '',
    '## Against the targets',
    '',
    '| target | measured | |',
    '| --- | --- | --- |',
    ...targets(r).map((t) => `| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`),
    '',
    'For scale: a JVM Apache Kafka 0.9 broker on this kind of machine took about 1 s for the same 1M x 100 B kcat',
    'produce, with about 870 MB RSS (from shared/README.md, not measured by this command).',
    '',
    '## Startup and memory',
    '',
    `- Spawn to first successful ApiVersions v0 answer: ${r.startup.startupMs.map((x) => `${fmt(x, 0)} ms`).join(', ')}` +
      ` (${r.startup.startupMs.length} starts on empty data dirs; the port is polled with a raw socket every 2 ms).`,
    `- RSS after 2 s idle: ${mb(r.startup.idleRssBytes)} (${fmt(r.startup.idleRssBytes / 1e6, 0)} MB).`,
    `- Peak RSS during the kcat runs: ${mb(peak)} (VmHWM, reset before each run).`,
    '',
    '## Throughput with kcat',
    '',
    'kcat produces from a pre-generated file, one record per line (`kcat -P -l FILE -X acks=1`, default linger and',
    'batching, queue.buffering.max.messages raised to hold every record), then reads everything back',
    '(`kcat -C -e -o beginning -q -c N`, output to /dev/null). Wall time runs from spawning kcat to its exit, so it',
    "includes kcat's start-up, metadata round trip and final flush. MB/s counts record values only (10^6 bytes).",
    'After each produce the partition end offset is checked to equal N.',
    '',
    '| workload | produce records/s best / median | produce MB/s best / median | consume records/s best / median | consume MB/s best / median |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...sums.map(
      (s) =>
        `| ${fmtInt(s.workload.records)} x ${s.workload.label} | ${fmtInt(s.produceRps.best)} / ${fmtInt(s.produceRps.median)} | ` +
        `${fmt(s.produceMBps.best)} / ${fmt(s.produceMBps.median)} | ${fmtInt(s.consumeRps.best)} / ${fmtInt(s.consumeRps.median)} | ` +
        `${fmt(s.consumeMBps.best)} / ${fmt(s.consumeMBps.median)} |`,
    ),
    '',
    '### Cold and warm memory',
    '',
    'This machine is a small virtual machine whose kernel reports freed memory back to the host (virtio-balloon free',
    'page reporting) about two seconds after it is freed; the next write to such a page waits for the host to supply',
    'it. A kcat produce writes every byte into memory it has not used before twice: kcat copies each record into its',
    "queue, and the broker's appends fill new page-cache pages. Without Samsa or kcat, the same 512 MiB file write",
    '(1 MiB writes, no fsync) measured:',
    '',
    '| memory | MB/s | kernel CPU s |',
    '| --- | ---: | ---: |',
    `| cold (after ${r.pageCache.idleSeconds} s without allocating) | ${fmt(r.pageCache.cold.mbPerSecond, 0)} | ${fmt(r.pageCache.cold.systemSeconds, 2)} |`,
    `| warm (right after deleting the first file) | ${fmt(r.pageCache.warm.mbPerSecond, 0)} | ${fmt(r.pageCache.warm.systemSeconds, 2)} |`,
    '',
    'The warm-up before each kcat run takes that host cost out of the figures, as on a machine that keeps its memory;',
    r.coldRuns.length > 0
      ? `the run marked "cold" in the table below skipped it, after ${r.pageCache.idleSeconds} s idle: ` +
          r.coldRuns
            .map(
              (x) =>
                `${x.workload.label} produce ${fmt(x.produce.mbPerSecond)} MB/s, consume ${fmt(x.consume.mbPerSecond)} MB/s`,
            )
            .join('; ') +
          '.'
      : 'this run was made with `--cold`, without it.',
    '',
    '### Is the broker the bottleneck?',
    '',
    'CPU seconds per run: the broker process (all threads, from /proc/PID/stat utime+stime), its JavaScript thread',
    "alone (/proc/PID/task/PID/stat), and kcat (the shell's `times` after kcat exits). The JavaScript thread is the",
    `one that cannot scale past one core, so a run counts as broker-bound when it was busy >= ${SATURATED * 100}% of the`,
    'wall time. Its run-queue wait (/proc/PID/task/PID/schedstat) is the time it was ready but had no CPU because',
    "other processes held both cores: kcat's own threads, and anything else running on the machine. The rest of the",
    'wall time the thread was idle (waiting for kcat) or blocked in a synchronous file read or write; this machine',
    'does not expose block-I/O delay accounting, so those two cannot be told apart here. Host steal and iowait are',
    "machine-wide shares of both CPUs' time during the run (/proc/stat): steal is time the hypervisor gave to other",
    'guests, so a run with high steal, or with neither side busy, was paced by the machine, not by Samsa or kcat.',
    '',
    ...runTable([...r.runs, ...r.coldRuns]),
    '',
    'What the broker could sustain if its JavaScript thread had a core to itself, from its CPU time per record',
    '(records / JS-thread CPU seconds, median of the runs; an upper bound that ignores I/O waits):',
    '',
    ...WORKLOADS.flatMap((w) => {
      const rs = r.runs.filter((x) => x.workload === w);
      const cap = (f: (x: ThroughputRun) => PhaseResult) =>
        median(rs.map((x) => w.records / f(x).brokerMainThreadCpuSeconds));
      const p = cap((x) => x.produce);
      const c = cap((x) => x.consume);
      return [
        `- ${w.label}: produce ${fmtInt(p)} records/s (${fmt((p * w.valueSize) / 1e6)} MB/s), ` +
          `consume ${fmtInt(c)} records/s (${fmt((c * w.valueSize) / 1e6)} MB/s)`,
      ];
    }),
    '',
    '## Latency',
    '',
    `Produce request latency (bench/latency.ts): one connection, Produce v9 requests of one uncompressed batch of`,
    `${l.recordsPerBatch} x 100 B records, acks=1, up to 5 requests in flight, at a steady ${fmtInt(l.targetRecordsPerSecond)}`,
    `records/s for ${LATENCY_MS / 1000} s after a 1 s warm-up. Latency is from writing the request to having its whole`,
    'response. The rate is half the maximum rate: the lower of the best 100 B kcat produce rate',
    `(${fmtInt(summarise(r.runs, WORKLOADS[0]!).produceRps.best)} records/s, in requests of about 10,000 records) and the rate of this same`,
    `workload sent as fast as it is answered for ${LATENCY_MS / 1000} s (${fmtInt(r.latencyWorkloadMax)} records/s). Much of the work per`,
    'request does not depend on its size (parsing, a write system call, a response), so 100-record requests top out',
    "at a lower record rate than kcat's, and half of kcat's rate can ask for more than this workload can be served at.",
    '',
    '| p50 | p99 | p99.9 | max | achieved records/s | sends delayed by the in-flight limit | host steal |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${fmt(l.latency.p50, 2)} ms | ${fmt(l.latency.p99, 2)} ms | ${fmt(l.latency.p999, 2)} ms | ${fmt(l.latency.max, 2)} ms | ${fmtInt(l.achievedRecordsPerSecond)} | ${l.delayedSends} | ${fmt(r.latencySteal * 100, 0)}% |`,
    '',
    `Measured from each request's scheduled send time instead (so that waiting for a free in-flight slot counts):`,
    `p50 ${fmt(l.fromSchedule.p50, 2)} ms, p99 ${fmt(l.fromSchedule.p99, 2)} ms, max ${fmt(l.fromSchedule.max, 2)} ms.`,
    '',
    `End-to-end latency: one producer (batches of 100 x 100 B, ${fmtInt(e.recordsPerSecond)} records/s, acks=1) and`,
    'one consumer on its own connection long-polling with Fetch v4 (maxWait 500 ms, minBytes 1). Latency is from the',
    'producer writing a batch to the consumer having the Fetch response that carries it.',
    '',
    '| batches | p50 | p99 | max |',
    '| ---: | ---: | ---: | ---: |',
    `| ${e.batches} | ${fmt(e.latency.p50, 2)} ms | ${fmt(e.latency.p99, 2)} ms | ${fmt(e.latency.max, 2)} ms |`,
    '',
    ...(r.metrics ? metricsLines(r.metrics) : []),
    '## Reproducing',
    '',
    '- `npm run bench` (needs kcat on PATH; about 3 minutes and 2 GB of temp disk). `npm run bench -- --quick` is a',
    '  smaller smoke run that leaves this file alone; `--runs N` changes the repetitions; `--cold` skips the memory',
    '  warm-up; `--no-metrics` skips the metrics on/off comparison.',
    '- `node dist/bench/run.js --profile [--profile-dir DIR]` runs the broker under `node --cpu-prof` for one kcat',
    '  produce and one consume and prints the functions with the most self time.',
    '- `node dist/bench/records.js` is the micro-benchmark of record batch validation and decoding.',
    '- `npm run bench:cluster` runs only the cluster comparison and rewrites its section (`-- --runs N`, `--cold`,',
    '  `--value-size 100|1024`, `--failovers N`, `--profile-dir DIR`; `--quick`, `--scale` and `--value-size` leave this',
    '  file alone).',
    '',
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Metrics on and off

interface MetricsComparison {
  workload: Workload;
  off: ThroughputRun[];
  on: ThroughputRun[];
  scrapes: number;
}

/**
 * The same kcat runs against a broker with metrics off and one with metrics on and scraped every second. Both
 * brokers run side by side for the whole comparison and each takes one unmeasured warm-up run first: the first
 * run of a fresh broker is dominated by compiling its code and touching new memory, which costs both sides alike
 * but swings by more than the 5 % being looked for. The measured runs then alternate between the two brokers,
 * changing which goes first every round, so drift of the machine does not favour one side.
 */
async function compareMetrics(w: Workload, file: string): Promise<MetricsComparison> {
  const off: ThroughputRun[] = [];
  const on: ThroughputRun[] = [];
  let scrapes = 0;
  const brokers = new Map<boolean, BrokerProcess>();
  const metricsPort = await freePort();
  let scraping = true;
  let scraper: Promise<void> = Promise.resolve();
  try {
    for (const metrics of [false, true]) {
      const b = await startBroker(
        tempDir('samsa-bench-metrics-'),
        [],
        [
          ...SERVICES_OFF.filter((s) => !s.startsWith('metrics.')),
          `metrics.enabled=${metrics}`,
          ...(metrics ? [`metrics.listeners=http://127.0.0.1:${metricsPort}`] : []),
        ],
      );
      brokers.set(metrics, b);
      await waitForApiVersions(b);
    }
    scraper = (async () => {
      while (scraping) {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined);
        if (res?.ok) {
          await res.text();
          scrapes++;
        }
        await sleep(1000);
      }
    })();
    for (const metrics of [false, true]) await throughputRun(brokers.get(metrics)!, w, 0, file, COLD ? 'cold' : 'warm');
    for (let i = 1; i <= METRICS_RUNS; i++) {
      for (const metrics of i % 2 === 1 ? [false, true] : [true, false]) {
        const r = await throughputRun(brokers.get(metrics)!, w, i, file, COLD ? 'cold' : 'warm');
        (metrics ? on : off).push(r);
        console.log(
          `  metrics ${metrics ? 'on ' : 'off'} run ${i}: produce ${fmt(r.produce.mbPerSecond)} MB/s, ` +
            `consume ${fmt(r.consume.mbPerSecond)} MB/s; broker CPU ${fmt(r.produce.brokerCpuSeconds, 2)} s and ` +
            `${fmt(r.consume.brokerCpuSeconds, 2)} s`,
        );
      }
    }
  } finally {
    scraping = false;
    await scraper;
    for (const b of brokers.values()) await stopBroker(b);
  }
  return { workload: w, off, on, scrapes };
}

/** Step 5: the metrics on/off comparison on the 100-byte workload, printed. */
async function metricsStep(files: string): Promise<MetricsComparison> {
  console.log('[bench] step 5: metrics on and off');
  const w = WORKLOADS[0]!;
  const file = join(files, `records-${w.valueSize}.txt`);
  await writeRecordFile(file, w.records, w.valueSize);
  const c = await compareMetrics(w, file);
  rmSync(file, { force: true });
  for (const line of metricsLines(c)) console.log(`  ${line}`);
  return c;
}

function metricsLines(c: MetricsComparison): string[] {
  const row = (phase: 'produce' | 'consume') => {
    const off = median(c.off.map((r) => r[phase].mbPerSecond));
    const on = median(c.on.map((r) => r[phase].mbPerSecond));
    const cpuOff = median(c.off.map((r) => r[phase].brokerCpuSeconds));
    const cpuOn = median(c.on.map((r) => r[phase].brokerCpuSeconds));
    const diff = off > 0 ? ((on - off) / off) * 100 : 0;
    // The target bounds what metrics cost: a faster median with metrics on is run-to-run noise, and within it.
    return (
      `| ${phase} | ${fmt(off)} | ${fmt(on)} | ${diff >= 0 ? '+' : ''}${fmt(diff, 1)} % | ` +
      `${fmt(cpuOff, 2)} | ${fmt(cpuOn, 2)} | ${diff >= -5 ? 'within 5 %' : 'more than 5 %'} |`
    );
  };
  return [
    '## Metrics on and off',
    '',
    `${fmtInt(c.workload.records)} x ${c.workload.label} through kcat, ${c.off.length} run(s) each, against a broker with`,
    `\`metrics.enabled=false\` and one with metrics on and scraped every second (${c.scrapes} scrapes in all). The two`,
    'brokers run side by side; each first takes one unmeasured warm-up run (the first run of a fresh broker is spent',
    'compiling code and touching new memory, alike on both sides but with swings larger than 5 %), then the runs',
    "alternate between them. Medians; broker CPU is the broker process's user + system seconds for the phase (a",
    'consume of 1M records takes under a second, so its rate swings by 10-15 % from run to run either way):',
    '',
    '| phase | off MB/s | on MB/s | difference | off broker CPU s | on broker CPU s | target (costs within 5 %) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    row('produce'),
    row('consume'),
    '',
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Profiling mode

async function profile(): Promise<void> {
  const keep = option('--profile-dir');
  const profDir = keep ?? tempDir('samsa-bench-prof-');
  if (keep) mkdirSync(keep, { recursive: true });
  const top = Number(option('--top') ?? 10);
  const size = Number(option('--profile-size') ?? 100);
  const w = WORKLOADS.find((x) => x.valueSize === size);
  if (!w) throw new Error(`--profile-size must be one of ${WORKLOADS.map((x) => x.valueSize).join(', ')}`);
  const files = tempDir('samsa-bench-files-');
  const file = join(files, 'records.txt');
  await writeRecordFile(file, w.records, w.valueSize);
  const dataDir = tempDir('samsa-bench-data-');
  const topic = 'bench-profile';
  for (const phase of ['produce', 'consume'] as const) {
    const spawnUs = monotonicUs();
    const b = await startBroker(dataDir, [
      '--cpu-prof',
      '--cpu-prof-dir',
      profDir,
      '--cpu-prof-name',
      `${phase}.cpuprofile`,
    ]);
    await waitForApiVersions(b);
    const readyUs = monotonicUs();
    if (phase === 'produce') await createTopic(b.opts.port, topic);
    const args = phase === 'produce' ? produceArgs(b.opts.port, topic, w, file) : consumeArgs(b.opts.port, topic, w);
    const fromUs = monotonicUs();
    const p = await kcatPhase(b, w, args);
    const toUs = monotonicUs();
    console.log(
      `${phase}: ${fmt(p.wallSeconds, 2)} s, ${fmtInt(p.recordsPerSecond)} records/s, broker CPU ${fmt(p.brokerCpuSeconds, 2)} s ` +
        `(JS thread ${fmt(p.brokerMainThreadCpuSeconds, 2)} s), kcat CPU ${fmt(p.kcatCpuSeconds, 2)} s`,
    );
    await stopBroker(b);
    const path = join(profDir, `${phase}.cpuprofile`);
    if (!existsSync(path)) throw new Error(`no profile written (${readdirSync(profDir).join(', ')})`);
    if (phase === 'produce') {
      const startup = summariseProfile(path, top, { fromUs: spawnUs, toUs: readyUs });
      console.log(formatSummary('broker startup (spawn to first ApiVersions answer)', startup));
    }
    console.log(formatSummary(`broker during kcat ${phase}`, summariseProfile(path, top, { fromUs, toUs })));
  }
  if (keep) console.log(`profiles kept in ${keep}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (PROFILE) return profile();
  const files = tempDir('samsa-bench-files-');
  if (METRICS_ONLY) {
    await metricsStep(files);
    return;
  }
  console.log(`[bench] ${QUICK ? 'quick' : 'full'} run, ${RUNS} run(s) per workload`);
  if (LOAD_AT_START >= 0.5) {
    console.log(
      `[bench] warning: load average ${fmt(LOAD_AT_START, 2)} before start; other work will disturb the figures`,
    );
  }

  console.log('[bench] step 1: startup and idle RSS');
  const { result: startup, broker } = await measureStartup(5);

  console.log('[bench] step 2: page-cache writes on cold and warm memory');
  const pageCache = await probePageCacheWrites(tmpdir(), 512 * 2 ** 20);
  console.log(
    `  512 MiB file write: cold ${fmt(pageCache.cold.mbPerSecond, 0)} MB/s (${fmt(pageCache.cold.systemSeconds, 2)} s kernel CPU), ` +
      `warm ${fmt(pageCache.warm.mbPerSecond, 0)} MB/s (${fmt(pageCache.warm.systemSeconds, 2)} s)`,
  );

  console.log(`[bench] step 3: kcat throughput (${COLD ? 'cold memory' : 'memory warmed before each kcat run'})`);
  const runs: ThroughputRun[] = [];
  const coldRuns: ThroughputRun[] = [];
  const report1 = (r: ThroughputRun) =>
    console.log(
      `  ${r.workload.label} run ${r.run} (${r.memory}): produce ${fmtInt(r.produce.recordsPerSecond)} rec/s ` +
        `${fmt(r.produce.mbPerSecond)} MB/s, consume ${fmtInt(r.consume.recordsPerSecond)} rec/s ${fmt(r.consume.mbPerSecond)} MB/s`,
    );
  for (const w of WORKLOADS) {
    const file = join(files, `records-${w.valueSize}.txt`);
    await writeRecordFile(file, w.records, w.valueSize);
    for (let i = 1; i <= RUNS; i++) {
      const r = await throughputRun(broker, w, i, file, COLD ? 'cold' : 'warm');
      report1(r);
      runs.push(r);
    }
    if (!COLD && w === WORKLOADS[WORKLOADS.length - 1]) {
      // The same workload once more as the machine comes, after long enough for freed memory to go back.
      await sleep(pageCache.idleSeconds * 1000);
      const r = await throughputRun(broker, w, RUNS + 1, file, 'cold');
      report1(r);
      coldRuns.push(r);
    }
    rmSync(file, { force: true });
  }

  console.log('[bench] step 4: latency');
  settle();
  const tag = Date.now().toString(36);
  // "The maximum rate" of the latency workload itself: the same requests (100-record batches, 5 in flight, one
  // connection) sent as fast as they are answered, for as long. kcat's rate comes from 10,000-record requests, a different load
  // per request; the run below uses half of the lower of the two.
  const kcatMax = summarise(runs, WORKLOADS[0]!).produceRps.best;
  // As long as the latency run itself: on this VM a sustained run pays for fresh page-cache memory that a short
  // burst does not (bench/memory.ts), so the maximum is measured under the same conditions as the latency.
  const workloadMax = await runProduceMax({
    port: broker.opts.port,
    topic: `bench-latency-max-${tag}`,
    recordsPerBatch: 100,
    valueSize: 100,
    durationMs: LATENCY_MS,
    warmupMs: 1000,
    maxInFlight: 5,
  });
  const halfMax = Math.min(kcatMax, workloadMax) / 2;
  console.log(
    `  maximum rate of the latency workload: ${fmtInt(workloadMax)} records/s (kcat: ${fmtInt(kcatMax)}); running at ${fmtInt(halfMax)}`,
  );
  settle();
  const latencyMachine0 = machineStealAndIowait();
  const latencyStart = performance.now();
  const latency = await runProduceLatency({
    port: broker.opts.port,
    topic: `bench-latency-${tag}`,
    recordsPerSecond: Math.round(halfMax),
    recordsPerBatch: 100,
    valueSize: 100,
    durationMs: LATENCY_MS,
    warmupMs: 1000,
    maxInFlight: 5,
  });
  const latencySteal = util(
    machineStealAndIowait().steal - latencyMachine0.steal,
    (2 * (performance.now() - latencyStart)) / 1000,
  );
  const e2e = await runEndToEnd({
    port: broker.opts.port,
    topic: `bench-e2e-${tag}`,
    recordsPerSecond: E2E_RATE,
    recordsPerBatch: 100,
    durationMs: LATENCY_MS,
  });
  await stopBroker(broker);

  const metricsComparison = flag('--no-metrics') ? undefined : await metricsStep(files);

  // kcat over SSL next to plaintext (bench/tls.ts; its own broker with both listeners). --no-tls skips it.
  let tlsSection: string | undefined;
  if (!flag('--no-tls')) {
    console.log('[bench] step 5: TLS throughput (kcat over SSL and plaintext, 1 KB records)');
    settle();
    const tls = await tlsBench({ records: QUICK ? 50_000 : 500_000, runs: QUICK ? 1 : RUNS });
    tlsSection = tlsDocsSection(tls, COMMAND);
    console.log(`\n${tlsSection}`);
  }

  // Replication: a single broker (acks=1) and three brokers (RF 3, acks=all) side by side, and leader failovers
  // (bench/cluster.ts, also `npm run bench:cluster`). --no-cluster skips it.
  let clusterSection: string | undefined;
  if (!flag('--no-cluster')) {
    console.log('[bench] step 6: cluster (3 brokers, RF 3, acks=all, next to 1 broker, acks=1) and leader failover');
    settle();
    clusterSection = (await runClusterBench({ quick: QUICK })).section;
    console.log(`\n${clusterSection}`);
  }

  const report: Report = {
    machine: machine(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: COMMAND,
    startup,
    pageCache,
    runs,
    coldRuns,
    latency,
    latencySteal,
    latencyWorkloadMax: workloadMax,
    e2e,
    metrics: metricsComparison,
  };
  printReport(report);
  if (WRITE_DOCS) {
    // bench:clients, bench:datagen, bench:instructions, bench:cluster and bench:sql own the sections after ours: keep them.
    const previous = existsSync(DOCS_PATH) ? readFileSync(DOCS_PATH, 'utf8') : '';
    const owned = [
      'Client comparison',
      'Data generator',
      'Instruction counts',
      'Cluster (3 brokers, replication factor 3)',
      'Streaming SQL',
    ]
      .map((h) => previous.indexOf(`\n## ${h}\n`))
      .filter((i) => i >= 0);
    const at = owned.length ? Math.min(...owned) : -1;
    const kept = at >= 0 ? `\n${previous.slice(at + 1)}` : '';
    writeFileSync(DOCS_PATH, `${docs(report).trimEnd()}\n${kept}`);
    if (tlsSection !== undefined) writeDocsSection(DOCS_PATH, 'TLS throughput', tlsSection);
    if (clusterSection !== undefined) writeDocsSection(DOCS_PATH, CLUSTER_SECTION, clusterSection);
    console.log(`\n[bench] wrote ${DOCS_PATH}`);
  }
}

try {
  await main();
} catch (e) {
  console.error('[bench] failed:', e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
} finally {
  await cleanup();
}
