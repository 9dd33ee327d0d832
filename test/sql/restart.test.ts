/**
 * Persistent queries survive kill -9 of the broker process: statements come back from the command topic, the
 * aggregation's state from its changelog topic, and consumption resumes from the committed offsets, so counts over
 * input produced before and after the crash are exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdmin, createProducer } from '../../src/client/index.js';
import { requireClient } from '../helpers/clients.js';
import { kcatRecords } from './helpers.js';
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

test('join state survives kill -9: stream-stream windows and table-table rows come back from the changelog', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const sqlPort = await freePort();
  const url = `http://127.0.0.1:${sqlPort}`;
  const config = { 'ksql.listeners': url, 'num.partitions': '2' };
  let proc: BrokerProcess | undefined = await startBrokerProcess({ config });
  const dataDir = proc.dataDir;
  const port = proc.port;
  const BASE = Date.UTC(2026, 0, 1);
  const MIN = 60_000;
  try {
    await waitFor('the SQL API', async () => ((await fetch(`${url}/info`)).ok ? true : undefined));
    const bootstrap = proc.bootstrap;
    const send = async (topic: string, key: string | null, value: unknown, timestamp?: number) => {
      const p = createProducer({ bootstrapServers: bootstrap });
      await p.send({
        topic,
        key,
        value: value === null ? null : JSON.stringify(value),
        ...(timestamp ? { timestamp } : {}),
      });
      await p.close();
    };
    for (let i = 1; i <= 6; i++) await send('orders', String(i), { id: i, total: i * 100 }, BASE + i * MIN);
    for (let i = 1; i <= 3; i++)
      await send('shipments', null, { order_id: i, warehouse: `W${i}` }, BASE + (i + 5) * MIN);
    await send('users', 'u1', { name: 'Ann' });
    await send('users', 'u2', { name: 'Bob' });
    await send('profiles', 'u1', { city: 'Paris' });
    await send('profiles', 'u2', { city: 'Rome' });
    const created = await post(url, '/ksql', {
      ksql: `CREATE STREAM orders (id INT, total INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
             CREATE STREAM shipments (order_id INT, warehouse VARCHAR) WITH (KAFKA_TOPIC='shipments', VALUE_FORMAT='JSON');
             CREATE TABLE users (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
             CREATE TABLE profiles (id VARCHAR PRIMARY KEY, city VARCHAR) WITH (KAFKA_TOPIC='profiles', VALUE_FORMAT='JSON');
             CREATE STREAM shipped AS SELECT o.id AS id, o.total AS total, s.warehouse AS warehouse
               FROM orders o JOIN shipments s WITHIN 1 HOURS ON o.id = s.order_id EMIT CHANGES;
             CREATE TABLE user_cities AS SELECT u.id AS id, name, city FROM users u JOIN profiles p ON u.id = p.id;`,
      streamsProperties: { 'auto.offset.reset': 'earliest' },
    });
    const shippedId = created[4].commandStatus.queryId as string;
    const citiesId = created[5].commandStatus.queryId as string;
    const shipped = async () =>
      (await kcatRecords(bootstrap, 'SHIPPED')).map((r) => JSON.parse(r.value!.toString('utf8')).WAREHOUSE).sort();
    await waitFor('three joined shipments', async () => ((await shipped()).length >= 3 ? true : undefined));
    await waitFor('two joined users', async () =>
      (await kcatRecords(bootstrap, 'USER_CITIES')).length >= 2 ? true : undefined,
    );
    // Everything consumed and committed (the orders 4..6 sit in the join window) before the crash.
    const admin = createAdmin({ bootstrapServers: bootstrap });
    const ends = async (topic: string) =>
      (await admin.listOffsets([0, 1].map((partition) => ({ topic, partition, timestamp: -1 })))).reduce(
        (a, e) => a + e.offset,
        0,
      );
    const committed = async (id: string, topics: string[]) =>
      (await admin.listGroupOffsets(`_confluent-ksql-default_query_${id}`))
        .filter((o) => topics.includes(o.topic))
        .reduce((a, o) => a + Math.max(0, o.offset), 0);
    const inputs = async (topics: string[]) => {
      let n = 0;
      for (const x of topics) n += await ends(x);
      return n;
    };
    await waitFor('the joins committed', async () =>
      (await committed(shippedId, ['orders', 'shipments'])) === (await inputs(['orders', 'shipments'])) &&
      (await committed(citiesId, ['users', 'profiles'])) === (await inputs(['users', 'profiles']))
        ? true
        : undefined,
    );
    admin.close();
    const citiesBefore = (await kcatRecords(bootstrap, 'USER_CITIES')).length;

    proc.kill('SIGKILL');
    await proc.exited;
    proc = await startBrokerProcess({ config, dataDir, port });
    await waitFor('the SQL API after restart', async () => ((await fetch(`${url}/info`)).ok ? true : undefined));

    // Shipments of the orders consumed before the crash join them: the window came back.
    for (let i = 4; i <= 6; i++)
      await send('shipments', null, { order_id: i, warehouse: `W${i}` }, BASE + (i + 5) * MIN);
    await waitFor('six joined shipments', async () => ((await shipped()).length >= 6 ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await shipped(), ['W1', 'W2', 'W3', 'W4', 'W5', 'W6']);

    // A profile change joins the user row read before the crash; nothing is re-emitted.
    await send('profiles', 'u1', { city: 'Lyon' });
    await waitFor('the changed join row', async () =>
      (await kcatRecords(bootstrap, 'USER_CITIES')).length > citiesBefore ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 500));
    const rows = await kcatRecords(bootstrap, 'USER_CITIES');
    assert.equal(rows.length, citiesBefore + 1);
    const last = rows[rows.length - 1]!;
    assert.equal(last.key!.toString(), 'u1');
    assert.deepEqual(JSON.parse(last.value!.toString('utf8')), { NAME: 'Ann', CITY: 'Lyon' });
  } finally {
    await proc?.cleanup();
  }
});
