/**
 * The fuzz engine: sends generated and damaged requests (generate.ts) for every API and version a live broker
 * advertises, over several pipelined connections, and after each batch checks that the broker is alive, that a
 * fresh client can still produce and fetch, and that every record written before reads back unchanged. A request
 * that is not answered in time counts as a hang. A failure names the seed and batch that replay it.
 */
import { connect, type Socket } from 'node:net';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { API_BY_KEY } from '../../src/protocol/messages/index.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { decodeBatches, encodeBatch } from '../../src/protocol/records/batch.js';
import { Writer } from '../../src/protocol/primitives.js';
import { encodeRequestHeader } from '../../src/protocol/header.js';
import type { Api } from '../../src/protocol/schema.js';
import { RawClient } from '../helpers/raw-client.js';
import { batchSeed, lyingFrame, mutateBytes, RequestGenerator, Rng, withRawClientId, type Pools } from './generate.js';

export interface FuzzOptions {
  port: number;
  host?: string;
  seed: number;
  /** Requests to send in all. */
  iterations: number;
  /** Requests between two health checks. Default 2000. */
  batchSize?: number;
  /** Connections sending at the same time. Default 12. */
  connections?: number;
  /** Requests written back to back on one connection before waiting for their answers. Default 32. */
  pipeline?: number;
  /** A connection whose requests are not all answered (or the connection closed) in this long has hung. */
  hangMs?: number;
  /** Reports why the broker is gone (its process exited), or null while it runs. */
  brokerGone?: () => string | null;
  /** Failures the broker logged since the last call (ERROR lines); any is a finding. */
  brokerErrors?: () => string[];
  /** Called when a request hangs, before the failure is raised (to have the broker dump its state, say). */
  onHang?: () => Promise<void>;
  /** Progress, once per batch. */
  progress?: (s: FuzzStats) => void;
}

export interface FuzzStats {
  batches: number;
  requests: number;
  /** Requests answered (a request that closes its connection or is a Produce with acks=0 gets no answer). */
  answered: number;
  /** Connections the broker closed (a malformed request costs its connection). */
  closedByBroker: number;
  perApi: Record<string, number>;
  elapsedMs: number;
}

export interface FuzzFailure {
  seed: number;
  batch: number;
  reason: string;
  /** The requests of the failing chunk (or batch), for the report: api, version, kind and the frame in hex. */
  requests: Array<{ api: string; version: number; kind: string; hex: string }>;
  /** Every request of the failing batch, in the order they were cut into chunks (for replaying up to the failure). */
  batchRequests?: Array<{ api: string; version: number; kind: string; hex: string }>;
  /** For a hang: whether a fresh connection still got an answer (if not, the broker as a whole is stuck). */
  freshConnection?: string;
}

export class FuzzError extends Error {
  constructor(readonly failure: FuzzFailure) {
    super(`${failure.reason} (seed ${failure.seed}, batch ${failure.batch})`);
  }
}

interface Item {
  api: Api;
  version: number;
  kind: 'field' | 'bytes' | 'lying' | 'clientid';
  bytes: Buffer;
}

const KEEP_TOPIC = 'samsa-fuzz-keep';
const POOL_TOPICS = ['fuzz-a', 'fuzz-b', 'fuzz-c', '__consumer_offsets', '__transaction_state'];

function describe(items: readonly Item[]): FuzzFailure['requests'] {
  return items.map((i) => ({ api: i.api.name, version: i.version, kind: i.kind, hex: i.bytes.toString('hex') }));
}

/** ApiVersions v0 with a correlation id no generated request uses: its answer means all before it were handled. */
function sentinel(id: number): Buffer {
  const w = new Writer(32);
  w.int32(0);
  encodeRequestHeader(w, { apiKey: ApiVersions.key, apiVersion: 0, correlationId: id, clientId: 'fuzz-sentinel' }, 1);
  ApiVersions.requestCodec(0).encode(w, {});
  return Buffer.concat(w.finishFrame());
}

type ChunkResult = { answered: number; closed: boolean; hung: boolean; lastAnswer: number };

/** One fuzzing connection: reused while the broker keeps it open, replaced when the broker closes it. */
class Lane {
  private socket: Socket | null = null;
  private head: Buffer = Buffer.alloc(0);
  private skip = 0;
  private waiter: ((r: 'sentinel' | 'closed') => void) | null = null;
  private sentinelId = 0;
  private answered = 0;
  private lastAnswer = 0;

