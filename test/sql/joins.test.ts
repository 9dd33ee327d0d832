/**
 * Joins through the REST API, results read with kcat: stream-stream joins WITHIN a time difference (INNER, LEFT
 * and FULL OUTER, the outer ones with a GRACE PERIOD emitting unmatched records once their window has closed), and
 * table-table joins on the primary key (INNER, LEFT, FULL OUTER, with deletions) and on a foreign key (INNER, LEFT),
 * against results reasoned out here from ksqlDB's documented join semantics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdmin, createProducer } from '../../src/client/index.js';
import { startSqlServer, type SqlServer } from '../../src/sql/server.js';
import { startTestBroker } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { kcatRecords, ksql, ksqlRefused, waitFor } from './helpers.js';

const MIN = 60_000;
const BASE = Date.UTC(2026, 0, 1);
const endpoints = [{ scheme: 'http' as const, host: '127.0.0.1', port: 0 }];

/** The values of a stream's records, as sorted JSON texts. */
async function values(bootstrap: string, topic: string): Promise<string[]> {
  return (await kcatRecords(bootstrap, topic)).map((r) => r.value!.toString('utf8')).sort();
}

/** A table's latest value per key (tombstones delete), keys as text. */
async function tableState(bootstrap: string, topic: string): Promise<Map<string, unknown>> {
  const m = new Map<string, unknown>();
  for (const r of await kcatRecords(bootstrap, topic)) {
    const k = r.key!.toString('utf8');
    if (r.value === null) m.delete(k);
    else m.set(k, JSON.parse(r.value.toString('utf8')));
  }
  return m;
}

const sorted = (m: Map<string, unknown>) => new Map([...m].sort(([a], [b]) => a.localeCompare(b)));

