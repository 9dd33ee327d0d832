/**
 * The schema-registry formats AVRO, JSON_SR and PROTOBUF, in Confluent's wire format (magic byte, schema id,
 * Protobuf message indexes, payload). Decoding reads each record with its writer's schema, fetched by id before a
 * batch is decoded (`prepare`), and maps the writer's fields to columns by name, case-insensitively. Encoding
 * writes with the schema of the sink's columns, registered under `<topic>-value` / `<topic>-key` as ksqlDB does
 * (`init`), or with the schema whose id VALUE_SCHEMA_ID / KEY_SCHEMA_ID names. `inferColumns` turns a registered
 * schema into columns, for CREATE STREAM / TABLE statements that give none.
 */
import avro from 'avsc';
import protobuf from 'protobufjs';
import {
  frame,
  protoRoot,
  unframe,
  type RegistrySchema,
  type SchemaRegistryClient,
} from '../client/schema-registry/index.js';
import { SqlError } from './errors.js';
import { getFormat, registerFormat, type Codec, type FormatColumn, type FormatOptions } from './formats.js';
import { fromJsonValue, lookupField, roundDecimal, T, type SqlType } from './types.js';

type AvroType = ReturnType<typeof avro.Type.forSchema>;

/** The registry settings a registry format's codec reads from its options. */
export interface RegistryOptions {
  registry?: SchemaRegistryClient;
  topic?: string;
  schemaId?: number;
  /** VALUE_SCHEMA_FULL_NAME / KEY_SCHEMA_FULL_NAME: the record or message to use. */
  fullName?: string;
}

export const REGISTRY_FORMATS = new Set(['AVRO', 'JSON_SR', 'PROTOBUF']);

function registryOf(opts: FormatOptions, format: string): SchemaRegistryClient {
  const r = (opts as RegistryOptions).registry;
  if (!r) {
    throw new SqlError(
      `The ${format} format needs a schema registry: set 'ksql.schema.registry.url' (or run the schema registry in this process).`,
    );
  }
  return r;
}

const subjectOf = (opts: FormatOptions, isKey: boolean) =>
  `${(opts as RegistryOptions).topic ?? ''}-${isKey ? 'key' : 'value'}`;

/** Ids found in framed records that are not known yet. */
function unknownIds(bytes: Array<Buffer | null>, known: Map<number, unknown>): Set<number> {
  const out = new Set<number>();
  for (const b of bytes) {
    if (b === null || b.length < 5 || b[0] !== 0) continue;
    const id = b.readInt32BE(1);
    if (!known.has(id)) out.add(id);
  }
  return out;
}

function decimalFromBytes(b: Buffer, scale: number): number {
  if (b.length === 0) return 0;
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  if (b[0]! & 0x80) n -= 1n << BigInt(b.length * 8);
  return roundDecimal(Number(n) / 10 ** scale, scale);
}

function decimalToBytes(v: number, scale: number): Buffer {
  let n = BigInt(Math.round(Number(`${v}e${scale}`)));
  const bytes: number[] = [];
  const neg = n < 0n;
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (neg ? n !== -1n || (bytes[0]! & 0x80) === 0 : n !== 0n || (bytes[0]! & 0x80) !== 0);
  return Buffer.from(bytes);
}

