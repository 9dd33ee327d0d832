/**
 * The cluster's ACLs, SCRAM credentials and client quotas in etcd, with two "brokers" (an etcd client and a
 * watched metadata cache each) against a real etcd: changes made at the same moment through both survive, one
 * broker's change decides on the other, and a broker cut off from etcd while others changed (and deleted) things
 * catches up when it is back.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { warnUnusedSecurityFiles } from '../../src/broker/authorizer.js';
import { ClientQuotas } from '../../src/broker/quotas/client-quotas.js';
import { EtcdStore } from '../../src/cluster/etcd-store.js';
import { MetadataCache } from '../../src/cluster/metadata-cache.js';
import { clusterSecurityStores } from '../../src/cluster/security-stores.js';
import { scramCredentialFromSalted, scramSaltedPassword } from '../../src/protocol/sasl.js';
import { AclAuthorizer } from '../../src/security/acl-authorizer.js';
import { type AclBinding, AclPermissionType, ANY_ACL, PatternType } from '../../src/security/acl.js';
import { AclOperation, type Requester, ResourceType } from '../../src/security/authorizer.js';
import type { Logger } from '../../src/storage/logger.js';
import { waitUntil } from '../helpers/cluster.js';
import { etcdBinary, startTcpProxy, startTestEtcd, type TestEtcd } from '../helpers/etcd.js';

const WINDOW = { samples: 11, windowMs: 1000 };

const requester = (name: string): Requester => ({
  principal: { type: 'User', name },
  clientHost: '127.0.0.1',
  listenerName: 'PLAINTEXT',
  securityProtocol: 'PLAINTEXT',
});

const readTopic = (
  user: string,
  topic: string,
  permission: AclBinding['permission'] = AclPermissionType.ALLOW,
): AclBinding => ({
  resourceType: ResourceType.TOPIC,
  resourceName: topic,
  patternType: PatternType.LITERAL,
  principal: `User:${user}`,
  host: '*',
  operation: AclOperation.READ,
  permission,
});

const credential = (password: string) => {
  const salt = Buffer.from('salt-of-the-test');
  return scramCredentialFromSalted(
    'SCRAM-SHA-256',
    scramSaltedPassword('SCRAM-SHA-256', password, salt, 4096),
    salt,
    4096,
  );
};

describe('ACLs, SCRAM credentials and quotas shared through etcd', {
  skip:
    etcdBinary() === undefined && process.env['SAMSA_REQUIRE_CLIENTS'] !== '1'
      ? 'NOTICE: etcd not installed (apt-get install etcd-server)'
      : false,
}, () => {
  let etcd: TestEtcd;
  const cleanups: Array<() => unknown> = [];

  before(async () => {
    etcd = await startTestEtcd();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    await etcd.cleanup();
  });

  /** One broker's side: its etcd client and cache, and the three stores with their users. */
  async function member(clusterId: string, endpoint = etcd.endpoint) {
    const store = new EtcdStore({ endpoints: [endpoint], clusterId });
    const cache = new MetadataCache(store, { retryMs: 100 });
    await cache.start();
    cleanups.push(() => store.close());
    cleanups.push(() => cache.stop());
    const stores = clusterSecurityStores(store, cache);
    const authorizer = await AclAuthorizer.open({ store: stores.acls });
    const quotas = new ClientQuotas(stores.quotas, WINDOW);
    await quotas.load();
    return { store, cache, authorizer, quotas, scram: stores.scram };
  }

  test('changes made at once through two brokers all survive, and each decides on the other', async () => {
    const clusterId = randomUUID();
    const a = await member(clusterId);
    const b = await member(clusterId);
    const topic = { type: ResourceType.TOPIC, name: 'orders' };

    // Twenty ACLs created through A and twenty through B, at the same time.
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => a.authorizer.create([readTopic(`a${i}`, 'orders')])),
      ...Array.from({ length: 20 }, (_, i) => b.authorizer.create([readTopic(`b${i}`, 'orders')])),
    ]);
    await waitUntil('40 ACLs on both', () => a.authorizer.size === 40 && b.authorizer.size === 40, 5000);
    assert.ok(b.authorizer.authorize(requester('a7'), AclOperation.READ, topic));
    assert.ok(a.authorizer.authorize(requester('b7'), AclOperation.READ, topic));
    assert.ok(!a.authorizer.authorize(requester('c1'), AclOperation.READ, topic));

    // A DENY through B wins on A; a delete through A takes effect on B.
    await b.authorizer.create([readTopic('a3', 'orders', AclPermissionType.DENY)]);
    await waitUntil('the DENY on A', () => !a.authorizer.authorize(requester('a3'), AclOperation.READ, topic), 5000);
    await a.authorizer.delete([{ ...ANY_ACL, principal: 'User:b7' }]);
    await waitUntil('the delete on B', () => !b.authorizer.authorize(requester('b7'), AclOperation.READ, topic), 5000);
    assert.equal(b.authorizer.list(ANY_ACL).length, 40);

    // SCRAM: created through A, known to B; deleted through B, gone on A.
    await a.scram.apply([{ user: 'carol', mechanism: 'SCRAM-SHA-256', credential: credential('c-secret') }]);
    assert.ok(a.scram.has('carol'), 'the writer knows it when apply returns');
    await waitUntil('carol on B', () => b.scram.get('carol', 'SCRAM-SHA-256') !== undefined, 5000);
    assert.deepEqual(b.scram.get('carol', 'SCRAM-SHA-256'), credential('c-secret'));
    assert.deepEqual(b.scram.list(), [
      { user: 'carol', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] },
    ]);
    await b.scram.apply([{ user: 'carol', mechanism: 'SCRAM-SHA-256', credential: null }]);
    await waitUntil('carol gone on A', () => !a.scram.has('carol'), 5000);

    // Quotas: two entities altered at once through A and B; both hold both.
    const alter = (q: ClientQuotas, user: string, value: number) =>
      q.alter(
        [
          {
            entity: [{ entityType: 'user', entityName: user }],
            ops: [{ key: 'producer_byte_rate', value, remove: false }],
          },
        ],
        false,
      );
    const [ra, rb] = await Promise.all([alter(a.quotas, 'u1', 1000), alter(b.quotas, 'u2', 2000)]);
    assert.equal(ra[0]!.errorCode, 0);
    assert.equal(rb[0]!.errorCode, 0);
    await waitUntil('both quotas on both', () => a.quotas.list().length === 2 && b.quotas.list().length === 2, 5000);
    assert.deepEqual(
      b.quotas
        .list()
        .map((r) => [r.entity.user, r.values['producer_byte_rate']])
        .sort(),
      [
        ['u1', 1000],
        ['u2', 2000],
      ],
    );
  });

  test('a broker cut off from etcd catches up, deletions included, when it is back', async () => {
    const clusterId = randomUUID();
    const proxy = await startTcpProxy(etcd.endpoint);
    cleanups.push(() => proxy.close());
    const a = await member(clusterId);
    const b = await member(clusterId, proxy.endpoint);
    await a.authorizer.create([readTopic('x', 't1'), readTopic('y', 't1')]);
    await a.scram.apply([{ user: 'dora', mechanism: 'SCRAM-SHA-256', credential: credential('d') }]);
    await waitUntil('B in step', () => b.authorizer.size === 2 && b.scram.has('dora'), 5000);

    proxy.cut();
    await a.authorizer.delete([{ ...ANY_ACL, principal: 'User:x' }]);
    await a.authorizer.create([readTopic('z', 't1')]);
    await a.scram.apply([
      { user: 'dora', mechanism: 'SCRAM-SHA-256', credential: null },
      { user: 'erin', mechanism: 'SCRAM-SHA-256', credential: credential('e') },
    ]);
    // Meanwhile B keeps deciding with what it saw last.
    assert.ok(b.authorizer.authorize(requester('x'), AclOperation.READ, { type: ResourceType.TOPIC, name: 't1' }));
    proxy.restore();
    await waitUntil(
      'B to catch up',
      () =>
        b.authorizer
          .list(ANY_ACL)
          .map((x) => x.principal)
          .sort()
          .join() === 'User:y,User:z' &&
        !b.scram.has('dora') &&
        b.scram.has('erin'),
      30_000,
    );
  });
});

test('files a single node left are named once at start in cluster mode, not silently ignored', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-sec-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'acls.json'), '{"version":1,"acls":[]}');
  await writeFile(join(dir, 'scram-credentials.json'), '{"version":1,"users":{}}');
  const warnings: string[] = [];
  warnUnusedSecurityFiles(dir, { warn: (m: string) => warnings.push(m) } as unknown as Logger);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /acls\.json is not used in cluster mode/);
  assert.match(warnings[1]!, /scram-credentials\.json is not used in cluster mode/);
});
