/**
 * The streaming SQL walkthrough end to end: JSON users and pageviews topics, a users table and a pageviews stream,
 * a push query with LIMIT, a persistent enriched stream (stream-table join) and a windowed count per region
 * (CTAS ... WINDOW TUMBLING ... GROUP BY) whose output topics, read with kcat, match a computation done here over
 * the same input; a pull query; and the ksqldb-client npm package against the REST API (HTTP/2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { createProducer } from '../../src/client/index.js';
import { startSqlServer, type SqlServer } from '../../src/sql/server.js';
import { startTestBroker } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';

const REGIONS = ['Region_1', 'Region_2', 'Region_3'];
const WINDOW = 60_000;
const BASE = Date.UTC(2026, 0, 1);

async function post(
  url: string,
  path: string,
  body: unknown,
  accept = 'application/json',
): Promise<{ status: number; text: string }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

async function ksql(url: string, statement: string, props: Record<string, string> = {}): Promise<any[]> {
  const r = await post(url, '/ksql', { ksql: statement, streamsProperties: props });
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text);
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // kcat can fail transiently (metadata of a topic just created); try again until the deadline.
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// The broker runs in this process: kcat must run asynchronously so that the broker can answer it.
const run = promisify(execFile);

async function kcat(bootstrap: string, topic: string, format: string): Promise<string> {
  const r = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-f', format, '-o', 'beginning'], {
    encoding: 'latin1',
  });
  return r.stdout;
}

/** Latest value per key of a topic, read with kcat (key and value as text; window start from the key suffix). */
async function kcatLatest(bootstrap: string, topic: string): Promise<Map<string, string | null>> {
  const out = await kcat(bootstrap, topic, '%k\t%S\t%s\n');
  const m = new Map<string, string | null>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [k, size, v] = line.split('\t');
    m.set(k!, size === '-1' ? null : (v ?? ''));
  }
  return m;
}

