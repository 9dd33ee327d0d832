/**
 * The group coordinator without sockets: classic join/sync/heartbeat with session and rebalance timeouts driven by
 * a mock clock, KIP-848 heartbeats and session expiry, the records an offset commit returns, and loading and
 * unloading __consumer_offsets partitions (COORDINATOR_LOAD_IN_PROGRESS while loading, NOT_COORDINATOR after).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Timers } from '../../src/broker/coordinator/timers.js';
import type { ShardContext } from '../../src/broker/coordinator/runtime.js';
import { parseBrokerConfig } from '../../src/broker/config/index.js';
import type { JoinInput } from '../../src/broker/groups/coordinator.js';
import { parseKey, parseOffsetValue } from '../../src/broker/groups/records.js';
import { GroupShard } from '../../src/broker/groups/shard.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { silentLogger } from '../../src/storage/logger.js';
import { startCoordinators, type CoordinatorHarness } from '../helpers/coordinators.js';
import { MockClock } from '../helpers/mock-clock.js';

const join = (groupId: string, memberId = '', over: Partial<JoinInput> = {}): JoinInput => ({
  groupId,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 20_000,
  memberId,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: Buffer.from('m') }],
  reason: null,
  clientId: 'c',
  clientHost: '/127.0.0.1',
  requireKnownMemberId: false,
  supportsSkipAssignment: false,
  ...over,
});

const sync = (groupId: string, memberId: string, generationId: number, assignments: string[] = []) => ({
  groupId,
  generationId,
  memberId,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocolName: 'range',
  assignments: assignments.map((m) => ({ memberId: m, assignment: Buffer.from(`a-${m}`) })),
});

async function withCoordinators(
  props: Record<string, string>,
  fn: (h: CoordinatorHarness) => Promise<void>,
): Promise<void> {
  const h = await startCoordinators(props);
  try {
    h.groups.ensureTopic();
    await fn(h);
  } finally {
    await h.close();
  }
}

/** A stable group of one member: join, then the leader's sync. */
async function stableGroup(h: CoordinatorHarness, groupId: string) {
  const joined = await h.groups.joinGroup(join(groupId));
  assert.equal(joined.errorCode, 0);
  const synced = await h.groups.syncGroup(sync(groupId, joined.memberId, joined.generationId, [joined.memberId]));
  assert.equal(synced.errorCode, 0);
  assert.equal(h.groups.describeGroup(groupId).groupState, 'Stable');
  return joined;
}