/** A decoded registry value (Avro, Protobuf object or JSON) as the engine's value of `t`. */
function fromRegistryValue(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.base) {
    case 'DECIMAL':
      if (Buffer.isBuffer(v)) return decimalFromBytes(v, t.scale);
      return fromJsonValue(typeof v === 'object' ? null : v, t);
    case 'BIGINT':
    case 'INTEGER':
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'object' && v !== null && 'low' in v) return Number(String(v));
      return fromJsonValue(v, t);
    case 'TIMESTAMP':
      if (typeof v === 'object' && v !== null && 'seconds' in v) {
        const o = v as { seconds: unknown; nanos?: unknown };
        return Number(o.seconds) * 1000 + Math.floor(Number(o.nanos ?? 0) / 1e6);
      }
      return typeof v === 'bigint' ? Number(v) : fromJsonValue(v, t);
    case 'BYTES':
      if (Buffer.isBuffer(v)) return v;
      if (v instanceof Uint8Array) return Buffer.from(v);
      return fromJsonValue(v, t);
    case 'STRING':
      return typeof v === 'string' ? v : fromJsonValue(v, t);
    case 'ARRAY':
      return Array.isArray(v) ? v.map((x) => fromRegistryValue(x, t.item)) : null;
    case 'MAP': {
      if (typeof v !== 'object') return null;
      const out: Record<string, unknown> = {};
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
      for (const [k, x] of entries) out[String(k)] = fromRegistryValue(x, t.value);
      return out;
    }
    case 'STRUCT': {
      if (typeof v !== 'object' || Array.isArray(v)) return null;
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of t.fields) out[f.name] = fromRegistryValue(lookupField(o, f.name), f.type);
      return out;
    }
    default:
      return fromJsonValue(v, t);
  }
}

/** Fills columns from a decoded object (fields matched by name, case-insensitively) or a bare value. */
function fillRow(v: unknown, columns: FormatColumn[], bare: boolean, row: unknown[], at: number): boolean {
  const n = columns.length;
  if (bare || (n === 1 && (v === null || typeof v !== 'object' || columns[0]!.type.base === 'STRUCT'))) {
    // A bare value, or a one-field record read into one column.
    let x = v;
    if (!bare && n === 1 && columns[0]!.type.base === 'STRUCT' && x !== null && typeof x === 'object') {
      const inner = lookupField(x as Record<string, unknown>, columns[0]!.name);
      if (inner !== undefined) x = inner;
    } else if (
      bare &&
      x !== null &&
      typeof x === 'object' &&
      !Buffer.isBuffer(x) &&
      columns[0]!.type.base !== 'STRUCT'
    ) {
      const o = x as Record<string, unknown>;
      const inner = lookupField(o, columns[0]!.name);
      x = inner !== undefined ? inner : Object.values(o)[0];
    }
    row[at] = fromRegistryValue(x, columns[0]!.type);
    return true;
  }
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  for (let i = 0; i < n; i++) row[at + i] = fromRegistryValue(lookupField(o, columns[i]!.name), columns[i]!.type);
  return true;
}

// ------------------------------------------------------------------------------------------------- AVRO

const AVRO_NAMESPACE = 'io.confluent.ksql.avro_schemas';
const avroName = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');

function avroOf(t: SqlType, path: string): unknown {
  const nullable = (x: unknown) => ['null', x];
  switch (t.base) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INTEGER':
      return 'int';
    case 'BIGINT':
      return 'long';
    case 'DOUBLE':
      return 'double';
    case 'STRING':
      return 'string';
    case 'BYTES':
      return 'bytes';
    case 'DECIMAL':
      return { type: 'bytes', logicalType: 'decimal', precision: t.precision, scale: t.scale };
    case 'TIMESTAMP':
      return { type: 'long', logicalType: 'timestamp-millis' };
    case 'DATE':
      return { type: 'int', logicalType: 'date' };
    case 'TIME':
      return { type: 'int', logicalType: 'time-millis' };
    case 'ARRAY':
      return { type: 'array', items: nullable(avroOf(t.item, path)) };
    case 'MAP':
      return { type: 'map', values: nullable(avroOf(t.value, path)) };
    case 'STRUCT':
      return {
        type: 'record',
        name: `KsqlDataSourceSchema_${path}`,
        fields: t.fields.map((f) => ({
          name: avroName(f.name),
          type: nullable(avroOf(f.type, `${path}_${avroName(f.name)}`)),
          default: null,
        })),
      };
  }
}

