/**
 * Confluent Schema Registry REST API v1 over the `Registry`: routes, query parameters, request bodies, response
 * shapes and content types (`application/vnd.schemaregistry.v1+json`, `application/vnd.schemaregistry+json`,
 * `application/json`), and errors as `{"error_code": ..., "message": ...}` with the code's HTTP status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody, Router, sendJson, type RouteParams } from '../http/server.js';
import { ErrorCodes, RegistryError } from './errors.js';
import type { SchemaVersion } from './records.js';
import { parseVersion, type Registry, type SchemaInput } from './registry.js';
import { SCHEMA_TYPES } from './types/index.js';
import { serializedDescriptor } from './types/protobuf.js';

const V1 = 'application/vnd.schemaregistry.v1+json';
const CONTENT_TYPES = [V1, 'application/vnd.schemaregistry+json', 'application/json'];
const MAX_BODY = 16 * 1024 * 1024;

export interface RequestContext {
  req: IncomingMessage;
  query: URLSearchParams;
  body(): Promise<Record<string, unknown>>;
}

interface Reply {
  status?: number;
  body: unknown;
}

/** The response content type: the first of ours the client accepts, else v1. */
function responseType(accept: string | undefined): string {
  if (!accept) return V1;
  const wanted = accept.split(',').map((s) => s.split(';')[0]!.trim().toLowerCase());
  for (const w of wanted) if (CONTENT_TYPES.includes(w)) return w;
  return V1;
}

function flag(q: URLSearchParams, name: string): boolean {
  return q.get(name)?.toLowerCase() === 'true';
}

function versionBody(v: SchemaVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id };
  if (v.schemaType !== 'AVRO') out['schemaType'] = v.schemaType;
  if (v.references.length > 0) out['references'] = v.references;
  out['schema'] = v.schema;
  return out;
}

function schemaInput(body: Record<string, unknown>): SchemaInput {
  const input: SchemaInput = { schema: body['schema'] as string };
  if (body['schemaType'] !== undefined && body['schemaType'] !== null) input.schemaType = String(body['schemaType']);
  if (body['references'] !== undefined && body['references'] !== null) {
    input.references = body['references'] as SchemaInput['references'];
  }
  if (typeof body['id'] === 'number') input.id = body['id'];
  if (typeof body['version'] === 'number') input.version = body['version'];
  return input;
}

/**
 * A schema text in the requested format. Schemas are served as registered, except that `format=serialized` turns
 * Protobuf `.proto` text (without references) into the base64 FileDescriptorProto that Confluent's Protobuf
 * deserializers expect.
 */
function formatted(type: string, schema: string, format: string | null, refs: SchemaVersion['references']): string {
  if (type !== 'PROTOBUF' || format !== 'serialized' || refs.length > 0) return schema;
  try {
    return serializedDescriptor(schema) ?? schema;
  } catch {
    return schema;
  }
}

function idParam(s: string): number {
  if (!/^\d+$/.test(s)) throw new RegistryError(ErrorCodes.SCHEMA_NOT_FOUND, `Schema ${s} not found`);
  return Number(s);
}

