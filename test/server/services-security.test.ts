/**
 * The schema registry and streaming SQL of a broker without a PLAINTEXT listener: they reach the broker as the
 * broker itself, over its inter-broker listener, with TLS (the broker's truststore and keystore) and its own SASL
 * user. Schemas registered over HTTP and rows inserted through the SQL API reach their topics, read back by kcat
 * over SASL_SSL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker } from '../helpers/broker.js';
import { kcat, kcatSaslSsl, requireClient, uniqueTopic } from '../helpers/clients.js';
import { makeCerts, sslBrokerConfig } from '../helpers/tls.js';
import { ksql, post, queryRows, waitFor } from '../sql/helpers.js';

test('SASL_SSL only: the registry and streaming SQL log in as the broker; their records reach kcat', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const certs = await makeCerts(t);
  const tb = await startTestBroker({
    services: { 'schema-registry': true, ksql: true },
    config: {
      ...sslBrokerConfig(certs, { 'ssl.client.auth': 'none' }),
      listeners: 'SASL_SSL://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" ' +
        'user_broker="broker-secret" user_alice="alice-secret";',
      'schema.registry.listeners': 'http://127.0.0.1:0',
      'ksql.listeners': 'http://127.0.0.1:0',
    },
  });
  t.after(() => tb.stop());
  assert.deepEqual(
    tb.broker.listeners.map((l) => l.securityProtocol),
    ['SASL_SSL'],
  );
  const kcatAuth = kcatSaslSsl(certs.ca, 'PLAIN', 'alice', 'alice-secret');

  // The registry: a schema registered over HTTP is written to _schemas through the broker's SASL_SSL listener.
  const registry = tb.broker.services.get('schema-registry')!.urls[0]!;
  const schema = JSON.stringify({ type: 'record', name: 'Click', fields: [{ name: 'page', type: 'string' }] });
  const registered = await fetch(`${registry}/subjects/clicks-value/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema }),
  });
  assert.equal(registered.status, 200, await registered.clone().text());
  const { id } = (await registered.json()) as { id: number };
  const stored = await kcat(tb.bootstrap, [...kcatAuth, '-C', '-t', '_schemas', '-o', 'beginning', '-e', '-q']);
  assert.equal(stored.code, 0, stored.stderr);
  assert.match(stored.stdout, /"subject":"clicks-value"/);
  assert.match(stored.stdout, new RegExp(`"id":${id}\\b`));

  // Streaming SQL: its command topic, the stream's topic and a persistent query's output all go over SASL_SSL.
  const sql = tb.broker.services.get('ksql')!.urls[0]!;
  const input = uniqueTopic('pages');
  await ksql(
    sql,
    `CREATE STREAM pages (id INT KEY, page STRING) WITH (KAFKA_TOPIC='${input}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
  );
  await ksql(sql, `CREATE STREAM home AS SELECT id, page FROM pages WHERE page = 'home' EMIT CHANGES;`, {
    'auto.offset.reset': 'earliest',
  });
  for (const [i, page] of ['home', 'about', 'home'].entries()) {
    const r = await post(sql, '/ksql', { ksql: `INSERT INTO pages (id, page) VALUES (${i}, '${page}');` });
    assert.equal(r.status, 200, r.text);
  }
  const written = await kcat(tb.bootstrap, [...kcatAuth, '-C', '-t', input, '-o', 'beginning', '-e', '-q']);
  assert.equal(written.code, 0, written.stderr);
  assert.deepEqual(
    written.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).PAGE),
    ['home', 'about', 'home'],
  );
  const filtered = await waitFor('the persistent query output', async () => {
    const r = await kcat(tb.bootstrap, [...kcatAuth, '-C', '-t', 'HOME', '-o', 'beginning', '-e', '-q']);
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '');
    return lines.length === 2 ? lines : undefined;
  });
  assert.deepEqual(
    filtered.map((l) => JSON.parse(l).PAGE),
    ['home', 'home'],
  );
  const pushed = await queryRows(sql, 'SELECT id, page FROM pages EMIT CHANGES LIMIT 3;', {
    'auto.offset.reset': 'earliest',
  });
  assert.deepEqual(pushed.rows, [
    [0, 'home'],
    [1, 'about'],
    [2, 'home'],
  ]);
});
