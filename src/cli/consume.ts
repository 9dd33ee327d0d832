/**
 * `samsa consume`: print records of a topic, like kafka-console-consumer and kcat -C. Without --group the
 * partitions are assigned directly and start where --from-beginning/--offset/--timestamp say (default: the end);
 * with --group the consumer joins the group and commits what it printed.
 */
import type { Command } from 'commander';
import type { Consumer, ConsumerRecord, TopicPartition } from '../client/index.js';
import { collect, intArg, topicArguments, UsageError } from './common.js';
import {
  action,
  addConnectionOptions,
  clientOptions,
  loadClient,
  onInterrupt,
  parseTimestamp,
  unescapeText,
  type ConnectionFlags,
} from './output.js';

/** Named output templates for --format. */
export const FORMATS: Record<string, string> = {
  value: '%s\\n',
  'key-value': '%k\\t%s\\n',
  kcat: '%t [%p] at offset %o: key %k: %s\\n',
  full: '%t\\t%p\\t%o\\t%T\\t%k\\t%h\\t%s\\n',
};

type Rec = ConsumerRecord<Buffer | null, Buffer | null>;
type Piece = string | ((r: Rec) => string);

/**
 * Compiles a kcat-style format: %t topic, %p partition, %o offset, %T timestamp (ms), %k key, %s value,
 * %K key length, %S value length, %h headers (k=v,k=v), %% a percent sign; \n \t \r \\ escapes.
 * Unknown placeholders are usage errors. Exported for tests.
 */
export function compileFormat(format: string): (r: Rec) => string {
  const template = FORMATS[format] ?? format;
  const pieces: Piece[] = [];
  let lit = '';
  const s = unescapeText(template);
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '%') {
      lit += c;
      continue;
    }
    const f = s[++i];
    let fn: ((r: Rec) => string) | undefined;
    switch (f) {
      case '%':
        lit += '%';
        continue;
      case 't':
        fn = (r) => r.topic;
        break;
      case 'p':
        fn = (r) => String(r.partition);
        break;
      case 'o':
        fn = (r) => String(r.offset);
        break;
      case 'T':
        fn = (r) => String(r.timestamp);
        break;
      case 'k':
        fn = (r) => (r.key === null ? '' : r.key.toString('utf8'));
        break;
      case 's':
        fn = (r) => (r.value === null ? '' : r.value.toString('utf8'));
        break;
      case 'K':
        fn = (r) => String(r.key === null ? -1 : r.key.length);
        break;
      case 'S':
        fn = (r) => String(r.value === null ? -1 : r.value.length);
        break;
      case 'h':
        fn = (r) => r.headers.map((h) => `${h.key}=${h.value === null ? '' : h.value.toString('utf8')}`).join(',');
        break;
      default:
        throw new UsageError(
          f === undefined
            ? '--format ends with a lone %'
            : `--format: unknown placeholder %${f} (use %t %p %o %T %k %s %K %S %h %%, or a named format: ${Object.keys(FORMATS).join(', ')})`,
        );
    }
    if (lit !== '') pieces.push(lit);
    lit = '';
    pieces.push(fn);
  }
  if (lit !== '') pieces.push(lit);
  return (r) => {
    let o = '';
    for (const p of pieces) o += typeof p === 'string' ? p : p(r);
    return o;
  };
}

/** One record as a JSON line (key, value and header values as UTF-8 text; null stays null). */
export function recordJson(r: Rec): string {
  return `${JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') })),
  })}\n`;
}

interface ConsumeFlags extends ConnectionFlags {
  topic: string[];
  fromBeginning?: boolean;
  offset?: string;
  timestamp?: string;
  partition?: number[];
  group?: string;
  maxMessages?: number;
  timeoutMs?: number;
  exitAtEnd?: boolean;
  format?: string;
  json?: boolean;
  isolationLevel: 'read_uncommitted' | 'read_committed';
  valueFormat?: string;
  schemaRegistry?: string;
}

