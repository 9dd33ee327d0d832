/**
 * `npm run bench:tls`: kcat over SSL next to kcat over plaintext, on one broker process with both listeners
 * (ssl.client.auth=required, EC P-256 certificates made with src/security/certs.ts). Each run produces N x 1 KB
 * records from a file (`kcat -P -l`, acks=1) and consumes them back (`kcat -C -e`), alternating plaintext and SSL.
 *
 *   node dist/bench/tls.js              500k x 1 KB, 2 runs each, writes the "TLS throughput" section of docs/benchmarks.md
 *   node dist/bench/tls.js --quick      50k x 1 KB, 1 run each, docs untouched
 *
 * Options: --records N, --runs N, --no-docs, --docs PATH. `npm run bench` runs it too (bench/run.ts, tlsBench).
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCertificates } from '../src/security/certs.js';
import { writeDocsSection } from './docs-section.js';
import { BrokerProcess, cpuSeconds, freePort, ROOT, runTimed } from './proc.js';
import { createTopic, latestOffset } from './wire.js';

const KCAT = process.env.KCAT ?? 'kcat';
const VALUE_SIZE = 1024;

export interface TlsPhase {
  wallSeconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  brokerCpuSeconds: number;
  kcatCpuSeconds: number;
}

export interface TlsRun {
  protocol: 'PLAINTEXT' | 'SSL';
  run: number;
  produce: TlsPhase;
  consume: TlsPhase;
}

export interface TlsBenchResult {
  records: number;
  valueSize: number;
  runs: TlsRun[];
}

async function writeRecordFile(path: string, count: number): Promise<void> {
  const line = `${'r'.repeat(VALUE_SIZE)}\n`;
  const chunk = Buffer.from(line.repeat(1024));
  const out = createWriteStream(path);
  for (let left = count; left > 0; left -= 1024) {
    const piece = left >= 1024 ? chunk : chunk.subarray(0, left * line.length);
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((res, rej) => {
    out.once('error', rej);
    out.end(() => res());
  });
}

async function phase(broker: BrokerProcess, records: number, args: string[]): Promise<TlsPhase> {
  const cpu0 = cpuSeconds(broker.pid);
  const run = await runTimed(KCAT, args, 300_000);
  const cpu1 = cpuSeconds(broker.pid);
  if (run.exitCode !== 0) throw new Error(`kcat ${args.join(' ')} failed (exit ${run.exitCode}):\n${run.stderr}`);
  return {
    wallSeconds: run.wallSeconds,
    recordsPerSecond: records / run.wallSeconds,
    mbPerSecond: (records * VALUE_SIZE) / run.wallSeconds / 1e6,
    brokerCpuSeconds: cpu1 - cpu0,
    kcatCpuSeconds: run.cpuSeconds,
  };
}

/** Runs the comparison; `log` gets one progress line per phase. */
export async function tlsBench(opts: {
  records: number;
  runs: number;
  log?: (line: string) => void;
}): Promise<TlsBenchResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-tls-'));
  let broker: BrokerProcess | undefined;
  try {
    const certs = await createCertificates({ dir: join(dir, 'certs'), clients: ['kcat'] });
    const plainPort = await freePort();
    const sslPort = await freePort();
    broker = new BrokerProcess({
      port: plainPort,
      dataDir: join(dir, 'data'),
      overrides: [
        `listeners=PLAINTEXT://127.0.0.1:${plainPort},SSL://127.0.0.1:${sslPort}`,
        `ssl.keystore.location=${certs.brokerKeystore}`,
        `ssl.truststore.location=${certs.ca}`,
        'ssl.client.auth=required',
        'metrics.enabled=false',
        'console.enabled=false',
        'schema.registry.enabled=false',
        'ksql.enabled=false',
      ],
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await createTopic(plainPort, 'bench-tls-ready');
        break;
      } catch (err) {
        if (!broker.running || Date.now() > deadline)
          throw new Error(`broker did not start: ${String(err)}\n${broker.log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const file = join(dir, 'records.txt');
    await writeRecordFile(file, opts.records);
    const ssl = [
      '-X',
      'security.protocol=ssl',
      '-X',
      `ssl.ca.location=${certs.ca}`,
      '-X',
      `ssl.certificate.location=${certs.clients.kcat!.cert}`,
      '-X',
      `ssl.key.location=${certs.clients.kcat!.key}`,
    ];
    const runs: TlsRun[] = [];
    for (let run = 1; run <= opts.runs; run++) {
      for (const protocol of ['PLAINTEXT', 'SSL'] as const) {
        const topic = `bench-tls-${protocol.toLowerCase()}-${run}-${Date.now().toString(36)}`;
        await createTopic(plainPort, topic);
        const target = protocol === 'SSL' ? ['-b', `localhost:${sslPort}`, ...ssl] : ['-b', `127.0.0.1:${plainPort}`];
        const produce = await phase(broker, opts.records, [
          '-P',
          ...target,
          '-t',
          topic,
          '-X',
          'acks=1',
          '-X',
          `queue.buffering.max.messages=${opts.records + 100_000}`,
          '-l',
          file,
        ]);
        const stored = await latestOffset(plainPort, topic);
        if (stored !== opts.records) throw new Error(`${topic}: expected ${opts.records} records, found ${stored}`);
        const consume = await phase(broker, opts.records, [
          '-C',
          ...target,
          '-t',
          topic,
          '-e',
          '-o',
          'beginning',
          '-q',
          '-c',
          String(opts.records),
        ]);
        runs.push({ protocol, run, produce, consume });
        log(
          `  ${protocol.padEnd(9)} run ${run}: produce ${fmt(produce.mbPerSecond)} MB/s (${fmt(produce.wallSeconds, 2)} s), ` +
            `consume ${fmt(consume.mbPerSecond)} MB/s (${fmt(consume.wallSeconds, 2)} s)`,
        );
      }
    }
    return { records: opts.records, valueSize: VALUE_SIZE, runs };
  } finally {
    await broker?.stop(5000);
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function best(r: TlsBenchResult, protocol: string, which: 'produce' | 'consume'): TlsPhase {
  const phases = r.runs.filter((x) => x.protocol === protocol).map((x) => x[which]);
  return phases.reduce((a, b) => (b.mbPerSecond > a.mbPerSecond ? b : a));
}

/** The "TLS throughput" section of docs/benchmarks.md. */
export function tlsDocsSection(r: TlsBenchResult, command: string): string {
  const rows: string[] = [];
  for (const which of ['produce', 'consume'] as const) {
    const plain = best(r, 'PLAINTEXT', which);
    const ssl = best(r, 'SSL', which);
    for (const [label, p] of [
      ['PLAINTEXT', plain],
      ['SSL', ssl],
    ] as const) {
      rows.push(
        `| ${which} | ${label} | ${fmt(p.wallSeconds, 2)} | ${Math.round(p.recordsPerSecond).toLocaleString('en-US')} | ${fmt(p.mbPerSecond)} | ${fmt(p.brokerCpuSeconds, 2)} | ${fmt(p.kcatCpuSeconds, 2)} |`,
      );
    }
    rows.push(`| ${which} | SSL / PLAINTEXT | | | ${fmt((ssl.mbPerSecond / plain.mbPerSecond) * 100, 0)}% | | |`);
  }
  return [
    '## TLS throughput',
    '',
    `kcat over an SSL listener (TLS 1.3, EC P-256 certificates, ssl.client.auth=required) next to the same broker's`,
    `PLAINTEXT listener: ${r.records.toLocaleString('en-US')} x ${r.valueSize} B records produced from a file`,
    '(`kcat -P -l`, acks=1) and consumed back (`kcat -C -e`), best of ' +
      `${r.runs.length / 2} run(s) each, runs alternating. Measured by \`${command}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| phase | listener | wall s | records/s | MB/s | broker CPU s | kcat CPU s |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const option = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const records = Number(option('--records') ?? (quick ? 50_000 : 500_000));
  const runs = Number(option('--runs') ?? (quick ? 1 : 2));
  console.log(`[bench:tls] ${records} x ${VALUE_SIZE} B, ${runs} run(s) per listener`);
  const result = await tlsBench({ records, runs });
  const command = `npm run bench:tls${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const section = tlsDocsSection(result, command);
  console.log(`\n${section}`);
  if (!quick && !argv.includes('--no-docs')) {
    writeDocsSection(option('--docs') ?? join(ROOT, 'docs', 'benchmarks.md'), 'TLS throughput', section);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await main();
  } catch (e) {
    console.error('[bench:tls] failed:', e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  }
}