test('classic: the initial rebalance delay and the session timeout run on the clock', async () => {
  await withCoordinators({ 'group.initial.rebalance.delay.ms': '3000' }, async (h) => {
    let answered = false;
    const pending = Promise.resolve(h.groups.joinGroup(join('g'))).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(answered, false, 'the first join waits for group.initial.rebalance.delay.ms');
    assert.equal(h.groups.describeGroup('g').groupState, 'PreparingRebalance');
    h.clock.advance(3000);
    const joined = await pending;
    assert.equal(joined.errorCode, 0);
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, joined.memberId);
    const synced = await h.groups.syncGroup(sync('g', joined.memberId, 1, [joined.memberId]));
    assert.deepEqual(synced.assignment, Buffer.from(`a-${joined.memberId}`));

    // Heartbeats keep the member; without them it expires after its session timeout.
    h.clock.advance(9_000);
    assert.equal(h.groups.heartbeat('g', 1, joined.memberId, null), 0);
    h.clock.advance(9_000);
    assert.equal(h.groups.heartbeat('g', 1, joined.memberId, null), 0);
    h.clock.advance(10_000);
    const d = h.groups.describeGroup('g');
    assert.equal(d.groupState, 'Empty');
    assert.equal(d.members.length, 0);
    assert.equal(h.groups.heartbeat('g', 1, joined.memberId, null), ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

test('classic: a member that does not rejoin within the rebalance timeout is removed', async () => {
  await withCoordinators({ 'group.initial.rebalance.delay.ms': '0' }, async (h) => {
    const long = { sessionTimeoutMs: 30_000 };
    const a = await h.groups.joinGroup(join('g2', '', long));
    const bJoin = Promise.resolve(h.groups.joinGroup(join('g2', '', long)));
    // B's join started a rebalance that waits for A to rejoin.
    assert.equal(h.groups.describeGroup('g2').groupState, 'PreparingRebalance');
    const aJoin = Promise.resolve(h.groups.joinGroup(join('g2', a.memberId, long)));
    const [a2, b] = await Promise.all([aJoin, bJoin]);
    assert.equal(a2.generationId, 2);
    assert.equal(b.generationId, 2);
    const leader = a2.leader === a2.memberId ? a2 : b;
    const follower = leader === a2 ? b : a2;
    const followerSync = h.groups.syncGroup(sync('g2', follower.memberId, 2));
    const leaderSync = h.groups.syncGroup(sync('g2', leader.memberId, 2, [a2.memberId, b.memberId]));
    assert.equal((await leaderSync).errorCode, 0);
    assert.equal((await followerSync).errorCode, 0);

    // The leader rejoins; the follower stays away (heartbeating) until the rebalance timeout ends the round.
    let answered = false;
    const rejoin = Promise.resolve(h.groups.joinGroup(join('g2', leader.memberId, long))).then((r) => {
      answered = true;
      return r;
    });
    h.clock.advance(5_000);
    assert.equal(h.groups.heartbeat('g2', 2, follower.memberId, null), ErrorCode.REBALANCE_IN_PROGRESS);
    h.clock.advance(14_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(answered, false, 'the round waits for the rebalance timeout');
    h.clock.advance(1_000);
    const r = await rejoin;
    assert.equal(r.errorCode, 0);
    assert.equal(r.generationId, 3);
    assert.deepEqual(
      r.members.map((m) => m.memberId),
      [leader.memberId],
    );
    assert.equal(h.groups.heartbeat('g2', 3, follower.memberId, null), ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

test('KIP-848: heartbeats keep a member, its session expires on the clock', async () => {
  await withCoordinators({ 'group.consumer.session.timeout.ms': '45000' }, async (h) => {
    assert.equal(h.topics.create('t', 2, 1, {}).errorCode, 0);
    const hb = (memberId: string, memberEpoch: number, topics: string[] | null) =>
      h.groups.consumerGroupHeartbeat({
        groupId: 'cg',
        memberId,
        memberEpoch,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: topics,
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: null,
        clientId: 'c',
        clientHost: '/127.0.0.1',
      });
    const first = await hb('', 0, ['t']);
    assert.equal(first.errorCode, 0);
    assert.equal(first.memberEpoch, 1);
    assert.deepEqual(first.assignment?.topicPartitions[0]?.partitions, [0, 1]);
    const memberId = first.memberId!;
    h.clock.advance(40_000);
    assert.equal((await hb(memberId, 1, null)).errorCode, 0);
    h.clock.advance(40_000);
    assert.equal((await hb(memberId, 1, null)).errorCode, 0, 'a heartbeat restarts the session');
    h.clock.advance(45_000);
    const d = h.groups.consumerGroupDescribe('cg');
    assert.equal(d.errorCode, 0);
    assert.equal('members' in d ? d.members.length : -1, 0);
    assert.equal((await hb(memberId, 1, null)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

test('an offset commit returns its records; the offsets change once they are appended', () => {
  const clock = new MockClock();
  const config = parseBrokerConfig({});
  const timers = new Timers(clock);
  const ctx: ShardContext = {
    partition: 0,
    leaderEpoch: 0,
    clock,
    timers,
    append: () => Promise.resolve(),
    appendInBackground: () => {},
  };
  const topics = { partitionsOf: (t: string) => (t === 'orders' ? [{}, {}] : undefined) };
  const shard = new GroupShard(ctx, {
    config,
    topics: topics as never,
    log: silentLogger,
    consumerSessionTimeoutMs: 45_000,
    consumerHeartbeatIntervalMs: 5_000,
  });
  shard.onLoaded();
  const partition = (partitionIndex: number, committedOffset: number) => ({
    partitionIndex,
    committedOffset,
    committedLeaderEpoch: 3,
    commitTimestamp: -1,
    committedMetadata: 'meta',
  });
  const r = shard.commitOffsets(
    {
      groupId: 'billing',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        { name: 'orders', partitions: [partition(0, 42), partition(1, 7)] },
        { name: 'missing', partitions: [partition(0, 1)] },
      ],
    },
    8,
  );
  assert.deepEqual(
    r.response.map((t) => t.partitions.map((p) => p.errorCode)),
    [[0, 0], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
  );
  const written = r.records.map((rec) => ({
    key: parseKey(rec.key as Buffer),
    value: parseOffsetValue(rec.value as Buffer),
  }));
  assert.deepEqual(
    written.map((w) => [w.key, w.value.offset, w.value.leaderEpoch, w.value.metadata, w.value.commitTimestamp]),
    [
      [{ kind: 'offset', group: 'billing', topic: 'orders', partition: 0 }, 42, 3, 'meta', clock.now()],
      [{ kind: 'offset', group: 'billing', topic: 'orders', partition: 1 }, 7, 3, 'meta', clock.now()],
    ],
  );
  assert.equal(shard.offsets.get('billing', 'orders', 0), undefined, 'nothing changes before the append');
  r.appended?.();
  assert.equal(shard.offsets.get('billing', 'orders', 0)?.offset, 42);
  // A failed write turns every accepted partition into the storage error.
  assert.deepEqual(
    r.failed?.(ErrorCode.KAFKA_STORAGE_ERROR).map((t) => t.partitions.map((p) => p.errorCode)),
    [[ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
  );
  timers.close();
});

test('load, unload and load again: groups and offsets come back; NOT_COORDINATOR and LOAD_IN_PROGRESS meanwhile', async () => {
  await withCoordinators({ 'group.initial.rebalance.delay.ms': '0' }, async (h) => {
    assert.equal(h.topics.create('orders', 1, 1, {}).errorCode, 0);
    const member = await stableGroup(h, 'keeper');
    const commit = await h.groups.commitOffsets(
      {
        groupId: 'keeper',
        generationIdOrMemberEpoch: member.generationId,
        memberId: member.memberId,
        groupInstanceId: null,
        topics: [
          {
            name: 'orders',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 17,
                committedLeaderEpoch: -1,
                commitTimestamp: -1,
                committedMetadata: null,
              },
            ],
          },
        ],
      },
      8,
    );
    assert.equal(commit[0]!.partitions[0]!.errorCode, 0);
    const p = h.groups.partitionFor('keeper');
    // A join parked in a rebalance is answered NOT_COORDINATOR when the partition is unloaded.
    const parked = Promise.resolve(h.groups.joinGroup(join('keeper')));
    assert.equal(h.groups.describeGroup('keeper').groupState, 'PreparingRebalance');

    h.groups.onResign(p, 0);
    assert.equal((await parked).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(h.groups.fetchOffsets('keeper', null).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(h.groups.heartbeat('keeper', member.generationId, member.memberId, null), ErrorCode.NOT_COORDINATOR);
    assert.equal((await h.groups.joinGroup(join('keeper'))).errorCode, ErrorCode.NOT_COORDINATOR);

    const loading = h.groups.onBecomeLeader(p, 1);
    assert.equal(h.groups.fetchOffsets('keeper', null).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal((await h.groups.joinGroup(join('keeper'))).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await loading;

    const fetched = h.groups.fetchOffsets('keeper', null);
    assert.equal(fetched.errorCode, 0);
    assert.equal(fetched.topics[0]?.partitions[0]?.committedOffset, 17);
    const d = h.groups.describeGroup('keeper');
    assert.equal(d.groupState, 'Stable');
    assert.deepEqual(
      d.members.map((m) => [m.memberId, m.memberAssignment.toString()]),
      [[member.memberId, `a-${member.memberId}`]],
    );
    assert.equal(h.groups.heartbeat('keeper', member.generationId, member.memberId, null), 0);
    // A stale resignation (an older epoch than the one loaded) changes nothing.
    h.groups.onResign(p, 0);
    assert.equal(h.groups.fetchOffsets('keeper', null).errorCode, 0);
    // Resigning while the partition loads drops what the load reads.
    h.groups.onResign(p, 1);
    const interrupted = h.groups.onBecomeLeader(p, 2);
    h.groups.onResign(p, 2);
    await interrupted;
    assert.equal(h.groups.fetchOffsets('keeper', null).errorCode, ErrorCode.NOT_COORDINATOR);
    await h.groups.onBecomeLeader(p, 3);
    assert.equal(h.groups.fetchOffsets('keeper', null).topics[0]?.partitions[0]?.committedOffset, 17);
  });
});

test('a partition this broker never loaded answers NOT_COORDINATOR', async () => {
  const h = await startCoordinators();
  try {
    h.groups.ensureTopic();
    const p = h.groups.partitionFor('elsewhere');
    h.groups.onResign(p, 0);
    assert.equal(h.groups.fetchOffsets('elsewhere', null).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(h.groups.describeGroup('elsewhere').errorCode, ErrorCode.NOT_COORDINATOR);
    const others = h.groups.partitions().filter((x) => x !== p);
    assert.ok(others.length > 0);
  } finally {
    await h.close();
  }
});
