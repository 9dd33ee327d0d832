/**
 * `samsa sql -e` and `-f` against `samsa start` (which serves the SQL API by default): statements, a pull query
 * and errors print as ksqlDB's CLI prints them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startBrokerProcess } from '../helpers/broker.js';
import { projectRoot } from '../helpers/spec.js';

const run = promisify(execFile);

async function sql(server: string, ...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const r = await run(process.execPath, [join(projectRoot, 'bin', 'samsa.js'), 'sql', '--server', server, ...args]);
    return { stdout: r.stdout, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; code: number };
    return { stdout: err.stdout, code: err.code };
  }
}

test('samsa sql -e and -f', async () => {
  const port = await freePort();
  const server = `http://127.0.0.1:${port}`;
  const proc = await startBrokerProcess({ config: { 'ksql.listeners': server } });
  const dir = mkdtempSync(join(tmpdir(), 'samsa-sql-cli-'));
  try {
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`${server}/info`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error('SQL API did not come up');
      await new Promise((r) => setTimeout(r, 200));
    }
    const script = join(dir, 'setup.sql');
    writeFileSync(
      script,
      `-- a table over a new topic
       CREATE TABLE prices (sku VARCHAR PRIMARY KEY, price DOUBLE)
         WITH (KAFKA_TOPIC='prices', PARTITIONS=1, VALUE_FORMAT='JSON');
       INSERT INTO prices (sku, price) VALUES ('a;1', 1.5);`,
    );
    const created = await sql(server, '-f', script);
    assert.equal(created.code, 0, created.stdout);
    assert.match(created.stdout, /Table created/);
    const shown = await sql(server, '-e', 'SHOW TABLES; DESCRIBE prices;');
    assert.match(
      shown.stdout,
      /Table Name\s+Kafka Topic\s+Key Format\s+Value Format\s+Windowed\nPRICES\s+prices\s+KAFKA\s+JSON\s+false/,
    );
    assert.match(shown.stdout, /PRICE\s+DOUBLE/);
    const pulled = await sql(server, '-e', "SELECT * FROM prices WHERE sku = 'a;1';");
    assert.match(pulled.stdout, /\| SKU\s+\| PRICE\s+\|/);
    assert.match(pulled.stdout, /\| a;1\s+\| 1.5\s+\|/);
    const bad = await sql(server, '-e', 'SELEC 1;');
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /line 1:1: Syntax error at or near 'SELEC'/);
  } finally {
    await proc.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
