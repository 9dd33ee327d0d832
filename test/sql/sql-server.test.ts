/**
 * `samsa sql-server` as a process of its own against a broker given by --bootstrap-server: statements through
 * `samsa sql -e`, a persistent query whose output kcat reads; after kill -9 and a restart the command topic brings
 * the stream and the query back and the query resumes from its committed offsets (no record lost or repeated).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createProducer } from '../../src/client/index.js';
import { freePort, startTestBroker } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { projectRoot } from '../helpers/spec.js';
import { kcatRecords, killed, ksql, startSqlServerProcess, waitFor, waitUp } from './helpers.js';

const run = promisify(execFile);
const SAMSA = join(projectRoot, 'bin', 'samsa.js');

test('samsa sql-server: a separate process, restarted after kill -9', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const broker = await startTestBroker();
  const children: ChildProcess[] = [];
  try {
    const bootstrap = `127.0.0.1:${broker.port}`;
    const url = `http://127.0.0.1:${await freePort()}`;
    const first = startSqlServerProcess(bootstrap, url);
    children.push(first.child);
    await waitUp(url);
    assert.match(
      first.output(),
      /samsa sql-server listening on http:\/\/127\.0\.0\.1:\d+ \(bootstrap 127\.0\.0\.1:\d+\)/,
    );

    const producer = createProducer({ bootstrapServers: bootstrap });
    const send = async (id: number) =>
      producer.send({ topic: 'readings', key: `s${id % 3}`, value: JSON.stringify({ id, celsius: id * 1.5 }) });
    for (let i = 0; i < 10; i++) await send(i);

    const cli = await run(process.execPath, [
      SAMSA,
      'sql',
      '--server',
      url,
      '-e',
      `CREATE STREAM readings (sensor VARCHAR KEY, id INT, celsius DOUBLE) WITH (KAFKA_TOPIC='readings', VALUE_FORMAT='JSON');
       SET 'auto.offset.reset'='earliest';
       CREATE STREAM hot AS SELECT sensor, id, celsius FROM readings WHERE celsius >= 6 EMIT CHANGES;`,
    ]);
    assert.match(cli.stdout, /Stream created/);
    assert.match(cli.stdout, /Created query with ID CSAS_HOT_\d+/);
    const hotIds = async () =>
      (await kcatRecords(bootstrap, 'HOT')).map((r) => JSON.parse(r.value!.toString('utf8')).ID as number);
    const expected = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i * 1.5 >= 6);
    await waitFor('HOT', async () => ((await hotIds()).length >= expected(10).length ? true : undefined));
    assert.deepEqual(await hotIds(), expected(10));

    // kill -9, more input while it is down, then a new process: the query comes back from the command topic and
    // continues from its committed offsets.
    await killed(first.child);
    for (let i = 10; i < 20; i++) await send(i);
    const second = startSqlServerProcess(bootstrap, url);
    children.push(second.child);
    await waitUp(url);
    const shown = await ksql(url, 'SHOW QUERIES;');
    assert.deepEqual(
      shown[0].queries.map((q: { sinks: string[]; state: string }) => [q.sinks[0], q.state]),
      [['HOT', 'RUNNING']],
    );
    await waitFor('HOT after the restart', async () =>
      (await hotIds()).length >= expected(20).length ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await hotIds(), expected(20));
    await producer.close();

    // SIGTERM stops it cleanly.
    const exit = new Promise<number | null>((r) => second.child.once('exit', (code) => r(code)));
    second.child.kill('SIGTERM');
    assert.equal(await exit, 0, second.output());
  } finally {
    for (const c of children) await killed(c);
    await broker.stop();
  }
});
