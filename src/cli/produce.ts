/**
 * `samsa produce`: one record per line of stdin, like kafka-console-producer (and kcat -P).
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CompressionName } from '../client/index.js';
import { collect, intArg, topicArgument, UsageError } from './common.js';
import {
  action,
  addConnectionOptions,
  clientOptions,
  describeError,
  loadClient,
  onInterrupt,
  parseKeyValue,
  unescapeText,
  type ConnectionFlags,
} from './output.js';

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export function acksOption(defaultValue: string): Option {
  return new Option('--acks <acks>', 'acknowledgements: 0 (none), 1 (leader), all')
    .choices(['0', '1', 'all', '-1'])
    .default(defaultValue);
}

const DEFAULT_KEY_SEPARATOR = '\\t';

export function parseAcks(s: string): 0 | 1 | -1 {
  return s === '0' ? 0 : s === '1' ? 1 : -1;
}

interface ProduceFlags extends ConnectionFlags {
  topic: string;
  parseKey?: boolean;
  /** Given alone, it turns key parsing on; the default separator is a tab. */
  keySeparator?: string;
  header?: string[];
  parseHeaders?: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  partition?: number;
  acks: string;
  compression: CompressionName;
  lingerMs: number;
  batchSize: number;
  nullMarker?: string;
  idempotent?: boolean;
}

type Header = { key: string; value: string | null };

export type LineParser = (line: string) => { key: string | null; value: string | null; headers: Header[] };

