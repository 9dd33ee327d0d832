/**
 * The console and the schema registry: records written by Confluent's own Avro serializer
 * (@confluentinc/schemaregistry) through KafkaJS are served by the console API as JSON naming their schema, shown
 * decoded in headless Chromium, and undecodable framed bytes fall back to base64. The schemas pages list the
 * subjects the serializer registered, show a version, the diff between two versions, and set a subject's
 * compatibility level.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AvroSerializer,
  type ClientConfig,
  SchemaRegistryClient as ConfluentRegistry,
  SerdeType,
} from '@confluentinc/schemaregistry';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { launchBrowser, screenshot } from '../helpers/chromium.js';
import { requireClient, uniqueTopic } from '../helpers/clients.js';

let tb: TestBroker;
let base: string;
let registryUrl: string;

before(async () => {
  tb = await startTestBroker({
    services: { console: true, 'schema-registry': true },
    config: { 'console.listeners': 'http://127.0.0.1:0', 'schema.registry.listeners': 'http://127.0.0.1:0' },
  });
  base = tb.broker.services.get('console')!.urls[0]!;
  registryUrl = tb.broker.services.get('schema-registry')!.urls[0]!;
});

after(async () => {
  await tb?.stop();
});

const schema = {
  type: 'record',
  name: 'Pageview',
  namespace: 'samsa.console',
  fields: [
    { name: 'viewtime', type: 'long' },
    { name: 'userid', type: 'string' },
    { name: 'pageid', type: 'string' },
  ],
};

/** Version 2 of the schema: a field added with a default (a BACKWARD compatible change). */
const schemaV2 = {
  ...schema,
  fields: [...schema.fields, { name: 'referrer', type: ['null', 'string'], default: null }],
};

/**
 * Writes `n` Avro records with Confluent's serializer and KafkaJS, plus one framed record with an unknown id;
 * `schemas` are registered in order first and the records written with the last.
 */
async function produceAvro(topic: string, n: number, schemas: object[] = [schema]): Promise<number> {
  const registry = ConfluentRegistry.newClient({ baseURLs: [registryUrl] } as ClientConfig);
  let id = -1;
  for (const s of schemas)
    id = await registry.register(`${topic}-value`, { schemaType: 'AVRO', schema: JSON.stringify(s) }, false);
  const ser = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true });
  const kafka = new Kafka({ clientId: 'console-avro', brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < n; i++) {
    const value = await ser.serialize(topic, {
      viewtime: 1_700_000_000_000 + i,
      userid: `User_${i % 9}`,
      pageid: `Page_${i}`,
    });
    messages.push({ key: `User_${i % 9}`, value });
  }
  messages.push({ key: 'broken', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]) });
  await producer.send({ topic, messages });
  await producer.disconnect();
  return id;
}

test('the console API decodes Avro values through the registry and names the schema', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  const topic = uniqueTopic('pageviews-avro');
  const id = await produceAvro(topic, 5);
  const res = await fetch(`${base}/console/api/topics/${topic}/records?from=beginning&limit=10`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    records: Array<{
      key: { data: string };
      value: { encoding: string; data: string; schema?: { id: number; type: string } };
    }>;
  };
  assert.equal(body.records.length, 6);
  const decoded = body.records.filter((r) => r.value.schema !== undefined);
  assert.equal(decoded.length, 5);
  for (const r of decoded) assert.deepEqual(r.value.schema, { id, type: 'AVRO' });
  const first = JSON.parse(decoded[0]!.value.data) as { viewtime: unknown; userid: string; pageid: string };
  assert.equal(first.userid, 'User_0');
  assert.equal(first.pageid, 'Page_0');
  assert.equal(String(first.viewtime), '1700000000000');
  // A framed value whose schema id the registry does not know is shown as bytes.
  const broken = body.records.find((r) => r.key.data === 'broken')!;
  assert.equal(broken.value.encoding, 'base64');
  assert.equal(broken.value.schema, undefined);
  // The text filter sees the decoded JSON.
  const filtered = await fetch(`${base}/console/api/topics/${topic}/records?from=beginning&filter=Page_3`);
  assert.equal(((await filtered.json()) as { records: unknown[] }).records.length, 1);
});

test('the message browser shows decoded Avro values with their schema', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  const browser = await launchBrowser(t);
  if (browser === undefined) return;
  try {
    const topic = uniqueTopic('pageviews-ui');
    const id = await produceAvro(topic, 3);
    const page = await browser.open(`${base}/topics/${topic}?tab=messages&from=beginning&limit=100`);
    await page.waitForSelector('#messages td:has-text("Page_2")');
    const text = (await page.locator('#messages').textContent()) ?? '';
    assert.match(text, new RegExp(`Avro #${id}`));
    assert.match(text, /"userid": "User_1"/);
    assert.match(text, /base64:/, 'the undecodable record is shown as bytes');
    await page.close();
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});

test("the schemas pages list the serializer's subjects, show a version, a diff and set compatibility", async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  const browser = await launchBrowser(t, base);
  if (browser === undefined) return;
  try {
    const topic = uniqueTopic('pageviews-schemas');
    const subject = `${topic}-value`;
    const id2 = await produceAvro(topic, 2, [schema, schemaV2]);

    const list = await browser.open('/schemas');
    const row = list.locator('tr', { has: list.locator(`a:text-is("${subject}")`) });
    await row.waitFor();
    // Subject, type, latest version, versions, id, compatibility.
    const cells = await row.locator('td').allTextContents();
    assert.deepEqual(cells, [subject, 'AVRO', '2', '2', String(id2), 'BACKWARD']);
    await screenshot(list, 'schemas');
    await list.click(`a:text-is("${subject}")`);
    await list.waitForURL(`**/schemas/${subject}`);
    // The latest version, pretty-printed.
    const latest = (await list.locator('#schema').textContent()) ?? '';
    assert.match(latest, /"name": "referrer"/);
    await list.close();

    const page = await browser.open(`/schemas/${subject}?version=1`);
    const v1 = (await page.locator('#schema').textContent()) ?? '';
    assert.doesNotMatch(v1, /referrer/);
    await page.selectOption('#compare select[name=from]', '1');
    await page.selectOption('#compare select[name=to]', '2');
    await page.click('#compare button[type=submit]');
    await page.waitForURL(`**/schemas/${subject}?version=2&diff=1`);
    // The diff is drawn after the page's data arrives: wait for its first line before reading them all.
    await page.locator('#diff .add, #diff .del').first().waitFor();
    const added = await page.locator('#diff .add').allTextContents();
    const removed = await page.locator('#diff .del').allTextContents();
    assert.ok(
      added.some((l) => /^\+ .*"name": "referrer"/.test(l)),
      `the added field is marked: ${added.join('')}`,
    );
    assert.ok(added.length >= 3, added.join(''));
    assert.ok(removed.length <= 2, `only the old last field's closing lines change: ${removed.join('')}`);
    await screenshot(page, 'schema-diff');

    // Compatibility set from the page is the subject's level in the registry.
    await page.selectOption('#compatibility select', 'FULL');
    await page.click('#compatibility button[type=submit]');
    await page.waitForSelector('#toast.show');
    const config = (await (await fetch(`${registryUrl}/config/${subject}`)).json()) as { compatibilityLevel: string };
    assert.equal(config.compatibilityLevel, 'FULL');
    await page.close();
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
});
