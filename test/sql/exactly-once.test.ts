/**
 * processing.guarantee=exactly_once_v2: a `samsa sql-server` process is killed with SIGKILL while its persistent
 * queries are busy, then started again. Results, changelog and offsets are committed in one transaction per batch,
 * so kcat (read_committed, librdkafka's default) sees every input record exactly once in the filtered stream and
 * the counts of the aggregation are exact: nothing lost, nothing duplicated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createProducer } from '../../src/client/index.js';
import { freePort, startTestBroker } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { kcatRecords, killed, ksql, queryRows, startSqlServerProcess, waitFor, waitUp } from './helpers.js';

const N = 20_000;
const FIRST = 1_000;

test('exactly_once_v2: no loss and no duplicates across kill -9', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const broker = await startTestBroker();
  const children: ChildProcess[] = [];
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    const producer = createProducer({ bootstrapServers: bootstrap });
    const event = (i: number) =>
      producer.produce({ topic: 'events', key: `k${i % 7}`, value: JSON.stringify({ id: i, kind: `t${i % 3}` }) });
    for (let i = 0; i < FIRST; i++) event(i);
    await producer.flush();

    const url = `http://127.0.0.1:${await freePort()}`;
    const first = startSqlServerProcess(bootstrap, url);
    children.push(first.child);
    await waitUp(url);
    const props = { 'auto.offset.reset': 'earliest', 'processing.guarantee': 'exactly_once_v2' };
    await ksql(
      url,
      `CREATE STREAM events (k VARCHAR KEY, id INT, kind VARCHAR) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
       CREATE STREAM copied AS SELECT k, id, kind FROM events EMIT CHANGES;
       CREATE TABLE per_kind AS SELECT kind, COUNT(*) AS n FROM events GROUP BY kind EMIT CHANGES;`,
      props,
    );
    // Kill it while input keeps arriving and it is working through it.
    await waitFor('some committed output', async () =>
      (await kcatRecords(bootstrap, 'COPIED')).length > 0 ? true : undefined,
    );
    for (let i = FIRST; i < N; i++) {
      event(i);
      if (i % 500 === 0) await producer.flush();
      if (i === N / 2) await killed(first.child);
    }
    await producer.flush();
    await producer.close();
    const before = (await kcatRecords(bootstrap, 'COPIED')).length;
    t.diagnostic(`killed with ${before} of ${N} records committed`);

    const second = startSqlServerProcess(bootstrap, url);
    children.push(second.child);
    await waitUp(url);
    const ids = await waitFor(
      'all records',
      async () => {
        const recs = await kcatRecords(bootstrap, 'COPIED');
        return recs.length >= N ? recs.map((r) => JSON.parse(r.value!.toString('utf8')).ID as number) : undefined;
      },
      180_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const all = (await kcatRecords(bootstrap, 'COPIED')).map((r) => JSON.parse(r.value!.toString('utf8')).ID as number);
    assert.equal(all.length, N, 'no duplicates');
    assert.equal(new Set(ids).size, N, 'no loss');
    const expected: Record<string, number> = { t0: 0, t1: 0, t2: 0 };
    for (let i = 0; i < N; i++) expected[`t${i % 3}`]!++;
    const counts = await waitFor('exact counts', async () => {
      const { rows } = await queryRows(url, 'SELECT kind, n FROM per_kind;');
      const got = Object.fromEntries(rows.map(([k, n]) => [k as string, n as number]));
      return Object.values(got).reduce((a, b) => a + b, 0) >= N ? got : undefined;
    });
    assert.deepEqual(counts, expected);
  } finally {
    for (const c of children) await killed(c);
    await broker.stop();
  }
});