/** The Avro schema ksqlDB writes for columns: a record of nullable fields, or the bare type of one key column. */
export function avroSchemaOf(columns: FormatColumn[], bare: boolean): unknown {
  if (bare) return avroOf(columns[0]!.type, avroName(columns[0]!.name));
  return {
    type: 'record',
    name: 'KsqlDataSourceSchema',
    namespace: AVRO_NAMESPACE,
    fields: columns.map((c) => ({
      name: avroName(c.name),
      type: ['null', avroOf(c.type, avroName(c.name))],
      default: null,
    })),
  };
}

/** A value of `t` shaped for the Avro type it is written with. */
function toAvro(v: unknown, t: SqlType, at: AvroType): unknown {
  if (v === null || v === undefined) return null;
  const a = at as AvroType & {
    types?: AvroType[];
    fields?: Array<{ name: string; type: AvroType }>;
    itemsType?: AvroType;
    valuesType?: AvroType;
  };
  if (a.types) {
    const branch = a.types.find((x) => x.typeName !== 'null');
    return branch ? toAvro(v, t, branch) : null;
  }
  switch (t.base) {
    case 'DECIMAL':
      return a.typeName === 'bytes' || a.typeName === 'fixed' ? decimalToBytes(v as number, t.scale) : v;
    case 'INTEGER':
      return a.typeName === 'int' ? (v as number) | 0 : v;
    case 'ARRAY':
      return (v as unknown[]).map((x) => toAvro(x, t.item, a.itemsType!));
    case 'MAP': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toAvro(x, t.value, a.valuesType!);
      return out;
    }
    case 'STRUCT':
      return shapeRecord(v as Record<string, unknown>, t.fields, a);
    default:
      return v;
  }
}

function shapeRecord(
  o: Record<string, unknown>,
  cols: Array<{ name: string; type: SqlType }>,
  at: { fields?: Array<{ name: string; type: AvroType }> },
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of at.fields ?? []) {
    const lower = f.name.toLowerCase();
    const c = cols.find((x) => x.name === f.name || avroName(x.name).toLowerCase() === lower);
    out[f.name] = c === undefined ? null : toAvro(o[c.name], c.type, f.type);
  }
  return out;
}

registerFormat({
  name: 'AVRO',
  check() {},
  codec(columns, isKey, opts) {
    const registry = registryOf(opts, 'AVRO');
    const bare = columns.length === 1 && (isKey ? opts.wrapSingle !== true : opts.wrapSingle === false);
    const writers = new Map<number, AvroType>();
    let out: { id: number; type: AvroType } | null = null;
    const build = async (id: number): Promise<AvroType> => {
      const s = await registry.getSchema(id);
      const named: Record<string, AvroType> = {};
      for (const r of await registry.resolveReferences(s.references)) {
        avro.Type.forSchema(JSON.parse(r.schema) as avro.Schema, { registry: named });
      }
      return avro.Type.forSchema(JSON.parse(s.schema) as avro.Schema, { registry: named });
    };
    return {
      async prepare(bytes) {
        for (const id of unknownIds(bytes, writers)) writers.set(id, await build(id));
      },
      async init() {
        if (out !== null) return;
        const given = (opts as RegistryOptions).schemaId;
        if (given !== undefined) {
          out = { id: given, type: await build(given) };
          return;
        }
        const schema = JSON.stringify(avroSchemaOf(columns, bare));
        const id = await registry.register(subjectOf(opts, isKey), { schema, schemaType: 'AVRO' });
        out = { id, type: avro.Type.forSchema(JSON.parse(schema) as avro.Schema) };
      },
      decode(bytes, row, at) {
        if (bytes === null || bytes.length < 5 || bytes[0] !== 0) return false;
        const w = writers.get(bytes.readInt32BE(1));
        if (w === undefined) return false;
        let v: unknown;
        try {
          v = w.fromBuffer(bytes.subarray(5));
        } catch {
          return false;
        }
        return fillRow(v, columns, bare, row, at);
      },
      encode(row, at) {
        if (out === null) throw new Error('AVRO codec used before init()');
        const t = out.type as AvroType & { fields?: Array<{ name: string; type: AvroType }> };
        let v: unknown;
        if (bare) {
          if (row[at] === null || row[at] === undefined) return null;
          v = toAvro(row[at], columns[0]!.type, t);
        } else {
          const o: Record<string, unknown> = {};
          for (let i = 0; i < columns.length; i++) o[columns[i]!.name] = row[at + i];
          v = shapeRecord(o, columns, t);
        }
        return frame(out.id, t.toBuffer(v));
      },
    };
  },
});

