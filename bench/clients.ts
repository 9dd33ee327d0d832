/**
 * `npm run bench:clients`: produce and consume throughput of three Node.js Kafka clients against the same Samsa
 * broker, in one run: Samsa's own client, KafkaJS 2.2.4 and @platformatic/kafka 1.x.
 *
 * The broker runs as its own process. Every measurement runs in a fresh Node process (this file started with
 * --worker), so one client's JIT state, heap or leftover sockets cannot help or hurt the next one.
 *
 *   node dist/bench/clients.js                 500k x 100 B, each client and direction twice, writes docs
 *   node dist/bench/clients.js --records 100000 --runs 1 --no-docs
 *   node dist/bench/clients.js --profile DIR   also writes a .cpuprofile of each Samsa client worker into DIR
 *
 * Produce: acks=1, no compression, no idempotence, one partition; batching as alike as the clients allow: Samsa
 * batches by itself (linger 5 ms, batch 1,000,000 bytes, 5 requests in flight); KafkaJS and platformatic have no
 * accumulator, so the caller hands them arrays of as many records as fill one such batch, with 5 sends in flight.
 * Consume: the topic filled by the first Samsa produce run is read from the beginning by each client (KafkaJS
 * and platformatic need a group; the broker's first-rebalance delay is set to 0). The clock starts when fetching can
 * begin (after connecting and, where the client allows telling, after the group join) and stops at the last record.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeDocsSection } from './docs-section.js';
import { BrokerProcess, freePort, ROOT } from './proc.js';
import { median } from './stats.js';

type ClientName = 'samsa' | 'kafkajs' | 'platformatic';
const CLIENTS: ClientName[] = ['samsa', 'kafkajs', 'platformatic'];
const LABEL: Record<ClientName, string> = {
  samsa: 'Samsa client',
  kafkajs: 'KafkaJS 2.2.4',
  platformatic: '@platformatic/kafka',
};

const BATCH_BYTES = 1_000_000;
const LINGER_MS = 5;
const IN_FLIGHT = 5;
const PARTITION_BYTES = 8 * 1024 * 1024;

interface WorkerResult {
  records: number;
  seconds: number;
  error?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Workers (one measurement each, in their own process)

function payload(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = 65 + ((i * 7) % 26);
  return b;
}

/** Records per caller-made batch for clients without an accumulator: about BATCH_BYTES of records. */
function recordsPerBatch(size: number): number {
  // A v2 record of a 100-byte value without key or headers takes about size + 8 bytes on the wire.
  return Math.max(1, Math.floor(BATCH_BYTES / (size + 8)) - 16);
}

