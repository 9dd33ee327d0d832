/**
 * The small HTTP toolkit the services share (schema registry, streaming SQL, metrics, console and REST Proxy):
 * listening on an `http://host:port` endpoint, a route table with `:param` segments, bounded request bodies, and
 * JSON responses. Each service keeps its own error body format; this file knows none of them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface HttpEndpoint {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

export interface HttpListener {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** The URL clients use, with the bound port (useful when the endpoint asked for port 0). */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on `endpoint`; `close` also ends kept-alive and streaming connections. */
export async function listenHttp(
  endpoint: HttpEndpoint,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<HttpListener> {
  if (endpoint.scheme !== 'http') throw new Error(`${endpoint.scheme}:// endpoints are not supported yet`);
  const server = createServer(handler);
  const host = endpoint.host === '' ? '0.0.0.0' : endpoint.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpoint.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : endpoint.port;
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    server,
    host,
    port,
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Thrown by `readBody` when a body is larger than allowed; services map it to their own 413 body. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads a whole request body, refusing (without buffering more) once it exceeds `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? -1);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** Writes `body` as JSON with the given status and content type. */
export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export type RouteParams = Record<string, string>;
export type RouteHandler<C> = (ctx: C, params: RouteParams) => unknown;

interface Route<C> {
  method: string;
  segments: string[];
  handler: RouteHandler<C>;
}

/**
 * Routes by method and path. Patterns are split on '/'; a segment `:name` matches one non-empty path segment
 * (percent-decoded), and a trailing `*name` matches the rest of the path. Routes match in the order added.
 */
export class Router<C> {
  private readonly routes: Array<Route<C>> = [];

  add(method: string, pattern: string, handler: RouteHandler<C>): this {
    this.routes.push({ method: method.toUpperCase(), segments: split(pattern), handler });
    return this;
  }

  /**
   * Finds the route for a request: `found` with the handler and params; `method-not-allowed` when the path matches
   * only other methods (with those methods, for an Allow header); `not-found` otherwise.
   */
  match(
    method: string,
    path: string,
  ):
    | { kind: 'found'; handler: RouteHandler<C>; params: RouteParams }
    | { kind: 'method-not-allowed'; allowed: string[] }
    | { kind: 'not-found' } {
    const parts = split(path);
    const allowed: string[] = [];
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (params === null) continue;
      if (r.method === method.toUpperCase()) return { kind: 'found', handler: r.handler, params };
      allowed.push(r.method);
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: string[], parts: string[]): RouteParams | null {
  const params: RouteParams = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith('*')) {
      params[p.slice(1)] = parts.slice(i).map(safeDecode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if (p.startsWith(':')) {
      const v = safeDecode(part);
      if (v === '') return null;
      params[p.slice(1)] = v;
    } else if (p !== part) return null;
  }
  return parts.length === pattern.length ? params : null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
