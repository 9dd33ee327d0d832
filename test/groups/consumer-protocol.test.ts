/**
 * KIP-848 consumer groups over a socket (ConsumerGroupHeartbeat v0, ConsumerGroupDescribe v0): server-side
 * assignment, member epochs, and the rule that a partition moves only after its previous owner revoked it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { rangeAssignor, uniformAssignor } from '../../src/broker/groups/assignors.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ConsumerGroupDescribe } from '../../src/protocol/messages/consumer-group-describe.js';
import { ConsumerGroupHeartbeat } from '../../src/protocol/messages/consumer-group-heartbeat.js';
import { JoinGroup } from '../../src/protocol/messages/join-group.js';
import { ListGroups } from '../../src/protocol/messages/list-groups.js';
import { OffsetCommit } from '../../src/protocol/messages/offset-commit.js';
import { silentLogger } from '../../src/storage/logger.js';
import { RawClient } from '../helpers/raw-client.js';

let dir: string;
let broker: Broker;
let c: RawClient;
let topicId = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-kip848-'));
  broker = await startBroker({ port: 0, dataDir: dir, logger: silentLogger as never, config: {} });
  c = await RawClient.connect(broker.port);
  broker.topics.create('kt', 4, 1, {});
  topicId = broker.topics.get('kt')!.topicId;
});

after(async () => {
  c.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

type Owned = Array<{ topicId: string; partitions: number[] }> | null;
const hb = (memberId: string, memberEpoch: number, owned: Owned, extra: Record<string, unknown> = {}) =>
  c.send(ConsumerGroupHeartbeat, 0, {
    groupId: 'cg',
    memberId,
    memberEpoch,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: memberEpoch === 0 ? 30000 : -1,
    subscribedTopicNames: memberEpoch === 0 ? ['kt'] : null,
    serverAssignor: null,
    topicPartitions: owned,
    ...extra,
  });
const parts = (r: { assignment: { topicPartitions: Array<{ topicId: string; partitions: number[] }> } | null }) =>
  r.assignment === null ? null : r.assignment.topicPartitions.flatMap((t) => t.partitions).sort();
const own = (ps: number[]): Owned => [{ topicId, partitions: ps }];

describe('assignors', () => {
  test('range splits each topic into contiguous ranges; uniform balances and keeps what it can', () => {
    const n = (t: string) => (t === 'a' ? 5 : 2);
    const r = rangeAssignor(
      [
        { memberId: 'm1', topics: ['a'], previous: undefined },
        { memberId: 'm2', topics: ['a', 'b'], previous: undefined },
      ],
      n,
    );
    assert.deepEqual([...r.get('m1')!.get('a')!], [0, 1, 2]);
    assert.deepEqual([...r.get('m2')!.get('a')!], [3, 4]);
    assert.deepEqual([...r.get('m2')!.get('b')!], [0, 1]);
    const first = uniformAssignor([{ memberId: 'm1', topics: ['a'], previous: undefined }], n);
    assert.equal(first.get('m1')!.get('a')!.size, 5);
    const second = uniformAssignor(
      [
        { memberId: 'm1', topics: ['a'], previous: first.get('m1') },
        { memberId: 'm2', topics: ['a'], previous: undefined },
      ],
      n,
    );
    const m1 = [...second.get('m1')!.get('a')!];
    const m2 = [...second.get('m2')!.get('a')!];
    assert.deepEqual([m1.length, m2.length].sort(), [2, 3]);
    assert.ok(
      m1.every((p) => first.get('m1')!.get('a')!.has(p)),
      'm1 keeps only partitions it had',
    );
    assert.deepEqual([...m1, ...m2].sort(), [0, 1, 2, 3, 4]);
  });
});

describe('ConsumerGroupHeartbeat', () => {
  test('join, epochs, incremental reconciliation with revocation before reassignment, leave', async () => {
    const a0 = await hb('', 0, []);
    assert.equal(a0.errorCode, 0);
    assert.ok(a0.memberId);
    assert.equal(a0.memberEpoch, 1);
    assert.deepEqual(parts(a0), [0, 1, 2, 3]);
    assert.ok(a0.heartbeatIntervalMs > 0);
    const a = a0.memberId!;
    const steady = await hb(a, 1, null);
    assert.deepEqual([steady.errorCode, steady.memberEpoch, steady.assignment], [0, 1, null]);

    // B joins: it gets an epoch but no partitions until A has revoked two.
    const b0 = await hb('', 0, []);
    const b = b0.memberId!;
    assert.equal(b0.memberEpoch, 2);
    assert.deepEqual(parts(b0), []);
    const aRevoke = await hb(a, 1, null);
    assert.equal(aRevoke.memberEpoch, 1, 'epoch stays until the revocation is done');
    const kept = parts(aRevoke)!;
    assert.equal(kept.length, 2);
    const moving = [0, 1, 2, 3].filter((p) => !kept.includes(p));
    const described = await c.send(ConsumerGroupDescribe, 0, { groupIds: ['cg'], includeAuthorizedOperations: false });
    assert.equal(described.groups[0]!.groupState, 'Reconciling');
    // B still gets nothing while A owns them.
    const bWait = await hb(b, 2, own([]));
    assert.deepEqual(parts(bWait), []);
    // A reports it no longer owns the moving partitions: its epoch advances and B can take them.
    const aDone = await hb(a, 1, own(kept));
    assert.equal(aDone.memberEpoch, 2);
    assert.deepEqual(parts(aDone), kept);
    const bGets = await hb(b, 2, own([]));
    assert.deepEqual(parts(bGets), moving);
    const stable = await c.send(ConsumerGroupDescribe, 0, {
      groupIds: ['cg', 'missing'],
      includeAuthorizedOperations: false,
    });
    const g = stable.groups[0]!;
    assert.deepEqual(
      [g.errorCode, g.groupState, g.groupEpoch, g.assignmentEpoch, g.assignorName],
      [0, 'Stable', 2, 2, 'uniform'],
    );
    assert.deepEqual(g.members.map((m) => m.assignment.topicPartitions[0]!.partitions.length).sort(), [2, 2]);
    assert.equal(g.members[0]!.assignment.topicPartitions[0]!.topicName, 'kt');
    assert.equal(stable.groups[1]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

    // Wrong epochs and unknown members.
    assert.equal((await hb(a, 7, null)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
    assert.equal((await hb('nobody', 2, null)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await hb(a, 2, null, { serverAssignor: 'sticky-magic' })).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);

    // Offsets: commits are checked against member epochs.
    const commit = (memberId: string, epoch: number) =>
      c
        .send(OffsetCommit, 9, {
          groupId: 'cg',
          generationIdOrMemberEpoch: epoch,
          memberId,
          groupInstanceId: null,
          retentionTimeMs: -1,
          topics: [
            {
              name: 'kt',
              partitions: [
                {
                  partitionIndex: 0,
                  committedOffset: 5,
                  committedLeaderEpoch: -1,
                  commitTimestamp: -1,
                  committedMetadata: null,
                },
              ],
            },
          ],
        })
        .then((r) => r.topics[0]!.partitions[0]!.errorCode);
    assert.equal(await commit(a, 2), 0);
    assert.equal(await commit(a, 3), ErrorCode.FENCED_MEMBER_EPOCH);
    assert.equal(await commit('nobody', 2), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(await commit('', -1), ErrorCode.UNKNOWN_MEMBER_ID, 'no simple commits while the group has members');

    // A classic member cannot join a consumer group that has members.
    const classic = await c.send(JoinGroup, 9, {
      groupId: 'cg',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 10000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      reason: null,
    });
    assert.equal(classic.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const listed = await c.send(ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
    assert.deepEqual(
      listed.groups.map((x) => [x.groupId, x.groupType, x.groupState]),
      [['cg', 'consumer', 'Stable']],
    );

    // A leaves: B ends up with all four.
    const left = await hb(a, -1, null);
    assert.deepEqual([left.errorCode, left.memberEpoch], [0, -1]);
    const bAll = await hb(b, 2, own(moving));
    assert.equal(bAll.memberEpoch, 3);
    assert.deepEqual(parts(bAll), [0, 1, 2, 3]);
  });

  test('a v1 regex subscription follows topics created and deleted after the member joined', async () => {
    broker.topics.create('rx-a', 2, 1, {});
    broker.topics.create('other', 1, 1, {});
    const idOf = (t: string) => broker.topics.get(t)!.topicId;
    const rhb = (memberId: string, memberEpoch: number, owned: Owned, regex: string | null) =>
      c.send(ConsumerGroupHeartbeat, 1, {
        groupId: 'rx-group',
        memberId,
        memberEpoch,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: memberEpoch === 0 ? 30000 : -1,
        subscribedTopicNames: null,
        subscribedTopicRegex: regex,
        serverAssignor: null,
        topicPartitions: owned,
      });
    const topicsOf = (r: {
      assignment: { topicPartitions: Array<{ topicId: string; partitions: number[] }> } | null;
    }) =>
      r
        .assignment!.topicPartitions.map((t) => `${broker.topics.nameForId(t.topicId)}:${t.partitions.join(',')}`)
        .sort();

    const bad = await rhb('', 0, [], 'rx-(');
    assert.equal(bad.errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);

    const joined = await rhb('', 0, [], 'rx-.*');
    assert.equal(joined.errorCode, 0);
    const m = joined.memberId!;
    assert.deepEqual(topicsOf(joined), ['rx-a:0,1']);
    const epoch1 = joined.memberEpoch;

    // A matching topic created later joins the subscription at the next heartbeat, which sends no regex.
    broker.topics.create('rx-b', 2, 1, {});
    broker.topics.create('not-rx', 1, 1, {});
    const grown = await rhb(m, epoch1, [{ topicId: idOf('rx-a'), partitions: [0, 1] }], null);
    assert.equal(grown.errorCode, 0);
    assert.ok(grown.memberEpoch > epoch1, 'a new group epoch');
    assert.deepEqual(topicsOf(grown), ['rx-a:0,1', 'rx-b:0,1']);

    const d = await c.send(ConsumerGroupDescribe, 0, { groupIds: ['rx-group'], includeAuthorizedOperations: false });
    const member = d.groups[0]!.members[0]!;
    assert.equal(member.subscribedTopicRegex, 'rx-.*');
    assert.deepEqual(member.subscribedTopicNames, []);

    // A deleted topic leaves it again.
    assert.equal(broker.topics.delete('rx-a').errorCode, 0);
    const shrunk = await rhb(m, grown.memberEpoch, [{ topicId: idOf('rx-b'), partitions: [0, 1] }], null);
    assert.ok(shrunk.memberEpoch > grown.memberEpoch);
    assert.deepEqual(topicsOf(shrunk), ['rx-b:0,1']);

    // Changing the regex moves the subscription at once.
    const moved = await rhb(m, shrunk.memberEpoch, [{ topicId: idOf('rx-b'), partitions: [0, 1] }], 'other|not-rx');
    assert.equal(moved.errorCode, 0);
    // rx-b is revoked first; once the member reports it gone, it gets the newly subscribed topics.
    const after = await rhb(m, moved.memberEpoch, [], null);
    assert.deepEqual(topicsOf(after), ['not-rx:0', 'other:0']);
    assert.equal((await rhb(m, -1, null, null)).errorCode, 0);
  });

  test('a consumer heartbeat for a classic group with members is GROUP_ID_NOT_FOUND', async () => {
    const j = await c.send(JoinGroup, 3, {
      groupId: 'classic-one',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 10000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      reason: null,
    });
    assert.equal(j.errorCode, 0);
    const r = await c.send(ConsumerGroupHeartbeat, 0, {
      groupId: 'classic-one',
      memberId: '',
      memberEpoch: 0,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 1000,
      subscribedTopicNames: ['kt'],
      serverAssignor: null,
      topicPartitions: [],
    });
    assert.equal(r.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });
});
