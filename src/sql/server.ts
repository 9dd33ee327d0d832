/**
 * ksqlDB's REST API over the SQL engine: /info, /healthcheck, /ksql, /query (chunked JSON), /query-stream
 * (newline-delimited or a JSON array), /close-query, /inserts-stream and /status, with ksqlDB's response and error
 * shapes. One port serves HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as ksqlDB's own clients speak it): the
 * first bytes of a connection tell which.
 */
import { createServer as createHttp1, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2 } from 'node:http2';
import { createServer as createNet, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { ClientSecurity } from '../client/index.js';
import { readBody, Router, sendJson, type HttpEndpoint } from '../http/server.js';
import { SqlEngine, type EngineLogger } from './engine.js';
import { SqlError } from './errors.js';
import { SqlParseError } from './parser.js';

export interface SqlServerOptions {
  bootstrap: string;
  /** TLS and SASL of the engine's Kafka clients, for a broker without a PLAINTEXT listener. */
  security?: ClientSecurity;
  endpoints: HttpEndpoint[];
  serviceId?: string;
  logger?: EngineLogger;
  properties?: Record<string, string>;
  /** ksql.schema.registry.url: the registry of the AVRO, PROTOBUF and JSON_SR formats. */
  schemaRegistryUrl?: string;
  /** Called instead of failing when an endpoint's port is taken (`samsa start` runs many brokers in tests). */
  onPortInUse?: (url: string) => void;
}

export interface SqlServer {
  engine: SqlEngine;
  urls: string[];
  close(): Promise<void>;
}

const VERSION = '0.29.0';
const MAX_BODY = 16 * 1024 * 1024;
const H2_PREFACE = 'PRI * HTTP/2.0';

type Req = IncomingMessage;
type Res = ServerResponse;

interface Ctx {
  req: Req;
  res: Res;
}

function errorBody(e: unknown, statementText?: string): { status: number; body: Record<string, unknown> } {
  if (e instanceof SqlParseError || e instanceof SqlError) {
    const code = e instanceof SqlError ? e.errorCode : 40001;
    return {
      status: code >= 50000 ? 500 : 400,
      body: {
        '@type': statementText !== undefined ? 'statement_error' : 'generic_error',
        error_code: code,
        message: e.message,
        ...(statementText !== undefined ? { statementText, entities: [] } : {}),
      },
    };
  }
  return {
    status: 500,
    body: { '@type': 'generic_error', error_code: 50000, message: (e as Error).message ?? String(e) },
  };
}

async function jsonBody(req: Req): Promise<Record<string, any>> {
  const raw = await readBody(req, MAX_BODY);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SqlError('Invalid JSON in request body', 40000);
  }
}

