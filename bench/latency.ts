/**
 * Latency load generators built on src/protocol only (raw sockets, no client library):
 *
 * - runProduceLatency: Produce v9 requests of one uncompressed batch each, acks=1, at a steady rate with up to
 *   `maxInFlight` requests pipelined on one connection; reports request latency (send to response) percentiles.
 * - runEndToEnd: one producer and one Fetch long-poll consumer (maxWait 500 ms, minBytes 1) on separate
 *   connections; reports the time from a batch's send to the consumer's receipt of it.
 *
 * Standalone: node dist/bench/latency.js --port 9092 [--rate 500000] [--seconds 10] [--e2e-rate 10000]
 */
import { performance } from 'node:perf_hooks';
import { Fetch } from '../src/protocol/messages/fetch.js';
import { Produce } from '../src/protocol/messages/produce.js';
import { encodeBatch, type RecordInput } from '../src/protocol/records/batch.js';
import { BASE_OFFSET, LAST_OFFSET_DELTA, LENGTH, LOG_OVERHEAD } from '../src/protocol/records/layout.js';
import { buildRequestFrame, CORRELATION_ID_AT, createTopic, responseBody, WireConnection } from './wire.js';

const PRODUCE_VERSION = 9;
const FETCH_VERSION = 4;

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Percentiles (nearest rank) of a list of milliseconds. */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const a = Float64Array.from(values).sort();
  const n = a.length;
  if (n === 0) return { count: 0, p50: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  const at = (q: number) => a[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]!;
  return { count: n, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: a[n - 1]!, mean: sum / n };
}

function makeRecords(count: number, valueSize: number, timestamp: number): RecordInput[] {
  const value = Buffer.alloc(valueSize, 'v');
  const records: RecordInput[] = new Array(count);
  for (let i = 0; i < count; i++) records[i] = { key: null, value, timestamp };
  return records;
}

function produceFrame(topic: string, batch: Buffer, correlationId: number): Buffer {
  return buildRequestFrame(Produce, PRODUCE_VERSION, correlationId, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  });
}

/** Throws unless a Produce v9 response reports success for its one partition. */
function checkProduceResponse(frame: Buffer): void {
  const res = Produce.responseCodec(PRODUCE_VERSION).decode(responseBody(Produce, PRODUCE_VERSION, frame));
  const p = res.responses[0]?.partitionResponses[0];
  if (p?.errorCode !== 0) throw new Error(`produce failed: error ${p?.errorCode} ${p?.errorMessage ?? ''}`);
}

export interface ProduceLatencyOptions {
  port: number;
  topic: string;
  /** Target rate in records per second. */
  recordsPerSecond: number;
  recordsPerBatch?: number;
  valueSize?: number;
  /** Measured period; a warm-up of `warmupMs` at the same rate runs before it and is not counted. */
  durationMs?: number;
  warmupMs?: number;
  maxInFlight?: number;
}

export interface ProduceLatencyResult {
  targetRecordsPerSecond: number;
  /** All batches (warm-up included) over the time from the first send to the last response. */
  achievedRecordsPerSecond: number;
  batches: number;
  recordsPerBatch: number;
  /** Send to response, milliseconds. */
  latency: Percentiles;
  /** Scheduled send time to response: includes waiting for an in-flight slot when the broker falls behind. */
  fromSchedule: Percentiles;
  /** Sends that could not go out on schedule because `maxInFlight` requests were outstanding. */
  delayedSends: number;
  /** Batches still unanswered when the run gave up (30 s after its planned end); 0 for a complete run. */
  unanswered: number;
}

/**
 * A fresh topic, a connection, and the one Produce frame a workload sends over and over (its batch encoded once, so
 * the generator's own cost stays a frame copy per request).
 */
async function produceWorkload(o: Omit<ProduceLatencyOptions, 'recordsPerSecond'>) {
  const recordsPerBatch = o.recordsPerBatch ?? 100;
  await createTopic(o.port, o.topic);
  const conn = await WireConnection.open(o.port);
  try {
    const batch = await encodeBatch({ records: makeRecords(recordsPerBatch, o.valueSize ?? 100, Date.now()) });
    return { conn, recordsPerBatch, maxInFlight: o.maxInFlight ?? 5, template: produceFrame(o.topic, batch, 0) };
  } catch (e) {
    conn.close();
    throw e;
  }
}

