/**
 * `tessera bench` / `npm run bench`: every case one after another, never in parallel (the
 * machine's cores are the thing being measured): tessera and TensorFlow.js in this process, then
 * PyTorch in one subprocess. Prints a table, writes a JSON file, returns the rows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { ArgumentError } from '../util/errors.js';
import { backendReady } from '../backend/registry.js';
import { addRatios, formatTable } from './format.js';
import { gemmCases } from './gemm.js';
import { convCases } from './conv.js';
import { elementwiseCases } from './elementwise.js';
import { cnnCases } from './cnn.js';
import { chromiumCnnCase } from './chromium-cnn.js';
import { memoryCase } from './memory.js';
import { gptCases } from './gpt.js';
import { bertCases } from './bert.js';
import { lstmCases } from './lstm.js';
import { addPeakShares, peakCase } from './peak.js';
import { runPytorch } from './pytorch.js';
import { firstLine } from './tfjs.js';
import { defaultSettings, type BenchCase, type BenchSettings, type Engine, type Row } from './types.js';

export interface BenchOptions {
  quick?: boolean;
  /** Run only the cases whose name contains this text. */
  only?: string;
  /** Where the JSON goes (default bench/results/latest.json under the working directory); null: nowhere. */
  outFile?: string | null;
  /** Progress and the table. */
  log?: (line: string) => void;
  /** Overrides of the defaults (tests use tiny timings and fake peers). */
  settings?: Partial<BenchSettings>;
  /** The cases to run instead of the standard set. */
  cases?: readonly BenchCase[];
}

export interface BenchReport {
  rows: Row[];
  table: string;
  file: string | null;
}

export function standardCases(settings: BenchSettings): BenchCase[] {
  return [
    peakCase(),
    ...gemmCases(),
    ...convCases(),
    ...elementwiseCases(),
    ...cnnCases(),
    chromiumCnnCase(),
    memoryCase(settings.memorySteps),
    ...gptCases(settings),
    ...bertCases(),
    ...lstmCases(),
  ];
}

const ENGINE_ORDER: readonly Engine[] = ['tessera', 'tfjs-cpu', 'tfjs-wasm', 'pytorch'];

export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => void process.stdout.write(line + '\n'));
  const settings: BenchSettings = { ...defaultSettings(options.quick ?? false), ...options.settings };
  const all = options.cases ?? standardCases(settings);
  const cases = all.filter((c) => !options.only || c.name.includes(options.only));
  if (cases.length === 0) {
    throw new ArgumentError(
      `tessera bench: --only "${options.only}" matches no case; expected part of one of: ${all.map((c) => c.name).join('; ')}`,
    );
  }
  const load = os.loadavg()[0];
  const started = performance.now();
  log(
    `tessera bench${settings.quick ? ' --quick' : ''}: ${cases.length} cases, ${os.cpus().length} cores, load average ${load.toFixed(2)}`,
  );

  // Worker threads start with the first product worth splitting and take tens of ms to come up:
  // started here, so that no case (the short first GEMMs above all) times the start-up.
  await backendReady();
  const rows: Row[] = [];
  for (const c of cases) {
    log(`  running ${c.name}`);
    try {
      rows.push(...(await c.run(settings)));
    } catch (e) {
      // A failing case is reported, not fatal: the other cases' figures still matter.
      log(`  ${c.name} failed: ${(e as Error).stack ?? String(e)}`);
      rows.push({ case: c.name, engine: 'tessera', note: `failed: ${firstLine(e)}` });
    }
  }
  if (settings.peers.includes('pytorch')) {
    const requests = cases.flatMap((c) => (c.torch ? [{ case: c.name, spec: c.torch }] : []));
    if (requests.length > 0) log(`  running PyTorch on ${requests.length} cases`);
    rows.push(...runPytorch(requests, settings, { log }));
  }

  const order = new Map(cases.map((c, i) => [c.name, i]));
  rows.sort(
    (a, b) =>
      (order.get(a.case) ?? 0) - (order.get(b.case) ?? 0) ||
      ENGINE_ORDER.indexOf(a.engine) - ENGINE_ORDER.indexOf(b.engine),
  );
  addRatios(rows);
  addPeakShares(rows);

  const footer = [
    '',
    "tessera/peer: tessera's speed divided by the peer's on the same case (GFLOP/s, samples/s or tokens/s); above 1x tessera is faster.",
    'ms: median of one call (one GEMM; one conv forward+backward; one training step or forward pass; one generation of the tokens named).',
    '% of wasm fma peak: GFLOP/s as a share of this run\'s own "wasm fma peak" row, the most WebAssembly SIMD can do here.',
    "pytorch: each case in the fastest of the configurations tried in this run (OpenBLAS kernels as the environment gives them, as OpenBLAS detects them, as the CPU flags call for; 1 or all cores' BLAS threads; 1 or all cores' torch threads), labelled with what ran.",
    "peak MiB: highest RSS seen while the engine ran the case; tessera and TensorFlow.js share this Node process, PyTorch reports its own process's high-water mark so far.",
  ];
  const seconds = Math.round((performance.now() - started) / 1000);
  footer.push(`${cases.length} cases in ${seconds} s.`);
  // Another process on the cores skews everything, multi-threaded engines (OpenMP barriers) most.
  const loadEnd = os.loadavg()[0];
  if (Math.max(load, loadEnd) > 1.5) {
    footer.push(
      `warning: load average ${load.toFixed(2)} at the start, ${loadEnd.toFixed(2)} at the end: other processes shared the cores, and multi-threaded engines suffer most.`,
    );
  }
  const table = formatTable(rows, footer);
  log(table);

  const file = options.outFile === null ? null : resolve(options.outFile ?? 'bench/results/latest.json');
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      loadAverage: load,
      loadAverageEnd: loadEnd,
      quick: settings.quick,
      seconds,
    };
    writeFileSync(file, JSON.stringify({ ...meta, rows }, null, 2) + '\n');
    log(`wrote ${file}`);
  }
  return { rows, table, file };
}
