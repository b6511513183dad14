/**
 * The wasm elementwise and reduction kernels against the portable ones. Arithmetic, min/max,
 * relu-like ops and the sums are exact (same IEEE operations in the same order, ±0 and NaN
 * included); exp, sigmoid and tanh are polynomial and must stay within a few float32 ulps, including
 * where the result overflows or becomes subnormal.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  createWasmBackend,
  contiguousStrides,
  portableBackend,
  type BinaryOp,
  type ReduceOp,
  type UnaryOp,
} from '../../src/index.js';
import { BinaryCode, ReduceCode, UnaryCode } from '../../src/backend/wasm/generated/protocol.js';
import { random } from '../helpers/seeded.js';

const rnd = random(9);
const SPECIAL = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40, -1e-40, 88.5, 89, -87.5, -100, -104, 3.5, -2.5, 1e30];

/** n floats (as a view at an offset), mostly in [-scale, scale], with the special values sprinkled in. */
function data(n: number, scale = 4, offset = 1): Float32Array {
  const a = new Float32Array(n + offset);
  for (let i = 0; i < a.length; i++) a[i] = (rnd() * 2 - 1) * scale;
  for (let i = 0; i < SPECIAL.length && i * 7 < n; i++) a[offset + i * 7] = SPECIAL[i];
  return a.subarray(offset);
}

/** Element by element with Object.is: NaN equals NaN (whatever its bit pattern), 0 differs from -0. */
function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(Object.is(got[i], want[i]), `${what}: [${i}] = ${got[i]}, portable ${want[i]}`);
}

const be = createWasmBackend({ threads: 1 });
const sizes = [128, 129, 130, 131, 1000, 4099];

test('every wasm unary kernel (UnaryCode) equals portable exactly; exp, sigmoid and tanh within 4 ulps', () => {
  const approximate: UnaryOp[] = ['exp', 'sigmoid', 'tanh'];
  for (const n of sizes) {
    for (const op of Object.keys(UnaryCode) as UnaryOp[]) {
      const x = data(n, op === 'exp' ? 100 : 20);
      const want = new Float32Array(n);
      const got = new Float32Array(n).fill(7);
      portableBackend.unary(op, x, want);
      be.unary(op, x, got);
      if (!approximate.includes(op)) {
        assertSame(got, want, op);
        continue;
      }
      for (let i = 0; i < n; i++) {
        const w = want[i],
          g = got[i];
        if (Number.isNaN(w) || !Number.isFinite(w)) {
          assert.ok(Object.is(w, g), `${op}(${x[i]}) = ${g}, portable ${w}`);
          continue;
        }
        // 4 ulps relative, or 4 subnormal steps absolute.
        const tol = Math.max(4 * 2 ** -23 * Math.abs(w), 4 * 2 ** -149);
        assert.ok(Math.abs(g - w) <= tol, `${op}(${x[i]}) = ${g}, portable ${w}`);
      }
    }
  }
});

test('every wasm binary kernel (BinaryCode) equals portable exactly for same-shape, scalar and row/column broadcasts', () => {
  const ops = Object.keys(BinaryCode) as BinaryOp[];
  // [outShape, aShape, bShape]; a size-1 axis broadcasts (stride 0).
  const cases: [number[], number[], number[]][] = [
    [[517], [517], [517]],
    [[517], [517], [1]],
    [[517], [1], [517]],
    [[37, 33], [37, 33], [33]],
    [
      [37, 33],
      [37, 1],
      [37, 33],
    ],
    [
      [37, 33],
      [37, 33],
      [37, 1],
    ],
    [[4, 9, 10], [4, 9, 10], [10]],
    [
      [4, 9, 10],
      [4, 9, 1],
      [4, 9, 10],
    ],
  ];
  const broadcastStrides = (shape: number[], out: number[]): number[] => {
    const s = contiguousStrides(shape);
    const lead = out.length - shape.length;
    return out.map((_, d) => (d < lead || shape[d - lead] === 1 ? 0 : s[d - lead]));
  };
  for (const [outShape, aShape, bShape] of cases) {
    const aN = aShape.reduce((p, q) => p * q, 1),
      bN = bShape.reduce((p, q) => p * q, 1);
    const outN = outShape.reduce((p, q) => p * q, 1);
    const a = data(aN, 5, 2),
      b = data(bN, 5, 3);
    // Equal values make the tie rule of maximum/minimum (and -0 vs 0) matter.
    for (let i = 0; i < Math.min(aN, bN); i += 11) b[i] = a[i];
    for (const op of ops) {
      const want = new Float32Array(outN);
      const got = new Float32Array(outN).fill(7);
      const as = broadcastStrides(aShape, outShape),
        bs = broadcastStrides(bShape, outShape);
      portableBackend.binary(op, a, as, b, bs, outShape, want);
      be.binary(op, a, as, b, bs, outShape, got);
      assertSame(got, want, `${op} ${JSON.stringify([outShape, aShape, bShape])}`);
    }
  }
});

