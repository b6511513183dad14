/**
 * Training progress as Keras prints it. In a terminal, one line per epoch is redrawn in place
 * with `\r`:
 *
 *   1200/1875 [==================>...........] - ETA: 35s - loss: 0.1234 - accuracy: 0.9612
 *
 * and finished with the epoch's time and validation metrics. When the output is not a terminal
 * (CI logs, files, pipes) redrawing would leave a wall of `\r` fragments, so plain lines are
 * written instead: one every 10% of an epoch and one at its end.
 *
 * Browser-safe: the stream is injected (`{ write, isTTY?, columns? }`); the default is
 * `process.stdout` when there is a `process`, else the console.
 */
import { checkOptions } from '../util/options.js';

/** Where progress text goes. Node's `process.stdout` is one; a test can pass a fake. */
export interface ProgressStream {
  write(text: string): unknown;
  /** A terminal: the bar is redrawn in place. Otherwise plain lines are written. */
  isTTY?: boolean;
  /** Terminal width; a live line is cut to fit so that `\r` can return to its start. */
  columns?: number;
}

/** `process.stdout` in Node; in a browser, lines go to the console. */
export function defaultStream(): ProgressStream {
  if (typeof process !== 'undefined' && process.stdout && typeof process.stdout.write === 'function')
    return process.stdout;
  let pending = '';
  return {
    isTTY: false,
    write(text: string): void {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) console.log(line);
    },
  };
}

/** A clock in milliseconds; injectable so tests can render deterministic times. */
export type Clock = () => number;

export const defaultClock: Clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Keras's number format: 4 decimals, or scientific notation for tiny values. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

/** " - loss: 0.1234 - accuracy: 0.9612" */
export function formatLogs(logs: Readonly<Record<string, number>>): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${formatValue(v)}`)
    .join('');
}

/** An ETA as Keras writes it: "35s", "2:05", "1:02:05". */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${two(s % 60)}`;
  return `${s}s`;
}

/** Time per step: "6ms/step", "2s/step", "850us/step". */
export function formatStepTime(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

/** "[=====>......]": `width` cells, full ones '=', the head '>' until the last step. */
export function formatBar(current: number, target: number, width = 30): string {
  const filled = target > 0 ? Math.min(width, Math.floor((width * current) / target)) : width;
  let bar = '';
  if (filled > 0) bar = '='.repeat(filled - 1) + (current < target ? '>' : '=');
  return `[${bar}${'.'.repeat(width - filled)}]`;
}

export interface ProgressBarOptions {
  /** Steps in the epoch; null when not known ahead (data of unknown length): "12/Unknown", no bar or ETA. */
  target: number | null;
  stream?: ProgressStream;
  /** Minimum milliseconds between two redraws of a live bar (default 50, as Keras). */
  interval?: number;
  /** Bar width in characters (default 30). */
  width?: number;
  clock?: Clock;
}

/**
 * One epoch's progress: `update(step, logs)` after each step, `finish(logs)` at the end.
 * `mode` 'live' redraws a bar; 'lines' writes a plain line every 10% of the steps; 'summary'
 * writes only the final line (Keras's verbose=2).
 */
export class ProgressBar {
  readonly target: number | null;
  readonly mode: 'live' | 'lines' | 'summary';
  private readonly stream: ProgressStream;
  private readonly interval: number;
  private readonly width: number;
  private readonly clock: Clock;
  private readonly start: number;
  private lastDraw = -Infinity;
  private drawnWidth = 0;
  private nextTenth = 1;

  constructor(options: ProgressBarOptions & { mode?: 'live' | 'lines' | 'summary' }) {
    checkOptions('ProgressBar', options, ['target', 'stream', 'mode', 'interval', 'width', 'clock'], '{ target: 100 }');
    this.target = options.target;
    this.stream = options.stream ?? defaultStream();
    this.mode = options.mode ?? (this.stream.isTTY ? 'live' : 'lines');
    this.interval = options.interval ?? 50;
    this.width = options.width ?? 30;
    this.clock = options.clock ?? defaultClock;
    this.start = this.clock();
  }

  private get counter(): (current: number) => string {
    if (this.target === null) return (current) => `${current}/Unknown`;
    const digits = String(this.target).length;
    return (current) => `${String(current).padStart(digits)}/${this.target}`;
  }

  /** Report that `current` steps are done, with the running logs. */
  update(current: number, logs: Readonly<Record<string, number>>): void {
    const now = this.clock();
    const elapsed = (now - this.start) / 1000;
    const target = this.target;
    if (target === null) {
      // Nothing to measure against: a live line counts steps; plain lines wait for the epoch's end.
      if (this.mode !== 'live' || (now - this.lastDraw < this.interval && current > 1)) return;
      this.lastDraw = now;
      this.draw(`${this.counter(current)} - ${Math.round(elapsed)}s${formatLogs(logs)}`);
      return;
    }
    const eta = current > 0 ? (elapsed / current) * (target - current) : 0;
    if (this.mode === 'live') {
      // Throttled, but the first step is always drawn so a slow first batch shows something.
      if (now - this.lastDraw < this.interval && current > 1) return;
      this.lastDraw = now;
      const line = (width: number): string =>
        `${this.counter(current)} ${formatBar(current, target, width)} - ETA: ${formatEta(eta)}${formatLogs(logs)}`;
      // On a narrow terminal the bar gives up cells (down to 10) before the numbers are cut.
      const room = (this.stream.columns ?? Infinity) - 1;
      const full = line(this.width);
      this.draw(full.length <= room ? full : line(Math.max(10, this.width - (full.length - room))));
    } else if (this.mode === 'lines' && current < target && current >= (this.nextTenth * target) / 10) {
      while (current >= (this.nextTenth * target) / 10) this.nextTenth++;
      this.stream.write(
        `${this.counter(current)} - ${Math.round(elapsed)}s elapsed - ETA: ${formatEta(eta)}${formatLogs(logs)}\n`,
      );
    }
  }

  /** The epoch is over: write the final line with its time, per-step time and all logs. */
  finish(logs: Readonly<Record<string, number>>, steps = this.target ?? 0): void {
    const elapsed = (this.clock() - this.start) / 1000;
    const timing = `${Math.round(elapsed)}s ${formatStepTime(steps > 0 ? elapsed / steps : 0)}`;
    if (this.mode === 'live') {
      const bar = this.target === null ? '' : ` ${formatBar(steps, this.target, this.width)}`;
      this.draw(`${this.counter(steps)}${bar} - ${timing}${formatLogs(logs)}`, false);
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.counter(steps)} - ${timing}${formatLogs(logs)}\n`);
    }
  }

  /** Redraw the live line: return to its start, write, and blank what the last draw left over. */
  private draw(line: string, fit = true): void {
    const columns = this.stream.columns;
    const text =
      fit && columns !== undefined && columns > 1 && line.length > columns - 1 ? line.slice(0, columns - 1) : line;
    const blank = Math.max(0, this.drawnWidth - text.length);
    this.stream.write(`\r${text}${' '.repeat(blank)}`);
    this.drawnWidth = text.length;
  }
}
