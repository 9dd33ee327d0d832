/**
 * Serialization formats, as a table keyed by ksqlDB's format names. A format turns a record's key or value bytes
 * into column values (written into a row at a given position, so decoding allocates no row of its own) and column
 * values back into bytes. JSON, DELIMITED, KAFKA and NONE are built in; AVRO, PROTOBUF and JSON_SR need the
 * schema registry and plug in through `registerFormat` from registry-formats.ts.
 */
import { SqlError } from './errors.js';
import { JsonFieldReader } from './json-fields.js';
import { castValue, fromJsonValue, lookupField, T, toJsonValue, valueToString, type SqlType } from './types.js';

export interface FormatColumn {
  name: string;
  type: SqlType;
}

export interface FormatOptions {
  /** DELIMITED's separator (VALUE_DELIMITER / KEY_DELIMITER). */
  delimiter?: string;
  /** WRAP_SINGLE_VALUE: whether one column is written as an object (JSON) or bare. */
  wrapSingle?: boolean;
  /** The subject, schema id and other registry settings, for registry-backed formats. */
  [k: string]: unknown;
}

export interface Codec {
  /** Decodes bytes into row[at .. at+columns.length); false when the bytes do not fit the columns. */
  decode(bytes: Buffer | null, row: unknown[], at: number): boolean;
  /** Encodes row[at .. at+columns.length); null for no bytes. */
  encode(row: unknown[], at: number): Buffer | null;
  /** Registry formats: fetches what `decode` needs for these bytes (the writers' schemas) before a batch. */
  prepare?(bytes: Array<Buffer | null>): Promise<void>;
  /** Registry formats: resolves (registers) the schema `encode` writes with, before the first record. */
  init?(): Promise<void>;
}

export interface Format {
  name: string;
  /** Whether the format can carry more than one column, and which types it can carry. */
  check(columns: FormatColumn[], isKey: boolean): void;
  codec(columns: FormatColumn[], isKey: boolean, opts: FormatOptions): Codec;
}

const FORMATS = new Map<string, Format>();

export function registerFormat(f: Format): void {
  FORMATS.set(f.name, f);
}

export function getFormat(name: string): Format {
  const f = FORMATS.get(name.toUpperCase());
  if (!f) {
    if (name.toUpperCase() === 'PROTOBUF_NOSR') {
      throw new SqlError('The PROTOBUF_NOSR format is not supported by Samsa; use PROTOBUF with the schema registry.');
    }
    throw new SqlError(`Unknown format: ${name}`);
  }
  return f;
}

export function formatNames(): string[] {
  return [...FORMATS.keys()];
}

// --- JSON

registerFormat({
  name: 'JSON',
  check() {},
  codec(columns, isKey, opts) {
    const n = columns.length;
    const names = columns.map((c) => c.name);
    const types = columns.map((c) => c.type);
    const quoted = names.map((c) => `${JSON.stringify(c)}:`);
    // Keys of one column are written bare (ksqlDB's default), values as an object unless WRAP_SINGLE_VALUE=false.
    const bare = n === 1 && (isKey ? opts.wrapSingle !== true : opts.wrapSingle === false);
    const fast = bare ? null : JsonFieldReader.create(names);
    return {
      decode(bytes, row, at) {
        if (bytes === null || bytes.length === 0) return false;
        if (fast?.read(bytes)) {
          for (let i = 0; i < n; i++) row[at + i] = fast.found(i) ? fromJsonValue(fast.values[i], types[i]!) : null;
          return true;
        }
        let doc: unknown;
        try {
          doc = JSON.parse(bytes.toString('utf8'));
        } catch {
          return false;
        }
        if (bare) {
          row[at] = fromJsonValue(doc, types[0]!);
          return true;
        }
        if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
          if (n === 1) {
            row[at] = fromJsonValue(doc, types[0]!);
            return true;
          }
          return false;
        }
        const o = doc as Record<string, unknown>;
        for (let i = 0; i < n; i++) {
          const v = o[names[i]!];
          row[at + i] = fromJsonValue(v === undefined ? lookupField(o, names[i]!) : v, types[i]!);
        }
        return true;
      },
      encode(row, at) {
        if (bare) return Buffer.from(JSON.stringify(toJsonValue(row[at] ?? null, types[0]!)));
        let s = '{';
        for (let i = 0; i < n; i++) {
          if (i > 0) s += ',';
          s += quoted[i]! + JSON.stringify(toJsonValue(row[at + i] ?? null, types[i]!));
        }
        return Buffer.from(`${s}}`);
      },
    };
  },
});

// --- DELIMITED

