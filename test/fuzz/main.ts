/**
 * `npm run fuzz -- --iterations N [--seed S] [--port P]`: a long fuzz run against a broker child process (or, with
 * --port, a broker already running). Prints progress, and on a failure the seed and batch that replay it, writes
 * the failing requests to fuzz-failure-<seed>.json and exits 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FuzzError, replay, runFuzz, type FuzzStats } from './engine.js';
import { startFuzzBroker, type FuzzBroker } from './broker.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    port: { type: 'string' },
    batch: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '12' },
    pipeline: { type: 'string', default: '32' },
    replay: { type: 'string' },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const iterations = Number(values.iterations);
const line = (s: string) => process.stdout.write(`${s}\n`);
const rate = (s: FuzzStats) => Math.round(s.requests / Math.max(0.001, s.elapsedMs / 1000));

let broker: FuzzBroker | undefined;
let code = 0;
const t0 = Date.now();
line(`samsa fuzz: seed ${seed}, ${iterations} requests`);
try {
  broker = values.port === undefined ? await startFuzzBroker() : undefined;
  const port = broker?.proc.port ?? Number(values.port);
  if (values.replay !== undefined) {
    // Replays a failure report's batch on one connection against a fresh broker, naming the chunks that hang.
    const report = JSON.parse(readFileSync(values.replay, 'utf8'));
    const lines = await replay(port, report.batchRequests ?? report.requests, { pipeline: Number(values.pipeline) });
    for (const l of lines) line(l);
    line(`replayed: ${lines.length} chunk(s) hung or were slow; broker ${broker?.gone() ?? 'running'}`);
    for (const e of broker?.takeErrors() ?? []) line(e);
    process.exit(lines.some((l) => l.startsWith('HUNG')) ? 1 : 0);
  }
  let lastPrint = 0;
  const stats = await runFuzz({
    port,
    seed,
    iterations,
    batchSize: Number(values.batch),
    connections: Number(values.connections),
    pipeline: Number(values.pipeline),
    brokerGone: broker ? () => broker!.gone() : undefined,
    brokerErrors: broker ? () => broker!.takeErrors() : undefined,
    onHang: broker ? () => broker!.report() : undefined,
    progress: (s) => {
      if (Date.now() - lastPrint < 10_000) return;
      lastPrint = Date.now();
      line(`  ${s.requests} requests, ${s.answered} answered, ${s.closedByBroker} connections closed, ${rate(s)}/s`);
    },
  });
  line(
    `PASS: ${stats.requests} requests over ${Object.keys(stats.perApi).length} APIs in ${(stats.elapsedMs / 1000).toFixed(1)} s ` +
      `(${rate(stats)} requests/s); ${stats.answered} answered, ${stats.closedByBroker} connections closed by the broker, ` +
      `${stats.batches} health checks passed; seed ${seed}`,
  );
} catch (err) {
  code = 1;
  if (err instanceof FuzzError) {
    const file = `fuzz-failure-${seed}.json`;
    writeFileSync(file, JSON.stringify(err.failure, null, 2));
    line(`FAIL: ${err.message}`);
    line(`  failing requests written to ${file}`);
    line(`  replay: npm run fuzz -- --seed ${seed} --iterations ${iterations}`);
  } else {
    line(`FAIL: ${(err as Error).stack ?? err}`);
  }
} finally {
  if (broker) {
    const gone = broker.gone();
    await broker.stop();
    if (gone) line(`broker: ${gone}`);
  }
  line(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
process.exit(code);
