/**
 * A rate measured over sampled windows, as Kafka measures quota usage (KIP-13): `quota.window.num` samples of
 * `quota.window.size.seconds` each. The rate is the sum of the retained samples over the time they span, where that
 * span is never taken as shorter than `num - 1` whole windows, so one burst right after a quiet period is not
 * measured over a few milliseconds. A violation is answered with the delay that brings the measured rate back to the
 * bound if nothing more were recorded: with rate O over span W and bound T, O * W / (W + X) = T, so
 * X = (O - T) / T * W.
 *
 * Time is passed in (milliseconds), so the arithmetic is tested with an injected clock.
 */

export interface RateWindow {
  /** Number of samples kept (`quota.window.num`). */
  samples: number;
  /** Length of one sample in milliseconds (`quota.window.size.seconds` * 1000). */
  windowMs: number;
}

export class SampledRate {
  // One more slot than samples: the oldest may overlap the start of the measured span.
  private readonly starts: number[] = [];
  private readonly lastEvents: number[] = [];
  private readonly values: number[] = [];
  private current = 0;
  /** Time of the last record; a rate idle for the whole span measures zero and may be dropped. */
  lastRecordMs = 0;

  constructor(private readonly window: RateWindow) {}

  /** Adds `value` (bytes, or request time in percent-seconds) at `now`. Negative values take a recording back. */
  record(value: number, now: number): void {
    if (this.starts.length === 0) this.push(now);
    let i = this.current;
    if (now - this.starts[i]! >= this.window.windowMs) {
      i = (i + 1) % (this.window.samples + 1);
      this.current = i;
      if (i >= this.starts.length) this.push(now);
      else this.reset(i, now);
    }
    this.values[i]! += value;
    this.lastEvents[i] = now;
    this.lastRecordMs = now;
  }

  /** The measured rate in units per second at `now`. */
  rate(now: number): number {
    const span = this.spanMs(now);
    let total = 0;
    for (const v of this.values) total += v;
    return total / (span / 1000);
  }

  /** The time the rate is measured over at `now`, in milliseconds (at least num - 1 windows, at least 1 ms). */
  spanMs(now: number): number {
    this.purge(now);
    if (this.starts.length === 0) this.push(now);
    let oldest = this.starts[0]!;
    for (const s of this.starts) if (s < oldest) oldest = s;
    let elapsed = now - oldest;
    const fullWindows = Math.floor(elapsed / this.window.windowMs);
    const minFull = this.window.samples - 1;
    if (fullWindows < minFull) elapsed += (minFull - fullWindows) * this.window.windowMs;
    return Math.max(elapsed, 1);
  }

  /**
   * Records `value` and returns how long the client must wait (ms) for the rate to fall back to `bound`; 0 when
   * within it. `maxMs` caps the answer (the request and connection-rate quotas cap at one window).
   */
  recordAndThrottle(value: number, bound: number, now: number, maxMs = Number.POSITIVE_INFINITY): number {
    this.record(value, now);
    return this.throttleMs(bound, now, maxMs);
  }

  /** The delay (ms) that brings the current rate back to `bound`; 0 when it is within. */
  throttleMs(bound: number, now: number, maxMs = Number.POSITIVE_INFINITY): number {
    const observed = this.rate(now);
    if (observed <= bound) return 0;
    const ms = Math.round(((observed - bound) / bound) * this.spanMs(now));
    return Math.min(ms, maxMs);
  }

  /** True when nothing was recorded within the whole measured span: the rate would measure zero. */
  idle(now: number): boolean {
    return now - this.lastRecordMs >= this.window.samples * this.window.windowMs;
  }

  private push(now: number): void {
    this.starts.push(now);
    this.lastEvents.push(now);
    this.values.push(0);
  }

  private reset(i: number, now: number): void {
    this.starts[i] = now;
    this.lastEvents[i] = now;
    this.values[i] = 0;
  }

  /** Samples with no event within the measured span no longer count. */
  private purge(now: number): void {
    const expire = this.window.samples * this.window.windowMs;
    for (let i = 0; i < this.starts.length; i++) {
      if (now - this.lastEvents[i]! >= expire) this.reset(i, now);
    }
  }
}
