/**
 * Server-side assignors of KIP-848 consumer groups. Both take every member's subscription and the partition counts
 * of the subscribed topics and return topic -> partitions per member. They run once per group epoch change, never
 * per heartbeat.
 */
export type Assignment = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  topics: readonly string[];
  /** The member's current target, used by the uniform assignor to move as little as possible. */
  previous: Assignment | undefined;
}

export type Assignor = (members: AssignorMember[], partitions: (topic: string) => number) => Map<string, Assignment>;

function add(a: Assignment, topic: string, p: number): void {
  let s = a.get(topic);
  if (!s) a.set(topic, (s = new Set()));
  s.add(p);
}

/** Per topic, the subscribed members (by id) split its partitions into contiguous ranges. */
export const rangeAssignor: Assignor = (members, partitions) => {
  const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  const topics = new Set(members.flatMap((m) => m.topics));
  for (const topic of topics) {
    const n = partitions(topic);
    const subs = members
      .filter((m) => m.topics.includes(topic))
      .map((m) => m.memberId)
      .sort();
    if (n <= 0 || subs.length === 0) continue;
    const base = Math.floor(n / subs.length);
    const extra = n % subs.length;
    let p = 0;
    subs.forEach((id, i) => {
      const take = base + (i < extra ? 1 : 0);
      for (let k = 0; k < take; k++) add(out.get(id)!, topic, p++);
    });
  }
  return out;
};

/**
 * Balanced and sticky: members keep what they had while it stays eligible and the balance allows, unassigned
 * partitions go to the eligible member with the fewest, then partitions move from the fullest to the emptiest
 * eligible members until no member has two more than another that could take one.
 */
export const uniformAssignor: Assignor = (members, partitions) => {
  const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  const subscribed = new Map(members.map((m) => [m.memberId, new Set(m.topics)]));
  const all: Array<[string, number]> = [];
  for (const topic of [...new Set(members.flatMap((m) => m.topics))].sort()) {
    for (let p = 0; p < partitions(topic); p++) all.push([topic, p]);
  }
  const total = all.length;
  const quota = members.length > 0 ? Math.ceil(total / members.length) : 0;
  const owner = new Map<string, string>();
  const key = (t: string, p: number) => `${t}\0${p}`;
  const sizes = new Map<string, number>(members.map((m) => [m.memberId, 0]));
  // Keep previous ownership up to the quota.
  for (const m of [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1))) {
    for (const [topic, parts] of m.previous ?? []) {
      if (!subscribed.get(m.memberId)!.has(topic)) continue;
      const n = partitions(topic);
      for (const p of [...parts].sort((a, b) => a - b)) {
        if (p >= n || owner.has(key(topic, p)) || sizes.get(m.memberId)! >= quota) continue;
        owner.set(key(topic, p), m.memberId);
        sizes.set(m.memberId, sizes.get(m.memberId)! + 1);
      }
    }
  }
  const eligible = (topic: string) =>
    members.filter((m) => subscribed.get(m.memberId)!.has(topic)).map((m) => m.memberId);
  const smallest = (ids: string[]) =>
    ids.reduce((best, id) =>
      sizes.get(id)! < sizes.get(best)! || (sizes.get(id)! === sizes.get(best)! && id < best) ? id : best,
    );
  for (const [topic, p] of all) {
    if (owner.has(key(topic, p))) continue;
    const ids = eligible(topic);
    if (ids.length === 0) continue;
    const to = smallest(ids);
    owner.set(key(topic, p), to);
    sizes.set(to, sizes.get(to)! + 1);
  }
  // Even out what stickiness left unbalanced (possible with different subscriptions).
  for (let moved = true, rounds = 0; moved && rounds < total; rounds++) {
    moved = false;
    for (const [topic, p] of all) {
      const from = owner.get(key(topic, p));
      if (from === undefined) continue;
      const ids = eligible(topic);
      const to = smallest(ids);
      if (sizes.get(from)! - sizes.get(to)! > 1) {
        owner.set(key(topic, p), to);
        sizes.set(from, sizes.get(from)! - 1);
        sizes.set(to, sizes.get(to)! + 1);
        moved = true;
      }
    }
  }
  for (const [topic, p] of all) {
    const id = owner.get(key(topic, p));
    if (id !== undefined) add(out.get(id)!, topic, p);
  }
  return out;
};

export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map([
  ['uniform', uniformAssignor],
  ['range', rangeAssignor],
]);
export const DEFAULT_ASSIGNOR = 'uniform';
