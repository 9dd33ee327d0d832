/**
 * The authorize call sites of the group and transaction handlers: with an authorizer that refuses some groups,
 * topics and transactional ids, ListGroups hides them, DescribeGroups and OffsetFetch answer Kafka's authorization
 * errors per group and per topic, and AddPartitionsToTxn refuses a transactional id the requester may not write.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { AddPartitionsToTxn } from '../../src/protocol/messages/add-partitions-to-txn.js';
import { DescribeGroups } from '../../src/protocol/messages/describe-groups.js';
import { ListGroups } from '../../src/protocol/messages/list-groups.js';
import { OffsetCommit } from '../../src/protocol/messages/offset-commit.js';
import { OffsetFetch } from '../../src/protocol/messages/offset-fetch.js';
import { AclOperation, ResourceType, type Authorizer } from '../../src/security/authorizer.js';
import { silentLogger } from '../../src/storage/logger.js';
import { RawClient } from '../helpers/raw-client.js';

const refused = new Set([
  `${ResourceType.GROUP}:secret-group:${AclOperation.DESCRIBE}`,
  `${ResourceType.TOPIC}:hidden:${AclOperation.DESCRIBE}`,
  `${ResourceType.CLUSTER}:kafka-cluster:${AclOperation.DESCRIBE}`,
  `${ResourceType.TRANSACTIONAL_ID}:denied-txn:${AclOperation.WRITE}`,
]);
const authorizer: Authorizer = {
  authorize: (_who, operation, resource) => !refused.has(`${resource.type}:${resource.name}:${operation}`),
};

let broker: Broker;
let dataDir: string;
let client: RawClient;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'samsa-authorize-'));
  broker = await startBroker({ port: 0, dataDir, logger: silentLogger, authorizer });
  for (const t of ['hidden', 'visible']) assert.equal(broker.topics.create(t, 1, 1, {}).errorCode, 0);
  client = await RawClient.connect(broker.port);
  for (const groupId of ['secret-group', 'open-group']) {
    const res = await client.send(OffsetCommit, 2, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: ['hidden', 'visible'].map((name) => ({
        name,
        partitions: [{ partitionIndex: 0, committedOffset: 7, committedMetadata: null }],
      })),
    });
    for (const t of res.topics) assert.equal(t.partitions[0]!.errorCode, 0);
  }
});

after(async () => {
  client.close();
  await broker.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('ListGroups shows only the groups the requester may describe', async () => {
  const res = await client.send(ListGroups, 4, { statesFilter: [] });
  assert.equal(res.errorCode, 0);
  assert.deepEqual(
    res.groups.map((g) => g.groupId),
    ['open-group'],
  );
});

test('DescribeGroups answers GROUP_AUTHORIZATION_FAILED for a group the requester may not describe', async () => {
  const res = await client.send(DescribeGroups, 5, {
    groups: ['secret-group', 'open-group'],
    includeAuthorizedOperations: false,
  });
  assert.equal(res.groups[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal(res.groups[1]!.errorCode, 0);
});

test('OffsetFetch refuses the group or the topic the requester may not describe', async () => {
  const topics = [
    { name: 'hidden', partitionIndexes: [0] },
    { name: 'visible', partitionIndexes: [0] },
  ];
  const open = await client.send(OffsetFetch, 7, { groupId: 'open-group', topics, requireStable: false });
  assert.equal(open.errorCode, 0);
  const byName = new Map(open.topics.map((t) => [t.name, t.partitions[0]!]));
  assert.equal(byName.get('hidden')!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(byName.get('hidden')!.committedOffset, -1);
  assert.equal(byName.get('visible')!.errorCode, 0);
  assert.equal(byName.get('visible')!.committedOffset, 7);

  const all = await client.send(OffsetFetch, 7, { groupId: 'open-group', topics: null, requireStable: false });
  assert.deepEqual(
    all.topics.map((t) => t.name),
    ['visible'],
    'asking for every partition leaves out topics the requester may not describe',
  );

  const secret = await client.send(OffsetFetch, 7, { groupId: 'secret-group', topics, requireStable: false });
  assert.equal(secret.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.ok(secret.topics.every((t) => t.partitions.every((p) => p.committedOffset === -1)));
});

test('AddPartitionsToTxn refuses a transactional id the requester may not write', async () => {
  const res = await client.send(AddPartitionsToTxn, 3, {
    v3AndBelowTransactionalId: 'denied-txn',
    v3AndBelowProducerId: 1,
    v3AndBelowProducerEpoch: 0,
    v3AndBelowTopics: [{ name: 'visible', partitions: [0] }],
  });
  const p = res.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!;
  assert.equal(p.partitionErrorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
});
