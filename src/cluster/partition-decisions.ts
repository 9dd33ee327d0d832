/**
 * The controller's decisions about one partition, as pure functions from a partition state and the live brokers
 * to the next state (or to "nothing to do"). The controller loop applies their results with compare-and-swap;
 * tests check them without etcd. Kafka's rules:
 *
 * - leader election takes the first replica in assignment order that is live and in the ISR, so the preferred
 *   replica (the first) wins when it can; only with unclean.leader.election.enable may a live replica outside
 *   the ISR lead, and then the ISR becomes that replica alone (records it never had are lost: that is the
 *   trade unclean election makes);
 * - a leader change bumps the leader epoch; every change bumps the partition epoch;
 * - a broker that goes away leaves the ISR, except that the ISR never becomes empty: its last member stays, so the
 *   partition waits offline (leader -1) for that replica rather than electing one that may lack records;
 * - reassignment (KIP-455) widens the replicas to target plus current, waits until every target replica is in the
 *   ISR, then narrows to the target, moving leadership if the leader is leaving.
 */
import { ErrorCode } from '../protocol/errors.js';
import { NO_LEADER, type PartitionStateData } from './types.js';

/** Who may take part: registered brokers, and among them the ones in controlled shutdown. */
export interface LiveBrokers {
  live: ReadonlySet<number>;
  /** Live but leaving: they keep their replicas but are not elected, and leadership is moved off them. */
  shuttingDown?: ReadonlySet<number>;
}

const eligible = (b: number, brokers: LiveBrokers): boolean =>
  brokers.live.has(b) && !(brokers.shuttingDown?.has(b) ?? false);

/** The new state with a new leader (leader epoch bumped), or the same leader with changed fields. */
function next(s: PartitionStateData, changes: Partial<PartitionStateData>): PartitionStateData {
  const leaderChanged = changes.leader !== undefined && changes.leader !== s.leader;
  return {
    ...s,
    ...changes,
    leaderEpoch: leaderChanged ? s.leaderEpoch + 1 : s.leaderEpoch,
    partitionEpoch: s.partitionEpoch + 1,
  };
}

const sameSet = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));

/** The replicas that should lead in turn: the reassignment target if one is running, else the assignment. */
function targetReplicas(s: PartitionStateData): number[] {
  return s.removingReplicas.length > 0 ? s.replicas.filter((r) => !s.removingReplicas.includes(r)) : s.replicas;
}

/**
 * Kafka's offline-partition election: the first replica (in `order`) live and in the ISR; otherwise, if unclean
 * election is allowed, the first live replica, with the ISR reset to it. Undefined when no one can lead.
 */
export function electLeader(
  s: PartitionStateData,
  brokers: LiveBrokers,
  opts: { unclean: boolean; order?: readonly number[] },
): { leader: number; isr: number[]; unclean: boolean } | undefined {
  const order = opts.order ?? targetReplicas(s);
  const isr = s.isr.filter((b) => brokers.live.has(b));
  const clean = order.find((b) => isr.includes(b) && eligible(b, brokers));
  if (clean !== undefined) return { leader: clean, isr: isr.length > 0 ? isr : [clean], unclean: false };
  if (!opts.unclean) return undefined;
  const any = order.find((b) => eligible(b, brokers));
  return any === undefined ? undefined : { leader: any, isr: [any], unclean: true };
}

/**
 * What the controller does to a partition given who is live now: remove departed replicas from the ISR (never
 * emptying it), move leadership off a departed or shutting-down leader, and elect a leader for an offline
 * partition whose replicas came back. Undefined when the state is already right.
 */
export function reconcilePartition(
  s: PartitionStateData,
  brokers: LiveBrokers,
  opts: { unclean: boolean },
): PartitionStateData | undefined {
  const liveIsr = s.isr.filter((b) => brokers.live.has(b));
  const leaderOk = s.leader !== NO_LEADER && eligible(s.leader, brokers);
  if (leaderOk) {
    // Followers that went away leave the ISR; the leader itself is live, so the ISR stays non-empty.
    if (liveIsr.length === s.isr.length) return undefined;
    return next(s, { isr: liveIsr });
  }
  const elected = electLeader(s, brokers, opts);
  if (elected !== undefined) return next(s, { leader: elected.leader, isr: elected.isr });
  // Controlled shutdown with nowhere to go: the leader keeps leading until it really leaves.
  if (s.leader !== NO_LEADER && brokers.live.has(s.leader)) return undefined;
  // No one can lead: offline. The ISR keeps its last members (the replicas that have every acknowledged record).
  const isr = liveIsr.length > 0 ? liveIsr : s.isr.length > 0 ? [s.isr[s.isr.length - 1]!] : [];
  if (s.leader === NO_LEADER && sameSet(isr, s.isr)) return undefined;
  return next(s, { leader: NO_LEADER, isr });
}