function splitDelimited(line: string, d: string): string[] {
  if (!line.includes('"')) return line.split(d);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (line.startsWith(d, i)) {
      out.push(cur);
      cur = '';
      i += d.length - 1;
    } else cur += c;
  }
  out.push(cur);
  return out;
}

registerFormat({
  name: 'DELIMITED',
  check(columns) {
    for (const c of columns) {
      if (['ARRAY', 'MAP', 'STRUCT'].includes(c.type.base)) {
        throw new SqlError(`The 'DELIMITED' format does not support type '${c.type.base}', column: \`${c.name}\``);
      }
    }
  },
  codec(columns, _isKey, opts) {
    const d = opts.delimiter ?? ',';
    const types = columns.map((c) => c.type);
    const n = columns.length;
    return {
      decode(bytes, row, at) {
        if (bytes === null) return false;
        const parts = splitDelimited(bytes.toString('utf8'), d);
        if (parts.length !== n) return false;
        for (let i = 0; i < n; i++) {
          const p = parts[i]!;
          const t = types[i]!;
          row[at + i] =
            p === '' && t.base !== 'STRING'
              ? null
              : t.base === 'BYTES'
                ? Buffer.from(p, 'base64')
                : castValue(p, T.STRING, t);
        }
        return true;
      },
      encode(row, at) {
        let s = '';
        for (let i = 0; i < n; i++) {
          if (i > 0) s += d;
          const v = row[at + i] ?? null;
          if (v === null) continue;
          const t = types[i]!;
          const text =
            t.base === 'TIMESTAMP' || t.base === 'DATE' || t.base === 'TIME' ? String(v) : (valueToString(v, t) ?? '');
          s += text.includes(d) || text.includes('"') ? `"${text.replaceAll('"', '""')}"` : text;
        }
        return Buffer.from(s);
      },
    };
  },
});

// --- KAFKA (the serializers of Kafka's Java client for primitive types)

registerFormat({
  name: 'KAFKA',
  check(columns, isKey) {
    if (columns.length > 1) {
      throw new SqlError(
        `The 'KAFKA' format only supports a single field. Got: ${columns.map((c) => c.name).join(', ')}`,
      );
    }
    const t = columns[0]?.type.base;
    if (t !== undefined && !['INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES'].includes(t)) {
      throw new SqlError(`The 'KAFKA' format does not support type '${t}'${isKey ? ' as a key' : ''}`);
    }
  },
  codec(columns) {
    const t = columns[0]?.type.base;
    return {
      decode(bytes, row, at) {
        if (t === undefined) return true;
        if (bytes === null) {
          row[at] = null;
          return true;
        }
        switch (t) {
          case 'INTEGER':
            if (bytes.length !== 4) return false;
            row[at] = bytes.readInt32BE(0);
            return true;
          case 'BIGINT':
            if (bytes.length !== 8) return false;
            row[at] = Number(bytes.readBigInt64BE(0));
            return true;
          case 'DOUBLE':
            if (bytes.length !== 8) return false;
            row[at] = bytes.readDoubleBE(0);
            return true;
          case 'BYTES':
            row[at] = bytes;
            return true;
          default:
            row[at] = bytes.toString('utf8');
            return true;
        }
      },
      encode(row, at) {
        if (t === undefined) return null;
        const v = row[at] ?? null;
        if (v === null) return null;
        switch (t) {
          case 'INTEGER': {
            const b = Buffer.allocUnsafe(4);
            b.writeInt32BE(v as number);
            return b;
          }
          case 'BIGINT': {
            const b = Buffer.allocUnsafe(8);
            b.writeBigInt64BE(BigInt(Math.trunc(v as number)));
            return b;
          }
          case 'DOUBLE': {
            const b = Buffer.allocUnsafe(8);
            b.writeDoubleBE(v as number);
            return b;
          }
          case 'BYTES':
            return v as Buffer;
          default:
            return Buffer.from(String(v));
        }
      },
    };
  },
});

// --- NONE (no key)

registerFormat({
  name: 'NONE',
  check(columns) {
    if (columns.length > 0) throw new SqlError("The 'NONE' format can only be used when no columns are defined.");
  },
  codec() {
    return { decode: () => true, encode: () => null };
  },
});

/** Bytes of a windowed key: the key followed by the window start (and, for session windows, the end), as ksqlDB. */
export function windowedKey(key: Buffer | null, start: number, end: number | null): Buffer {
  const k = key ?? Buffer.alloc(0);
  const out = Buffer.allocUnsafe(k.length + (end === null ? 8 : 16));
  k.copy(out, 0);
  out.writeBigInt64BE(BigInt(start), k.length);
  if (end !== null) out.writeBigInt64BE(BigInt(end), k.length + 8);
  return out;
}
