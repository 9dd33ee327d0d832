/**
 * The console's message browser on Samsa's consumer: a page of records of a topic from an offset, a timestamp or
 * the newest ones, filtered by text in the key or value, and a live tail that streams new records as Server-Sent
 * Events. Keys, values and headers travel as UTF-8 text when they are text, as base64 otherwise; keys and values
 * in the schema registry's wire format (Avro, Protobuf, JSON Schema) are decoded with their writer's schema when
 * the console knows a registry, and travel as JSON text naming the schema id and type.
 */
import type { ServerResponse } from 'node:http';
import {
  type Admin,
  type ClientOptions,
  createConsumer,
  type ConsumerRecord,
  type TopicPartition,
} from '../client/index.js';

export interface BrowseQuery {
  topic: string;
  /** One partition, or all. */
  partition?: number;
  from: 'beginning' | 'newest' | 'offset' | 'timestamp';
  offset?: number;
  timestamp?: number;
  limit: number;
  /** Case-insensitive text searched in key and value. */
  filter?: string;
}

export interface BrowsedRecord {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: EncodedData | null;
  value: EncodedData | null;
  headers: Array<{ key: string; value: EncodedData | null }>;
}

export interface EncodedData {
  encoding: 'utf8' | 'base64';
  data: string;
  /** Set when the data was decoded through the schema registry: `data` is the value as JSON. */
  schema?: { id: number; type: string };
}

/** Decodes bytes framed in the registry's wire format to JSON text; rejects when they cannot be. */
export type SchemaDecoder = (bytes: Buffer) => Promise<{ json: string; schemaId: number; schemaType: string }>;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

function encode(b: Buffer | null): EncodedData | null {
  if (b === null) return null;
  try {
    const text = UTF8.decode(b);
    // Control characters other than whitespace mean binary data shown better as base64.
    if (!hasControlChars(text)) return { encoding: 'utf8', data: text };
  } catch {
    // not UTF-8
  }
  return { encoding: 'base64', data: b.toString('base64') };
}

/** Magic byte 0 and a 4-byte schema id: what the registry's serializers write first. */
const looksFramed = (b: Buffer | null): b is Buffer => b !== null && b.length >= 5 && b[0] === 0;

async function decodeOrEncode(b: Buffer | null, decoder: SchemaDecoder | undefined): Promise<EncodedData | null> {
  if (decoder !== undefined && looksFramed(b)) {
    try {
      const d = await decoder(b);
      return { encoding: 'utf8', data: d.json, schema: { id: d.schemaId, type: d.schemaType } };
    } catch {
      // not a registry-framed value after all (or its schema is gone): shown as bytes
    }
  }
  return encode(b);
}

async function toBrowsed(r: ConsumerRecord, decoder: SchemaDecoder | undefined): Promise<BrowsedRecord> {
  const framed = decoder !== undefined && (looksFramed(r.key) || looksFramed(r.value));
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: framed ? await decodeOrEncode(r.key, decoder) : encode(r.key),
    value: framed ? await decodeOrEncode(r.value, decoder) : encode(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: encode(h.value) })),
  };
}

function matches(r: BrowsedRecord, filter: string | undefined): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return (
    (r.key?.data.toLowerCase().includes(f) ?? false) ||
    (r.value?.data.toLowerCase().includes(f) ?? false) ||
    r.headers.some((h) => h.key.toLowerCase().includes(f) || (h.value?.data.toLowerCase().includes(f) ?? false))
  );
}

