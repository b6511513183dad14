/**
 * Timing with the usual hygiene: untimed warm-up calls (a count, and a time), then timed calls until both a minimum
 * count and a time budget are reached, reported as the median (robust to a stray slow run when
 * other processes share the cores). RSS is sampled after every call, warm-up included, so the
 * peak covers the engine's working set for this case.
 */
import type { Row, TimingOptions } from './types.js';

/** A row without its case and engine: what one engine measured. */
export type Figures = Omit<Row, 'case' | 'engine'>;

export interface Timing {
  /** Median milliseconds of one timed call. */
  ms: number;
  runs: number;
  /** Highest process RSS seen while this engine ran this case. */
  peakRssMiB: number;
}

const MiB = 1024 * 1024;

export async function measure(fn: () => unknown, options: TimingOptions): Promise<Timing> {
  let peak = process.memoryUsage.rss();
  const times: number[] = [];
  const warmStart = performance.now();
  for (let i = 0; i < options.warmup || performance.now() - warmStart < options.warmupMs; i++) {
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    peak = Math.max(peak, process.memoryUsage.rss());
    if (ms >= options.capMs) {
      return { ms, runs: 1, peakRssMiB: peak / MiB };
    }
  }
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    const runs = times.length;
    if (
      runs >= options.maxRuns ||
      (runs >= options.minRuns && elapsed >= options.budgetMs) ||
      (runs >= 1 && elapsed >= options.capMs)
    )
      break;
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  return { ms: median(times), runs: times.length, peakRssMiB: peak / MiB };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds a figure for the report: 3 significant digits is all a shared machine can promise. */
export function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(digits, 6)));
}

/** The figures of a timed call that does `flop` floating-point operations. */
export function gflopFigures(flop: number, t: Timing): Figures {
  return { gflops: round(flop / (t.ms * 1e6)), ms: round(t.ms), peakRssMiB: round(t.peakRssMiB), runs: t.runs };
}
