/**
 * samsa datagen: every quickstart's records are valid against the schema registered for them (decoded by
 * @kafkajs/confluent-schema-registry, checked with avsc), keys and value ranges match the quickstarts users know,
 * the schema formats and a user's own schema work, the CLI writes what `samsa consume --value-format avro`
 * decodes, and a 100,000-record run is acknowledged in full (its speed is a benchmark: npm run bench:datagen).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { createAdmin } from '../../src/client/admin.js';
import { createConsumer } from '../../src/client/consumer.js';
import { QUICKSTARTS } from '../../src/datagen/quickstarts.js';
import { runDatagen } from '../../src/datagen/run.js';
import { run as runCommand } from '../helpers/clients.js';
import { projectRoot } from '../helpers/spec.js';
import { call, registryBrokerForFile } from '../registry/helpers.js';

const f = registryBrokerForFile();

/** Reads `n` records of a one-partition topic from the start. */
async function readAll(topic: string, n: number): Promise<Array<{ key: string; value: Buffer }>> {
  const consumer = createConsumer({ bootstrapServers: f.bootstrap, autoOffsetReset: 'earliest' });
  const out: Array<{ key: string; value: Buffer }> = [];
  try {
    consumer.assign([{ topic, partition: 0 }]);
    consumer.seek({ topic, partition: 0 }, 0);
    const deadline = Date.now() + 60_000;
    while (out.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${out.length} of ${n} records of ${topic}`);
      const r = await consumer.next();
      if (!r) break;
      out.push({ key: r.key!.toString(), value: r.value! });
    }
  } finally {
    await consumer.close();
  }
  return out;
}

const run = (dataset: string, format: 'avro' | 'json_sr' | 'protobuf' | 'json', topic: string, iterations = 200) =>
  runDatagen({
    dataset,
    topic,
    format,
    iterations,
    intervalMs: 0,
    bootstrap: f.bootstrap,
    registryUrl: f.url,
    seed: 7,
  });

test('every quickstart: Avro records valid against the registered schema, keyed by the key field', async () => {
  const kjs = new SchemaRegistry({ host: f.url });
  for (const name of Object.keys(QUICKSTARTS)) {
    const topic = `dg-${name}`;
    await run(name, 'avro', topic);
    const latest = await call(f.url, 'GET', `/subjects/${topic}-value/versions/latest`);
    assert.equal(latest.status, 200, `${name}: schema registered`);
    const type = avro.Type.forSchema(JSON.parse(latest.body.schema));
    const keyField = QUICKSTARTS[name]!().keyField;
    const records = await readAll(topic, 200);
    assert.equal(records.length, 200);
    for (const r of records) {
      assert.equal(r.value.readInt32BE(1), latest.body.id, `${name}: schema id`);
      const v = await kjs.decode(r.value);
      assert.ok(type.isValid(v), `${name}: ${JSON.stringify(v)} valid`);
      assert.equal(r.key, String(v[keyField]), `${name}: key is ${keyField}`);
    }
  }
});

test('fields and ranges users of the quickstarts know, with ids that join', async () => {
  const kjs = new SchemaRegistry({ host: f.url });
  const decode = async (topic: string) =>
    Promise.all((await readAll(topic, 200)).map(async (r) => ({ ...(await kjs.decode(r.value)) })));
  const users = await decode('dg-users');
  for (const u of users) {
    assert.deepEqual(Object.keys(u), ['registertime', 'userid', 'regionid', 'gender']);
    assert.match(u.userid, /^User_[1-9]$/);
    assert.match(u.regionid, /^Region_[1-9]$/);
    assert.ok(['MALE', 'FEMALE', 'OTHER'].includes(u.gender));
  }
  const pageviews = await decode('dg-pageviews');
  const userIds = new Set(users.map((u) => u.userid));
  for (const p of pageviews) {
    assert.deepEqual(Object.keys(p), ['viewtime', 'userid', 'pageid']);
    assert.match(p.pageid, /^Page_[1-9][0-9]?$/);
    assert.ok(userIds.has(p.userid), `pageview user ${p.userid} joins a user`);
  }
  const views = pageviews.map((p) => Number(p.viewtime));
  assert.ok(
    views.every((v, i) => i === 0 || v > views[i - 1]!),
    'viewtime increases',
  );
  const clickUsers = new Set((await decode('dg-clickstream_users')).map((u) => u.user_id));
  for (const c of await decode('dg-clickstream')) assert.ok(c.userid >= 1 && c.userid <= 40);
  assert.ok(clickUsers.has(1) && clickUsers.has(40), 'clickstream_users covers the clickstream user ids');
  const codes = (await decode('dg-clickstream_codes')).map((c) => String(c.code));
  for (const c of await decode('dg-clickstream')) assert.ok(codes.includes(c.status));
  for (const t of await decode('dg-stock_trades')) {
    assert.ok(['BUY', 'SELL'].includes(t.side));
    assert.ok(t.quantity >= 1 && t.quantity <= 5000 && t.price >= 5 && t.price <= 1000);
  }
  for (const r of await decode('dg-ratings')) assert.ok(r.stars >= 1 && r.stars <= 5);
  for (const o of await decode('dg-orders')) {
    assert.match(o.itemid, /^Item_[1-9][0-9]{0,2}$/);
    assert.ok(o.orderunits >= 0.1 && o.orderunits <= 10);
    assert.ok(o.address.zipcode >= 10000 && o.address.zipcode <= 99999);
  }
});

test('JSON Schema and Protobuf formats, and a user schema', async () => {
  const kjs = new SchemaRegistry({ host: f.url });
  await run('orders', 'json_sr', 'dg-orders-json', 50);
  const j = await call(f.url, 'GET', '/subjects/dg-orders-json-value/versions/latest');
  assert.equal(j.body.schemaType, 'JSON');
  for (const r of await readAll('dg-orders-json', 50)) {
    const v = await kjs.decode(r.value);
    assert.equal(typeof v.address.city, 'string');
  }
  await run('orders', 'protobuf', 'dg-orders-proto', 50);
  const p = await call(f.url, 'GET', '/subjects/dg-orders-proto-value/versions/latest');
  assert.equal(p.body.schemaType, 'PROTOBUF');
  for (const r of await readAll('dg-orders-proto', 50)) {
    const v = await kjs.decode(r.value);
    assert.match(v.itemid, /^Item_/);
    assert.match(v.address.city, /^City_/);
  }
  const own = {
    type: 'record',
    name: 'Sensor',
    fields: [
      { name: 'sensor_id', type: { type: 'string', 'arg.properties': { regex: 'S-[0-9]{3}' } } },
      { name: 'temp', type: { type: 'double', 'arg.properties': { range: { min: -10, max: 40 } } } },
      { name: 'ok', type: 'boolean' },
    ],
  };
  await runDatagen({
    dataset: { schema: own, keyField: 'sensor_id' },
    topic: 'dg-sensors',
    format: 'avro',
    iterations: 30,
    intervalMs: 0,
    bootstrap: f.bootstrap,
    registryUrl: f.url,
  });
  for (const r of await readAll('dg-sensors', 30)) {
    const v = await kjs.decode(r.value);
    assert.match(v.sensor_id, /^S-\d{3}$/);
    assert.equal(r.key, v.sensor_id);
    assert.ok(v.temp >= -10 && v.temp <= 40);
  }
});

test('the CLI: samsa datagen writes Avro that samsa consume decodes through the registry', async () => {
  const bin = join(projectRoot, 'bin', 'samsa.js');
  {
    // The broker and registry run in this process: the commands run asynchronously so they can answer.
    const ok = await runCommand(
      process.execPath,
      [
        bin,
        'datagen',
        '-q',
        'users',
        '-t',
        'dg-cli',
        '-f',
        'avro',
        '-n',
        '25',
        '-b',
        f.bootstrap,
        '--schema-registry',
        f.url,
      ],
      { timeoutMs: 120_000 },
    );
    assert.match(ok.stderr, /dg-cli: 25 records/);
    const out = await runCommand(
      process.execPath,
      [
        bin,
        'consume',
        '-t',
        'dg-cli',
        '--from-beginning',
        '--exit-at-end',
        '--value-format',
        'avro',
        '--schema-registry',
        f.url,
        '-b',
        f.bootstrap,
      ],
      { timeoutMs: 120_000 },
    );
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, 25);
    for (const l of lines) {
      const u = JSON.parse(l);
      assert.match(u.userid, /^User_[1-9]$/);
    }
  }
});

test('100,000 Avro records: every one acknowledged (the rate is measured by npm run bench:datagen)', async () => {
  const p = await run('pageviews', 'avro', 'dg-volume', 100_000);
  assert.equal(p.records, 100_000);
  const admin = createAdmin({ bootstrapServers: f.bootstrap });
  try {
    const [end] = await admin.listOffsets([{ topic: 'dg-volume', partition: 0 }], 'latest');
    assert.equal(Number(end!.offset), 100_000);
  } finally {
    await admin.close();
  }
});
