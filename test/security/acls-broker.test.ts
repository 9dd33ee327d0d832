/**
 * ACLs on a broker: the ACL APIs answer SECURITY_DISABLED without `authorizer.class.name`; with it, `samsa acls`
 * adds, lists and removes ACLs that survive a restart, the APIs refuse bad bindings and filters with
 * INVALID_REQUEST and non-super users with CLUSTER_AUTHORIZATION_FAILED, and every handler enforces what the ACLs
 * say for the requester (a PLAINTEXT client is `User:ANONYMOUS`): hidden topics, refused produce, fetch, groups,
 * transactional ids, topic creation and deletion, configs; idempotent producers by WRITE on some topic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateAcls } from '../../src/protocol/messages/create-acls.js';
import { DeleteAcls } from '../../src/protocol/messages/delete-acls.js';
import { DescribeAcls } from '../../src/protocol/messages/describe-acls.js';
import { FindCoordinator } from '../../src/protocol/messages/find-coordinator.js';
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js';
import { JoinGroup } from '../../src/protocol/messages/join-group.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { DescribeGroups } from '../../src/protocol/messages/describe-groups.js';
import { ZERO_UUID } from '../../src/protocol/schema.js';
import { AclPermissionType, PatternType } from '../../src/security/acl.js';
import type { AclAuthorizer } from '../../src/security/acl-authorizer.js';
import { AclOperation, ResourceType } from '../../src/security/authorizer.js';
import { createAdmin, createProducer, KafkaError } from '../../src/client/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { run } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';

const BIN = fileURLToPath(new URL('../../../bin/samsa.js', import.meta.url));
const STANDARD = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

async function samsa(bootstrap: string, args: string[]): Promise<string> {
  const r = await run(process.execPath, [BIN, ...args, '--bootstrap-server', bootstrap], { allowFailure: true });
  assert.equal(r.code, 0, `samsa ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function withRaw<T>(b: TestBroker, fn: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(b.port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const anyFilter = {
  resourceTypeFilter: ResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: PatternType.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: AclOperation.ANY,
  permissionType: AclPermissionType.ANY,
};

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
}

test('without an authorizer the ACL APIs answer SECURITY_DISABLED', async (t) => {
  const b = await startTestBroker();
  t.after(() => b.stop());
  await withRaw(b, async (c) => {
    const d = await c.send(DescribeAcls, 3, anyFilter);
    assert.equal(d.errorCode, ErrorCode.SECURITY_DISABLED);
    assert.equal(d.errorMessage, 'No Authorizer is configured.');
    const cr = await c.send(CreateAcls, 1, {
      creations: [
        {
          resourceType: ResourceType.TOPIC,
          resourceName: 't',
          resourcePatternType: PatternType.LITERAL,
          principal: 'User:alice',
          host: '*',
          operation: AclOperation.READ,
          permissionType: AclPermissionType.ALLOW,
        },
      ],
    });
    assert.equal(cr.results[0]!.errorCode, ErrorCode.SECURITY_DISABLED);
    const del = await c.send(DeleteAcls, 2, { filters: [anyFilter] });
    assert.equal(del.filterResults[0]!.errorCode, ErrorCode.SECURITY_DISABLED);
  });
});

test('an authorizer class Samsa cannot load is a clear configuration error', async () => {
  await assert.rejects(
    startTestBroker({ config: { 'authorizer.class.name': 'com.example.MyAuthorizer' } }),
    /authorizer\.class\.name.*StandardAuthorizer/s,
  );
});

test('samsa acls add, list and remove; ACLs survive a restart; v0 sees literal patterns only; bad input refused', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-acls-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const config = {
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
    'super.users': 'User:ANONYMOUS',
  };
  let b = await startTestBroker({ config, dataDir });
  try {
    const added = await samsa(b.bootstrap, [
      'acls',
      'add',
      '--allow-principal',
      'User:alice',
      '--operation',
      'read',
      '--operation',
      'Describe',
      '--topic',
      'orders',
    ]);
    assert.match(
      added,
      /Adding ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=orders, patternType=LITERAL\)`/,
    );
    await samsa(b.bootstrap, [
      'acls',
      'add',
      '--allow-principal',
      'User:bob',
      '--producer',
      '--topic',
      'team-',
      '--resource-pattern-type',
      'prefixed',
      '--transactional-id',
      'bob-tx',
      '--idempotent',
    ]);
    await samsa(b.bootstrap, [
      'acls',
      'add',
      '--deny-principal',
      'User:mallory',
      '--deny-host',
      '10.9.9.9',
      '--topic',
      '*',
    ]);
    await samsa(b.bootstrap, [
      'acls',
      'add',
      '--allow-principal',
      'User:alice',
      '--consumer',
      '--topic',
      'orders',
      '--group',
      'billing',
    ]);

    const listed = await samsa(b.bootstrap, ['acls', 'list', '--topic', 'orders']);
    assert.match(listed, /\(principal=User:alice, host=\*, operation=READ, permissionType=ALLOW\)/);
    assert.match(listed, /\(principal=User:alice, host=\*, operation=DESCRIBE, permissionType=ALLOW\)/);
    assert.doesNotMatch(listed, /mallory/, 'LITERAL by default: the * pattern is another resource pattern');
    const matching = JSON.parse(
      await samsa(b.bootstrap, [
        'acls',
        'list',
        '--topic',
        'team-orders',
        '--resource-pattern-type',
        'match',
        '--json',
      ]),
    );
    assert.deepEqual(
      matching.map((a: { principal: string; operation: string }) => `${a.principal} ${a.operation}`).sort(),
      ['User:bob CREATE', 'User:bob DESCRIBE', 'User:bob WRITE', 'User:mallory ALL'],
    );
    const bob = JSON.parse(await samsa(b.bootstrap, ['acls', 'list', '--principal', 'User:bob', '--json']));
    assert.equal(bob.length, 6, 'topic prefix x3, transactional id x2, IDEMPOTENT_WRITE on the cluster');
    assert.ok(
      bob.some(
        (a: { resourceType: string; operation: string }) =>
          a.resourceType === 'CLUSTER' && a.operation === 'IDEMPOTENT_WRITE',
      ),
    );

    // The wire, version by version: v0 has no pattern type and sees literal patterns only.
    await withRaw(b, async (c) => {
      const v0 = await c.send(DescribeAcls, 0, { ...anyFilter, resourceTypeFilter: ResourceType.TOPIC });
      assert.equal(v0.errorCode, 0);
      assert.deepEqual(v0.resources.map((r) => r.resourceName).sort(), ['*', 'orders']);
      const v3 = await c.send(DescribeAcls, 3, { ...anyFilter, resourceTypeFilter: ResourceType.TOPIC });
      assert.deepEqual(v3.resources.map((r) => `${r.resourceName}/${r.patternType}`).sort(), [
        '*/3',
        'orders/3',
        'team-/4',
      ]);
      const bad = await c.send(DescribeAcls, 1, { ...anyFilter, patternTypeFilter: PatternType.UNKNOWN });
      assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
      const created = await c.send(CreateAcls, 2, {
        creations: [
          {
            resourceType: ResourceType.TOPIC,
            resourceName: 'x',
            resourcePatternType: PatternType.MATCH,
            principal: 'User:a',
            host: '*',
            operation: AclOperation.READ,
            permissionType: AclPermissionType.ALLOW,
          },
          {
            resourceType: ResourceType.CLUSTER,
            resourceName: 'other',
            resourcePatternType: PatternType.LITERAL,
            principal: 'User:a',
            host: '*',
            operation: AclOperation.ALTER,
            permissionType: AclPermissionType.ALLOW,
          },
          {
            resourceType: ResourceType.GROUP,
            resourceName: 'g',
            resourcePatternType: PatternType.LITERAL,
            principal: 'User:a',
            host: '*',
            operation: AclOperation.READ,
            permissionType: AclPermissionType.ALLOW,
          },
        ],
      });
      assert.deepEqual(
        created.results.map((r) => r.errorCode),
        [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, 0],
      );
      assert.match(created.results[1]!.errorMessage!, /kafka-cluster/);
      const deleted = await c.send(DeleteAcls, 3, {
        filters: [
          {
            ...anyFilter,
            resourceTypeFilter: ResourceType.GROUP,
            resourceNameFilter: 'g',
            patternTypeFilter: PatternType.LITERAL,
          },
          { ...anyFilter, operation: AclOperation.UNKNOWN },
        ],
      });
      assert.equal(deleted.filterResults[0]!.errorCode, 0);
      assert.deepEqual(
        deleted.filterResults[0]!.matchingAcls.map((m) => m.principal),
        ['User:a'],
      );
      assert.equal(deleted.filterResults[1]!.errorCode, ErrorCode.INVALID_REQUEST);
    });

    const removed = await samsa(b.bootstrap, [
      'acls',
      'remove',
      '--allow-principal',
      'User:alice',
      '--operation',
      'describe',
      '--topic',
      'orders',
    ]);
    assert.match(removed, /operation=DESCRIBE/);
    assert.doesNotMatch(removed, /operation=READ/);
  } finally {
    await b.stop();
  }

  b = await startTestBroker({ config, dataDir });
  try {
    const after = JSON.parse(await samsa(b.bootstrap, ['acls', 'list', '--json']));
    assert.equal(
      after.length,
      9,
      'every ACL but the removed one is back after the restart (the consumer shortcut repeated two)',
    );
    assert.ok(
      !after.some(
        (a: { operation: string; resourceName: string; principal: string }) =>
          a.resourceName === 'orders' && a.principal === 'User:alice' && a.operation === 'DESCRIBE',
      ),
    );
  } finally {
    await b.stop();
  }
});

