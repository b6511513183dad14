/**
 * GEMM without packing, for vector-like products (one or two rows or columns). The packed path
 * computes whole 4×8 tiles, so with m ≤ 2 or n ≤ 2 most of its work would be zero padding, and
 * packing B would cost as much as the product itself. Sums are accumulated in double, like the
 * packed path, so both paths round alike.
 */
import type { MatrixView } from './view.js';

/** One row of C in double; module-level and grown on demand so calls allocate nothing. */
let rowScratch: Float64Array = new Float64Array(0);

/** C[cOff + i·n + j] = Σ_p A(i, p)·B(p, j); C is overwritten. */
export function gemmDirect(
  A: MatrixView,
  B: MatrixView,
  c: Float32Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  // Walk whichever way B is contiguous: along its rows when they are long, else down its columns.
  if (B.colStride === 1 && n > 2) rowsOfB(A, B, c, cOff, m, k, n);
  else dotProducts(A, B, c, cOff, m, k, n);
}

/**
 * C's row i = Σ_p A(i, p)·(row p of B): the inner loop runs along contiguous rows of B and of a
 * double scratch row. Four rows of B per pass means one scratch load and store per four
 * multiply-adds instead of per one.
 */
function rowsOfB(A: MatrixView, B: MatrixView, c: Float32Array, cOff: number, m: number, k: number, n: number): void {
  if (rowScratch.length < n) rowScratch = new Float64Array(n);
  const acc = rowScratch;
  const a = A.data,
    b = B.data;
  const aStep = A.colStride,
    bStep = B.rowStride;
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    let ai = A.off + i * A.rowStride;
    let r0 = B.off;
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const x0 = a[ai],
        x1 = a[ai + aStep],
        x2 = a[ai + 2 * aStep],
        x3 = a[ai + 3 * aStep];
      const r1 = r0 + bStep,
        r2 = r1 + bStep,
        r3 = r2 + bStep;
      for (let j = 0; j < n; j++) acc[j] += x0 * b[r0 + j] + x1 * b[r1 + j] + x2 * b[r2 + j] + x3 * b[r3 + j];
      ai += 4 * aStep;
      r0 += 4 * bStep;
    }
    for (; p < k; p++, ai += aStep, r0 += bStep) {
      const x = a[ai];
      for (let j = 0; j < n; j++) acc[j] += x * b[r0 + j];
    }
    const cRow = cOff + i * n;
    for (let j = 0; j < n; j++) c[cRow + j] = acc[j];
  }
}

/**
 * Each C element as one dot product, for B stored transposed or n ≤ 2. Four partial sums keep
 * four additions in flight instead of one chain waiting on the previous sum.
 */
function dotProducts(
  A: MatrixView,
  B: MatrixView,
  c: Float32Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  const a = A.data,
    b = B.data;
  const as = A.colStride,
    bs = B.rowStride;
  for (let i = 0; i < m; i++) {
    const aRow = A.off + i * A.rowStride;
    for (let j = 0; j < n; j++) {
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let ai = aRow,
        bi = B.off + j * B.colStride;
      let p = 0;
      for (; p + 3 < k; p += 4, ai += 4 * as, bi += 4 * bs) {
        s0 += a[ai] * b[bi];
        s1 += a[ai + as] * b[bi + bs];
        s2 += a[ai + 2 * as] * b[bi + 2 * bs];
        s3 += a[ai + 3 * as] * b[bi + 3 * bs];
      }
      for (; p < k; p++, ai += as, bi += bs) s0 += a[ai] * b[bi];
      c[cOff + i * n + j] = s0 + s1 + s2 + s3;
    }
  }
}