type Start =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'fromEnd'; count: number }
  | { kind: 'timestamp'; ms: number };

function parseStart(flags: ConsumeFlags): Start {
  const given = [flags.fromBeginning, flags.offset !== undefined, flags.timestamp !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError('--from-beginning, --offset and --timestamp exclude each other');
  if (flags.fromBeginning) return { kind: 'earliest' };
  if (flags.timestamp !== undefined) return { kind: 'timestamp', ms: parseTimestamp(flags.timestamp, '--timestamp') };
  if (flags.offset !== undefined) {
    const o = flags.offset.trim();
    if (o === 'beginning' || o === 'earliest') return { kind: 'earliest' };
    if (o === 'end' || o === 'latest') return { kind: 'latest' };
    if (/^\d+$/.test(o)) return { kind: 'offset', offset: Number(o) };
    if (/^-\d+$/.test(o)) return { kind: 'fromEnd', count: -Number(o) };
    throw new UsageError(
      `--offset: expected a number, -N (N before the end), 'earliest' or 'latest', got '${flags.offset}'`,
    );
  }
  return { kind: 'latest' };
}

export function register(program: Command): void {
  const cmd = program
    .command('consume')
    .description('print records of a topic')
    .argument('[topics...]', 'topics to read (or --topic)')
    .option('-t, --topic <name>', 'topic to read; repeatable', collect)
    .option('--from-beginning', 'start at the earliest offset (in a group: when it has no committed offset)')
    .option('-o, --offset <offset>', "start offset: N, -N (N before the end), 'earliest' or 'latest'")
    .option(
      '--timestamp <time>',
      'start at the first record at or after this time (ms since epoch or ISO 8601; UTC without a zone)',
    )
    .option('-p, --partition <n>', 'read only this partition; repeatable', (v: string, prev: number[] | undefined) => [
      ...(prev ?? []),
      intArg(0, 2147483647)(v),
    ])
    .option('-g, --group <id>', 'join this consumer group and commit the offsets of printed records')
    .option('-n, --max-messages <n>', 'stop after this many records', intArg(1, Number.MAX_SAFE_INTEGER))
    .option('--timeout-ms <ms>', 'stop when no record arrived for this long', intArg(1, 2147483647))
    .option('-e, --exit-at-end', 'stop at the end of every partition (as of the start; not with --group)')
    .option('-f, --format <format>', `output format with placeholders, or one of: ${Object.keys(FORMATS).join(', ')}`)
    .option('--json', 'one JSON object per record')
    .option('--isolation-level <level>', 'read_uncommitted or read_committed', 'read_uncommitted')
    .option('--value-format <format>', 'decode values: raw, or avro, protobuf, json_sr through the registry', 'raw')
    .option('--schema-registry <url>', 'schema registry for --value-format', 'http://127.0.0.1:8081')
    .addHelpText(
      'after',
      `
Format placeholders (as kcat -f): %t topic  %p partition  %o offset  %T timestamp (ms)  %k key  %s value
  %K key length  %S value length (-1 for null)  %h headers as k=v,k=v  %%  and escapes \\n \\t.
Named formats: ${Object.entries(FORMATS)
        .map(([k, v]) => `${k} = '${v}'`)
        .join(', ')}. Default: value.

Examples:
  samsa consume events --from-beginning --max-messages 10
  samsa consume -t events -p 0 --offset 42 -f '%p:%o %k=%s\\n'
  samsa consume -t events --timestamp 2024-05-01T00:00:00Z --exit-at-end --json
  samsa consume -t events --group audit --from-beginning --timeout-ms 5000`,
    );
  addConnectionOptions(cmd).action(
    action(async (args: string[], flags: ConsumeFlags) => {
      flags.topic = topicArguments(args, flags.topic);
      if (flags.json && flags.format !== undefined) throw new UsageError('--json and --format exclude each other');
      const fmt = flags.json ? recordJson : compileFormat(flags.format ?? 'value');
      const start = parseStart(flags);
      if (flags.isolationLevel !== 'read_uncommitted' && flags.isolationLevel !== 'read_committed') {
        throw new UsageError(
          `--isolation-level: expected read_uncommitted or read_committed, got '${flags.isolationLevel}'`,
        );
      }
      if (flags.group !== undefined) {
        if (flags.partition)
          throw new UsageError('--partition cannot be used with --group (the group assigns partitions)');
        if (flags.exitAtEnd)
          throw new UsageError('--exit-at-end cannot be used with --group; use --max-messages or --timeout-ms');
        if (start.kind !== 'earliest' && start.kind !== 'latest') {
          throw new UsageError(
            'with --group, only --from-beginning applies (use `samsa groups reset-offsets` to move a group)',
          );
        }
      }
      const copts = clientOptions(flags);
      const { createConsumer } = await loadClient();
      const consumer = createConsumer({
        ...copts,
        groupId: flags.group,
        autoOffsetReset: start.kind === 'earliest' ? 'earliest' : 'latest',
        isolationLevel: flags.isolationLevel,
        enableAutoCommit: flags.group !== undefined,
        autoCommitIntervalMs: 1000,
      });
      let ends: Map<string, number> | undefined;
      try {
        if (flags.group !== undefined) consumer.subscribe(flags.topic);
        else ends = await assignAndSeek(consumer, flags, start, copts);
        const count = await printRecords(consumer, flags, fmt, ends);
        // After a timeout or signal the consumer is already closed, and close() committed (auto-commit is on).
        if (flags.group !== undefined && count > 0 && !closing.has(consumer)) await consumer.commit();
        process.stderr.write(`Processed a total of ${count} message${count === 1 ? '' : 's'}\n`);
      } finally {
        await closeOnce(consumer).catch(() => {});
      }
    }),
  );
}

const key = (t: string, p: number) => `${t}\u0000${p}`;

const closing = new WeakMap<Consumer, Promise<void>>();
/** close() once: a timeout or signal may close the consumer while the action also closes it at the end. */
function closeOnce(c: Consumer): Promise<void> {
  let p = closing.get(c);
  if (!p) closing.set(c, (p = c.close()));
  return p;
}

/** Assigns the partitions and seeks each to its start; returns each partition's end offset at this moment. */
async function assignAndSeek(
  consumer: Consumer,
  flags: ConsumeFlags,
  start: Start,
  copts: ReturnType<typeof clientOptions>,
): Promise<Map<string, number>> {
  const { createAdmin } = await loadClient();
  const admin = createAdmin(copts);
  try {
    const infos = await admin.describeTopics(flags.topic);
    const tps: TopicPartition[] = [];
    for (const t of infos) {
      for (const p of t.partitions) {
        if (!flags.partition || flags.partition.includes(p.partition))
          tps.push({ topic: t.name, partition: p.partition });
      }
    }
    for (const p of flags.partition ?? []) {
      for (const t of infos) {
        if (p >= t.partitions.length)
          throw new UsageError(`--partition ${p}: topic ${t.name} has ${t.partitions.length} partition(s)`);
      }
    }
    const latest = await admin.listOffsets(tps, 'latest');
    const ends = new Map(latest.map((o) => [key(o.topic, o.partition), o.offset]));
    let starts: number[];
    switch (start.kind) {
      case 'latest':
        starts = latest.map((o) => o.offset);
        break;
      case 'earliest':
        starts = (await admin.listOffsets(tps, 'earliest')).map((o) => o.offset);
        break;
      case 'offset':
        starts = tps.map(() => start.offset);
        break;
      case 'fromEnd': {
        const earliest = await admin.listOffsets(tps, 'earliest');
        starts = latest.map((o, i) => Math.max(earliest[i]!.offset, o.offset - start.count));
        break;
      }
      case 'timestamp':
        starts = (await admin.listOffsets(tps, start.ms)).map((o, i) => (o.offset < 0 ? latest[i]!.offset : o.offset));
        break;
    }
    consumer.assign(tps);
    tps.forEach((tp, i) => {
      consumer.seek(tp, starts[i]!);
    });
    // A partition already at its end needs nothing more for --exit-at-end.
    tps.forEach((tp, i) => {
      if (starts[i]! >= ends.get(key(tp.topic, tp.partition))!) ends.delete(key(tp.topic, tp.partition));
    });
    return ends;
  } finally {
    admin.close();
  }
}

async function printRecords(
  consumer: Consumer,
  flags: ConsumeFlags,
  fmt: (r: Rec) => string,
  ends: Map<string, number> | undefined,
): Promise<number> {
  let count = 0;
  const max = flags.maxMessages ?? Infinity;
  const decodeValue = await valueDecoder(flags);
  const exitAtEnd = flags.exitAtEnd === true && ends !== undefined;
  if (exitAtEnd && ends.size === 0) return 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const stop = () => {
    stopped = true;
    closeOnce(consumer).catch(() => {});
  };
  const arm = () => {
    if (flags.timeoutMs === undefined) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      // Joining a group can take longer than the timeout (the broker delays a new group's first rebalance):
      // the wait for records starts once partitions are assigned.
      if (flags.group !== undefined && consumer.assignment().length === 0) {
        arm();
        return;
      }
      timedOut = true;
      stop();
    }, flags.timeoutMs);
  };
  const offSignals = onInterrupt(stop);
  // Output goes out in chunks: one write per record would dominate the time on large topics.
  let buf = '';
  const flush = async () => {
    if (buf === '') return;
    const b = buf;
    buf = '';
    if (!process.stdout.write(b)) await new Promise<void>((r) => process.stdout.once('drain', r));
  };
  try {
    arm();
    while (!stopped && count < max) {
      const next = consumer.next();
      // Print what was gathered while the next record is still on its way.
      if (buf.length > 0) {
        const r = await Promise.race([
          next.then(() => false),
          new Promise<boolean>((res) => setImmediate(() => res(true))),
        ]);
        if (r) await flush();
      }
      let r: Rec | null;
      try {
        r = await next;
      } catch (e) {
        if (stopped) break;
        throw e;
      }
      if (r === null) break;
      if (decodeValue && r.value !== null) r = { ...r, value: await decodeValue(r.value) };
      count++;
      buf += fmt(r);
      if (buf.length >= 65536) await flush();
      arm();
      if (exitAtEnd) {
        const k = key(r.topic, r.partition);
        const end = ends.get(k);
        if (end !== undefined && r.offset + 1 >= end) {
          ends.delete(k);
          if (ends.size === 0) break;
        }
      }
    }
    await flush();
  } finally {
    if (timer) clearTimeout(timer);
    offSignals();
  }
  if (timedOut) process.stderr.write(`No record for ${flags.timeoutMs} ms; stopping.\n`);
  return count;
}

/**
 * With --value-format avro|protobuf|json_sr, values in the schema registry's wire format are decoded with the
 * writer's schema (fetched by the id in each value) and shown as JSON.
 */
async function valueDecoder(flags: ConsumeFlags): Promise<((v: Buffer) => Promise<Buffer>) | undefined> {
  const fmt = flags.valueFormat ?? 'raw';
  if (fmt === 'raw') return undefined;
  if (fmt !== 'avro' && fmt !== 'protobuf' && fmt !== 'json_sr') {
    throw new UsageError(`--value-format: expected raw, avro, protobuf or json_sr, got '${fmt}'`);
  }
  const { SchemaRegistryClient, SchemaRegistryDeserializer } = await import('../client/schema-registry/index.js');
  const deserializer = new SchemaRegistryDeserializer(new SchemaRegistryClient({ url: flags.schemaRegistry! }));
  return async (v) => Buffer.from((await deserializer.toJson(v)).json);
}
