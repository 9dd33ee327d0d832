/**
 * The built-in scalar functions, one table row each: name, accepted argument count, result type (fixed or derived
 * from the argument types) and the implementation over the engine's value representation (types.ts). Unless a row
 * says `nulls: true`, a NULL argument makes the result NULL without calling the implementation, which is how most
 * of ksqlDB's functions behave. The lambda functions (TRANSFORM, FILTER, REDUCE) are compiled in expr.ts because
 * their arguments are code, not values.
 */
import { createHash, randomUUID } from 'node:crypto';
import { formatWithPattern, parseWithPattern } from './datetime.js';
import {
  T,
  arrayOf,
  formatDate,
  mapOf,
  roundDecimal,
  toJsonValue,
  typeToString,
  valueToString,
  widerNumeric,
  type SqlType,
} from './types.js';

export interface ScalarFunction {
  name: string;
  min: number;
  max: number;
  returns: SqlType | ((args: SqlType[]) => SqlType);
  fn: (...args: any[]) => unknown;
  /** The implementation handles NULL arguments itself. */
  nulls?: boolean;
  /** Pass the argument types as a last extra argument. */
  typed?: boolean;
  description: string;
  category: 'STRING' | 'MATH' | 'DATE / TIME' | 'JSON' | 'ARRAY' | 'MAP' | 'URL' | 'GEO' | 'CONDITIONAL' | 'OTHER';
}

const MANY = 1_000;
const first = (a: SqlType[]) => a[0] ?? T.STRING;
const itemOf = (t: SqlType | undefined): SqlType => (t?.base === 'ARRAY' ? t.item : T.STRING);
const mapValueOf = (t: SqlType | undefined): SqlType => (t?.base === 'MAP' ? t.value : T.STRING);
const numericResult = (a: SqlType[]) => a.reduce((x, y) => widerNumeric(x, y), a[0] ?? T.INTEGER);
const firstNonNull = (a: SqlType[]) => a.find((t) => t !== null) ?? T.STRING;

const MS_DAY = 86_400_000;
const UNIT_MS: Record<string, number> = {
  MILLISECOND: 1,
  MILLISECONDS: 1,
  SECOND: 1000,
  SECONDS: 1000,
  MINUTE: 60_000,
  MINUTES: 60_000,
  HOUR: 3_600_000,
  HOURS: 3_600_000,
  DAY: MS_DAY,
  DAYS: MS_DAY,
};

function unitMs(unit: string): number {
  const f = UNIT_MS[String(unit).toUpperCase()];
  if (f === undefined) throw new Error(`Unknown time unit: ${unit}`);
  return f;
}

function javaRegex(p: string): RegExp {
  return new RegExp(p, 'g');
}

function sortValues(a: unknown[], desc: boolean): unknown[] {
  const out = a.slice().sort((x, y) => {
    if (x === null) return 1;
    if (y === null) return -1;
    return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
  });
  if (desc) {
    const nulls = out.filter((x) => x === null);
    return [...out.filter((x) => x !== null).reverse(), ...nulls];
  }
  return out;
}

const keyOf = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : `${typeof v}:${String(v)}`);

function distinct(a: unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const x of a) {
    const k = keyOf(x);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(x);
    }
  }
  return out;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** ksqlDB's JSONPath subset for EXTRACTJSONFIELD: $.a.b, $['a'], $.a[0]. */
