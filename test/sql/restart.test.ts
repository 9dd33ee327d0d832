/**
 * Persistent queries survive kill -9 of the broker process: statements come back from the command topic, the
 * aggregation's state from its changelog topic, and consumption resumes from the committed offsets, so counts over
 * input produced before and after the crash are exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProducer } from '../../src/client/index.js';
import { freePort, startBrokerProcess, type BrokerProcess } from '../helpers/broker.js';

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function post(url: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function produce(bootstrap: string, from: number, to: number): Promise<void> {
  const p = createProducer({ bootstrapServers: bootstrap });
  for (let i = from; i < to; i++) {
    p.produce({ topic: 'clicks', key: `u${i % 5}`, value: JSON.stringify({ page: `p${i % 4}`, n: i }) });
  }
  await p.flush();
  await p.close();
}

function expected(total: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < total; i++) out[`p${i % 4}`] = (out[`p${i % 4}`] ?? 0) + 1;
  return out;
}

async function counts(url: string): Promise<Record<string, number>> {
  const rows = await post(url, '/query-stream', { sql: 'SELECT page, n FROM per_page;' });
  const out: Record<string, number> = {};
  for (const [page, n] of rows.slice(1)) out[page] = n;
  return out;
}

test('persistent queries resume after kill -9 with exact counts', async () => {
  const sqlPort = await freePort();
  const url = `http://127.0.0.1:${sqlPort}`;
  const config = { 'ksql.listeners': url, 'num.partitions': '2' };
  let proc: BrokerProcess | undefined = await startBrokerProcess({ config });
  const dataDir = proc.dataDir;
  const port = proc.port;
  try {
    await waitFor('the SQL API', async () => ((await fetch(`${url}/info`)).ok ? true : undefined));
    await produce(proc.bootstrap, 0, 200);
    await post(url, '/ksql', {
      ksql: `CREATE STREAM clicks (user VARCHAR KEY, page VARCHAR, n INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
             CREATE TABLE per_page AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page EMIT CHANGES;`,
      streamsProperties: { 'auto.offset.reset': 'earliest' },
    });
    await waitFor('counts before the crash', async () => {
      const c = await counts(url);
      return JSON.stringify(c) === JSON.stringify(expected(200)) ? c : undefined;
    });

    proc.kill('SIGKILL');
    await proc.exited;
    proc = await startBrokerProcess({ config, dataDir, port });
    await waitFor('the SQL API after restart', async () => ((await fetch(`${url}/info`)).ok ? true : undefined));
    const shown = await post(url, '/ksql', { ksql: 'SHOW QUERIES;' });
    assert.equal(shown[0].queries.length, 1);
    assert.match(shown[0].queries[0].id, /^CTAS_PER_PAGE_/);

    await produce(proc.bootstrap, 200, 500);
    const after = await waitFor('counts after the restart', async () => {
      const c = await counts(url);
      return Object.values(c).reduce((a, b) => a + b, 0) >= 500 ? c : undefined;
    });
    assert.deepEqual(after, expected(500));
  } finally {
    await proc?.cleanup();
  }
});
