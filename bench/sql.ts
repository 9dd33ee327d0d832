/**
 * `npm run bench:sql`: throughput of persistent SQL queries running inside a broker process (`samsa start` with the
 * SQL service on). Loads N JSON records into a topic first, then times from CREATE ... AS SELECT (reading from the
 * earliest offset) until the query has consumed them all:
 *   - filter/projection (CSAS ... WHERE): until the sink topic holds every selected record (target 200,000/s);
 *   - windowed aggregation (CTAS ... WINDOW TUMBLING ... GROUP BY a non-key column, so through the query's
 *     repartition topic): until the query's committed offsets reach the end of the input and of the repartition
 *     topic (target 100,000/s).
 * Each run starts a fresh broker and loads the records again; the best and median of the runs are reported, and
 * a default run (all records, both queries) writes its section of docs/benchmarks.md ("Streaming SQL").
 *
 *   node dist/bench/sql.js [--records N]   (default 1,000,000)
 *                          [--runs N]   (default 3)
 *                          [--only filter|windowed]   run one of the two queries
 *                          [--profile DIR]   profile the broker (node --cpu-prof) into DIR
 *                          [--no-docs] [--docs PATH]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdmin, createProducer } from '../src/client/index.js';
import { writeDocsSection } from './docs-section.js';
import { BrokerProcess, cpuSeconds, freePort, ROOT } from './proc.js';
import { median } from './stats.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--records', 1_000_000);
const strArg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = strArg('--only');
const profileDir = strArg('--profile');
const RUNS = arg('--runs', 3);
const WRITE_DOCS =
  !process.argv.includes('--no-docs') &&
  only === undefined &&
  profileDir === undefined &&
  !process.argv.includes('--records');

/** One query's measurement in one run. */
interface QueryRun {
  recordsPerSecond: number;
  seconds: number;
  brokerCpuSeconds: number;
}
const results: Record<'filter' | 'windowed', QueryRun[]> = { filter: [], windowed: [] };

