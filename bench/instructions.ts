/**
 * `npm run bench:instructions`: the broker's cost for a fixed kcat workload in CPU instructions, counted by
 * valgrind's callgrind. Unlike seconds, instruction counts repeat run after run whatever else the machine is doing,
 * so two builds can be compared on a busy machine (the figures in docs/benchmarks.md need a quiet one).
 *
 * Each build runs twice under callgrind: started and stopped with nothing to do ("idle"), and started, fed N records
 * by `kcat -P` (acks=1), read back by `kcat -C`, then stopped ("load"). load minus idle is the workload's cost; it is
 * split into garbage collection (V8 marking, sweeping, scavenging, compaction) and the rest. The HTTP services are
 * off (the benchmark measures the Kafka path). Valgrind slows the broker about fifty times, so N stays small.
 *
 * `--metrics` compares this checkout with metrics off and on instead (the metrics service counting on the
 * observation point and scraped three times: after start, after producing, after consuming; the idle run is
 * scraped once and kept running until the loaded one stops), so the cost of counting shows as the difference of
 * the two rows. `--no-scrape` scrapes only after start, leaving the counting alone in the difference (a scrape
 * under valgrind runs cold code, some 15M instructions each, where a broker scraped every second runs it optimised).
 *
 *   node dist/bench/instructions.js [--records 20000] [--size 1024] [--baseline /path/to/other/checkout] [--docs]
 *   node dist/bench/instructions.js --metrics [--no-scrape] [--records 20000] [--size 1024]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDocsSection } from './docs-section.js';
import { freePort, ROOT } from './proc.js';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RECORDS = Number(option('--records') ?? 20_000);
const SIZE = Number(option('--size') ?? 1024);
const BASELINE = option('--baseline');
const DOCS = argv.includes('--docs');
const METRICS = argv.includes('--metrics');
/** With --metrics: scrape after producing and after consuming too (the scrape's own cost joins the count). */
const SCRAPE = !argv.includes('--no-scrape');
const KCAT = process.env['KCAT'] ?? 'kcat';
const SERVICES_OFF = ['schema.registry.enabled', 'console.enabled', 'metrics.enabled', 'ksql.enabled'];
/** V8's collector, by the names of its C++ functions in the callgrind output. */
const GC =
  /Marking|Sweep|MarkCompact|Scaveng|Evacuat|PointersUpdating|RecordMigrated|RememberedSet|FreeList|MemoryChunk/;
/** Hash-seed initialisation searches for primes from a random start: a random cost per isolate, not the workload's. */
const NOISE = /sprp/;

interface Count {
  total: number;
  gc: number;
  noise: number;
}

function commitOf(dir: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}

function readCount(outFile: string): Count {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', outFile], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const c: Count = { total: 0, gc: 0, noise: 0 };
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line);
    if (!m) continue;
    const n = Number(m[1]!.replaceAll(',', ''));
    if (m[2]!.startsWith('PROGRAM TOTALS')) c.total = n;
    else if (GC.test(m[2]!)) c.gc += n;
    else if (NOISE.test(m[2]!)) c.noise += n;
  }
  return c;
}

async function scrape(url: string | undefined): Promise<void> {
  if (url === undefined) return;
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (res.status !== 200) throw new Error(`scraping ${url} answered ${res.status}`);
  await res.text();
}

/**
 * One broker under callgrind. `hold`: an idle broker stays up until it settles, so that what costs per second of
 * wall time (timers such as the event-loop delay monitor, which fire about fifty times as often per record under
 * valgrind as at full speed) is subtracted with the idle run instead of being charged to the workload.
 */
