/**
 * GEMM throughput of the backends side by side: portable TypeScript, the wasm backend on one
 * thread, and on every core (plus the plain-SIMD build on one thread, to show what relaxed SIMD
 * adds). Median GFLOP/s over timed runs after a warm-up, at the square sizes of issue 4 and the
 * seed CNN's products (conv2 as im2col·kernel, the first Dense layer at batch 32).
 *
 *   node dist/bench/wasm-gemm.js [--quick] [--json]
 *
 * The machine's cores are what is measured: run it alone.
 */
import { coreCount, createWasmBackend } from '../src/backend/wasm/index.js';
import { portableBackend } from '../src/backend/portable/index.js';
import type { Backend, MatmulArgs } from '../src/backend/types.js';

interface Shape {
  m: number;
  k: number;
  n: number;
  label: string;
}

const SHAPES: Shape[] = [
  { m: 256, k: 256, n: 256, label: '256²' },
  { m: 512, k: 512, n: 512, label: '512²' },
  { m: 1024, k: 1024, n: 1024, label: '1024²' },
  { m: 3872, k: 288, n: 64, label: '3872×288×64 (conv2 as GEMM)' },
  { m: 32, k: 576, n: 64, label: '32×576×64 (dense, batch 32)' },
];

interface Row {
  shape: string;
  engine: string;
  gflops: number;
  runs: number;
}

function randomArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** Median GFLOP/s: warm up, then time single calls until `budgetMs` is spent (at least 3, at most 200). */
function measure(backend: Backend, s: Shape, budgetMs: number): { gflops: number; runs: number } {
  const a = randomArray(s.m * s.k),
    b = randomArray(s.k * s.n),
    c = new Float32Array(s.m * s.n);
  const args: MatmulArgs = {
    m: s.m,
    k: s.k,
    n: s.n,
    transA: false,
    transB: false,
    batch: 1,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  const warmUntil = performance.now() + budgetMs / 4;
  do backend.matmul(a, b, c, args);
  while (performance.now() < warmUntil);
  const times: number[] = [];
  const stop = performance.now() + budgetMs;
  while (times.length < 3 || (times.length < 200 && performance.now() < stop)) {
    const t0 = performance.now();
    backend.matmul(a, b, c, args);
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const median = times[times.length >> 1];
  return { gflops: (2 * s.m * s.k * s.n) / (median * 1e6), runs: times.length };
}

async function main(argv: string[]): Promise<Row[]> {
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  const log = (line: string): void => void (json ? process.stderr : process.stdout).write(line + '\n');
  const cores = coreCount();
  const oneThread = createWasmBackend({ threads: 1 });
  const plain = createWasmBackend({ threads: 1, relaxed: false });
  const allThreads = createWasmBackend({ threads: cores });
  await allThreads.whenReady();
  const engines: [string, Backend][] = [
    ['portable', portableBackend],
    [`${plain.build}, 1 thread`, plain],
    [`${oneThread.build}, 1 thread`, oneThread],
    [`${allThreads.build}, ${allThreads.threads} threads`, allThreads],
  ];
  const budget = quick ? 150 : 600;
  const rows: Row[] = [];
  log(`GEMM GFLOP/s (median), ${cores} cores${allThreads.threadProblem ? ` — ${allThreads.threadProblem}` : ''}`);
  log(['shape'.padEnd(30), ...engines.map(([name]) => name.padStart(31))].join(''));
  for (const s of SHAPES) {
    const cells: string[] = [];
    for (const [engine, backend] of engines) {
      const r = measure(backend, s, budget);
      rows.push({ shape: s.label, engine, gflops: Number(r.gflops.toFixed(2)), runs: r.runs });
      cells.push(r.gflops.toFixed(1).padStart(31));
    }
    log([s.label.padEnd(30), ...cells].join(''));
  }
  if (json) console.log(JSON.stringify(rows));
  return rows;
}

await main(process.argv.slice(2));
