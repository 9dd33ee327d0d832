/**
 * `npm run bench:sql`: throughput of persistent SQL queries running inside a broker process (`samsa start` with the
 * SQL service on). Loads N JSON records into a topic first, then times from CREATE ... AS SELECT (reading from the
 * earliest offset) until the query has consumed them all:
 *   - filter/projection (CSAS ... WHERE): until the sink topic holds every selected record (target 200,000/s);
 *   - windowed aggregation (CTAS ... WINDOW TUMBLING ... GROUP BY a non-key column, so through the query's
 *     repartition topic): until the query's committed offsets reach the end of the input and of the repartition
 *     topic (target 100,000/s).
 * Not run by the session that wrote it: the lead runs benchmarks on a quiet machine.
 *
 *   node dist/bench/sql.js [--records N]   (default 1,000,000)
 *                          [--only filter|windowed]   run one of the two queries
 *                          [--profile DIR]   profile the broker (node --cpu-prof) into DIR
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdmin, createProducer } from '../src/client/index.js';
import { BrokerProcess, cpuSeconds, freePort } from './proc.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--records', 1_000_000);
const strArg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = strArg('--only');
const profileDir = strArg('--profile');

async function ksql(url: string, statement: string): Promise<any[]> {
  const res = await fetch(`${url}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ksql: statement, streamsProperties: { 'auto.offset.reset': 'earliest' } }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(JSON.stringify(body));
  return body as any[];
}

/** The broker's last log lines, for the error when a query does not finish. */
let brokerLog = () => '';
/** The broker's CPU seconds so far (user + system): a measure that stays meaningful on a busy machine. */
let brokerCpu = () => 0;

function giveUpAfter(start: number): void {
  if (Date.now() - start > Number(process.env.GIVEUP ?? 300_000))
    throw new Error(`the query did not finish within the time limit; broker log:\n${brokerLog()}`);
}

async function main(): Promise<void> {
  const port = await freePort();
  const sqlPort = await freePort();
  const url = `http://127.0.0.1:${sqlPort}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-sql-'));
  const broker = new BrokerProcess({
    port,
    dataDir,
    ...(profileDir ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    overrides: ['ksql.enabled=true', `ksql.listeners=${url}`, 'num.partitions=4'],
  });
  brokerLog = () => broker.log;
  brokerCpu = () => cpuSeconds(broker.pid);
  const bootstrap = `127.0.0.1:${port}`;
  const admin = createAdmin({ bootstrapServers: bootstrap });
  try {
    for (let i = 0; ; i++) {
      if (
        await fetch(`${url}/info`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 300) throw new Error('SQL API did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }
    await admin.connect();
    const producer = createProducer({ bootstrapServers: bootstrap, lingerMs: 20, batchSize: 256 * 1024 });
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      producer.produce({
        topic: 'events',
        key: `user_${i % 10_000}`,
        value: `{"id":${i},"user":"user_${i % 10_000}","region":"region_${i % 50}","amount":${i % 1000},"ts":${t0 + i}}`,
        timestamp: t0 + i,
      });
      if (i % 50_000 === 0) await producer.flush();
    }
    await producer.flush();
    await producer.close();
    console.log(`loaded ${N} records in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await ksql(
      url,
      "CREATE STREAM events (user VARCHAR KEY, id BIGINT, region VARCHAR, amount INT, ts BIGINT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');",
    );

    // Filter and projection.
    if (only !== 'windowed') await filterProjection(url, admin);
    if (only !== 'filter') await windowed(url, admin);
  } finally {
    admin.close();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function filterProjection(url: string, admin: ReturnType<typeof createAdmin>): Promise<void> {
  const selected = Math.floor(N / 2);
  const start = Date.now();
  const cpu0 = brokerCpu();
  await ksql(
    url,
    'CREATE STREAM big AS SELECT user, id, UCASE(region) AS region, amount * 2 AS doubled FROM events WHERE amount >= 500;',
  );
  const started = Date.now();
  for (;;) {
    giveUpAfter(start);
    const offs = await admin
      .listOffsets([0, 1, 2, 3].map((partition) => ({ topic: 'BIG', partition, timestamp: -1 })))
      .catch(() => []);
    if (offs.reduce((a, o) => a + Math.max(o.offset, 0), 0) >= selected) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const secs = (Date.now() - start) / 1000;
  console.log(
    `filter/projection: ${N} records in ${secs.toFixed(2)} s = ${Math.round(N / secs)} records/s (target 200000)` +
      ` (statement ${((started - start) / 1000).toFixed(2)} s, broker CPU ${(brokerCpu() - cpu0).toFixed(2)} s)`,
  );
}

async function windowed(url: string, admin: ReturnType<typeof createAdmin>): Promise<void> {
  const start = Date.now();
  const cpu0 = brokerCpu();
  const res = await ksql(
    url,
    'CREATE TABLE per_region AS SELECT region, COUNT(*) AS n, SUM(amount) AS total FROM events WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY region;',
  );
  const started = Date.now();
  const group = `_confluent-ksql-default_query_${res[0].commandStatus.queryId}`;
  const ends = await admin.listOffsets(
    [0, 1, 2, 3].map((partition) => ({ topic: 'events', partition, timestamp: -1 })),
  );
  const total = ends.reduce((a, o) => a + o.offset, 0);
  // GROUP BY region (not the key) goes through the query's repartition topic: done when the query has
  // committed every input record and every record of the repartition topic (one per input record).
  const repartition = `${group}-Aggregate-GroupBy-repartition`;
  for (;;) {
    giveUpAfter(start);
    const committed = await admin.listGroupOffsets(group).catch(() => []);
    const sum = (topic: string) =>
      committed.filter((o) => o.topic === topic).reduce((a, o) => a + Math.max(o.offset, 0), 0);
    if (sum('events') >= total && sum(repartition) >= total) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const secs = (Date.now() - start) / 1000;
  console.log(
    `windowed aggregation: ${N} records in ${secs.toFixed(2)} s = ${Math.round(N / secs)} records/s (target 100000)` +
      ` (statement ${((started - start) / 1000).toFixed(2)} s, broker CPU ${(brokerCpu() - cpu0).toFixed(2)} s)`,
  );
}

await main();