export async function runProduceLatency(o: ProduceLatencyOptions): Promise<ProduceLatencyResult> {
  const durationMs = o.durationMs ?? 10000;
  const warmupMs = o.warmupMs ?? 1000;
  const { conn, recordsPerBatch, maxInFlight, template } = await produceWorkload(o);
  try {
    const intervalMs = (1000 * recordsPerBatch) / o.recordsPerSecond;
    const warmupBatches = Math.floor(warmupMs / intervalMs);
    const totalBatches = warmupBatches + Math.floor(durationMs / intervalMs);
    const latency = new Float64Array(totalBatches);
    const fromSchedule = new Float64Array(totalBatches);
    let sent = 0;
    let done = 0;
    let delayed = 0;
    let failure: Error | undefined;
    const start = performance.now();
    let lastAck = NaN;

    return await new Promise<ProduceLatencyResult>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearInterval(timer);
        clearTimeout(guard);
        if (err) return reject(err);
        // A run that gave up reports what was answered (unanswered batches have no latency yet).
        const answered = (a: Float64Array) =>
          a.subarray(warmupBatches).filter((_, k) => latency[warmupBatches + k]! > 0);
        resolve({
          targetRecordsPerSecond: o.recordsPerSecond,
          achievedRecordsPerSecond: (done * recordsPerBatch) / ((lastAck - start) / 1000),
          batches: totalBatches - warmupBatches,
          recordsPerBatch,
          latency: percentiles(answered(latency)),
          fromSchedule: percentiles(answered(fromSchedule)),
          delayedSends: delayed,
          unanswered: totalBatches - done,
        });
      };
      const sendOne = () => {
        const i = sent++;
        const scheduled = start + i * intervalMs;
        const frame = Buffer.from(template); // the socket may still hold the previous copy
        const id = conn.correlationId();
        frame.writeInt32BE(id, CORRELATION_ID_AT);
        const t0 = performance.now();
        conn.sendFrame(frame, id).then(
          ({ frame: res, at }) => {
            latency[i] = at - t0;
            fromSchedule[i] = at - scheduled;
            try {
              checkProduceResponse(res);
            } catch (e) {
              failure ??= e as Error;
            }
            lastAck = at;
            if (++done === totalBatches) finish(failure);
            else pump();
          },
          (e: Error) => finish(e),
        );
      };
      const pump = () => {
        const now = performance.now();
        const due = Math.min(totalBatches, Math.floor((now - start) / intervalMs) + 1);
        if (sent < due && conn.inFlight >= maxInFlight) delayed++;
        while (sent < due && conn.inFlight < maxInFlight) sendOne();
      };
      const timer = setInterval(pump, 1);
      const guard = setTimeout(() => finish(failure), warmupMs + durationMs + 30000);
      pump();
    });
  } finally {
    conn.close();
  }
}

export interface EndToEndOptions {
  port: number;
  topic: string;
  recordsPerSecond?: number;
  recordsPerBatch?: number;
  valueSize?: number;
  durationMs?: number;
}

export interface EndToEndResult {
  recordsPerSecond: number;
  batches: number;
  /** Producer send to consumer receipt, milliseconds. */
  latency: Percentiles;
}

/**
 * Batch i lands at offset i * recordsPerBatch of a fresh single-partition topic (one producer, in order), so the
 * consumer finds each batch's send time by its base offset, with sub-millisecond precision. Each batch also carries
 * its send time as its timestamp, as a real client's would.
 */
