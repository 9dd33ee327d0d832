/**
 * Long polling for Fetch: a fetch that found less than min.bytes parks here until enough bytes are appended to one
 * of its partitions or its max wait passes. Appends only count bytes; the fetch re-reads the logs when it wakes.
 */

interface Waiter {
  keys: string[];
  needed: number;
  resolve: () => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

export class FetchWaiters {
  private readonly byPartition = new Map<string, Set<Waiter>>();
  private parked = 0;

  /** Fetches parked right now (Kafka's fetch purgatory size). */
  get size(): number {
    return this.parked;
  }

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** Resolves after `bytesNeeded` more bytes are appended to any of `keys`, or after `timeoutMs`. */
  wait(keys: string[], bytesNeeded: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const w: Waiter = {
        keys,
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
    w.resolve();
  }
}
