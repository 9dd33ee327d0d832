/**
 * The console's way to the other HTTP services of its process (/console/api/services/{id}/...): the request goes
 * to the service with its method, path, query, body and credentials (cookies stay behind), the answer comes back
 * chunk by chunk as the service writes it, a browser that goes away closes the service's request, and a service
 * that is not there or does not answer gets the REST Proxy's error body.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { startConsoleService, type ConsoleService } from '../../src/console/service.js';
import { freePort, startTestBroker, type TestBroker } from '../helpers/broker.js';

let tb: TestBroker;
let service: Server;
let console_: ConsoleService;
let base: string;
/** What the service saw of each request, and whether its answer's connection closed early. */
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
let closedEarly: () => void = () => {};

before(async () => {
  tb = await startTestBroker();
  service = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/stream') {
        // One line now, the next only when the test says so: the first must reach the client before.
        res.writeHead(200, { 'content-type': 'application/vnd.ksqlapi.delimited.v1' });
        res.write('{"first":true}\n');
        res.on('close', () => {
          if (!res.writableFinished) closedEarly();
        });
        return;
      }
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'set-cookie': 'x=y' });
      res.end(JSON.stringify({ error_code: req.url === '/missing' ? 40401 : 0, message: 'from the service' }));
    });
  });
  await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
  const port = (service.address() as { port: number }).port;
  console_ = await startConsoleService({
    bootstrap: tb.bootstrap,
    endpoints: [{ scheme: 'http', host: '127.0.0.1', port: 0 }],
    logger: { info() {}, warn() {}, error() {} },
    features: [
      { id: 'echo', title: 'echo', url: `http://127.0.0.1:${port}` },
      { id: 'gone', title: 'gone', url: `http://127.0.0.1:${await freePort()}` },
      { id: 'unbound', title: 'unbound', url: '' },
    ],
  });
  base = console_.urls[0]!;
});

after(async () => {
  await console_?.close();
  service?.closeAllConnections();
  await new Promise((r) => service?.close(r));
  await tb?.stop();
});

test('requests reach the service with their credentials and answers come back unchanged', async () => {
  const res = await fetch(`${base}/console/api/services/echo/subjects/a%2Fb/versions?deleted=true`, {
    method: 'POST',
    headers: {
      'content-type': 'application/vnd.schemaregistry.v1+json',
      authorization: 'Basic YWxpY2U6c2VjcmV0',
      cookie: 'session=1',
    },
    body: '{"schema":"\\"string\\""}',
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('set-cookie'), null);
  assert.deepEqual(await res.json(), { error_code: 0, message: 'from the service' });
  const got = seen.at(-1)!;
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/subjects/a%2Fb/versions?deleted=true');
  assert.equal(got.body, '{"schema":"\\"string\\""}');
  assert.equal(got.headers['authorization'], 'Basic YWxpY2U6c2VjcmV0');
  assert.equal(got.headers['content-type'], 'application/vnd.schemaregistry.v1+json');
  assert.equal(got.headers['cookie'], undefined);

  // The service's own error status and body pass through.
  const missing = await fetch(`${base}/console/api/services/echo/missing`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error_code: 40401, message: 'from the service' });
});

test('a streamed answer arrives as it is written; the client going away closes the service request', async () => {
  const closed = new Promise<void>((r) => {
    closedEarly = r;
  });
  const abort = new AbortController();
  const res = await fetch(`${base}/console/api/services/echo/stream`, {
    method: 'POST',
    body: '{}',
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.equal(Buffer.from(first.value!).toString(), '{"first":true}\n');
  abort.abort();
  await closed;
});

test('unknown, unbound and unreachable services answer with the REST error body', async () => {
  const unknown = await fetch(`${base}/console/api/services/nothing/x`);
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { error_code: 404, message: 'No service nothing runs in this process' });
  const unbound = await fetch(`${base}/console/api/services/unbound/x`);
  assert.equal(unbound.status, 502);
  assert.equal(((await unbound.json()) as { error_code: number }).error_code, 502);
  const gone = await fetch(`${base}/console/api/services/gone/x`);
  assert.equal(gone.status, 502);
  assert.match(((await gone.json()) as { message: string }).message, /^The gone service did not answer: /);
});
