/** Sparklines and line charts with uPlot (small, fast, canvas-based). */
import uPlot from 'uplot';

/** A small line without axes for a table cell; `values` may hold nulls for gaps. */
export function sparkline(values: Array<number | null>, width = 120, height = 28): HTMLElement {
  const el = document.createElement('div');
  el.className = 'spark';
  const xs = values.map((_, i) => i);
  new uPlot(
    {
      width,
      height,
      cursor: { show: false },
      legend: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      axes: [{ show: false }, { show: false }],
      // Room below zero, so an idle topic shows a flat line rather than nothing.
      scales: {
        x: { time: false },
        y: { range: (_u, _min, max) => [-0.15 * Math.max(1, max), 1.1 * Math.max(1, max)] },
      },
      series: [{}, { stroke: '#5b4bd6', width: 1.5, fill: 'rgba(91,75,214,0.12)', points: { show: false } }],
    },
    [xs, values as number[]],
    el,
  );
  return el;
}

/** A time series chart (x: seconds since the epoch) that grows as points are pushed. */
export class TimeChart {
  readonly el = document.createElement('div');
  private readonly xs: number[] = [];
  private readonly ys: number[] = [];
  private readonly plot: uPlot;

  constructor(label: string, width: number, height = 200) {
    this.el.className = 'chart';
    this.plot = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [{}, { label, stroke: '#5b4bd6', width: 2, fill: 'rgba(91,75,214,0.10)' }],
      },
      [[], []],
      this.el,
    );
  }

  push(timeMs: number, value: number): void {
    this.xs.push(timeMs / 1000);
    this.ys.push(value);
    if (this.xs.length > 600) {
      this.xs.shift();
      this.ys.shift();
    }
    this.plot.setData([this.xs, this.ys]);
  }

  get points(): number {
    return this.xs.length;
  }
}
