/**
 * The controller's pure decisions: replica assignment (balance of leaders and replicas, rack spread, errors,
 * explicit assignments) and what happens to a partition when brokers come and go (clean and unclean election,
 * epochs, ISR never empty), ElectLeaders, AlterPartition-style ISR changes, reassignment and preferred rebalance.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignReplicas, validateAssignment, type BrokerPlacement } from '../../src/cluster/assignment.js';
import {
  applyIsrChange,
  cancelReassignment,
  completeReassignment,
  electForRequest,
  electLeader,
  initialPartitionState,
  preferredElectionsNeeded,
  reconcilePartition,
  startReassignment,
} from '../../src/cluster/partition-decisions.js';
import { NO_LEADER, type PartitionStateData } from '../../src/cluster/types.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { partitionState } from '../helpers/cluster.js';

const brokers = (n: number, racks?: string[]): BrokerPlacement[] =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, rack: racks ? racks[i % racks.length]! : null }));

function counts(replicas: number[][]): { leaders: Map<number, number>; all: Map<number, number> } {
  const leaders = new Map<number, number>();
  const all = new Map<number, number>();
  for (const r of replicas) {
    leaders.set(r[0]!, (leaders.get(r[0]!) ?? 0) + 1);
    for (const b of r) all.set(b, (all.get(b) ?? 0) + 1);
  }
  return { leaders, all };
}

const spread = (m: Map<number, number>, ids: number[]): number => {
  const v = ids.map((id) => m.get(id) ?? 0);
  return Math.max(...v) - Math.min(...v);
};

describe('replica assignment', () => {
  test('leaders and replicas spread evenly, no broker twice in a partition', () => {
    for (const [n, parts, rf] of [
      [3, 3, 3],
      [3, 12, 2],
      [5, 50, 3],
      [6, 7, 1],
      [4, 100, 3],
    ] as const) {
      for (const start of [0, 1, n - 1]) {
        const res = assignReplicas(brokers(n), parts, rf, { startIndex: start, startShift: start });
        assert.ok(res.ok);
        assert.equal(res.replicas.length, parts);
        for (const r of res.replicas) {
          assert.equal(r.length, rf);
          assert.equal(new Set(r).size, rf, `duplicate in ${r}`);
        }
        const ids = brokers(n).map((b) => b.id);
        const { leaders, all } = counts(res.replicas);
        assert.ok(spread(leaders, ids) <= 1, `leaders ${[...leaders]} for ${n}/${parts}/${rf}`);
        assert.ok(spread(all, ids) <= 1 + Math.floor(rf / 2), `replicas ${[...all]} for ${n}/${parts}/${rf}`);
      }
    }
  });

  test('three brokers, three partitions, RF 3: each broker leads one', () => {
    const res = assignReplicas(brokers(3), 3, 3);
    assert.ok(res.ok);
    assert.deepEqual(new Set(res.replicas.map((r) => r[0])), new Set([1, 2, 3]));
  });

  test('rack aware: every partition spans as many racks as it can', () => {
    const racks = ['a', 'a', 'b', 'b', 'c', 'c'];
    const placed = brokers(6, racks);
    const rackOf = new Map(placed.map((b) => [b.id, b.rack]));
    for (const rf of [2, 3]) {
      const res = assignReplicas(placed, 30, rf, { startIndex: 2, startShift: 1 });
      assert.ok(res.ok);
      for (const r of res.replicas) assert.equal(new Set(r.map((b) => rackOf.get(b))).size, rf, `racks of ${r}`);
      assert.ok(spread(counts(res.replicas).leaders, [1, 2, 3, 4, 5, 6]) <= 1);
    }
    // Two racks, RF 3: both racks used in every partition.
    const two = brokers(4, ['x', 'y']);
    const rack2 = new Map(two.map((b) => [b.id, b.rack]));
    const res = assignReplicas(two, 8, 3);
    assert.ok(res.ok);
    for (const r of res.replicas) assert.equal(new Set(r.map((b) => rack2.get(b))).size, 2);
  });

  test('errors: replication factor above the broker count, zero partitions', () => {
    const tooMany = assignReplicas(brokers(2), 1, 3);
    assert.ok(!tooMany.ok && tooMany.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR);
    assert.match(!tooMany.ok ? tooMany.message : '', /larger than available brokers: 2/);
    const none = assignReplicas(brokers(2), 0, 1);
    assert.ok(!none.ok && none.errorCode === ErrorCode.INVALID_PARTITIONS);
  });

  test('growth continues the pattern from the current partition count', () => {
    const whole = assignReplicas(brokers(3), 6, 2, { startIndex: 1, startShift: 0 });
    const grown = assignReplicas(brokers(3), 3, 2, { startIndex: 1, startShift: 0, firstPartition: 3 });
    assert.ok(whole.ok && grown.ok);
    assert.deepEqual(grown.replicas, whole.replicas.slice(3));
  });

  test('explicit assignments are checked', () => {
    const known = new Set([1, 2, 3]);
    assert.deepEqual(
      validateAssignment(
        [
          [1, 2],
          [2, 3],
        ],
        known,
      ),
      { ok: true },
    );
    for (const bad of [[[1, 1]], [[1, 4]], [[1, 2], [3]], [[]], []]) {
      const res = validateAssignment(bad, known);
      assert.ok(!res.ok && res.errorCode === ErrorCode.INVALID_REPLICA_ASSIGNMENT, JSON.stringify(bad));
    }
  });
});

const state = (over: Partial<PartitionStateData> = {}): PartitionStateData =>
  partitionState({ leaderEpoch: 5, partitionEpoch: 10, ...over });
const live = (...ids: number[]) => ({ live: new Set(ids) });

describe('leader election when brokers come and go', () => {
  test('the leader goes: the next ISR replica in assignment order leads, epochs bump', () => {
    const s = reconcilePartition(state(), live(2, 3), { unclean: false });
    assert.deepEqual(s, state({ leader: 2, isr: [2, 3], leaderEpoch: 6, partitionEpoch: 11 }));
  });

  test('a follower goes: it leaves the ISR, the leader epoch stays', () => {
    const s = reconcilePartition(state(), live(1, 3), { unclean: false });
    assert.deepEqual(s, state({ isr: [1, 3], partitionEpoch: 11 }));
    assert.equal(reconcilePartition(state({ isr: [1, 3] }), live(1, 3), { unclean: false }), undefined);
  });

  test('the preferred replica wins when it is in the ISR; an out-of-sync replica does not', () => {
    const s = state({ leader: NO_LEADER, isr: [3, 1], replicas: [1, 2, 3] });
    assert.equal(reconcilePartition(s, live(1, 2, 3), { unclean: false })?.leader, 1);
    assert.equal(electLeader(state({ isr: [3] }), live(1, 2, 3), { unclean: false })?.leader, 3);
  });

  test('no live ISR replica: offline with the last ISR member kept, unless unclean election is on', () => {
    const s = state({ isr: [1], leader: 1 });
    const offline = reconcilePartition(s, live(2, 3), { unclean: false });
    assert.deepEqual(offline, state({ isr: [1], leader: NO_LEADER, leaderEpoch: 6, partitionEpoch: 11 }));
    assert.equal(reconcilePartition(offline!, live(2, 3), { unclean: false }), undefined, 'stays offline');
    // The last ISR member returns: it leads again (clean).
    const back = reconcilePartition(offline!, live(1, 2, 3), { unclean: false });
    assert.equal(back?.leader, 1);
    assert.equal(back?.leaderEpoch, 7);
    // Unclean: a live out-of-sync replica leads with an ISR of itself.
    const unclean = reconcilePartition(s, live(2, 3), { unclean: true });
    assert.deepEqual(unclean, state({ isr: [2], leader: 2, leaderEpoch: 6, partitionEpoch: 11 }));
  });

  test('controlled shutdown moves leadership off the leaving broker, if someone can take it', () => {
    const brokersNow = { live: new Set([1, 2, 3]), shuttingDown: new Set([1]) };
    assert.equal(reconcilePartition(state(), brokersNow, { unclean: false })?.leader, 2);
    // Alone in the ISR: it keeps leading until it really leaves.
    assert.equal(reconcilePartition(state({ isr: [1] }), brokersNow, { unclean: false }), undefined);
  });

  test('ElectLeaders: preferred and unclean', () => {
    const notPreferred = state({ leader: 2, isr: [1, 2] });
    const pref = electForRequest(notPreferred, live(1, 2, 3), 'preferred');
    assert.ok(pref.ok && pref.state.leader === 1 && pref.state.leaderEpoch === 6);
    const noNeed = electForRequest(state(), live(1, 2, 3), 'preferred');
    assert.ok(!noNeed.ok && noNeed.errorCode === ErrorCode.ELECTION_NOT_NEEDED);
    const prefOut = electForRequest(state({ leader: 2, isr: [2] }), live(1, 2, 3), 'preferred');
    assert.ok(!prefOut.ok && prefOut.errorCode === ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    const unclean = electForRequest(state({ leader: NO_LEADER, isr: [1] }), live(3), 'unclean');
    assert.ok(unclean.ok && unclean.state.leader === 3 && unclean.state.isr.join() === '3');
    const none = electForRequest(state({ leader: NO_LEADER, isr: [1] }), live(), 'unclean');
    assert.ok(!none.ok && none.errorCode === ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  });
});

describe('ISR changes from the leader', () => {
  const s = state({ isr: [1, 2] });
  test('accepted from the current leader at the current epochs', () => {
    const res = applyIsrChange(s, live(1, 2, 3), { leader: 1, leaderEpoch: 5, partitionEpoch: 10, isr: [1, 2, 3] });
    assert.ok(res.ok);
    assert.deepEqual(res.state, state({ isr: [1, 2, 3], partitionEpoch: 11 }));
  });
  test('refused: stale leader epoch, stale partition epoch, a replica that may not join', () => {
    const fenced = applyIsrChange(s, live(1, 2, 3), { leader: 1, leaderEpoch: 4, partitionEpoch: 10, isr: [1] });
    assert.ok(!fenced.ok && fenced.errorCode === ErrorCode.FENCED_LEADER_EPOCH);
    const stale = applyIsrChange(s, live(1, 2, 3), { leader: 1, leaderEpoch: 5, partitionEpoch: 9, isr: [1] });
    assert.ok(!stale.ok && stale.errorCode === ErrorCode.INVALID_UPDATE_VERSION);
    const dead = applyIsrChange(s, live(1, 2), { leader: 1, leaderEpoch: 5, partitionEpoch: 10, isr: [1, 2, 3] });
    assert.ok(!dead.ok && dead.errorCode === ErrorCode.INELIGIBLE_REPLICA);
    const notLeader = applyIsrChange(s, live(1, 2, 3), { leader: 2, leaderEpoch: 5, partitionEpoch: 10, isr: [2] });
    assert.ok(!notLeader.ok && notLeader.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});

describe('reassignment', () => {
  test('widen, wait for the new replicas to join the ISR, then narrow and move the leader', () => {
    const started = startReassignment(state(), [4, 2, 3]);
    assert.ok(started.ok);
    const wide = started.state;
    assert.deepEqual(wide.replicas, [4, 2, 3, 1]);
    assert.deepEqual(wide.addingReplicas, [4]);
    assert.deepEqual(wide.removingReplicas, [1]);
    assert.equal(completeReassignment(wide, live(1, 2, 3, 4)), undefined, 'replica 4 is not in the ISR yet');
    const joined = applyIsrChange(wide, live(1, 2, 3, 4), {
      leader: 1,
      leaderEpoch: wide.leaderEpoch,
      partitionEpoch: wide.partitionEpoch,
      isr: [1, 2, 3, 4],
    });
    assert.ok(joined.ok);
    assert.deepEqual(joined.state.replicas, [4, 2, 3]);
    assert.deepEqual(joined.state.isr, [2, 3, 4]);
    assert.equal(joined.state.leader, 4, 'the first target replica in the ISR leads (Kafka: reassignment election)');
    assert.equal(joined.state.leaderEpoch, 6);
    assert.deepEqual(joined.state.addingReplicas, []);
  });

  test('cancel returns to the original replicas', () => {
    const started = startReassignment(state(), [4, 5, 6]);
    assert.ok(started.ok);
    const cancelled = cancelReassignment(started.state, live(1, 2, 3, 4, 5, 6), { unclean: false });
    assert.ok(cancelled.ok);
    assert.deepEqual(cancelled.state.replicas, [1, 2, 3]);
    assert.equal(cancelled.state.leader, 1);
    const none = cancelReassignment(state(), live(1, 2, 3), { unclean: false });
    assert.ok(!none.ok && none.errorCode === ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
  });
});

describe('preferred leader rebalance', () => {
  test('only brokers over the imbalance threshold get their partitions back', () => {
    const states = [
      state({ replicas: [1, 2, 3], leader: 2 }),
      state({ replicas: [1, 2, 3], leader: 1 }),
      state({ replicas: [2, 3, 1], leader: 2 }),
      state({ replicas: [3, 1, 2], leader: 1, isr: [1, 2] }),
    ];
    // Broker 1: 1 of 2 not led (50%); broker 3: 1 of 1 (100%) but not in the ISR.
    assert.deepEqual(preferredElectionsNeeded(states, live(1, 2, 3), 10), [0]);
    assert.deepEqual(preferredElectionsNeeded(states, live(1, 2, 3), 60), []);
    assert.deepEqual(preferredElectionsNeeded(states, live(2, 3), 10), [], 'a preferred replica that is away');
  });

  test('a new partition is led by its first live replica with the live replicas in the ISR', () => {
    assert.deepEqual(initialPartitionState([2, 3, 1], live(1, 2, 3)), {
      replicas: [2, 3, 1],
      isr: [2, 3, 1],
      leader: 2,
      leaderEpoch: 0,
      partitionEpoch: 0,
      addingReplicas: [],
      removingReplicas: [],
    });
  });
});
