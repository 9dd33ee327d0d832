/**
 * What the client-facing subcommands (topics, produce, consume, groups, configs, perf) share: the connection
 * options in Kafka's spelling, turning broker errors into one readable line, tables for people and JSON for
 * scripts, and small parsers for k=v lists and timestamps.
 */
import type { Command } from 'commander';
import type { Admin, ClientLogger, ClientOptions } from '../client/index.js';
import { loadCommandConfig } from './command-config.js';
import { UsageError } from './common.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

/**
 * The client library, loaded when a tool runs rather than when main.ts registers the commands: `samsa start`
 * shares the entry point and should not pay for loading a client it never uses.
 */
export function loadClient(): Promise<typeof import('../client/index.js')> {
  return import('../client/index.js');
}

/** A KafkaError from the client, told apart without loading the client module. */
export function isKafkaError(e: unknown): e is Error & { code: number; codeName: string; retriable: boolean } {
  return (
    e instanceof Error &&
    typeof (e as { code?: unknown }).code === 'number' &&
    typeof (e as { codeName?: unknown }).codeName === 'string'
  );
}

function stderrLogger(level: 'debug' | 'info' | 'warn' | 'error'): ClientLogger {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  const at =
    (l: keyof typeof order) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (order[l] >= order[level])
        process.stderr.write(`${JSON.stringify({ level: l, time: Date.now(), msg, ...fields })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface ConnectionFlags {
  bootstrapServer: string;
  clientId?: string;
  requestTimeoutMs?: number;
  /** --command-config: Kafka client properties with the security settings (src/cli/command-config.ts). */
  commandConfig?: string;
}

/** Adds --bootstrap-server (Kafka's name; --broker-list and -b are accepted too) and --client-id. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-b, --bootstrap-server <host:port>', 'broker(s) to connect to, comma-separated', DEFAULT_BOOTSTRAP)
    .option('--broker-list <host:port>', 'alias of --bootstrap-server (old Kafka tools)')
    .option('--client-id <id>', 'client id sent to the broker', 'samsa-cli')
    .option(
      '--command-config <file>',
      'client properties file with security settings (security.protocol, ssl.*, sasl.*), as Kafka tools take',
    );
}

/** Client options from the connection flags. Retries are kept short so an unreachable broker fails fast. */
export function clientOptions(flags: ConnectionFlags & { brokerList?: string }): ClientOptions {
  const env = process.env['SAMSA_CLIENT_LOG'];
  const logLevel = env === 'debug' || env === 'info' || env === 'warn' || env === 'error' ? env : undefined;
  const servers = flags.brokerList ?? flags.bootstrapServer;
  const list = servers
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new UsageError('--bootstrap-server is empty');
  for (const s of list) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(s.replace(/^[a-zA-Z]+:\/\//, ''))) {
      throw new UsageError(`--bootstrap-server: '${s}' is not host:port`);
    }
  }
  const security = flags.commandConfig !== undefined ? loadCommandConfig(flags.commandConfig) : undefined;
  if (security !== undefined && security.unused.length > 0) {
    process.stderr.write(`samsa: warning: ${flags.commandConfig}: not used by samsa: ${security.unused.join(', ')}\n`);
  }
  return {
    ...(security?.tls ? { tls: security.tls } : {}),
    ...(security?.sasl ? { sasl: security.sasl } : {}),
    bootstrapServers: list,
    clientId: flags.clientId ?? 'samsa-cli',
    connectTimeoutMs: 5000,
    requestTimeoutMs: flags.requestTimeoutMs ?? 30000,
    retries: 3,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 500,
    // SAMSA_CLIENT_LOG=debug|info|warn|error shows the client's own log on stderr, for troubleshooting.
    logger: logLevel ? stderrLogger(logLevel) : undefined,
  };
}

/** A broker's refusal as one line: the Kafka error name first, then what failed. */
export function describeError(e: unknown): string {
  if (isKafkaError(e)) {
    const name = e.codeName;
    return e.message.startsWith(name) ? e.message : `${name}: ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Wraps an action so broker errors reach main.ts as plain errors with the Kafka error name in front (main prints
 * them as "samsa: error: ..." with exit code 1); usage errors pass through unchanged (exit code 2).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    // A reader that went away (`samsa consume ... | head`) is a normal way to stop, not a crash.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
    try {
      await fn(...args);
    } catch (e) {
      if (isKafkaError(e)) throw new Error(describeError(e));
      throw e;
    }
  };
}

