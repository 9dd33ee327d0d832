/**
 * Serializers and deserializers for schema-registry data in Confluent's wire format: Avro (avsc), JSON Schema
 * (ajv) and Protobuf (protobufjs). A serializer finds its schema's id once per subject — registering it
 * (`autoRegister`, the default), looking it up, or taking the subject's latest version — and then encodes each
 * value without another request. A deserializer fetches the writer's schema by the id in the bytes, once per id.
 * Subjects come from a subject name strategy: topic (`<topic>-value`), record (the record's full name) or
 * topic-record (`<topic>-<record name>`).
 */
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import avro from 'avsc';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor/index.js';
import type { RegistrySchema, SchemaRegistryClient, SchemaType } from './client.js';
import { frame, unframe } from './wire.js';

export type SubjectNameStrategy = (topic: string, isKey: boolean, recordName: string | undefined) => string;

export const topicNameStrategy: SubjectNameStrategy = (topic, isKey) => `${topic}-${isKey ? 'key' : 'value'}`;
export const recordNameStrategy: SubjectNameStrategy = (_topic, _isKey, recordName) => {
  if (!recordName)
    throw new Error('the record name strategy needs a named schema (Avro record, Protobuf message, JSON title)');
  return recordName;
};
export const topicRecordNameStrategy: SubjectNameStrategy = (topic, isKey, recordName) =>
  `${topic}-${recordNameStrategy(topic, isKey, recordName)}`;

export const subjectNameStrategies = {
  topic: topicNameStrategy,
  record: recordNameStrategy,
  'topic-record': topicRecordNameStrategy,
} as const;

export interface SerializerOptions {
  /** Serializing keys (subject `<topic>-key` under the topic strategy). Default false. */
  isKey?: boolean;
  subjectNameStrategy?: SubjectNameStrategy;
  /** Register the schema if the subject lacks it (default true); false looks it up and fails if absent. */
  autoRegister?: boolean;
  /** Use the subject's latest registered version instead of this schema's own id. */
  useLatestVersion?: boolean;
  normalize?: boolean;
}

/** What the three serializers share: resolving and caching the id per subject. */
abstract class SchemaSerializer<T> {
  private readonly ids = new Map<string, Promise<number>>();
  constructor(
    protected readonly client: SchemaRegistryClient,
    protected readonly opts: SerializerOptions,
  ) {}

  protected abstract registrySchema(): RegistrySchema;
  protected abstract recordName(): string | undefined;
  /** Encodes a value with the schema whose id is `id` (sync: the hot path). */
  abstract encode(id: number, value: T): Buffer;

  /** The subject this serializer writes to for `topic`. */
  subject(topic: string): string {
    return (this.opts.subjectNameStrategy ?? topicNameStrategy)(topic, this.opts.isKey ?? false, this.recordName());
  }

  /** The schema id used for `topic` (registered, looked up or latest, per the options); cached. */
  idFor(topic: string): Promise<number> {
    const subject = this.subject(topic);
    let p = this.ids.get(subject);
    if (!p) {
      const s = this.registrySchema();
      p = this.opts.useLatestVersion
        ? this.client.getVersion(subject, 'latest').then((v) => v.id)
        : this.opts.autoRegister === false
          ? this.client.lookup(subject, s, this.opts.normalize)
          : this.client.register(subject, s, this.opts.normalize);
      this.ids.set(subject, p);
      p.catch(() => this.ids.delete(subject));
    }
    return p;
  }

  async serialize(topic: string, value: T): Promise<Buffer> {
    return this.encode(await this.idFor(topic), value);
  }
}

// ------------------------------------------------------------------------------------------------- Avro

type AvroType = ReturnType<typeof avro.Type.forSchema>;

export class AvroSerializer<T = unknown> extends SchemaSerializer<T> {
  readonly type: AvroType;
  private readonly text: string;

  constructor(client: SchemaRegistryClient, schema: string | object, opts: SerializerOptions = {}) {
    super(client, opts);
    this.text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    this.type = avro.Type.forSchema(JSON.parse(this.text) as avro.Schema);
  }

