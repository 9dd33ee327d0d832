/**
 * Runs a data generator: compiles the data set's schema, prepares the encoder (registering the schema for the
 * schema formats), and produces records through Samsa's producer — without waiting per record, up to a bound of
 * unacknowledged ones — at the requested pace, reporting progress as it goes.
 */
import type { ClientOptions } from '../client/cluster.js';
import { createProducer } from '../client/producer.js';
import { SchemaRegistryClient } from '../client/schema-registry/index.js';
import { type Format, prepareEncoder } from './formats.js';
import { compileSchema, rng } from './generate.js';
import { QUICKSTARTS, type Quickstart } from './quickstarts.js';

export interface DatagenOptions {
  /** A quickstart name, or a user's data set (an annotated Avro record schema and its key field). */
  dataset: string | { schema: Record<string, unknown>; keyField?: string };
  topic?: string;
  format: Format;
  iterations: number;
  intervalMs: number;
  bootstrap: string;
  /** TLS and SASL settings for the producer (from --command-config). */
  security?: Pick<ClientOptions, 'tls' | 'sasl'>;
  registryUrl?: string;
  seed?: number;
  /** Called about once a second and at the end. */
  onProgress?(p: DatagenProgress): void;
  signal?: AbortSignal;
}

export interface DatagenProgress {
  topic: string;
  records: number;
  bytes: number;
  ms: number;
  done: boolean;
}

const MAX_PENDING = 50_000;

export function quickstart(name: string): Quickstart {
  const q = QUICKSTARTS[name];
  if (!q) throw new Error(`unknown quickstart '${name}' (known: ${Object.keys(QUICKSTARTS).join(', ')})`);
  return q();
}

export async function runDatagen(opts: DatagenOptions): Promise<DatagenProgress> {
  const q: Quickstart =
    typeof opts.dataset === 'string'
      ? quickstart(opts.dataset)
      : {
          name: String(opts.dataset.schema['name'] ?? 'datagen'),
          keyField: opts.dataset.keyField ?? '',
          schema: opts.dataset.schema,
        };
  if (q.schema['type'] !== 'record') throw new Error('a datagen schema must be an Avro record');
  const topic = opts.topic ?? q.name;
  const random = rng(opts.seed ?? Date.now());
  const gen = compileSchema(q.schema);
  const next = q.table
    ? (() => {
        let i = 0;
        const table = q.table;
        return () => table[i++ % table.length]!;
      })()
    : () => gen(random) as Record<string, unknown>;
  const registry = opts.registryUrl ? new SchemaRegistryClient({ url: opts.registryUrl }) : undefined;
  const encode = await prepareEncoder(opts.format, q.schema, topic, registry);

  const producer = createProducer<string | null, Buffer | string>({
    ...opts.security,
    bootstrapServers: opts.bootstrap,
    clientId: 'samsa-datagen',
    lingerMs: opts.intervalMs > 0 ? 0 : 5,
    batchSize: 256 * 1024,
  });
  await producer.connect();
  const t0 = Date.now();
  let records = 0;
  let bytes = 0;
  let pending = 0;
  let failure: Error | undefined;
  let drained: (() => void) | undefined;
  let lastReport = t0;
  const report = (done: boolean): DatagenProgress => {
    const p = { topic, records, bytes, ms: Date.now() - t0, done };
    opts.onProgress?.(p);
    return p;
  };
  try {
    for (let i = 0; i < opts.iterations && !opts.signal?.aborted; i++) {
      if (failure) throw failure;
      const value = next();
      const key = q.keyField ? String(value[q.keyField]) : null;
      const encoded = encode(value);
      bytes += encoded.length;
      pending++;
      producer.produce({ topic, key, value: encoded }, (err) => {
        pending--;
        if (err) failure ??= err;
        if (pending < MAX_PENDING / 2 && drained) {
          const d = drained;
          drained = undefined;
          d();
        }
      });
      records++;
      if (pending >= MAX_PENDING) await new Promise<void>((r) => (drained = r));
      if (opts.intervalMs > 0) await sleep(opts.intervalMs, opts.signal);
      else if ((i & 0x3ff) === 0) await new Promise((r) => setImmediate(r));
      const now = Date.now();
      if (now - lastReport >= 1000) {
        lastReport = now;
        report(false);
      }
    }
    await producer.flush();
    if (failure) throw failure;
    return report(true);
  } finally {
    await producer.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