// ------------------------------------------------------------------------------------------------- JSON_SR

function jsonSchemaOf(t: SqlType): Record<string, unknown> {
  const nullable = (x: Record<string, unknown>) => ({ oneOf: [{ type: 'null' }, x] });
  switch (t.base) {
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'INTEGER':
      return { type: 'integer', 'connect.type': 'int32' };
    case 'BIGINT':
      return { type: 'integer', 'connect.type': 'int64' };
    case 'DOUBLE':
      return { type: 'number', 'connect.type': 'float64' };
    case 'STRING':
      return { type: 'string' };
    case 'BYTES':
      return { type: 'string', 'connect.type': 'bytes' };
    case 'DECIMAL':
      return {
        type: 'number',
        title: 'org.apache.kafka.connect.data.Decimal',
        'connect.type': 'bytes',
        'connect.parameters': { scale: String(t.scale), 'connect.decimal.precision': String(t.precision) },
      };
    case 'TIMESTAMP':
      return { type: 'integer', title: 'org.apache.kafka.connect.data.Timestamp', 'connect.type': 'int64' };
    case 'DATE':
      return { type: 'integer', title: 'org.apache.kafka.connect.data.Date', 'connect.type': 'int32' };
    case 'TIME':
      return { type: 'integer', title: 'org.apache.kafka.connect.data.Time', 'connect.type': 'int32' };
    case 'ARRAY':
      return { type: 'array', items: nullable(jsonSchemaOf(t.item)) };
    case 'MAP':
      return { type: 'object', additionalProperties: nullable(jsonSchemaOf(t.value)), 'connect.type': 'map' };
    case 'STRUCT':
      return {
        type: 'object',
        properties: Object.fromEntries(
          t.fields.map((f, i) => [f.name, { ...nullable(jsonSchemaOf(f.type)), 'connect.index': i }]),
        ),
      };
  }
}

export function jsonSrSchemaOf(columns: FormatColumn[], bare: boolean): Record<string, unknown> {
  if (bare) return jsonSchemaOf(columns[0]!.type);
  return jsonSchemaOf({ base: 'STRUCT', fields: columns.map((c) => ({ name: c.name, type: c.type })) });
}

registerFormat({
  name: 'JSON_SR',
  check() {},
  codec(columns, isKey, opts) {
    const registry = registryOf(opts, 'JSON_SR');
    const json = getFormat('JSON').codec(columns, isKey, opts);
    const bare = columns.length === 1 && (isKey ? opts.wrapSingle !== true : opts.wrapSingle === false);
    let id: number | null = null;
    return {
      async init() {
        if (id !== null) return;
        const given = (opts as RegistryOptions).schemaId;
        id =
          given ??
          (await registry.register(subjectOf(opts, isKey), {
            schema: JSON.stringify(jsonSrSchemaOf(columns, bare)),
            schemaType: 'JSON',
          }));
      },
      decode(bytes, row, at) {
        if (bytes === null) return false;
        return json.decode(bytes.length >= 5 && bytes[0] === 0 ? bytes.subarray(5) : bytes, row, at);
      },
      encode(row, at) {
        if (id === null) throw new Error('JSON_SR codec used before init()');
        const payload = json.encode(row, at);
        return payload === null ? null : frame(id, payload);
      },
    };
  },
});

// ------------------------------------------------------------------------------------------------- PROTOBUF

type ProtoRoot = { root: protobuf.Root; topLevel: string[] };