export type ElectionType = 'preferred' | 'unclean';

/** ElectLeaders for one partition: the new state, or the error code Kafka answers (ELECTION_NOT_NEEDED, ...). */
export function electForRequest(
  s: PartitionStateData,
  brokers: LiveBrokers,
  type: ElectionType,
): { ok: true; state: PartitionStateData } | { ok: false; errorCode: number } {
  if (type === 'preferred') {
    const preferred = targetReplicas(s)[0];
    if (preferred === undefined) return { ok: false, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE };
    if (s.leader === preferred) return { ok: false, errorCode: ErrorCode.ELECTION_NOT_NEEDED };
    if (!eligible(preferred, brokers) || !s.isr.includes(preferred)) {
      return { ok: false, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE };
    }
    return { ok: true, state: next(s, { leader: preferred }) };
  }
  // Unclean: only for a partition without a live leader; clean candidates first.
  if (s.leader !== NO_LEADER && brokers.live.has(s.leader))
    return { ok: false, errorCode: ErrorCode.ELECTION_NOT_NEEDED };
  const elected = electLeader(s, brokers, { unclean: true });
  if (elected === undefined) return { ok: false, errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE };
  return { ok: true, state: next(s, { leader: elected.leader, isr: elected.isr }) };
}

/**
 * An ISR change asked for by the partition's leader (Kafka's AlterPartition): accepted only from the current
 * leader at the current leader epoch and partition epoch, and only adding replicas that are live assigned
 * replicas. Returns the new state or Kafka's error code.
 */