test('walkthrough: tables, streams, push, persistent join and windowed count, pull, ksqldb-client', async (t) => {
  requireClient(t, 'kcat');
  const broker = await startTestBroker();
  let sql: SqlServer | undefined;
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    const producer = createProducer({ bootstrapServers: bootstrap });
    const users: Array<{ userid: string; regionid: string; gender: string }> = [];
    for (let i = 1; i <= 9; i++)
      users.push({ userid: `User_${i}`, regionid: REGIONS[i % 3]!, gender: i % 2 ? 'MALE' : 'FEMALE' });
    for (const u of users)
      await producer.send({ topic: 'users', key: u.userid, value: JSON.stringify({ ...u, registertime: BASE }) });
    const views: Array<{ userid: string; pageid: string; ts: number }> = [];
    for (let i = 0; i < 300; i++) {
      views.push({ userid: `User_${(i % 11) + 1}`, pageid: `Page_${i % 7}`, ts: BASE + i * 1_000 });
    }
    for (const v of views) {
      await producer.send({
        topic: 'pageviews',
        key: v.userid,
        value: JSON.stringify({ viewtime: v.ts, userid: v.userid, pageid: v.pageid }),
        timestamp: v.ts,
      });
    }
    await producer.close();

    sql = await startSqlServer({ bootstrap, endpoints: [{ scheme: 'http', host: '127.0.0.1', port: 0 }] });
    const url = sql.urls[0]!;
    const created = await ksql(
      url,
      `CREATE TABLE users (userid VARCHAR PRIMARY KEY, registertime BIGINT, gender VARCHAR, regionid VARCHAR)
         WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
       CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR, pageid VARCHAR)
         WITH (KAFKA_TOPIC='pageviews', VALUE_FORMAT='JSON');`,
    );
    assert.equal(created[0]['@type'], 'currentStatus');
    assert.equal(created[1].commandStatus.message, 'Stream created');

    // A push query with LIMIT from the beginning.
    const push = await post(url, '/query-stream', {
      sql: 'SELECT userid, pageid FROM pageviews EMIT CHANGES LIMIT 3;',
      properties: { 'auto.offset.reset': 'earliest' },
    });
    assert.equal(push.status, 200, push.text);
    const pushed = JSON.parse(push.text);
    assert.deepEqual(pushed[0].columnNames, ['USERID', 'PAGEID']);
    assert.deepEqual(
      pushed.slice(1),
      views.slice(0, 3).map((v) => [v.userid, v.pageid]),
    );

    // Persistent queries: the enrichment and the windowed count per region.
    const props = { 'auto.offset.reset': 'earliest' };
    const q1 = await ksql(
      url,
      `CREATE STREAM pageviews_enriched AS SELECT users.userid AS userid, pageid, regionid, gender
         FROM pageviews LEFT JOIN users ON pageviews.userid = users.userid EMIT CHANGES;`,
      props,
    );
    assert.match(q1[0].commandStatus.queryId, /^CSAS_PAGEVIEWS_ENRICHED_/);
    const q2 = await ksql(
      url,
      `CREATE TABLE pageviews_per_region AS SELECT regionid, COUNT(*) AS numusers
         FROM pageviews_enriched WINDOW TUMBLING (SIZE 60 SECONDS) WHERE regionid IS NOT NULL GROUP BY regionid EMIT CHANGES;`,
      props,
    );
    assert.match(q2[0].commandStatus.queryId, /^CTAS_PAGEVIEWS_PER_REGION_/);

    // Independent computation of both results.
    const regionOf = new Map(users.map((u) => [u.userid, u.regionid]));
    const expectedCounts = new Map<string, number>();
    for (const v of views) {
      const r = regionOf.get(v.userid);
      if (!r) continue;
      const ws = v.ts - (v.ts % WINDOW);
      const k = `${r}@${ws}`;
      expectedCounts.set(k, (expectedCounts.get(k) ?? 0) + 1);
    }
    const enriched = await waitFor('the enriched stream', async () => {
      const out = (await kcat(bootstrap, 'PAGEVIEWS_ENRICHED', '%s\n')).split('\n').filter((l) => l !== '');
      return out.length >= views.length ? out : undefined;
    });
    assert.equal(enriched.length, views.length);
    const e0 = JSON.parse(enriched[0]!);
    assert.deepEqual(Object.keys(e0).sort(), ['GENDER', 'PAGEID', 'REGIONID']);
    const byUser = enriched.map((l) => JSON.parse(l));
    assert.equal(byUser.filter((r) => r.REGIONID === null).length, views.filter((v) => !regionOf.has(v.userid)).length);

    const readCounts = async () => {
      const got = new Map<string, number>();
      for (const [k, v] of await kcatLatest(bootstrap, 'PAGEVIEWS_PER_REGION')) {
        const buf = Buffer.from(k, 'latin1');
        const region = buf.subarray(0, buf.length - 8).toString('utf8');
        const ws = Number(buf.readBigInt64BE(buf.length - 8));
        if (v !== null) got.set(`${region}@${ws}`, JSON.parse(v).NUMUSERS);
      }
      return got;
    };
    await waitFor('the windowed counts', async () => {
      const got = await readCounts();
      return [...expectedCounts].every(([k, n]) => got.get(k) === n) ? true : undefined;
    });
    assert.deepEqual(new Map([...(await readCounts())].sort()), new Map([...expectedCounts].sort()));

    // A pull query on the users table, and one on the windowed table.
    const pull = await post(url, '/query-stream', { sql: "SELECT * FROM users WHERE userid = 'User_4';" });
    const pulled = JSON.parse(pull.text);
    assert.deepEqual(pulled[0].columnNames, ['USERID', 'REGISTERTIME', 'GENDER', 'REGIONID']);
    assert.deepEqual(pulled.slice(1), [['User_4', BASE, 'FEMALE', 'Region_2']]);
    const pull2 = JSON.parse(
      (
        await post(url, '/query-stream', {
          sql: "SELECT regionid, WINDOWSTART, numusers FROM pageviews_per_region WHERE regionid = 'Region_1';",
        })
      ).text,
    );
    const r1 = [...expectedCounts]
      .filter(([k]) => k.startsWith('Region_1@'))
      .map(([k, n]) => [Number(k.split('@')[1]), n]);
    assert.ok(r1.length > 0);
    assert.deepEqual(
      pull2
        .slice(1)
        .map((r: unknown[]) => [r[1], r[2]])
        .sort(),
      r1.sort(),
    );

    // SHOW and DESCRIBE.
    const shown = await ksql(url, 'SHOW STREAMS; SHOW TABLES; SHOW QUERIES; DESCRIBE pageviews_per_region;');
    assert.deepEqual(
      shown[0].streams.map((s: { name: string }) => s.name),
      ['PAGEVIEWS', 'PAGEVIEWS_ENRICHED'],
    );
    assert.deepEqual(
      shown[1].tables.map((s: { name: string; isWindowed: boolean }) => [s.name, s.isWindowed]),
      [
        ['PAGEVIEWS_PER_REGION', true],
        ['USERS', false],
      ],
    );
    assert.equal(shown[2].queries.length, 2);
    assert.equal(shown[3].sourceDescription.windowType, 'TUMBLING');

    // Errors name line and column.
    const bad = await post(url, '/ksql', { ksql: 'SELECT * FRM users;' });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.text).message, /^line 1:10: Syntax error at or near 'FRM'/);

    // The ksqldb-client npm package (HTTP/2): statements, a pull query, a push query, inserts.
    const KsqldbClient = createRequire(import.meta.url)('ksqldb-client');
    const client = new KsqldbClient({ host: 'http://127.0.0.1', port: Number(new URL(url).port) });
    await client.connect();
    try {
      const streams = await client.listStreams();
      assert.deepEqual(
        streams.map((s: { name: string }) => s.name),
        ['PAGEVIEWS', 'PAGEVIEWS_ENRICHED'],
      );
      const ex = await client.executeStatement(
        "CREATE STREAM clicks (id INT KEY, url STRING) WITH (KAFKA_TOPIC='clicks', PARTITIONS=1, VALUE_FORMAT='JSON');",
      );
      assert.equal(ex.status, 200, JSON.stringify(ex.error));
      const ins = await client.insertInto('CLICKS', { ID: 1, URL: 'https://samsa.dev/a' });
      assert.equal(ins.status, 200, JSON.stringify(ins.error));
      const q = await client.query("SELECT * FROM users WHERE userid = 'User_1';");
      assert.equal(q.status, 200, JSON.stringify(q.error));
      assert.deepEqual(q.data.rows, [{ USERID: 'User_1', REGISTERTIME: BASE, GENDER: 'MALE', REGIONID: 'Region_2' }]);
      const rows: unknown[] = [];
      const sq = await client.streamQuery(
        'SELECT * FROM clicks EMIT CHANGES LIMIT 1;',
        (d: { rows?: unknown[] }) => rows.push(...(d.rows ?? [])),
        {
          streamsProperties: { 'auto.offset.reset': 'earliest' },
        },
      );
      assert.equal(sq.status, 200);
      assert.deepEqual(rows, [{ ID: 1, URL: 'https://samsa.dev/a' }]);
    } finally {
      await client.disconnect();
    }
  } finally {
    await sql?.close();
    await broker.stop();
  }
});