function protoTypeOf(t: SqlType, nested: string[], path: string): string {
  switch (t.base) {
    case 'BOOLEAN':
      return 'bool';
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return 'int32';
    case 'BIGINT':
    case 'TIMESTAMP':
      return 'int64';
    case 'DOUBLE':
    case 'DECIMAL':
      return 'double';
    case 'STRING':
      return 'string';
    case 'BYTES':
      return 'bytes';
    case 'ARRAY':
      if (t.item.base === 'ARRAY' || t.item.base === 'MAP')
        throw new SqlError('The PROTOBUF format does not support nested ARRAY or MAP in ARRAY.');
      return `repeated ${protoTypeOf(t.item, nested, path)}`;
    case 'MAP':
      if (t.value.base === 'ARRAY' || t.value.base === 'MAP')
        throw new SqlError('The PROTOBUF format does not support ARRAY or MAP values in MAP.');
      return `map<${protoTypeOf(t.key, nested, path)}, ${protoTypeOf(t.value, nested, path)}>`;
    case 'STRUCT': {
      const name = `${path}Struct`;
      nested.push(protoMessage(name, t.fields, path));
      return name;
    }
  }
}

function protoMessage(name: string, fields: Array<{ name: string; type: SqlType }>, path: string): string {
  const nested: string[] = [];
  const lines = fields.map(
    (f, i) => `  ${protoTypeOf(f.type, nested, `${path}${avroName(f.name)}`)} ${f.name} = ${i + 1};`,
  );
  return `message ${name} {\n${nested.map((n) => `${n.replace(/^/gm, '  ')}\n`).join('')}${lines.join('\n')}\n}`;
}

/** The proto3 schema ksqlDB-style for columns: one message `ConnectDefault1` with a field per column. */
export function protobufSchemaOf(columns: FormatColumn[]): string {
  return `syntax = "proto3";\n\n${protoMessage('ConnectDefault1', columns, '')}\n`;
}

function toProto(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return undefined;
  switch (t.base) {
    case 'ARRAY':
      return (v as unknown[]).map((x) => toProto(x, t.item));
    case 'MAP': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toProto(x, t.value);
      return out;
    }
    case 'STRUCT': {
      const out: Record<string, unknown> = {};
      for (const f of t.fields) out[f.name] = toProto((v as Record<string, unknown>)[f.name], f.type);
      return out;
    }
    default:
      return v;
  }
}

function messageAt(r: ProtoRoot, path: number[], id: number): protobuf.Type {
  let type = r.root.lookupType(r.topLevel[path[0] ?? 0] ?? '');
  for (const i of path.slice(1)) {
    const next = type.nestedArray.filter((o) => o instanceof protobuf.Type)[i] as protobuf.Type | undefined;
    if (!next) throw new Error(`no message at index path ${path.join('.')} in schema ${id}`);
    type = next;
  }
  return type;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, bytes: Buffer, defaults: true };

