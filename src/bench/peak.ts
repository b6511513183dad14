/**
 * The ceiling the GEMM figures are read against: one core's WebAssembly SIMD multiply-add rate
 * with no memory traffic (assembly/peak.ts), timed on the calling thread with the build the
 * backend uses, and that rate times the thread count. WebAssembly has only 128-bit vectors, so
 * on a CPU with 256- or 512-bit FMA units native BLAS has 2–4× more to work with.
 */
import { compileKernels, instantiate } from '../backend/wasm/load.js';
import { backendInfo } from '../index.js';
import { round } from './timing.js';
import type { BenchCase, Row } from './types.js';

export const PEAK_CASE = 'wasm fma peak (no memory)';

const ITERS = 2_000_000;

export function peakRows(): Row[] {
  let kernels: ReturnType<typeof instantiate>;
  try {
    const compiled = compileKernels(false);
    kernels = instantiate(compiled.module, new WebAssembly.Memory({ initial: 1 }));
  } catch (err) {
    return [
      {
        case: PEAK_CASE,
        engine: 'tessera',
        note: `not available: ${err instanceof Error ? err.message : String(err)}`,
      },
    ];
  }
  kernels.fmaPeak(ITERS / 10);
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    kernels.fmaPeak(ITERS);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[3];
  const perThread = (96 * ITERS) / (ms * 1e6);
  const { threads, name } = backendInfo();
  return [
    {
      case: PEAK_CASE,
      engine: 'tessera',
      backend: name,
      gflops: round(perThread * threads),
      ms: round(ms),
      note: `${round(perThread)} GFLOP/s on one thread × ${threads}: the most any WebAssembly SIMD GEMM can reach here`,
    },
  ];
}

export function peakCase(): BenchCase {
  return { name: PEAK_CASE, run: async () => peakRows() };
}

/**
 * Sets `wasmPeakPercent` on every other row with a GFLOP/s figure: its speed as a share of this
 * run's own wasm fma peak row, the ceiling a target for tessera is a share of (above 100 only a
 * native engine with wider vectors can go). Nothing where the run has no peak row.
 */
export function addPeakShares(rows: Row[]): Row[] {
  const peak = rows.find((r) => r.case === PEAK_CASE && typeof r.gflops === 'number')?.gflops as number | undefined;
  if (!peak || peak <= 0) return rows;
  for (const row of rows) {
    if (row.case !== PEAK_CASE && typeof row.gflops === 'number' && row.gflops > 0)
      row.wasmPeakPercent = Math.round((100 * row.gflops) / peak);
  }
  return rows;
}