export async function runEndToEnd(o: EndToEndOptions): Promise<EndToEndResult> {
  const recordsPerSecond = o.recordsPerSecond ?? 10000;
  const recordsPerBatch = o.recordsPerBatch ?? 100;
  const durationMs = o.durationMs ?? 10000;
  const intervalMs = (1000 * recordsPerBatch) / recordsPerSecond;
  const totalBatches = Math.floor(durationMs / intervalMs);
  await createTopic(o.port, o.topic);
  const producer = await WireConnection.open(o.port);
  const consumer = await WireConnection.open(o.port);
  const sendTimes = new Float64Array(totalBatches).fill(NaN);
  const latency = new Float64Array(totalBatches);
  let received = 0;
  let stop = false;
  const deadline = performance.now() + durationMs + 20000;

  const consume = async () => {
    let offset = 0;
    while (!stop && received < totalBatches) {
      if (performance.now() > deadline) throw new Error(`end-to-end consumer got ${received}/${totalBatches} batches`);
      const id = consumer.correlationId();
      const frame = buildRequestFrame(Fetch, FETCH_VERSION, id, {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        topics: [{ topic: o.topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
      });
      const { frame: res, at } = await consumer.sendFrame(frame, id);
      const body = Fetch.responseCodec(FETCH_VERSION).decode(responseBody(Fetch, FETCH_VERSION, res));
      const p = body.responses[0]?.partitions[0];
      if (!p) throw new Error('fetch response without the partition');
      if (p.errorCode !== 0) throw new Error(`fetch failed: error ${p.errorCode}`);
      const recs = p.records;
      if (!recs) continue;
      let pos = 0;
      while (pos + LOG_OVERHEAD <= recs.length) {
        const size = LOG_OVERHEAD + recs.readInt32BE(pos + LENGTH);
        if (pos + size > recs.length) break; // a partial batch at the end of the response
        const base = Number(recs.readBigInt64BE(pos + BASE_OFFSET));
        const lastDelta = recs.readInt32BE(pos + LAST_OFFSET_DELTA);
        const seq = Math.floor(base / recordsPerBatch);
        if (base >= offset && seq < totalBatches) {
          latency[received++] = at - sendTimes[seq]!;
        }
        offset = Math.max(offset, base + lastDelta + 1);
        pos += size;
      }
    }
  };

  const produce = async () => {
    const value = Buffer.alloc(o.valueSize ?? 100, 'e');
    const start = performance.now();
    const acks: Promise<void>[] = [];
    for (let i = 0; i < totalBatches && !stop; i++) {
      const wait = start + i * intervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const now = Date.now();
      const records: RecordInput[] = new Array(recordsPerBatch);
      for (let k = 0; k < recordsPerBatch; k++) records[k] = { key: null, value, timestamp: now };
      const batch = await encodeBatch({ records });
      const id = producer.correlationId();
      const frame = produceFrame(o.topic, batch, id);
      sendTimes[i] = performance.now();
      acks.push(producer.sendFrame(frame, id).then(({ frame: res }) => checkProduceResponse(res)));
    }
    await Promise.all(acks);
  };

  try {
    const c = consume();
    try {
      await produce();
    } catch (e) {
      stop = true;
      throw e;
    }
    await c;
  } finally {
    stop = true;
    producer.close();
    consumer.close();
  }
  return { recordsPerSecond, batches: received, latency: percentiles(latency.subarray(0, received)) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const get = (name: string, dflt: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const port = get('--port', 9092);
  const seconds = get('--seconds', 10);
  const tag = Date.now().toString(36);
  const p = await runProduceLatency({
    port,
    topic: `bench-latency-${tag}`,
    recordsPerSecond: get('--rate', 200000),
    durationMs: seconds * 1000,
  });
  console.log(JSON.stringify(p, null, 2));
  const e = await runEndToEnd({
    port,
    topic: `bench-e2e-${tag}`,
    recordsPerSecond: get('--e2e-rate', 10000),
    durationMs: seconds * 1000,
  });
  console.log(JSON.stringify(e, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * The maximum rate of the produce latency workload: the same requests (one batch of `recordsPerBatch` records,
 * acks=1, `maxInFlight` pipelined on one connection) sent as fast as they are answered, for `durationMs` after a
 * `warmupMs` warm-up. Returns records per second over the measured period.
 */
export async function runProduceMax(o: Omit<ProduceLatencyOptions, 'recordsPerSecond'>): Promise<number> {
  const durationMs = o.durationMs ?? 3000;
  const warmupMs = o.warmupMs ?? 500;
  const { conn, recordsPerBatch, maxInFlight, template } = await produceWorkload(o);
  try {
    const start = performance.now();
    const measureFrom = start + warmupMs;
    const end = measureFrom + durationMs;
    let counted = 0;
    let outstanding = 0;
    return await new Promise<number>((resolve, reject) => {
      const sendOne = (): void => {
        const frame = Buffer.from(template);
        const id = conn.correlationId();
        frame.writeInt32BE(id, CORRELATION_ID_AT);
        outstanding++;
        conn.sendFrame(frame, id).then(({ frame: res, at }) => {
          outstanding--;
          try {
            checkProduceResponse(res);
          } catch (e) {
            return reject(e);
          }
          if (at >= measureFrom && at < end) counted++;
          if (at < end) sendOne();
          else if (outstanding === 0) resolve((counted * recordsPerBatch) / (durationMs / 1000));
        }, reject);
      };
      for (let i = 0; i < maxInFlight; i++) sendOne();
    });
  } finally {
    conn.close();
  }
}
