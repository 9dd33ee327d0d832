/**
 * Partition assignors for classic consumer groups. The group leader runs the assignor the group agreed on over
 * every member's subscription. Names match Kafka's, so members on other clients (Java, librdkafka) can share
 * a group with ours as long as they offer the same assignor.
 */
export interface MemberSubscription {
  memberId: string;
  topics: string[];
  /** Partitions the member held before this rebalance (consumer protocol v1+). */
  ownedPartitions: Array<{ topic: string; partitions: number[] }>;
  generationId: number;
}

export interface AssignedPartitions {
  [topic: string]: number[];
}

export interface Assignor {
  /** Protocol name in JoinGroup ("range", "roundrobin", "cooperative-sticky"). */
  readonly name: string;
  /** Eager assignors revoke everything before a rebalance; cooperative ones only what moves. */
  readonly rebalanceProtocol: 'eager' | 'cooperative';
  assign(members: MemberSubscription[], partitionsPerTopic: Map<string, number>): Map<string, AssignedPartitions>;
}

function emptyResult(members: MemberSubscription[]): Map<string, AssignedPartitions> {
  const out = new Map<string, AssignedPartitions>();
  for (const m of members) out.set(m.memberId, {});
  return out;
}

function add(out: Map<string, AssignedPartitions>, member: string, topic: string, partition: number): void {
  const a = out.get(member)!;
  (a[topic] ??= []).push(partition);
}

const byId = (a: MemberSubscription, b: MemberSubscription) =>
  a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;

/** Per topic, contiguous ranges of partitions to the subscribed members in member id order. */
export const rangeAssignor: Assignor = {
  name: 'range',
  rebalanceProtocol: 'eager',
  assign(members, partitionsPerTopic) {
    const out = emptyResult(members);
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const n = partitionsPerTopic.get(topic);
      if (n === undefined) continue;
      const subs = members.filter((m) => m.topics.includes(topic)).sort(byId);
      const per = Math.floor(n / subs.length);
      const extra = n % subs.length;
      let p = 0;
      subs.forEach((m, i) => {
        const count = per + (i < extra ? 1 : 0);
        for (let j = 0; j < count; j++) add(out, m.memberId, topic, p++);
      });
    }
    return out;
  },
};

/** All partitions in topic order dealt out one by one to the members subscribed to each topic. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  rebalanceProtocol: 'eager',
  assign(members, partitionsPerTopic) {
    const out = emptyResult(members);
    const sorted = [...members].sort(byId);
    const topics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => partitionsPerTopic.has(t)).sort();
    let next = 0;
    for (const topic of topics) {
      const n = partitionsPerTopic.get(topic)!;
      for (let p = 0; p < n; p++) {
        for (let tries = 0; tries < sorted.length; tries++) {
          const m = sorted[next % sorted.length]!;
          next++;
          if (m.topics.includes(topic)) {
            add(out, m.memberId, topic, p);
            break;
          }
        }
      }
    }
    return out;
  },
};

/**
 * Keeps partitions where they are as far as balance allows, and moves as few as possible. Cooperative: a partition
 * that changes owner is left unassigned in this round; its old owner gives it up and rejoins, and the next round
 * hands it to the new owner.
 */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  assign(members, partitionsPerTopic) {
    const out = emptyResult(members);
    const sorted = [...members].sort(byId);
    const all: string[] = [];
    const subscribed = new Map<string, Set<string>>();
    for (const m of sorted) subscribed.set(m.memberId, new Set(m.topics.filter((t) => partitionsPerTopic.has(t))));
    for (const topic of [...new Set(sorted.flatMap((m) => m.topics))].sort()) {
      const n = partitionsPerTopic.get(topic);
      if (n === undefined) continue;
      for (let p = 0; p < n; p++) all.push(`${topic}\u0000${p}`);
    }
    // Previous owners; a partition claimed twice goes to the claim with the newest generation.
    const prevOwner = new Map<string, { member: string; gen: number }>();
    for (const m of sorted) {
      for (const o of m.ownedPartitions) {
        for (const p of o.partitions) {
          const k = `${o.topic}\u0000${p}`;
          const cur = prevOwner.get(k);
          if (!cur || m.generationId > cur.gen) prevOwner.set(k, { member: m.memberId, gen: m.generationId });
        }
      }
    }
    const owned = new Map<string, string[]>(sorted.map((m) => [m.memberId, []]));
    const unassigned: string[] = [];
    for (const k of all) {
      const topic = k.slice(0, k.indexOf('\u0000'));
      const prev = prevOwner.get(k);
      if (prev && subscribed.get(prev.member)?.has(topic)) owned.get(prev.member)!.push(k);
      else unassigned.push(k);
    }
    // Quotas: everyone gets floor(total/members), the first `extra` members by load one more.
    const total = all.length;
    const count = sorted.length;
    const base = Math.floor(total / count);
    const extra = total % count;
    // The most loaded members keep the extra slots, so fewer partitions move.
    const byLoad = [...sorted].sort(
      (x, y) => owned.get(y.memberId)!.length - owned.get(x.memberId)!.length || byId(x, y),
    );
    const quota = new Map<string, number>();
    for (const [i, m] of byLoad.entries()) quota.set(m.memberId, base + (i < extra ? 1 : 0));
    for (const m of sorted) {
      const list = owned.get(m.memberId)!;
      const q = quota.get(m.memberId)!;
      while (list.length > q) unassigned.push(list.pop()!);
    }
    const moved = new Set<string>();
    for (const k of unassigned) {
      const topic = k.slice(0, k.indexOf('\u0000'));
      let best: string | undefined;
      for (const m of sorted) {
        if (!subscribed.get(m.memberId)!.has(topic)) continue;
        const have = owned.get(m.memberId)!.length;
        if (best === undefined || have - quota.get(m.memberId)! < owned.get(best)!.length - quota.get(best)!)
          best = m.memberId;
      }
      if (best === undefined) continue;
      owned.get(best)!.push(k);
      const prev = prevOwner.get(k);
      if (prev && prev.member !== best && subscribed.has(prev.member)) moved.add(k);
    }
    for (const [member, list] of owned) {
      for (const k of list) {
        if (moved.has(k)) continue;
        const i = k.indexOf('\u0000');
        add(out, member, k.slice(0, i), Number(k.slice(i + 1)));
      }
    }
    for (const a of out.values()) for (const t in a) a[t]!.sort((x, y) => x - y);
    return out;
  },
};

export const ASSIGNORS = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};
