/**
 * Logging: pino underneath, with a compact one-line text format for humans (the default) and pino's own
 * JSON lines for machines. Both write synchronously to stderr, so the last lines before a crash or exit are
 * never lost and stdout stays free for command output.
 *
 * Text format:  2026-11-21T12:00:00.000Z INFO  [component] message key=value key2="with spaces"
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { ConfigError } from './config/index.js';

export type Logger = PinoLogger;
export type LogFormat = 'text' | 'json';
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface LoggerOptions {
  /** Defaults to $LOG_LEVEL, then 'info'. */
  level?: string;
  /** Defaults to 'text'. */
  format?: string;
  /** Where finished lines go (tests use this); defaults to a synchronous stderr writer. */
  destination?: { write(line: string): unknown };
}

const LABELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
// Keys that the text format renders in fixed positions (or drops) rather than as key=value pairs.
const FIXED_KEYS = new Set(['time', 'level', 'msg', 'component', 'pid', 'hostname']);
const BARE_VALUE = /^[^\s="\\]+$/;

function renderValue(v: unknown): string {
  if (typeof v === 'string') return BARE_VALUE.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** Turns one pino JSON record into the text line (with trailing newline). Exported for tests. */
export function formatTextLine(rec: Record<string, unknown>): string {
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString() : String(rec.time ?? '');
  const level = typeof rec.level === 'number' ? (LABELS[rec.level] ?? String(rec.level)) : String(rec.level);
  let line = `${time} ${level} `;
  if (rec.component !== undefined) line += `[${String(rec.component)}] `;
  line += rec.msg === undefined ? '' : String(rec.msg);
  for (const key of Object.keys(rec)) {
    if (FIXED_KEYS.has(key)) continue;
    const v = rec[key];
    if (v === undefined) continue;
    if (key === 'err' && v !== null && typeof v === 'object') {
      // Keep the event on one line: message always, stack (escaped) only for error and fatal.
      const e = v as { type?: string; message?: string; stack?: string; code?: string };
      line += ` err=${renderValue(`${e.type ?? 'Error'}: ${e.message ?? ''}`)}`;
      if (e.code !== undefined) line += ` code=${renderValue(e.code)}`;
      if (typeof rec.level === 'number' && rec.level >= 50 && e.stack) line += ` stack=${JSON.stringify(e.stack)}`;
      continue;
    }
    line += ` ${key}=${renderValue(v)}`;
  }
  return line + '\n';
}

/** Validates a level name; throws ConfigError naming the accepted ones. */
export function checkLogLevel(level: string): LogLevel {
  const l = level.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(l)) {
    throw new ConfigError(`invalid log level '${level}': expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return l as LogLevel;
}

export function checkLogFormat(format: string): LogFormat {
  const f = format.trim().toLowerCase();
  if (f !== 'text' && f !== 'json') throw new ConfigError(`invalid log format '${format}': expected text or json`);
  return f;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const fromEnv = process.env.LOG_LEVEL?.trim() || undefined; // an empty LOG_LEVEL counts as unset
  let level: LogLevel;
  if (opts.level !== undefined) level = checkLogLevel(opts.level);
  else if (fromEnv !== undefined) {
    try {
      level = checkLogLevel(fromEnv);
    } catch {
      throw new ConfigError(
        `invalid LOG_LEVEL '${fromEnv}' in the environment: expected one of ${LOG_LEVELS.join(', ')}`,
      );
    }
  } else level = 'info';
  const format = checkLogFormat(opts.format ?? 'text');
  const sink = opts.destination ?? pino.destination({ dest: 2, sync: true });
  if (format === 'json') return pino({ level }, sink as DestinationStream);
  // pino hands us its serialized JSON line; re-rendering it costs a JSON.parse per event, which is fine for
  // log volume (nothing on the record path logs at info).
  const textStream: DestinationStream = {
    write(json: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(json) as Record<string, unknown>;
      } catch {
        sink.write(json);
        return;
      }
      sink.write(formatTextLine(rec));
    },
  };
  return pino({ level, base: null }, textStream);
}

/** A child logger whose lines carry [component]. */
export function componentLogger(parent: Logger, component: string): Logger {
  return parent.child({ component });
}