export function applyIsrChange(
  s: PartitionStateData,
  brokers: LiveBrokers,
  req: { leader: number; leaderEpoch: number; partitionEpoch: number; isr: readonly number[] },
): { ok: true; state: PartitionStateData } | { ok: false; errorCode: number } {
  if (req.leader !== s.leader) return { ok: false, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  if (req.leaderEpoch < s.leaderEpoch) return { ok: false, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
  if (req.leaderEpoch > s.leaderEpoch || req.partitionEpoch !== s.partitionEpoch) {
    return { ok: false, errorCode: ErrorCode.INVALID_UPDATE_VERSION };
  }
  if (!req.isr.includes(s.leader) || new Set(req.isr).size !== req.isr.length) {
    return { ok: false, errorCode: ErrorCode.INVALID_REQUEST };
  }
  for (const b of req.isr) {
    if (!s.replicas.includes(b)) return { ok: false, errorCode: ErrorCode.INVALID_REQUEST };
    if (!s.isr.includes(b) && !eligible(b, brokers)) return { ok: false, errorCode: ErrorCode.INELIGIBLE_REPLICA };
  }
  let state = next(s, { isr: [...req.isr] });
  // A reassignment completes as soon as every target replica is in the ISR.
  const done = completeReassignment(state, brokers);
  if (done !== undefined) state = { ...done, partitionEpoch: state.partitionEpoch };
  return { ok: true, state };
}

/** Start a reassignment to `target` (KIP-455): replicas = target, then the current ones not in it. */
export function startReassignment(
  s: PartitionStateData,
  target: readonly number[],
): { ok: true; state: PartitionStateData } | { ok: false; errorCode: number } {
  if (target.length === 0 || new Set(target).size !== target.length) {
    return { ok: false, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT };
  }
  const original = originalReplicas(s);
  if (sameOrder(original, target) && s.addingReplicas.length === 0) {
    return { ok: true, state: s };
  }
  const replicas = [...target, ...original.filter((r) => !target.includes(r))];
  const adding = target.filter((r) => !original.includes(r));
  const removing = original.filter((r) => !target.includes(r));
  return { ok: true, state: next(s, { replicas, addingReplicas: adding, removingReplicas: removing }) };
}

/** Cancel a running reassignment: back to the original replicas; a leader among the added ones is moved. */
export function cancelReassignment(
  s: PartitionStateData,
  brokers: LiveBrokers,
  opts: { unclean: boolean },
): { ok: true; state: PartitionStateData } | { ok: false; errorCode: number } {
  if (s.addingReplicas.length === 0 && s.removingReplicas.length === 0) {
    return { ok: false, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS };
  }
  const original = originalReplicas(s);
  return { ok: true, state: narrowTo(s, original, brokers, opts) };
}

/**
 * Finish a reassignment whose target replicas are all in the ISR: replicas = target, ISR narrowed to it, and a
 * new leader if the leader was leaving. Undefined while a target replica is still catching up.
 */
export function completeReassignment(
  s: PartitionStateData,
  brokers: LiveBrokers,
  opts: { unclean: boolean } = { unclean: false },
): PartitionStateData | undefined {
  if (s.addingReplicas.length === 0 && s.removingReplicas.length === 0) return undefined;
  const target = targetReplicas(s);
  if (!target.every((r) => s.isr.includes(r))) return undefined;
  return narrowTo(s, target, brokers, opts);
}

function narrowTo(
  s: PartitionStateData,
  replicas: number[],
  brokers: LiveBrokers,
  opts: { unclean: boolean },
): PartitionStateData {
  const isr = s.isr.filter((r) => replicas.includes(r));
  const narrowed: PartitionStateData = { ...s, replicas, isr, addingReplicas: [], removingReplicas: [] };
  let leader = s.leader;
  if (!replicas.includes(leader) || !eligible(leader, brokers)) {
    leader = electLeader(narrowed, brokers, opts)?.leader ?? NO_LEADER;
  }
  return next(s, {
    replicas,
    isr: isr.length > 0 ? isr : leader !== NO_LEADER ? [leader] : s.isr.slice(-1),
    addingReplicas: [],
    removingReplicas: [],
    leader,
  });
}

/** The assignment before a running reassignment (current replicas minus those being added). */
export function originalReplicas(s: PartitionStateData): number[] {
  return s.replicas.filter((r) => !s.addingReplicas.includes(r));
}

const sameOrder = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => b[i] === x);

/**
 * Preferred-leader rebalance (auto.leader.rebalance.enable): per broker, the share of the partitions it is
 * preferred for that it does not lead; where that share exceeds leader.imbalance.per.broker.percentage, the
 * partitions whose preferred replica is live and in the ISR get a preferred election. Returns their indexes in
 * `states`.
 */
export function preferredElectionsNeeded(
  states: readonly PartitionStateData[],
  brokers: LiveBrokers,
  imbalancePercentage: number,
): number[] {
  const preferredCount = new Map<number, number>();
  const notLeading = new Map<number, number[]>();
  states.forEach((s, i) => {
    if (s.addingReplicas.length > 0 || s.removingReplicas.length > 0) return;
    const preferred = s.replicas[0];
    if (preferred === undefined) return;
    preferredCount.set(preferred, (preferredCount.get(preferred) ?? 0) + 1);
    if (s.leader !== preferred) notLeading.set(preferred, [...(notLeading.get(preferred) ?? []), i]);
  });
  const out: number[] = [];
  for (const [broker, indexes] of notLeading) {
    const ratio = (indexes.length * 100) / preferredCount.get(broker)!;
    if (ratio <= imbalancePercentage || !eligible(broker, brokers)) continue;
    for (const i of indexes) if (states[i]!.isr.includes(broker)) out.push(i);
  }
  return out.sort((a, b) => a - b);
}

/** A new partition's first state: the first eligible replica leads; the live replicas (all empty) are the ISR. */
export function initialPartitionState(replicas: readonly number[], brokers: LiveBrokers): PartitionStateData {
  const leader = replicas.find((b) => eligible(b, brokers)) ?? NO_LEADER;
  const live = replicas.filter((b) => brokers.live.has(b));
  return {
    replicas: [...replicas],
    isr: live.length > 0 ? live : [...replicas],
    leader,
    leaderEpoch: 0,
    partitionEpoch: 0,
    addingReplicas: [],
    removingReplicas: [],
  };
}
