/**
 * Samples for the console's charts: every few seconds the end offsets of every partition (one ListOffsets round per
 * broker through the admin client), kept per topic for the last few minutes, so a page opened now already shows the
 * recent rate (messages per second are the difference of two samples); and with them each consumer group's total
 * lag (its committed offsets against those end offsets), for the lag-over-time chart.
 */
import type { Admin } from '../client/index.js';

const KEEP = 60;
/** Groups whose lag is sampled, at most (each costs one OffsetFetch per sample). */
const MAX_GROUPS = 100;

export interface ThroughputSnapshot {
  interval_ms: number;
  /** Sample times, milliseconds since the epoch, oldest first. */
  times: number[];
  /** Per topic, the sum of its partitions' end offsets at each sample time (null before the topic existed). */
  topics: Record<string, Array<number | null>>;
  /** Per consumer group, its total lag at each sample time (null when it had no offsets then). */
  groups: Record<string, Array<number | null>>;
}

export class ThroughputSampler {
  private readonly times: number[] = [];
  private readonly ends = new Map<string, Array<number | null>>();
  private readonly lags = new Map<string, Array<number | null>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastError: string | undefined;

  constructor(
    private readonly admin: Admin,
    readonly intervalMs: number,
    private readonly logger: { warn(obj: object | string, msg?: string): void },
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sample(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const names = await this.admin.listTopics();
      const infos = names.length > 0 ? await this.admin.describeTopics(names) : [];
      const tps = infos.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
      const offsets = tps.length > 0 ? await this.admin.listOffsets(tps, 'latest') : [];
      const end = new Map<string, number>();
      for (const o of offsets) end.set(`${o.topic}\u0000${o.partition}`, o.offset);
      const lags = await this.groupLags(end);
      if (this.timer === undefined && this.times.length > 0) return; // stopped meanwhile
      const sums = new Map<string, number>();
      for (const o of offsets) sums.set(o.topic, (sums.get(o.topic) ?? 0) + Math.max(0, o.offset));
      this.times.push(Date.now());
      this.record(this.ends, sums);
      this.record(this.lags, lags);
      if (this.times.length > KEEP) this.times.splice(0, this.times.length - KEEP);
      this.lastError = undefined;
    } catch (e) {
      // Once per distinct failure, not every few seconds.
      const err = (e as Error).message;
      if (err !== this.lastError) this.logger.warn({ err }, 'console throughput sample failed');
      this.lastError = err;
    } finally {
      this.running = false;
    }
  }

  /** Total lag of each group (up to MAX_GROUPS) against the sampled end offsets. */
  private async groupLags(end: Map<string, number>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // A principal that may not list groups still gets its topics' throughput.
    const groups = (await this.admin.listGroups().catch(() => [])).slice(0, MAX_GROUPS);
    for (const g of groups) {
      const committed = await this.admin.listGroupOffsets(g.groupId).catch(() => []);
      if (committed.length === 0) continue;
      let lag = 0;
      for (const c of committed) {
        const e = end.get(`${c.topic}\u0000${c.partition}`);
        if (e !== undefined) lag += Math.max(0, e - c.offset);
      }
      out.set(g.groupId, lag);
    }
    return out;
  }

  /** Appends this sample's values to each series (null for a name absent now), dropping what is too old. */
  private record(series: Map<string, Array<number | null>>, values: Map<string, number>): void {
    for (const [name, v] of values) {
      let row = series.get(name);
      if (row === undefined) series.set(name, (row = new Array<number | null>(this.times.length - 1).fill(null)));
      row.push(v);
    }
    for (const [name, row] of series) {
      if (!values.has(name)) row.push(null);
      if (row.length > KEEP) row.splice(0, row.length - KEEP);
      if (row.every((v) => v === null)) series.delete(name);
    }
  }

  snapshot(): ThroughputSnapshot {
    return {
      interval_ms: this.intervalMs,
      times: [...this.times],
      topics: Object.fromEntries(this.ends),
      groups: Object.fromEntries(this.lags),
    };
  }
}
