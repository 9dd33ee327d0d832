/**
 * ACLs on the console's listener: the REST Proxy v3 ACL endpoints (search with Confluent's query parameters,
 * create one, create a batch, delete by filter) with Confluent's shapes and error bodies, and the console's ACL
 * page in headless Chromium, whose created and removed bindings kafka-python's admin client sees.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdmin } from '../../src/client/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { launchBrowser, screenshot } from '../helpers/chromium.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';

let tb: TestBroker;
let base: string;
let cluster: string;

before(async () => {
  tb = await startTestBroker({
    services: { console: true },
    config: {
      'console.listeners': 'http://127.0.0.1:0',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // The console (and the test's clients) connect without credentials.
      'super.users': 'User:ANONYMOUS',
    },
  });
  base = tb.broker.services.get('console')!.urls[0]!;
  cluster = tb.broker.clusterId;
});

after(async () => {
  await tb.stop();
});

type Json = Record<string, any>;

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json | null; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as Json), headers: res.headers };
}

const v3 = (path = '') => `/v3/clusters/${cluster}${path}`;

test('v3 ACLs: create, search with filters, batch, delete; Confluent shapes', async () => {
  const topic = uniqueTopic('acl-rest');
  const acl = {
    resource_type: 'TOPIC',
    resource_name: topic,
    pattern_type: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  };
  const created = await call('POST', v3('/acls'), acl);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body, null);
  assert.match(created.headers.get('location') ?? '', /\/acls\?resource_type=TOPIC&resource_name=/);

  const batch = await call('POST', v3('/acls:batch'), {
    data: [
      { ...acl, resource_name: `${topic}-`, pattern_type: 'PREFIXED', principal: 'User:bob', operation: 'WRITE' },
      { ...acl, principal: 'User:carol', permission: 'DENY', operation: 'ALL', host: '10.0.0.1' },
    ],
  });
  assert.equal(batch.status, 204, JSON.stringify(batch.body));

  const all = await call('GET', v3('/acls'));
  assert.equal(all.status, 200);
  assert.equal(all.body!.kind, 'KafkaAclList');
  assert.equal(all.body!.metadata.self, `${base}${v3('/acls')}`);
  const mine = all.body!.data.filter((a: Json) => a.resource_name.startsWith(topic));
  assert.equal(mine.length, 3);
  const alice = mine.find((a: Json) => a.principal === 'User:alice');
  assert.deepEqual(
    { ...alice, metadata: undefined },
    { kind: 'KafkaAcl', metadata: undefined, cluster_id: cluster, ...acl },
  );
  // Its self link searches for exactly it.
  const self = await fetch(alice.metadata.self).then((r) => r.json() as Promise<Json>);
  assert.deepEqual(
    self.data.map((a: Json) => a.principal),
    ['User:alice'],
  );

  const byPrincipal = await call('GET', v3('/acls?principal=User:bob'));
  assert.deepEqual(
    byPrincipal.body!.data.map((a: Json) => [a.resource_name, a.pattern_type, a.operation]),
    [[`${topic}-`, 'PREFIXED', 'WRITE']],
  );
  const literal = await call('GET', v3(`/acls?resource_type=TOPIC&resource_name=${topic}&pattern_type=LITERAL`));
  assert.deepEqual(literal.body!.data.map((a: Json) => a.principal).sort(), ['User:alice', 'User:carol']);
  // MATCH: every binding that applies to the topic `${topic}-x`: only the prefixed one.
  const match = await call('GET', v3(`/acls?resource_type=topic&resource_name=${topic}-x&pattern_type=match`));
  assert.deepEqual(
    match.body!.data.map((a: Json) => a.principal),
    ['User:bob'],
  );
  const denies = await call('GET', v3(`/acls?permission=DENY&resource_name=${topic}`));
  assert.deepEqual(
    denies.body!.data.map((a: Json) => [a.principal, a.host, a.operation]),
    [['User:carol', '10.0.0.1', 'ALL']],
  );

  // Delete by filter: the deleted ACLs come back.
  const del = await call('DELETE', v3(`/acls?resource_type=TOPIC&resource_name=${topic}&principal=User:carol`));
  assert.equal(del.status, 200);
  assert.deepEqual(
    del.body!.data.map((a: Json) => [a.kind, a.principal, a.permission]),
    [['KafkaAcl', 'User:carol', 'DENY']],
  );
  const delRest = await call('DELETE', v3(`/acls?resource_type=ANY&resource_name=${topic}`));
  assert.deepEqual(
    delRest.body!.data.map((a: Json) => a.principal),
    ['User:alice'],
  );
  const delPrefixed = await call('DELETE', v3(`/acls?resource_type=TOPIC&pattern_type=PREFIXED&principal=User:bob`));
  assert.equal(delPrefixed.body!.data.length, 1);
  const after = await call('GET', v3(`/acls?resource_type=TOPIC&resource_name=${topic}&pattern_type=MATCH`));
  assert.deepEqual(after.body!.data, []);
});

test('v3 ACLs: error bodies for bad input and unknown clusters', async () => {
  const good = {
    resource_type: 'TOPIC',
    resource_name: 'x',
    pattern_type: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  };
  const cases: Array<[string, string, unknown, number, number, RegExp]> = [
    ['POST', v3('/acls'), { ...good, resource_type: 'TABLE' }, 400, 400, /resource_type must be one of/],
    ['POST', v3('/acls'), { ...good, operation: undefined }, 400, 400, /operation is required/],
    [
      'POST',
      v3('/acls'),
      { ...good, pattern_type: 'MATCH' },
      400,
      400,
      /pattern_type must be one of LITERAL, PREFIXED/,
    ],
    ['POST', v3('/acls'), { ...good, principal: 'alice' }, 400, 40002, /principal/i],
    ['POST', v3('/acls'), { ...good, resource_type: 'CLUSTER' }, 400, 40002, /kafka-cluster/],
    ['POST', v3('/acls'), 'not json', 400, 400, /not valid JSON/],
    ['POST', v3('/acls:batch'), { data: [] }, 400, 400, /non-empty array/],
    ['GET', v3('/acls?operation=FLY'), undefined, 400, 400, /operation must be one of/],
    ['DELETE', v3('/acls?principal=User:alice'), undefined, 400, 400, /resource_type is required/],
    ['GET', '/v3/clusters/not-this-one/acls', undefined, 404, 404, /Cluster not-this-one not found/],
  ];
  for (const [method, path, body, status, code, message] of cases) {
    const res = await call(method, path, body);
    assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body!.error_code, code, JSON.stringify(res.body));
    assert.match(res.body!.message, message);
  }
});

test('v3 ACLs without an authorizer: 400 with the broker’s reason', async () => {
  const plain = await startTestBroker({
    services: { console: true },
    config: { 'console.listeners': 'http://127.0.0.1:0' },
  });
  try {
    const url = plain.broker.services.get('console')!.urls[0]!;
    const res = await fetch(`${url}/v3/clusters/${plain.broker.clusterId}/acls`);
    const body = (await res.json()) as Json;
    assert.equal(res.status, 400);
    assert.equal(body.error_code, 40002);
    assert.match(body.message, /authorizer/i);
    const info = (await fetch(`${url}/console/api/info`).then((r) => r.json())) as Json;
    assert.equal(info.security.acls, false);
  } finally {
    await plain.stop();
  }
});

test('the ACL page lists, adds and removes bindings that kafka-python sees', async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  const b = await launchBrowser(t, base);
  if (b === undefined) return;
  const topic = uniqueTopic('acl-ui');
  const admin = createAdmin({ bootstrapServers: tb.bootstrap });
  const seen = async () =>
    (await runPython<{ acls: string[][] }>('console_acls_kp.py', [tb.bootstrap, topic])).summary.acls;
  try {
    await admin.createAcls([
      { resourceType: 'TOPIC', resourceName: topic, principal: 'User:reader', operation: 'READ', permission: 'ALLOW' },
      { resourceType: 'GROUP', resourceName: 'dash', principal: 'User:reader', operation: 'READ', permission: 'ALLOW' },
    ]);
    const page = await b.open('/acls');
    await page.getByRole('link', { name: 'ACLs' }).waitFor();
    await page.locator('td', { hasText: topic }).first().waitFor();

    // Filter by resource type and name: only the topic's binding.
    await page.locator('#acl-filter select[name=resource_type]').selectOption('TOPIC');
    await page.locator('#acl-filter input[name=resource_name]').fill(topic);
    await page.locator('#acl-filter button').click();
    await page.waitForURL(/resource_type=TOPIC/);
    await page.locator('td', { hasText: 'User:reader' }).first().waitFor();
    assert.equal(await page.locator('td', { hasText: 'dash' }).count(), 0);

    // Add a DENY WRITE for User:mallory.
    const form = page.locator('#acl-create');
    await form.locator('select[name=resource_type]').selectOption('TOPIC');
    await form.locator('input[name=resource_name]').fill(topic);
    await form.locator('input[name=principal]').fill('User:mallory');
    await form.locator('select[name=operation]').selectOption('WRITE');
    await form.locator('select[name=permission]').selectOption('DENY');
    await form.locator('button').click();
    await page.locator('td', { hasText: 'User:mallory' }).waitFor();
    await screenshot(page, 'acls');
    assert.deepEqual(await seen(), [
      ['User:mallory', '*', 'WRITE', 'DENY', 'LITERAL'],
      ['User:reader', '*', 'READ', 'ALLOW', 'LITERAL'],
    ]);

    // Remove the reader's binding.
    page.once('dialog', (d) => void d.accept());
    await page.locator('tr', { hasText: 'User:reader' }).getByRole('button', { name: 'Remove' }).click();
    await page.locator('td', { hasText: 'User:reader' }).waitFor({ state: 'detached' });
    assert.deepEqual(await seen(), [['User:mallory', '*', 'WRITE', 'DENY', 'LITERAL']]);
    assert.deepEqual(b.problems, []);
  } finally {
    admin.close();
    await b.close();
  }
});
