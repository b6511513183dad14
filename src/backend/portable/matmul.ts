/**
 * float32 GEMM for the portable backend: C[b] = op(A[b]) @ op(B[b]).
 *
 * Two paths (in ./gemm): a packed, cache-blocked one around a 4×8 register-blocked micro-kernel,
 * and direct loops for vector-like products (m ≤ 3 or n ≤ 3) where most of a 4×8 tile would be
 * padding and packing would cost as much as the product itself. Transposes never copy: op(A) and
 * op(B) are strided views, and packing reads them in whatever order they are stored.
 */
import type { MatrixView } from './gemm/view.js';
import { viewOf } from './gemm/view.js';
import { gemmPacked } from './gemm/packed.js';
import { MR, NR } from './gemm/kernel.js';
import { gemmDirect } from './gemm/direct.js';
import type { MatmulArgs } from '../types.js';

export function matmul(a: Float32Array, b: Float32Array, out: Float32Array, args: MatmulArgs): void {
  const { k, n, transA, transB, aBatchStride, bBatchStride } = args;
  let { m, batch } = args;
  // A shared right operand and untransposed, contiguous left operands: the batch is just more rows
  // of one taller product (C[b] rows are contiguous too), so B is packed once instead of per item.
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) {
    m *= batch;
    batch = 1;
  }
  // Thin products (fewer than MR rows or NR/2 columns) would be mostly zero padding in 4×8 tiles.
  // Small products are not sent to the direct loop: measured, packing still wins down to 8×8×8,
  // because the register-blocked kernel outruns any loop that reads C or B once per multiply-add.
  const product = m < MR || n < NR / 2 ? gemmDirect : gemmPacked;
  for (let bi = 0; bi < batch; bi++) {
    const A: MatrixView = viewOf(a, bi * aBatchStride, transA ? m : k, transA);
    const B: MatrixView = viewOf(b, bi * bBatchStride, transB ? k : n, transB);
    product(A, B, out, bi * m * n, m, k, n);
  }
}