test('stream-stream joins WITHIN: inner, left and full outer', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const broker = await startTestBroker();
  let sql: SqlServer | undefined;
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    const producer = createProducer({ bootstrapServers: bootstrap });
    const orders: Array<[number, number, number]> = [
      [1, 0, 100],
      [2, 10, 200],
      [3, 20, 300],
      [4, 30, 400],
    ]; // id, minute, total
    const shipments: Array<[number, number, string]> = [
      [1, 30, 'W1'], // 30 min after order 1: within the hour
      [2, 120, 'W2'], // 110 min after order 2: too late
      [3, 19, 'W3'], // a minute before order 3: within the hour either way
      [5, 40, 'W5'], // no such order
    ];
    for (const [id, m, total] of orders)
      await producer.send({
        topic: 'orders',
        key: String(id),
        value: JSON.stringify({ id, total }),
        timestamp: BASE + m * MIN,
      });
    for (const [id, m, w] of shipments)
      await producer.send({
        topic: 'shipments',
        value: JSON.stringify({ order_id: id, warehouse: w }),
        timestamp: BASE + m * MIN,
      });

    sql = await startSqlServer({ bootstrap, endpoints });
    const url = sql.urls[0]!;
    // /info names the Kafka cluster the engine runs on (DescribeCluster's cluster id).
    const admin = createAdmin({ bootstrapServers: bootstrap });
    const clusterId = (await admin.describeCluster()).clusterId;
    admin.close();
    assert.ok(clusterId);
    const info = (await (await fetch(`${url}/info`)).json()) as { KsqlServerInfo: { kafkaClusterId: string } };
    assert.equal(info.KsqlServerInfo.kafkaClusterId, clusterId);
    const props = { 'auto.offset.reset': 'earliest' };
    await ksql(
      url,
      `CREATE STREAM orders (id INT, total INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
       CREATE STREAM shipments (order_id INT, warehouse VARCHAR) WITH (KAFKA_TOPIC='shipments', VALUE_FORMAT='JSON');
       CREATE STREAM shipped AS SELECT o.id AS id, o.total AS total, s.warehouse AS warehouse
         FROM orders o INNER JOIN shipments s WITHIN 1 HOURS ON o.id = s.order_id EMIT CHANGES;
       CREATE STREAM maybe_shipped AS SELECT o.id AS id, s.warehouse AS warehouse
         FROM orders o LEFT JOIN shipments s WITHIN 1 HOURS GRACE PERIOD 1 DAY ON o.id = s.order_id EMIT CHANGES;
       CREATE STREAM by_shipment AS SELECT s.order_id AS shipped_id, o.total AS total, s.warehouse AS warehouse
         FROM orders o RIGHT JOIN shipments s WITHIN 1 HOURS GRACE PERIOD 1 DAY ON o.id = s.order_id EMIT CHANGES;
       CREATE STREAM all_events AS SELECT o.id AS id, s.order_id AS shipped_id, s.warehouse AS warehouse
         FROM orders o FULL OUTER JOIN shipments s WITHIN 1 HOURS GRACE PERIOD 1 DAY ON o.id = s.order_id EMIT CHANGES;`,
      props,
    );
    const inner = ['{"TOTAL":100,"WAREHOUSE":"W1"}', '{"TOTAL":300,"WAREHOUSE":"W3"}'];
    await waitFor('the inner join', async () => ((await values(bootstrap, 'SHIPPED')).length >= 2 ? true : undefined));
    assert.deepEqual(await values(bootstrap, 'SHIPPED'), inner);
    const innerKeys = (await kcatRecords(bootstrap, 'SHIPPED')).map((r) => r.key!.readInt32BE(0)).sort();
    assert.deepEqual(innerKeys, [1, 3], 'keyed by the join expression');

    // Within the grace period the outer joins hold back unmatched records (no spurious results).
    await waitFor('the matched left rows', async () =>
      (await values(bootstrap, 'MAYBE_SHIPPED')).length >= 2 ? true : undefined,
    );
    assert.deepEqual(await values(bootstrap, 'MAYBE_SHIPPED'), ['{"WAREHOUSE":"W1"}', '{"WAREHOUSE":"W3"}']);
    // A shipment two days later moves stream time past every window plus grace: the unmatched ones come out.
    const p2 = createProducer({ bootstrapServers: bootstrap });
    await p2.send({
      topic: 'shipments',
      value: JSON.stringify({ order_id: 99, warehouse: 'W99' }),
      timestamp: BASE + 2 * 24 * 60 * MIN,
    });
    await p2.close();
    await producer.close();
    await waitFor('the unmatched left rows', async () =>
      (await values(bootstrap, 'MAYBE_SHIPPED')).length >= 4 ? true : undefined,
    );
    const left = await kcatRecords(bootstrap, 'MAYBE_SHIPPED');
    assert.deepEqual(left.map((r) => [r.key!.readInt32BE(0), JSON.parse(r.value!.toString('utf8')).WAREHOUSE]).sort(), [
      [1, 'W1'],
      [2, null],
      [3, 'W3'],
      [4, null],
    ]);
    await waitFor('the full outer join', async () =>
      (await values(bootstrap, 'ALL_EVENTS')).length >= 6 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    const full = (await kcatRecords(bootstrap, 'ALL_EVENTS')).map((r) => {
      const v = JSON.parse(r.value!.toString('utf8'));
      return [r.key === null ? null : r.key.readInt32BE(0), v.SHIPPED_ID, v.WAREHOUSE];
    });
    assert.deepEqual(
      full.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [
        [1, 1, 'W1'],
        [2, null, null],
        [3, 3, 'W3'],
        [4, null, null],
        [null, 2, 'W2'],
        [null, 5, 'W5'],
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    // RIGHT: every shipment, the unmatched ones (2 too late, 5 without an order) once their windows closed; the
    // shipment two days later is still within its window plus grace.
    await waitFor('the right join', async () =>
      (await values(bootstrap, 'BY_SHIPMENT')).length >= 4 ? true : undefined,
    );
    const right = (await kcatRecords(bootstrap, 'BY_SHIPMENT')).map((r) => {
      const v = JSON.parse(r.value!.toString('utf8'));
      return [r.key!.readInt32BE(0), v.TOTAL, v.WAREHOUSE];
    });
    assert.deepEqual(
      right.sort((a, b) => a[0] - b[0]),
      [
        [1, 100, 'W1'],
        [2, null, 'W2'],
        [3, 300, 'W3'],
        [5, null, 'W5'],
      ],
    );
    // Stream-stream joins need WITHIN.
    assert.match(
      await ksqlRefused(url, 'CREATE STREAM x AS SELECT * FROM orders o JOIN shipments s ON o.id = s.order_id;'),
      /WITHIN clause/,
    );
  } finally {
    await sql?.close();
    await broker.stop();
  }
});

test('table-table joins on the primary key and on a foreign key', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const broker = await startTestBroker();
  let sql: SqlServer | undefined;
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    const producer = createProducer({ bootstrapServers: bootstrap });
    const put = (topic: string, key: string, value: unknown) =>
      producer.send({ topic, key, value: value === null ? null : JSON.stringify(value) });
    await put('users', 'u1', { name: 'Ann' });
    await put('users', 'u2', { name: 'Bob' });
    await put('users', 'u3', { name: 'Cid' });
    await put('profiles', 'u1', { city: 'Paris' });
    await put('profiles', 'u3', { city: 'Rome' });
    await put('profiles', 'u4', { city: 'Oslo' });
    await put('customers', 'c1', { name: 'Ann' });
    await put('customers', 'c2', { name: 'Bob' });
    await put('orders', 'o1', { customer_id: 'c1', amount: 10 });
    await put('orders', 'o2', { customer_id: 'c2', amount: 20 });
    await put('orders', 'o3', { customer_id: 'c9', amount: 30 });

    sql = await startSqlServer({ bootstrap, endpoints });
    const url = sql.urls[0]!;
    const props = { 'auto.offset.reset': 'earliest' };
    await ksql(
      url,
      `CREATE TABLE users (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
       CREATE TABLE profiles (id VARCHAR PRIMARY KEY, city VARCHAR) WITH (KAFKA_TOPIC='profiles', VALUE_FORMAT='JSON');
       CREATE TABLE customers (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (KAFKA_TOPIC='customers', VALUE_FORMAT='JSON');
       CREATE TABLE orders (id VARCHAR PRIMARY KEY, customer_id VARCHAR, amount INT)
         WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
       CREATE TABLE users_inner AS SELECT u.id AS id, name, city FROM users u JOIN profiles p ON u.id = p.id;
       CREATE TABLE users_left AS SELECT u.id AS id, name, city FROM users u LEFT JOIN profiles p ON u.id = p.id;
       CREATE TABLE users_full AS SELECT u.id AS id, name, city FROM users u FULL OUTER JOIN profiles p ON u.id = p.id;
       CREATE TABLE users_right AS SELECT u.id AS id, name, city FROM users u RIGHT JOIN profiles p ON u.id = p.id;
       CREATE TABLE orders_inner AS SELECT o.id AS id, amount, c.name AS customer
         FROM orders o JOIN customers c ON o.customer_id = c.id;
       CREATE TABLE orders_left AS SELECT o.id AS id, amount, c.name AS customer
         FROM orders o LEFT JOIN customers c ON o.customer_id = c.id;`,
      props,
    );
    // Changes after the queries started: a profile and a user deleted, a customer renamed.
    await waitFor('the first join results', async () =>
      (await tableState(bootstrap, 'USERS_FULL')).size >= 4 ? true : undefined,
    );
    await put('profiles', 'u3', null);
    await put('users', 'u2', null);
    await put('customers', 'c2', { name: 'Bobby' });
    await producer.close();

    const expectations: Array<[string, Map<string, unknown>]> = [
      ['USERS_INNER', new Map([['u1', { NAME: 'Ann', CITY: 'Paris' }]])],
      [
        'USERS_LEFT',
        new Map([
          ['u1', { NAME: 'Ann', CITY: 'Paris' }],
          ['u3', { NAME: 'Cid', CITY: null }],
        ]),
      ],
      [
        'USERS_FULL',
        new Map([
          ['u1', { NAME: 'Ann', CITY: 'Paris' }],
          ['u3', { NAME: 'Cid', CITY: null }],
          ['u4', { NAME: null, CITY: 'Oslo' }],
        ]),
      ],
      [
        'USERS_RIGHT',
        new Map([
          ['u1', { NAME: 'Ann', CITY: 'Paris' }],
          ['u4', { NAME: null, CITY: 'Oslo' }],
        ]),
      ],
      [
        'ORDERS_INNER',
        new Map([
          ['o1', { AMOUNT: 10, CUSTOMER: 'Ann' }],
          ['o2', { AMOUNT: 20, CUSTOMER: 'Bobby' }],
        ]),
      ],
      [
        'ORDERS_LEFT',
        new Map([
          ['o1', { AMOUNT: 10, CUSTOMER: 'Ann' }],
          ['o2', { AMOUNT: 20, CUSTOMER: 'Bobby' }],
          ['o3', { AMOUNT: 30, CUSTOMER: null }],
        ]),
      ],
    ];
    for (const [topic, want] of expectations) {
      const got = await waitFor(topic, async () => {
        const m = sorted(await tableState(bootstrap, topic));
        return JSON.stringify([...m]) === JSON.stringify([...sorted(want)]) ? m : undefined;
      }).catch(async () => sorted(await tableState(bootstrap, topic)));
      assert.deepEqual(got, sorted(want), topic);
    }
    // The RIGHT join's row of u3 came and went: a row, then its tombstone (a right row deleted).
    const u3 = (await kcatRecords(bootstrap, 'USERS_RIGHT')).filter((r) => r.key!.toString() === 'u3');
    assert.deepEqual(
      u3.map((r) => (r.value === null ? null : JSON.parse(r.value.toString()))),
      [{ NAME: 'Cid', CITY: 'Rome' }, null],
    );
    // ksqlDB's refusals: RIGHT and FULL joins on a foreign key.
    for (const [stmt, message] of [
      [
        'CREATE TABLE x AS SELECT o.id AS id, c.name AS n FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id;',
        'Invalid join type: right-outer join not supported for foreign-key table-table join. Got TABLE [RIGHT] OUTER JOIN TABLE.',
      ],
      [
        'CREATE TABLE x AS SELECT o.id AS id, c.name AS n FROM orders o FULL JOIN customers c ON o.customer_id = c.id;',
        'Invalid join type: full-outer join not supported for foreign-key table-table join. Got TABLE [FULL] OUTER JOIN TABLE.',
      ],
    ]) {
      assert.equal(await ksqlRefused(url, stmt), message);
    }
  } finally {
    await sql?.close();
    await broker.stop();
  }
});

