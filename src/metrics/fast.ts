/**
 * Counters and histograms for the request path. prom-client's labelled children look their series up on every
 * call (they build a key string from the label object, validate the labels and search a hash map each time), which
 * costs more than the work being counted when it runs per request. Here a child is a plain object with number
 * fields, resolved once per label set by the caller and kept; counting is an addition, observing is a bucket search
 * over a short array. The values reach prom-client's registry at scrape time through the registry's metric
 * interface (`get()`), so the exposition text is prom-client's own.
 */
import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string | number>;

/** The part of prom-client's metric object its registry reads to render a metric. */
interface Rendered {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Value[];
}

/** One line of the exposition; prom-client renders `labels` first, then `sharedLabels` (le leads, as its own do). */
interface Value {
  metricName?: string;
  labels: Labels;
  sharedLabels?: Labels;
  value: number;
}

export interface CounterChild {
  value: number;
}

export interface HistogramChild {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** What prom-client's registry reads of a metric when it renders the exposition text. */
abstract class Family<C> {
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'counter' | 'histogram';
  protected readonly children = new Map<string, { labels: Labels; child: C }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registers: Registry[],
  ) {
    for (const r of registers) r.registerMetric(this as unknown as Metric);
  }

  protected abstract create(): C;

  /** The child of these label values (in labelNames order), created at zero the first time. Keep it. */
  child(...values: string[]): C {
    const key = values.join('\u0000');
    let e = this.children.get(key);
    if (e === undefined) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => {
        labels[n] = values[i] ?? '';
      });
      e = { labels, child: this.create() };
      this.children.set(key, e);
    }
    return e.child;
  }

  /** Drops the series of these label values (a child kept by a caller then counts for nothing). */
  remove(...values: string[]): void {
    this.children.delete(values.join('\u0000'));
  }

  reset(): void {
    this.children.clear();
  }

  abstract get(): Promise<Rendered>;
}

export class FastCounter extends Family<CounterChild> {
  readonly type = 'counter' as const;

  protected create(): CounterChild {
    return { value: 0 };
  }

  async get(): Promise<Rendered> {
    const values: Value[] = [];
    for (const { labels, child } of this.children.values()) values.push({ labels, value: child.value });
    return this.describe(values);
  }

  protected describe(values: Value[]): Rendered {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class FastHistogram extends Family<HistogramChild> {
  readonly type = 'histogram' as const;

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registers: Registry[],
  ) {
    super(name, help, labelNames, registers);
  }

  protected create(): HistogramChild {
    return { counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
  }

  /** One observation: a search of the bucket bounds, three additions. */
  observe(c: HistogramChild, value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    c.counts[i]!++;
    c.sum += value;
    c.count++;
  }

  async get(): Promise<Rendered> {
    const values: Value[] = [];
    for (const { labels, child } of this.children.values()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += child.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le }, sharedLabels: labels, value: acc });
      });
      const inf = {
        metricName: `${this.name}_bucket`,
        labels: { le: '+Inf' },
        sharedLabels: labels,
        value: child.count,
      };
      values.push(inf);
      values.push({ metricName: `${this.name}_sum`, labels, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: child.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