async function ksql(url: string, statement: string): Promise<any[]> {
  const res = await fetch(`${url}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ksql: statement, streamsProperties: { 'auto.offset.reset': 'earliest' } }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(JSON.stringify(body));
  return body as any[];
}

/** The broker's last log lines, for the error when a query does not finish. */
let brokerLog = () => '';
/** The broker's CPU seconds so far (user + system): a measure that stays meaningful on a busy machine. */
let brokerCpu = () => 0;

function giveUpAfter(start: number): void {
  if (Date.now() - start > Number(process.env.GIVEUP ?? 300_000))
    throw new Error(`the query did not finish within the time limit; broker log:\n${brokerLog()}`);
}

async function main(): Promise<void> {
  const port = await freePort();
  const sqlPort = await freePort();
  const url = `http://127.0.0.1:${sqlPort}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-sql-'));
  const broker = new BrokerProcess({
    port,
    dataDir,
    ...(profileDir ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    overrides: ['ksql.enabled=true', `ksql.listeners=${url}`, 'num.partitions=4'],
  });
  brokerLog = () => broker.log;
  brokerCpu = () => cpuSeconds(broker.pid);
  const bootstrap = `127.0.0.1:${port}`;
  const admin = createAdmin({ bootstrapServers: bootstrap });
  try {
    for (let i = 0; ; i++) {
      if (
        await fetch(`${url}/info`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 300) throw new Error('SQL API did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }
    await admin.connect();
    const producer = createProducer({ bootstrapServers: bootstrap, lingerMs: 20, batchSize: 256 * 1024 });
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      producer.produce({
        topic: 'events',
        key: `user_${i % 10_000}`,
        value: `{"id":${i},"user":"user_${i % 10_000}","region":"region_${i % 50}","amount":${i % 1000},"ts":${t0 + i}}`,
        timestamp: t0 + i,
      });
      if (i % 50_000 === 0) await producer.flush();
    }
    await producer.flush();
    await producer.close();
    console.log(`loaded ${N} records in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await ksql(
      url,
      "CREATE STREAM events (user VARCHAR KEY, id BIGINT, region VARCHAR, amount INT, ts BIGINT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');",
    );

    // Filter and projection.
    if (only !== 'windowed') await filterProjection(url, admin);
    if (only !== 'filter') await windowed(url, admin);
  } finally {
    admin.close();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function filterProjection(url: string, admin: ReturnType<typeof createAdmin>): Promise<void> {
  const selected = Math.floor(N / 2);
  const start = Date.now();
  const cpu0 = brokerCpu();
  await ksql(
    url,
    'CREATE STREAM big AS SELECT user, id, UCASE(region) AS region, amount * 2 AS doubled FROM events WHERE amount >= 500;',
  );
  const started = Date.now();
  for (;;) {
    giveUpAfter(start);
    const offs = await admin
      .listOffsets([0, 1, 2, 3].map((partition) => ({ topic: 'BIG', partition, timestamp: -1 })))
      .catch(() => []);
    if (offs.reduce((a, o) => a + Math.max(o.offset, 0), 0) >= selected) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const secs = (Date.now() - start) / 1000;
  const cpu = brokerCpu() - cpu0;
  results.filter.push({ recordsPerSecond: N / secs, seconds: secs, brokerCpuSeconds: cpu });
  console.log(
    `filter/projection: ${N} records in ${secs.toFixed(2)} s = ${Math.round(N / secs)} records/s (target 200000)` +
      ` (statement ${((started - start) / 1000).toFixed(2)} s, broker CPU ${cpu.toFixed(2)} s)`,
  );
}

async function windowed(url: string, admin: ReturnType<typeof createAdmin>): Promise<void> {
  const start = Date.now();
  const cpu0 = brokerCpu();
  const res = await ksql(
    url,
    'CREATE TABLE per_region AS SELECT region, COUNT(*) AS n, SUM(amount) AS total FROM events WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY region;',
  );
  const started = Date.now();
  const group = `_confluent-ksql-default_query_${res[0].commandStatus.queryId}`;
  const ends = await admin.listOffsets(
    [0, 1, 2, 3].map((partition) => ({ topic: 'events', partition, timestamp: -1 })),
  );
  const total = ends.reduce((a, o) => a + o.offset, 0);
  // GROUP BY region (not the key) goes through the query's repartition topic: done when the query has
  // committed every input record and every record of the repartition topic (one per input record).
  const repartition = `${group}-Aggregate-GroupBy-repartition`;
  for (;;) {
    giveUpAfter(start);
    const committed = await admin.listGroupOffsets(group).catch(() => []);
    const sum = (topic: string) =>
      committed.filter((o) => o.topic === topic).reduce((a, o) => a + Math.max(o.offset, 0), 0);
    if (sum('events') >= total && sum(repartition) >= total) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const secs = (Date.now() - start) / 1000;
  const cpu = brokerCpu() - cpu0;
  results.windowed.push({ recordsPerSecond: N / secs, seconds: secs, brokerCpuSeconds: cpu });
  console.log(
    `windowed aggregation: ${N} records in ${secs.toFixed(2)} s = ${Math.round(N / secs)} records/s (target 100000)` +
      ` (statement ${((started - start) / 1000).toFixed(2)} s, broker CPU ${cpu.toFixed(2)} s)`,
  );
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function section(startedAt: string, load: string): string {
  const row = (name: string, target: number, runs: QueryRun[]) => {
    const rates = runs.map((r) => r.recordsPerSecond);
    const best = Math.max(...rates);
    const cpu = median(runs.map((r) => r.brokerCpuSeconds));
    return `| ${name} | ${fmt(best)} | ${fmt(median(rates))} | ${cpu.toFixed(2)} | >= ${fmt(target)} | ${best >= target ? 'met' : '**missed**'} |`;
  };
  return [
    '## Streaming SQL',
    '',
    `\`npm run bench:sql\` (bench/sql.ts), run ${startedAt} on ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load`,
    `average ${load} at the start. ${fmt(N)} JSON records (about 110 bytes each, 10,000 keys) are loaded into a`,
    '4-partition topic, then a persistent query started inside `samsa start` reads them from the earliest offset; the',
    'time runs from the CREATE statement until the query has written every result (filter/projection: the sink holds',
    'every selected record) or committed every input and repartition record (windowed: GROUP BY a value column goes',
    `through the query's repartition topic). ${RUNS} run(s), each on a fresh broker; broker CPU is the broker process's`,
    'user + system seconds during the query (median).',
    '',
    '| query | best records/s | median records/s | broker CPU s | target | |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    row('filter/projection (CSAS ... WHERE, UCASE, arithmetic)', 200_000, results.filter),
    row('windowed aggregation (CTAS ... WINDOW TUMBLING 10 s, COUNT, SUM, GROUP BY region)', 100_000, results.windowed),
    '',
  ].join('\n');
}

const startedAt = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' / ');
for (let run = 1; run <= RUNS; run++) {
  console.log(`[bench:sql] run ${run} of ${RUNS}`);
  await main();
}
if (results.filter.length > 0 && results.windowed.length > 0) {
  const text = section(startedAt, load);
  console.log(`\n${text}`);
  if (WRITE_DOCS) writeDocsSection(strArg('--docs') ?? join(ROOT, 'docs', 'benchmarks.md'), 'Streaming SQL', text);
}