test('multi-way joins: a stream with two tables, a stream-stream join with a table', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const broker = await startTestBroker();
  let sql: SqlServer | undefined;
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    const producer = createProducer({ bootstrapServers: bootstrap });
    const put = (topic: string, key: string | null, value: unknown, timestamp?: number) =>
      producer.send({ topic, key, value: JSON.stringify(value), ...(timestamp ? { timestamp } : {}) });
    const users: Record<string, { name: string; region: string }> = {
      u1: { name: 'Ann', region: 'north' },
      u2: { name: 'Bob', region: 'south' },
      u3: { name: 'Cid', region: 'atlantis' }, // no such region
    };
    const regions: Record<string, string> = { north: 'Oslo', south: 'Rome' };
    for (const [id, u] of Object.entries(users)) await put('users', id, u);
    for (const [id, capital] of Object.entries(regions)) await put('regions', id, { capital });
    const views: Array<[string, string]> = [
      ['u1', 'home'],
      ['u2', 'cart'],
      ['u3', 'help'],
      ['u9', 'home'], // no such user
      ['u1', 'buy'],
    ];
    for (const [user, page] of views) await put('views', null, { userid: user, page });
    // Orders and shipments within the hour, the warehouse looked up in a table.
    await put('orders', '1', { id: 1, total: 100 }, BASE);
    await put('orders', '2', { id: 2, total: 200 }, BASE);
    await put('shipments', null, { order_id: 1, warehouse: 'W1' }, BASE + 10 * MIN);
    await put('shipments', null, { order_id: 2, warehouse: 'W9' }, BASE + 20 * MIN);
    await put('warehouses', 'W1', { city: 'Lyon' });

    sql = await startSqlServer({ bootstrap, endpoints });
    const url = sql.urls[0]!;
    await ksql(
      url,
      `CREATE TABLE users (id VARCHAR PRIMARY KEY, name VARCHAR, region VARCHAR) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
       CREATE TABLE regions (id VARCHAR PRIMARY KEY, capital VARCHAR) WITH (KAFKA_TOPIC='regions', VALUE_FORMAT='JSON');
       CREATE STREAM views (userid VARCHAR, page VARCHAR) WITH (KAFKA_TOPIC='views', VALUE_FORMAT='JSON');
       CREATE STREAM orders (id INT, total INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
       CREATE STREAM shipments (order_id INT, warehouse VARCHAR) WITH (KAFKA_TOPIC='shipments', VALUE_FORMAT='JSON');
       CREATE TABLE warehouses (id VARCHAR PRIMARY KEY, city VARCHAR) WITH (KAFKA_TOPIC='warehouses', VALUE_FORMAT='JSON');
       CREATE STREAM views_enriched AS SELECT u.id AS userid, v.page AS page, u.name AS name, r.capital AS capital
         FROM views v JOIN users u ON v.userid = u.id LEFT JOIN regions r ON u.region = r.id EMIT CHANGES;
       CREATE STREAM views_inner AS SELECT u.id AS userid, v.page AS page, r.capital AS capital
         FROM views v JOIN users u ON v.userid = u.id JOIN regions r ON r.id = u.region EMIT CHANGES;
       CREATE STREAM shipped_from AS SELECT o.id AS id, o.total AS total, w.city AS city
         FROM orders o JOIN shipments s WITHIN 1 HOURS ON o.id = s.order_id
         LEFT JOIN warehouses w ON s.warehouse = w.id EMIT CHANGES;`,
      { 'auto.offset.reset': 'earliest' },
    );
    // Independent computation over the same input.
    const enriched = views
      .filter(([u]) => users[u])
      .map(([u, page]) =>
        JSON.stringify({ PAGE: page, NAME: users[u]!.name, CAPITAL: regions[users[u]!.region] ?? null }),
      )
      .sort();
    const inner = views
      .filter(([u]) => users[u] && regions[users[u]!.region])
      .map(([u, page]) => JSON.stringify({ PAGE: page, CAPITAL: regions[users[u]!.region] }))
      .sort();
    await waitFor('views_enriched', async () =>
      (await values(bootstrap, 'VIEWS_ENRICHED')).length >= enriched.length ? true : undefined,
    );
    assert.deepEqual(await values(bootstrap, 'VIEWS_ENRICHED'), enriched);
    await waitFor('views_inner', async () =>
      (await values(bootstrap, 'VIEWS_INNER')).length >= inner.length ? true : undefined,
    );
    assert.deepEqual(await values(bootstrap, 'VIEWS_INNER'), inner);
    await waitFor('shipped_from', async () =>
      (await values(bootstrap, 'SHIPPED_FROM')).length >= 2 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await values(bootstrap, 'SHIPPED_FROM'), [
      '{"TOTAL":100,"CITY":"Lyon"}',
      '{"TOTAL":200,"CITY":null}',
    ]);
    // Refusals: a third source that is a stream; a RIGHT join to a further table.
    for (const [stmt, message] of [
      [
        'CREATE STREAM x AS SELECT * FROM views v JOIN users u ON v.userid = u.id JOIN orders o ON o.id = v.page;',
        /only as a stream joined with tables \(got STREAM \[JOIN\] STREAM\)/,
      ],
      [
        'CREATE STREAM x AS SELECT * FROM views v JOIN users u ON v.userid = u.id RIGHT JOIN regions r ON u.region = r.id;',
        /right-outer join not supported for stream-table join/,
      ],
    ] as const) {
      assert.match(await ksqlRefused(url, stmt), message);
    }
    await producer.close();
  } finally {
    await sql?.close();
    await broker.stop();
  }
});
