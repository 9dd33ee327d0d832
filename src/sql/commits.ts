/**
 * At-least-once offset commits of a persistent query without a pause per commit. The query produces its results
 * (sink, repartition and changelog records) and goes on at once; the results between two commits are a unit whose
 * records carry one shared delivery callback. A unit's input offsets are committed once every record of it
 * and of every earlier unit has been acknowledged, in order, at most one commit request at a time (the offsets of
 * the units finished meanwhile go together in the next one). A failed delivery fails the query and nothing after
 * it is committed, so a restart reads those records again: results may repeat, never go missing.
 */
import type { DeliveryCallback, TopicPartitionOffset } from '../client/index.js';

interface Unit {
  /** Records produced for the unit and not acknowledged yet. */
  pending: number;
  /** No more records join the unit. */
  sealed: boolean;
  offsets: TopicPartitionOffset[];
  readonly callback: DeliveryCallback;
}

/** Units not yet committed past which `admit` waits, so results waiting for acknowledgement stay bounded. */
const MAX_OPEN_UNITS = 16;

export class CommitPipeline {
  private readonly units: Unit[] = [];
  private current: Unit | null = null;
  private committing = false;
  private failure: Error | null = null;
  private idle: Array<() => void> = [];

  constructor(private readonly commit: (offsets: TopicPartitionOffset[]) => Promise<void>) {}

  /** The delivery callback for the records of the unit being built (a unit is opened if none is). */
  callback(): DeliveryCallback {
    const u = this.current ?? this.open();
    u.pending++;
    return u.callback;
  }

  private open(): Unit {
    const unit: Unit = {
      pending: 0,
      sealed: false,
      offsets: [],
      callback: (err) => {
        unit.pending--;
        if (err !== null) {
          this.failure ??= err;
          this.wake();
        }
        if (unit.pending === 0 && unit.sealed) this.advance();
      },
    };
    this.current = unit;
    this.units.push(unit);
    return unit;
  }

  /** Closes the unit being built with the input offsets it covers (next offsets to read). */
  seal(offsets: TopicPartitionOffset[]): void {
    const u = this.current ?? this.open();
    this.current = null;
    u.offsets = offsets;
    u.sealed = true;
    if (u.pending === 0) this.advance();
  }

  /** Throws a delivery or commit failure; waits while too many units are open. */
  async admit(): Promise<void> {
    this.check();
    while (this.units.length > MAX_OPEN_UNITS && this.failure === null) await this.settled();
    this.check();
  }

  /** Resolves when every sealed unit is committed (or something failed); then throws the failure, if any. */
  async drain(): Promise<void> {
    while (this.units.length > 0 && this.units[0]!.sealed && this.failure === null) await this.settled();
    this.check();
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private settled(): Promise<void> {
    return new Promise((r) => this.idle.push(r));
  }

  private wake(): void {
    const w = this.idle;
    this.idle = [];
    for (const f of w) f();
  }

  /** Commits the finished units at the head, in order, one request at a time. */
  private advance(): void {
    if (this.committing) return;
    if (this.failure !== null) {
      this.wake();
      return;
    }
    const merged = new Map<string, TopicPartitionOffset>();
    let n = 0;
    while (n < this.units.length) {
      const u = this.units[n]!;
      if (!u.sealed || u.pending > 0) break;
      for (const o of u.offsets) merged.set(`${o.topic}\u0000${o.partition}`, o);
      n++;
    }
    if (n === 0) return;
    this.committing = true;
    const offsets = [...merged.values()];
    const done = () => {
      this.units.splice(0, n);
      this.committing = false;
      this.wake();
      this.advance();
    };
    if (offsets.length === 0) {
      done();
      return;
    }
    this.commit(offsets).then(done, (e: Error) => {
      this.failure ??= e;
      this.committing = false;
      this.wake();
    });
  }
}