test('enforcement for User:ANONYMOUS: topics, groups, transactional ids, idempotence, admin APIs', async (t) => {
  const b = await startTestBroker({
    config: {
      'authorizer.class.name': STANDARD,
      'auto.create.topics.enable': 'true',
      'group.initial.rebalance.delay.ms': '0',
    },
  });
  t.after(() => b.stop());
  const authorizer = b.broker.authorizer as AclAuthorizer;
  // The ACLs are set through the broker's own authorizer (the requester is not allowed to alter them).
  const me = 'User:ANONYMOUS';
  const allow = (
    resourceType: ResourceType,
    resourceName: string,
    operation: AclOperation,
    patternType: PatternType = PatternType.LITERAL,
  ) => ({
    resourceType,
    resourceName,
    patternType,
    principal: me,
    host: '*',
    operation,
    permission: AclPermissionType.ALLOW,
  });
  assert.deepEqual(
    await authorizer.create([
      allow(ResourceType.TOPIC, 'open-', AclOperation.ALL, PatternType.PREFIXED),
      { ...allow(ResourceType.TOPIC, 'open-locked', AclOperation.WRITE), permission: AclPermissionType.DENY },
      allow(ResourceType.GROUP, 'g-ok', AclOperation.READ),
      allow(ResourceType.TRANSACTIONAL_ID, 'tx-ok', AclOperation.WRITE),
    ]),
    [undefined, undefined, undefined, undefined],
  );
  for (const name of ['open-a', 'open-locked', 'hidden'])
    assert.equal(b.broker.topics.create(name, 1, 1, {}).errorCode, 0);

  await withRaw(b, async (c) => {
    const all = await c.send(Metadata, 9, { topics: null, includeTopicAuthorizedOperations: false });
    assert.deepEqual(all.topics.map((x) => x.name).sort(), ['open-a', 'open-locked'], 'hidden is left out');
    const asked = await c.send(Metadata, 9, {
      topics: [{ name: 'hidden' }, { name: 'open-new' }, { name: 'brand-new' }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
    assert.deepEqual(
      asked.topics.map((x) => `${x.name}:${x.errorCode}`),
      [
        `hidden:${ErrorCode.TOPIC_AUTHORIZATION_FAILED}`,
        'open-new:0',
        `brand-new:${ErrorCode.TOPIC_AUTHORIZATION_FAILED}`,
      ],
      'auto-creation needs CREATE (ALL on open- covers it)',
    );
    assert.equal(b.broker.metadata.topic('brand-new'), undefined);

    // Authorized operations as bit fields: ALL on open-* (less the denied WRITE on open-locked), nothing on the cluster.
    const ops = await c.send(Metadata, 10, {
      topics: [
        { name: 'open-a', topicId: ZERO_UUID },
        { name: 'open-locked', topicId: ZERO_UUID },
      ],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
    });
    const bits = (...list: number[]) => list.reduce((x, op) => x | (1 << op), 0);
    const topicOps = bits(3, 4, 5, 6, 7, 8, 10, 11);
    assert.deepEqual(
      ops.topics.map((x) => x.topicAuthorizedOperations),
      [topicOps, topicOps & ~bits(AclOperation.WRITE)],
    );
    assert.equal(ops.clusterAuthorizedOperations, 0);
    const groupsOps = await c.send(DescribeGroups, 5, { groups: ['g-ok'], includeAuthorizedOperations: true });
    assert.equal(groupsOps.groups[0]!.authorizedOperations, bits(AclOperation.READ, AclOperation.DESCRIBE));

    const join = (groupId: string) =>
      c.send(JoinGroup, 5, {
        groupId,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      });
    assert.equal((await join('g-no')).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal((await join('g-ok')).errorCode, ErrorCode.MEMBER_ID_REQUIRED, 'allowed: the usual v4+ first answer');
    const coord = await c.send(FindCoordinator, 3, { key: 'g-no', keyType: 0 });
    assert.equal(coord.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);

    const initPid = (transactionalId: string | null) =>
      c.send(InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    assert.equal((await initPid('tx-no')).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.equal((await initPid('tx-ok')).errorCode, 0);
    assert.equal((await initPid(null)).errorCode, 0, 'idempotent: WRITE on some topic (open-*) is enough');

    assert.equal((await c.send(DescribeAcls, 1, anyFilter)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const cr = await c.send(CreateAcls, 1, {
      creations: [
        {
          resourceType: ResourceType.TOPIC,
          resourceName: 'x',
          resourcePatternType: PatternType.LITERAL,
          principal: me,
          host: '*',
          operation: AclOperation.ALL,
          permissionType: AclPermissionType.ALLOW,
        },
      ],
    });
    assert.equal(cr.results[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const del = await c.send(DeleteAcls, 1, { filters: [anyFilter] });
    assert.equal(del.filterResults[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  const admin = createAdmin({ bootstrapServers: b.bootstrap });
  t.after(() => admin.close());
  assert.equal(
    await codeOf(admin.createTopics([{ name: 'other', numPartitions: 1 }])),
    ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  );
  assert.equal(await codeOf(admin.createTopics([{ name: 'open-c', numPartitions: 1 }])), 0);
  assert.equal(await codeOf(admin.deleteTopics(['hidden'])), ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(
    await codeOf(admin.describeConfigs([{ type: 'broker', name: '1' }])),
    ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  );
  assert.equal(await codeOf(admin.describeConfigs([{ type: 'topic', name: 'open-a' }])), 0);

  const producer = createProducer({ bootstrapServers: b.bootstrap, idempotent: false, retries: 0 });
  t.after(() => producer.close());
  assert.equal(await codeOf(producer.send({ topic: 'open-a', value: Buffer.from('ok') })), 0);
  assert.equal(
    await codeOf(producer.send({ topic: 'open-locked', value: Buffer.from('no') })),
    ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  );

  // Take WRITE away everywhere: an idempotent producer is then refused (CLUSTER_AUTHORIZATION_FAILED).
  await authorizer.create([
    { ...allow(ResourceType.TOPIC, '*', AclOperation.WRITE), permission: AclPermissionType.DENY },
  ]);
  await withRaw(b, async (c) => {
    const r = await c.send(InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: -1,
      producerEpoch: -1,
    });
    assert.equal(r.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });
  await authorizer.create([allow(ResourceType.CLUSTER, 'kafka-cluster', AclOperation.IDEMPOTENT_WRITE)]);
  await withRaw(b, async (c) => {
    const r = await c.send(InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: -1,
      producerEpoch: -1,
    });
    assert.equal(r.errorCode, 0, 'IDEMPOTENT_WRITE on the cluster');
  });

  // CREATE without DESCRIBE_CONFIGS: the topic is made, its configs are not shown.
  await authorizer.create([allow(ResourceType.TOPIC, 'made-here', AclOperation.CREATE)]);
  await withRaw(b, async (c) => {
    const r = await c.send(CreateTopics, 7, {
      topics: [{ name: 'made-here', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    assert.equal(r.topics[0]!.errorCode, 0);
    assert.equal(r.topics[0]!.topicConfigErrorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.deepEqual(r.topics[0]!.configs, []);
  });
});

test('allow.everyone.if.no.acl.found opens only the resources no ACL names', async (t) => {
  const b = await startTestBroker({
    config: { 'authorizer.class.name': STANDARD, 'allow.everyone.if.no.acl.found': 'true' },
  });
  t.after(() => b.stop());
  const authorizer = b.broker.authorizer as AclAuthorizer;
  await authorizer.create([
    {
      resourceType: ResourceType.TOPIC,
      resourceName: 'guarded',
      patternType: PatternType.LITERAL,
      principal: 'User:alice',
      host: '*',
      operation: AclOperation.READ,
      permission: AclPermissionType.ALLOW,
    },
  ]);
  for (const name of ['free', 'guarded']) assert.equal(b.broker.topics.create(name, 1, 1, {}).errorCode, 0);
  await withRaw(b, async (c) => {
    const all = await c.send(Metadata, 9, { topics: null, includeTopicAuthorizedOperations: false });
    assert.deepEqual(
      all.topics.map((x) => x.name),
      ['free'],
    );
    const d = await c.send(DescribeAcls, 2, anyFilter);
    assert.equal(d.errorCode, 0, 'no ACL names the cluster: everyone may describe ACLs');
    assert.equal(d.resources.length, 1);
  });
});
