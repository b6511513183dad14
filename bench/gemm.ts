/**
 * GEMM throughput of the portable backend: the current kernel against the one it replaced
 * (kept below, verbatim, as the baseline). Prints GFLOP/s, the median of several timed samples.
 *
 *   node dist/bench/gemm.js [samples]      (default 5 samples per shape and kernel)
 *
 * Shapes: square products, the MNIST CNN's conv-as-GEMM forward and both backward products,
 * and dense layers at batch 32. On a shared machine the numbers move by ±20%; compare columns
 * of one run rather than runs.
 */
import { matmul } from '../src/backend/portable/matmul.js';
import type { MatmulArgs } from '../src/backend/types.js';

type Gemm = (a: Float32Array, b: Float32Array, out: Float32Array, args: MatmulArgs) => void;

interface Shape {
  label: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

const shapes: Shape[] = [
  { label: '256³', m: 256, k: 256, n: 256, transA: false, transB: false },
  { label: '512³', m: 512, k: 512, n: 512, transA: false, transB: false },
  { label: '1024³', m: 1024, k: 1024, n: 1024, transA: false, transB: false },
  { label: 'conv fwd 3872×288×64', m: 3872, k: 288, n: 64, transA: false, transB: false },
  { label: 'conv dW  288×3872×64 (Aᵀ)', m: 288, k: 3872, n: 64, transA: true, transB: false },
  { label: 'conv dX  3872×64×288 (Bᵀ)', m: 3872, k: 64, n: 288, transA: false, transB: true },
  { label: 'dense 32×576×64', m: 32, k: 576, n: 64, transA: false, transB: false },
  { label: 'dense 32×64×10', m: 32, k: 64, n: 10, transA: false, transB: false },
];

const samples = Number(process.argv[2] ?? 5);

function randomArray(size: number, seed: number): Float32Array {
  // A small LCG: deterministic inputs without importing the tensor layer.
  const out = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Median GFLOP/s over `samples` samples; each sample repeats the product for at least 100 ms. */
function measure(gemm: Gemm, a: Float32Array, b: Float32Array, out: Float32Array, args: MatmulArgs): number {
  const flops = 2 * args.m * args.k * args.n;
  // Warm-up long enough for V8 to optimise (and re-optimise after the first edge tile or new
  // shape), so samples time steady-state code rather than compilation.
  const warmStart = performance.now();
  do gemm(a, b, out, args);
  while (performance.now() - warmStart < 150);
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    let reps = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      gemm(a, b, out, args);
      reps++;
      elapsed = performance.now() - start;
    } while (elapsed < 100);
    rates.push((flops * reps) / (elapsed * 1e6));
  }
  rates.sort((x, y) => x - y);
  return rates[Math.floor(rates.length / 2)];
}

function main(): void {
  console.log(`GEMM GFLOP/s, median of ${samples} samples (float32, one thread)`);
  console.log(
    `${'shape'.padEnd(28)} ${'old'.padStart(7)} ${'new'.padStart(7)} ${'speed-up'.padStart(9)}  max |new-old|`,
  );
  for (const s of shapes) {
    const args: MatmulArgs = {
      m: s.m,
      k: s.k,
      n: s.n,
      transA: s.transA,
      transB: s.transB,
      batch: 1,
      aBatchStride: 0,
      bBatchStride: 0,
    };
    const a = randomArray(s.m * s.k, 1);
    const b = randomArray(s.k * s.n, 2);
    const outOld = new Float32Array(s.m * s.n);
    const outNew = new Float32Array(s.m * s.n);
    const oldRate = measure(oldMatmul, a, b, outOld, args);
    const newRate = measure(matmul, a, b, outNew, args);
    let diff = 0;
    for (let i = 0; i < outNew.length; i++) diff = Math.max(diff, Math.abs(outNew[i] - outOld[i]));
    console.log(
      `${s.label.padEnd(28)} ${oldRate.toFixed(2).padStart(7)} ${newRate.toFixed(2).padStart(7)} ${(newRate / oldRate).toFixed(2).padStart(8)}×  ${diff.toExponential(1)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The previous kernel (commit dc15328), the baseline: transposed operands are copied to row-major
// and a 4-row i-k-j loop accumulates straight into float32 C.

const K_BLOCK = 128;
const N_BLOCK = 512;

function oldMatmul(a: Float32Array, b: Float32Array, out: Float32Array, args: MatmulArgs): void {
  const { m, k, n, transA, transB, batch, aBatchStride, bBatchStride } = args;
  const packedA: Float32Array | null = transA ? new Float32Array(m * k) : null;
  const packedB: Float32Array | null = transB ? new Float32Array(k * n) : null;
  let lastB = -1;
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * aBatchStride;
    const bOff = bi * bBatchStride;
    let A = a,
      aBase = aOff;
    if (packedA) {
      transposeInto(a, aOff, k, m, packedA);
      A = packedA;
      aBase = 0;
    }
    let B = b,
      bBase = bOff;
    if (packedB) {
      if (bOff !== lastB) {
        transposeInto(b, bOff, n, k, packedB);
        lastB = bOff;
      }
      B = packedB;
      bBase = 0;
    }
    oldGemmRowMajor(A, aBase, B, bBase, out, bi * m * n, m, k, n);
  }
}

function transposeInto(src: Float32Array, off: number, rows: number, cols: number, dst: Float32Array): void {
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) {
        const sb = off + r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[sb + c];
      }
    }
  }
}

function oldGemmRowMajor(
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  C.fill(0, cOff, cOff + m * n);
  for (let j0 = 0; j0 < n; j0 += N_BLOCK) {
    const j1 = Math.min(n, j0 + N_BLOCK);
    for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
      const p1 = Math.min(k, p0 + K_BLOCK);
      let i = 0;
      for (; i + 3 < m; i += 4) {
        const c0 = cOff + i * n,
          c1 = c0 + n,
          c2 = c1 + n,
          c3 = c2 + n;
        const a0 = aOff + i * k,
          a1 = a0 + k,
          a2 = a1 + k,
          a3 = a2 + k;
        for (let p = p0; p < p1; p++) {
          const x0 = A[a0 + p],
            x1 = A[a1 + p],
            x2 = A[a2 + p],
            x3 = A[a3 + p];
          const bp = bOff + p * n;
          for (let j = j0; j < j1; j++) {
            const y = B[bp + j];
            C[c0 + j] += x0 * y;
            C[c1 + j] += x1 * y;
            C[c2 + j] += x2 * y;
            C[c3 + j] += x3 * y;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = cOff + i * n,
          a0 = aOff + i * k;
        for (let p = p0; p < p1; p++) {
          const x0 = A[a0 + p];
          if (x0 === 0) continue;
          const bp = bOff + p * n;
          for (let j = j0; j < j1; j++) C[c0 + j] += x0 * B[bp + j];
        }
      }
    }
  }
}

main();
