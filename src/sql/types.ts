/**
 * ksqlDB's SQL types and how their values live in JavaScript. The engine keeps one representation per type so
 * expressions never convert on the hot path: BOOLEAN boolean; INTEGER, BIGINT and DOUBLE number (BIGINT beyond
 * 2^53 loses precision, a documented departure); DECIMAL number rounded to its scale; STRING string; BYTES Buffer;
 * TIMESTAMP milliseconds since the epoch; DATE days since the epoch; TIME milliseconds of the day; ARRAY array; MAP
 * a plain object keyed by string; STRUCT a plain object keyed by field name. SQL NULL is `null` everywhere.
 */

export type PrimitiveName =
  | 'BOOLEAN'
  | 'INTEGER'
  | 'BIGINT'
  | 'DOUBLE'
  | 'STRING'
  | 'BYTES'
  | 'TIMESTAMP'
  | 'DATE'
  | 'TIME';

export type SqlType =
  | { base: PrimitiveName }
  | { base: 'DECIMAL'; precision: number; scale: number }
  | { base: 'ARRAY'; item: SqlType }
  | { base: 'MAP'; key: SqlType; value: SqlType }
  | { base: 'STRUCT'; fields: StructField[] };

export interface StructField {
  name: string;
  type: SqlType;
}

const prim = (base: PrimitiveName): SqlType => ({ base });
export const T = {
  BOOLEAN: prim('BOOLEAN'),
  INTEGER: prim('INTEGER'),
  BIGINT: prim('BIGINT'),
  DOUBLE: prim('DOUBLE'),
  STRING: prim('STRING'),
  BYTES: prim('BYTES'),
  TIMESTAMP: prim('TIMESTAMP'),
  DATE: prim('DATE'),
  TIME: prim('TIME'),
};

/** Type names ksqlDB accepts for the primitive types (VARCHAR and INT are aliases). */
export const PRIMITIVE_ALIASES: Record<string, PrimitiveName> = {
  BOOLEAN: 'BOOLEAN',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  STRING: 'STRING',
  VARCHAR: 'STRING',
  BYTES: 'BYTES',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  TIME: 'TIME',
};

export const arrayOf = (item: SqlType): SqlType => ({ base: 'ARRAY', item });
export const mapOf = (key: SqlType, value: SqlType): SqlType => ({ base: 'MAP', key, value });

