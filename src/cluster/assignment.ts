/**
 * Replica assignment at topic creation and partition growth, as pure functions (the controller calls them; tests
 * check balance and rack spread without etcd). The method is Kafka's: order the brokers so consecutive ones are
 * on different racks, put the first replica of partition p on broker (start + p) mod n, and the following
 * replicas at a shift that grows each time the partitions wrap around the brokers, so leaders and followers both
 * spread evenly. With racks, a broker whose rack already holds a replica of the partition is passed over while
 * some rack is still unused. Explicit assignments (CreateTopics' Assignments) are checked, not changed.
 */
import { ErrorCode } from '../protocol/errors.js';

export interface BrokerPlacement {
  id: number;
  rack: string | null;
}

export type AssignmentResult = { ok: true; replicas: number[][] } | { ok: false; errorCode: number; message: string };

export interface AssignOptions {
  /** Index into the broker order of partition 0's first replica; default random (Kafka picks it at random). */
  startIndex?: number;
  /** Shift of the first follower; default random. */
  startShift?: number;
  /** First partition index (for CreatePartitions: the current count), so growth continues the pattern. */
  firstPartition?: number;
}

/** Assign `partitions` partitions with `replicationFactor` replicas each over the live brokers. */
export function assignReplicas(
  brokers: readonly BrokerPlacement[],
  partitions: number,
  replicationFactor: number,
  opts: AssignOptions = {},
): AssignmentResult {
  if (partitions <= 0) return { ok: false, errorCode: ErrorCode.INVALID_PARTITIONS, message: 'partitions must be > 0' };
  if (replicationFactor <= 0) {
    return { ok: false, errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'replication factor must be > 0' };
  }
  if (replicationFactor > brokers.length) {
    return {
      ok: false,
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      message: `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
    };
  }
  // Brokers without a rack count as one rack of their own (as Kafka's KRaft placer treats them).
  const racks = new Set(brokers.map((b) => b.rack));
  const rackAware = racks.size > 1;
  const order = rackAware ? rackAlternatingOrder(brokers) : [...brokers].sort((a, b) => a.id - b.id);
  const n = order.length;
  const start = opts.startIndex ?? Math.floor(Math.random() * n);
  let shift = opts.startShift ?? Math.floor(Math.random() * n);
  const first = opts.firstPartition ?? 0;
  const out: number[][] = [];
  for (let i = 0; i < partitions; i++) {
    const p = first + i;
    if (p > 0 && p % n === 0) shift++;
    const firstIndex = (start + p) % n;
    const chosen = [order[firstIndex]!];
    const usedRacks = new Set([order[firstIndex]!.rack]);
    for (let j = 0; chosen.length < replicationFactor; j++) {
      const candidate = order[followerIndex(firstIndex, shift, j, n)]!;
      if (chosen.includes(candidate)) continue;
      if (rackAware && usedRacks.has(candidate.rack) && usedRacks.size < racks.size && j < n * n) continue;
      chosen.push(candidate);
      usedRacks.add(candidate.rack);
    }
    out.push(chosen.map((b) => b.id));
  }
  return { ok: true, replicas: out };
}

/** The broker index of the j-th follower candidate: never the first replica itself, cycling through the rest. */
function followerIndex(firstIndex: number, shift: number, j: number, n: number): number {
  if (n === 1) return firstIndex;
  const s = 1 + ((shift + j) % (n - 1));
  return (firstIndex + s) % n;
}

/** Brokers ordered rack by rack in turn (rack a's first, rack b's first, ..., rack a's second, ...). */
function rackAlternatingOrder(brokers: readonly BrokerPlacement[]): BrokerPlacement[] {
  const byRack = new Map<string, BrokerPlacement[]>();
  for (const b of [...brokers].sort((x, y) => x.id - y.id)) {
    const rack = b.rack ?? '';
    const list = byRack.get(rack) ?? [];
    list.push(b);
    byRack.set(rack, list);
  }
  const lists = [...byRack.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l);
  const out: BrokerPlacement[] = [];
  for (let i = 0; out.length < brokers.length; i++) {
    for (const l of lists) if (i < l.length) out.push(l[i]!);
  }
  return out;
}

/**
 * Check explicit assignments (CreateTopics Assignments, CreatePartitions Assignments): every list non-empty,
 * without duplicates, of known brokers, all of one length (Kafka's rule).
 */
export function validateAssignment(
  assignment: readonly (readonly number[])[],
  knownBrokers: ReadonlySet<number>,
): { ok: true } | { ok: false; errorCode: number; message: string } {
  const bad = (message: string) => ({ ok: false as const, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message });
  if (assignment.length === 0) return bad('The assignment is empty.');
  const rf = assignment[0]!.length;
  for (const [p, replicas] of assignment.entries()) {
    if (replicas.length === 0) return bad(`Partition ${p} has no replicas.`);
    if (replicas.length !== rf) return bad('All partitions should have the same number of replicas.');
    if (new Set(replicas).size !== replicas.length) return bad(`Partition ${p} lists a broker twice.`);
    const unknown = replicas.find((b) => !knownBrokers.has(b));
    if (unknown !== undefined) return bad(`Unknown broker ${unknown} in the assignment of partition ${p}.`);
  }
  return { ok: true };
}
