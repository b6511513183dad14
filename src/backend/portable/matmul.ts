/**
 * float32 GEMM for the portable backend: C[b] = op(A[b]) @ op(B[b]).
 * Transposed operands are first packed into row-major [m,k] / [k,n] (O(mk) work beside O(mkn)),
 * so one cache-blocked kernel serves all four transpose combinations.
 */
import type { MatmulArgs } from '../types.js';

const K_BLOCK = 128;
const N_BLOCK = 512;

export function matmul(a: Float32Array, b: Float32Array, out: Float32Array, args: MatmulArgs): void {
  const { m, k, n, transA, transB, batch, aBatchStride, bBatchStride } = args;
  let packedA: Float32Array | null = transA ? new Float32Array(m * k) : null;
  let packedB: Float32Array | null = transB ? new Float32Array(k * n) : null;
  let lastB = -1;
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * aBatchStride;
    const bOff = bi * bBatchStride;
    let A = a, aBase = aOff;
    if (packedA) { transposeInto(a, aOff, k, m, packedA); A = packedA; aBase = 0; }
    let B = b, bBase = bOff;
    if (packedB) {
      // A shared B (stride 0) is packed once for the whole batch.
      if (bOff !== lastB) { transposeInto(b, bOff, n, k, packedB); lastB = bOff; }
      B = packedB; bBase = 0;
    }
    gemmRowMajor(A, aBase, B, bBase, out, bi * m * n, m, k, n);
  }
  packedA = null;
  packedB = null;
}

/** dst[c, r] = src[off + r*cols + c] for a rows×cols source. */
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

/** C = A @ B with A [m,k], B [k,n], C [m,n], all row-major; C is overwritten. */
function gemmRowMajor(
  A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number,
  m: number, k: number, n: number,
): void {
  C.fill(0, cOff, cOff + m * n);
  for (let j0 = 0; j0 < n; j0 += N_BLOCK) {
    const j1 = Math.min(n, j0 + N_BLOCK);
    for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
      const p1 = Math.min(k, p0 + K_BLOCK);
      let i = 0;
      // Four rows of C at a time: each loaded row of B feeds four rows of updates.
      for (; i + 3 < m; i += 4) {
        const c0 = cOff + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        const a0 = aOff + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        for (let p = p0; p < p1; p++) {
          const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
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
        const c0 = cOff + i * n, a0 = aOff + i * k;
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
