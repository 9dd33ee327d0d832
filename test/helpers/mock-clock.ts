/**
 * A clock for unit tests of the coordinators: time stands still until the test moves it, and timers run only then,
 * in the order they are due, so a state machine's timeouts are exercised without waiting and without sockets.
 */
import type { Clock, TimerHandle } from '../../src/broker/coordinator/clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class MockClock implements Clock {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private t = 1_700_000_000_000) {}

  now(): number {
    return this.t;
  }

  schedule(delayMs: number, fn: () => void): TimerHandle {
    const seq = ++this.seq;
    this.pending.set(seq, { at: this.t + Math.max(0, delayMs), seq, fn });
    return seq;
  }

  cancel(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  /** Timers not yet run. */
  get scheduled(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way (also those set meanwhile). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending.values()) {
        if (p.at > end) continue;
        if (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq)) next = p;
      }
      if (next === undefined) break;
      this.pending.delete(next.seq);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}
