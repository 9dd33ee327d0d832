/**
 * Broker-side schema validation, as Confluent Server offers it: a topic with `confluent.value.schema.validation`
 * (or `confluent.key.schema.validation`) set to true accepts a record only if its value (key) is framed in
 * Confluent's wire format (magic byte 0, then a big-endian int32 schema id) and that id is registered in the schema
 * registry under the subject the topic's `confluent.<value|key>.subject.name.strategy` names: `<topic>-value` for
 * TopicNameStrategy, the schema's record name for RecordNameStrategy, `<topic>-<record name>` for
 * TopicRecordNameStrategy. Other records make the whole batch fail with INVALID_RECORD, naming the record.
 *
 * Null keys and values pass (tombstones of compacted topics carry no schema). Only topics that ask for validation
 * pay for it: their batches are decoded (and inflated) once more; every other produce checks one boolean.
 *
 * The ids come from a `SchemaIdSource`: the registry served by this process attaches itself when it starts, or
 * `confluent.schema.registry.url` names a registry to ask over HTTP (answers cached for a minute, unknown ids for
 * a few seconds). With neither, validated topics refuse records, saying why.
 */
import { decodeBatches } from '../protocol/records/batch.js';
import type { LogConfig, SubjectNameStrategy } from '../storage/log-config.js';

export interface SchemaFacts {
  /** Subjects that have a live version using the schema. */
  subjects: readonly string[];
  /** The schema's fully qualified record name (for the record name strategies); null when it has none. */
  recordName: string | null;
}

/** Where the broker learns what a schema id is. */
export interface SchemaIdSource {
  /** What is known of schema `id`; null when the registry has no such schema. */
  describe(id: number): SchemaFacts | null | Promise<SchemaFacts | null>;
}

/** Why a produce to a validated topic is refused: the message and the index of the record in its batch. */
export interface SchemaRejection {
  recordIndex: number;
  message: string;
}

const MAGIC = 0;
const FRAME_BYTES = 5;

function subjectFor(strategy: SubjectNameStrategy, topic: string, suffix: string, facts: SchemaFacts): string | null {
  switch (strategy) {
    case 'TopicNameStrategy':
      return `${topic}-${suffix}`;
    case 'RecordNameStrategy':
      return facts.recordName;
    case 'TopicRecordNameStrategy':
      return facts.recordName === null ? null : `${topic}-${facts.recordName}`;
  }
}

export class SchemaValidator {
  private attached: SchemaIdSource | undefined;
  private readonly remote: SchemaIdSource | undefined;

  constructor(registryUrl?: string | null) {
    if (registryUrl) this.remote = new HttpSchemaIdSource(registryUrl);
  }

  /** The registry of this process offers itself (a configured `confluent.schema.registry.url` still wins). */
  attach(source: SchemaIdSource): void {
    this.attached = source;
  }

  detach(source: SchemaIdSource): void {
    if (this.attached === source) this.attached = undefined;
  }

  /** Whether a topic's config asks for validation: the only cost every produce pays. */
  static wanted(config: LogConfig): boolean {
    return config.valueSchemaValidation || config.keySchemaValidation;
  }

