/**
 * The portable GEMM against a naive triple loop in float64 (the oracle): every transpose
 * combination at odd sizes around the 4×8 register tile, shapes that cross the packing blocks
 * (k slices, row blocks, column blocks), the thin shapes of the direct path, batches with shared
 * and separate operands, k = 0, and the `matmul` op (forward and gradients) on the portable backend.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, matmul, portableBackend, setBackend, tensor, type MatmulArgs } from '../../src/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomArray(size: number, rnd: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rnd() * 2 - 1;
  return out;
}

function makeArgs(
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  batch = 1,
  aShared = false,
  bShared = false,
): MatmulArgs {
  return { m, k, n, transA, transB, batch, aBatchStride: aShared ? 0 : m * k, bBatchStride: bShared ? 0 : k * n };
}

/**
 * The oracle: C[b][i][j] = Σ_p op(A)[i][p]·op(B)[p][j] in float64, indexing the stored layouts
 * directly. Also returns Σ_p |op(A)[i][p]·op(B)[p][j]|, the scale of each element's rounding error.
 */
function naive(a: Float32Array, b: Float32Array, args: MatmulArgs): { value: Float64Array; scale: Float64Array } {
  const { m, k, n, transA, transB, batch, aBatchStride, bBatchStride } = args;
  const value = new Float64Array(batch * m * n);
  const scale = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0,
          abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a[bi * aBatchStride + (transA ? p * m + i : i * k + p)];
          const y = b[bi * bBatchStride + (transB ? j * k + p : p * n + j)];
          s += x * y;
          abs += Math.abs(x * y);
        }
        value[(bi * m + i) * n + j] = s;
        scale[(bi * m + i) * n + j] = abs;
      }
    }
  }
  return { value, scale };
}

/**
 * Run the portable kernel into an output pre-filled with NaN (so an element it forgets shows up)
 * and compare with the oracle. The kernel sums in double and rounds to float32 once per k slice,
 * so each element must be within a few float32 ulps of the magnitude of its terms.
 */
function check(args: MatmulArgs, seed: number): void {
  const rnd = random(seed);
  const aSize = args.aBatchStride === 0 ? args.m * args.k : args.batch * args.m * args.k;
  const bSize = args.bBatchStride === 0 ? args.k * args.n : args.batch * args.k * args.n;
  const a = randomArray(aSize, rnd);
  const b = randomArray(bSize, rnd);
  const out = new Float32Array(args.batch * args.m * args.n).fill(NaN);
  portableBackend.matmul(a, b, out, args);
  const { value, scale } = naive(a, b, args);
  for (let i = 0; i < out.length; i++) {
    const tol = 4 * 2 ** -24 * scale[i] + 1e-30;
    if (!(Math.abs(out[i] - value[i]) <= tol)) {
      assert.fail(
        `matmul ${JSON.stringify(args)}: element ${i} is ${out[i]}, expected ${value[i]} (tolerance ${tol.toExponential(2)})`,
      );
    }
  }
}

const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const ODD = [1, 3, 5, 7, 17, 33, 65];

test('every transpose combination at odd sizes around the register tile', () => {
  let seed = 1;
  for (const [transA, transB] of TRANSPOSES) {
    for (const m of ODD) for (const k of ODD) for (const n of ODD) check(makeArgs(m, k, n, transA, transB), seed++);
  }
});

test('tile-aligned sizes and sizes one off them', () => {
  let seed = 5000;
  for (const [transA, transB] of TRANSPOSES) {
    for (const [m, k, n] of [
      [4, 8, 8],
      [8, 16, 16],
      [3, 8, 7],
      [5, 9, 9],
      [4, 1, 8],
      [12, 2, 24],
      [2, 40, 2],
      [40, 3, 3],
    ]) {
      check(makeArgs(m, k, n, transA, transB), seed++);
    }
  }
});

test('shapes that cross the packing blocks: several k slices, row blocks and column blocks', () => {
  let seed = 9000;
  for (const [transA, transB] of TRANSPOSES) {
    check(makeArgs(131, 300, 21, transA, transB), seed++); // k > 256: two slices; m > 128: two row blocks
    check(makeArgs(6, 5, 1030, transA, transB), seed++); // n > 1024: two column blocks
    check(makeArgs(9, 1100, 11, transA, transB), seed++); // five k slices summed into C
  }
});

