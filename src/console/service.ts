/**
 * The console service: on each `console.listeners` endpoint it serves
 * - Confluent's REST Proxy API v3 under /v3 (rest/v3.ts),
 * - what the web console needs beyond it under /console/api (browsing and tailing records, throughput samples,
 *   resetting and deleting consumer groups, the features turned on in this process),
 * - the other HTTP services of the process (schema registry, streaming SQL) under /console/api/services/{id}
 *   (proxy.ts), so the front end reaches them on its own origin,
 * - the web console itself (the bundle scripts/bundle-console.mjs builds into dist/console), with every page at
 *   its own URL (any other GET path answers the page shell and the front end routes it).
 *
 * It is a Kafka application: Samsa's admin client, producer and consumers against the bootstrap address it is
 * given, so it works the same against one broker or a cluster.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, ClientTlsOptions, TopicInfo } from '../client/index.js';
import { DescribeLogDirs } from '../protocol/messages/describe-log-dirs.js';
import { listenHttp, Router, sendJson, type HttpEndpoint, type HttpListener } from '../http/server.js';
import { proxyToService, SERVICES_PREFIX } from './proxy.js';
import { browse, tail, type BrowseQuery, type SchemaDecoder } from './records.js';
import {
  badRequest,
  intField,
  jsonBody,
  notFound,
  RestError,
  restErrorOf,
  sendError,
  stringField,
  type RestRequest,
} from './rest/http.js';
import { addV3Routes, describeClusterOf } from './rest/v3.js';
import { type ConsoleAuthentication, type Session, SessionPool } from './sessions.js';

/** The little of a logger the console needs (the broker's pino logger fits). */
export interface ConsoleLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/**
 * A page the console shows when another service of this process is on (schema registry, streaming SQL,
 * security). The front end has a page for each known `id`; a feature absent here keeps its page out of the menu.
 */
export interface ConsoleFeature {
  id: 'schema-registry' | 'sql' | 'security' | string;
  title: string;
  /** Where the service answers, for the front end's calls. */
  url: string;
}

export interface ConsoleOptions {
  bootstrap: string;
  /** TLS for the console's connections to the broker (its listener is SSL or SASL_SSL). */
  tls?: ClientTlsOptions;
  endpoints: HttpEndpoint[];
  logger: ConsoleLogger;
  features?: ConsoleFeature[];
  /** Seconds between throughput samples (default 5). */
  sampleIntervalMs?: number;
  /**
   * A schema registry to decode registry-framed keys and values with in the message browser; by default the
   * registry of this process when it is on (the `schema-registry` feature).
   */
  schemaRegistryUrl?: string;
  /**
   * Log users in (HTTP Basic credentials checked by a SASL login to the broker) and answer each call with that
   * user's clients; without it the console's own clients answer every call.
   */
  authentication?: ConsoleAuthentication;
  /** What the security pages offer: ACLs (an authorizer is configured), SCRAM users (a listener enables SCRAM). */
  security?: { acls: boolean; scramUsers: boolean };
}

/** A request to the console's server, with the session of its caller once it is known. */
export interface ConsoleRequest extends RestRequest {
  session: Session;
}

export interface ConsoleService {
  readonly urls: string[];
  close(): Promise<void>;
}

/**
 * Where the bundled front end (dist/console) is, seen from this module: compiled by tsc (dist/src/console/), in
 * the CLI bundle's code-split chunks (dist/chunks/), or in the bundle itself (dist/).
 */