  /** Null when every record of `batches` passes the topic's validation, else why the first one fails. */
  async check(topic: string, batches: Buffer, config: LogConfig): Promise<SchemaRejection | null> {
    const source = this.remote ?? this.attached;
    const decoded = await decodeBatches(batches);
    const facts = new Map<number, SchemaFacts | null>();
    for (const batch of decoded) {
      let index = 0;
      for (const record of batch.records) {
        const parts = [
          config.keySchemaValidation ? (['key', record.key, config.keySubjectNameStrategy] as const) : undefined,
          config.valueSchemaValidation
            ? (['value', record.value, config.valueSubjectNameStrategy] as const)
            : undefined,
        ];
        for (const part of parts) {
          if (part === undefined) continue;
          const [what, bytes, strategy] = part;
          if (bytes === null) continue;
          const refuse = (why: string): SchemaRejection => ({
            recordIndex: index,
            message: `Record ${index} of a batch for ${topic}: its ${what} ${why}.`,
          });
          if (bytes.length < FRAME_BYTES || bytes[0] !== MAGIC) {
            return refuse('does not start with a schema id (magic byte 0 and a 4-byte id)');
          }
          if (source === undefined) {
            return refuse(
              'cannot be checked: schema validation is on for the topic, but no schema registry is available ' +
                '(turn on schema.registry.enabled or set confluent.schema.registry.url)',
            );
          }
          const id = bytes.readInt32BE(1);
          let f = facts.get(id);
          if (f === undefined && !facts.has(id)) {
            try {
              f = await source.describe(id);
            } catch (err) {
              return refuse(
                `has schema id ${id}, which the schema registry could not confirm: ${(err as Error).message}`,
              );
            }
            facts.set(id, f);
          }
          if (f === null || f === undefined)
            return refuse(`has schema id ${id}, which the schema registry does not know`);
          const subject = subjectFor(strategy, topic, what, f);
          if (subject === null) return refuse(`has schema id ${id}, whose schema has no record name for ${strategy}`);
          if (!f.subjects.includes(subject)) {
            return refuse(`has schema id ${id}, which is not registered under the subject ${subject}`);
          }
        }
        index++;
      }
    }
    return null;
  }
}

interface CacheEntry {
  facts: SchemaFacts | null;
  until: number;
}

const KNOWN_TTL_MS = 60_000;
const UNKNOWN_TTL_MS = 5_000;
const HTTP_TIMEOUT_MS = 5_000;

/** A remote registry's REST API (Confluent's): `/schemas/ids/{id}/versions` and `/schemas/ids/{id}`. */
export class HttpSchemaIdSource implements SchemaIdSource {
  private readonly cache = new Map<number, CacheEntry>();
  private readonly base: string;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, '');
  }

  async describe(id: number): Promise<SchemaFacts | null> {
    const hit = this.cache.get(id);
    if (hit !== undefined && hit.until > Date.now()) return hit.facts;
    const uses = await this.get(`/schemas/ids/${id}/versions`);
    let facts: SchemaFacts | null = null;
    if (uses !== null) {
      const schema = (await this.get(`/schemas/ids/${id}`)) as { schema?: string; schemaType?: string } | null;
      facts = {
        subjects: [...new Set((uses as Array<{ subject: string }>).map((u) => u.subject))],
        recordName: schema?.schema === undefined ? null : recordNameOf(schema.schemaType ?? 'AVRO', schema.schema),
      };
    }
    this.cache.set(id, { facts, until: Date.now() + (facts === null ? UNKNOWN_TTL_MS : KNOWN_TTL_MS) });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return facts;
  }

  /** The JSON body, or null for a 404; throws on anything else. */
  private async get(path: string): Promise<unknown> {
    const res = await fetch(this.base + path, {
      headers: { accept: 'application/vnd.schemaregistry.v1+json' },
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`${path} answered HTTP ${res.status}`);
    return res.json();
  }
}

/**
 * The fully qualified record name of a schema, as Confluent's record name strategies use it: an Avro record's
 * namespace and name, a JSON Schema's `title`, a Protobuf schema's package and first message. Null when the schema
 * has none (an Avro primitive, a JSON Schema without a title).
 */
export function recordNameOf(schemaType: string, text: string): string | null {
  try {
    if (schemaType === 'PROTOBUF') {
      const message = /(?:^|[;\s}])message\s+([A-Za-z_][\w]*)/.exec(text)?.[1];
      if (message === undefined) return null;
      const pkg = /(?:^|[;\s])package\s+([\w.]+)\s*;/.exec(text)?.[1];
      return pkg ? `${pkg}.${message}` : message;
    }
    const parsed = JSON.parse(text) as unknown;
    if (schemaType === 'JSON') {
      const title = (parsed as { title?: unknown } | null)?.title;
      return typeof title === 'string' ? title : null;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const { name, namespace } = parsed as { name?: unknown; namespace?: unknown };
    if (typeof name !== 'string') return null;
    if (name.includes('.') || typeof namespace !== 'string' || namespace === '') return name;
    return `${namespace}.${name}`;
  } catch {
    return null;
  }
}