/** The type as ksqlDB prints it: `ARRAY<STRING>`, `STRUCT<`A` INTEGER>`, `DECIMAL(4, 2)`. */
export function typeToString(t: SqlType): string {
  switch (t.base) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${typeToString(t.item)}>`;
    case 'MAP':
      return `MAP<${typeToString(t.key)}, ${typeToString(t.value)}>`;
    case 'STRUCT':
      return `STRUCT<${t.fields.map((f) => `\`${f.name}\` ${typeToString(f.type)}`).join(', ')}>`;
    default:
      return t.base;
  }
}

export function typeEquals(a: SqlType, b: SqlType): boolean {
  return typeToString(a) === typeToString(b);
}

export const isNumeric = (t: SqlType): boolean =>
  t.base === 'INTEGER' || t.base === 'BIGINT' || t.base === 'DOUBLE' || t.base === 'DECIMAL';

const NUMERIC_RANK: Record<string, number> = { INTEGER: 1, BIGINT: 2, DECIMAL: 3, DOUBLE: 4 };

/** The wider of two numeric types (INTEGER < BIGINT < DECIMAL < DOUBLE), as ksqlDB widens arithmetic. */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  if (a.base === 'DECIMAL' && b.base === 'DECIMAL') {
    const scale = Math.max(a.scale, b.scale);
    return { base: 'DECIMAL', precision: Math.max(a.precision - a.scale, b.precision - b.scale) + scale + 1, scale };
  }
  return (NUMERIC_RANK[a.base] ?? 0) >= (NUMERIC_RANK[b.base] ?? 0) ? a : b;
}

/** The schema shape ksqlDB's DESCRIBE returns for a type. */
export function describeSchema(t: SqlType): Record<string, unknown> {
  switch (t.base) {
    case 'ARRAY':
      return { type: 'ARRAY', fields: null, memberSchema: describeSchema(t.item) };
    case 'MAP':
      return { type: 'MAP', fields: null, memberSchema: describeSchema(t.value) };
    case 'STRUCT':
      return {
        type: 'STRUCT',
        fields: t.fields.map((f) => ({ name: f.name, schema: describeSchema(f.type) })),
        memberSchema: null,
      };
    default:
      return { type: t.base, fields: null, memberSchema: null };
  }
}

const MS_PER_DAY = 86_400_000;

/** TIMESTAMP text as ksqlDB prints it (ISO 8601 in UTC without zone, milliseconds). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

export function formatDate(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .slice(11, 23)
    .replace(/\.000$/, '');
}

/** Parses ksqlDB's TIMESTAMP text forms (ISO 8601 with optional zone; UTC if none). */
export function parseTimestamp(s: string): number | null {
  let t = s.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) t += 'T00:00:00';
  if (!/[zZ]|[+-]\d{2}:?\d{2}$/.test(t.slice(10))) t += 'Z';
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

export function parseDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  if (!m) return null;
  return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY);
}

export function parseTime(s: string): number | null {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(s.trim());
  if (!m) return null;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000 + Number((m[4] ?? '0').padEnd(3, '0'));
}

/** Rounds half away from zero at `scale` digits, on the decimal text (1.005 -> 1.01, as BigDecimal HALF_UP). */
export function roundDecimal(v: number, scale: number): number {
  const shifted = Number(`${Math.abs(v)}e${scale}`);
  return (Math.sign(v) * Math.round(shifted)) / 10 ** scale;
}

/** The type of a bare NULL literal: compatible with every type in comparisons. */
export const NULL_TYPE: SqlType = { base: 'STRING' };

/**
 * Converts a value to `t` as CAST does; null when the value cannot be converted (ksqlDB logs such a failure to its
 * processing log and yields null).
 */
export function castValue(v: unknown, from: SqlType, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.base) {
    case 'STRING':
      return valueToString(v, from);
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') {
        const s = v.trim().toLowerCase();
        return s === 'true' ? true : s === 'false' ? false : null;
      }
      return null;
    case 'INTEGER':
    case 'BIGINT': {
      const n = typeof v === 'string' ? Number(v.trim()) : typeof v === 'number' ? v : Number.NaN;
      if (!Number.isFinite(n)) return null;
      const r = Math.trunc(n);
      return t.base === 'INTEGER' ? r | 0 : r;
    }
    case 'DOUBLE': {
      const n = typeof v === 'string' ? Number(v.trim()) : typeof v === 'number' ? v : Number.NaN;
      return Number.isNaN(n) ? null : n;
    }
    case 'DECIMAL': {
      const n = typeof v === 'string' ? Number(v.trim()) : typeof v === 'number' ? v : Number.NaN;
      return Number.isFinite(n) ? roundDecimal(n, t.scale) : null;
    }
    case 'TIMESTAMP':
      if (typeof v === 'string') return parseTimestamp(v);
      if (from.base === 'DATE') return (v as number) * MS_PER_DAY;
      return typeof v === 'number' ? v : null;
    case 'DATE':
      if (typeof v === 'string') return parseDate(v);
      if (from.base === 'TIMESTAMP') return Math.floor((v as number) / MS_PER_DAY);
      return from.base === 'DATE' ? v : null;
    case 'TIME':
      if (typeof v === 'string') return parseTime(v);
      if (from.base === 'TIMESTAMP') return (((v as number) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
      return from.base === 'TIME' ? v : null;
    case 'BYTES':
      return Buffer.isBuffer(v) ? v : null;
    case 'ARRAY':
      if (!Array.isArray(v)) return null;
      return from.base === 'ARRAY' ? v.map((x) => castValue(x, from.item, t.item)) : null;
    case 'MAP':
      if (from.base !== 'MAP' || typeof v !== 'object') return null;
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, castValue(x, from.value, t.value)]),
      );
    case 'STRUCT':
      return from.base === 'STRUCT' ? v : null;
  }
}

/** A value as text, as CAST(x AS STRING) prints it. */
export function valueToString(v: unknown, t: SqlType): string | null {
  if (v === null || v === undefined) return null;
  switch (t.base) {
    case 'TIMESTAMP':
      return formatTimestamp(v as number);
    case 'DATE':
      return formatDate(v as number);
    case 'TIME':
      return formatTime(v as number);
    case 'DOUBLE': {
      const n = v as number;
      return Number.isInteger(n) && Math.abs(n) < 1e7 ? n.toFixed(1) : String(n);
    }
    case 'DECIMAL':
      return (v as number).toFixed(t.scale);
    case 'BYTES':
      return (v as Buffer).toString('base64');
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT':
      return JSON.stringify(toJsonValue(v, t));
    default:
      return String(v);
  }
}

/**
 * A value in the JSON shape ksqlDB's JSON format and REST API use: BYTES as base64, DATE/TIME/TIMESTAMP as numbers
 * in the JSON format (`rest` true prints them as text, as the REST API does).
 */
export function toJsonValue(v: unknown, t: SqlType, rest = false): unknown {
  if (v === null || v === undefined) return null;
  switch (t.base) {
    case 'BYTES':
      return (v as Buffer).toString('base64');
    case 'TIMESTAMP':
      return rest ? formatTimestamp(v as number) : v;
    case 'DATE':
      return rest ? formatDate(v as number) : v;
    case 'TIME':
      return rest ? formatTime(v as number) : v;
    case 'ARRAY':
      return (v as unknown[]).map((x) => toJsonValue(x, t.item, rest));
    case 'MAP': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toJsonValue(x, t.value, rest);
      return out;
    }
    case 'STRUCT': {
      const out: Record<string, unknown> = {};
      const o = v as Record<string, unknown>;
      for (const f of t.fields) out[f.name] = toJsonValue(o[f.name], f.type, rest);
      return out;
    }
    default:
      return v;
  }
}

/** Reads a JSON value into the engine's representation of `t`; null when it does not fit. */
export function fromJsonValue(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.base) {
    case 'BOOLEAN':
      return typeof v === 'boolean' ? v : typeof v === 'string' ? castValue(v, T.STRING, t) : null;
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE':
    case 'DECIMAL':
      return typeof v === 'number' ? (t.base === 'DECIMAL' ? roundDecimal(v, t.scale) : v) : castValue(v, T.STRING, t);
    case 'STRING':
      return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    case 'BYTES':
      return typeof v === 'string' ? Buffer.from(v, 'base64') : null;
    case 'TIMESTAMP':
    case 'DATE':
    case 'TIME':
      return typeof v === 'number' ? v : typeof v === 'string' ? castValue(v, T.STRING, t) : null;
    case 'ARRAY':
      return Array.isArray(v) ? v.map((x) => fromJsonValue(x, t.item)) : null;
    case 'MAP': {
      if (typeof v !== 'object' || Array.isArray(v)) return null;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = fromJsonValue(x, t.value);
      return out;
    }
    case 'STRUCT': {
      if (typeof v !== 'object' || Array.isArray(v)) return null;
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of t.fields) out[f.name] = fromJsonValue(lookupField(o, f.name), f.type);
      return out;
    }
  }
}

/** A field of a JSON object by its SQL name: exact first, then case-insensitively (ksqlDB matches JSON fields so). */
export function lookupField(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k in o) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}