function jsonPath(doc: unknown, path: string): unknown {
  if (!path.startsWith('$')) return undefined;
  const steps = path.slice(1).match(/\.[^.[\]]+|\[\s*'[^']*'\s*\]|\[\s*"[^"]*"\s*\]|\[\s*\d+\s*\]/g);
  let cur: unknown = doc;
  for (const s of steps ?? []) {
    if (cur === null || cur === undefined) return undefined;
    let k: string | number;
    if (s.startsWith('.')) k = s.slice(1);
    else {
      const inner = s.slice(1, -1).trim();
      k = /^\d+$/.test(inner) ? Number(inner) : inner.slice(1, -1);
    }
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function urlOf(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

function mask(s: string, upper = 'X', lower = 'x', digit = 'n', other: string | null = '-'): string {
  let out = '';
  for (const c of s) {
    if (c >= 'A' && c <= 'Z') out += upper ?? c;
    else if (c >= 'a' && c <= 'z') out += lower ?? c;
    else if (c >= '0' && c <= '9') out += digit ?? c;
    else out += other ?? c;
  }
  return out;
}

function maskArgs(args: unknown[]): [string, string, string, string | null] {
  return [
    (args[0] as string | undefined) ?? 'X',
    (args[1] as string | undefined) ?? 'x',
    (args[2] as string | undefined) ?? 'n',
    args.length > 3 ? (args[3] as string | null) : '-',
  ];
}

function encode(s: string, from: string, to: string): string | null {
  const enc: Record<string, BufferEncoding> = { hex: 'hex', utf8: 'utf8', ascii: 'latin1', base64: 'base64' };
  const f = enc[from.toLowerCase()];
  const t = enc[to.toLowerCase()];
  if (!f || !t) return null;
  return Buffer.from(s, f).toString(t);
}

function bytesEncoding(e: string): BufferEncoding | null {
  const m: Record<string, BufferEncoding> = { hex: 'hex', utf8: 'utf8', ascii: 'latin1', base64: 'base64' };
  return m[e.toLowerCase()] ?? null;
}

const radians = (d: number) => (d * Math.PI) / 180;

const F: ScalarFunction[] = [];
function def(
  category: ScalarFunction['category'],
  name: string,
  args: [number, number],
  returns: ScalarFunction['returns'],
  fn: ScalarFunction['fn'],
  description: string,
  opts: { nulls?: boolean; typed?: boolean } = {},
): void {
  F.push({ name, min: args[0], max: args[1], returns, fn, description, category, ...opts });
}

// --- strings
def('STRING', 'LCASE', [1, 1], T.STRING, (s: string) => s.toLowerCase(), 'Lower-cases a string.');
def('STRING', 'UCASE', [1, 1], T.STRING, (s: string) => s.toUpperCase(), 'Upper-cases a string.');
def(
  'STRING',
  'LEN',
  [1, 1],
  T.INTEGER,
  (s: string | Buffer) => (Buffer.isBuffer(s) ? s.length : [...s].length),
  'Length.',
);
def('STRING', 'LENGTH', [1, 1], T.INTEGER, (s: string) => [...s].length, 'Length of a string.');
def('STRING', 'TRIM', [1, 1], T.STRING, (s: string) => s.trim(), 'Removes leading and trailing spaces.');
def('STRING', 'LTRIM', [1, 1], T.STRING, (s: string) => s.trimStart(), 'Removes leading spaces.');
def('STRING', 'RTRIM', [1, 1], T.STRING, (s: string) => s.trimEnd(), 'Removes trailing spaces.');
def(
  'STRING',
  'CONCAT',
  [1, MANY],
  first,
  (...a: unknown[]) => {
    const parts = a.filter((x) => x !== null);
    if (parts.length > 0 && Buffer.isBuffer(parts[0])) return Buffer.concat(parts as Buffer[]);
    return parts.join('');
  },
  'Concatenates strings or bytes, skipping NULLs.',
  { nulls: true },
);
def(
  'STRING',
  'CONCAT_WS',
  [2, MANY],
  first,
  (sep: string | null, ...a: unknown[]) => (sep === null ? null : a.filter((x) => x !== null).join(sep)),
  'Concatenates with a separator, skipping NULLs.',
  { nulls: true },
);
def(
  'STRING',
  'SUBSTRING',
  [2, 3],
  T.STRING,
  (s: string, pos: number, len?: number) => {
    const chars = [...s];
    const start = pos > 0 ? pos - 1 : pos < 0 ? Math.max(chars.length + pos, 0) : 0;
    return chars.slice(start, len === undefined ? undefined : start + Math.max(len, 0)).join('');
  },
  'Substring from a 1-based position (negative counts from the end).',
);
def(
  'STRING',
  'REPLACE',
  [3, 3],
  T.STRING,
  (s: string, a: string, b: string) => s.split(a).join(b),
  'Replaces every occurrence of a substring.',
);
def(
  'STRING',
  'REGEXP_REPLACE',
  [3, 3],
  T.STRING,
  (s: string, p: string, r: string) => s.replace(javaRegex(p), r.replace(/\$(\d)/g, '$$$1')),
  'Replaces every match of a regular expression.',
);
def(
  'STRING',
  'REGEXP_EXTRACT',
  [2, 3],
  T.STRING,
  (p: string, s: string, g = 0) => new RegExp(p).exec(s)?.[g] ?? null,
  'The first match of a regular expression (pattern first) or of one of its groups.',
);
def(
  'STRING',
  'REGEXP_EXTRACT_ALL',
  [2, 3],
  arrayOf(T.STRING),
  (p: string, s: string, g = 0) => [...s.matchAll(javaRegex(p))].map((m) => m[g] ?? null),
  'Every match of a regular expression (pattern first) or of one of its groups.',
);
def(
  'STRING',
  'REGEXP_SPLIT_TO_ARRAY',
  [2, 2],
  arrayOf(T.STRING),
  (s: string, p: string) => s.split(new RegExp(p)),
  'Splits a string at the matches of a regular expression.',
);
def(
  'STRING',
  'SPLIT',
  [2, 2],
  (a) => arrayOf(first(a)),
  (s: string | Buffer, d: string | Buffer) => {
    if (Buffer.isBuffer(s)) {
      const out: Buffer[] = [];
      let i = 0;
      let j: number;
      while ((j = s.indexOf(d as Buffer, i)) >= 0 && (d as Buffer).length > 0) {
        out.push(s.subarray(i, j));
        i = j + (d as Buffer).length;
      }
      out.push(s.subarray(i));
      return out;
    }
    return d === '' ? [...s] : s.split(d as string);
  },
  'Splits a string or bytes at a delimiter.',
);
def(
  'STRING',
  'SPLIT_TO_MAP',
  [3, 3],
  mapOf(T.STRING, T.STRING),
  (s: string, entry: string, kv: string) => {
    const out: Record<string, string> = {};
    for (const e of s.split(entry)) {
      const i = e.indexOf(kv);
      if (i >= 0) out[e.slice(0, i)] = e.slice(i + kv.length);
    }
    return out;
  },
  'Splits a string into a map of key-value pairs.',
);
def(
  'STRING',
  'INSTR',
  [2, 4],
  T.INTEGER,
  (s: string, sub: string, pos = 1, occurrence = 1) => {
    let found = 0;
    if (pos > 0) {
      let i = pos - 2;
      while (found < occurrence) {
        i = s.indexOf(sub, i + 1);
        if (i < 0) return 0;
        found++;
      }
      return i + 1;
    }
    let i = s.length + pos + 1;
    while (found < occurrence) {
      i = s.lastIndexOf(sub, i - 1);
      if (i < 0) return 0;
      found++;
    }
    return i + 1;
  },
  'Position (1-based) of a substring, 0 if absent.',
);
def(
  'STRING',
  'LPAD',
  [3, 3],
  first,
  (s: string, len: number, pad: string) => {
    if (pad === '' || len < 0) return null;
    if (s.length >= len) return s.slice(0, len);
    return (pad.repeat(Math.ceil(len / pad.length)).slice(0, len - s.length) + s).slice(0, len);
  },
  'Pads on the left to a length.',
);
def(
  'STRING',
  'RPAD',
  [3, 3],
  first,
  (s: string, len: number, pad: string) => {
    if (pad === '' || len < 0) return null;
    if (s.length >= len) return s.slice(0, len);
    return s + pad.repeat(Math.ceil(len / pad.length)).slice(0, len - s.length);
  },
  'Pads on the right to a length.',
);
def(
  'STRING',
  'INITCAP',
  [1, 1],
  T.STRING,
  (s: string) => s.toLowerCase().replace(/(^|\s)(\S)/g, (_m, a: string, b: string) => a + b.toUpperCase()),
  'Capitalizes the first letter of each word.',
);
def(
  'STRING',
  'MASK',
  [1, 5],
  T.STRING,
  (s: string, ...m: unknown[]) => mask(s, ...maskArgs(m)),
  'Masks letters and digits.',
  {
    nulls: false,
  },
);
def(
  'STRING',
  'MASK_LEFT',
  [2, 6],
  T.STRING,
  (s: string, n: number, ...m: unknown[]) => mask(s.slice(0, n), ...maskArgs(m)) + s.slice(n),
  'Masks the first n characters.',
);
def(
  'STRING',
  'MASK_RIGHT',
  [2, 6],
  T.STRING,
  (s: string, n: number, ...m: unknown[]) =>
    s.slice(0, Math.max(s.length - n, 0)) + mask(s.slice(Math.max(s.length - n, 0)), ...maskArgs(m)),
  'Masks the last n characters.',
);
def(
  'STRING',
  'MASK_KEEP_LEFT',
  [2, 6],
  T.STRING,
  (s: string, n: number, ...m: unknown[]) => s.slice(0, n) + mask(s.slice(n), ...maskArgs(m)),
  'Masks all but the first n characters.',
);
def(
  'STRING',
  'MASK_KEEP_RIGHT',
  [2, 6],
  T.STRING,
  (s: string, n: number, ...m: unknown[]) =>
    mask(s.slice(0, Math.max(s.length - n, 0)), ...maskArgs(m)) + s.slice(Math.max(s.length - n, 0)),
  'Masks all but the last n characters.',
);
def(
  'STRING',
  'CHR',
  [1, 1],
  T.STRING,
  (c: number | string) =>
    typeof c === 'number' ? String.fromCodePoint(c) : String.fromCodePoint(Number.parseInt(c.replace(/^\\u/, ''), 16)),
  'The character of a code point.',
);
def('STRING', 'ENCODE', [3, 3], T.STRING, encode, 'Re-encodes a string between hex, utf8, ascii and base64.');
def(
  'STRING',
  'TO_BYTES',
  [2, 2],
  T.BYTES,
  (s: string, e: string) => {
    const enc = bytesEncoding(e);
    return enc ? Buffer.from(s, enc) : null;
  },
  'Converts a string to bytes in an encoding.',
);
def(
  'STRING',
  'FROM_BYTES',
  [2, 2],
  T.STRING,
  (b: Buffer, e: string) => {
    const enc = bytesEncoding(e);
    return enc ? b.toString(enc) : null;
  },
  'Converts bytes to a string in an encoding.',
);
def('STRING', 'UUID', [0, 1], T.STRING, () => randomUUID(), 'A random UUID.', { nulls: true });
def(
  'STRING',
  'ELT',
  [1, MANY],
  T.STRING,
  (n: number | null, ...a: Array<string | null>) => (n === null || n < 1 || n > a.length ? null : a[n - 1]),
  'The n-th of its arguments.',
  { nulls: true },
);
def(
  'STRING',
  'FIELD',
  [1, MANY],
  T.INTEGER,
  (s: string | null, ...a: Array<string | null>) => (s === null ? 0 : a.indexOf(s) + 1),
  'Position of a string among the others (0 if absent).',
  { nulls: true },
);
def('STRING', 'MD5', [1, 1], T.STRING, (s: string) => createHash('md5').update(s).digest('hex'), 'MD5 of a string.');

// --- conditionals and nulls
def(
  'CONDITIONAL',
  'COALESCE',
  [1, MANY],
  firstNonNull,
  (...a: unknown[]) => a.find((x) => x !== null) ?? null,
  'The first argument that is not NULL.',
  { nulls: true },
);
def(
  'CONDITIONAL',
  'IFNULL',
  [2, 2],
  first,
  (a: unknown, b: unknown) => (a === null ? b : a),
  'The second argument when the first is NULL.',
  { nulls: true },
);
def(
  'CONDITIONAL',
  'NULLIF',
  [2, 2],
  first,
  (a: unknown, b: unknown) => (a !== null && keyOf(a) === keyOf(b) ? null : a),
  'NULL when both arguments are equal, else the first.',
  { nulls: true },
);

// --- math
def('MATH', 'ABS', [1, 1], first, Math.abs, 'Absolute value.');
def('MATH', 'CEIL', [1, 1], first, Math.ceil, 'Rounds up.');
def('MATH', 'FLOOR', [1, 1], first, Math.floor, 'Rounds down.');
def(
  'MATH',
  'ROUND',
  [1, 2],
  (a) => (a.length === 1 && (a[0]?.base === 'DOUBLE' || a[0]?.base === 'DECIMAL') ? T.BIGINT : first(a)),
  (x: number, d = 0) => {
    const f = 10 ** d;
    const v = x * f;
    const r = Math.sign(v) * Math.round(Math.abs(v));
    return r / f;
  },
  'Rounds half away from zero, to a number of decimal places.',
);
def('MATH', 'TRUNC', [1, 2], first, (x: number, d = 0) => Math.trunc(x * 10 ** d) / 10 ** d, 'Truncates.');
def('MATH', 'SQRT', [1, 1], T.DOUBLE, Math.sqrt, 'Square root.');
def('MATH', 'CBRT', [1, 1], T.DOUBLE, Math.cbrt, 'Cube root.');
def('MATH', 'EXP', [1, 1], T.DOUBLE, Math.exp, 'e to a power.');
def('MATH', 'LN', [1, 1], T.DOUBLE, Math.log, 'Natural logarithm.');
def(
  'MATH',
  'LOG',
  [1, 2],
  T.DOUBLE,
  (a: number, b?: number) => (b === undefined ? Math.log10(a) : Math.log(b) / Math.log(a)),
  'Logarithm: base 10, or LOG(base, value).',
);
def('MATH', 'POWER', [2, 2], T.DOUBLE, Math.pow, 'A number raised to a power.');
def('MATH', 'SIGN', [1, 1], T.INTEGER, Math.sign, 'Sign: -1, 0 or 1.');
def('MATH', 'RANDOM', [0, 0], T.DOUBLE, () => Math.random(), 'A random number in [0, 1).', { nulls: true });
def('MATH', 'PI', [0, 0], T.DOUBLE, () => Math.PI, 'The constant pi.', { nulls: true });
def('MATH', 'DEGREES', [1, 1], T.DOUBLE, (r: number) => (r * 180) / Math.PI, 'Radians to degrees.');
def('MATH', 'RADIANS', [1, 1], T.DOUBLE, radians, 'Degrees to radians.');
for (const [name, f] of [
  ['SIN', Math.sin],
  ['COS', Math.cos],
  ['TAN', Math.tan],
  ['ASIN', Math.asin],
  ['ACOS', Math.acos],
  ['ATAN', Math.atan],
  ['SINH', Math.sinh],
  ['COSH', Math.cosh],
  ['TANH', Math.tanh],
] as const) {
  def('MATH', name, [1, 1], T.DOUBLE, f, `The ${name.toLowerCase()} function.`);
}
def('MATH', 'COT', [1, 1], T.DOUBLE, (x: number) => 1 / Math.tan(x), 'Cotangent.');
def('MATH', 'ATAN2', [2, 2], T.DOUBLE, Math.atan2, 'Arc tangent of y/x.');
def(
  'MATH',
  'GREATEST',
  [1, MANY],
  numericResult,
  (...a: unknown[]) => {
    const v = a.filter((x) => x !== null) as number[];
    return v.length === 0 ? null : v.reduce((x, y) => Math.max(x, y));
  },
  'The largest argument, ignoring NULLs.',
  { nulls: true },
);
def(
  'MATH',
  'LEAST',
  [1, MANY],
  numericResult,
  (...a: unknown[]) => {
    const v = a.filter((x) => x !== null) as number[];
    return v.length === 0 ? null : v.reduce((x, y) => Math.min(x, y));
  },
  'The smallest argument, ignoring NULLs.',
  { nulls: true },
);

// --- dates and times
def(
  'DATE / TIME',
  'UNIX_TIMESTAMP',
  [0, 1],
  T.BIGINT,
  (t?: number) => t ?? Date.now(),
  'Milliseconds since the epoch.',
  {
    nulls: true,
  },
);
def(
  'DATE / TIME',
  'UNIX_DATE',
  [0, 1],
  T.INTEGER,
  (d?: number) => d ?? Math.floor(Date.now() / MS_DAY),
  'Days since the epoch.',
  { nulls: true },
);
def(
  'DATE / TIME',
  'TIMESTAMPTOSTRING',
  [2, 3],
  T.STRING,
  (ms: number, p: string, tz?: string) => formatWithPattern(ms, p, tz),
  'Formats epoch milliseconds with a pattern.',
);
def(
  'DATE / TIME',
  'STRINGTOTIMESTAMP',
  [2, 3],
  T.BIGINT,
  (s: string, p: string, tz?: string) => parseWithPattern(s, p, tz),
  'Parses a string into epoch milliseconds.',
);
def(
  'DATE / TIME',
  'FORMAT_TIMESTAMP',
  [2, 3],
  T.STRING,
  (ms: number, p: string, tz?: string) => formatWithPattern(ms, p, tz),
  'Formats a TIMESTAMP with a pattern.',
);
def(
  'DATE / TIME',
  'PARSE_TIMESTAMP',
  [2, 3],
  T.TIMESTAMP,
  (s: string, p: string, tz?: string) => parseWithPattern(s, p, tz),
  'Parses a string into a TIMESTAMP.',
);
def(
  'DATE / TIME',
  'FORMAT_DATE',
  [2, 2],
  T.STRING,
  (d: number, p: string) => formatWithPattern(d * MS_DAY, p),
  'Formats a DATE with a pattern.',
);
def(
  'DATE / TIME',
  'PARSE_DATE',
  [2, 2],
  T.DATE,
  (s: string, p: string) => {
    const ms = parseWithPattern(s, p);
    return ms === null ? null : Math.floor(ms / MS_DAY);
  },
  'Parses a string into a DATE.',
);
def(
  'DATE / TIME',
  'FORMAT_TIME',
  [2, 2],
  T.STRING,
  (t: number, p: string) => formatWithPattern(t, p),
  'Formats a TIME with a pattern.',
);
def(
  'DATE / TIME',
  'PARSE_TIME',
  [2, 2],
  T.TIME,
  (s: string, p: string) => {
    const ms = parseWithPattern(s, p);
    return ms === null ? null : ((ms % MS_DAY) + MS_DAY) % MS_DAY;
  },
  'Parses a string into a TIME.',
);
def(
  'DATE / TIME',
  'DATETOSTRING',
  [2, 2],
  T.STRING,
  (d: number, p: string) => formatWithPattern(d * MS_DAY, p),
  'Formats days since the epoch with a pattern.',
);
def(
  'DATE / TIME',
  'STRINGTODATE',
  [2, 2],
  T.INTEGER,
  (s: string, p: string) => {
    const ms = parseWithPattern(s, p);
    return ms === null ? null : Math.floor(ms / MS_DAY);
  },
  'Parses a string into days since the epoch.',
);
def('DATE / TIME', 'FROM_UNIXTIME', [1, 1], T.TIMESTAMP, (ms: number) => ms, 'Epoch milliseconds as a TIMESTAMP.');
def('DATE / TIME', 'FROM_DAYS', [1, 1], T.DATE, (d: number) => d, 'Days since the epoch as a DATE.');
def(
  'DATE / TIME',
  'TIMESTAMPADD',
  [3, 3],
  T.TIMESTAMP,
  (unit: string, n: number, ts: number) => ts + n * unitMs(unit),
  'Adds an interval to a TIMESTAMP.',
);
def(
  'DATE / TIME',
  'TIMESTAMPSUB',
  [3, 3],
  T.TIMESTAMP,
  (unit: string, n: number, ts: number) => ts - n * unitMs(unit),
  'Subtracts an interval from a TIMESTAMP.',
);
def(
  'DATE / TIME',
  'DATEADD',
  [3, 3],
  T.DATE,
  (unit: string, n: number, d: number) => d + Math.trunc((n * unitMs(unit)) / MS_DAY),
  'Adds an interval to a DATE.',
);
def(
  'DATE / TIME',
  'DATESUB',
  [3, 3],
  T.DATE,
  (unit: string, n: number, d: number) => d - Math.trunc((n * unitMs(unit)) / MS_DAY),
  'Subtracts an interval from a DATE.',
);
def(
  'DATE / TIME',
  'CONVERT_TZ',
  [3, 3],
  T.TIMESTAMP,
  (ts: number, from: string, to: string) => {
    const wall = Number(
      parseWithPattern(formatWithPattern(ts, "yyyy-MM-dd'T'HH:mm:ss.SSS", 'UTC'), "yyyy-MM-dd'T'HH:mm:ss.SSS", from),
    );
    return Number(
      parseWithPattern(formatWithPattern(wall, "yyyy-MM-dd'T'HH:mm:ss.SSS", to), "yyyy-MM-dd'T'HH:mm:ss.SSS", 'UTC'),
    );
  },
  'Moves a TIMESTAMP from one time zone to another.',
);

// --- JSON
def(
  'JSON',
  'EXTRACTJSONFIELD',
  [2, 2],
  T.STRING,
  (s: string, path: string) => {
    const v = jsonPath(parseJson(s), path);
    if (v === undefined || v === null) return null;
    return typeof v === 'string' ? v : JSON.stringify(v);
  },
  'A field of a JSON document by JSONPath.',
);
def(
  'JSON',
  'JSON_ARRAY_LENGTH',
  [1, 1],
  T.INTEGER,
  (s: string) => {
    const v = parseJson(s);
    return Array.isArray(v) ? v.length : null;
  },
  'Length of a JSON array.',
);
def(
  'JSON',
  'JSON_CONCAT',
  [1, MANY],
  T.STRING,
  (...a: string[]) => {
    const docs = a.map(parseJson);
    if (docs.some((d) => d === undefined)) return null;
    if (docs.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d))) {
      return JSON.stringify(Object.assign({}, ...docs));
    }
    return JSON.stringify(docs.flatMap((d) => (Array.isArray(d) ? d : [d])));
  },
  'Merges JSON objects, or concatenates JSON arrays.',
);
def(
  'JSON',
  'JSON_KEYS',
  [1, 1],
  arrayOf(T.STRING),
  (s: string) => {
    const v = parseJson(s);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : null;
  },
  'Keys of a JSON object.',
);
def(
  'JSON',
  'JSON_RECORDS',
  [1, 1],
  mapOf(T.STRING, T.STRING),
  (s: string) => {
    const v = parseJson(s);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) out[k] = JSON.stringify(x);
    return out;
  },
  'Entries of a JSON object as a map of JSON strings.',
);
def(
  'JSON',
  'JSON_ITEMS',
  [1, 1],
  arrayOf(T.STRING),
  (s: string) => {
    const v = parseJson(s);
    return Array.isArray(v) ? v.map((x) => JSON.stringify(x)) : null;
  },
  'Items of a JSON array as JSON strings.',
);
def(
  'JSON',
  'IS_JSON_STRING',
  [1, 1],
  T.BOOLEAN,
  (s: string | null) => s !== null && s.trim() !== '' && parseJson(s) !== undefined,
  'Whether a string is valid JSON.',
  { nulls: true },
);
def(
  'JSON',
  'TO_JSON_STRING',
  [1, 1],
  T.STRING,
  (v: unknown, types: SqlType[]) => JSON.stringify(toJsonValue(v, types[0] ?? T.STRING)),
  'Any value as JSON text.',
  { nulls: true, typed: true },
);

// --- arrays
const arrayKeyEq = (a: unknown, b: unknown) => keyOf(a) === keyOf(b);
def(
  'ARRAY',
  'ARRAY_CONTAINS',
  [2, 2],
  T.BOOLEAN,
  (a: unknown[], v: unknown) => a.some((x) => arrayKeyEq(x, v)),
  'Whether an array holds a value.',
  { nulls: false },
);
def('ARRAY', 'ARRAY_DISTINCT', [1, 1], first, (a: unknown[]) => distinct(a), 'Distinct elements, in order.');
def(
  'ARRAY',
  'ARRAY_EXCEPT',
  [2, 2],
  first,
  (a: unknown[], b: unknown[]) => {
    const drop = new Set(b.map(keyOf));
    return distinct(a.filter((x) => !drop.has(keyOf(x))));
  },
  'Distinct elements of the first array that are not in the second.',
);
def(
  'ARRAY',
  'ARRAY_INTERSECT',
  [2, 2],
  first,
  (a: unknown[], b: unknown[]) => {
    const keep = new Set(b.map(keyOf));
    return distinct(a.filter((x) => keep.has(keyOf(x))));
  },
  'Distinct elements in both arrays.',
);
def(
  'ARRAY',
  'ARRAY_UNION',
  [2, 2],
  first,
  (a: unknown[], b: unknown[]) => distinct([...a, ...b]),
  'Distinct elements of either array.',
);
def(
  'ARRAY',
  'ARRAY_CONCAT',
  [2, 2],
  firstNonNull,
  (a: unknown[] | null, b: unknown[] | null) => (a === null && b === null ? null : [...(a ?? []), ...(b ?? [])]),
  'Both arrays, one after the other.',
  { nulls: true },
);
def(
  'ARRAY',
  'ARRAY_JOIN',
  [1, 2],
  T.STRING,
  (a: unknown[], d = ',') => a.map((x) => (x === null ? 'null' : String(x))).join(d),
  'Elements joined into a string.',
);
def('ARRAY', 'ARRAY_LENGTH', [1, 1], T.INTEGER, (a: unknown[]) => a.length, 'Number of elements.');
def(
  'ARRAY',
  'ARRAY_MAX',
  [1, 1],
  (a) => itemOf(a[0]),
  (a: unknown[]) => sortValues(a, true).find((x) => x !== null) ?? null,
  'Largest element.',
);
def(
  'ARRAY',
  'ARRAY_MIN',
  [1, 1],
  (a) => itemOf(a[0]),
  (a: unknown[]) => sortValues(a, false).find((x) => x !== null) ?? null,
  'Smallest element.',
);
def(
  'ARRAY',
  'ARRAY_REMOVE',
  [2, 2],
  first,
  (a: unknown[], v: unknown) => a.filter((x) => !arrayKeyEq(x, v)),
  'Elements other than a value.',
  { nulls: false },
);
def(
  'ARRAY',
  'ARRAY_SORT',
  [1, 2],
  first,
  (a: unknown[], dir = 'ASC') => sortValues(a, String(dir).toUpperCase() === 'DESC'),
  'Sorted elements (ASC or DESC), NULLs last.',
);
def(
  'ARRAY',
  'GENERATE_SERIES',
  [2, 3],
  (a) => arrayOf(first(a)),
  (start: number, end: number, step = 1) => {
    if (step === 0) return null;
    const out: number[] = [];
    if (step > 0) for (let i = start; i <= end; i += step) out.push(i);
    else for (let i = start; i >= end; i += step) out.push(i);
    return out;
  },
  'The numbers from start to end by step.',
);
def(
  'ARRAY',
  'SLICE',
  [3, 3],
  first,
  (a: unknown[], from: number, to: number) => a.slice(from - 1, to),
  'Elements from one 1-based position to another.',
);
def(
  'ARRAY',
  'ENTRIES',
  [2, 2],
  (a) =>
    arrayOf({
      base: 'STRUCT',
      fields: [
        { name: 'K', type: T.STRING },
        { name: 'V', type: mapValueOf(a[0]) },
      ],
    }),
  (m: Record<string, unknown>, sorted: boolean) => {
    const keys = Object.keys(m);
    if (sorted) keys.sort();
    return keys.map((k) => ({ K: k, V: m[k] }));
  },
  'Entries of a map as an array of structs.',
);

// --- maps
def(
  'MAP',
  'AS_MAP',
  [2, 2],
  (a) => mapOf(T.STRING, itemOf(a[1])),
  (k: unknown[], v: unknown[]) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < Math.min(k.length, v.length); i++) if (k[i] !== null) out[String(k[i])] = v[i];
    return out;
  },
  'A map from an array of keys and an array of values.',
);
def('MAP', 'MAP_KEYS', [1, 1], arrayOf(T.STRING), (m: Record<string, unknown>) => Object.keys(m), 'Keys of a map.');
def(
  'MAP',
  'MAP_VALUES',
  [1, 1],
  (a) => arrayOf(mapValueOf(a[0])),
  (m: Record<string, unknown>) => Object.values(m),
  'Values of a map.',
);
def(
  'MAP',
  'MAP_UNION',
  [2, 2],
  firstNonNull,
  (a: Record<string, unknown> | null, b: Record<string, unknown> | null) =>
    a === null && b === null ? null : { ...(a ?? {}), ...(b ?? {}) },
  'Both maps merged; the second wins on equal keys.',
  { nulls: true },
);

