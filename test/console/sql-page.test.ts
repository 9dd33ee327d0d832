/**
 * The console's streaming SQL page in headless Chromium, against the SQL service of the same process: a CREATE
 * STREAM typed in the editor is run and listed, a push query shows the rows kcat produced before it started and
 * then those produced while it runs, as they arrive; stopping it closes the query on the SQL service. The SQL
 * service's error bodies reach the page unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdmin } from '../../src/client/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { launchBrowser, screenshot } from '../helpers/chromium.js';
import { kcat, requireClient, uniqueTopic } from '../helpers/clients.js';

let tb: TestBroker;
let base: string;

before(async () => {
  tb = await startTestBroker({
    services: { console: true, ksql: true },
    config: { 'console.listeners': 'http://127.0.0.1:0', 'ksql.listeners': 'http://127.0.0.1:0' },
  });
  base = tb.broker.services.get('console')!.urls[0]!;
});

after(async () => {
  await tb?.stop();
});

/** kcat writes JSON readings `from` to `to` - 1, keyed by sensor. */
async function produceReadings(topic: string, from: number, to: number): Promise<void> {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(`s${i % 3}|{"sensor":"s${i % 3}","reading":${i}}`);
  await kcat(tb.bootstrap, ['-P', '-t', topic, '-K', '|'], { input: `${lines.join('\n')}\n` });
}

test('the SQL page runs a statement and shows push-query rows as they arrive', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const browser = await launchBrowser(t, base);
  if (browser === undefined) return;
  try {
    const topic = uniqueTopic('readings_sql').replaceAll('-', '_');
    const stream = `${topic}_s`.toUpperCase();
    const admin = createAdmin({ bootstrapServers: tb.bootstrap });
    try {
      await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
    } finally {
      admin.close();
    }
    await produceReadings(topic, 0, 3);

    const page = await browser.open('/sql');
    await page.waitForSelector('#sql-sources');
    // The SQL page is in the menu because the SQL service runs in this process.
    await page.waitForSelector('#nav a:text-is("SQL")');
    await page.fill(
      'textarea[name=sql]',
      `CREATE STREAM ${stream} (sensor VARCHAR KEY, reading INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`,
    );
    await page.click('#run');
    await page.waitForSelector('#sql-result .sql-status:has-text("Stream created")');
    await page.waitForSelector(`#sql-sources a:text-is("${stream}")`);

    // Clicking the stream writes a push query for it; it reads from the earliest offset.
    await page.click(`#sql-sources a:text-is("${stream}")`);
    assert.equal(await page.inputValue('textarea[name=sql]'), `SELECT * FROM ${stream} EMIT CHANGES;`);
    await page.fill('textarea[name=sql]', `SELECT sensor, reading FROM ${stream} EMIT CHANGES;`);
    await page.selectOption('select[name=offset]', 'earliest');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelectorAll('#rows tbody tr').length === 3, undefined, {
      timeout: 60_000,
    });
    assert.deepEqual(await page.locator('#rows thead th').allTextContents(), ['SENSOR', 'READING']);
    assert.match((await page.textContent('#sql-state')) ?? '', /running/);

    // Rows produced while the query runs appear without running it again.
    await produceReadings(topic, 3, 8);
    await page.waitForFunction(() => document.querySelectorAll('#rows tbody tr').length === 8, undefined, {
      timeout: 60_000,
    });
    const last = await page.locator('#rows tbody tr').last().locator('td').allTextContents();
    assert.deepEqual(last, ['s1', '7']);
    // The statement is in the URL.
    assert.equal(new URL(page.url()).searchParams.get('q'), `SELECT sensor, reading FROM ${stream} EMIT CHANGES;`);
    await screenshot(page, 'sql');

    await page.click('#stop');
    await page.waitForFunction(() => /stopped/.test(document.getElementById('sql-state')?.textContent ?? ''));
    // The push query is gone from the SQL service once the page stopped it: closing it again is refused.
    const queryId = /Query (\S+):/.exec((await page.textContent('#sql-state')) ?? '')?.[1];
    assert.ok(queryId?.startsWith('transient_'), `query id shown: ${queryId}`);
    await new Promise((r) => setTimeout(r, 1000));
    const closed = await fetch(`${tb.broker.services.get('ksql')!.urls[0]}/close-query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queryId }),
    });
    assert.equal(closed.status, 400, 'the query was still running');
    await page.close();
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test("the SQL service's errors reach the console unchanged", async () => {
  const bad = await fetch(`${base}/console/api/services/ksql/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ksql: 'SELEKT nonsense;' }),
  });
  assert.equal(bad.status, 400);
  const body = (await bad.json()) as { '@type': string; error_code: number };
  assert.equal(body['@type'], 'statement_error');
});