registerFormat({
  name: 'PROTOBUF',
  check() {},
  codec(columns, isKey, opts) {
    const registry = registryOf(opts, 'PROTOBUF');
    const roots = new Map<number, ProtoRoot>();
    let out: { id: number; type: protobuf.Type; indexes: number[] } | null = null;
    const build = async (id: number): Promise<ProtoRoot> => {
      const s = await registry.getSchema(id);
      return protoRoot(s.schema, await registry.resolveReferences(s.references));
    };
    return {
      async prepare(bytes) {
        for (const id of unknownIds(bytes, roots)) roots.set(id, await build(id));
      },
      async init() {
        if (out !== null) return;
        const given = (opts as RegistryOptions).schemaId;
        let r: ProtoRoot;
        let id: number;
        if (given !== undefined) {
          id = given;
          r = await build(given);
        } else {
          const schema = protobufSchemaOf(columns);
          id = await registry.register(subjectOf(opts, isKey), { schema, schemaType: 'PROTOBUF' });
          r = protoRoot(schema, []);
        }
        const full = (opts as RegistryOptions).fullName;
        const type = full ? r.root.lookupType(full) : messageAt(r, [0], id);
        const top = r.topLevel.indexOf(type.fullName.slice(1));
        out = { id, type, indexes: [Math.max(top, 0)] };
      },
      decode(bytes, row, at) {
        if (bytes === null || bytes.length < 6 || bytes[0] !== 0) return false;
        try {
          const { id, offset, messageIndexes } = unframe(bytes, true);
          const r = roots.get(id);
          if (r === undefined) return false;
          const type = messageAt(r, messageIndexes ?? [0], id);
          const obj = type.toObject(type.decode(bytes.subarray(offset)), TO_OBJECT);
          return fillRow(obj, columns, false, row, at);
        } catch {
          return false;
        }
      },
      encode(row, at) {
        if (out === null) throw new Error('PROTOBUF codec used before init()');
        const o: Record<string, unknown> = {};
        for (const f of out.type.fieldsArray) {
          const i = columns.findIndex((c) => c.name.toLowerCase() === f.name.toLowerCase());
          if (i >= 0) o[f.name] = toProto(row[at + i], columns[i]!.type);
        }
        const msg = out.type.fromObject(o);
        return frame(out.id, out.type.encode(msg).finish(), out.indexes);
      },
    };
  },
});

// ------------------------------------------------------------------------------------------------- inference

function sqlOfAvro(s: unknown): SqlType {
  if (typeof s === 'string') {
    switch (s) {
      case 'boolean':
        return T.BOOLEAN;
      case 'int':
        return T.INTEGER;
      case 'long':
        return T.BIGINT;
      case 'float':
      case 'double':
        return T.DOUBLE;
      case 'bytes':
      case 'fixed':
        return T.BYTES;
      default:
        return T.STRING;
    }
  }
  if (Array.isArray(s)) {
    const branches = s.filter((x) => x !== 'null');
    if (branches.length !== 1) throw new SqlError('Avro unions of several types are not supported.');
    return sqlOfAvro(branches[0]);
  }
  const o = s as Record<string, unknown>;
  switch (o['logicalType']) {
    case 'decimal':
      return { base: 'DECIMAL', precision: Number(o['precision'] ?? 64), scale: Number(o['scale'] ?? 0) };
    case 'timestamp-millis':
    case 'timestamp-micros':
      return T.TIMESTAMP;
    case 'date':
      return T.DATE;
    case 'time-millis':
    case 'time-micros':
      return T.TIME;
    default:
  }
  switch (o['type']) {
    case 'record':
      return {
        base: 'STRUCT',
        fields: (o['fields'] as Array<{ name: string; type: unknown }>).map((f) => ({
          name: f.name.toUpperCase(),
          type: sqlOfAvro(f.type),
        })),
      };
    case 'array':
      return { base: 'ARRAY', item: sqlOfAvro(o['items']) };
    case 'map':
      return { base: 'MAP', key: T.STRING, value: sqlOfAvro(o['values']) };
    case 'enum':
      return T.STRING;
    default:
      return sqlOfAvro(o['type']);
  }
}

