/**
 * The ACL authorizer's decisions, as Kafka's StandardAuthorizer makes them: literal, wildcard and prefixed
 * resources, `User:*`, hosts, DENY over ALLOW, implied DESCRIBE and DESCRIBE_CONFIGS, super users,
 * allow.everyone.if.no.acl.found, authorizeAny (KIP-679), the filters of DescribeAcls and DeleteAcls, validation,
 * and the store surviving a reopen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AclBinding,
  type AclBindingFilter,
  AclPermissionType,
  ANY_ACL,
  filterMatches,
  PatternType,
} from '../../src/security/acl.js';
import { AclAuthorizer, clientAddress, parseSuperUsers } from '../../src/security/acl-authorizer.js';
import { type AclStore, FileAclStore } from '../../src/security/acl-store.js';
import {
  AclOperation,
  CLUSTER,
  groupResource,
  type Requester,
  ResourceType,
  topicResource,
  transactionalIdResource,
} from '../../src/security/authorizer.js';

const { ALLOW, DENY } = AclPermissionType;
const { LITERAL, PREFIXED } = PatternType;

class MemoryStore implements AclStore {
  saved: AclBinding[] = [];
  saves = 0;
  async load(): Promise<AclBinding[]> {
    return [...this.saved];
  }
  async save(b: readonly AclBinding[]): Promise<void> {
    this.saves++;
    this.saved = [...b];
  }
}

function who(principal: string, clientHost = '10.0.0.1'): Requester {
  const i = principal.indexOf(':');
  return {
    principal: { type: principal.slice(0, i), name: principal.slice(i + 1) },
    clientHost,
    listenerName: 'SASL_PLAINTEXT',
    securityProtocol: 'SASL_PLAINTEXT',
  };
}

function acl(
  resourceType: ResourceType,
  resourceName: string,
  principal: string,
  operation: AclOperation,
  permission: AclPermissionType = ALLOW,
  patternType: PatternType = LITERAL,
  host = '*',
): AclBinding {
  return { resourceType, resourceName, patternType, principal, host, operation, permission };
}

async function authorizer(
  acls: AclBinding[],
  opts: { superUsers?: string[]; allowEveryoneIfNoAclFound?: boolean } = {},
): Promise<AclAuthorizer> {
  const a = await AclAuthorizer.open({ store: new MemoryStore(), ...opts });
  assert.deepEqual(
    await a.create(acls),
    acls.map(() => undefined),
  );
  return a;
}

const alice = who('User:alice');
const bob = who('User:bob');

test('a literal ALLOW grants its operation on that resource only, to that principal only', async () => {
  const a = await authorizer([acl(ResourceType.TOPIC, 'orders', 'User:alice', AclOperation.READ)]);
  assert.equal(a.authorize(alice, AclOperation.READ, topicResource('orders')), true);
  assert.equal(a.authorize(alice, AclOperation.WRITE, topicResource('orders')), false);
  assert.equal(a.authorize(alice, AclOperation.READ, topicResource('orders2')), false);
  assert.equal(a.authorize(alice, AclOperation.READ, groupResource('orders')), false, 'another resource type');
  assert.equal(a.authorize(bob, AclOperation.READ, topicResource('orders')), false);
});

test('DENY beats ALLOW, from any matching pattern, principal or host', async () => {
  const a = await authorizer([
    acl(ResourceType.TOPIC, '*', 'User:*', AclOperation.ALL),
    acl(ResourceType.TOPIC, 'secret', 'User:alice', AclOperation.READ, DENY),
    acl(ResourceType.TOPIC, 'priv-', 'User:*', AclOperation.WRITE, DENY, PREFIXED),
    acl(ResourceType.TOPIC, 'audit', 'User:bob', AclOperation.ALL, DENY, LITERAL, '10.0.0.9'),
  ]);
  assert.equal(a.authorize(alice, AclOperation.READ, topicResource('secret')), false);
  assert.equal(a.authorize(alice, AclOperation.WRITE, topicResource('secret')), true);
  assert.equal(a.authorize(bob, AclOperation.READ, topicResource('secret')), true);
  assert.equal(a.authorize(bob, AclOperation.WRITE, topicResource('priv-x')), false);
  assert.equal(a.authorize(bob, AclOperation.READ, topicResource('priv-x')), true);
  assert.equal(a.authorize(bob, AclOperation.READ, topicResource('audit')), true, 'the DENY is for another host');
  assert.equal(a.authorize(who('User:bob', '10.0.0.9'), AclOperation.READ, topicResource('audit')), false);
  assert.equal(
    a.authorize(who('User:bob', '::ffff:10.0.0.9'), AclOperation.DESCRIBE, topicResource('audit')),
    false,
    'an IPv4 client of a dual-stack socket is matched by its IPv4 address',
  );
});

test('a DENY of DESCRIBE does not deny READ, but READ, WRITE, DELETE and ALTER imply DESCRIBE', async () => {
  for (const op of [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]) {
    const a = await authorizer([acl(ResourceType.TOPIC, 't', 'User:alice', op)]);
    assert.equal(a.authorize(alice, AclOperation.DESCRIBE, topicResource('t')), true, `ALLOW ${op} implies DESCRIBE`);
    assert.equal(a.authorize(alice, AclOperation.DESCRIBE_CONFIGS, topicResource('t')), false);
  }
  const c = await authorizer([acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.CREATE)]);
  assert.equal(c.authorize(alice, AclOperation.DESCRIBE, topicResource('t')), false, 'CREATE does not imply DESCRIBE');
  const cfg = await authorizer([acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.ALTER_CONFIGS)]);
  assert.equal(cfg.authorize(alice, AclOperation.DESCRIBE_CONFIGS, topicResource('t')), true);
  assert.equal(cfg.authorize(alice, AclOperation.DESCRIBE, topicResource('t')), false);
  const d = await authorizer([
    acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.READ),
    acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.DESCRIBE, DENY),
  ]);
  assert.equal(d.authorize(alice, AclOperation.READ, topicResource('t')), true);
  assert.equal(d.authorize(alice, AclOperation.DESCRIBE, topicResource('t')), false);
  const all = await authorizer([
    acl(ResourceType.GROUP, 'g', 'User:alice', AclOperation.ALL),
    acl(ResourceType.GROUP, 'h', 'User:alice', AclOperation.ALL, DENY),
    acl(ResourceType.GROUP, 'h', 'User:alice', AclOperation.READ),
  ]);
  assert.equal(all.authorize(alice, AclOperation.DELETE, groupResource('g')), true);
  assert.equal(all.authorize(alice, AclOperation.READ, groupResource('h')), false, 'DENY ALL denies every operation');
});

test('prefixed patterns apply to every name starting with the prefix', async () => {
  const a = await authorizer([acl(ResourceType.TOPIC, 'team-a.', 'User:alice', AclOperation.WRITE, ALLOW, PREFIXED)]);
  assert.equal(a.authorize(alice, AclOperation.WRITE, topicResource('team-a.orders')), true);
  assert.equal(a.authorize(alice, AclOperation.WRITE, topicResource('team-a.')), true);
  assert.equal(a.authorize(alice, AclOperation.WRITE, topicResource('team-b.orders')), false);
  assert.equal(a.authorize(alice, AclOperation.WRITE, topicResource('team-a')), false);
  // With more prefixes than characters in the name, the index is walked the other way round: same answers.
  const many = await authorizer([
    ...Array.from({ length: 30 }, (_, i) =>
      acl(ResourceType.TOPIC, `p${i}-`, 'User:bob', AclOperation.READ, ALLOW, PREFIXED),
    ),
    acl(ResourceType.TOPIC, 'x', 'User:alice', AclOperation.READ, ALLOW, PREFIXED),
  ]);
  assert.equal(many.authorize(alice, AclOperation.READ, topicResource('xy')), true);
  assert.equal(many.authorize(bob, AclOperation.READ, topicResource('p7-a')), true);
  assert.equal(many.authorize(bob, AclOperation.READ, topicResource('xy')), false);
});

test('the wildcard resource and the wildcard principal', async () => {
  const a = await authorizer([
    acl(ResourceType.TRANSACTIONAL_ID, '*', 'User:alice', AclOperation.WRITE),
    acl(ResourceType.GROUP, 'shared', 'User:*', AclOperation.READ),
  ]);
  assert.equal(a.authorize(alice, AclOperation.WRITE, transactionalIdResource('anything')), true);
  assert.equal(a.authorize(bob, AclOperation.WRITE, transactionalIdResource('anything')), false);
  assert.equal(a.authorize(bob, AclOperation.READ, groupResource('shared')), true);
  assert.equal(a.authorize(who('Group:ops'), AclOperation.READ, groupResource('shared')), true);
});

test('super users may do everything, DENY or not', async () => {
  const a = await authorizer(
    [acl(ResourceType.CLUSTER, 'kafka-cluster', 'User:CN=admin,O=Acme', AclOperation.ALL, DENY)],
    {
      superUsers: parseSuperUsers(' User:CN=admin,O=Acme ; User:root;'),
    },
  );
  assert.equal(a.authorize(who('User:CN=admin,O=Acme'), AclOperation.ALTER, CLUSTER), true);
  assert.equal(a.authorize(who('User:root'), AclOperation.READ, topicResource('x')), true);
  assert.equal(a.authorize(alice, AclOperation.READ, topicResource('x')), false);
});

test('allow.everyone.if.no.acl.found allows only where no ACL names the resource', async () => {
  const open = await authorizer([acl(ResourceType.TOPIC, 'guarded', 'User:alice', AclOperation.READ)], {
    allowEveryoneIfNoAclFound: true,
  });
  assert.equal(open.authorize(bob, AclOperation.WRITE, topicResource('free')), true);
  assert.equal(open.authorize(bob, AclOperation.READ, topicResource('guarded')), false, 'an ACL of another user');
  const closed = await authorizer([]);
  assert.equal(closed.authorize(bob, AclOperation.WRITE, topicResource('free')), false);
});

test('authorizeAny: some topic may be written unless a DENY covers every allowed one', async () => {
  const some = await authorizer([acl(ResourceType.TOPIC, 'out', 'User:alice', AclOperation.WRITE)]);
  assert.equal(some.authorizeAny(alice, AclOperation.WRITE, ResourceType.TOPIC), true);
  assert.equal(some.authorizeAny(bob, AclOperation.WRITE, ResourceType.TOPIC), false);
  assert.equal(some.authorizeAny(alice, AclOperation.READ, ResourceType.TOPIC), false);
  const denied = await authorizer([
    acl(ResourceType.TOPIC, 'out', 'User:alice', AclOperation.WRITE),
    acl(ResourceType.TOPIC, 'ou', 'User:alice', AclOperation.ALL, DENY, PREFIXED),
  ]);
  assert.equal(denied.authorizeAny(alice, AclOperation.WRITE, ResourceType.TOPIC), false);
  const literalDeny = await authorizer([
    acl(ResourceType.TOPIC, 'a', 'User:alice', AclOperation.WRITE),
    acl(ResourceType.TOPIC, 'a', 'User:alice', AclOperation.WRITE, DENY),
    acl(ResourceType.TOPIC, 'b-', 'User:*', AclOperation.WRITE, ALLOW, PREFIXED),
  ]);
  assert.equal(literalDeny.authorizeAny(alice, AclOperation.WRITE, ResourceType.TOPIC), true, 'b- is still allowed');
  const wildcardDeny = await authorizer([
    acl(ResourceType.TOPIC, 'a', 'User:alice', AclOperation.WRITE),
    acl(ResourceType.TOPIC, '*', 'User:alice', AclOperation.WRITE, DENY),
  ]);
  assert.equal(wildcardDeny.authorizeAny(alice, AclOperation.WRITE, ResourceType.TOPIC), false);
  const everyone = await authorizer([], { allowEveryoneIfNoAclFound: true });
  assert.equal(everyone.authorizeAny(bob, AclOperation.WRITE, ResourceType.TOPIC), true);
});

test('filters: ANY, MATCH, LITERAL and PREFIXED pattern filters and null fields', () => {
  const lit = acl(ResourceType.TOPIC, 'orders', 'User:alice', AclOperation.READ);
  const star = acl(ResourceType.TOPIC, '*', 'User:bob', AclOperation.WRITE, DENY);
  const pre = acl(ResourceType.TOPIC, 'ord', 'User:alice', AclOperation.READ, ALLOW, PREFIXED);
  const grp = acl(ResourceType.GROUP, 'orders', 'User:alice', AclOperation.READ);
  const all = [lit, star, pre, grp];
  const f = (o: Partial<AclBindingFilter>) => all.filter((b) => filterMatches({ ...ANY_ACL, ...o }, b));
  assert.deepEqual(f({}), all);
  assert.deepEqual(f({ resourceType: ResourceType.TOPIC }), [lit, star, pre]);
  assert.deepEqual(f({ resourceName: 'orders' }), [lit, grp], 'ANY: that exact name, any pattern type');
  assert.deepEqual(f({ resourceName: 'orders', patternType: PatternType.MATCH }), [lit, star, pre, grp]);
  assert.deepEqual(f({ resourceName: 'other', patternType: PatternType.MATCH }), [star]);
  assert.deepEqual(f({ patternType: PREFIXED }), [pre]);
  assert.deepEqual(f({ resourceName: 'ord', patternType: LITERAL }), []);
  assert.deepEqual(f({ principal: 'User:bob' }), [star]);
  assert.deepEqual(f({ permission: DENY }), [star]);
  assert.deepEqual(f({ operation: AclOperation.WRITE }), [star]);
  assert.deepEqual(f({ host: '10.0.0.1' }), []);
});

test('invalid bindings are refused with the reason, valid ones beside them are created', async () => {
  const store = new MemoryStore();
  const a = await AclAuthorizer.open({ store });
  const good = acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.READ);
  const results = await a.create([
    good,
    acl(ResourceType.CLUSTER, 'other-cluster', 'User:alice', AclOperation.ALTER),
    acl(ResourceType.TOPIC, '', 'User:alice', AclOperation.READ),
    acl(ResourceType.TOPIC, 't', 'alice', AclOperation.READ),
    acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.ANY),
    acl(ResourceType.ANY, 't', 'User:alice', AclOperation.READ),
    acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.READ, AclPermissionType.ANY),
    acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.READ, ALLOW, PatternType.MATCH),
  ]);
  assert.equal(results[0], undefined);
  assert.match(results[1]!, /only valid name for the CLUSTER resource is kafka-cluster/);
  assert.match(results[2]!, /should not be empty/);
  assert.match(results[3]!, /principal/);
  assert.match(results[4]!, /Invalid operation ANY/);
  assert.match(results[5]!, /Invalid resourceType/);
  assert.match(results[6]!, /Invalid permissionType ANY/);
  assert.match(results[7]!, /Invalid patternType MATCH/);
  assert.deepEqual(store.saved, [good]);
  assert.deepEqual(await a.create([good]), [undefined], 'creating an existing ACL succeeds');
  assert.equal(store.saves, 1, 'and writes nothing');
  assert.equal(a.size, 1);
});

test('delete removes what each filter matches and reports it; an ACL removed once is not reported twice', async () => {
  const a = await authorizer([
    acl(ResourceType.TOPIC, 'a', 'User:alice', AclOperation.READ),
    acl(ResourceType.TOPIC, 'b', 'User:alice', AclOperation.READ),
    acl(ResourceType.GROUP, 'g', 'User:bob', AclOperation.READ),
  ]);
  const [first, second, none] = await a.delete([
    { ...ANY_ACL, resourceType: ResourceType.TOPIC, resourceName: 'a' },
    { ...ANY_ACL, principal: 'User:alice' },
    { ...ANY_ACL, resourceType: ResourceType.CLUSTER },
  ]);
  assert.deepEqual(
    first!.map((b) => b.resourceName),
    ['a'],
  );
  assert.deepEqual(
    second!.map((b) => b.resourceName),
    ['b'],
  );
  assert.deepEqual(none, []);
  assert.equal(a.authorize(alice, AclOperation.READ, topicResource('b')), false, 'the index follows deletes');
  assert.deepEqual(
    a.list(ANY_ACL).map((b) => b.resourceName),
    ['g'],
  );
});

test('the file store keeps ACLs across a reopen and refuses a damaged file with its name', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-acl-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = await AclAuthorizer.open({ store: new FileAclStore(dir) });
  const b = acl(ResourceType.TOPIC, 'team-', 'User:CN=alice,O=Acme', AclOperation.WRITE, DENY, PREFIXED, '10.1.2.3');
  await a.create([b, acl(ResourceType.CLUSTER, 'kafka-cluster', 'User:ops', AclOperation.IDEMPOTENT_WRITE)]);
  const text = await readFile(join(dir, 'acls.json'), 'utf8');
  assert.match(text, /"PREFIXED"/);
  assert.match(text, /"IDEMPOTENT_WRITE"/);
  const reopened = await AclAuthorizer.open({ store: new FileAclStore(dir) });
  assert.equal(reopened.size, 2);
  assert.equal(
    reopened.authorize(who('User:CN=alice,O=Acme', '10.1.2.3'), AclOperation.WRITE, topicResource('team-x')),
    false,
  );
  assert.deepEqual(reopened.list({ ...ANY_ACL, permission: DENY }), [b]);
  await writeFile(join(dir, 'acls.json'), '{"version":1,"acls":[{"resourceType":"TOPIC"');
  await assert.rejects(AclAuthorizer.open({ store: new FileAclStore(dir) }), /acls\.json: not valid JSON/);
});

test('a failed save leaves the ACLs as they were', async () => {
  const store = new MemoryStore();
  const a = await AclAuthorizer.open({ store });
  store.save = async () => {
    throw new Error('disk full');
  };
  await assert.rejects(a.create([acl(ResourceType.TOPIC, 't', 'User:alice', AclOperation.READ)]), /disk full/);
  assert.equal(a.size, 0);
  assert.equal(clientAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(clientAddress('::1'), '::1');
});
