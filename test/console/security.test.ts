/**
 * The console acting as the user who logs in (console.authentication=auto over a SASL_PLAINTEXT listener): HTTP
 * Basic credentials checked by a SCRAM login to the broker, every REST and console call answered by that user's
 * clients so ACLs apply (a user allowed topic A only sees A, not B), wrong passwords answered 401 with the REST
 * Proxy's body and counted in the failed-authentication metric; the Users page creating a SCRAM user that
 * kcat then logs in as, and deleting it; the login form in headless Chromium.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdmin } from '../../src/client/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { launchBrowser, screenshot } from '../helpers/chromium.js';
import { kcat, requireClient, uniqueTopic } from '../helpers/clients.js';
import { createScramUsers, listenerAddress } from '../helpers/sasl.js';

let tb: TestBroker;
let base: string;
let metricsUrl: string;
let cluster: string;
let sasl: string;
const topicA = uniqueTopic('visible');
const topicB = uniqueTopic('hidden');

before(async () => {
  tb = await startTestBroker({
    services: { console: true, metrics: true },
    config: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // The test sets things up over the PLAINTEXT listener, as ANONYMOUS.
      'super.users': 'User:admin;User:ANONYMOUS',
      'console.listeners': 'http://127.0.0.1:0',
      'metrics.listeners': 'http://127.0.0.1:0',
      'auto.create.topics.enable': 'false',
      'connection.failed.authentication.delay.ms': '0',
    },
  });
  base = tb.broker.services.get('console')!.urls[0]!;
  metricsUrl = tb.broker.services.get('metrics')!.urls[0]!;
  cluster = tb.broker.clusterId;
  sasl = listenerAddress(tb, 'SASL_PLAINTEXT');
  await createScramUsers(tb, [
    { user: 'admin', password: 'admin-pw' },
    { user: 'reader', password: 'reader-pw' },
  ]);
  const admin = createAdmin({ bootstrapServers: listenerAddress(tb, 'PLAINTEXT') });
  try {
    await admin.createTopics([
      { name: topicA, numPartitions: 1, replicationFactor: 1 },
      { name: topicB, numPartitions: 1, replicationFactor: 1 },
    ]);
    await admin.createAcls([
      { resourceType: 'TOPIC', resourceName: topicA, principal: 'User:reader', operation: 'READ', permission: 'ALLOW' },
    ]);
  } finally {
    admin.close();
  }
});

after(async () => {
  await tb.stop();
});

type Json = Record<string, any>;

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

async function call(
  path: string,
  auth?: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json | null; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (auth !== undefined) headers['authorization'] = auth;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as Json), headers: res.headers };
}

const v3 = (path = '') => `/v3/clusters/${cluster}${path}`;

/** Failed SASL authentications on the SASL listener, from the Prometheus endpoint (its URL ends in /metrics). */
async function failedAuthentications(): Promise<number> {
  const text = await fetch(metricsUrl).then((r) => r.text());
  const m =
    /^kafka_server_socketservermetrics_failed_authentication_total\{[^}]*listener="SASL_PLAINTEXT"[^}]*\} (\d+)/m.exec(
      text,
    );
  return m === null ? 0 : Number(m[1]);
}

test('REST as the user: 401 without or with wrong credentials, ACLs decide what a user sees and does', async () => {
  const info = await call('/console/api/info');
  assert.equal(info.status, 200);
  assert.equal(info.body!.authentication, 'basic');
  assert.equal(info.body!.principal, null);
  assert.equal(info.body!.cluster_id, null);

  const anonymous = await call(v3('/topics'));
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body!.error_code, 40101);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm="samsa"/);

  const failedBefore = await failedAuthentications();
  const wrong = await call(v3('/topics'), basic('reader', 'not-the-password'));
  assert.equal(wrong.status, 401, JSON.stringify(wrong.body));
  assert.equal(wrong.body!.error_code, 40101);
  assert.match(wrong.body!.message, /Authentication failed/);
  const unknownUser = await call(v3('/topics'), basic('nobody', 'x'));
  assert.equal(unknownUser.status, 401);
  assert.equal(await failedAuthentications(), failedBefore + 2);

  const reader = basic('reader', 'reader-pw');
  const me = await call('/console/api/info', reader);
  assert.equal(me.body!.principal, 'User:reader');
  assert.equal(me.body!.cluster_id, cluster);
  const topics = await call(v3('/topics'), reader);
  assert.equal(topics.status, 200);
  const names = topics.body!.data.map((t: Json) => t.topic_name);
  assert.ok(names.includes(topicA), JSON.stringify(names));
  assert.ok(!names.includes(topicB), JSON.stringify(names));
  const overview = await call('/console/api/overview', reader);
  assert.deepEqual(
    overview.body!.topics.map((t: Json) => t.name),
    [topicA],
  );
  // Reading is allowed, writing and ACL administration are not.
  const produce = await call(v3(`/topics/${topicA}/records`), reader, {
    method: 'POST',
    body: { value: { type: 'JSON', data: { x: 1 } } },
  });
  assert.equal(produce.status, 403, JSON.stringify(produce.body));
  assert.equal(produce.body!.error_code, 40301);
  const acls = await call(v3('/acls'), reader);
  assert.equal(acls.status, 403);
  assert.equal(acls.body!.error_code, 40301);

  // The super user sees both topics and may produce.
  const admin = basic('admin', 'admin-pw');
  const all = await call(v3('/topics'), admin);
  const allNames = all.body!.data.map((t: Json) => t.topic_name);
  assert.ok(allNames.includes(topicA) && allNames.includes(topicB), JSON.stringify(allNames));
  const ok = await call(v3(`/topics/${topicB}/records`), admin, {
    method: 'POST',
    body: { value: { type: 'JSON', data: { x: 1 } } },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  // A cached session does not let a wrong password through.
  const again = await call(v3('/topics'), basic('admin', 'admin-pw-wrong'));
  assert.equal(again.status, 401);
});

