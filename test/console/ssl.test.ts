/**
 * The console of a broker without a plaintext listener. Its own clients connect the way another broker would:
 * - SSL only, with ssl.client.auth=required: TLS with the broker's truststore and its keystore as the client
 *   certificate; a topic created through REST v3 and records produced into it by kcat (SSL, a client
 *   certificate) are read back through the console's message browser;
 * - SASL_SSL only, SCRAM-SHA-512 and PLAIN: console.authentication=auto logs each user in with SCRAM over TLS;
 *   a SCRAM user's HTTP Basic credentials open the REST API and the message browser (records kcat produced as that
 *   user over SASL_SSL), a wrong password is answered 401, and the login form works in headless Chromium.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createAdmin } from '../../src/client/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { launchBrowser } from '../helpers/chromium.js';
import { kcat, requireClient, uniqueTopic, kcatSsl } from '../helpers/clients.js';
import { makeCerts, sslBrokerConfig } from '../helpers/tls.js';

type Json = Record<string, any>;

async function call(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; auth?: string } = {},
): Promise<{ status: number; body: Json | null }> {
  const headers: Record<string, string> = {};
  if (init.auth !== undefined) headers['authorization'] = init.auth;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as Json) };
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** Values of the records the console's message browser shows, oldest first. */
async function browsed(base: string, topic: string, auth?: string): Promise<string[]> {
  const r = await call(base, `/console/api/topics/${topic}/records?from=beginning&limit=100`, auth ? { auth } : {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body!['records'] as Json[]).map((x) => x['value']?.['data'] as string);
}

test('SSL only, client certificates required: the console connects with TLS; kcat records appear in it', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const certs = await makeCerts(t);
  const tb = await startTestBroker({
    services: { console: true },
    config: sslBrokerConfig(certs, { 'console.listeners': 'http://127.0.0.1:0', 'auto.create.topics.enable': 'false' }),
  });
  t.after(() => tb.stop());
  assert.deepEqual(
    tb.broker.listeners.map((l) => l.securityProtocol),
    ['SSL'],
  );
  const base = tb.broker.services.get('console')!.urls[0]!;
  const cluster = tb.broker.clusterId;

  const info = await call(base, '/console/api/info');
  assert.equal(info.status, 200, JSON.stringify(info.body));
  assert.equal(info.body!['cluster_id'], cluster);
  const brokers = await call(base, `/v3/clusters/${cluster}/brokers`);
  assert.equal(brokers.status, 200, JSON.stringify(brokers.body));
  assert.deepEqual(
    (brokers.body!['data'] as Json[]).map((b) => b['broker_id']),
    [tb.broker.nodeId],
  );

  const topic = uniqueTopic('over-ssl');
  const created = await call(base, `/v3/clusters/${cluster}/topics`, {
    method: 'POST',
    body: { topic_name: topic, partitions_count: 2 },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  const alice = certs.clients['alice']!;
  const ssl = kcatSsl(certs.ca, alice.cert, alice.key);
  const produced = await kcat(tb.bootstrap, [...ssl, '-P', '-t', topic, '-p', '0'], { input: 'one\ntwo\nthree\n' });
  assert.equal(produced.code, 0, produced.stderr);
  assert.deepEqual(await browsed(base, topic), ['one', 'two', 'three']);

  // Producing through the REST API goes over TLS too; kcat reads the record back.
  const posted = await call(base, `/v3/clusters/${cluster}/topics/${topic}/records`, {
    method: 'POST',
    body: { partition_id: 1, value: { type: 'STRING', data: 'from-rest' } },
  });
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  const read = await kcat(tb.bootstrap, [...ssl, '-C', '-t', topic, '-p', '1', '-o', 'beginning', '-e', '-q']);
  assert.equal(read.stdout.trim(), 'from-rest', read.stderr);
});

test('SASL_SSL only: console users log in with SCRAM over TLS, in REST calls and in Chromium', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const certs = await makeCerts(t);
  const tb = await startTestBroker({
    services: { console: true },
    config: {
      ...sslBrokerConfig(certs, { 'ssl.client.auth': 'none' }),
      listeners: 'SASL_SSL://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
        'user_admin="admin-secret";',
      'console.listeners': 'http://127.0.0.1:0',
      'auto.create.topics.enable': 'false',
      'connection.failed.authentication.delay.ms': '0',
    },
  });
  t.after(() => tb.stop());
  const base = tb.broker.services.get('console')!.urls[0]!;
  const cluster = tb.broker.clusterId;
  const topic = uniqueTopic('over-sasl-ssl');

  // The PLAIN admin creates a SCRAM user and a topic over SASL_SSL.
  const admin = createAdmin({
    bootstrapServers: tb.bootstrap,
    tls: { ca: readFileSync(certs.ca) },
    sasl: { mechanism: 'PLAIN', username: 'admin', password: 'admin-secret' },
  });
  try {
    await admin.alterUserScramCredentials({
      upsertions: [{ user: 'carol', mechanism: 'SCRAM-SHA-512', password: 'carol-pw' }],
    });
    await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
  } finally {
    admin.close();
  }

  const asCarol = [
    '-X',
    'security.protocol=sasl_ssl',
    '-X',
    `ssl.ca.location=${certs.ca}`,
    '-X',
    'sasl.mechanisms=SCRAM-SHA-512',
    '-X',
    'sasl.username=carol',
    '-X',
    'sasl.password=carol-pw',
  ];
  const produced = await kcat(tb.bootstrap, [...asCarol, '-P', '-t', topic], { input: 'alpha\nbeta\n' });
  assert.equal(produced.code, 0, produced.stderr);

  const anonymous = await call(base, '/console/api/info');
  assert.equal(anonymous.body!['authentication'], 'basic');
  assert.equal(anonymous.body!['principal'], null);
  const carol = basic('carol', 'carol-pw');
  const info = await call(base, '/console/api/info', { auth: carol });
  assert.equal(info.status, 200, JSON.stringify(info.body));
  assert.equal(info.body!['principal'], 'User:carol');
  const wrong = await call(base, '/console/api/info', { auth: basic('carol', 'nope') });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body!['error_code'], 40101);
  const topics = await call(base, `/v3/clusters/${cluster}/topics`, { auth: carol });
  assert.equal(topics.status, 200, JSON.stringify(topics.body));
  assert.ok((topics.body!['data'] as Json[]).some((x) => x['topic_name'] === topic));
  assert.deepEqual(await browsed(base, topic, carol), ['alpha', 'beta']);

  const b = await launchBrowser(t, base);
  if (b === undefined) return;
  try {
    const page = await b.open(`/topics/${topic}?tab=messages&from=beginning`);
    const form = page.locator('#login');
    await form.waitFor();
    await form.locator('input[name=username]').fill('carol');
    await form.locator('input[name=password]').fill('carol-pw');
    await form.locator('button').click();
    await page.locator('#principal', { hasText: 'User:carol' }).waitFor();
    await page.locator('#messages td', { hasText: 'beta' }).first().waitFor();
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});