  protected registrySchema(): RegistrySchema {
    return { schema: this.text, schemaType: 'AVRO' };
  }

  protected recordName(): string | undefined {
    return this.type.name;
  }

  encode(id: number, value: T): Buffer {
    return frame(id, this.type.toBuffer(value));
  }
}

export interface AvroDeserializerOptions {
  /** Read into this schema (Avro schema resolution from the writer's); default: the writer's own schema. */
  readerSchema?: string | object;
}

export class AvroDeserializer<T = unknown> {
  private readonly types = new Map<number, Promise<(b: Buffer) => T>>();
  private readonly reader: AvroType | undefined;

  constructor(
    private readonly client: SchemaRegistryClient,
    opts: AvroDeserializerOptions = {},
  ) {
    const r = opts.readerSchema;
    this.reader =
      r === undefined ? undefined : avro.Type.forSchema((typeof r === 'string' ? JSON.parse(r) : r) as avro.Schema);
  }

  private decoder(id: number): Promise<(b: Buffer) => T> {
    let p = this.types.get(id);
    if (!p) {
      p = (async () => {
        const s = await this.client.getSchema(id);
        const registry: Record<string, AvroType> = {};
        for (const r of await this.client.resolveReferences(s.references)) {
          avro.Type.forSchema(JSON.parse(r.schema) as avro.Schema, { registry });
        }
        const writer = avro.Type.forSchema(JSON.parse(s.schema) as avro.Schema, { registry });
        if (!this.reader) return (b: Buffer) => writer.fromBuffer(b) as T;
        const reader = this.reader;
        const resolver = reader.createResolver(writer);
        return (b: Buffer) => reader.fromBuffer(b, resolver) as T;
      })();
      this.types.set(id, p);
      p.catch(() => this.types.delete(id));
    }
    return p;
  }

  async deserialize(bytes: Buffer): Promise<T> {
    const { id, offset } = unframe(bytes);
    return (await this.decoder(id))(bytes.subarray(offset));
  }
}

// ------------------------------------------------------------------------------------------------- JSON Schema

export interface JsonSerdeOptions {
  /** Validate values against the schema (default true). */
  validate?: boolean;
}

function compileJson(schema: object): ValidateFunction {
  const ajv = new Ajv({ strict: false, validateFormats: false });
  return ajv.compile(schema as AnySchema);
}

export class JsonSchemaSerializer<T = unknown> extends SchemaSerializer<T> {
  private readonly text: string;
  private readonly schemaObject: Record<string, unknown>;
  private readonly validate: ValidateFunction | undefined;

  constructor(client: SchemaRegistryClient, schema: string | object, opts: SerializerOptions & JsonSerdeOptions = {}) {
    super(client, opts);
    this.text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    this.schemaObject = JSON.parse(this.text) as Record<string, unknown>;
    this.validate = opts.validate === false ? undefined : compileJson(this.schemaObject);
  }

  protected registrySchema(): RegistrySchema {
    return { schema: this.text, schemaType: 'JSON' };
  }

  protected recordName(): string | undefined {
    const t = this.schemaObject['title'];
    return typeof t === 'string' ? t : undefined;
  }

  encode(id: number, value: T): Buffer {
    if (this.validate && !this.validate(value)) {
      throw new Error(`value does not match the JSON schema: ${JSON.stringify(this.validate.errors?.[0] ?? {})}`);
    }
    return frame(id, Buffer.from(JSON.stringify(value), 'utf8'));
  }
}

export class JsonSchemaDeserializer<T = unknown> {
  private readonly validators = new Map<number, Promise<ValidateFunction | undefined>>();
  constructor(
    private readonly client: SchemaRegistryClient,
    private readonly opts: JsonSerdeOptions = {},
  ) {}

  private validator(id: number): Promise<ValidateFunction | undefined> {
    let p = this.validators.get(id);
    if (!p) {
      p = (async () => {
        const s = await this.client.getSchema(id);
        return this.opts.validate === false ? undefined : compileJson(JSON.parse(s.schema) as object);
      })();
      this.validators.set(id, p);
      p.catch(() => this.validators.delete(id));
    }
    return p;
  }