test('vector-like products (the direct path) in every layout', () => {
  let seed = 12000;
  for (const [transA, transB] of TRANSPOSES) {
    for (const [m, k, n] of [
      [1, 300, 70],
      [2, 9, 70],
      [3, 64, 40],
      [70, 300, 1],
      [70, 9, 2],
      [40, 64, 3],
      [1, 1000, 1],
      [2, 5, 3],
    ]) {
      check(makeArgs(m, k, n, transA, transB), seed++);
    }
  }
});

test('batches: separate operands, a shared left, a shared right, both shared', () => {
  let seed = 15000;
  for (const [transA, transB] of TRANSPOSES) {
    for (const [aShared, bShared] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      check(makeArgs(9, 13, 11, transA, transB, 3, aShared, bShared), seed++);
      check(makeArgs(2, 13, 30, transA, transB, 4, aShared, bShared), seed++);
      check(makeArgs(30, 7, 2, transA, transB, 2, aShared, bShared), seed++);
    }
  }
});

test('k = 0 gives zeros, whatever the output held before', () => {
  for (const [transA, transB] of TRANSPOSES) {
    for (const [m, n] of [
      [9, 17],
      [1, 5],
      [5, 1],
    ]) {
      const out = new Float32Array(2 * m * n).fill(NaN);
      portableBackend.matmul(new Float32Array(0), new Float32Array(0), out, makeArgs(m, 0, n, transA, transB, 2));
      assert.ok(
        out.every((x) => Object.is(x, 0)),
        `k = 0, m = ${m}, n = ${n}: got ${Array.from(out.slice(0, 4))}…`,
      );
    }
  }
});

test('a large product followed by small ones: reused scratch carries nothing over', () => {
  check(makeArgs(140, 270, 40, false, false), 20000);
  check(makeArgs(5, 3, 9, true, true), 20001);
  check(makeArgs(1, 3, 9, false, false), 20002);
  check(makeArgs(7, 3, 5, false, true), 20003);
});

/** The same product as the op computes it, from tensors' flat data. */
function opReference(aData: Float32Array, aShape: number[], bData: Float32Array, bShape: number[]): Float64Array {
  const [m, k] = aShape.slice(-2);
  const n = bShape[bShape.length - 1];
  const batch = aShape.length > 2 ? aShape[0] : 1;
  const bShared = bShape.length === 2;
  return naive(aData, bData, makeArgs(m, k, n, false, false, batch, false, bShared)).value;
}

test('the matmul op on the portable backend: 2-d, batched, batched with a shared right operand, and gradients', () => {
  const previous = getBackend();
  setBackend('portable');
  try {
    const rnd = random(30000);
    for (const [aShape, bShape] of [
      [
        [37, 45],
        [45, 19],
      ],
      [
        [3, 17, 9],
        [3, 9, 11],
      ],
      [
        [4, 33, 10],
        [10, 12],
      ],
    ]) {
      const a = tensor(
        randomArray(
          aShape.reduce((x, y) => x * y),
          rnd,
        ),
        { shape: aShape },
      );
      const b = tensor(
        randomArray(
          bShape.reduce((x, y) => x * y),
          rnd,
        ),
        { shape: bShape },
      );
      const c = matmul(a, b);
      const want = opReference(a.dataSync() as Float32Array, aShape, b.dataSync() as Float32Array, bShape);
      assert.deepEqual(c.shape, [...aShape.slice(0, -1), bShape[bShape.length - 1]]);
      for (let i = 0; i < want.length; i++) {
        assert.ok(
          Math.abs(c.dataSync()[i] - want[i]) <= 1e-5,
          `${JSON.stringify(aShape)}@${JSON.stringify(bShape)}[${i}]: ${c.dataSync()[i]} vs ${want[i]}`,
        );
      }
    }
    // Backward runs the transposed kernels (G·Bᵀ and Aᵀ·G); finite differences are the oracle.
    const a = tensor(randomArray(5 * 9, rnd), { shape: [5, 9], requiresGrad: true });
    const b = tensor(randomArray(9 * 10, rnd), { shape: [9, 10], requiresGrad: true });
    gradcheck((x, y) => matmul(x, y), [a, b]);
    const x = tensor(randomArray(2 * 4 * 6, rnd), { shape: [2, 4, 6], requiresGrad: true });
    const y = tensor(randomArray(2 * 6 * 9, rnd), { shape: [2, 6, 9], requiresGrad: true });
    gradcheck((p, q) => matmul(p, q), [x, y]);
  } finally {
    setBackend(previous);
  }
});
