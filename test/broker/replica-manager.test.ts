/**
 * The replica manager without sockets: leader and follower state, the high watermark moved by followers'
 * fetches, NOT_LEADER_OR_FOLLOWER, leader epoch fencing, acks=all with min.insync.replicas, and leadership
 * listeners. Logs are real partition logs in a temp dir, with the high watermark left to the manager.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FetchWaiters } from '../../src/broker/fetch-waiters.js';
import { ReplicaManager, type Partition } from '../../src/broker/replica-manager.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { defaultLogConfig } from '../../src/storage/log-config.js';
import { PartitionLog } from '../../src/storage/partition-log.js';

const SELF = 1;
const OTHER = 2;

async function withLogs(fn: (open: (name: string, minIsr?: number) => PartitionLog) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-replicas-'));
  const logs: PartitionLog[] = [];
  try {
    await fn((name, minIsr = 1) => {
      const log = PartitionLog.open(join(dir, name), {
        config: defaultLogConfig({ minInsyncReplicas: minIsr }),
        hwFollowsLeo: false,
      });
      logs.push(log);
      return log;
    });
  } finally {
    for (const l of logs) l.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const batch = (n = 1) =>
  encodeBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`) })) });

const expectPartition = (x: Partition | number): Partition => {
  assert.equal(typeof x, 'object', `expected a partition, got error ${String(x)}`);
  return x as Partition;
};

test('a sole leader moves its high watermark with every append', async () => {
  await withLogs(async (open) => {
    const replicas = new ReplicaManager({ nodeId: SELF, waiters: new FetchWaiters() });
    const log = open('t-0');
    await replicas.becomeLeader('t', 0, log, { leader: SELF, leaderEpoch: 0, replicas: [SELF], isr: [SELF] });
    const p = expectPartition(replicas.access('t', 0));
    assert.equal(p.isLeader, true);
    const res = replicas.appendAsLeader(p, await batch(3), { recordCount: 3 }, -1, 1000);
    assert.equal(res.result.baseOffset, 0);
    assert.equal(res.replicated, undefined, 'acks=all needs no wait when this broker is the whole ISR');
    assert.equal(p.highWatermark, 3);
    assert.equal(p.logEndOffset, 3);
  });
});

test('with a follower in the ISR the high watermark waits for its fetches; acks=all waits with it', async () => {
  await withLogs(async (open) => {
    const waiters = new FetchWaiters();
    const replicas = new ReplicaManager({ nodeId: SELF, waiters });
    const log = open('t-0');
    await replicas.becomeLeader('t', 0, log, {
      leader: SELF,
      leaderEpoch: 1,
      replicas: [SELF, OTHER],
      isr: [SELF, OTHER],
    });
    const p = expectPartition(replicas.access('t', 0));

    const acks1 = replicas.appendAsLeader(p, await batch(2), { recordCount: 2 }, 1, 1000);
    assert.equal(acks1.replicated, undefined, 'acks=1 answers at once');
    assert.equal(p.logEndOffset, 2);
    assert.equal(p.highWatermark, 0, 'the follower has not fetched yet');

    // Consumers read only up to the high watermark; the follower up to the log end.
    assert.equal(replicas.read(p, 0, 1 << 20, { minOneBatch: true, readCommitted: false }).records.length, 0);
    const forFollower = replicas.read(p, 0, 1 << 20, { minOneBatch: true, readCommitted: false, fromFollower: true });
    assert.ok(forFollower.records.length > 0);

    const all = replicas.appendAsLeader(p, await batch(1), { recordCount: 1 }, -1, 5000);
    assert.ok(all.replicated, 'acks=all waits for the follower');
    let settled: number | undefined;
    void all.replicated.then((ok) => (settled = ok));

    assert.equal(replicas.followerFetch(p, OTHER, 2), 0);
    assert.equal(p.highWatermark, 2, 'the follower has offsets 0-1');
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, undefined, 'offset 2 is not replicated yet');

    assert.equal(replicas.followerFetch(p, OTHER, 3), 0);
    assert.equal(p.highWatermark, 3);
    assert.equal(await all.replicated, 0);
    assert.equal(replicas.read(p, 0, 1 << 20, { minOneBatch: true, readCommitted: false }).records.length > 0, true);
  });
});

test('acks=all times out when the follower never catches up', async () => {
  await withLogs(async (open) => {
    const replicas = new ReplicaManager({ nodeId: SELF, waiters: new FetchWaiters() });
    const log = open('t-0');
    await replicas.becomeLeader('t', 0, log, {
      leader: SELF,
      leaderEpoch: 0,
      replicas: [SELF, OTHER],
      isr: [SELF, OTHER],
    });
    const p = expectPartition(replicas.access('t', 0));
    const res = replicas.appendAsLeader(p, await batch(), { recordCount: 1 }, -1, 20);
    assert.equal(await res.replicated, ErrorCode.REQUEST_TIMED_OUT);
  });
});

test('min.insync.replicas: acks=all is refused with NOT_ENOUGH_REPLICAS while the ISR is too small', async () => {
  await withLogs(async (open) => {
    const replicas = new ReplicaManager({ nodeId: SELF, waiters: new FetchWaiters() });
    const log = open('t-0', 2);
    await replicas.becomeLeader('t', 0, log, { leader: SELF, leaderEpoch: 0, replicas: [SELF, OTHER], isr: [SELF] });
    const p = expectPartition(replicas.access('t', 0));
    assert.equal(replicas.checkEnoughReplicas(p, -1), ErrorCode.NOT_ENOUGH_REPLICAS);
    assert.equal(replicas.checkEnoughReplicas(p, 1), 0, 'acks=1 does not care');
    assert.match(replicas.notEnoughReplicasMessage(p), /min\.insync\.replicas is 2 but only 1 replica is in sync\.$/);
    await replicas.becomeLeader('t', 0, log, {
      leader: SELF,
      leaderEpoch: 1,
      replicas: [SELF, OTHER],
      isr: [SELF, OTHER],
    });
    assert.equal(replicas.checkEnoughReplicas(p, -1), 0);
  });
});

test('a follower refuses leader requests, serves debugging reads, and a resigning leader fails its waiters', async () => {
  await withLogs(async (open) => {
    const replicas = new ReplicaManager({ nodeId: SELF, waiters: new FetchWaiters() });
    const log = open('t-0');
    const resigned: number[] = [];
    const led: number[] = [];
    await replicas.addLeadershipListener('t', {
      onBecomeLeader: (p) => {
        led.push(p.leaderEpoch);
      },
      onResign: (_p, epoch) => resigned.push(epoch),
    });
    await replicas.becomeLeader('t', 0, log, {
      leader: SELF,
      leaderEpoch: 3,
      replicas: [SELF, OTHER],
      isr: [SELF, OTHER],
    });
    assert.deepEqual(led, [3]);
    const p = expectPartition(replicas.access('t', 0));
    const pending = replicas.appendAsLeader(p, await batch(), { recordCount: 1 }, -1, 5000);

    replicas.becomeFollower('t', 0, log, {
      leader: OTHER,
      leaderEpoch: 4,
      replicas: [SELF, OTHER],
      isr: [SELF, OTHER],
    });
    assert.equal(await pending.replicated, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the waiting acks=all produce is failed');
    assert.deepEqual(resigned, [3]);
    assert.equal(p.isLeader, false);
    assert.equal(p.leader, OTHER);
    assert.equal(p.leaderEpoch, 4);
    assert.equal(replicas.access('t', 0), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(expectPartition(replicas.access('t', 0, { requireLeader: false })), p);
    assert.equal(replicas.followerFetch(p, OTHER, 0), ErrorCode.NOT_LEADER_OR_FOLLOWER, 'followers serve no followers');

    // Leading again tells the listener again.
    await replicas.becomeLeader('t', 0, log, { leader: SELF, leaderEpoch: 5, replicas: [SELF, OTHER], isr: [SELF] });
    assert.deepEqual(led, [3, 5]);
  });
});

test('leader epochs: stale requests are fenced, future ones unknown, stale decisions ignored', async () => {
  await withLogs(async (open) => {
    const replicas = new ReplicaManager({ nodeId: SELF, waiters: new FetchWaiters() });
    const log = open('t-0');
    await replicas.becomeLeader('t', 0, log, { leader: SELF, leaderEpoch: 5, replicas: [SELF], isr: [SELF] });
    assert.equal(replicas.access('t', 0, { currentLeaderEpoch: 4 }), ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal(replicas.access('t', 0, { currentLeaderEpoch: 6 }), ErrorCode.UNKNOWN_LEADER_EPOCH);
    expectPartition(replicas.access('t', 0, { currentLeaderEpoch: 5 }));
    expectPartition(replicas.access('t', 0, { currentLeaderEpoch: -1 }));
    // The epoch check comes before the leadership check, as in Kafka.
    replicas.becomeFollower('t', 0, log, { leader: OTHER, leaderEpoch: 6, replicas: [SELF, OTHER], isr: [OTHER] });
    assert.equal(replicas.access('t', 0, { currentLeaderEpoch: 5 }), ErrorCode.FENCED_LEADER_EPOCH);
    // A decision older than what the partition has seen changes nothing.
    await replicas.becomeLeader('t', 0, log, { leader: SELF, leaderEpoch: 5, replicas: [SELF], isr: [SELF] });
    assert.equal(replicas.get('t', 0)!.leader, OTHER);
    assert.equal(replicas.get('t', 0)!.leaderEpoch, 6);
    // Appends are stamped with the leader epoch.
    await replicas.becomeLeader('t', 0, log, { leader: SELF, leaderEpoch: 7, replicas: [SELF], isr: [SELF] });
    const p = expectPartition(replicas.access('t', 0));
    replicas.appendAsLeader(p, await batch(), { recordCount: 1 }, 1, 1000);
    assert.deepEqual(log.endOffsetForEpoch(7), { epoch: 7, endOffset: 1 });
  });
});

test('unknown partitions, partitions hosted elsewhere and follower fetches from unknown replicas', async () => {
  await withLogs(async (open) => {
    const elsewhere = new Set(['t\u00001']);
    const replicas = new ReplicaManager({
      nodeId: SELF,
      waiters: new FetchWaiters(),
      knownElsewhere: (t, p) => elsewhere.has(`${t}\u0000${p}`),
    });
    await replicas.becomeLeader('t', 0, open('t-0'), { leader: SELF, leaderEpoch: 0, replicas: [SELF], isr: [SELF] });
    assert.equal(replicas.access('nope', 0), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(replicas.access('t', 1), ErrorCode.NOT_LEADER_OR_FOLLOWER, 'known to the cluster, hosted elsewhere');
    const p = expectPartition(replicas.access('t', 0));
    // On one node every follower fetch comes from a replica the leader does not know.
    assert.equal(replicas.followerFetch(p, OTHER, 0), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(replicas.followerFetch(p, SELF, 0), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    replicas.removeTopic('t');
    assert.equal(replicas.access('t', 0), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal([...replicas.all()].length, 0);
  });
});

test('a listener registered late hears of the partitions already led here', async () => {
  await withLogs(async (open) => {
    const replicas = new ReplicaManager({ nodeId: SELF, waiters: new FetchWaiters() });
    await replicas.becomeLeader('__consumer_offsets', 0, open('o-0'), {
      leader: SELF,
      leaderEpoch: 0,
      replicas: [SELF],
      isr: [SELF],
    });
    await replicas.becomeLeader('__consumer_offsets', 1, open('o-1'), {
      leader: SELF,
      leaderEpoch: 2,
      replicas: [SELF],
      isr: [SELF],
    });
    replicas.becomeFollower('__consumer_offsets', 2, open('o-2'), {
      leader: OTHER,
      leaderEpoch: 0,
      replicas: [SELF, OTHER],
      isr: [OTHER],
    });
    const loaded: string[] = [];
    await replicas.addLeadershipListener('__consumer_offsets', {
      onBecomeLeader: async (p) => {
        await new Promise((r) => setTimeout(r, 5));
        loaded.push(`${p.index}@${p.leaderEpoch}`);
      },
      onResign: () => {},
    });
    assert.deepEqual(loaded.sort(), ['0@0', '1@2']);
  });
});

test('a new leader wakes its followers parked fetches and parks theirs briefly until each has fetched the partition', async () => {
  await withLogs(async (open) => {
    const THIRD = 3;
    let now = 10_000;
    const waiters = new FetchWaiters();
    const replicas = new ReplicaManager({ nodeId: SELF, waiters, now: () => now });
    // A follower's fetch for another partition this broker already leads, parked for its whole max wait.
    await replicas.becomeLeader('other', 0, open('other-0'), {
      leader: SELF,
      leaderEpoch: 0,
      replicas: [SELF, OTHER],
      isr: [SELF, OTHER],
    });
    assert.ok(replicas.parkLimitMs(OTHER, 500) <= 10, 'OTHER has not fetched other-0 since this broker leads it');
    assert.equal(replicas.followerFetch(expectPartition(replicas.access('other', 0)), OTHER, 0), 0);
    assert.equal(replicas.parkLimitMs(OTHER, 500), 500, 'nothing new to fetch: the full max wait');
    let woken = false;
    const parked = waiters.wait([FetchWaiters.key('other', 0)], 1, 60_000, OTHER).then(() => {
      woken = true;
    });
    const consumer = waiters.wait([FetchWaiters.key('other', 0)], 1, 60_000);
    assert.equal(waiters.size, 2);

    // Leadership of 't' arrives: the follower's parked fetch returns at once, the consumer's stays parked.
    await replicas.becomeLeader('t', 0, open('t-0'), {
      leader: SELF,
      leaderEpoch: 3,
      replicas: [SELF, OTHER, THIRD],
      isr: [SELF, OTHER, THIRD],
    });
    await parked;
    assert.equal(woken, true);
    assert.equal(waiters.size, 1, 'only the consumer is still parked');

    // Until each follower has fetched 't', its fetches park a few milliseconds at most.
    assert.ok(replicas.parkLimitMs(OTHER, 500) <= 10);
    assert.ok(replicas.parkLimitMs(THIRD, 500) <= 10);
    const p = expectPartition(replicas.access('t', 0));
    assert.equal(replicas.followerFetch(p, OTHER, 0), 0);
    assert.equal(replicas.parkLimitMs(OTHER, 500), 500, 'OTHER fetched t: back to the full wait');
    assert.ok(replicas.parkLimitMs(THIRD, 500) <= 10, 'THIRD has not fetched t yet');
    // The periodic ISR check lets go of what is kept for a follower that never fetches (one that is down): back
    // inside the window afterwards, only that release explains the full wait.
    replicas.checkIsr(now + 60_000);
    assert.equal(replicas.parkLimitMs(THIRD, 500), 500);
    // And a follower that never asks for a new partition gets the full wait back after a while by itself.
    await replicas.becomeLeader('u', 0, open('u-0'), {
      leader: SELF,
      leaderEpoch: 0,
      replicas: [SELF, THIRD],
      isr: [SELF, THIRD],
    });
    assert.ok(replicas.parkLimitMs(THIRD, 500) <= 10);
    now += 60_000;
    assert.equal(replicas.parkLimitMs(THIRD, 500), 500);

    waiters.cancelAll();
    await consumer;
  });
});

test('a leader that resigns stops waiting for its followers first fetches', async () => {
  await withLogs(async (open) => {
    const replicas = new ReplicaManager({ nodeId: SELF, waiters: new FetchWaiters() });
    const log = open('v-0');
    const state = { leader: SELF, leaderEpoch: 4, replicas: [SELF, OTHER], isr: [SELF, OTHER] };
    await replicas.becomeLeader('v', 0, log, state);
    assert.ok(replicas.parkLimitMs(OTHER, 500) <= 10);
    replicas.becomeFollower('v', 0, log, { ...state, leader: OTHER, leaderEpoch: 5 });
    assert.equal(replicas.parkLimitMs(OTHER, 500), 500);
  });
});
