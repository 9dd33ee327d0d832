/**
 * A client of the Confluent Schema Registry REST API (Samsa's own registry or Confluent's): register, look up and
 * fetch schemas, with caches so that a serializer asks the registry once per subject and schema and a
 * deserializer once per id. Uses the global fetch; errors carry the registry's error_code.
 */

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface RegistrySchema {
  schema: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

export interface SubjectVersion extends RegistrySchema {
  subject: string;
  version: number;
  id: number;
}

export class SchemaRegistryError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'SchemaRegistryError';
  }
}

export interface SchemaRegistryClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8081. */
  url: string;
  /** Extra headers, e.g. an Authorization header. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class SchemaRegistryClient {
  private readonly base: string;
  private readonly byId = new Map<number, Promise<RegistrySchema>>();
  private readonly idBySchema = new Map<string, Promise<number>>();

  constructor(private readonly opts: SchemaRegistryClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE, ...this.opts.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const e = parsed as { error_code?: number; message?: string } | undefined;
      throw new SchemaRegistryError(
        res.status,
        e?.error_code ?? res.status,
        `${method} ${path}: ${e?.message ?? (text || res.statusText)}`,
      );
    }
    return parsed as T;
  }

  /** Registers (or finds) a schema under a subject; returns its id. Cached per subject and schema. */
  register(subject: string, schema: RegistrySchema, normalize = false): Promise<number> {
    const key = `r\u0000${subject}\u0000${JSON.stringify(schema)}`;
    let p = this.idBySchema.get(key);
    if (!p) {
      p = this.request<{ id: number }>(
        'POST',
        `/subjects/${encodeURIComponent(subject)}/versions?normalize=${normalize}`,
        body(schema),
      ).then((r) => r.id);
      this.remember(key, p);
    }
    return p;
  }

  /** The id of a schema already registered under a subject (no registration). Cached. */
  lookup(subject: string, schema: RegistrySchema, normalize = false): Promise<number> {
    const key = `l\u0000${subject}\u0000${JSON.stringify(schema)}`;
    let p = this.idBySchema.get(key);
    if (!p) {
      p = this.request<SubjectVersion>(
        'POST',
        `/subjects/${encodeURIComponent(subject)}?normalize=${normalize}`,
        body(schema),
      ).then((r) => r.id);
      this.remember(key, p);
    }
    return p;
  }

  private remember(key: string, p: Promise<number>): void {
    this.idBySchema.set(key, p);
    p.catch(() => this.idBySchema.delete(key));
  }

  /** A schema by id. Cached: ids never change meaning. */
  getSchema(id: number): Promise<RegistrySchema> {
    let p = this.byId.get(id);
    if (!p) {
      p = this.request<RegistrySchema>('GET', `/schemas/ids/${id}`).then((s) => ({
        schema: s.schema,
        schemaType: s.schemaType ?? 'AVRO',
        references: s.references ?? [],
      }));
      this.byId.set(id, p);
      p.catch(() => this.byId.delete(id));
    }
    return p;
  }

  /** A version of a subject ('latest' or a number); not cached, since 'latest' moves. */
  getVersion(subject: string, version: number | 'latest' = 'latest'): Promise<SubjectVersion> {
    return this.request<SubjectVersion>('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  /** The texts of a schema's references, depth first (each referenced schema's own references come first). */
  async resolveReferences(
    refs: SchemaReference[] = [],
    seen = new Set<string>(),
  ): Promise<Array<{ name: string; schema: string }>> {
    const out: Array<{ name: string; schema: string }> = [];
    for (const r of refs) {
      const key = `${r.subject}\u0000${r.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const v = await this.getVersion(r.subject, r.version);
      out.push(...(await this.resolveReferences(v.references ?? [], seen)), { name: r.name, schema: v.schema });
    }
    return out;
  }
}

function body(s: RegistrySchema): Record<string, unknown> {
  const b: Record<string, unknown> = { schema: s.schema };
  if (s.schemaType && s.schemaType !== 'AVRO') b['schemaType'] = s.schemaType;
  if (s.references && s.references.length > 0) b['references'] = s.references;
  return b;
}