/** Writes to stdout and waits until it is flushed (so a process that exits next loses nothing). */
export function out(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

export function printJson(value: unknown): Promise<void> {
  return out(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain-text table: columns padded to their widest cell, headings in capitals, two spaces apart. */
export function table(headings: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headings.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headings), ...cells.map(line)].join('\n') + '\n';
}

/** "k=v" into its parts; the value may contain '='. */
export function parseKeyValue(s: string, what: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw new UsageError(`${what}: expected key=value, got '${s}'`);
  return [s.slice(0, i).trim(), s.slice(i + 1)];
}

/**
 * Kafka's "k1=v1,k2=v2" config list; a value holding commas is written in square brackets (k=[a,b]).
 * Repeated options are joined first.
 */
export function parseConfigList(items: string[] | undefined, what: string): Array<[string, string]> {
  const outList: Array<[string, string]> = [];
  for (const item of items ?? []) {
    let i = 0;
    while (i < item.length) {
      let j = i;
      let depth = 0;
      while (j < item.length && (item[j] !== ',' || depth > 0)) {
        if (item[j] === '[') depth++;
        else if (item[j] === ']') depth--;
        j++;
      }
      const part = item.slice(i, j).trim();
      if (part !== '') {
        const [k, v] = parseKeyValue(part, what);
        outList.push([k, v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v]);
      }
      i = j + 1;
    }
  }
  return outList;
}

/** "a,b" lists, repeated options joined. */
export function parseNameList(items: string[] | undefined): string[] {
  return (items ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Milliseconds since the epoch from a number or an ISO 8601 date (UTC unless it names a zone). */
export function parseTimestamp(s: string, what: string): number {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t);
  // Kafka's tools accept "2024-01-31T10:00:00.000" without a zone; take that as UTC for predictability.
  const iso = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t}Z` : t;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms))
    throw new UsageError(`${what}: '${s}' is neither milliseconds since the epoch nor an ISO 8601 date`);
  return ms;
}

/** Kafka's ConfigSource numbers as the names kafka-configs prints. */
export function configSourceName(source: number): string {
  switch (source) {
    case 1:
      return 'DYNAMIC_TOPIC_CONFIG';
    case 2:
      return 'DYNAMIC_BROKER_CONFIG';
    case 3:
      return 'DYNAMIC_DEFAULT_BROKER_CONFIG';
    case 4:
      return 'STATIC_BROKER_CONFIG';
    case 5:
      return 'DEFAULT_CONFIG';
    case 6:
      return 'DYNAMIC_BROKER_LOGGER_CONFIG';
    case 7:
      return 'CLIENT_METRICS_CONFIG';
    case 8:
      return 'GROUP_CONFIG';
    default:
      return 'UNKNOWN';
  }
}

/** Backslash escapes people type in format strings and separators: \n \t \r \0 \\. */
export function unescapeText(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c === '0' ? '\0' : c,
  );
}

/** Stops on SIGINT/SIGTERM by calling `stop` once; the second signal exits at once. */
export function onInterrupt(stop: () => void): () => void {
  let count = 0;
  const handler = () => {
    if (++count > 1) process.exit(130);
    stop();
    // A graceful stop that hangs (a broker gone silent) must not keep the process alive for ever.
    setTimeout(() => process.exit(130), 5000).unref();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Runs `fn` with an admin client for the given connection flags, closing it afterwards. */
export async function withAdmin<T>(flags: ConnectionFlags, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const { createAdmin } = await loadClient();
  const admin = createAdmin(clientOptions(flags));
  try {
    return await fn(admin);
  } finally {
    admin.close();
  }
}
