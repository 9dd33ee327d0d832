/**
 * The output formats of `samsa datagen`: JSON, delimited text, and the schema formats (Avro, JSON Schema,
 * Protobuf) in Confluent's wire format with the schema registered under `<topic>-value`. The JSON Schema and the
 * `.proto` of a data set are derived from its Avro schema, field for field, so all formats carry the same data.
 */
import {
  AvroSerializer,
  JsonSchemaSerializer,
  ProtobufSerializer,
  type SchemaRegistryClient,
} from '../client/schema-registry/index.js';

export const FORMATS = ['json', 'avro', 'protobuf', 'json_sr', 'delimited'] as const;
export type Format = (typeof FORMATS)[number];

type Obj = Record<string, unknown>;

/** The Avro schema without the generator annotations, as it is registered. */
export function stripArgs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripArgs);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) if (k !== 'arg.properties') out[k] = stripArgs(v);
  // {"type": "string"} without annotations is just "string".
  const keys = Object.keys(out);
  if (keys.length === 1 && keys[0] === 'type' && typeof out['type'] === 'string') return out['type'];
  return out;
}

function typeName(t: unknown): { base: unknown; nullable: boolean } {
  if (Array.isArray(t)) {
    const rest = t.filter((b) => b !== 'null');
    return { base: rest[0], nullable: rest.length !== t.length };
  }
  if (
    typeof t === 'object' &&
    t !== null &&
    typeof (t as Obj)['type'] === 'string' &&
    (t as Obj)['type'] !== 'record'
  ) {
    const inner = (t as Obj)['type'] as string;
    if (!['array', 'map', 'enum', 'fixed'].includes(inner)) return { base: inner, nullable: false };
  }
  return { base: t, nullable: false };
}

/** JSON Schema equivalent of an Avro record. */
export function jsonSchemaOf(avro: Obj): Obj {
  const conv = (t: unknown): Obj => {
    const { base, nullable } = typeName(t);
    let s: Obj;
    if (typeof base === 'string') {
      s =
        base === 'int' || base === 'long'
          ? { type: 'integer' }
          : base === 'float' || base === 'double'
            ? { type: 'number' }
            : base === 'boolean'
              ? { type: 'boolean' }
              : { type: 'string' };
    } else {
      const o = base as Obj;
      if (o['type'] === 'record') {
        const fields = o['fields'] as Obj[];
        s = {
          type: 'object',
          title: o['name'],
          properties: Object.fromEntries(fields.map((f) => [f['name'], conv(f['type'])])),
          required: fields.filter((f) => !typeName(f['type']).nullable).map((f) => f['name']),
        };
      } else if (o['type'] === 'array') s = { type: 'array', items: conv(o['items']) };
      else if (o['type'] === 'enum') s = { type: 'string', enum: o['symbols'] };
      else s = {};
    }
    return nullable ? { oneOf: [{ type: 'null' }, s] } : s;
  };
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...conv(avro) };
}

const PROTO_SCALARS: Record<string, string> = {
  int: 'int32',
  long: 'int64',
  float: 'float',
  double: 'double',
  boolean: 'bool',
  string: 'string',
  bytes: 'bytes',
};

/** `.proto` (proto3) equivalent of an Avro record: one message, nested records as nested messages. */
export function protoOf(avro: Obj): { text: string; messageName: string } {
  // Nested messages get a capitalised name, so they cannot clash with the field that holds them.
  const nameOf = (rec: Obj, nested: boolean): string => {
    const n = String(rec['name']).split('.').pop()!;
    return nested ? n.charAt(0).toUpperCase() + n.slice(1) : n;
  };
  const message = (rec: Obj, indent: string): string => {
    const lines: string[] = [`${indent}message ${nameOf(rec, indent !== '')} {`];
    (rec['fields'] as Obj[]).forEach((f, i) => {
      const { base } = typeName(f['type']);
      let type: string;
      let repeated = '';
      if (typeof base === 'string') type = PROTO_SCALARS[base] ?? 'string';
      else if ((base as Obj)['type'] === 'record') {
        lines.push(message(base as Obj, `${indent}  `));
        type = nameOf(base as Obj, true);
      } else if ((base as Obj)['type'] === 'array') {
        repeated = 'repeated ';
        type = PROTO_SCALARS[String(typeName((base as Obj)['items']).base)] ?? 'string';
      } else type = 'string';
      lines.push(`${indent}  ${repeated}${type} ${f['name']} = ${i + 1};`);
    });
    lines.push(`${indent}}`);
    return lines.join('\n');
  };
  return {
    text: `syntax = "proto3";\npackage samsa.datagen;\n\n${message(avro, '')}\n`,
    messageName: `samsa.datagen.${nameOf(avro, false)}`,
  };
}

/** Values of a record as one delimited line; nested records contribute their own values in order. */
export function delimited(value: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) {
      for (const x of Object.values(v)) walk(x);
      return;
    }
    const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v);
    parts.push(/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  };
  walk(value);
  return parts.join(',');
}

/** A synchronous encoder for values, prepared once (schemas registered) before the first record. */
export async function prepareEncoder(
  format: Format,
  avroSchema: Obj,
  topic: string,
  registry: SchemaRegistryClient | undefined,
): Promise<(value: Obj) => Buffer | string> {
  const clean = stripArgs(avroSchema) as Obj;
  switch (format) {
    case 'json':
      return (v) => JSON.stringify(v);
    case 'delimited':
      return (v) => delimited(v);
    default: {
      if (!registry) throw new Error(`--format ${format} needs a schema registry (--schema-registry URL)`);
      const ser =
        format === 'avro'
          ? new AvroSerializer<Obj>(registry, clean)
          : format === 'json_sr'
            ? new JsonSchemaSerializer<Obj>(registry, jsonSchemaOf(clean), { validate: false })
            : (() => {
                const p = protoOf(clean);
                return new ProtobufSerializer<Obj>(registry, p.text, p.messageName);
              })();
      const id = await ser.idFor(topic);
      return (v) => ser.encode(id, v);
    }
  }
}