export async function startSqlServer(opts: SqlServerOptions): Promise<SqlServer> {
  const engine = new SqlEngine({
    bootstrap: opts.bootstrap,
    ...(opts.security === undefined ? {} : { security: opts.security }),
    serviceId: opts.serviceId,
    logger: opts.logger,
    properties: opts.properties,
    schemaRegistryUrl: opts.schemaRegistryUrl,
  });
  await engine.start();
  const router = new Router<Ctx>();

  router.add('GET', '/info', ({ res }) =>
    sendJson(res, 200, {
      KsqlServerInfo: {
        version: VERSION,
        kafkaClusterId: engine.kafkaClusterId,
        ksqlServiceId: engine.serviceId,
        serverStatus: 'RUNNING',
      },
    }),
  );
  router.add('GET', '/healthcheck', ({ res }) =>
    sendJson(res, 200, {
      isHealthy: true,
      details: { metastore: { isHealthy: true }, kafka: { isHealthy: true }, commandRunner: { isHealthy: true } },
    }),
  );
  router.add('GET', '/status', ({ res }) => {
    const commandStatuses: Record<string, string> = {};
    for (const q of engine.persistentQueries())
      commandStatuses[`stream/\`${q.sink}\`/create`] = q.state === 'RUNNING' ? 'SUCCESS' : 'ERROR';
    sendJson(res, 200, { commandStatuses });
  });
  router.add('GET', '/status/:type/:entity/:action', ({ res }) =>
    sendJson(res, 200, { status: 'SUCCESS', message: 'Executed' }),
  );
  router.add('GET', '/clusterStatus', ({ res }) => sendJson(res, 200, { clusterStatus: {} }));
  router.add('POST', '/ksql', async ({ req, res }) => {
    const body = await jsonBody(req);
    const text = String(body.ksql ?? '');
    try {
      const entities = await engine.execute(text, stringProps(body.streamsProperties));
      sendJson(res, 200, entities, 'application/vnd.ksql.v1+json');
    } catch (e) {
      const { status, body: err } = errorBody(e, text);
      sendJson(res, status, err, 'application/vnd.ksql.v1+json');
    }
  });
  router.add('POST', '/query', async ({ req, res }) => {
    const body = await jsonBody(req);
    const text = String(body.ksql ?? '');
    let first = true;
    let started = false;
    const write = (s: string) => res.write(s);
    try {
      const handle = await engine.query(text, stringProps(body.streamsProperties), (values) => {
        write(`${first ? '' : ',\n'}${JSON.stringify({ row: { columns: values } })}`);
        first = false;
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      started = true;
      write(`[${JSON.stringify({ header: { queryId: handle.id, schema: handle.schema } })}`);
      first = false;
      res.on('close', () => void handle.close());
      await handle.done;
      write(']\n');
      res.end();
    } catch (e) {
      if (started) return void res.end(']');
      const { status, body: err } = errorBody(e, text);
      sendJson(res, status, err);
    }
  });
  router.add('POST', '/query-stream', async ({ req, res }) => {
    const body = await jsonBody(req);
    const text = String(body.sql ?? body.ksql ?? '');
    const delimited = String(req.headers.accept ?? '').includes('delimited');
    const buffered: string[] = [];
    let live = false;
    const emit = (line: string) => {
      if (!live) buffered.push(line);
      else res.write(delimited ? `${line}\n` : `,${line}`);
    };
    try {
      const handle = await engine.query(text, stringProps(body.properties ?? body.streamsProperties), (values) =>
        emit(JSON.stringify(values)),
      );
      res.writeHead(200, { 'content-type': delimited ? 'application/vnd.ksqlapi.delimited.v1' : 'application/json' });
      const header = JSON.stringify({
        queryId: handle.id,
        columnNames: handle.columnNames,
        columnTypes: handle.columnTypes,
      });
      if (delimited) {
        res.write(`${header}\n`);
        for (const l of buffered) res.write(`${l}\n`);
      } else {
        res.write(`[${header}`);
        for (const l of buffered) res.write(`,${l}`);
      }
      live = true;
      res.on('close', () => void handle.close());
      await handle.done;
      res.end(delimited ? '' : ']');
    } catch (e) {
      const { status, body: err } = errorBody(e);
      if (res.headersSent) return void res.end();
      sendJson(res, status, err);
    }
  });
  router.add('POST', '/close-query', async ({ req, res }) => {
    const body = await jsonBody(req);
    const ok = await engine.closeQuery(String(body.queryId ?? ''));
    if (ok) {
      res.writeHead(200);
      res.end();
    } else
      sendJson(res, 400, { '@type': 'generic_error', error_code: 40004, message: `No query with id ${body.queryId}` });
  });
  router.add('POST', '/inserts-stream', async ({ req, res }) => {
    const raw = (await readBody(req, MAX_BODY)).toString('utf8');
    const lines = raw.split('\n').filter((l) => l.trim() !== '');
    const json = !String(req.headers.accept ?? '').includes('delimited');
    const acks: string[] = [];
    try {
      const target = JSON.parse(lines[0] ?? '{}') as { target?: string };
      const ds = engine.meta.get(String(target.target ?? '').toUpperCase());
      let seq = 0;
      for (const l of lines.slice(1)) {
        try {
          await engine.insertRow(ds, JSON.parse(l));
          acks.push(JSON.stringify({ status: 'ok', seq }));
        } catch (e) {
          acks.push(JSON.stringify({ status: 'error', seq, error_code: 40000, message: (e as Error).message }));
        }
        seq++;
      }
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/vnd.ksqlapi.delimited.v1' });
      res.end(json ? `[${acks.join(',')}]` : acks.map((a) => `${a}\n`).join(''));
    } catch (e) {
      const { status, body: err } = errorBody(e);
      sendJson(res, status, err);
    }
  });

  const handler = (req: Req, res: Res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = router.match(req.method ?? 'GET', url.pathname);
    if (m.kind !== 'found') {
      sendJson(res, m.kind === 'not-found' ? 404 : 405, {
        '@type': 'generic_error',
        error_code: m.kind === 'not-found' ? 40400 : 40500,
        message: m.kind === 'not-found' ? 'Not found' : 'Method not allowed',
      });
      return;
    }
    Promise.resolve(m.handler({ req, res }, m.params)).catch((e: unknown) => {
      const { status, body } = errorBody(e);
      if (!res.headersSent) sendJson(res, status, body);
      else res.end();
    });
  };
  const h1 = createHttp1(handler);
  const h2 = createHttp2({}, handler as never);
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const urls: string[] = [];
  for (const ep of opts.endpoints) {
    const net = createNet((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.once('data', (chunk: Buffer) => {
        socket.pause();
        if (chunk.toString('latin1', 0, H2_PREFACE.length) === H2_PREFACE) {
          // HTTP/2 reads the socket's native handle, past what was unshifted, so it gets a stream that replays.
          h2.emit('connection', replayingStream(socket, chunk));
        } else {
          socket.unshift(chunk);
          h1.emit('connection', socket);
          socket.resume();
        }
      });
    });
    const host = ep.host === '' ? '0.0.0.0' : ep.host;
    try {
      await new Promise<void>((resolve, reject) => {
        net.once('error', reject);
        net.listen(ep.port, host, () => {
          net.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && opts.onPortInUse) {
        opts.onPortInUse(`http://${host}:${ep.port}`);
        continue;
      }
      await engine.close();
      throw e;
    }
    servers.push(net);
    const addr = net.address();
    const port = addr && typeof addr === 'object' ? addr.port : ep.port;
    urls.push(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`);
  }
  return {
    engine,
    urls,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      h1.close();
      h2.close();
      await engine.close();
    },
  };
}

/** A duplex over `socket` that first yields `first` (bytes already read from it). */
function replayingStream(socket: Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  d.push(first);
  socket.on('data', (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('error', (e) => d.destroy(e));
  socket.on('close', () => d.destroy());
  return d;
}

function stringProps(p: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (p && typeof p === 'object') for (const [k, v] of Object.entries(p)) out[k] = String(v);
  return out;
}
