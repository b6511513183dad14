/** matmul: finite-difference gradients for every rank combination, and forward closed forms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import { tensor, uniform, manualSeed } from '../../src/index.js';
import { gradcheck, assertClose } from '../helpers/gradcheck.js';

const u = (shape: number[]) => uniform(shape, -1.5, 1.5);

const CASES: [string, number[], number[], number[]][] = [
  ['1-d · 1-d', [4], [4], []],
  ['1-d · 2-d', [4], [4, 3], [3]],
  ['2-d · 1-d', [3, 4], [4], [3]],
  ['2-d · 2-d', [3, 4], [4, 2], [3, 2]],
  ['batched 3-d · 3-d', [2, 3, 4], [2, 4, 2], [2, 3, 2]],
  ['broadcast batch [2,1,m,k]·[1,3,k,n]', [2, 1, 3, 2], [1, 3, 2, 4], [2, 3, 3, 4]],
  ['[b,m,k]·[k,n] (folded into one GEMM)', [2, 3, 4], [4, 5], [2, 3, 5]],
  ['[k]·[b,k,n]', [4], [2, 4, 3], [2, 3]],
  ['[b,m,k]·[k]', [2, 3, 4], [4], [2, 3]],
  ['shared batch [1,m,k]·[b,k,n]', [1, 3, 4], [2, 4, 2], [2, 3, 2]],
  ['rank mismatch [m,k]·[b,k,n]', [3, 4], [2, 4, 2], [2, 3, 2]],
  ['[3,m,k]·[2,3,k,n]', [3, 2, 4], [2, 3, 4, 2], [2, 3, 2, 2]],
];

for (const [name, sa, sb, expected] of CASES) {
  test(`matmul ${name}: shape and gradients for both operands`, () => {
    manualSeed(40 + sa.length * 7 + sb.length);
    const a = u(sa),
      b = u(sb);
    assert.deepEqual(T.matmul(a, b).shape, expected);
    gradcheck((x, y) => T.matmul(x, y), [a, b]);
  });
}

/** Reference product by the definition, for [..., m, k] @ [..., k, n] of equal batch. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, p) => s + v * b[p][j], 0)));
}

test('matmul forward agrees with the definition, batched and broadcast', () => {
  manualSeed(50);
  const a = u([2, 1, 3, 5]),
    b = u([1, 3, 5, 2]);
  const out = T.matmul(a, b).toArray() as number[][][][];
  const A = a.toArray() as number[][][][],
    B = b.toArray() as number[][][][];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      assertClose(out[i][j].flat(), naive(A[i][0], B[0][j]).flat(), 1e-5, 1e-5, `batch [${i},${j}]`);
    }
  }
  assert.deepEqual(
    T.matmul(
      tensor([1, 2]),
      tensor([
        [1, 2],
        [3, 4],
      ]),
    ).toArray(),
    [7, 10],
  );
  assert.deepEqual(
    T.matmul(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([1, 1]),
    ).toArray(),
    [3, 7],
  );
  assert.equal(T.matmul(tensor([1, 2, 3]), tensor([4, 5, 6])).item(), 32);
});

test('matmul of larger blocks (past the kernel tile sizes) matches the definition', () => {
  manualSeed(51);
  // m = 7 (4-row tile + remainder), k = 130 (past the 128 k-block), n = 9.
  const a = u([7, 130]),
    b = u([130, 9]);
  const ref = naive(a.toArray() as number[][], b.toArray() as number[][]).flat();
  assertClose(T.matmul(a, b).dataSync(), ref, 1e-4, 1e-4, 'product');
  // Transposed operands go through the kernel's packing path (x.T @ y uses the transposed gradient kernels too).
  const [ga] = T.grad((x) => T.matmul(x, b).sum())(a);
  const rowSums = (b.toArray() as number[][]).map((r) => r.reduce((s, v) => s + v, 0));
  for (let i = 0; i < 7; i++)
    assertClose(Array.from(ga.dataSync().subarray(i * 130, (i + 1) * 130)), rowSums, 1e-4, 1e-4, `grad row ${i}`);
});