test('every wasm reduction (ReduceCode) equals portable exactly, rows and columns, NaN included', () => {
  const ops = Object.keys(ReduceCode) as ReduceOp[];
  const shapes: [number, number, number][] = [
    [1, 1000, 1],
    [33, 131, 1],
    [7, 130, 1],
    [1, 200, 37],
    [3, 50, 8],
    [2, 129, 5],
  ];
  for (const [outer, size, inner] of shapes) {
    const x = data(outer * size * inner, 3, 1);
    if (outer > 2) x[size * inner + 3] = Number.NaN;
    for (const op of ops) {
      const want = new Float32Array(outer * inner);
      const got = new Float32Array(outer * inner).fill(7);
      portableBackend.reduce(op, x, outer, size, inner, want);
      be.reduce(op, x, outer, size, inner, got);
      assertSame(got, want, `${op} ${JSON.stringify([outer, size, inner])}`);
    }
  }
});

test('large unary and binary ops shared between two threads give the one-thread results bit for bit', async () => {
  const two = createWasmBackend({ threads: 2 });
  await two.whenReady();
  const before = two.workerChunks;
  // 17 blocks of 4096 and a ragged end; rows × cols with a ragged block count per row.
  const n = 17 * 4096 + 1237,
    rows = 300,
    cols = 257;
  for (const op of ['exp', 'sigmoid', 'tanh', 'relu', 'sqrt', 'neg'] as UnaryOp[]) {
    const x = data(n, op === 'exp' ? 100 : 20);
    const want = new Float32Array(n),
      got = new Float32Array(n).fill(7);
    be.unary(op, x, want);
    two.unary(op, x, got);
    assertSame(got, want, `${op} over ${n}`);
  }
  const cases: [number[], number[], number[]][] = [
    [[n], [n], [n]],
    [[n], [n], [1]],
    [[rows, cols], [rows, cols], [cols]],
    [
      [rows, cols],
      [rows, 1],
      [rows, cols],
    ],
  ];
  for (const [outShape, aShape, bShape] of cases) {
    const size = (shape: number[]): number => shape.reduce((p, q) => p * q, 1);
    const strides = (shape: number[]): number[] => {
      const c = contiguousStrides(shape);
      return shape.map((d, i) => (d === 1 && outShape[i] !== 1 ? 0 : c[i]));
    };
    const a = data(size(aShape), 5, 2),
      b = data(size(bShape), 5, 3);
    for (const op of ['add', 'mul', 'maximum'] as BinaryOp[]) {
      const want = new Float32Array(size(outShape)),
        got = new Float32Array(size(outShape)).fill(7);
      portableBackend.binary(op, a, strides(aShape), b, strides(bShape), outShape, want);
      two.binary(op, a, strides(aShape), b, strides(bShape), outShape, got);
      assertSame(got, want, `${op} ${JSON.stringify([outShape, aShape, bShape])}`);
    }
  }
  assert.ok(two.workerChunks > before, 'the worker took part');
});

test('row maxima four lanes at a time still return what the loop returns: the first NaN, the first of -0 and +0', async () => {
  const two = createWasmBackend({ threads: 2 });
  await two.whenReady();
  const rows = [
    [-0, 0, -0, 0, -1, -2, -3, -4, -5, -6, -0],
    [0, -0, -1, -2, -3, -4, -5, -6, -7, -0, 0],
    [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, Number.NaN],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 11, 3],
    [-5, -4, -3, -2, -1, -0.5, -0.25, -0.125, -9, -0.0625],
  ];
  for (const row of rows) {
    // Enough copies of the row for the wasm kernel (and two threads) to take it.
    const copies = 4000,
      size = row.length;
    const x = new Float32Array(copies * size);
    for (let c = 0; c < copies; c++) x.set(row, c * size);
    for (const op of ['max', 'min'] as ReduceOp[]) {
      const want = new Float32Array(copies),
        got = new Float32Array(copies).fill(7);
      portableBackend.reduce(op, x, copies, size, 1, want);
      two.reduce(op, x, copies, size, 1, got);
      assertSame(got, want, `${op} of ${JSON.stringify(row)}`);
    }
  }
});

test('cases the wasm kernels decline (int32, argmax, small arrays, other ops) still give the portable result', () => {
  const ints = Int32Array.from({ length: 300 }, (_, i) => i - 150);
  const outI = new Int32Array(300),
    wantI = new Int32Array(300);
  be.unary('neg', ints, outI);
  portableBackend.unary('neg', ints, wantI);
  assert.deepEqual(outI, wantI);
  const x = data(500, 3);
  const at = new Int32Array(5),
    wantAt = new Int32Array(5);
  be.reduce('argmax', x, 5, 100, 1, at);
  portableBackend.reduce('argmax', x, 5, 100, 1, wantAt);
  assert.deepEqual(at, wantAt);
  for (const op of ['log', 'erf', 'sin'] as UnaryOp[]) {
    const got = new Float32Array(500),
      want = new Float32Array(500);
    be.unary(op, x, got);
    portableBackend.unary(op, x, want);
    assert.deepEqual(got, want, op);
  }
  const small = data(5);
  const got = new Float32Array(5),
    want = new Float32Array(5);
  be.unary('exp', small, got);
  portableBackend.unary('exp', small, want);
  assert.deepEqual(got, want);
});
