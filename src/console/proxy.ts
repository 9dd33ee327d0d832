/**
 * The console's way to the other HTTP services of its process (schema registry, streaming SQL): the front end
 * calls `/console/api/services/{id}/{path}` on the console's own origin and the console forwards the request to
 * the service, streaming both ways, so a push query's rows reach the browser as the SQL service writes them and
 * closing the page closes the query. The `authorization` header passes through unchanged, so a service that
 * checks credentials sees the ones the browser sent.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as requestTls } from 'node:https';
import { notFound, RestError, sendError } from './rest/http.js';
import type { ConsoleFeature } from './service.js';

export const SERVICES_PREFIX = '/console/api/services/';

/** Request headers passed on to the service; the rest (cookies, hop-by-hop headers) stay behind. */
const FORWARDED = ['content-type', 'content-length', 'transfer-encoding', 'accept', 'authorization'];

/**
 * Forwards `req` (whose path starts with SERVICES_PREFIX) to the feature it names. Unknown services are 404, a
 * service without a listener or one that does not answer is 502, both in the REST Proxy's error format.
 */
export function proxyToService(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  features: readonly ConsoleFeature[],
): void {
  const rest = url.pathname.slice(SERVICES_PREFIX.length);
  const slash = rest.indexOf('/');
  const id = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  const feature = features.find((f) => f.id === id);
  if (feature === undefined) {
    sendError(res, notFound(`No service ${id} runs in this process`));
    return;
  }
  if (feature.url === '') {
    sendError(res, new RestError(502, 502, `The ${id} service has no listener`));
    return;
  }
  const target = new URL(`${slash < 0 ? '/' : rest.slice(slash)}${url.search}`, feature.url);
  const headers: Record<string, string | string[]> = {};
  for (const name of FORWARDED) {
    const v = req.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  const upstream = (target.protocol === 'https:' ? requestTls : request)(
    target,
    { method: req.method, headers },
    (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const name of ['content-type', 'content-length', 'transfer-encoding', 'www-authenticate']) {
        const v = answer.headers[name];
        if (v !== undefined) out[name] = v;
      }
      res.writeHead(answer.statusCode ?? 502, out);
      // Rows of a push query go out as soon as the service writes them.
      res.flushHeaders();
      answer.pipe(res);
    },
  );
  upstream.on('error', (e) => {
    if (!res.headersSent) sendError(res, new RestError(502, 502, `The ${id} service did not answer: ${e.message}`));
    else res.destroy();
  });
  // The browser went away (a stopped push query, a closed page): the service's request goes with it.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
