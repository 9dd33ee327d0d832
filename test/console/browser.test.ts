/**
 * The web console in headless Chromium (Debian's chromium driven by playwright-core, through
 * test/helpers/chromium.ts): every page loads without console errors, the message browser shows JSON records
 * produced by kafka-python and tails new ones, a group's lag appears and falls to zero as its kafka-python consumer catches up, and a
 * topic created from the UI is visible to kcat. Screenshots of the main pages are saved (see the helper for where).
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createAdmin } from '../../src/client/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { launchBrowser, screenshot as shot, type Browser } from '../helpers/chromium.js';
import { kcat, PYTHON, requireClient, run, uniqueTopic } from '../helpers/clients.js';

let tb: TestBroker;
let base: string;
let browser: Browser | undefined;

before(async () => {
  tb = await startTestBroker({
    services: { console: true },
    config: { 'console.listeners': 'http://127.0.0.1:0', 'group.initial.rebalance.delay.ms': '0' },
  });
  base = tb.broker.services.get('console')!.urls[0]!;
});

after(async () => {
  await browser?.close();
  await tb.stop();
});

/** The browser both tests share, launched by the first (undefined after skipping when Chromium is missing). */
async function chromium(t: TestContext): Promise<Browser | undefined> {
  browser ??= await launchBrowser(t, base);
  return browser;
}

const produceJson = `
import json, sys
from kafka import KafkaProducer
topic, n = sys.argv[2], int(sys.argv[3])
p = KafkaProducer(bootstrap_servers=sys.argv[1], key_serializer=str.encode,
                  value_serializer=lambda v: json.dumps(v).encode())
for i in range(n):
    p.send(topic, key='sensor-%d' % (i % 4), value={'sensor': 'sensor-%d' % (i % 4), 'reading': i * 1.5, 'ok': True},
           headers=[('origin', b'kafka-python')])
p.flush()
print(json.dumps({'sent': n}))
`;

const consumeAll = `
import json, sys
from kafka import KafkaConsumer
topic, group, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
c = KafkaConsumer(topic, bootstrap_servers=sys.argv[1], group_id=group, auto_offset_reset='earliest',
                  enable_auto_commit=False, client_id='browser-test-consumer')
got = 0
while got < n:
    for recs in c.poll(timeout_ms=1000).values():
        got += len(recs)
c.commit()
c.close()
print(json.dumps({'consumed': got}))
`;

test('every page loads without errors; the browser shows kafka-python JSON records; lag falls to zero', async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  const b = await chromium(t);
  if (b === undefined) return;
  const open = (path: string) => b.open(path);
  const topic = uniqueTopic('readings');
  const group = uniqueTopic('dashboard');
  const admin = createAdmin({ bootstrapServers: tb.bootstrap });
  try {
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 1 }]);
    const sent = await run(PYTHON, ['-c', produceJson, tb.bootstrap, topic, '40']);
    assert.match(sent.stdout, /"sent": 40/, sent.stderr);
    // The group starts at the beginning: all 40 records (44 after the tail's) are its lag.
    await admin.alterGroupOffsets(
      group,
      [0, 1, 2].map((partition) => ({ topic, partition, offset: 0 })),
    );
  } finally {
    admin.close();
  }

  const overview = await open('/');
  await overview.waitForSelector(`text=${topic}`);
  await overview.waitForSelector('text=Under-replicated');
  // Pages of services this process does not run stay out of the menu.
  await overview.waitForSelector('#nav a:text-is("Consumer groups")');
  assert.deepEqual(await overview.locator('#nav a').allTextContents(), ['Overview', 'Topics', 'Consumer groups']);
  await overview.close();

  const topics = await open('/topics');
  await topics.waitForSelector(`a:has-text("${topic}")`);
  await shot(topics, 'topics');
  await topics.close();

  const messages = await open(`/topics/${topic}?tab=messages&from=beginning&limit=100`);
  await messages.waitForSelector('#messages td:has-text("sensor-3")');
  const text = await messages.locator('#messages').textContent();
  // JSON values are pretty-printed, keys and headers shown.
  assert.ok(text !== null);
  assert.match(text, /"reading": 1\.5/);
  assert.match(text, /"ok": true/);
  assert.match(text, /origin=kafka-python/);
  assert.equal(await messages.locator('#messages tbody tr').count(), 40);
  await shot(messages, 'topic-messages', false);
  // Filtering by text.
  await messages.fill('input[name=filter]', 'sensor-2');
  await messages.click('button:has-text("Load")');
  await messages.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 10);
  // Live tail: records kafka-python writes after it started appear (the filter still applies).
  await messages.click('#live');
  await messages.waitForSelector('#messages td:has-text("Waiting for new records")');
  const more = await run(PYTHON, ['-c', produceJson, tb.bootstrap, topic, '4']);
  assert.match(more.stdout, /"sent": 4/, more.stderr);
  await messages.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 1);
  assert.match((await messages.locator('#messages').textContent()) ?? '', /sensor-2/);
  await messages.click('#live');
  await messages.close();

  for (const tab of ['partitions', 'configs', 'produce']) {
    const p = await open(`/topics/${topic}?tab=${tab}`);
    await p.waitForSelector(tab === 'produce' ? 'form#produce' : 'table');
    if (tab === 'partitions') {
      await p.waitForSelector('td:has-text("44")', { state: 'attached' }).catch(() => undefined);
      await shot(p, 'topic-partitions');
    }
    await p.close();
  }

  const groups = await open('/groups');
  await groups.waitForSelector(`a:has-text("${group}")`);
  await groups.close();

  const g = await open(`/groups/${group}`);
  await g.waitForFunction(() => document.getElementById('total-lag')?.textContent === '44', undefined, {
    timeout: 60_000,
  });
  const consumed = await run(PYTHON, ['-c', consumeAll, tb.bootstrap, topic, group, '44']);
  assert.match(consumed.stdout, /"consumed": 44/, consumed.stderr);
  await g.waitForFunction(() => document.getElementById('total-lag')?.textContent === '0', undefined, {
    timeout: 60_000,
  });
  await shot(g, 'consumer-group');
  await g.close();

  // The overview again, now that the throughput sampler has a few samples for the sparklines.
  const later = await open('/');
  await later.waitForSelector('.spark canvas', { timeout: 30_000 });
  await shot(later, 'overview');
  await later.close();

  // On a phone.
  const phone = await b.context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${base}/`);
  await phone.waitForSelector(`text=${topic}`);
  await shot(phone, 'overview-phone');
  await phone.click('#menu');
  await phone.click('#nav a:has-text("Topics")');
  await phone.waitForSelector(`a:has-text("${topic}")`);
  await phone.close();

  assert.deepEqual(b.problems, []);
});

test('a topic created from the UI is visible to kcat', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const b = await chromium(t);
  if (b === undefined) return;
  const topic = uniqueTopic('from-ui');
  const page = await b.open('/topics');
  await page.fill('input[name=name]', topic);
  await page.fill('input[name=partitions]', '3');
  await page.click('form#create-topic button[type=submit]');
  await page.waitForURL(`**/topics/${topic}`);
  await page.waitForSelector(`h1:has-text("${topic}")`);
  await page.close();
  const r = await kcat(tb.bootstrap, ['-L', '-t', topic, '-J']);
  const md = JSON.parse(r.stdout) as { topics: Array<{ topic: string; partitions: unknown[]; error?: string }> };
  const found = md.topics.find((x) => x.topic === topic);
  assert.ok(found && !found.error, r.stdout);
  assert.equal(found.partitions.length, 3);
  assert.deepEqual(b.problems, []);
});