export function buildRouter(registry: Registry): Router<RequestContext> {
  const r = new Router<RequestContext>();
  const get = (p: string, h: (c: RequestContext, a: RouteParams) => Reply | Promise<Reply>) => r.add('GET', p, h);
  const post = (p: string, h: (c: RequestContext, a: RouteParams) => Reply | Promise<Reply>) => r.add('POST', p, h);
  const put = (p: string, h: (c: RequestContext, a: RouteParams) => Reply | Promise<Reply>) => r.add('PUT', p, h);
  const del = (p: string, h: (c: RequestContext, a: RouteParams) => Reply | Promise<Reply>) => r.add('DELETE', p, h);

  get('/', () => ({ body: {} }));
  get('/v1/metadata/id', () => ({ body: { scope: { path: [], clusters: {} } } }));
  get('/contexts', () => ({ body: ['.'] }));

  // --- schemas by id
  get('/schemas/types', () => ({ body: SCHEMA_TYPES }));
  get('/schemas', (c) => ({
    body: registry
      .listSchemas(c.query.get('subjectPrefix') ?? '', flag(c.query, 'deleted'), flag(c.query, 'latestOnly'))
      .map(versionBody),
  }));
  get('/schemas/ids/:id', (c, p) => {
    const s = registry.schemaById(idParam(p['id']!));
    const body: Record<string, unknown> = {};
    if (s.schemaType !== 'AVRO') body['schemaType'] = s.schemaType;
    if (s.references.length > 0) body['references'] = s.references;
    body['schema'] = formatted(s.schemaType, s.schema, c.query.get('format'), s.references);
    return { body };
  });
  get('/schemas/ids/:id/schema', (c, p) => {
    const s = registry.schemaById(idParam(p['id']!));
    return { body: rawSchema(formatted(s.schemaType, s.schema, c.query.get('format'), s.references)) };
  });
  get('/schemas/ids/:id/subjects', (c, p) => ({
    body: [...new Set(registry.usesOf(idParam(p['id']!), flag(c.query, 'deleted')).map((u) => u.subject))],
  }));
  get('/schemas/ids/:id/versions', (c, p) => ({ body: registry.usesOf(idParam(p['id']!), flag(c.query, 'deleted')) }));

  // --- subjects
  get('/subjects', (c) => ({
    body: registry.listSubjects(
      c.query.get('subjectPrefix') ?? '',
      flag(c.query, 'deleted'),
      flag(c.query, 'deletedOnly'),
    ),
  }));
  get('/subjects/:subject/versions', (c, p) => ({
    body: registry.versionsOf(p['subject']!, flag(c.query, 'deleted')).map((v) => v.version),
  }));
  post('/subjects/:subject/versions', async (c, p) => {
    const v = await registry.register(p['subject']!, schemaInput(await c.body()), flag(c.query, 'normalize'));
    return { body: { id: v.id } };
  });
  post('/subjects/:subject', async (c, p) => {
    const v = registry.lookup(
      p['subject']!,
      schemaInput(await c.body()),
      flag(c.query, 'normalize'),
      flag(c.query, 'deleted'),
    );
    return { body: versionBody(v) };
  });
  del('/subjects/:subject', async (c, p) => ({
    body: await registry.deleteSubject(p['subject']!, flag(c.query, 'permanent')),
  }));
  get('/subjects/:subject/versions/:version', (c, p) => {
    const v = registry.getVersion(p['subject']!, p['version']!, flag(c.query, 'deleted'));
    const body = versionBody(v);
    body['schema'] = formatted(v.schemaType, v.schema, c.query.get('format'), v.references);
    return { body };
  });
  get('/subjects/:subject/versions/:version/schema', (c, p) => {
    const v = registry.getVersion(p['subject']!, p['version']!, flag(c.query, 'deleted'));
    return { body: rawSchema(formatted(v.schemaType, v.schema, c.query.get('format'), v.references)) };
  });
  get('/subjects/:subject/versions/:version/referencedby', (_c, p) => ({
    body: registry.referencedBy(p['subject']!, p['version']!),
  }));
  del('/subjects/:subject/versions/:version', async (c, p) => {
    parseVersion(p['version']!);
    return { body: await registry.deleteVersion(p['subject']!, p['version']!, flag(c.query, 'permanent')) };
  });

  // --- compatibility
  const compat = async (c: RequestContext, subject: string, version: string | undefined): Promise<Reply> => {
    const problems = registry.testCompatibility(
      subject,
      version,
      schemaInput(await c.body()),
      flag(c.query, 'normalize'),
    );
    const body: Record<string, unknown> = { is_compatible: problems.length === 0 };
    if (flag(c.query, 'verbose')) body['messages'] = problems;
    return { body };
  };
  post('/compatibility/subjects/:subject/versions/:version', (c, p) => compat(c, p['subject']!, p['version']!));
  post('/compatibility/subjects/:subject/versions', (c, p) => compat(c, p['subject']!, undefined));

  // --- config
  get('/config', () => ({ body: { compatibilityLevel: registry.compatibility(null, true) } }));
  put('/config', async (c) => ({
    body: { compatibility: await registry.setCompatibility(null, (await c.body())['compatibility']) },
  }));
  del('/config', async () => ({ body: { compatibilityLevel: await registry.deleteCompatibility(null) } }));
  get('/config/:subject', (c, p) => ({
    body: { compatibilityLevel: registry.compatibility(p['subject']!, flag(c.query, 'defaultToGlobal')) },
  }));
  put('/config/:subject', async (c, p) => ({
    body: { compatibility: await registry.setCompatibility(p['subject']!, (await c.body())['compatibility']) },
  }));
  del('/config/:subject', async (_c, p) => ({
    body: { compatibilityLevel: await registry.deleteCompatibility(p['subject']!) },
  }));

  // --- mode
  get('/mode', () => ({ body: { mode: registry.mode(null, true) } }));
  put('/mode', async (c) => ({
    body: { mode: await registry.setMode(null, (await c.body())['mode'], flag(c.query, 'force')) },
  }));
  get('/mode/:subject', (c, p) => ({
    body: { mode: registry.mode(p['subject']!, flag(c.query, 'defaultToGlobal')) },
  }));
  put('/mode/:subject', async (c, p) => ({
    body: { mode: await registry.setMode(p['subject']!, (await c.body())['mode'], flag(c.query, 'force')) },
  }));
  del('/mode/:subject', async (_c, p) => ({ body: { mode: await registry.deleteMode(p['subject']!) } }));
  return r;
}