function sqlOfJsonSchema(s: Record<string, unknown>): SqlType {
  const alt = (s['oneOf'] ?? s['anyOf']) as Array<Record<string, unknown>> | undefined;
  if (alt) {
    const branches = alt.filter((x) => x['type'] !== 'null');
    if (branches.length !== 1) throw new SqlError('JSON schema unions of several types are not supported.');
    return sqlOfJsonSchema(branches[0]!);
  }
  let type = s['type'];
  if (Array.isArray(type)) type = type.find((x) => x !== 'null');
  const title = s['title'];
  const connect = s['connect.type'];
  if (title === 'org.apache.kafka.connect.data.Decimal') {
    const p = (s['connect.parameters'] ?? {}) as Record<string, string>;
    return { base: 'DECIMAL', precision: Number(p['connect.decimal.precision'] ?? 64), scale: Number(p['scale'] ?? 0) };
  }
  if (title === 'org.apache.kafka.connect.data.Timestamp') return T.TIMESTAMP;
  if (title === 'org.apache.kafka.connect.data.Date') return T.DATE;
  if (title === 'org.apache.kafka.connect.data.Time') return T.TIME;
  switch (type) {
    case 'boolean':
      return T.BOOLEAN;
    case 'integer':
      return connect === 'int32' || connect === 'int16' || connect === 'int8' ? T.INTEGER : T.BIGINT;
    case 'number':
      return T.DOUBLE;
    case 'string':
      return connect === 'bytes' ? T.BYTES : T.STRING;
    case 'array':
      return { base: 'ARRAY', item: sqlOfJsonSchema((s['items'] ?? {}) as Record<string, unknown>) };
    case 'object': {
      const props = s['properties'] as Record<string, Record<string, unknown>> | undefined;
      if (!props) {
        const ap = s['additionalProperties'];
        return {
          base: 'MAP',
          key: T.STRING,
          value: typeof ap === 'object' && ap !== null ? sqlOfJsonSchema(ap as Record<string, unknown>) : T.STRING,
        };
      }
      return {
        base: 'STRUCT',
        fields: Object.entries(props).map(([name, p]) => ({ name: name.toUpperCase(), type: sqlOfJsonSchema(p) })),
      };
    }
    default:
      return T.STRING;
  }
}

function sqlOfProtoField(f: protobuf.Field): SqlType {
  let t: SqlType;
  if (f instanceof protobuf.MapField) {
    return { base: 'MAP', key: T.STRING, value: sqlOfProtoScalar(f.type, f.resolvedType) };
  }
  t = sqlOfProtoScalar(f.type, f.resolvedType);
  if (f.repeated) t = { base: 'ARRAY', item: t };
  return t;
}

function sqlOfProtoScalar(type: string, resolved: protobuf.Type | protobuf.Enum | null): SqlType {
  if (resolved instanceof protobuf.Enum) return T.STRING;
  if (resolved instanceof protobuf.Type) {
    if (resolved.fullName === '.google.protobuf.Timestamp') return T.TIMESTAMP;
    return {
      base: 'STRUCT',
      fields: resolved.fieldsArray.map((f) => ({ name: f.name.toUpperCase(), type: sqlOfProtoField(f) })),
    };
  }
  switch (type) {
    case 'bool':
      return T.BOOLEAN;
    case 'int32':
    case 'sint32':
    case 'uint32':
    case 'fixed32':
    case 'sfixed32':
      return T.INTEGER;
    case 'int64':
    case 'sint64':
    case 'uint64':
    case 'fixed64':
    case 'sfixed64':
      return T.BIGINT;
    case 'float':
    case 'double':
      return T.DOUBLE;
    case 'bytes':
      return T.BYTES;
    default:
      return T.STRING;
  }
}

/**
 * Columns for a registered schema, as ksqlDB infers them: a record's (message's, object's) fields, upper-cased, or
 * one column (ROWKEY for keys, ROWVAL for values) for a bare type.
 */
export function inferColumns(
  format: string,
  schema: RegistrySchema,
  refs: Array<{ name: string; schema: string }>,
  isKey: boolean,
  fullName?: string,
): Array<{ name: string; type: SqlType }> {
  const single = isKey ? 'ROWKEY' : 'ROWVAL';
  let t: SqlType;
  if (format === 'AVRO') {
    t = sqlOfAvro(JSON.parse(schema.schema));
  } else if (format === 'JSON_SR') {
    t = sqlOfJsonSchema(JSON.parse(schema.schema) as Record<string, unknown>);
  } else {
    const r = protoRoot(schema.schema, refs);
    const type = fullName ? r.root.lookupType(fullName) : messageAt(r, [0], 0);
    return type.fieldsArray.map((f) => ({ name: f.name.toUpperCase(), type: sqlOfProtoField(f) }));
  }
  if (t.base === 'STRUCT') return t.fields.map((f) => ({ name: f.name, type: f.type }));
  return [{ name: single, type: t }];
}

export type { Codec };
