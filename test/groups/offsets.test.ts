/**
 * FindCoordinator, OffsetCommit/OffsetFetch/OffsetDelete over a socket: versions, the errors Kafka gives for bad
 * commits (with nothing stored), persistence across a restart, and retention of empty groups' offsets.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { OFFSETS_TOPIC } from '../../src/broker/groups/offsets.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { FindCoordinator } from '../../src/protocol/messages/find-coordinator.js';
import { Heartbeat } from '../../src/protocol/messages/heartbeat.js';
import { JoinGroup } from '../../src/protocol/messages/join-group.js';
import { OffsetCommit } from '../../src/protocol/messages/offset-commit.js';
import { OffsetDelete } from '../../src/protocol/messages/offset-delete.js';
import { OffsetFetch } from '../../src/protocol/messages/offset-fetch.js';
import { ListGroups } from '../../src/protocol/messages/list-groups.js';
import { SyncGroup } from '../../src/protocol/messages/sync-group.js';
import { silentLogger } from '../../src/storage/logger.js';
import { RawClient } from '../helpers/raw-client.js';

let dir: string;
let broker: Broker;
let c: RawClient;
const config = { 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0' };

const start = () => startBroker({ port: 0, dataDir: dir, logger: silentLogger as never, config });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-offsets-'));
  broker = await start();
  c = await RawClient.connect(broker.port);
  assert.equal(broker.topics.create('t3', 3, 1, {}).errorCode, 0);
});

after(async () => {
  c.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

const commitV = (
  version: number,
  groupId: string,
  parts: Array<[string, number, number, string?]>,
  generation = -1,
  memberId = '',
) =>
  c.send(OffsetCommit, version, {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [...new Set(parts.map((p) => p[0]))].map((name) => ({
      name,
      partitions: parts
        .filter((p) => p[0] === name)
        .map(([, partitionIndex, committedOffset, meta]) => ({
          partitionIndex,
          committedOffset,
          committedLeaderEpoch: 2,
          commitTimestamp: -1,
          committedMetadata: meta ?? 'meta',
        })),
    })),
  });

const errors = (r: {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}) =>
  Object.fromEntries(r.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}-${p.partitionIndex}`, p.errorCode])));

const fetchV7 = async (groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null) => {
  const r = await c.send(OffsetFetch, 7, { groupId, topics, groups: [], requireStable: true });
  assert.equal(r.errorCode, 0);
  return Object.fromEntries(
    r.topics.flatMap((t) =>
      t.partitions.map((p) => [
        `${t.name}-${p.partitionIndex}`,
        [p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode],
      ]),
    ),
  );
};

describe('FindCoordinator', () => {
  test('v0, v3 and batched v4+ name this broker; unknown key types are INVALID_REQUEST', async () => {
    const v0 = await c.send(FindCoordinator, 0, { key: 'g', keyType: 0, coordinatorKeys: [] });
    assert.deepEqual([v0.errorCode, v0.nodeId, v0.host, v0.port], [0, broker.nodeId, '127.0.0.1', broker.port]);
    const v3 = await c.send(FindCoordinator, 3, { key: 'txn', keyType: 1, coordinatorKeys: [] });
    assert.deepEqual([v3.errorCode, v3.nodeId, v3.port], [0, broker.nodeId, broker.port]);
    const v4 = await c.send(FindCoordinator, 6, { key: '', keyType: 0, coordinatorKeys: ['a', 'b', 'c'] });
    assert.deepEqual(
      v4.coordinators.map((x) => [x.key, x.errorCode, x.nodeId, x.port]),
      [
        ['a', 0, 1, broker.port],
        ['b', 0, 1, broker.port],
        ['c', 0, 1, broker.port],
      ],
    );
    const bad = await c.send(FindCoordinator, 4, { key: '', keyType: 7, coordinatorKeys: ['a'] });
    assert.equal(bad.coordinators[0]!.errorCode, ErrorCode.INVALID_REQUEST);
    const bad2 = await c.send(FindCoordinator, 2, { key: 'a', keyType: 9, coordinatorKeys: [] });
    assert.equal(bad2.errorCode, ErrorCode.INVALID_REQUEST);
    // Looking up a group coordinator created the compacted offsets topic.
    const t = broker.topics.get(OFFSETS_TOPIC);
    assert.equal(t?.partitions, 5);
    assert.equal(broker.topics.configOf(OFFSETS_TOPIC).cleanupPolicy.includes('compact' as never), true);
    assert.equal(broker.topics.isInternal(OFFSETS_TOPIC), true);
  });
});

describe('OffsetCommit and OffsetFetch', () => {
  test('simple commits (no members) at v2, v8 and v9, fetched at v1, v5, v7, v8 with many groups', async () => {
    assert.deepEqual(
      errors(
        await commitV(2, 'simple', [
          ['t3', 0, 10],
          ['t3', 1, 11],
        ]),
      ),
      { 't3-0': 0, 't3-1': 0 },
    );
    assert.deepEqual(errors(await commitV(8, 'simple', [['t3', 2, 12, 'x']])), { 't3-2': 0 });
    assert.deepEqual(errors(await commitV(9, 'other', [['t3', 0, 5]])), { 't3-0': 0 });

    const v1 = await c.send(OffsetFetch, 1, {
      groupId: 'simple',
      topics: [{ name: 't3', partitionIndexes: [0, 1, 2] }],
      groups: [],
      requireStable: false,
    });
    assert.deepEqual(
      v1.topics[0]!.partitions.map((p) => [p.committedOffset, p.metadata]),
      [
        [10, 'meta'],
        [11, 'meta'],
        [12, 'x'],
      ],
    );
    const v5 = await c.send(OffsetFetch, 5, { groupId: 'simple', topics: null, groups: [], requireStable: false });
    assert.equal(v5.errorCode, 0);
    assert.deepEqual(
      v5.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch]).sort(),
      [
        [0, 10, -1],
        [1, 11, -1],
        [2, 12, 2],
      ],
    );
    assert.deepEqual(
      await fetchV7('simple', [
        { name: 't3', partitionIndexes: [1, 5] },
        { name: 'nope', partitionIndexes: [0] },
      ]),
      {
        't3-1': [11, -1, 'meta', 0],
        't3-5': [-1, -1, '', 0],
        'nope-0': [-1, -1, '', 0],
      },
    );
    const v8 = await c.send(OffsetFetch, 8, {
      groupId: '',
      topics: [],
      requireStable: true,
      groups: [
        { groupId: 'simple', memberId: null, memberEpoch: -1, topics: [{ name: 't3', partitionIndexes: [2] }] },
        { groupId: 'other', memberId: null, memberEpoch: -1, topics: null },
        { groupId: 'unknown-group', memberId: null, memberEpoch: -1, topics: null },
      ],
    });
    assert.deepEqual(
      v8.groups.map((g) => [
        g.groupId,
        g.errorCode,
        g.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`)),
      ]),
      [
        ['simple', 0, ['t3-2=12']],
        ['other', 0, ['t3-0=5']],
        ['unknown-group', 0, []],
      ],
    );
  });

  test('bad commits get the errors Kafka gives and store nothing', async () => {
    const r = await commitV(8, 'bad', [
      ['t3', 0, 1, 'm'.repeat(4097)],
      ['t3', 3, 1],
      ['t3', -1, 1],
      ['missing', 0, 1],
      ['t3', 1, 7, 'm'.repeat(4096)],
    ]);
    assert.deepEqual(errors(r), {
      't3-0': ErrorCode.OFFSET_METADATA_TOO_LARGE,
      't3-3': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      't3--1': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      'missing-0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      't3-1': 0,
    });
    assert.deepEqual(
      await fetchV7('bad', [
        { name: 't3', partitionIndexes: [0, 1, 3] },
        { name: 'missing', partitionIndexes: [0] },
      ]),
      {
        't3-0': [-1, -1, '', 0],
        't3-1': [7, 2, 'm'.repeat(4096), 0],
        't3-3': [-1, -1, '', 0],
        'missing-0': [-1, -1, '', 0],
      },
    );
    // A generation for a group that does not exist, and an empty group id.
    assert.deepEqual(errors(await commitV(8, 'ghost', [['t3', 0, 1]], 3, 'someone')), {
      't3-0': ErrorCode.ILLEGAL_GENERATION,
    });
    assert.deepEqual(errors(await commitV(8, '', [['t3', 0, 1]])), { 't3-0': ErrorCode.INVALID_GROUP_ID });
    assert.equal(broker.groups.committedOffsets('ghost'), undefined);
    assert.equal(broker.groups.group('ghost') !== undefined, false);
  });

  test('commits from members are checked against the generation and member id', async () => {
    const join1 = await c.send(JoinGroup, 3, {
      groupId: 'live',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 30000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 2, 116, 51, 0, 0, 0, 0]) }],
      reason: null,
    });
    assert.equal(join1.errorCode, 0);
    const { generationId, memberId } = join1;
    assert.deepEqual(errors(await commitV(8, 'live', [['t3', 0, 1]], generationId + 1, memberId)), {
      't3-0': ErrorCode.ILLEGAL_GENERATION,
    });
    assert.deepEqual(errors(await commitV(8, 'live', [['t3', 0, 1]], generationId, 'stranger')), {
      't3-0': ErrorCode.UNKNOWN_MEMBER_ID,
    });
    // The member has not synced yet: the group is completing its rebalance.
    assert.deepEqual(errors(await commitV(8, 'live', [['t3', 0, 1]], generationId, memberId)), {
      't3-0': ErrorCode.REBALANCE_IN_PROGRESS,
    });
    // Simple commits are refused while the group has members.
    assert.deepEqual(errors(await commitV(8, 'live', [['t3', 0, 1]])), { 't3-0': ErrorCode.UNKNOWN_MEMBER_ID });
    assert.equal(broker.groups.committedOffsets('live'), undefined);
  });

  test('OffsetDelete removes offsets of an empty group; unknown groups are GROUP_ID_NOT_FOUND', async () => {
    await commitV(8, 'del', [
      ['t3', 0, 1],
      ['t3', 1, 2],
    ]);
    const r = await c.send(OffsetDelete, 0, {
      groupId: 'del',
      topics: [{ name: 't3', partitions: [{ partitionIndex: 0 }] }],
    });
    assert.equal(r.errorCode, 0);
    assert.deepEqual(errors(r), { 't3-0': 0 });
    assert.deepEqual(await fetchV7('del', null), { 't3-1': [2, 2, 'meta', 0] });
    const none = await c.send(OffsetDelete, 0, { groupId: 'no-such-group', topics: [] });
    assert.equal(none.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

describe('offsets storage', () => {
  test("commits survive a restart on the same data dir; records use Kafka's key format in the group's partition", async () => {
    await commitV(8, 'durable', [
      ['t3', 0, 100],
      ['t3', 2, 300],
    ]);
    await commitV(8, 'durable', [['t3', 0, 101]]);
    await c.send(OffsetDelete, 0, {
      groupId: 'durable',
      topics: [{ name: 't3', partitions: [{ partitionIndex: 2 }] }],
    });
    const part = broker.groups.partitionFor('durable');
    const log = broker.topics.partition(OFFSETS_TOPIC, part)!;
    assert.ok(log.logEndOffset >= 4);
    c.close();
    await broker.close();
    broker = await start();
    c = await RawClient.connect(broker.port);
    assert.deepEqual(await fetchV7('durable', null), { 't3-0': [101, 2, 'meta', 0] });
    assert.deepEqual(await fetchV7('simple', [{ name: 't3', partitionIndexes: [0, 1, 2] }]), {
      't3-0': [10, -1, 'meta', 0],
      't3-1': [11, -1, 'meta', 0],
      't3-2': [12, 2, 'x', 0],
    });
  });

  test('a stable classic group is restored after a restart: its member heartbeats on without rejoining', async () => {
    const j = await c.send(JoinGroup, 4, {
      groupId: 'keeper',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 30000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
      reason: null,
    });
    assert.equal(j.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await c.send(JoinGroup, 4, {
      groupId: 'keeper',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 30000,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
      reason: null,
    });
    const s = await c.send(SyncGroup, 3, {
      groupId: 'keeper',
      generationId: joined.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: j.memberId, assignment: Buffer.from('asg') }],
    });
    assert.equal(s.errorCode, 0);
    c.close();
    await broker.close();
    broker = await start();
    c = await RawClient.connect(broker.port);
    const hb = await c.send(Heartbeat, 3, {
      groupId: 'keeper',
      generationId: joined.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
    });
    assert.equal(hb.errorCode, 0);
    const d = broker.groups.describeGroup('keeper');
    assert.deepEqual(
      [
        d.groupState,
        d.protocolData,
        d.members[0]!.memberAssignment.toString(),
        d.members[0]!.memberMetadata.toString(),
      ],
      ['Stable', 'range', 'asg', 'sub'],
    );
    const again = await c.send(SyncGroup, 3, {
      groupId: 'keeper',
      generationId: joined.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.equal(again.assignment.toString(), 'asg');
  });

  test('offsets of groups without members expire after offsets.retention.minutes; others stay', async () => {
    await commitV(8, 'expiring', [['t3', 0, 1]]);
    assert.equal(await broker.groups.expireOffsets(Date.now() + 60_000), 0);
    const expired = await broker.groups.expireOffsets(Date.now() + 7 * 24 * 3600_000 + 1000);
    assert.ok(expired >= 1);
    assert.deepEqual(await fetchV7('expiring', null), {});
    const list = await c.send(ListGroups, 4, { statesFilter: [], typesFilter: [] });
    assert.ok(!list.groups.some((g) => g.groupId === 'expiring'));
    // The expiry is durable: after a restart the offsets stay gone.
    c.close();
    await broker.close();
    broker = await start();
    c = await RawClient.connect(broker.port);
    assert.deepEqual(await fetchV7('expiring', null), {});
  });
});