async function produceSamsa(bootstrap: string, topic: string, n: number, size: number): Promise<WorkerResult> {
  const { createProducer } = await import('../src/client/index.js');
  const producer = createProducer<null, Buffer>({
    bootstrapServers: bootstrap,
    acks: 1,
    lingerMs: LINGER_MS,
    batchSize: BATCH_BYTES,
    maxInFlightRequests: IN_FLIGHT,
    idempotent: false,
  });
  const value = payload(size);
  await producer.connect();
  // First record outside the clock: it waits for the topic's metadata.
  await producer.send({ topic, partition: 0, value });
  let acked = 0;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  let pending = 0;
  const cb = (err: Error | null) => {
    pending--;
    if (err) failed ??= err;
    else acked++;
    if (wake && pending < 100_000) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  const t0 = performance.now();
  for (let i = 1; i < n; i++) {
    pending++;
    producer.produce({ topic, partition: 0, value }, cb);
    if (pending >= 200_000) await new Promise<void>((r) => (wake = r));
    else if ((i & 4095) === 0) await new Promise<void>((r) => setImmediate(r));
  }
  await producer.flush();
  const seconds = (performance.now() - t0) / 1000;
  await producer.close();
  if (failed) throw failed;
  return { records: acked, seconds };
}

/** Sends `n` records as arrays of `per`, with at most IN_FLIGHT sends outstanding. */
async function pipelined(n: number, per: number, send: (count: number) => Promise<unknown>): Promise<void> {
  let left = n;
  const inflight = new Set<Promise<unknown>>();
  while (left > 0) {
    const count = Math.min(per, left);
    left -= count;
    const p = send(count).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}

async function produceKafkajs(bootstrap: string, topic: string, n: number, size: number): Promise<WorkerResult> {
  const { Kafka, logLevel } = (await import('kafkajs')) as any;
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: IN_FLIGHT, idempotent: false });
  await producer.connect();
  const value = payload(size);
  await producer.send({ topic, acks: 1, messages: [{ value, partition: 0 }] });
  const per = recordsPerBatch(size);
  const messages = Array.from({ length: per }, () => ({ value, partition: 0 }));
  const t0 = performance.now();
  await pipelined(n - 1, per, (count) =>
    producer.send({ topic, acks: 1, messages: count === per ? messages : messages.slice(0, count) }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await producer.disconnect();
  return { records: n - 1, seconds };
}

async function producePlatformatic(bootstrap: string, topic: string, n: number, size: number): Promise<WorkerResult> {
  const pk = (await import('@platformatic/kafka' as string)) as any;
  const producer = new pk.Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: [bootstrap],
    acks: pk.ProduceAcks.LEADER,
    idempotent: false,
    autocreateTopics: false,
  });
  const value = payload(size);
  await producer.send({ messages: [{ topic, value, partition: 0 }] });
  const per = recordsPerBatch(size);
  const messages = Array.from({ length: per }, () => ({ topic, value, partition: 0 }));
  const t0 = performance.now();
  await pipelined(n - 1, per, (count) =>
    producer.send({ messages: count === per ? messages : messages.slice(0, count) }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await producer.close();
  return { records: n - 1, seconds };
}

async function consumeSamsa(bootstrap: string, topic: string, n: number): Promise<WorkerResult> {
  const { createConsumer } = await import('../src/client/index.js');
  const consumer = createConsumer({
    bootstrapServers: bootstrap,
    autoOffsetReset: 'earliest',
    maxBytes: 2 * PARTITION_BYTES,
    maxPartitionBytes: PARTITION_BYTES,
  });
  await consumer.cluster.ensureTopics([topic]);
  const t0 = performance.now();
  consumer.assign([{ topic, partition: 0 }]);
  let count = 0;
  for await (const batch of consumer.batches()) {
    count += batch.records.length;
    if (count >= n) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  await consumer.close();
  return { records: count, seconds };
}

async function consumeKafkajs(bootstrap: string, topic: string, n: number): Promise<WorkerResult> {
  const { Kafka, logLevel } = (await import('kafkajs')) as any;
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-kafkajs-${process.pid}`,
    maxBytes: 2 * PARTITION_BYTES,
    maxBytesPerPartition: PARTITION_BYTES,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let t0 = 0;
  let t1 = 0;
  // The clock starts once the group is joined: fetching starts there.
  consumer.on(consumer.events.GROUP_JOIN, () => (t0 = performance.now()));
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }: { batch: { messages: unknown[] } }) => {
          count += batch.messages.length;
          if (count >= n && t1 === 0) {
            t1 = performance.now();
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { records: count, seconds: (t1 - t0) / 1000 };
}

async function consumePlatformatic(bootstrap: string, topic: string, n: number): Promise<WorkerResult> {
  const pk = (await import('@platformatic/kafka' as string)) as any;
  const consumer = new pk.Consumer({
    clientId: 'bench-platformatic',
    groupId: `bench-platformatic-${process.pid}`,
    bootstrapBrokers: [bootstrap],
    maxBytes: 2 * PARTITION_BYTES,
    maxBytesPerPartition: PARTITION_BYTES,
  });
  await consumer.metadata({ topics: [topic] });
  // consume() joins the group and returns the stream; the clock starts when it is called.
  const t0 = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: pk.MessagesStreamModes.EARLIEST, autocommit: false });
  let count = 0;
  let t1 = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', () => {
      if (++count === n) {
        t1 = performance.now();
        resolve();
      }
    });
  });
  await stream.close();
  await consumer.close(true);
  return { records: count, seconds: (t1 - t0) / 1000 };
}

async function worker(args: string[]): Promise<void> {
  const [client, op, bootstrap, topic, nText, sizeText] = args as [
    ClientName,
    'produce' | 'consume',
    string,
    string,
    string,
    string,
  ];
  const n = Number(nText);
  const size = Number(sizeText);
  let r: WorkerResult;
  try {
    if (op === 'produce') {
      r = await (client === 'samsa' ? produceSamsa : client === 'kafkajs' ? produceKafkajs : producePlatformatic)(
        bootstrap,
        topic,
        n,
        size,
      );
    } else {
      r = await (client === 'samsa' ? consumeSamsa : client === 'kafkajs' ? consumeKafkajs : consumePlatformatic)(
        bootstrap,
        topic,
        n,
      );
    }
  } catch (e) {
    r = { records: 0, seconds: 0, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
  // Some clients keep timers alive after close; the result is out, so end here.
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Driver

interface Options {
  records: number;
  size: number;
  runs: number;
  docs: string | null;
  profileDir: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    records: 500_000,
    size: 100,
    runs: 2,
    docs: join(ROOT, 'docs', 'benchmarks.md'),
    profileDir: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--records') o.records = Number(next());
    else if (a === '--size') o.size = Number(next());
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--no-docs') o.docs = null;
    else if (a === '--docs') o.docs = next();
    else if (a === '--profile') o.profileDir = next();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const SELF = fileURLToPath(import.meta.url);

function runWorker(args: string[], nodeFlags: string[] = [], timeoutMs = 300_000): Promise<WorkerResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeFlags, SELF, '--worker', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < 10_000) err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve(JSON.parse(line.slice(7)) as WorkerResult);
      else
        resolve({
          records: 0,
          seconds: 0,
          error: `worker exited ${code} without a result: ${err.trim().split('\n').slice(-3).join(' | ')}`,
        });
    });
  });
}

async function createTopics(bootstrap: string, names: string[]): Promise<void> {
  const { createAdmin } = await import('../src/client/index.js');
  const admin = createAdmin({ bootstrapServers: bootstrap });
  try {
    await admin.createTopics(names.map((name) => ({ name, numPartitions: 1 })));
  } finally {
    admin.close();
  }
}

interface Figures {
  runs: Array<{ rps: number; mbps: number; error?: string }>;
}

function summarize(f: Figures): {
  bestRps: number;
  medRps: number;
  bestMbps: number;
  medMbps: number;
  errors: string[];
} {
  const ok = f.runs.filter((r) => !r.error);
  const errors = f.runs.filter((r) => r.error).map((r) => r.error!);
  if (ok.length === 0) return { bestRps: NaN, medRps: NaN, bestMbps: NaN, medMbps: NaN, errors };
  return {
    bestRps: Math.max(...ok.map((r) => r.rps)),
    medRps: median(ok.map((r) => r.rps)),
    bestMbps: Math.max(...ok.map((r) => r.mbps)),
    medMbps: median(ok.map((r) => r.mbps)),
    errors,
  };
}

const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'failed');
const fmtMb = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') return worker(argv.slice(1));
  const o = parseArgs(argv);
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-clients-'));
  const port = await freePort();
  const bootstrap = `127.0.0.1:${port}`;
  const broker = new BrokerProcess({ port, dataDir, overrides: ['group.initial.rebalance.delay.ms=0'] });
  const produce: Record<ClientName, Figures> = {
    samsa: { runs: [] },
    kafkajs: { runs: [] },
    platformatic: { runs: [] },
  };
  const consume: Record<ClientName, Figures> = {
    samsa: { runs: [] },
    kafkajs: { runs: [] },
    platformatic: { runs: [] },
  };
  const MB = 1024 * 1024;
  try {
    // Wait for the listener.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await createTopics(bootstrap, ['bench-warmup']);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`broker did not come up: ${(e as Error).message}\n${broker.log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const topics: string[] = [];
    for (let run = 1; run <= o.runs; run++) for (const c of CLIENTS) topics.push(`bench-${c}-${run}`);
    await createTopics(bootstrap, topics);
    if (o.profileDir) mkdirSync(o.profileDir, { recursive: true });
    const prof = (c: ClientName, what: string) =>
      o.profileDir && c === 'samsa'
        ? ['--cpu-prof', '--cpu-prof-dir', o.profileDir, '--cpu-prof-name', `${c}-${what}.cpuprofile`]
        : [];
    for (let run = 1; run <= o.runs; run++) {
      for (const c of CLIENTS) {
        const r = await runWorker(
          [c, 'produce', bootstrap, `bench-${c}-${run}`, String(o.records), String(o.size)],
          prof(c, `produce-${run}`),
        );
        const rps = r.records / r.seconds;
        produce[c].runs.push({ rps, mbps: (rps * o.size) / MB, error: r.error });
        process.stderr.write(
          `produce ${c} run ${run}: ${r.error ?? `${fmtInt(rps)} records/s, ${fmtMb((rps * o.size) / MB)} MB/s`}\n`,
        );
      }
    }
    const source = 'bench-samsa-1';
    for (let run = 1; run <= o.runs; run++) {
      for (const c of CLIENTS) {
        const r = await runWorker(
          [c, 'consume', bootstrap, source, String(o.records), String(o.size)],
          prof(c, `consume-${run}`),
        );
        const rps = r.records / r.seconds;
        consume[c].runs.push({ rps, mbps: (rps * o.size) / MB, error: r.error });
        process.stderr.write(
          `consume ${c} run ${run}: ${r.error ?? `${fmtInt(rps)} records/s, ${fmtMb((rps * o.size) / MB)} MB/s`}\n`,
        );
      }
    }
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const rows = (fig: Record<ClientName, Figures>) =>
    CLIENTS.map((c) => {
      const s = summarize(fig[c]);
      return `| ${LABEL[c]} | ${fmtInt(s.bestRps)} | ${fmtInt(s.medRps)} | ${fmtMb(s.bestMbps)} | ${fmtMb(s.medMbps)} |${s.errors.length ? ` ${s.errors[0]!.slice(0, 120)}` : ''}`;
    }).join('\n');
  const fastest = (fig: Record<ClientName, Figures>) => {
    const best = CLIENTS.map((c) => [c, summarize(fig[c]).medRps] as const).filter(([, v]) => Number.isFinite(v));
    best.sort((a, b) => b[1] - a[1]);
    return best.length ? `${LABEL[best[0]![0]]}` : 'none';
  };
  let cpu = '';
  try {
    cpu = cpus()[0]?.model ?? '';
  } catch {
    /* unknown */
  }
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  const section = `## Client comparison

Produce and consume throughput of three Node.js clients against the same Samsa broker (its own process, on
127.0.0.1), ${o.records.toLocaleString('en-US')} records of ${o.size} bytes, one partition, each measurement ${o.runs} times in a fresh
Node process, in one run of \`npm run bench:clients\` (commit ${commit || 'unknown'}, Node ${process.version}, ${cpus().length} x ${cpu}).
Clients: Samsa's own client (src/client), KafkaJS ${versionOf('kafkajs')}, @platformatic/kafka ${versionOf('@platformatic/kafka')}.

Produce: acks=1, no compression, no idempotence. Samsa's producer batches by itself (linger ${LINGER_MS} ms, batch
${BATCH_BYTES.toLocaleString('en-US')} bytes, ${IN_FLIGHT} requests in flight); KafkaJS and platformatic have no record accumulator, so the
benchmark hands them arrays of ${recordsPerBatch(o.size).toLocaleString('en-US')} records (about one such batch) with ${IN_FLIGHT} sends in flight.
Timed from the first record to the last acknowledgement. Consume: all three read the same topic from the beginning
(KafkaJS and platformatic in a group, Samsa with assign()), up to ${PARTITION_BYTES / MB} MiB per partition per fetch, timed from the
moment the consumer can fetch (Samsa: assign(); KafkaJS: its GROUP_JOIN event; platformatic: the consume() call, which
includes its group join, so its figure carries that cost) to the last record; connections and metadata come before.

Produce (records/s and MB/s):

| Client | best records/s | median records/s | best MB/s | median MB/s |
|---|---:|---:|---:|---:|
${rows(produce)}

Consume (records/s and MB/s):

| Client | best records/s | median records/s | best MB/s | median MB/s |
|---|---:|---:|---:|---:|
${rows(consume)}

Fastest by median: produce ${fastest(produce)}, consume ${fastest(consume)}.
`;
  process.stdout.write(`\n${section}`);
  if (o.docs) writeDocsSection(o.docs, 'Client comparison', section);
}

await main();
