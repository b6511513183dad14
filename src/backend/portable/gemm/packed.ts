/**
 * Cache-blocked GEMM around the micro-kernel (the Goto/BLIS loop nest):
 *
 *   for each NC-wide column block of B:        B block (KC×NC) is reused for every row block
 *     for each KC-deep slice of k:             pack B into NR-wide column panels
 *       for each MC-tall row block of A:       pack A into MR-tall row panels
 *         for each NR panel, each MR panel:    micro-kernel on one MR×NR tile of C
 *
 * Packing copies each operand once per block into the exact order the micro-kernel reads
 * (unit stride, Float64Array, padded to whole panels). That is what lets one kernel serve all four
 * transpose combinations, and edge tiles are the same kernel call into a small scratch tile whose
 * valid corner is then added to C, instead of a second, slower kernel.
 */
import { MR, NR, microKernel } from './kernel.js';
import type { MatrixView } from './view.js';

/**
 * Depth of one k slice. A micro-panel of A (MR·KC doubles = 8 KB) plus one of B (NR·KC = 16 KB)
 * fit together in the 32 KB L1 data cache, and the C tile is updated once per KC steps.
 */
const KC = 256;
/** Rows per A block: MC·KC doubles = 256 KB, which stays in a 512 KB–1 MB L2 while B panels stream. */
const MC = 128;
/** Columns per B block: KC·NC doubles = 2 MB, meant for L3; it is reused for every row block. */
const NC = 1024;

// Scratch panels live as long as the module and only grow, so repeated calls (a training loop)
// allocate nothing and memory stays flat; the largest size is bounded by MC·KC and KC·NC.
let packedA: Float64Array = new Float64Array(0);
let packedB: Float64Array = new Float64Array(0);
/** Target for edge tiles: the kernel always computes a full MR×NR block. */
const edgeTile = new Float32Array(MR * NR);

function grow(buffer: Float64Array, size: number): Float64Array {
  return buffer.length >= size ? buffer : new Float64Array(size);
}

/**
 * The largest block size ≤ max that splits total into equal parts, rounded up to `multiple`:
 * k = 288 becomes two slices of 144 instead of 256 + 32 (a thin slice costs a full C update).
 */
function balancedBlock(total: number, max: number, multiple: number): number {
  const parts = Math.ceil(total / max);
  const size = Math.ceil(total / parts);
  return Math.min(max, Math.ceil(size / multiple) * multiple);
}

/** C[cOff + i·n + j] = Σ_p A(i, p)·B(p, j) for the m×k view A and the k×n view B; C is overwritten. */
export function gemmPacked(
  A: MatrixView,
  B: MatrixView,
  c: Float32Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  // The micro-kernel accumulates (+=) so that k slices add up; start from zero.
  c.fill(0, cOff, cOff + m * n);
  if (k === 0) return;
  const kcMax = balancedBlock(k, KC, 1);
  const mcMax = balancedBlock(m, MC, MR);
  const ncMax = balancedBlock(n, NC, NR);
  packedA = grow(packedA, mcMax * kcMax);
  packedB = grow(packedB, ncMax * kcMax);
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = Math.min(ncMax, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = Math.min(kcMax, k - pc);
      packB(B, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += mcMax) {
        const mc = Math.min(mcMax, m - ic);
        packA(A, ic, mc, pc, kc, packedA);
        macroKernel(packedA, packedB, mc, nc, kc, c, cOff + ic * n + jc, n);
      }
    }
  }
}

/** Every MR×NR tile of one packed mc×kc A block times one packed kc×nc B block. */
function macroKernel(
  ap: Float64Array,
  bp: Float64Array,
  mc: number,
  nc: number,
  kc: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
): void {
  // B's micro-panel is the inner loop's constant operand: it stays in L1 while A panels pass.
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = Math.min(MR, mc - ir);
      const tile = cOff + ir * ldc + jr;
      if (rows === MR && cols === NR) {
        microKernel(ap, ir * kc, bp, jr * kc, kc, c, tile, ldc);
      } else {
        edgeTile.fill(0);
        microKernel(ap, ir * kc, bp, jr * kc, kc, edgeTile, 0, NR);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < cols; j++) c[tile + r * ldc + j] += edgeTile[r * NR + j];
        }
      }
    }
  }
}