  async deserialize(bytes: Buffer): Promise<T> {
    const { id, offset } = unframe(bytes);
    const validate = await this.validator(id);
    const value = JSON.parse(bytes.subarray(offset).toString('utf8')) as T;
    if (validate && !validate(value)) {
      throw new Error(`value does not match the writer's JSON schema ${id}: ${JSON.stringify(validate.errors?.[0])}`);
    }
    return value;
  }
}

// ------------------------------------------------------------------------------------------------- Protobuf

const PARSE_OPTIONS = { keepCase: true, alternateCommentMode: false };

/** The top-level message names of one `.proto` file, fully qualified, in declaration order. */
function topLevelMessages(text: string): string[] {
  const parsed = protobuf.parse(text, new protobuf.Root(), PARSE_OPTIONS);
  const ns = parsed.package ? parsed.root.lookup(parsed.package) : parsed.root;
  if (!ns || !(ns instanceof protobuf.Namespace)) return [];
  return ns.nestedArray.filter((o) => o instanceof protobuf.Type).map((o) => o.fullName.slice(1));
}

/** Confluent's message indexes of `type`: its position among its parent's messages, for each level. */
export function messageIndexes(type: protobuf.Type, topLevel: string[]): number[] {
  const path: number[] = [];
  let t: protobuf.ReflectionObject = type;
  while (t.parent instanceof protobuf.Type) {
    const siblings: protobuf.Type[] = t.parent.nestedArray.filter((o) => o instanceof protobuf.Type);
    path.unshift(siblings.indexOf(t as protobuf.Type));
    t = t.parent;
  }
  path.unshift(topLevel.indexOf(t.fullName.slice(1)));
  return path;
}

function isDescriptor(text: string): boolean {
  const t = text.trim();
  return /^[A-Za-z0-9+/=\s]+$/.test(t) && !/\b(syntax|message|package|import)\b/.test(t);
}

function rootFromDescriptor(base64: string, into: protobuf.Root): { root: protobuf.Root; topLevel: string[] } {
  const w = protobuf.Writer.create();
  w.uint32(10).bytes(Buffer.from(base64, 'base64'));
  const parsed = (protobuf.Root as unknown as { fromDescriptor(b: Uint8Array): protobuf.Root }).fromDescriptor(
    w.finish(),
  );
  const topLevel: string[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type) topLevel.push(o.fullName.slice(1));
      else if (o instanceof protobuf.Namespace) walk(o);
    }
  };
  walk(parsed);
  for (const o of parsed.nestedArray.slice()) {
    parsed.remove(o);
    into.add(o);
  }
  return { root: into, topLevel };
}

/** Parses a schema (text or descriptor) with its references; returns the root and its own top-level messages. */
export function protoRoot(text: string, refs: Array<{ schema: string }>): { root: protobuf.Root; topLevel: string[] } {
  const root = new protobuf.Root();
  for (const r of refs) {
    if (isDescriptor(r.schema)) rootFromDescriptor(r.schema, root);
    else protobuf.parse(r.schema, root, PARSE_OPTIONS);
  }
  if (isDescriptor(text)) {
    const out = rootFromDescriptor(text, root);
    root.resolveAll();
    return out;
  }
  protobuf.parse(text, root, PARSE_OPTIONS);
  root.resolveAll();
  return { root, topLevel: topLevelMessages(text) };
}

export interface ProtobufSerializerOptions extends SerializerOptions {
  /** The referenced schemas, as registered (the serializer does not register references itself). */
  references?: Array<{ name: string; subject: string; version: number; schema: string }>;
}

export class ProtobufSerializer<T extends object = Record<string, unknown>> extends SchemaSerializer<T> {
  readonly messageType: protobuf.Type;
  private readonly indexes: number[];

  constructor(
    client: SchemaRegistryClient,
    private readonly text: string,
    messageName: string,
    private readonly popts: ProtobufSerializerOptions = {},
  ) {
    super(client, popts);
    const { root, topLevel } = protoRoot(text, popts.references ?? []);
    this.messageType = root.lookupType(messageName);
    this.indexes = messageIndexes(this.messageType, topLevel);
  }

