/**
 * Throughput samples for the console's sparklines: every few seconds the end offsets of every partition (one
 * ListOffsets round per broker through the admin client), kept per topic for the last few minutes, so a page opened
 * now already shows the recent rate. Messages per second are the difference of two samples.
 */
import type { Admin } from '../client/index.js';

const KEEP = 60;

export interface ThroughputSnapshot {
  interval_ms: number;
  /** Sample times, milliseconds since the epoch, oldest first. */
  times: number[];
  /** Per topic, the sum of its partitions' end offsets at each sample time (null before the topic existed). */
  topics: Record<string, Array<number | null>>;
}

export class ThroughputSampler {
  private readonly times: number[] = [];
  private readonly ends = new Map<string, Array<number | null>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

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
      if (this.timer === undefined && this.times.length > 0) return; // stopped meanwhile
      const sums = new Map<string, number>();
      for (const o of offsets) sums.set(o.topic, (sums.get(o.topic) ?? 0) + Math.max(0, o.offset));
      this.times.push(Date.now());
      for (const [topic, sum] of sums) {
        let row = this.ends.get(topic);
        if (row === undefined) this.ends.set(topic, (row = new Array<number | null>(this.times.length - 1).fill(null)));
        row.push(sum);
      }
      for (const [topic, row] of this.ends) {
        if (!sums.has(topic)) row.push(null);
        if (row.length > KEEP) row.splice(0, row.length - KEEP);
        if (row.every((v) => v === null)) this.ends.delete(topic);
      }
      if (this.times.length > KEEP) this.times.splice(0, this.times.length - KEEP);
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'console throughput sample failed');
    } finally {
      this.running = false;
    }
  }

  snapshot(): ThroughputSnapshot {
    return { interval_ms: this.intervalMs, times: [...this.times], topics: Object.fromEntries(this.ends) };
  }
}
