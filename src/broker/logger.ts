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

// ---------------------------------------------------------------------------------------------------------------
// Text from clients

const ESCAPED: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 92: '\\\\' };
const MAX_LOGGED_CHARS = 256;

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * Makes a name or id that a client sent safe for a log line: control characters (C0, DEL, C1), lone surrogates,
 * the replacement character a decoder put where bytes were not UTF-8, and backslashes are shown as escapes, and a
 * long value is cut (with its length noted). Printable text, non-ASCII letters included, stays as it is.
 */
export function escapeForLog(s: string | null | undefined): string {
  if (s === null || s === undefined) return '-';
  let out = '';
  const n = Math.min(s.length, MAX_LOGGED_CHARS);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x5c) {
      out += s[i];
    } else if (ESCAPED[c] !== undefined) {
      out += ESCAPED[c];
    } else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
      out += `\\x${hex2(c)}`;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if ((c >= 0xd800 && c <= 0xdfff) || c === 0xfffd || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else {
      out += s[i];
    }
  }
  if (s.length > n) out += `...(${s.length} chars)`;
  return out;
}

/**
 * Like escapeForLog, for the raw bytes a client sent as a string: bytes that do not form valid UTF-8 are shown
 * as \xNN, so that the log shows what arrived rather than replacement characters.
 */
export function escapeBytesForLog(b: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = Math.min(b.length, MAX_LOGGED_CHARS * 4);
  while (i < n) {
    const c = b[i]!;
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    let valid = len > 0 && i + len <= b.length;
    for (let k = 1; valid && k < len; k++) valid = (b[i + k]! & 0xc0) === 0x80;
    if (valid && len === 3) {
      const cp = ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6);
      valid = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff); // no overlong forms, no encoded surrogates
    } else if (valid && len === 4) {
      const cp = ((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12);
      valid = cp >= 0x10000 && cp <= 0x10ffff;
    }
    if (!valid) {
      out += `\\x${hex2(c)}`;
      i++;
      continue;
    }
    out += escapeForLog(Buffer.from(b.subarray(i, i + len)).toString('utf8'));
    i += len;
  }
  if (b.length > n) out += `...(${b.length} bytes)`;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Repeated warnings

/** What LogLimiter writes to: pino's logger and the storage layer's Logger interface both fit. */
export interface LineSink {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Limits a warning that a flood of bad clients could repeat without end (a closed connection, say): per reason,
 * the first `burst` lines of each interval are written and the rest only counted; when the interval ends, one line
 * says how many were suppressed.
 */
export class LogLimiter {
  private readonly windows = new Map<string, { start: number; written: number; suppressed: number }>();

  constructor(
    private readonly log: LineSink,
    private readonly burst = 5,
    private readonly intervalMs = 10_000,
    private readonly level: 'warn' | 'error' = 'warn',
  ) {}

  /** Writes (or counts) one line for `reason`. Returns true when it was written. */
  write(reason: string, fields: Record<string, unknown>, msg: string): boolean {
    const t = Date.now();
    let w = this.windows.get(reason);
    if (w === undefined || t - w.start >= this.intervalMs) {
      w = { start: t, written: 0, suppressed: 0 };
      this.windows.set(reason, w);
    }
    if (w.written < this.burst) {
      w.written++;
      this.log[this.level](fields, msg);
      return true;
    }
    if (w.suppressed++ === 0) {
      const window = w;
      const flush = () => {
        if (this.windows.get(reason) === window) this.windows.delete(reason);
        this.log[this.level](
          { reason, suppressed: window.suppressed },
          `${window.suppressed} more "${reason}" warnings suppressed in ${this.intervalMs} ms`,
        );
      };
      setTimeout(flush, Math.max(0, window.start + this.intervalMs - t)).unref();
    }
    return false;
  }
}
