/**
 * Ratios and the printed table. A ratio is tessera's speed divided by the peer's on the same case
 * and the same figure (GFLOP/s, samples/s, tokens/s, or 1/ms), so above 1 means tessera is faster.
 */
import type { Row } from './types.js';

/** Figures where higher is better, in the order a ratio prefers them. */
const SPEEDS = ['gflops', 'samplesPerSecond', 'tokensPerSecond'] as const;

const COLUMNS: readonly { key: string; title: string }[] = [
  { key: 'gflops', title: 'GFLOP/s' },
  { key: 'samplesPerSecond', title: 'samples/s' },
  { key: 'tokensPerSecond', title: 'tokens/s' },
  { key: 'ms', title: 'ms' },
  { key: 'peakRssMiB', title: 'peak MiB' },
  { key: 'ratio', title: 'tessera/peer' },
];
const SHOWN = new Set(['case', 'engine', 'note', ...COLUMNS.map((c) => c.key)]);

function num(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/** Sets `ratio` on every peer row that shares a speed figure with its case's tessera row. */
export function addRatios(rows: Row[]): Row[] {
  const tessera = new Map(rows.filter((r) => r.engine === 'tessera').map((r) => [r.case, r]));
  for (const row of rows) {
    const ours = tessera.get(row.case);
    if (row.engine === 'tessera' || !ours) continue;
    const key = SPEEDS.find((k) => num(ours[k]) && num(row[k]));
    if (key) row.ratio = round2((ours[key] as number) / (row[key] as number));
    else if (num(ours.ms) && num(row.ms)) row.ratio = round2(row.ms / ours.ms);
  }
  return rows;
}

function round2(v: number): number {
  return Number(v.toPrecision(3));
}

function cell(key: string, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (key === 'ratio' && typeof v === 'number') return `${v}x`;
  return String(v);
}

/** Figures read better as a phrase than as `key value`. */
const PHRASES: Record<string, (v: unknown) => string> = {
  runs: (v) => `${v} run${v === 1 ? '' : 's'}`,
  threads: (v) => `${v} thread${v === 1 ? '' : 's'}`,
  blasThreads: (v) => `${v} BLAS thread${v === 1 ? '' : 's'}`,
  torchThreads: (v) => `${v} torch thread${v === 1 ? '' : 's'}`,
  configs: (v) => `fastest of ${v} configurations tried`,
  wasmPeakPercent: (v) => `${v}% of wasm fma peak`,
  steps: (v) => `${v} steps`,
  params: (v) => `${v} parameters`,
  seconds: (v) => `in ${v} s`,
  stepsPerSecond: (v) => `${v} steps/s`,
  vsNode: (v) => `${v}x Node`,
  workerChunks: (v) => `${v} chunks on workers`,
  rssGrowthMiB: (v) => `RSS growth ${v} MiB`,
  typescriptLoopMs: (v) => `TypeScript loop ${v} ms`,
  vsTypescriptLoop: (v) => `wasm ${v}x the loop`,
};

/** The row's other scalar figures (backend, runs, threads, memory details) as one short text. */
function details(row: Row): string {
  const parts: string[] = [];
  const memory: string[] = [];
  const skip = new Set(SHOWN);
  for (const what of ['rss', 'heap']) {
    const start = row[`${what}StartMiB`],
      end = row[`${what}EndMiB`];
    if (typeof start === 'number' && typeof end === 'number') {
      memory.push(`${what === 'rss' ? 'RSS' : 'heap'} ${start} -> ${end} MiB`);
      skip.add(`${what}StartMiB`).add(`${what}EndMiB`);
    }
  }
  for (const [key, v] of Object.entries(row)) {
    if (skip.has(key) || v === undefined || typeof v === 'object') continue;
    if (key === 'backend' || key === 'blas') parts.unshift(String(v));
    else parts.push(PHRASES[key] ? PHRASES[key](v) : `${key} ${v}`);
  }
  return [...parts, ...memory].join(', ');
}

/** Rows grouped under their case (cases in first-seen order), one line per engine, columns aligned. */
export function formatTable(rows: readonly Row[], footer: readonly string[] = []): string {
  const columns = COLUMNS.filter((c) => rows.some((r) => r[c.key] !== undefined));
  const header = ['engine', ...columns.map((c) => c.title), 'note'];
  const body = rows.map((r) => [r.engine, ...columns.map((c) => cell(c.key, r[c.key])), r.note ?? details(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string =>
    '  ' +
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  for (const name of new Set(rows.map((r) => r.case))) {
    out.push(name);
    rows.forEach((r, i) => r.case === name && out.push(line(body[i])));
  }
  return [...out, ...footer].join('\n');
}
