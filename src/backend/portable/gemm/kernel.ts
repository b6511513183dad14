/**
 * The GEMM micro-kernel: one MR×NR block of C from an A micro-panel (MR rows interleaved along k)
 * and a B micro-panel (NR columns interleaved along k), both packed as Float64Array.
 *
 * Why it looks like this (all measured on V8 / Node 20, where TurboFan compiles it):
 * - The 32 accumulators are plain `let` locals, not an array: TurboFan keeps locals in registers
 *   (or cheap stack slots) as unboxed doubles, while every typed-array access costs a bounds check.
 *   Each step of k loads MR + NR = 12 values for MR·NR = 32 multiply-adds; a wider block loads
 *   less per flop. 4×8 and 8×4 tie for the fewest machine instructions per flop (≈3.5 against
 *   ≈3.9 for 4×4 and ≈4.5 for 2×4); TurboFan schedules all products of a step before their sums,
 *   so larger blocks spill to the stack, but spills are cheap L1 traffic next to bounds checks.
 * - Panels are Float64Array: a float32 load costs an extra conversion to double per element and
 *   V8 does all float arithmetic in double anyway. Double accumulation also makes long sums more
 *   accurate than float32 would be.
 * - Indices are combined with `| 0` so TurboFan uses plain 32-bit adds without overflow checks.
 * - C is written once per call (`+=`, the caller zeroes C first), so a long k costs no C traffic.
 */

/** Rows of C per micro-kernel call. */
export const MR = 4;
/** Columns of C per micro-kernel call. */
export const NR = 8;

/**
 * C[cOff + r·ldc + j] += Σ_p A(r, p)·B(p, j) for r < MR, j < NR, p < kc, where A(r, p) is
 * ap[aOff + p·MR + r] and B(p, j) is bp[bOff + p·NR + j].
 */
export function microKernel(
  ap: Float64Array,
  aOff: number,
  bp: Float64Array,
  bOff: number,
  kc: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
): void {
  let c00 = 0.0,
    c01 = 0.0,
    c02 = 0.0,
    c03 = 0.0,
    c04 = 0.0,
    c05 = 0.0,
    c06 = 0.0,
    c07 = 0.0;
  let c10 = 0.0,
    c11 = 0.0,
    c12 = 0.0,
    c13 = 0.0,
    c14 = 0.0,
    c15 = 0.0,
    c16 = 0.0,
    c17 = 0.0;
  let c20 = 0.0,
    c21 = 0.0,
    c22 = 0.0,
    c23 = 0.0,
    c24 = 0.0,
    c25 = 0.0,
    c26 = 0.0,
    c27 = 0.0;
  let c30 = 0.0,
    c31 = 0.0,
    c32 = 0.0,
    c33 = 0.0,
    c34 = 0.0,
    c35 = 0.0,
    c36 = 0.0,
    c37 = 0.0;
  let a = aOff | 0;
  let b = bOff | 0;
  const aEnd = (aOff + kc * 4) | 0;
  while (a < aEnd) {
    const b0 = bp[b],
      b1 = bp[(b + 1) | 0],
      b2 = bp[(b + 2) | 0],
      b3 = bp[(b + 3) | 0];
    const b4 = bp[(b + 4) | 0],
      b5 = bp[(b + 5) | 0],
      b6 = bp[(b + 6) | 0],
      b7 = bp[(b + 7) | 0];
    const a0 = ap[a];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c04 += a0 * b4;
    c05 += a0 * b5;
    c06 += a0 * b6;
    c07 += a0 * b7;
    const a1 = ap[(a + 1) | 0];
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c14 += a1 * b4;
    c15 += a1 * b5;
    c16 += a1 * b6;
    c17 += a1 * b7;
    const a2 = ap[(a + 2) | 0];
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c24 += a2 * b4;
    c25 += a2 * b5;
    c26 += a2 * b6;
    c27 += a2 * b7;
    const a3 = ap[(a + 3) | 0];
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    c34 += a3 * b4;
    c35 += a3 * b5;
    c36 += a3 * b6;
    c37 += a3 * b7;
    a = (a + 4) | 0;
    b = (b + 8) | 0;
  }
  c[cOff] += c00;
  c[cOff + 1] += c01;
  c[cOff + 2] += c02;
  c[cOff + 3] += c03;
  c[cOff + 4] += c04;
  c[cOff + 5] += c05;
  c[cOff + 6] += c06;
  c[cOff + 7] += c07;
  const o1 = cOff + ldc;
  c[o1] += c10;
  c[o1 + 1] += c11;
  c[o1 + 2] += c12;
  c[o1 + 3] += c13;
  c[o1 + 4] += c14;
  c[o1 + 5] += c15;
  c[o1 + 6] += c16;
  c[o1 + 7] += c17;
  const o2 = o1 + ldc;
  c[o2] += c20;
  c[o2 + 1] += c21;
  c[o2 + 2] += c22;
  c[o2 + 3] += c23;
  c[o2 + 4] += c24;
  c[o2 + 5] += c25;
  c[o2 + 6] += c26;
  c[o2 + 7] += c27;
  const o3 = o2 + ldc;
  c[o3] += c30;
  c[o3 + 1] += c31;
  c[o3 + 2] += c32;
  c[o3 + 3] += c33;
  c[o3 + 4] += c34;
  c[o3 + 5] += c35;
  c[o3 + 6] += c36;
  c[o3 + 7] += c37;
}
