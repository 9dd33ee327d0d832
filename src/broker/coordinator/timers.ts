/**
 * Named timers of one coordinator shard, on its clock: setting a name again replaces its timer, and unloading the
 * shard closes them all. A timer's callback may return records (what the expiry changed); they go to `sink`, the
 * shard runtime, which appends them to the shard's partition, as an operation's records are.
 */
import type { RecordInput } from '../../protocol/records/batch.js';
import type { Clock, TimerHandle } from './clock.js';

// biome-ignore lint/suspicious/noConfusingVoidType: a timer callback either returns records or nothing
export type TimerCallback = () => RecordInput[] | void;

export class Timers {
  private readonly timers = new Map<string, TimerHandle>();
  private closed = false;

  constructor(
    readonly clock: Clock,
    private readonly sink: (records: RecordInput[]) => void = () => {},
  ) {}

  set(name: string, ms: number, fn: TimerCallback): void {
    if (this.closed) return;
    this.clear(name);
    const handle = this.clock.schedule(Math.max(0, ms), () => {
      if (this.timers.get(name) !== handle) return;
      this.timers.delete(name);
      const records = fn();
      if (records && records.length > 0) this.sink(records);
    });
    this.timers.set(name, handle);
  }

  clear(name: string): void {
    const t = this.timers.get(name);
    if (t !== undefined) {
      this.clock.cancel(t);
      this.timers.delete(name);
    }
  }

  has(name: string): boolean {
    return this.timers.has(name);
  }

  get size(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) this.clock.cancel(t);
    this.timers.clear();
  }
}
