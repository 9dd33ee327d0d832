/**
 * Windowed aggregations through the REST API, results read with kcat: SESSION windows (sessions per key within the
 * inactivity gap, merged when a record bridges two, the merged-away sessions deleted with tombstones, late records
 * beyond the grace period dropped; keys carry the window's start and end), and HOPPING windows (each record counted
 * in every window of SIZE that ADVANCE BY steps over it), against counts computed here as ksqlDB's documentation
 * defines the windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProducer } from '../../src/client/index.js';
import { startSqlServer, type SqlServer } from '../../src/sql/server.js';
import { startTestBroker } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { kcatRecords, ksql, queryRows, waitFor } from './helpers.js';

const S = 1000;
const BASE = Date.UTC(2026, 0, 1);

/** Latest value per windowed key of a topic (tombstones remove the key); keys as `<key>@<start>[-<end>]`. */
async function latestWindows(bootstrap: string, topic: string, session: boolean): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const r of await kcatRecords(bootstrap, topic)) {
    const k = r.key!;
    const suffix = session ? 16 : 8;
    const name = k.subarray(0, k.length - suffix).toString('utf8');
    const start = Number(k.readBigInt64BE(k.length - suffix)) - BASE;
    const end = session ? Number(k.readBigInt64BE(k.length - 8)) - BASE : null;
    const id = `${name}@${start}${end === null ? '' : `-${end}`}`;
    if (r.value === null) out.delete(id);
    else out.set(id, JSON.parse(r.value.toString('utf8')));
  }
  return out;
}

test('SESSION windows merge, tombstone and drop late records; HOPPING windows overlap', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const broker = await startTestBroker();
  let sql: SqlServer | undefined;
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    // Clicks per user; times in seconds after BASE, in the order they arrive.
    const clicks: Array<[string, number]> = [
      ['A', 0],
      ['B', 0],
      ['A', 10],
      ['A', 20],
      ['B', 50],
      ['B', 25], // within 30 s of both of B's sessions: merges them into one from 0 to 50
      ['A', 100], // a new session for A: 80 s after its last click
      ['C', 5], // late: its session ends at 5 s, plus 10 s of grace, before stream time 100 s
    ];
    const producer = createProducer({ bootstrapServers: bootstrap });
    for (const [user, sec] of clicks) {
      await producer.send({
        topic: 'clicks',
        key: user,
        value: JSON.stringify({ user, page: `p${sec}` }),
        timestamp: BASE + sec * S,
      });
    }
    await producer.close();

    sql = await startSqlServer({ bootstrap, endpoints: [{ scheme: 'http', host: '127.0.0.1', port: 0 }] });
    const url = sql.urls[0]!;
    const props = { 'auto.offset.reset': 'earliest' };
    await ksql(
      url,
      `CREATE STREAM clicks (user VARCHAR KEY, page VARCHAR) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
       CREATE TABLE sessions AS SELECT user, COUNT(*) AS n, COLLECT_LIST(page) AS pages
         FROM clicks WINDOW SESSION (30 SECONDS, GRACE PERIOD 10 SECONDS, RETENTION 7 DAYS) GROUP BY user EMIT CHANGES;
       CREATE TABLE hopping AS SELECT user, COUNT(*) AS n
         FROM clicks WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY user EMIT CHANGES;`,
      props,
    );
    const described = await ksql(url, 'DESCRIBE sessions;');
    assert.equal(described[0].sourceDescription.windowType, 'SESSION');

    // Sessions: the record's session spans the first to the last click within the gap. As in Kafka Streams, a merge
    // combines the merged sessions' aggregates in window order and then adds the bridging record (B: p0, p50, p25).
    const expectedSessions = new Map<string, unknown>([
      ['A@0-20000', { N: 3, PAGES: ['p0', 'p10', 'p20'] }],
      ['B@0-50000', { N: 3, PAGES: ['p0', 'p50', 'p25'] }],
      ['A@100000-100000', { N: 1, PAGES: ['p100'] }],
    ]);
    const sessions = await waitFor('the sessions', async () => {
      const got = await latestWindows(bootstrap, 'SESSIONS', true);
      return got.size === expectedSessions.size && got.has('A@100000-100000') ? got : undefined;
    });
    assert.deepEqual(
      new Map([...sessions].sort()),
      new Map([...expectedSessions].sort()),
      'merged-away sessions are tombstoned, late C dropped',
    );

    // Hopping windows of 30 s every 10 s: each record is in the three windows whose start is a multiple of 10 s
    // in (t - 30 s, t]. C at 5 s is in time here (the default grace is 24 hours).
    const expectedHops = new Map<string, number>();
    for (const [user, sec] of clicks) {
      for (let start = sec - (sec % 10); start > sec - 30; start -= 10) {
        const id = `${user}@${start * S}`;
        expectedHops.set(id, (expectedHops.get(id) ?? 0) + 1);
      }
    }
    const hops = await waitFor('the hopping windows', async () => {
      const got = await latestWindows(bootstrap, 'HOPPING', false);
      return [...expectedHops].every(([k, n]) => (got.get(k) as { N: number } | undefined)?.N === n) ? got : undefined;
    });
    assert.equal(hops.size, expectedHops.size);

    // A pull query reads the session table with WINDOWSTART and WINDOWEND.
    const pulled = await queryRows(url, "SELECT user, WINDOWSTART, WINDOWEND, n FROM sessions WHERE user = 'B';");
    assert.deepEqual(pulled.rows, [['B', BASE, BASE + 50 * S, 3]]);
  } finally {
    await sql?.close();
    await broker.stop();
  }
});