/** Splits a line into headers, key and value according to the flags. Exported for tests. */
export function lineParser(
  flags: Pick<
    ProduceFlags,
    | 'parseKey'
    | 'keySeparator'
    | 'header'
    | 'parseHeaders'
    | 'headersDelimiter'
    | 'headersSeparator'
    | 'headersKeySeparator'
    | 'nullMarker'
  >,
): LineParser {
  const fixed: Header[] = (flags.header ?? []).map((h) => {
    const [key, value] = parseKeyValue(h, '--header');
    return { key, value };
  });
  const keySep = unescapeText(flags.keySeparator ?? DEFAULT_KEY_SEPARATOR);
  const parseKey = flags.parseKey === true || flags.keySeparator !== undefined;
  const hDelim = unescapeText(flags.headersDelimiter);
  const hSep = unescapeText(flags.headersSeparator);
  const hKeySep = unescapeText(flags.headersKeySeparator);
  if (parseKey && keySep === '') throw new UsageError('--key-separator must not be empty');
  const nullMarker = flags.nullMarker;
  const nul = (s: string): string | null => (nullMarker !== undefined && s === nullMarker ? null : s);
  return (line: string) => {
    let rest = line;
    let headers = fixed;
    if (flags.parseHeaders) {
      const i = rest.indexOf(hDelim);
      if (i < 0) throw new Error(`no headers delimiter ${JSON.stringify(hDelim)} in line: ${clip(line)}`);
      const field = rest.slice(0, i);
      rest = rest.slice(i + hDelim.length);
      headers = [...fixed];
      if (field !== '') {
        for (const h of field.split(hSep)) {
          const j = h.indexOf(hKeySep);
          if (j < 0) headers.push({ key: h, value: null });
          else headers.push({ key: h.slice(0, j), value: h.slice(j + hKeySep.length) });
        }
      }
    }
    let key: string | null = null;
    if (parseKey) {
      const i = rest.indexOf(keySep);
      if (i < 0) throw new Error(`no key separator ${JSON.stringify(keySep)} in line: ${clip(line)}`);
      key = nul(rest.slice(0, i));
      rest = rest.slice(i + keySep.length);
    }
    return { key, value: nul(rest), headers };
  };
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function register(program: Command): void {
  const cmd = program
    .command('produce')
    .description('send lines of stdin to a topic, one record per line')
    .argument('[topic]', 'topic to write to (or --topic)')
    .option('-t, --topic <name>', 'topic to write to')
    .option('-K, --parse-key', 'each line is KEY<separator>VALUE')
    .option('--key-separator <sep>', 'separator between key and value, turns on --parse-key (default: \\t)')
    .option('-H, --header <key=value>', 'header added to every record; repeatable', collect)
    .option('--parse-headers', 'each line starts with headers: k1:v1,k2:v2<delimiter>...')
    .option('--headers-delimiter <sep>', 'ends the headers field of a line', '\\t')
    .option('--headers-separator <sep>', 'separates headers in the headers field', ',')
    .option('--headers-key-separator <sep>', 'separates a header key from its value', ':')
    .option('--null-marker <text>', 'a key or value equal to this text is sent as null')
    .option(
      '-p, --partition <n>',
      'write every record to this partition (default: by key, else sticky)',
      intArg(0, 2147483647),
    )
    .addOption(acksOption('all'))
    .addOption(new Option('-z, --compression <codec>', 'compression codec').choices([...COMPRESSIONS]).default('none'))
    .option('--linger-ms <ms>', 'how long a batch waits for more records', intArg(0, 3_600_000), 5)
    .option('--batch-size <bytes>', 'bytes per batch', intArg(1, 256 * 1024 * 1024), 16384)
    .option('--no-idempotent', 'do not use an idempotent producer with acks=all')
    .addHelpText(
      'after',
      `
The number of records sent (and failed) is written to stderr at the end; the exit code is 1 if any failed.

Examples:
  echo 'hello' | samsa produce greetings
  printf 'user1\\t{"n":1}\\n' | samsa produce -t events --parse-key
  printf 'k:v\\n' | samsa produce events --key-separator : --header source=cli
  printf 'trace:abc,env:dev\\tkey\\tvalue\\n' | samsa produce -t events --parse-headers --parse-key
  seq 1000 | samsa produce -t numbers --acks 1 --compression zstd`,
    );
  addConnectionOptions(cmd).action(
    action(async (arg: string | undefined, flags: ProduceFlags) => {
      flags.topic = topicArgument(arg, flags.topic);
      const parse = lineParser(flags);
      const { createProducer } = await loadClient();
      const producer = createProducer<string | null, string | null>({
        ...clientOptions(flags),
        acks: parseAcks(flags.acks),
        compression: flags.compression,
        lingerMs: flags.lingerMs,
        batchSize: flags.batchSize,
        idempotent: flags.idempotent === false ? false : undefined,
      });
      let sent = 0;
      let failed = 0;
      let pending = 0;
      let firstError: string | undefined;
      let resumeAt: (() => void) | undefined;
      // The line iterator is made right away: lines (and the end of input) that arrive before iteration starts
      // would otherwise be lost while we wait for the connection.
      const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
      const lines = rl[Symbol.asyncIterator]();
      const stopSignals = onInterrupt(() => rl.close());
      // A failed first record (unknown topic, broker down) fails the rest too: stop reading early then.
      let fatal: Error | undefined;
      let first = false;
      try {
        await producer.connect();
        for (let it = await lines.next(); !it.done; it = await lines.next()) {
          const line = it.value;
          if (fatal) break;
          let rec: ReturnType<typeof parse>;
          try {
            rec = parse(line);
          } catch (e) {
            failed++;
            firstError ??= (e as Error).message;
            continue;
          }
          const record = {
            topic: flags.topic,
            key: rec.key,
            value: rec.value,
            headers: rec.headers.length > 0 ? rec.headers : undefined,
            partition: flags.partition,
          };
          if (!first) {
            // The first record waits for its acknowledgement: records queued while the client still waits for the
            // topic's metadata can overtake each other in the client, and this also fails fast on a bad topic.
            first = true;
            try {
              await producer.send(record);
              sent++;
            } catch (e) {
              failed++;
              firstError ??= describeError(e);
              fatal ??= e as Error;
            }
            continue;
          }
          pending++;
          producer.produce(record, (err) => {
            pending--;
            if (err) {
              failed++;
              firstError ??= describeError(err);
              if (sent === 0) fatal ??= err;
            } else sent++;
            if (resumeAt && pending < 10_000) {
              const r = resumeAt;
              resumeAt = undefined;
              r();
            }
          });
          // Bounded memory for large inputs: wait for acknowledgements when too much is queued.
          if (pending >= 100_000) await new Promise<void>((r) => (resumeAt = r));
        }
        await producer.flush().catch(() => {});
      } finally {
        stopSignals();
        await producer.close().catch(() => {});
      }
      process.stderr.write(
        `${sent} record${sent === 1 ? '' : 's'} produced to ${flags.topic}${failed > 0 ? `, ${failed} failed` : ''}\n`,
      );
      if (failed > 0) throw new Error(firstError ?? 'some records failed');
    }),
  );
}
