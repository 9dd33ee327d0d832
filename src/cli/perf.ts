/**
 * `samsa perf produce` and `samsa perf consume`: load generators in the spirit of kafka-producer-perf-test and
 * kafka-consumer-perf-test. Both print a progress line every second and a summary at the end.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CompressionName } from '../client/index.js';
import { intArg, UsageError } from './common.js';
import {
  action,
  addConnectionOptions,
  clientOptions,
  describeError,
  loadClient,
  onInterrupt,
  out,
  type ConnectionFlags,
} from './output.js';
import { acksOption, COMPRESSIONS, parseAcks } from './produce.js';

const MB = 1024 * 1024;

/** The value at quantile q of sorted data (nearest rank, as Kafka's perf tool). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

const f2 = (n: number) => n.toFixed(2);
const f1 = (n: number) => n.toFixed(1);

interface PerfProduceFlags extends ConnectionFlags {
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  acks: string;
  compression: CompressionName;
  batchSize: number;
  lingerMs: number;
  keys?: number;
  json?: boolean;
  reportingIntervalMs: number;
}

export interface ProduceSummary {
  records: number;
  failed: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

async function perfProduce(flags: PerfProduceFlags): Promise<void> {
  const n = flags.numRecords;
  const size = flags.recordSize;
  // Random printable bytes, made once: the content does not matter, its compressibility a little.
  const letters = randomBytes(size);
  for (let i = 0; i < size; i++) letters[i] = 65 + (letters[i]! % 26);
  const payload = letters;
  const keys = flags.keys ? Array.from({ length: flags.keys }, (_, i) => Buffer.from(`key-${i}`)) : null;
  const { createProducer } = await loadClient();
  const producer = createProducer<Buffer | null, Buffer>({
    ...clientOptions(flags),
    acks: parseAcks(flags.acks),
    compression: flags.compression,
    batchSize: flags.batchSize,
    lingerMs: flags.lingerMs,
    allowAutoTopicCreation: true,
  });
  const log = (line: string) => (flags.json ? process.stderr.write(line) : process.stdout.write(line));
  const latencies = new Float32Array(n);
  let acked = 0;
  let failed = 0;
  let firstError: string | undefined;
  let pending = 0;
  let wake: (() => void) | undefined;
  // Per-window figures for the progress line.
  let wCount = 0;
  let wLatSum = 0;
  let wLatMax = 0;
  let wStart = 0;
  let stop = false;
  const offSignals = onInterrupt(() => (stop = true));
  const recordBytes = size + (keys ? 8 : 0);
  try {
    await producer.connect();
    // One record first, outside the clock: it waits for the topic's metadata (and creates the topic if allowed);
    // records queued during that wait could overtake each other in the client.
    await producer.send({ topic: flags.topic, key: keys ? keys[0]! : null, value: payload });
    const t0 = performance.now();
    wStart = t0;
    const ticker = setInterval(() => {
      const now = performance.now();
      const secs = (now - wStart) / 1000;
      log(
        `${wCount} records sent, ${f1(wCount / secs)} records/sec (${f2((wCount * recordBytes) / MB / secs)} MB/sec), ` +
          `${f1(wCount ? wLatSum / wCount : 0)} ms avg latency, ${f1(wLatMax)} ms max latency.\n`,
      );
      wCount = 0;
      wLatSum = 0;
      wLatMax = 0;
      wStart = now;
    }, flags.reportingIntervalMs);
    const perMs = flags.throughput > 0 ? flags.throughput / 1000 : 0;
    let sent = 0;
    try {
      for (let i = 1; i < n && !stop; i++) {
        const sentAt = performance.now();
        pending++;
        sent++;
        producer.produce({ topic: flags.topic, key: keys ? keys[i % keys.length]! : null, value: payload }, (err) => {
          const lat = performance.now() - sentAt;
          pending--;
          if (err) {
            failed++;
            firstError ??= describeError(err);
          } else {
            latencies[acked++] = lat;
            wCount++;
            wLatSum += lat;
            if (lat > wLatMax) wLatMax = lat;
          }
          if (wake && pending < 25_000) {
            const w = wake;
            wake = undefined;
            w();
          }
        });
        // Let the producer send while records are being made, and bound what waits in memory.
        if (pending >= 100_000) await new Promise<void>((r) => (wake = r));
        else if ((i & 1023) === 1023) await yieldLoop();
        if (perMs > 0) {
          const ahead = sent / perMs - (performance.now() - t0);
          if (ahead > 2) await new Promise((r) => setTimeout(r, ahead));
        }
      }
      await producer.flush().catch(() => {});
    } finally {
      clearInterval(ticker);
    }
    const seconds = (performance.now() - t0) / 1000;
    const lat = latencies.subarray(0, acked).sort();
    let sum = 0;
    for (let i = 0; i < lat.length; i++) sum += lat[i]!;
    const s: ProduceSummary = {
      // The untimed first record counts as sent; rates and latencies are of the timed ones.
      records: acked + 1,
      failed,
      seconds: Number(seconds.toFixed(3)),
      recordsPerSec: Math.round(acked / seconds),
      mbPerSec: Number(((acked * recordBytes) / MB / seconds).toFixed(2)),
      avgLatencyMs: Number((acked ? sum / acked : 0).toFixed(2)),
      maxLatencyMs: Number((lat.length ? lat[lat.length - 1]! : 0).toFixed(2)),
      p50Ms: Number(percentile(lat, 0.5).toFixed(2)),
      p95Ms: Number(percentile(lat, 0.95).toFixed(2)),
      p99Ms: Number(percentile(lat, 0.99).toFixed(2)),
      p999Ms: Number(percentile(lat, 0.999).toFixed(2)),
    };
    if (flags.json) await out(`${JSON.stringify(s)}\n`);
    else {
      await out(
        `${s.records} records sent, ${f1(s.recordsPerSec)} records/sec (${f2(s.mbPerSec)} MB/sec), ${f2(s.avgLatencyMs)} ms avg latency, ` +
          `${f2(s.maxLatencyMs)} ms max latency, ${f2(s.p50Ms)} ms 50th, ${f2(s.p95Ms)} ms 95th, ${f2(s.p99Ms)} ms 99th, ${f2(s.p999Ms)} ms 99.9th.\n`,
      );
    }
  } finally {
    offSignals();
    await producer.close().catch(() => {});
  }
  if (failed > 0) throw new Error(`${failed} record(s) failed; first: ${firstError}`);
}

interface PerfConsumeFlags extends ConnectionFlags {
  topic: string;
  messages: number;
  group?: string;
  timeoutMs: number;
  fetchMaxBytes: number;
  json?: boolean;
  reportingIntervalMs: number;
}

export interface ConsumeSummary {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  totalMb: number;
}

async function perfConsume(flags: PerfConsumeFlags): Promise<void> {
  const copts = clientOptions(flags);
  const { createAdmin, createConsumer } = await loadClient();
  const consumer = createConsumer({
    ...copts,
    groupId: flags.group,
    autoOffsetReset: 'earliest',
    maxBytes: flags.fetchMaxBytes,
    enableAutoCommit: flags.group !== undefined,
  });
  const log = (line: string) => (flags.json ? process.stderr.write(line) : process.stdout.write(line));
  let count = 0;
  let bytes = 0;
  let wCount = 0;
  let wBytes = 0;
  let stopped = false;
  let timedOut = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    void consumer.close().catch(() => {});
  };
  const offSignals = onInterrupt(stop);
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      timedOut = true;
      stop();
    }, flags.timeoutMs);
  };
  let t0 = 0;
  let tEnd = 0;
  let ticker: NodeJS.Timeout | undefined;
  try {
    if (flags.group !== undefined) consumer.subscribe([flags.topic]);
    else {
      const admin = createAdmin(copts);
      try {
        const [info] = await admin.describeTopics([flags.topic]);
        consumer.assign(info!.partitions.map((p) => ({ topic: flags.topic, partition: p.partition })));
      } finally {
        admin.close();
      }
    }
    t0 = performance.now();
    let wStart = t0;
    ticker = setInterval(() => {
      const now = performance.now();
      const secs = (now - wStart) / 1000;
      log(
        `${count} records consumed, ${f1(wCount / secs)} records/sec, ${f2(wBytes / MB / secs)} MB/sec, ${f2(bytes / MB)} MB total.\n`,
      );
      wCount = 0;
      wBytes = 0;
      wStart = now;
    }, flags.reportingIntervalMs);
    arm();
    try {
      outer: for await (const batch of consumer.batches()) {
        for (const r of batch.records) {
          const b = (r.key === null ? 0 : r.key.length) + (r.value === null ? 0 : r.value.length);
          count++;
          bytes += b;
          wCount++;
          wBytes += b;
          if (count >= flags.messages) break outer;
        }
        arm();
        if (stopped) break;
      }
    } catch (e) {
      if (!stopped) throw e;
    }
    tEnd = performance.now();
  } finally {
    if (idle) clearTimeout(idle);
    if (ticker) clearInterval(ticker);
    offSignals();
    stop();
  }
  // A run that ended by waiting out the timeout does not count the wait.
  const seconds = Math.max(1e-6, (tEnd - t0 - (timedOut ? flags.timeoutMs : 0)) / 1000);
  const s: ConsumeSummary = {
    records: count,
    bytes,
    seconds: Number(seconds.toFixed(3)),
    recordsPerSec: Math.round(count / seconds),
    mbPerSec: Number((bytes / MB / seconds).toFixed(2)),
    totalMb: Number((bytes / MB).toFixed(2)),
  };
  if (flags.json) await out(`${JSON.stringify(s)}\n`);
  else {
    await out(
      `${s.records} records consumed (${f2(s.totalMb)} MB) in ${f2(s.seconds)} s: ${f1(s.recordsPerSec)} records/sec, ${f2(s.mbPerSec)} MB/sec.\n`,
    );
  }
  if (timedOut && count < flags.messages) {
    throw new Error(
      `only ${count} of ${flags.messages} records arrived before ${flags.timeoutMs} ms passed without any`,
    );
  }
}

export function register(program: Command): void {
  const perf = program
    .command('perf')
    .description('producer and consumer load tests (like kafka-producer-perf-test and kafka-consumer-perf-test)')
    .addHelpText(
      'after',
      `
Examples:
  samsa perf produce --topic perf --num-records 1000000 --record-size 100 --throughput -1 --acks 1
  samsa perf produce --topic perf --num-records 100000 --record-size 1024 --throughput 20000 --compression lz4
  samsa perf consume --topic perf --messages 1000000`,
    );

  addConnectionOptions(
    perf.command('produce').description('send records as fast as allowed; report throughput and latency'),
  )
    .requiredOption('-t, --topic <name>', 'topic to write to (created if the broker allows it)')
    .requiredOption('--num-records <n>', 'number of records to send', intArg(1, 2_000_000_000))
    .requiredOption('--record-size <bytes>', 'value size in bytes', intArg(0, 64 * MB))
    .option('--throughput <n>', 'records/s ceiling; -1 for none', intArg(-1, 2_000_000_000), -1)
    .addOption(acksOption('1'))
    .addOption(new Option('--compression <codec>', 'compression codec').choices([...COMPRESSIONS]).default('none'))
    .option(
      '--batch-size <bytes>',
      'bytes per batch (keep it below the broker message.max.bytes)',
      intArg(1, 256 * MB),
      512 * 1024,
    )
    .option('--linger-ms <ms>', 'how long a batch waits for more records', intArg(0, 3_600_000), 5)
    .option('--keys <n>', 'give records one of n keys (default: no key, sticky partitioning)', intArg(1, 10_000_000))
    .option('--reporting-interval-ms <ms>', 'time between progress lines', intArg(100, 3_600_000), 1000)
    .option('--json', 'final summary as JSON on stdout (progress goes to stderr)')
    .action(
      action(async (flags: PerfProduceFlags) => {
        if (flags.throughput === 0)
          throw new UsageError('--throughput: use a positive records/s ceiling, or -1 for none');
        await perfProduce(flags);
      }),
    );

  addConnectionOptions(perf.command('consume').description('read records as fast as possible; report throughput'))
    .requiredOption('-t, --topic <name>', 'topic to read (from the beginning)')
    .addOption(
      new Option('--messages <n>', 'number of records to read')
        .argParser(intArg(1, Number.MAX_SAFE_INTEGER))
        .conflicts('numRecords'),
    )
    .addOption(new Option('--num-records <n>', 'alias of --messages').argParser(intArg(1, Number.MAX_SAFE_INTEGER)))
    .option('-g, --group <id>', 'consume in this group (default: no group, all partitions assigned)')
    .option('--timeout-ms <ms>', 'give up when no record arrived for this long', intArg(1, 2147483647), 10_000)
    .option('--fetch-max-bytes <bytes>', 'upper bound of one fetch answer', intArg(1024, 1024 * MB), 50 * MB)
    .option('--reporting-interval-ms <ms>', 'time between progress lines', intArg(100, 3_600_000), 1000)
    .option('--json', 'final summary as JSON on stdout (progress goes to stderr)')
    .action(
      action(async (flags: PerfConsumeFlags & { numRecords?: number }) => {
        const messages = flags.messages ?? flags.numRecords;
        if (messages === undefined) throw new UsageError('--messages N is required');
        await perfConsume({ ...flags, messages });
      }),
    );
}
