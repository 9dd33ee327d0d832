/**
 * `npm run bench:datagen`: how fast `samsa datagen` fills a topic, per format, against a broker process with its
 * schema registry (the quick-start setup). Each format: a warm-up run, then N pageviews records timed from the first
 * record to the last acknowledgement, best of --runs. Target (issue 13): 100,000 Avro records at 50,000 records/s
 * or more. Writes the "Data generator" section of docs/benchmarks.md unless --no-docs.
 *
 *   node dist/bench/datagen.js [--records 100000] [--runs 3] [--no-docs]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Format } from '../src/datagen/formats.js';
import { runDatagen } from '../src/datagen/run.js';
import { writeDocsSection } from './docs-section.js';
import { BrokerProcess, freePort, ROOT } from './proc.js';

const argv = process.argv.slice(2);
const option = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const RECORDS = option('--records', 100_000);
const RUNS = option('--runs', 3);
const FORMATS: Format[] = ['avro', 'json', 'json_sr', 'protobuf'];
const TARGET = 50_000;

async function waitForRegistry(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${url}/subjects`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the schema registry at ${url} did not come up`);
}

async function main(): Promise<void> {
  const port = await freePort();
  const registryPort = await freePort();
  const url = `http://127.0.0.1:${registryPort}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-datagen-'));
  const broker = new BrokerProcess({
    port,
    dataDir,
    overrides: ['schema.registry.enabled=true', `schema.registry.listeners=${url}`],
  });
  const bootstrap = `127.0.0.1:${port}`;
  const rows: string[] = [];
  try {
    await waitForRegistry(url);
    for (const format of FORMATS) {
      const rates: number[] = [];
      await runDatagen({
        dataset: 'pageviews',
        topic: `warm-${format}`,
        format,
        iterations: 20_000,
        intervalMs: 0,
        bootstrap,
        registryUrl: url,
        seed: 1,
      });
      for (let r = 0; r < RUNS; r++) {
        const p = await runDatagen({
          dataset: 'pageviews',
          topic: `bench-${format}-${r}`,
          format,
          iterations: RECORDS,
          intervalMs: 0,
          bootstrap,
          registryUrl: url,
          seed: r + 2,
        });
        if (p.records !== RECORDS) throw new Error(`${format}: ${p.records} of ${RECORDS} records acknowledged`);
        rates.push((p.records * 1000) / p.ms);
      }
      rates.sort((a, b) => a - b);
      const best = rates[rates.length - 1]!;
      const median = rates[Math.floor((rates.length - 1) / 2)]!;
      console.log(`datagen ${format}: best ${Math.round(best)} records/s, median ${Math.round(median)} records/s`);
      const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
      rows.push(
        `| ${format} | ${fmt(best)} | ${fmt(median)} | ${format === 'avro' ? (median >= TARGET ? 'met' : 'missed') : ''} |`,
      );
    }
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (argv.includes('--no-docs')) return;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  const section = `## Data generator

\`samsa datagen --quickstart pageviews\` (the library call behind it, \`runDatagen\`) into a one-partition topic of a
broker process with its schema registry on 127.0.0.1, ${RECORDS.toLocaleString('en-US')} records per run after a 20,000-record warm-up,
${RUNS} runs per format, timed from the first record to the last acknowledgement (acks=1). One run of
\`npm run bench:datagen\` on ${new Date().toISOString().slice(0, 10)} (commit ${commit}, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}).
Target: 100,000 Avro records at 50,000 records/s or more.

| format | best records/s | median records/s | target |
|---|---:|---:|---|
${rows.join('\n')}
`;
  writeDocsSection(join(ROOT, 'docs', 'benchmarks.md'), 'Data generator', section);
}

await main();