function assetsDir(): string | undefined {
  const candidates = ['../../console/', '../console/', './console/'].map((rel) => new URL(rel, import.meta.url));
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export async function startConsoleService(opts: ConsoleOptions): Promise<ConsoleService> {
  const clientOpts = {
    bootstrapServers: opts.bootstrap,
    clientId: 'samsa-console',
    ...(opts.tls === undefined ? {} : { tls: opts.tls }),
  };
  const sampleMs = opts.sampleIntervalMs ?? 5000;
  const sessions = new SessionPool(clientOpts, opts.authentication, sampleMs, opts.logger);
  const router = new Router<ConsoleRequest>();
  addV3Routes(router, (r) => r.session.api);
  addConsoleRoutes(router, opts, sampleMs, sessions);

  const assets = assetsDir();
  if (assets === undefined)
    opts.logger.warn('the web console is not built (dist/console is missing): serving /v3 only');
  const cache = new Map<string, Buffer>();
  const serveFile = (res: ServerResponse, rel: string): boolean => {
    if (assets === undefined) return false;
    const file = normalize(join(assets, rel));
    if (!file.startsWith(assets)) return false;
    let body = cache.get(file);
    if (body === undefined) {
      if (!existsSync(file)) return false;
      body = readFileSync(file);
      cache.set(file, body);
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': rel === 'index.html' ? 'no-cache' : 'max-age=300',
    });
    res.end(body);
    return true;
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const r: RestRequest = { req, res, url, base: `http://${req.headers.host ?? 'localhost'}` };
    const path = url.pathname;
    if (path.startsWith(SERVICES_PREFIX)) {
      proxyToService(req, res, url, opts.features ?? []);
      return;
    }
    if (path.startsWith('/v3') || path.startsWith('/console/api/')) {
      const m = router.match(req.method ?? 'GET', path);
      if (m.kind === 'not-found') {
        sendError(res, notFound(`HTTP 404 Not Found: ${path}`));
        return;
      }
      if (m.kind === 'method-not-allowed') {
        res.setHeader('allow', m.allowed.join(', '));
        sendError(res, new RestError(405, 405, 'HTTP 405 Method Not Allowed'));
        return;
      }
      // The info call answers without credentials, so the front end knows it must ask for them.
      const open =
        path === '/console/api/info' && sessions.authentication !== undefined && !sessions.hasCredentials(req);
      (open ? Promise.resolve(undefined) : sessions.sessionFor(req))
        .then((session) => m.handler({ ...r, session: session as Session }, m.params))
        .then(
          (body) => {
            if (res.headersSent || res.writableEnded) return;
            if (body === null || body === undefined) {
              res.writeHead(res.statusCode === 200 ? 204 : res.statusCode).end();
            } else sendJson(res, res.statusCode, body);
          },
          (e: unknown) => {
            const err = restErrorOf(e);
            if (err.status >= 500) opts.logger.warn({ path, err: err.message }, 'REST request failed');
            // Browsers pop up their own dialog on this header: the console's front end (which asks itself) says who it is.
            if (err.status === 401 && req.headers['x-requested-with'] === undefined)
              res.setHeader('www-authenticate', 'Basic realm="samsa", charset="UTF-8"');
            sendError(res, err);
          },
        );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, notFound(`HTTP 404 Not Found: ${path}`));
      return;
    }
    if (path.startsWith('/assets/') && serveFile(res, path.slice(1))) return;
    if (serveFile(res, 'index.html')) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('the web console is not built; the API is at /v3\n');
  };

  const listeners: HttpListener[] = [];
  try {
    for (const e of opts.endpoints) listeners.push(await listenHttp(e, handler));
  } catch (err) {
    for (const l of listeners) await l.close();
    await sessions.close();
    throw err;
  }
  return {
    urls: listeners.map((l) => l.url),
    async close() {
      for (const l of listeners) await l.close();
      await sessions.close();
    },
  };
}