async function measure(
  tree: string,
  recordFile: string,
  load: boolean,
  metrics = false,
  hold?: Promise<void>,
): Promise<Count> {
  const port = await freePort();
  const metricsPort = metrics ? await freePort() : 0;
  const metricsUrl = metrics ? `http://127.0.0.1:${metricsPort}/metrics` : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-ir-'));
  const out = join(dataDir, 'callgrind.out');
  const knowsServices = existsSync(join(tree, 'dist', 'src', 'broker', 'config', 'keys', 'services.js'));
  const off = metrics ? SERVICES_OFF.filter((k) => !k.startsWith('metrics.')) : SERVICES_OFF;
  const overrides = knowsServices ? off.flatMap((k) => ['--override', `${k}=false`]) : [];
  if (metrics) overrides.push('--override', `metrics.listeners=http://127.0.0.1:${metricsPort}`);
  const broker = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${out}`,
      process.execPath,
      join(tree, 'bin', 'samsa.js'),
      'start',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data-dir',
      join(dataDir, 'data'),
      ...overrides,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((r) => broker.once('exit', () => r()));
  try {
    const bootstrap = `127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await run(KCAT, ['-L', '-b', bootstrap, '-m', '2'], 10_000).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (i > 240) throw new Error(`the broker in ${tree} did not answer under valgrind`);
      await sleep(500);
    }
    await scrape(metricsUrl);
    if (load) {
      // Valgrind makes every answer slow: generous timeouts, so a busy machine does not fail the run.
      const slow = ['-m', '300', '-X', 'socket.timeout.ms=300000'];
      const produce = ['-P', '-b', bootstrap, '-t', 'ir', '-l', recordFile, '-X', 'acks=1', ...slow];
      await run(KCAT, [...produce, '-X', `queue.buffering.max.messages=${RECORDS + 1000}`], 600_000);
      if (SCRAPE) await scrape(metricsUrl);
      const consume = [
        '-C',
        '-b',
        bootstrap,
        '-t',
        'ir',
        '-e',
        '-o',
        'beginning',
        '-q',
        '-c',
        String(RECORDS),
        ...slow,
      ];
      await run(KCAT, consume, 600_000);
      if (SCRAPE) await scrape(metricsUrl);
    }
    if (hold !== undefined) await hold;
    broker.kill('SIGTERM');
    await exited;
    return readCount(out);
  } finally {
    if (broker.exitCode === null && broker.signalCode === null) broker.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function workload(tree: string, recordFile: string, metrics = false): Promise<Count> {
  // With --metrics both rows hold their idle broker up as long as the loaded one runs (see measure).
  const loaded = measure(tree, recordFile, true, metrics);
  const settled = loaded.then(
    () => undefined,
    () => undefined,
  );
  const [idle, load] = await Promise.all([
    measure(tree, recordFile, false, metrics, METRICS ? settled : undefined),
    loaded,
  ]);
  return { total: load.total - idle.total, gc: load.gc - idle.gc, noise: load.noise - idle.noise };
}

async function main(): Promise<void> {
  const files = mkdtempSync(join(tmpdir(), 'samsa-bench-ir-records-'));
  const recordFile = join(files, 'records.txt');
  const value = 'x'.repeat(SIZE - 8);
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) lines.push(String(i).padStart(8, '0') + value);
  writeFileSync(recordFile, `${lines.join('\n')}\n`);
  try {
    const trees = METRICS
      ? [
          { name: 'metrics off', dir: ROOT, metrics: false },
          { name: 'metrics on', dir: ROOT, metrics: true },
        ]
      : [{ name: 'this checkout', dir: ROOT, metrics: false }];
    if (BASELINE && !METRICS) trees.push({ name: `baseline ${commitOf(BASELINE)}`, dir: BASELINE, metrics: false });
    const results = await Promise.all(trees.map((t) => workload(t.dir, recordFile, t.metrics)));
    const m = (n: number) => `${(n / 1e6).toFixed(1)}M`;
    const rows = results.map((r, i) => {
      const rest = r.total - r.gc - r.noise;
      return `| ${trees[i]!.name} | ${m(r.total)} | ${m(r.gc)} | ${m(rest)} | ${Math.round(rest / RECORDS).toLocaleString('en-US')} |`;
    });
    const table = `| build | all | garbage collection | the rest | the rest per record |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}\n`;
    console.log(
      `broker instructions for ${RECORDS} x ${SIZE} B produced and consumed with kcat (load - idle):\n${table}`,
    );
    if (METRICS) {
      const [off, on] = results.map((r) => r.total - r.gc - r.noise) as [number, number];
      console.log(`metrics cost (the rest, on vs off): ${(((on - off) / off) * 100).toFixed(1)}%`);
    }
    if (DOCS && !METRICS) {
      const commit = commitOf(ROOT);
      const baseline = BASELINE ? ` against a checkout of commit ${commitOf(BASELINE)}` : '';
      writeDocsSection(
        join(ROOT, 'docs', 'benchmarks.md'),
        'Instruction counts',
        `## Instruction counts

The broker's instructions (valgrind callgrind) for ${RECORDS.toLocaleString('en-US')} records of ${SIZE} B produced with \`kcat -P\` (acks=1) and read back
with \`kcat -C\`, minus a start and stop with nothing to do, HTTP services off. One run of
\`npm run bench:instructions -- --records ${RECORDS} --size ${SIZE}${BASELINE ? ' --baseline DIR' : ''} --docs\` on ${new Date().toISOString().slice(0, 10)} (commit ${commit})${baseline}. Counts do not
depend on what else the machine runs, so builds can be compared on a busy machine; V8 tiers code up by time, so
counts of the same build still differ by up to about 10% between runs, and a major garbage collection may or may
not fall inside the run (shown apart).

${table}`,
      );
    }
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
}

if (!existsSync(join(ROOT, 'bin', 'samsa.js'))) throw new Error('build first: npm run build');
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('bench:instructions needs valgrind (Debian package valgrind)');
  process.exit(1);
}
await main();
