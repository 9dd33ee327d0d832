/**
 * The classic group protocol over a socket: KIP-394 member ids, session timeout bounds, join/sync/heartbeat,
 * static membership (KIP-345) without a rebalance and with fencing, batched LeaveGroup, and the group admin APIs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeSubscription } from '../../src/protocol/consumer-protocol.js';
import { DeleteGroups } from '../../src/protocol/messages/delete-groups.js';
import { DescribeGroups } from '../../src/protocol/messages/describe-groups.js';
import { Heartbeat } from '../../src/protocol/messages/heartbeat.js';
import { JoinGroup } from '../../src/protocol/messages/join-group.js';
import { LeaveGroup } from '../../src/protocol/messages/leave-group.js';
import { ListGroups } from '../../src/protocol/messages/list-groups.js';
import { OffsetCommit } from '../../src/protocol/messages/offset-commit.js';
import { OffsetDelete } from '../../src/protocol/messages/offset-delete.js';
import { SyncGroup } from '../../src/protocol/messages/sync-group.js';
import { silentLogger } from '../../src/storage/logger.js';
import { RawClient } from '../helpers/raw-client.js';

let dir: string;
let broker: Broker;
const clients: RawClient[] = [];
const client = async () => {
  const c = await RawClient.connect(broker.port);
  clients.push(c);
  return c;
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-classic-'));
  broker = await startBroker({
    port: 0,
    dataDir: dir,
    logger: silentLogger as never,
    config: { 'group.initial.rebalance.delay.ms': '0' },
  });
  broker.topics.create('ct', 2, 1, {});
});

after(async () => {
  for (const c of clients) c.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

const sub = encodeSubscription(
  { topics: ['ct'], userData: null, ownedPartitions: [], generationId: -1, rackId: null },
  0,
);
const joinReq = (groupId: string, memberId = '', groupInstanceId: string | null = null, sessionTimeoutMs = 10000) => ({
  groupId,
  sessionTimeoutMs,
  rebalanceTimeoutMs: 5000,
  memberId,
  groupInstanceId,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: sub }],
  reason: null,
});

describe('classic groups', () => {
  test('KIP-394 member id round trip, join, sync, heartbeat; session timeout bounds', async () => {
    const c = await client();
    const bad = await c.send(JoinGroup, 9, joinReq('g1', '', null, 1000));
    assert.equal(bad.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    const bad2 = await c.send(JoinGroup, 9, joinReq('g1', '', null, 1_800_001));
    assert.equal(bad2.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal(broker.groups.group('g1')?.members.size ?? 0, 0);

    const first = await c.send(JoinGroup, 9, joinReq('g1'));
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.ok(first.memberId.length > 0);
    const joined = await c.send(JoinGroup, 9, joinReq('g1', first.memberId));
    assert.equal(joined.errorCode, 0);
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, first.memberId);
    assert.equal(joined.protocolName, 'range');
    assert.equal(joined.protocolType, 'consumer');
    assert.deepEqual(
      joined.members.map((m) => m.memberId),
      [first.memberId],
    );

    // Heartbeat before sync is fine; a wrong generation or member is not.
    assert.equal(
      (await c.send(Heartbeat, 4, { groupId: 'g1', generationId: 1, memberId: first.memberId, groupInstanceId: null }))
        .errorCode,
      0,
    );
    assert.equal(
      (await c.send(Heartbeat, 4, { groupId: 'g1', generationId: 0, memberId: first.memberId, groupInstanceId: null }))
        .errorCode,
      ErrorCode.ILLEGAL_GENERATION,
    );
    assert.equal(
      (await c.send(Heartbeat, 0, { groupId: 'g1', generationId: 1, memberId: 'x', groupInstanceId: null })).errorCode,
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    assert.equal(
      (await c.send(Heartbeat, 2, { groupId: 'nope', generationId: 1, memberId: 'x', groupInstanceId: null }))
        .errorCode,
      ErrorCode.UNKNOWN_MEMBER_ID,
    );

    const wrongType = await c.send(SyncGroup, 5, {
      groupId: 'g1',
      generationId: 1,
      memberId: first.memberId,
      groupInstanceId: null,
      protocolType: 'connect',
      protocolName: 'range',
      assignments: [],
    });
    assert.equal(wrongType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const synced = await c.send(SyncGroup, 5, {
      groupId: 'g1',
      generationId: 1,
      memberId: first.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: first.memberId, assignment: Buffer.from('A1') }],
    });
    assert.equal(synced.errorCode, 0);
    assert.equal(synced.assignment.toString(), 'A1');
    assert.equal(synced.protocolName, 'range');

    // A member offering only protocols the group cannot use is refused.
    const other = await c.send(JoinGroup, 5, { ...joinReq('g1'), protocols: [{ name: 'roundrobin', metadata: sub }] });
    assert.equal(other.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    // Committing with the current generation works; the group is Stable and described with its assignment.
    const commit = await c.send(OffsetCommit, 8, {
      groupId: 'g1',
      generationIdOrMemberEpoch: 1,
      memberId: first.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: 'ct',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 3,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    assert.equal(commit.topics[0]!.partitions[0]!.errorCode, 0);
    const d = await c.send(DescribeGroups, 5, { groups: ['g1', 'unknown'], includeAuthorizedOperations: false });
    assert.deepEqual(
      [d.groups[0]!.groupState, d.groups[0]!.protocolType, d.groups[0]!.protocolData],
      ['Stable', 'consumer', 'range'],
    );
    assert.equal(d.groups[0]!.members[0]!.memberAssignment.toString(), 'A1');
    assert.equal(d.groups[0]!.members[0]!.clientHost, '/127.0.0.1');
    assert.deepEqual([d.groups[1]!.errorCode, d.groups[1]!.groupState], [0, 'Dead']);

    // OffsetDelete refuses a topic the group consumes; DeleteGroups refuses a group with members.
    const od = await c.send(OffsetDelete, 0, {
      groupId: 'g1',
      topics: [{ name: 'ct', partitions: [{ partitionIndex: 0 }] }],
    });
    assert.equal(od.topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    const dg = await c.send(DeleteGroups, 2, { groupsNames: ['g1', 'never-existed'] });
    assert.deepEqual(
      dg.results.map((r) => r.errorCode),
      [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND],
    );

    // A second member triggers a rebalance: the first learns it from its heartbeat and rejoins.
    const c2 = await client();
    const second = c2.send(JoinGroup, 3, joinReq('g1'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(
      (await c.send(Heartbeat, 4, { groupId: 'g1', generationId: 1, memberId: first.memberId, groupInstanceId: null }))
        .errorCode,
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    const rejoin = await c.send(JoinGroup, 9, joinReq('g1', first.memberId));
    const s2 = await second;
    assert.equal(rejoin.generationId, 2);
    assert.equal(s2.generationId, 2);
    assert.equal(rejoin.members.length, 2, 'the leader sees both members');
    assert.equal(s2.members.length, 0);

    // Batched leave (v3+) with one unknown member; then the group is empty and can be deleted.
    const leave = await c.send(LeaveGroup, 5, {
      groupId: 'g1',
      memberId: '',
      members: [
        { memberId: first.memberId, groupInstanceId: null, reason: 'test' },
        { memberId: s2.memberId, groupInstanceId: null, reason: null },
        { memberId: 'ghost', groupInstanceId: null, reason: null },
      ],
    });
    assert.deepEqual(
      leave.members.map((m) => m.errorCode),
      [0, 0, ErrorCode.UNKNOWN_MEMBER_ID],
    );
    const listed = await c.send(ListGroups, 5, { statesFilter: ['empty'], typesFilter: ['classic'] });
    assert.deepEqual(
      listed.groups.filter((g) => g.groupId === 'g1').map((g) => [g.groupState, g.groupType, g.protocolType]),
      [['Empty', 'classic', 'consumer']],
    );
    const stable = await c.send(ListGroups, 4, { statesFilter: ['Stable'], typesFilter: [] });
    assert.ok(!stable.groups.some((g) => g.groupId === 'g1'));
    const deleted = await c.send(DeleteGroups, 0, { groupsNames: ['g1'] });
    assert.equal(deleted.results[0]!.errorCode, 0);
    assert.equal(broker.groups.committedOffsets('g1'), undefined);
  });

  test('KIP-345: a restarted static member gets its assignment back without a rebalance; the old id is fenced', async () => {
    const c = await client();
    const a = await c.send(JoinGroup, 7, joinReq('static', '', 'instance-a'));
    assert.equal(a.errorCode, 0, 'static members skip the member-id round trip');
    const s = await c.send(SyncGroup, 5, {
      groupId: 'static',
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: 'instance-a',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: a.memberId, assignment: Buffer.from('mine') }],
    });
    assert.equal(s.assignment.toString(), 'mine');
    // The "restarted" member joins with no member id but the same instance id.
    const c2 = await client();
    const again = await c2.send(JoinGroup, 7, joinReq('static', '', 'instance-a'));
    assert.equal(again.errorCode, 0);
    assert.notEqual(again.memberId, a.memberId);
    assert.equal(again.generationId, a.generationId, 'no rebalance');
    const s2 = await c2.send(SyncGroup, 5, {
      groupId: 'static',
      generationId: again.generationId,
      memberId: again.memberId,
      groupInstanceId: 'instance-a',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    });
    assert.equal(s2.errorCode, 0);
    assert.equal(s2.assignment.toString(), 'mine');
    // The old incarnation is fenced everywhere.
    assert.equal(
      (
        await c.send(Heartbeat, 4, {
          groupId: 'static',
          generationId: a.generationId,
          memberId: a.memberId,
          groupInstanceId: 'instance-a',
        })
      ).errorCode,
      ErrorCode.FENCED_INSTANCE_ID,
    );
    const oldCommit = await c.send(OffsetCommit, 8, {
      groupId: 'static',
      generationIdOrMemberEpoch: a.generationId,
      memberId: a.memberId,
      groupInstanceId: 'instance-a',
      retentionTimeMs: -1,
      topics: [
        {
          name: 'ct',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    assert.equal(oldCommit.topics[0]!.partitions[0]!.errorCode, ErrorCode.FENCED_INSTANCE_ID);
    const leaveOld = await c.send(LeaveGroup, 4, {
      groupId: 'static',
      memberId: '',
      members: [{ memberId: a.memberId, groupInstanceId: 'instance-a', reason: null }],
    });
    assert.equal(leaveOld.members[0]!.errorCode, ErrorCode.FENCED_INSTANCE_ID);
    // Removing by instance id alone (as admin tools do) works.
    const leave = await c.send(LeaveGroup, 4, {
      groupId: 'static',
      memberId: '',
      members: [{ memberId: '', groupInstanceId: 'instance-a', reason: null }],
    });
    assert.equal(leave.members[0]!.errorCode, 0);
    assert.equal(broker.groups.describeGroup('static').groupState, 'Empty');
  });

  test('JoinGroup v0 (no member-id round trip) and a member that stops heartbeating is removed', async () => {
    const c = await client();
    const j = await c.send(JoinGroup, 0, { ...joinReq('g0'), sessionTimeoutMs: 6000 });
    assert.equal(j.errorCode, 0);
    assert.equal(j.generationId, 1);
    const s = await c.send(SyncGroup, 0, {
      groupId: 'g0',
      generationId: 1,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.equal(s.errorCode, 0);
    assert.equal(broker.groups.describeGroup('g0').members.length, 1);
    // No heartbeats: after the 6 s session timeout the member is gone and the group empty.
    const deadline = Date.now() + 15_000;
    while (broker.groups.describeGroup('g0').groupState !== 'Empty' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal(broker.groups.describeGroup('g0').groupState, 'Empty');
    assert.equal(
      (await c.send(Heartbeat, 1, { groupId: 'g0', generationId: 1, memberId: j.memberId, groupInstanceId: null }))
        .errorCode,
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });
});