// --- URLs
def('URL', 'URL_ENCODE_PARAM', [1, 1], T.STRING, (s: string) => encodeURIComponent(s).replace(/%20/g, '+'), 'Encodes.');
def(
  'URL',
  'URL_DECODE_PARAM',
  [1, 1],
  T.STRING,
  (s: string) => decodeURIComponent(s.replace(/\+/g, ' ')),
  'Decodes an application/x-www-form-urlencoded string.',
);
def(
  'URL',
  'URL_EXTRACT_FRAGMENT',
  [1, 1],
  T.STRING,
  (s: string) => {
    const u = urlOf(s);
    return u && u.hash !== '' ? decodeURIComponent(u.hash.slice(1)) : null;
  },
  'Fragment of a URL.',
);
def('URL', 'URL_EXTRACT_HOST', [1, 1], T.STRING, (s: string) => urlOf(s)?.hostname || null, 'Host of a URL.');
def(
  'URL',
  'URL_EXTRACT_PARAMETER',
  [2, 2],
  T.STRING,
  (s: string, p: string) => urlOf(s)?.searchParams.get(p) ?? null,
  'Value of a query parameter of a URL.',
);
def(
  'URL',
  'URL_EXTRACT_PATH',
  [1, 1],
  T.STRING,
  (s: string) => {
    const u = urlOf(s);
    return u ? decodeURIComponent(u.pathname) : null;
  },
  'Path of a URL.',
);
def(
  'URL',
  'URL_EXTRACT_PORT',
  [1, 1],
  T.INTEGER,
  (s: string) => {
    const u = urlOf(s);
    return u && u.port !== '' ? Number(u.port) : null;
  },
  'Port of a URL.',
);
def(
  'URL',
  'URL_EXTRACT_PROTOCOL',
  [1, 1],
  T.STRING,
  (s: string) => urlOf(s)?.protocol.replace(/:$/, '') ?? null,
  'Protocol of a URL.',
);
def(
  'URL',
  'URL_EXTRACT_QUERY',
  [1, 1],
  T.STRING,
  (s: string) => {
    const u = urlOf(s);
    return u && u.search !== '' ? decodeURIComponent(u.search.slice(1)) : null;
  },
  'Query string of a URL.',
);

