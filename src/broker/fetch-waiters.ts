/**
 * Long polling for Fetch: a fetch that found less than min.bytes parks here until enough bytes are appended to one
 * of its partitions or its max wait passes. Appends only count bytes; the fetch re-reads the logs when it wakes.
 *
 * A follower's fetch also remembers the follower: a broker that becomes leader of a partition wakes the parked
 * fetches of that partition's other replicas, so that a follower whose fetch to this broker (for other
 * partitions) is parked asks for the new partition at once instead of after replica.fetch.wait.max.ms. Failover
 * waits for that first follower fetch: with acks=all the new leader's high watermark moves only with it.
 */

interface Waiter {
  keys: string[];
  /** The follower that sent the fetch, or -1 for a consumer. */
  replicaId: number;
  needed: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

export class FetchWaiters {
  private readonly byPartition = new Map<string, Set<Waiter>>();
  private readonly byReplica = new Map<number, Set<Waiter>>();
  private parked = 0;

  /** Fetches parked right now (Kafka's fetch purgatory size). */
  get size(): number {
    return this.parked;
  }

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /**
   * Resolves after `bytesNeeded` more bytes are appended to any of `keys`, or after `timeoutMs`. `replicaId` is
   * the follower sending the fetch (>= 0), or negative for a consumer.
   */
  wait(keys: string[], bytesNeeded: number, timeoutMs: number, replicaId = -1): Promise<void> {
    return new Promise((resolve) => {
      const w: Waiter = {
        keys,
        replicaId,
        needed: Math.max(1, bytesNeeded),
        resolve,
        done: false,
        timer: setTimeout(() => this.finish(w), timeoutMs),
      };
      this.parked++;
      for (const k of keys) {
        let set = this.byPartition.get(k);
        if (set === undefined) this.byPartition.set(k, (set = new Set()));
        set.add(w);
      }
      if (replicaId >= 0) {
        let set = this.byReplica.get(replicaId);
        if (set === undefined) this.byReplica.set(replicaId, (set = new Set()));
        set.add(w);
      }
    });
  }

  /** Called after an append of `bytes` to a partition. */
  notify(key: string, bytes: number): void {
    const set = this.byPartition.get(key);
    if (set === undefined) return;
    for (const w of set) {
      w.needed -= bytes;
      if (w.needed <= 0) this.finish(w);
    }
  }

  /** Wakes every waiter of a partition (topic deleted, partition moved). */
  wakeAll(key: string): void {
    const set = this.byPartition.get(key);
    if (set) for (const w of [...set]) this.finish(w);
  }

  /** Wakes every fetch parked by these followers (this broker now leads a partition they replicate). */
  wakeReplicas(replicaIds: readonly number[]): void {
    for (const id of replicaIds) {
      const set = this.byReplica.get(id);
      if (set) for (const w of [...set]) this.finish(w);
    }
  }

  cancelAll(): void {
    for (const set of [...this.byPartition.values()]) for (const w of [...set]) this.finish(w);
  }

  private finish(w: Waiter): void {
    clearTimeout(w.timer);
    if (w.done) return;
    w.done = true;
    this.parked--;
    for (const k of w.keys) {
      const set = this.byPartition.get(k);
      if (set) {
        set.delete(w);
        if (set.size === 0) this.byPartition.delete(k);
      }
    }
    if (w.replicaId >= 0) {
      const set = this.byReplica.get(w.replicaId);
      if (set) {
        set.delete(w);
        if (set.size === 0) this.byReplica.delete(w.replicaId);
      }
    }
    w.resolve();
  }
}
