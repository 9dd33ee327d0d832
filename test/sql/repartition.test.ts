/**
 * GROUP BY on something other than the source's key repartitions through an internal topic, as ksqlDB does: the
 * records are re-keyed by the grouping key into `<query>-Aggregate-GroupBy-repartition` (as many partitions as the
 * source), each group lives in one partition of it and of the changelog, and the counts (plain and windowed) read
 * with kcat from the sink match a computation over the same input done here. Grouping by the source's key needs no
 * repartition topic. TERMINATE deletes the query's internal topics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createAdmin, createProducer } from '../../src/client/index.js';
import { startSqlServer, type SqlServer } from '../../src/sql/server.js';
import { startTestBroker } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { kcatRecords, ksql, waitFor } from './helpers.js';

const run = promisify(execFile);
const endpoints = [{ scheme: 'http' as const, host: '127.0.0.1', port: 0 }];
const MIN = 60_000;
const BASE = Date.UTC(2026, 0, 1);
const N = 3000;

/** The input: user i%37 (the message key), region r(i*7%11), amount i%13, one record a second. */
function input(i: number): { user: string; region: string; amount: number; ts: number } {
  return { user: `u${i % 37}`, region: `r${(i * 7) % 11}`, amount: i % 13, ts: BASE + i * 1000 };
}

/** Latest value per key (text) of a topic read with kcat. */
async function latest(bootstrap: string, topic: string): Promise<Map<string, any>> {
  const m = new Map<string, any>();
  for (const r of await kcatRecords(bootstrap, topic)) {
    const k = r.key!.toString('latin1');
    if (r.value === null) m.delete(k);
    else m.set(k, JSON.parse(r.value.toString('utf8')));
  }
  return m;
}

async function kcatTopics(bootstrap: string): Promise<Map<string, number>> {
  const r = await run('kcat', ['-b', bootstrap, '-L', '-J']);
  const meta = JSON.parse(r.stdout) as { topics: Array<{ topic: string; partitions: unknown[] }> };
  return new Map(meta.topics.map((t) => [t.topic, t.partitions.length]));
}