// --- geo
def(
  'GEO',
  'GEO_DISTANCE',
  [4, 5],
  T.DOUBLE,
  (lat1: number, lon1: number, lat2: number, lon2: number, unit = 'KM') => {
    const r = String(unit).toUpperCase().startsWith('MI') ? 3959 : 6371;
    const dLat = radians(lat2 - lat1);
    const dLon = radians(lon2 - lon1);
    const a = Math.sin(dLat / 2) ** 2 + Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(dLon / 2) ** 2;
    return 2 * r * Math.asin(Math.sqrt(a));
  },
  'Great-circle distance between two points (KM or MILES).',
);

// --- other
def('OTHER', 'AS_VALUE', [1, 1], first, (v: unknown) => v, 'Copies a key column into the value.', { nulls: true });
def('OTHER', 'DECIMAL_ROUND', [2, 2], first, (x: number, s: number) => roundDecimal(x, s), 'Rounds a decimal.');
def(
  'OTHER',
  'TYPEOF',
  [1, 1],
  T.STRING,
  (_v: unknown, types: SqlType[]) => typeToString(types[0] ?? T.STRING),
  'The SQL type of its argument.',
  { nulls: true, typed: true },
);
def(
  'OTHER',
  'TO_STRING',
  [1, 1],
  T.STRING,
  (v: unknown, types: SqlType[]) => valueToString(v, types[0] ?? T.STRING),
  'A value as text.',
  { typed: true },
);
def('OTHER', 'DATE_STRING', [1, 1], T.STRING, (d: number) => formatDate(d), 'A DATE as yyyy-MM-dd.');

export const SCALAR_FUNCTIONS: ReadonlyMap<string, ScalarFunction> = new Map(F.map((f) => [f.name, f]));

/** Functions whose arguments include lambdas; compiled by expr.ts. */
export const LAMBDA_FUNCTIONS = ['TRANSFORM', 'FILTER', 'REDUCE'] as const;