  constructor(
    private readonly port: number,
    private readonly host: string,
    private readonly idBase: number,
  ) {}

  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ port: this.port, host: this.host }, () => {
        s.off('error', reject);
        s.on('error', () => {});
        resolve(s);
      });
      s.once('error', reject);
      s.on('data', (d: Buffer) => this.onData(d));
      s.on('close', () => {
        if (this.socket === s) this.socket = null;
        this.head = Buffer.alloc(0);
        this.skip = 0;
        this.waiter?.('closed');
      });
    });
  }

  /** Counts answers without keeping them: a frame's first 8 bytes (size, correlation id) are read, the rest skipped. */
  private onData(d: Buffer): void {
    let at = 0;
    while (at < d.length) {
      if (this.skip > 0) {
        const k = Math.min(this.skip, d.length - at);
        this.skip -= k;
        at += k;
        continue;
      }
      const k = Math.min(8 - this.head.length, d.length - at);
      this.head = Buffer.concat([this.head, d.subarray(at, at + k)]);
      at += k;
      if (this.head.length < 8) return;
      const size = this.head.readInt32BE(0);
      const id = this.head.readInt32BE(4);
      this.head = Buffer.alloc(0);
      this.skip = Math.max(0, size - 4);
      this.answered++;
      this.lastAnswer = id;
      if (id === this.sentinelId) this.waiter?.('sentinel');
    }
  }

  async run(items: readonly Item[], hangMs: number, seq: number): Promise<ChunkResult> {
    this.socket ??= await this.open();
    const s = this.socket;
    this.answered = 0;
    const last = items[items.length - 1];
    const lying = last?.kind === 'lying';
    this.sentinelId = -(1_000_000 + this.idBase + seq);
    const done = new Promise<'sentinel' | 'closed' | 'hung'>((resolve) => {
      const timer = setTimeout(() => resolve('hung'), hangMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
    s.cork();
    for (const it of items) s.write(it.bytes);
    if (lying) s.end();
    else s.write(sentinel(this.sentinelId));
    s.uncork();
    const r = await done;
    this.waiter = null;
    if (r === 'hung') {
      s.destroy();
      this.socket = null;
    }
    const answered = r === 'sentinel' ? this.answered - 1 : this.answered;
    return { answered, closed: r === 'closed', hung: r === 'hung', lastAnswer: this.lastAnswer };
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}

/** What the health check compares: every record value written to the keep topic, in order. */
interface Keeper {
  values: string[];
  produceVersion: number;
  fetchVersion: number;
  topicId: string;
}

async function produceKeep(c: RawClient, k: Keeper, values: string[]): Promise<void> {
  const batch = await encodeBatch({ records: values.map((v) => ({ key: null, value: v })) });
  const res = await c.send(Produce, k.produceVersion, {
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: KEEP_TOPIC, partitionData: [{ index: 0, records: batch }] }],
  });
  const err = res.responses[0]?.partitionResponses[0]?.errorCode;
  if (err !== 0) throw new Error(`produce to ${KEEP_TOPIC} failed with error ${err}`);
  k.values.push(...values);
}

async function readKeep(c: RawClient, k: Keeper): Promise<string[]> {
  const out: string[] = [];
  let offset = 0;
  for (let round = 0; round < 1000 && out.length < k.values.length; round++) {
    const res = await c.send(Fetch, k.fetchVersion, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 16 << 20,
      topics: [
        {
          topic: KEEP_TOPIC,
          topicId: k.topicId,
          partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 16 << 20 }],
        },
      ],
    });
    const p = res.responses[0]?.partitions[0];
    if (p?.errorCode !== 0) throw new Error(`fetch from ${KEEP_TOPIC} failed with error ${p?.errorCode}`);
    if (!p.records || p.records.length === 0) break;
    const batches = await decodeBatches(p.records, { verifyCrc: true });
    if (batches.length === 0) break;
    for (const b of batches) {
      for (const r of b.records) {
        if (r.offset < offset) continue;
        out.push(r.value?.toString() ?? '<null>');
        offset = r.offset + 1;
      }
    }
  }
  return out;
}