function addConsoleRoutes(
  router: Router<ConsoleRequest>,
  opts: ConsoleOptions,
  sampleMs: number,
  sessions: SessionPool,
): void {
  // The registry's client and serdes load on the first browse of a console that knows a registry.
  const registryUrl = opts.schemaRegistryUrl ?? opts.features?.find((f) => f.id === 'schema-registry')?.url;
  let decoder: Promise<SchemaDecoder | undefined> | undefined;
  const schemaDecoder = (): Promise<SchemaDecoder | undefined> => {
    if (registryUrl === undefined || registryUrl === '') return Promise.resolve(undefined);
    decoder ??= import('../client/schema-registry/index.js').then((m) => {
      const d = new m.SchemaRegistryDeserializer(new m.SchemaRegistryClient({ url: registryUrl, timeoutMs: 5000 }));
      return (bytes: Buffer) => d.toJson(bytes);
    });
    return decoder;
  };
  const base = '/console/api';
  router
    .add('GET', `${base}/info`, async (r) => {
      // Without credentials (when the console asks for them) only how to log in; with them, who logged in.
      const session = r.session as Session | undefined;
      return {
        cluster_id: session === undefined ? null : await session.api.clusterId(),
        features: session === undefined ? [] : (opts.features ?? []),
        sample_interval_ms: sampleMs,
        authentication: sessions.authentication === undefined ? 'none' : 'basic',
        principal: session?.principal ?? null,
        security: {
          acls: opts.security?.acls ?? false,
          scram_users: opts.security?.scramUsers ?? false,
        },
      };
    })
    .add('GET', `${base}/throughput`, (r) => r.session.sampler.snapshot())
    .add('GET', `${base}/overview`, (r) => overview(r.session.admin))
    .add('GET', `${base}/topics/:topic/partitions`, async (r, p) => {
      const admin = r.session.admin;
      const [t] = await admin.describeTopics([p['topic']!]);
      if (t === undefined) throw notFound(`Topic ${p['topic']} not found`);
      const tps = t.partitions.map((x) => ({ topic: t.name, partition: x.partition }));
      const [starts, ends] = await Promise.all([admin.listOffsets(tps, 'earliest'), admin.listOffsets(tps, 'latest')]);
      return {
        topic: t.name,
        partitions: t.partitions.map((x, i) => ({
          partition: x.partition,
          leader: x.leader,
          replicas: x.replicas,
          isr: x.isr,
          offline_replicas: x.offlineReplicas,
          earliest: starts[i]?.offset ?? -1,
          latest: ends[i]?.offset ?? -1,
        })),
      };
    })
    .add('GET', `${base}/topics/:topic/records`, async (r, p) => {
      const q = browseQuery(r.url, p['topic']!);
      return browse(r.session.admin, r.session.client, q, undefined, await schemaDecoder());
    })
    .add('GET', `${base}/topics/:topic/tail`, async (r, p) => {
      const filter = r.url.searchParams.get('filter') ?? undefined;
      await tail(r.session.admin, r.session.client, p['topic']!, filter, r.res, await schemaDecoder());
    })
    .add('GET', `${base}/groups/:group/lags`, async (r, p) => {
      const { group, rows } = await r.session.api.lagRows(p['group']!);
      return { group_id: group.groupId, state: group.state, rows };
    })
    .add('POST', `${base}/groups/:group/reset`, async (r, p) => {
      const body = await jsonBody(r);
      const to = body['to'];
      const spec = to === 'earliest' || to === 'latest' ? to : typeof to === 'number' && to >= 0 ? to : undefined;
      if (spec === undefined) throw badRequest('to must be earliest, latest or a timestamp in milliseconds');
      const topic = typeof body['topic'] === 'string' ? body['topic'] : undefined;
      const { rows } = await r.session.api.lagRows(p['group']!);
      const parts = rows
        .filter((x) => topic === undefined || x.topic === topic)
        .map((x) => ({ topic: x.topic, partition: x.partition }));
      if (parts.length === 0) throw badRequest('the group has no partitions to reset');
      const done = await r.session.admin.resetGroupOffsets(p['group']!, parts, spec);
      return { offsets: done.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })) };
    })
    .add('GET', `${base}/users`, async (r) => {
      const users = await r.session.admin.describeUserScramCredentials();
      return {
        users: users
          .map((u) => ({ name: u.user, credentials: u.credentials }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      };
    })
    .add('POST', `${base}/users`, async (r) => {
      const body = await jsonBody(r);
      const name = stringField(body, 'name');
      const password = stringField(body, 'password');
      const mechanism = (stringField(body, 'mechanism') ?? 'SCRAM-SHA-512').toUpperCase();
      const iterations = intField(body, 'iterations');
      if (name === undefined || name === '') throw badRequest('name is required');
      if (password === undefined || password === '') throw badRequest('password is required');
      if (mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512')
        throw badRequest('mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512');
      await r.session.admin.alterUserScramCredentials({
        upsertions: [{ user: name, mechanism, password, ...(iterations === undefined ? {} : { iterations }) }],
      });
      sessions.forget(name);
      r.res.statusCode = 201;
      return { name, mechanism };
    })
    .add('DELETE', `${base}/users/:user`, async (r, p) => {
      const user = p['user']!;
      const [found] = await r.session.admin.describeUserScramCredentials([user]);
      const deletions = (found?.credentials ?? []).map((c) => ({ user, mechanism: c.mechanism }));
      if (deletions.length === 0) throw notFound(`User ${user} has no SCRAM credentials`);
      await r.session.admin.alterUserScramCredentials({ deletions });
      sessions.forget(user);
      return null;
    })
    .add('DELETE', `${base}/groups/:group`, async (r, p) => {
      await r.session.admin.deleteGroups([p['group']!]);
      return null;
    });
}

/** The front page in one call: brokers, controller, and per topic its partitions and their health. */
async function overview(admin: Admin) {
  const cluster = await describeClusterOf(admin);
  const names = await admin.listTopics({ includeInternal: true });
  const infos = names.length > 0 ? await admin.describeTopics(names) : [];
  const sizes = await topicSizes(
    admin,
    infos,
    cluster.brokers.map((b) => b.nodeId),
  );
  const topics = infos.map((t) => ({
    name: t.name,
    size: sizes.get(t.name) ?? null,
    internal: t.isInternal,
    partitions: t.partitions.length,
    replication: t.partitions[0]?.replicas.length ?? 0,
    under_replicated: t.partitions.filter((p) => p.leader >= 0 && p.isr.length < p.replicas.length).length,
    offline: t.partitions.filter((p) => p.leader < 0).length,
  }));
  return {
    cluster_id: cluster.clusterId,
    controller: cluster.controllerId,
    brokers: cluster.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    topics,
    partitions: topics.reduce((n, t) => n + t.partitions, 0),
    under_replicated: topics.reduce((n, t) => n + t.under_replicated, 0),
    offline: topics.reduce((n, t) => n + t.offline, 0),
  };
}

/**
 * Bytes per topic: DescribeLogDirs of every broker, counting each partition on its leader only (replicas on other
 * brokers hold the same data). A broker that does not answer leaves its topics' sizes short rather than failing.
 */
async function topicSizes(admin: Admin, infos: TopicInfo[], brokers: number[]): Promise<Map<string, number>> {
  const leaders = new Map<string, number>();
  for (const t of infos) for (const p of t.partitions) leaders.set(`${t.name}\u0000${p.partition}`, p.leader);
  const sizes = new Map<string, number>();
  await Promise.all(
    brokers.map(async (node) => {
      const res = await admin.cluster.sendTo(node, DescribeLogDirs, { topics: null }).catch(() => undefined);
      for (const dir of res?.results ?? []) {
        for (const t of dir.topics) {
          for (const p of t.partitions) {
            if (p.isFutureKey || leaders.get(`${t.name}\u0000${p.partitionIndex}`) !== node) continue;
            sizes.set(t.name, (sizes.get(t.name) ?? 0) + Number(p.partitionSize));
          }
        }
      }
    }),
  );
  return sizes;
}

function browseQuery(url: URL, topic: string): BrowseQuery {
  const s = url.searchParams;
  const num = (name: string): number | undefined => {
    const v = s.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`${name} must be a non-negative integer`);
    return n;
  };
  const from = s.get('from') ?? 'newest';
  if (from !== 'beginning' && from !== 'newest' && from !== 'offset' && from !== 'timestamp')
    throw badRequest('from must be beginning, newest, offset or timestamp');
  const limit = Math.min(num('limit') ?? 50, 500);
  const q: BrowseQuery = { topic, from, limit };
  const partition = num('partition');
  if (partition !== undefined) q.partition = partition;
  const offset = num('offset');
  if (offset !== undefined) q.offset = offset;
  const timestamp = num('timestamp');
  if (timestamp !== undefined) q.timestamp = timestamp;
  const filter = s.get('filter');
  if (filter) q.filter = filter;
  return q;
}