const scram = (user: string, password: string) => [
  '-X',
  'security.protocol=SASL_PLAINTEXT',
  '-X',
  'sasl.mechanisms=SCRAM-SHA-512',
  '-X',
  `sasl.username=${user}`,
  '-X',
  `sasl.password=${password}`,
];

test('Users API: create a SCRAM user that kcat logs in as, delete it', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const admin = basic('admin', 'admin-pw');
  const created = await call('/console/api/users', admin, {
    method: 'POST',
    body: { name: 'writer', password: 'writer-pw', mechanism: 'SCRAM-SHA-512' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const list = await call('/console/api/users', admin);
  assert.deepEqual(
    list.body!.users.map((u: Json) => u.name),
    ['admin', 'reader', 'writer'],
  );
  const viaConsole = await call('/console/api/info', basic('writer', 'writer-pw'));
  assert.equal(viaConsole.status, 200, JSON.stringify(viaConsole.body));
  const kc = await kcat(sasl, [...scram('writer', 'writer-pw'), '-L', '-J', '-m', '10']);
  // No ACL names writer: it sees no topics, but it logged in.
  assert.deepEqual(JSON.parse(kc.stdout).topics, [], kc.stderr);

  const bad = await call('/console/api/users', admin, { method: 'POST', body: { name: 'x', password: '' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body!.error_code, 400);
  const denied = await call('/console/api/users', basic('reader', 'reader-pw'));
  assert.equal(denied.status, 403, JSON.stringify(denied.body));

  const del = await call('/console/api/users/writer', admin, { method: 'DELETE' });
  assert.equal(del.status, 204);
  const missing = await call('/console/api/users/writer', admin, { method: 'DELETE' });
  assert.equal(missing.status, 404);
  const refused = await kcat(sasl, [...scram('writer', 'writer-pw'), '-L', '-J', '-m', '5'], { allowFailure: true });
  assert.notEqual(refused.code, 0);
  const gone = await call('/console/api/info', basic('writer', 'writer-pw'));
  assert.equal(gone.status, 401);
});

test('the console asks for credentials in Chromium: wrong password refused, a reader sees topic A only', async (t) => {
  const b = await launchBrowser(t, base);
  if (b === undefined) return;
  try {
    const page = await b.open('/topics');
    const form = page.locator('#login');
    await form.waitFor();
    await screenshot(page, 'login', false);
    await form.locator('input[name=username]').fill('reader');
    await form.locator('input[name=password]').fill('wrong');
    await form.locator('button').click();
    await page.locator('.login-error', { hasText: 'Wrong user name or password' }).waitFor();
    // The refused login is the one failed request expected.
    assert.ok(
      b.problems.length > 0 && b.problems.every((p) => /401 for .*\/console\/api\/info|status of 401/.test(p)),
      b.problems.join('\n'),
    );
    b.problems.length = 0;

    await form.locator('input[name=password]').fill('reader-pw');
    await form.locator('button').click();
    await page.locator('#principal', { hasText: 'User:reader' }).waitFor();
    await page.locator('a', { hasText: topicA }).first().waitFor();
    assert.equal(await page.locator('a', { hasText: topicB }).count(), 0);
    // The ACLs page is in the menu (the broker has an authorizer), but the broker refuses a reader its ACLs.
    await page.getByRole('link', { name: 'ACLs' }).click();
    await page.locator('h1', { hasText: 'Could not load this page' }).waitFor();
    b.problems.length = 0;
    await page.getByRole('link', { name: 'Topics' }).click();
    await page.locator('a', { hasText: topicA }).first().waitFor();
    await page.locator(`a[href="/topics/${topicA}"]`).first().click();
    await page.locator('h1', { hasText: topicA }).waitFor();
    assert.deepEqual(b.problems, []);

    // The super user's Users page.
    const adminPage = await b.open('/users');
    await adminPage.locator('#login input[name=username]').fill('admin');
    await adminPage.locator('#login input[name=password]').fill('admin-pw');
    await adminPage.locator('#login button').click();
    await adminPage.locator('td', { hasText: 'reader' }).waitFor();
    const uf = adminPage.locator('#user-create');
    await uf.locator('input[name=name]').fill('auditor');
    await uf.locator('input[name=password]').fill('auditor-pw');
    await uf.locator('button').click();
    await adminPage.locator('td', { hasText: 'auditor' }).waitFor();
    await screenshot(adminPage, 'users', false);
    adminPage.once('dialog', (d) => void d.accept());
    await adminPage.locator('tr', { hasText: 'auditor' }).getByRole('button', { name: 'Delete' }).click();
    await adminPage.locator('td', { hasText: 'auditor' }).waitFor({ state: 'detached' });
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
});