/** Sets up the topics, groups and records the fuzzer aims at and the health check compares. */
async function prepare(
  port: number,
  host: string,
): Promise<{ apis: Array<{ api: Api; max: number }>; pools: Pools; keeper: Keeper }> {
  const c = await RawClient.connect(port, host, 'samsa-fuzz-setup');
  try {
    const av = await c.send(ApiVersions, 3, { clientSoftwareName: 'samsa-fuzz', clientSoftwareVersion: '1' });
    const apis: Array<{ api: Api; max: number }> = [];
    for (const k of av.apiKeys) {
      const api = API_BY_KEY.get(k.apiKey);
      if (api) apis.push({ api, max: Math.min(k.maxVersion, api.maxVersion) });
    }
    const max = (a: Api) => apis.find((x) => x.api === a)?.max ?? a.minVersion;
    await c.send(CreateTopics, Math.min(max(CreateTopics), 4), {
      topics: [KEEP_TOPIC, ...POOL_TOPICS.filter((t) => !t.startsWith('__'))].map((name, i) => ({
        name,
        numPartitions: 1 + (i % 3),
        replicationFactor: 1,
        assignments: [],
        configs: [],
      })),
      timeoutMs: 30_000,
    });
    const md = await c.send(Metadata, max(Metadata), { topics: null });
    const keepId = md.topics.find((t) => t.name === KEEP_TOPIC)?.topicId;
    if (!keepId) throw new Error(`the broker did not create ${KEEP_TOPIC}`);
    const keeper: Keeper = {
      values: [],
      produceVersion: Math.min(max(Produce), 9),
      fetchVersion: max(Fetch),
      topicId: keepId,
    };
    await produceKeep(
      c,
      keeper,
      Array.from({ length: 20 }, (_, i) => `before-${i}`),
    );
    const batches = [
      await encodeBatch({ records: [{ key: 'k', value: 'v' }] }),
      await encodeBatch({
        records: [
          { key: null, value: null },
          { key: 'a', value: 'b', headers: [{ key: 'h', value: null }] },
        ],
      }),
      await encodeBatch({ records: [{ key: 'p', value: 'q' }], producerId: 1000, producerEpoch: 0, baseSequence: 0 }),
      await encodeBatch({
        records: [{ key: 't', value: 'x' }],
        producerId: 1000,
        producerEpoch: 0,
        transactional: true,
      }),
    ];
    const pools: Pools = {
      topics: [...POOL_TOPICS, KEEP_TOPIC.replace('keep', 'other')],
      topicIds: md.topics.filter((t) => t.name !== KEEP_TOPIC).map((t) => t.topicId),
      groups: ['fuzz-group', 'fuzz-group-2'],
      transactionalIds: ['fuzz-txn'],
      batches,
    };
    return { apis, pools, keeper };
  } finally {
    c.close();
  }
}

/** The requests of one batch, by its seed alone. APIs take turns so each gets an equal share. */
export function buildBatch(
  apis: ReadonlyArray<{ api: Api; max: number }>,
  pools: Pools,
  seed: number,
  batch: number,
  size: number,
  firstIndex: number,
): Item[] {
  const rnd = new Rng(batchSeed(seed, batch));
  const gen = new RequestGenerator(rnd, pools, { boundary: 0.15, maxFrameBytes: 1 << 20 });
  const items: Item[] = [];
  for (let i = 0; i < size; i++) {
    const { api, max } = apis[(firstIndex + i) % apis.length]!;
    const version = api.minVersion + rnd.int(max - api.minVersion + 1);
    const frame = gen.frame(api, version, i, rnd.chance(0.05) ? null : 'fuzz');
    const roll = rnd.next();
    if (roll < 0.15) items.push({ api, version, kind: 'bytes', bytes: mutateBytes(frame, rnd).bytes });
    else if (roll < 0.16) items.push({ api, version, kind: 'lying', bytes: lyingFrame(frame, rnd) });
    else if (roll < 0.19) items.push({ api, version, kind: 'clientid', bytes: withRawClientId(frame, rnd) });
    else items.push({ api, version, kind: 'field', bytes: frame });
  }
  return items;
}

