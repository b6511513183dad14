/**
 * `npm run bench`: runs the benchmark cases one after another (never in parallel: the machine's
 * cores are the thing being measured), prints a table and writes bench/results/latest.json.
 * `--quick` runs a shortened set in under two minutes; `--json` prints the rows as the last line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryBench } from './memory.js';

type Row = Record<string, unknown> & { case: string; engine: string };

function table(rows: Row[]): string {
  const keys = ['case', 'engine', ...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => k !== 'case' && k !== 'engine' && typeof r[k] !== 'object')))];
  const cell = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v === undefined ? '' : String(v));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i])).join('  ');
  return [line(keys), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(keys.map((k) => cell(r[k]))))].join('\n');
}

export async function runBench(argv: string[]): Promise<Row[]> {
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  const rows: Row[] = [];
  log(`tessera bench${quick ? ' --quick' : ''}`);
  rows.push(memoryBench(quick ? 5000 : 20000) as unknown as Row);
  log(table(rows));
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2));
  log(`wrote ${file}`);
  if (json) console.log(JSON.stringify(rows));
  return rows;
}

if (process.argv[1] && /bench[\\/]run\.js$/.test(process.argv[1])) {
  await runBench(process.argv.slice(2));
}