/** Reads up to `limit` records (after filtering) per the query; stops at the partitions' ends or after `waitMs`. */
export async function browse(
  admin: Admin,
  /** The bootstrap address and credentials of the caller's clients. */
  client: ClientOptions,
  q: BrowseQuery,
  waitMs = 3000,
  decoder?: SchemaDecoder,
): Promise<{ records: BrowsedRecord[]; scanned: number }> {
  const [info] = await admin.describeTopics([q.topic]);
  if (info === undefined) return { records: [], scanned: 0 };
  const tps: TopicPartition[] = info.partitions
    .filter((p) => q.partition === undefined || p.partition === q.partition)
    .map((p) => ({ topic: q.topic, partition: p.partition }));
  if (tps.length === 0) return { records: [], scanned: 0 };
  const [starts, ends] = await Promise.all([admin.listOffsets(tps, 'earliest'), admin.listOffsets(tps, 'latest')]);
  const start = new Map<number, number>();
  const end = new Map<number, number>();
  for (const o of starts) start.set(o.partition, o.offset);
  for (const o of ends) end.set(o.partition, o.offset);
  // Where each partition is read from.
  const from = new Map<number, number>();
  if (q.from === 'timestamp') {
    const at = await admin.listOffsets(tps, q.timestamp ?? 0);
    for (const o of at) from.set(o.partition, o.offset < 0 ? end.get(o.partition)! : o.offset);
  }
  for (const tp of tps) {
    const s = start.get(tp.partition)!;
    const e = end.get(tp.partition)!;
    let pos: number;
    if (q.from === 'beginning') pos = s;
    else if (q.from === 'newest') pos = Math.max(s, e - Math.ceil(q.limit / (q.filter ? 1 : tps.length)));
    else if (q.from === 'offset') pos = Math.min(Math.max(q.offset ?? 0, s), e);
    else pos = from.get(tp.partition)!;
    from.set(tp.partition, pos);
  }
  const pending = tps.filter((tp) => from.get(tp.partition)! < end.get(tp.partition)!);
  if (pending.length === 0) return { records: [], scanned: 0 };
  const consumer = createConsumer({ ...client, clientId: 'samsa-console-browser', maxWaitMs: 200 });
  const out: BrowsedRecord[] = [];
  let scanned = 0;
  const done = new Set<number>();
  const timer = setTimeout(() => void consumer.close(), waitMs);
  try {
    consumer.assign(pending);
    for (const tp of pending) consumer.seek(tp, from.get(tp.partition)!);
    const cap = q.from === 'newest' && !q.filter ? q.limit * tps.length : q.limit;
    while (done.size < pending.length && out.length < cap) {
      const r = await consumer.next();
      if (r === null) break;
      const stop = end.get(r.partition)!;
      if (r.offset >= stop) {
        done.add(r.partition);
        continue;
      }
      scanned++;
      const b = await toBrowsed(r, decoder);
      if (matches(b, q.filter)) out.push(b);
      if (r.offset + 1 >= stop) done.add(r.partition);
    }
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  out.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  return { records: q.from === 'newest' ? out.slice(-q.limit) : out.slice(0, q.limit), scanned };
}

/** Streams records appended from now on as Server-Sent Events (`event: record`) until the client goes away. */
export async function tail(
  admin: Admin,
  /** The bootstrap address and credentials of the caller's clients. */
  client: ClientOptions,
  topic: string,
  filter: string | undefined,
  res: ServerResponse,
  decoder?: SchemaDecoder,
): Promise<void> {
  const [info] = await admin.describeTopics([topic]);
  const tps = (info?.partitions ?? []).map((p) => ({ topic, partition: p.partition }));
  const ends = await admin.listOffsets(tps, 'latest');
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': tailing\n\n');
  const consumer = createConsumer({ ...client, clientId: 'samsa-console-tail', maxWaitMs: 500 });
  const stop = () => void consumer.close();
  res.on('close', stop);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  try {
    consumer.assign(tps);
    for (const e of ends) consumer.seek(e, e.offset);
    for (;;) {
      const r = await consumer.next();
      if (r === null) break;
      const b = await toBrowsed(r, decoder);
      if (matches(b, filter)) res.write(`event: record\ndata: ${JSON.stringify(b)}\n\n`);
    }
  } catch {
    // the consumer closed under us or the broker went away: the stream ends
  } finally {
    clearInterval(keepAlive);
    res.off('close', stop);
    await consumer.close();
    res.end();
  }
}