/** The raw-schema endpoints answer with the schema itself: a JSON schema as JSON, other text as a JSON string. */
function rawSchema(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Serves one request: routing, body parsing, and errors as Confluent bodies. */
export async function handle(
  router: Router<RequestContext>,
  req: IncomingMessage,
  res: ServerResponse,
  onInternalError: (err: unknown) => void,
): Promise<void> {
  const type = responseType(req.headers.accept);
  const fail = (status: number, code: number, message: string) =>
    sendJson(res, status, { error_code: code, message }, type);
  try {
    const url = new URL(req.url ?? '/', 'http://registry');
    const m = router.match(req.method ?? 'GET', url.pathname);
    if (m.kind === 'not-found') return fail(404, 404, 'HTTP 404 Not Found');
    if (m.kind === 'method-not-allowed') {
      res.setHeader('allow', m.allowed.join(', '));
      return fail(405, 405, 'HTTP 405 Method Not Allowed');
    }
    let parsed: Record<string, unknown> | undefined;
    const ctx: RequestContext = {
      req,
      query: url.searchParams,
      body: async () => {
        if (parsed) return parsed;
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (ct !== '' && !ct.includes('json') && ct !== 'application/octet-stream') {
          throw new RegistryError(415, `HTTP 415 Unsupported Media Type: ${ct}`);
        }
        const raw = (await readBody(req, MAX_BODY)).toString('utf8');
        let v: unknown;
        try {
          v = raw.trim() === '' ? {} : JSON.parse(raw);
        } catch (e) {
          throw new RegistryError(400, `Unexpected character in the request body: ${(e as Error).message}`);
        }
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          throw new RegistryError(422, 'The request body must be a JSON object');
        }
        parsed = v as Record<string, unknown>;
        return parsed;
      },
    };
    const reply = (await m.handler(ctx, m.params)) as Reply;
    sendJson(res, reply.status ?? 200, reply.body, type);
  } catch (e) {
    if (e instanceof RegistryError) return fail(e.status, e.errorCode, e.message);
    if (e instanceof BodyTooLargeError) return fail(413, 413, 'HTTP 413 Request Entity Too Large');
    onInternalError(e);
    return fail(500, ErrorCodes.STORE_ERROR, `Error in the backend data store: ${(e as Error)?.message ?? e}`);
  }
}