/**
 * Rows [i0, i0+mc) × columns [p0, p0+kc) of A into MR-row panels: panel q holds
 * dst[q·MR·kc + p·MR + r] = A(i0 + q·MR + r, p0 + p). Rows past the end are zeros: their results
 * are discarded anyway, but stale scratch could hold NaN or denormals, which are slow on x86.
 * The unrolled bodies are written out for MR = 4.
 */
function packA(A: MatrixView, i0: number, mc: number, p0: number, kc: number, dst: Float64Array): void {
  const { data, rowStride: rs, colStride: cs } = A;
  const whole = mc - (mc % MR);
  const rs2 = 2 * rs,
    rs3 = 3 * rs;
  const start = A.off + i0 * rs + p0 * cs;
  if (rs === 1) {
    // A stored transposed: a column of op(A) is contiguous, so read it in one sweep per k step
    // and scatter each group of MR into its panel (measured ≈1.5× faster than panel by panel,
    // which reads with a stride of a whole row and keeps fetching new cache lines).
    const panelSize = MR * kc;
    for (let p = 0; p < kc; p++) {
      let s = start + p * cs;
      for (let d = p * MR; d < whole * kc; d += panelSize, s += MR) {
        dst[d] = data[s];
        dst[d + 1] = data[s + 1];
        dst[d + 2] = data[s + 2];
        dst[d + 3] = data[s + 3];
      }
    }
  } else {
    // Rows of op(A) are contiguous (or A is a general view): fill one panel at a time, walking
    // its MR rows in step along k so the writes are sequential.
    for (let ir = 0; ir < whole; ir += MR) {
      let s = start + ir * rs;
      for (let d = ir * kc; d < (ir + MR) * kc; d += MR, s += cs) {
        dst[d] = data[s];
        dst[d + 1] = data[s + rs];
        dst[d + 2] = data[s + rs2];
        dst[d + 3] = data[s + rs3];
      }
    }
  }
  if (whole < mc) {
    const rows = mc - whole;
    let s = start + whole * rs;
    for (let d = whole * kc; d < (whole + MR) * kc; d += MR, s += cs) {
      let r = 0;
      for (; r < rows; r++) dst[d + r] = data[s + r * rs];
      for (; r < MR; r++) dst[d + r] = 0;
    }
  }
}

/**
 * Rows [p0, p0+kc) × columns [j0, j0+nc) of B into NR-column panels: panel q holds
 * dst[q·NR·kc + p·NR + j] = B(p0 + p, j0 + q·NR + j); columns past the end are zeros, as in packA.
 */
function packB(B: MatrixView, p0: number, kc: number, j0: number, nc: number, dst: Float64Array): void {
  const { data, rowStride: rs, colStride: cs } = B;
  for (let jr = 0; jr < nc; jr += NR) {
    let d = jr * kc;
    let s = B.off + p0 * rs + (j0 + jr) * cs;
    if (jr + NR <= nc) {
      // A whole panel, one k step's NR values per pass (written out for NR = 8). B panels are
      // packed once per KC×NC block and reused by every row block, so one loop order serves.
      const cs2 = 2 * cs,
        cs3 = 3 * cs,
        cs4 = 4 * cs,
        cs5 = 5 * cs,
        cs6 = 6 * cs,
        cs7 = 7 * cs;
      for (let p = 0; p < kc; p++, d += NR, s += rs) {
        dst[d] = data[s];
        dst[d + 1] = data[s + cs];
        dst[d + 2] = data[s + cs2];
        dst[d + 3] = data[s + cs3];
        dst[d + 4] = data[s + cs4];
        dst[d + 5] = data[s + cs5];
        dst[d + 6] = data[s + cs6];
        dst[d + 7] = data[s + cs7];
      }
    } else {
      const cols = nc - jr;
      for (let p = 0; p < kc; p++, d += NR, s += rs) {
        let j = 0;
        for (; j < cols; j++) dst[d + j] = data[s + j * cs];
        for (; j < NR; j++) dst[d + j] = 0;
      }
    }
  }
}