test('GROUP BY a non-key column repartitions through an internal topic', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const broker = await startTestBroker();
  let sql: SqlServer | undefined;
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    const admin = createAdmin({ bootstrapServers: bootstrap });
    await admin.createTopics([{ name: 'purchases', numPartitions: 4, replicationFactor: 1 }]);
    admin.close();
    const producer = createProducer({ bootstrapServers: bootstrap });
    for (let i = 0; i < N; i++) {
      const x = input(i);
      producer.produce({
        topic: 'purchases',
        key: x.user,
        value: JSON.stringify({ region: x.region, amount: x.amount }),
        timestamp: x.ts,
      });
    }
    await producer.flush();
    await producer.close();

    // The independent computation: totals per region, and counts per region and 10-minute window.
    const totals = new Map<string, { n: number; sum: number }>();
    const windowed = new Map<string, number>();
    const perUser = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const x = input(i);
      const tot = totals.get(x.region) ?? { n: 0, sum: 0 };
      tot.n++;
      tot.sum += x.amount;
      totals.set(x.region, tot);
      const ws = x.ts - (x.ts % (10 * MIN));
      windowed.set(`${x.region}@${ws}`, (windowed.get(`${x.region}@${ws}`) ?? 0) + 1);
      perUser.set(x.user, (perUser.get(x.user) ?? 0) + 1);
    }

    sql = await startSqlServer({ bootstrap, endpoints });
    const url = sql.urls[0]!;
    const props = { 'auto.offset.reset': 'earliest' };
    await ksql(
      url,
      `CREATE STREAM purchases (user VARCHAR KEY, region VARCHAR, amount INT)
         WITH (KAFKA_TOPIC='purchases', VALUE_FORMAT='JSON');`,
    );
    const created = await ksql(
      url,
      `CREATE TABLE per_region AS SELECT region, COUNT(*) AS n, SUM(amount) AS total
         FROM purchases GROUP BY region EMIT CHANGES;
       CREATE TABLE per_region_10m AS SELECT region, COUNT(*) AS n
         FROM purchases WINDOW TUMBLING (SIZE 10 MINUTES) GROUP BY region EMIT CHANGES;
       CREATE TABLE per_user AS SELECT user, COUNT(*) AS n FROM purchases GROUP BY user EMIT CHANGES;`,
      props,
    );
    const [ctas, ctasWindowed, byKey] = created.map((e: { commandStatus: { queryId: string } }) => {
      assert.ok(e.commandStatus.queryId, JSON.stringify(e));
      return e.commandStatus.queryId;
    }) as [string, string, string];

    // The sink, read with kcat: the last row of each region is its total.
    await waitFor('per_region', async () => {
      const m = await latest(bootstrap, 'PER_REGION');
      const n = [...m.values()].reduce((a, v) => a + v.N, 0);
      return n >= N ? true : undefined;
    });
    const got = await latest(bootstrap, 'PER_REGION');
    assert.deepEqual(
      new Map([...got].map(([k, v]) => [k, { n: v.N, sum: v.TOTAL }] as const).sort()),
      new Map([...totals].sort()),
    );
    await waitFor('per_region_10m', async () => {
      const m = await latest(bootstrap, 'PER_REGION_10M');
      return [...m.values()].reduce((a, v) => a + v.N, 0) >= N ? true : undefined;
    });
    const win = new Map<string, number>();
    for (const r of await kcatRecords(bootstrap, 'PER_REGION_10M')) {
      // KAFKA key: the region's bytes, then the window start (8 bytes, big-endian).
      const k = `${r.key!.subarray(0, r.key!.length - 8).toString('utf8')}@${Number(r.key!.readBigInt64BE(r.key!.length - 8))}`;
      win.set(k, JSON.parse(r.value!.toString('utf8')).N);
    }
    assert.deepEqual(new Map([...win].sort()), new Map([...windowed].sort()));
    await waitFor('per_user', async () => {
      const m = await latest(bootstrap, 'PER_USER');
      return [...m.values()].reduce((a, v) => a + v.N, 0) >= N ? true : undefined;
    });
    assert.deepEqual(
      new Map([...(await latest(bootstrap, 'PER_USER'))].map(([k, v]) => [k, v.N] as const).sort()),
      new Map([...perUser].sort()),
    );

    // The internal topics, with ksqlDB's names: the repartition topic has the source's partitions, each region
    // is in one partition of it, and each region's changelog records are in that same partition.
    const prefix = (id: string) => `_confluent-ksql-default_query_${id}`;
    const repartition = `${prefix(ctas)}-Aggregate-GroupBy-repartition`;
    const changelog = `${prefix(ctas)}-Aggregate-Aggregate-Materialize-changelog`;
    const topics = await kcatTopics(bootstrap);
    assert.equal(topics.get(repartition), 4, [...topics.keys()].join(', '));
    assert.equal(topics.get(changelog), 4);
    assert.equal(topics.get(`${prefix(ctasWindowed)}-Aggregate-GroupBy-repartition`), 4);
    // Grouping by the key: no repartition topic.
    assert.equal(topics.has(`${prefix(byKey)}-Aggregate-GroupBy-repartition`), false);
    assert.ok(topics.has(`${prefix(byKey)}-Aggregate-Materialize-changelog`));
    const partitionOf = new Map<string, number>();
    const repartitioned = await kcatRecords(bootstrap, repartition);
    assert.equal(repartitioned.length, N);
    for (const r of repartitioned) {
      const region = r.key!.toString('utf8');
      assert.equal(partitionOf.get(region) ?? r.partition, r.partition, `${region} in one partition`);
      partitionOf.set(region, r.partition);
      assert.equal(JSON.parse(r.value!.toString('utf8')).region, region);
    }
    assert.equal(partitionOf.size, totals.size);
    assert.ok(new Set(partitionOf.values()).size > 1, 'the regions are spread over the partitions');
    for (const r of await kcatRecords(bootstrap, changelog))
      assert.equal(r.partition, partitionOf.get(JSON.parse(r.value!.toString('utf8')).k[0]));

    // TERMINATE deletes the internal topics; the sink stays.
    await ksql(url, `TERMINATE ${ctas};`);
    await waitFor('internal topics deleted', async () => {
      const now = await kcatTopics(bootstrap);
      return !now.has(repartition) && !now.has(changelog) ? true : undefined;
    });
    assert.ok((await kcatTopics(bootstrap)).has('PER_REGION'));
  } finally {
    await sql?.close();
    await broker.stop();
  }
});