/** Cuts a batch into chunks: well-formed requests back to back, a damaged one only last (it may close the line). */
function chunk(items: readonly Item[], pipeline: number): Item[][] {
  const out: Item[][] = [];
  let cur: Item[] = [];
  for (const it of items) {
    cur.push(it);
    if (it.kind === 'bytes' || it.kind === 'lying' || cur.length >= pipeline) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzStats> {
  const host = opts.host ?? '127.0.0.1';
  const batchSize = opts.batchSize ?? 2000;
  const hangMs = opts.hangMs ?? 60_000;
  const { apis, pools, keeper } = await prepare(opts.port, host);
  const stats: FuzzStats = { batches: 0, requests: 0, answered: 0, closedByBroker: 0, perApi: {}, elapsedMs: 0 };
  const started = Date.now();
  const lanes = Array.from({ length: opts.connections ?? 12 }, (_, i) => new Lane(opts.port, host, i * 100_000_000));
  let current: readonly Item[] = [];
  const fail = (batch: number, reason: string, items: readonly Item[], fresh?: string): never => {
    throw new FuzzError({
      seed: opts.seed,
      batch,
      reason,
      requests: describe(items),
      batchRequests: describe(current),
      freshConnection: fresh,
    });
  };
  try {
    for (let b = 0; stats.requests < opts.iterations; b++) {
      const size = Math.min(batchSize, opts.iterations - stats.requests);
      const items = buildBatch(apis, pools, opts.seed, b, size, stats.requests);
      const chunks = chunk(items, opts.pipeline ?? 32);
      current = chunks.flat();
      let next = 0;
      let seq = 0;
      await Promise.all(
        lanes.map(async (lane) => {
          while (next < chunks.length) {
            const c = chunks[next++]!;
            let r: ChunkResult;
            try {
              r = await lane.run(c, hangMs, seq++);
            } catch (err) {
              const gone = opts.brokerGone?.();
              fail(b, gone ?? `cannot connect: ${(err as Error).message}`, c);
              return;
            }
            if (r.hung) {
              const state = `${r.answered} of ${c.length} answered, the last one with correlation id ${r.lastAnswer}`;
              const fresh = await probe(opts.port, host);
              await opts.onHang?.();
              fail(b, `no answer within ${hangMs} ms: ${state}; a fresh connection ${fresh}`, c, fresh);
            }
            stats.answered += r.answered;
            if (r.closed && c[c.length - 1]!.kind !== 'lying') stats.closedByBroker++;
          }
        }),
      );
      for (const it of items) stats.perApi[it.api.name] = (stats.perApi[it.api.name] ?? 0) + 1;
      stats.requests += items.length;
      stats.batches++;
      await check(opts, keeper, b, items, fail);
      stats.elapsedMs = Date.now() - started;
      opts.progress?.(stats);
    }
  } finally {
    for (const l of lanes) l.close();
  }
  stats.elapsedMs = Date.now() - started;
  return stats;
}

/** Whether the broker answers ApiVersions on a new connection within 10 s (to tell a stuck line from a stuck broker). */
async function probe(port: number, host: string): Promise<string> {
  const t0 = Date.now();
  try {
    const c = await RawClient.connect(port, host, 'samsa-fuzz-probe');
    try {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no answer in 10 s')), 10_000),
      );
      await Promise.race([c.send(ApiVersions, 0, {}), timeout]);
      return `was answered in ${Date.now() - t0} ms`;
    } finally {
      c.close();
    }
  } catch (err) {
    return `was not answered: ${(err as Error).message}`;
  }
}

/** After a batch: the broker runs, logged no request failure, serves a fresh client and lost no record. */
async function check(
  opts: FuzzOptions,
  keeper: Keeper,
  b: number,
  items: readonly Item[],
  fail: (batch: number, reason: string, items: readonly Item[]) => never,
): Promise<void> {
  const gone = opts.brokerGone?.();
  if (gone) fail(b, `the broker is gone: ${gone}`, items);
  const errors = opts.brokerErrors?.() ?? [];
  if (errors.length > 0)
    fail(b, `the broker logged ${errors.length} failure(s):\n${errors.slice(0, 5).join('\n')}`, items);
  let c: RawClient | undefined;
  try {
    c = await RawClient.connect(opts.port, opts.host ?? '127.0.0.1', 'samsa-fuzz-check');
    await produceKeep(c, keeper, [`after-batch-${b}`]);
    const got = await readKeep(c, keeper);
    if (got.length !== keeper.values.length || got.some((v, i) => v !== keeper.values[i])) {
      const at = got.findIndex((v, i) => v !== keeper.values[i]);
      fail(
        b,
        `records written before changed: ${got.length} read, ${keeper.values.length} written, first difference at ${at}`,
        items,
      );
    }
  } catch (err) {
    if (err instanceof FuzzError) throw err;
    fail(
      b,
      `health check failed: ${(err as Error).message}${opts.brokerGone?.() ? ` (${opts.brokerGone()})` : ''}`,
      items,
    );
  } finally {
    c?.close();
  }
}

/**
 * Replays the requests of a failure report (its batchRequests) on one connection, chunked as the run did, against
 * a broker prepared the same way; returns one line per chunk that hung or closed, to find the culprit.
 */
export async function replay(
  port: number,
  requests: NonNullable<FuzzFailure['batchRequests']>,
  opts: { pipeline?: number; hangMs?: number; host?: string } = {},
): Promise<string[]> {
  const host = opts.host ?? '127.0.0.1';
  await prepare(port, host);
  const byName = new Map([...API_BY_KEY.values()].map((a) => [a.name, a]));
  const items: Item[] = requests.map((r) => ({
    api: byName.get(r.api)!,
    version: r.version,
    kind: r.kind as Item['kind'],
    bytes: Buffer.from(r.hex, 'hex'),
  }));
  const lane = new Lane(port, host, 0);
  const out: string[] = [];
  let index = 0;
  try {
    for (const [seq, c] of chunk(items, opts.pipeline ?? 32).entries()) {
      const t0 = Date.now();
      const r = await lane.run(c, opts.hangMs ?? 10_000, seq);
      const what = `requests ${index}-${index + c.length - 1} (${c.map((i) => `${i.api.name} v${i.version} ${i.kind}`).join(', ')})`;
      if (r.hung) out.push(`HUNG after ${Date.now() - t0} ms, ${r.answered} answered: ${what}`);
      else if (Date.now() - t0 > 1000) out.push(`slow: ${Date.now() - t0} ms: ${what}`);
      index += c.length;
    }
  } finally {
    lane.close();
  }
  return out;
}
