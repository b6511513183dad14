/**
 * Where the parts of a line chart go, in pixels: the plot box, the ticks and each series' points.
 * One layout is drawn twice — as SVG for the HTML report and into RGBA pixels for the PNGs — so the
 * two pictures agree.
 */

/** One line: a value per x (null where there is none, e.g. a diverged loss). */
export interface Series {
  name: string;
  values: readonly (number | null)[];
  /** '#rrggbb'. */
  color: string;
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  x: readonly number[];
  series: readonly Series[];
}

export interface Tick {
  label: string;
  /** Pixel position along its axis. */
  at: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  xTicks: Tick[];
  yTicks: Tick[];
  /** Per series, runs of consecutive points with values (a null breaks the line). */
  lines: { series: Series; runs: [number, number][][] }[];
}

/** 1, 2 or 5 times a power of ten: the tick step that gives about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/** A tick value as short text: 0.25, 1.5, 12, 0.0003. */
export function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

export function layoutLineChart(chart: LineChart, width: number, height: number): ChartLayout {
  const plot = { left: 64, top: 36, right: width - 16, bottom: height - 64 };
  const finite = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  let lo = finite.length > 0 ? Math.min(...finite) : 0;
  let hi = finite.length > 0 ? Math.max(...finite) : 1;
  if (hi - lo < 1e-12) {
    lo -= 0.5 * Math.max(Math.abs(lo), 1e-3);
    hi += 0.5 * Math.max(Math.abs(hi), 1e-3);
  }
  const yStep = niceStep(hi - lo, 5);
  lo = Math.floor(lo / yStep) * yStep;
  hi = Math.ceil(hi / yStep) * yStep;
  const x0 = chart.x.length > 0 ? Math.min(...chart.x) : 0;
  const x1 = chart.x.length > 1 ? Math.max(...chart.x) : x0 + 1;
  const px = (x: number): number => plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left);
  const py = (y: number): number => plot.bottom - ((y - lo) / (hi - lo)) * (plot.bottom - plot.top);
  const yTicks: Tick[] = [];
  for (let k = 0; lo + k * yStep <= hi + yStep * 1e-6; k++)
    yTicks.push({ label: tickLabel(lo + k * yStep, yStep), at: py(lo + k * yStep) });
  const xStep = Math.max(1, niceStep(Math.max(x1 - x0, 1), 8));
  const xTicks: Tick[] = [];
  for (let x = Math.ceil(x0 / xStep) * xStep; x <= x1 + 1e-9; x += xStep)
    xTicks.push({ label: tickLabel(x, xStep), at: px(x) });
  const lines = chart.series.map((series) => {
    const runs: [number, number][][] = [];
    let run: [number, number][] = [];
    series.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v) || i >= chart.x.length) {
        if (run.length > 0) runs.push(run);
        run = [];
      } else run.push([px(chart.x[i]), py(v)]);
    });
    if (run.length > 0) runs.push(run);
    return { series, runs };
  });
  return { width, height, plot, xTicks, yTicks, lines };
}