  protected registrySchema(): RegistrySchema {
    return {
      schema: this.text,
      schemaType: 'PROTOBUF',
      references: (this.popts.references ?? []).map((r) => ({ name: r.name, subject: r.subject, version: r.version })),
    };
  }

  protected recordName(): string | undefined {
    return this.messageType.fullName.slice(1);
  }

  encode(id: number, value: T): Buffer {
    const err = this.messageType.verify(value as Record<string, unknown>);
    if (err) throw new Error(`value does not match ${this.recordName()}: ${err}`);
    const payload = this.messageType.encode(this.messageType.fromObject(value as Record<string, unknown>)).finish();
    return frame(id, payload, this.indexes);
  }
}

export interface ProtobufDeserializerOptions {
  /** How messages become objects (protobufjs toObject options); default longs and enums as strings, defaults on. */
  toObject?: protobuf.IConversionOptions;
}

export class ProtobufDeserializer<T = Record<string, unknown>> {
  private readonly roots = new Map<number, Promise<{ root: protobuf.Root; topLevel: string[] }>>();
  constructor(
    private readonly client: SchemaRegistryClient,
    private readonly opts: ProtobufDeserializerOptions = {},
  ) {}

  private root(id: number): Promise<{ root: protobuf.Root; topLevel: string[] }> {
    let p = this.roots.get(id);
    if (!p) {
      p = (async () => {
        const s = await this.client.getSchema(id);
        return protoRoot(s.schema, await this.client.resolveReferences(s.references));
      })();
      this.roots.set(id, p);
      p.catch(() => this.roots.delete(id));
    }
    return p;
  }

  /** The message type the bytes were written with, and the decoded message. */
  async deserialize(bytes: Buffer): Promise<T> {
    const { id, offset, messageIndexes: idx } = unframe(bytes, true);
    const { root, topLevel } = await this.root(id);
    const path = idx ?? [0];
    let type = root.lookupType(topLevel[path[0]!] ?? '');
    for (const i of path.slice(1)) {
      const nested: protobuf.Type[] = type.nestedArray.filter((o) => o instanceof protobuf.Type);
      const next = nested[i];
      if (!next) throw new Error(`no message at index path ${path.join('.')} in schema ${id}`);
      type = next;
    }
    const msg = type.decode(bytes.subarray(offset));
    return type.toObject(msg, this.opts.toObject ?? { longs: String, enums: String, defaults: true }) as T;
  }
}

/** A deserializer for any of the three types, choosing by the writer schema's type. */
export class SchemaRegistryDeserializer {
  private readonly avro: AvroDeserializer;
  private readonly json: JsonSchemaDeserializer;
  private readonly proto: ProtobufDeserializer;

  constructor(private readonly client: SchemaRegistryClient) {
    this.avro = new AvroDeserializer(client);
    this.json = new JsonSchemaDeserializer(client, { validate: false });
    this.proto = new ProtobufDeserializer(client);
  }

  async deserialize(bytes: Buffer): Promise<unknown> {
    return (await this.describe(bytes)).value;
  }

  /** The decoded value with the id and type of the schema it was written with. */
  async describe(bytes: Buffer): Promise<{ value: unknown; schemaId: number; schemaType: SchemaType }> {
    const { id } = unframe(bytes);
    const schemaType: SchemaType = (await this.client.getSchema(id)).schemaType ?? 'AVRO';
    const serde = schemaType === 'JSON' ? this.json : schemaType === 'PROTOBUF' ? this.proto : this.avro;
    return { value: await serde.deserialize(bytes), schemaId: id, schemaType };
  }

  /** The decoded value as JSON text (64-bit integers as decimal strings, bytes as base64), with its schema. */
  async toJson(bytes: Buffer): Promise<{ json: string; schemaId: number; schemaType: SchemaType }> {
    const d = await this.describe(bytes);
    return { json: JSON.stringify(d.value, jsonSafe), schemaId: d.schemaId, schemaType: d.schemaType };
  }
}

/** JSON for decoded values: 64-bit integers as numbers in text, bytes as base64. */
function jsonSafe(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
    return Buffer.from((v as { data: number[] }).data).toString('base64');
  }
  return v;
}
