/**
 * float32 GEMM in WebAssembly SIMD: C = op(A)·op(B), Goto/BLIS style.
 *
 *   for each NC-wide column panel of B, for each KC-deep slice of k:
 *     pack B[KC × NC] into 8-column slivers (p-major: 8 floats per p)
 *     for each MC-row block of A: pack A[MC × KC] into MR-row slivers (MR floats per p)
 *       for each (MR × 8) tile: the register-blocked micro-kernel
 *
 * Packing reads A and B in whatever orientation they are stored (transA/transB), so all four
 * transpose combinations run the same micro-kernel and backward passes need no copies.
 *
 * The tile is 6×8 with relaxed-SIMD fused multiply-add (12 accumulators + 2 B vectors + 1 A
 * broadcast = 15 of 16 registers) and 5×8 without it, where the separate mul and add need a
 * temporary and 6×8 would spill. Three things make V8 spill accumulators inside the k-loop and
 * cost 25–45 % (measured; see issue 4 and the disassembly from `node --print-wasm-code`):
 *  - a run-time flag tested at each store, or a final `C += acc`: so the kernel reads C (or
 *    starts from zero) once, before the loop, and stores once after it;
 *  - the kernel must stay a function of its own: inlined into gemmOne (Binaryen inlines a function
 *    with one call site, which a separate set/add kernel pair each had), V8's register allocator
 *    sees gemmOne's many live values and spills accumulators in the loop. One kernel per tile size,
 *    called for full and for edge tiles, keeps two call sites;
 *  - the k-loop is not unrolled: TurboFan hoists all loads of an unrolled body to its top, runs
 *    out of the 15 vector registers V8 allocates and spills (2× unrolled: −40 %).
 *
 * All pointers are byte addresses in linear memory; sizes and strides are in elements. The JS
 * side owns the memory layout: it copies operands in, gives each thread its own packing
 * buffers, and copies C out.
 */

import { copyStrided, packAConv, packAConvT } from './conv-pack';
import { GemmAMode } from './generated/protocol';
import { gemvPlain, gemvTrans } from './gemv';

const NR: i32 = 8;
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
/**
 * Depth of one packed slice: a B sliver (KC × 8 floats = 12 KiB) stays in L1. Deep enough that
 * the seed CNN's conv products (k = 32·9 = 288) run in one slice: a second one reads C back and
 * writes it again (KC = 256 was 7–10 % slower there, at the same speed elsewhere).
 */
const KC: i32 = 384;
/** Rows of one packed A block (a multiple of 5 and 6): MC × KC floats = 180 KiB, in L2. */
const MC: i32 = 120;
/** Columns of one packed B panel: KC × NC floats = 3 MiB, in L3. */
const NC: i32 = 2048;
/** Bytes of the scratch tile that edge tiles are computed into. */
const TILE_BYTES: i32 = 8 * NR * 4;

/** Bytes one thread needs for its packed A block plus the edge tile. */
export function packABytes(): i32 {
  return MC * KC * 4 + TILE_BYTES;
}

/** Bytes one thread needs for its packed B panel. */
export function packBBytes(): i32 {
  return KC * NC * 4;
}

/** Rows of the register tile, so the JS side can split work on tile boundaries. */
export function tileRows(): i32 {
  return MR;
}

// @ts-ignore: decorator
@inline
function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * C[b][row0:row1, col0:col1] = op(A[b]) · op(B[b]) for b in [batch0, batch1). A is [m, k]
 * ([k, m] when transA = 1), B is [k, n] ([n, k] when transB), C is [m, n]; A and B advance by
 * their batch strides (0 = shared), C by m·n. packA/packB are this thread's scratch buffers.
 *
 * transA is a GemmAMode. conv or convT: A is the patch matrix of image a, or its transpose, with
 * the geometry at byte address aStride, never built (conv-pack.ts): a convolution's forward
 * product patches · kernel, or its kernel gradient patchesᵀ · dOut (one product, batch ignored).
 * Same floats in the same places as packing im2col's matrix, so the same C bit for bit; what is
 * saved is writing the matrix and reading it back (4.4 MB for the seed CNN's second layer).
 */
export function gemm(
  a: usize,
  b: usize,
  c: usize,
  m: i32,
  k: i32,
  n: i32,
  transA: i32,
  transB: bool,
  batch0: i32,
  batch1: i32,
  aStride: i32,
  bStride: i32,
  row0: i32,
  row1: i32,
  col0: i32,
  col1: i32,
  packA: usize,
  packB: usize,
): void {
  if (transA == GemmAMode.conv || transA == GemmAMode.convT) {
    gemmOne(a, b, c, m, k, n, transA, <usize>aStride, transB, row0, row1, col0, col1, packA, packB);
    return;
  }
  for (let bi = batch0; bi < batch1; bi++) {
    const ab = a + ((<usize>bi * <usize>aStride) << 2);
    const bb = b + ((<usize>bi * <usize>bStride) << 2);
    const cb = c + ((<usize>bi * <usize>m * <usize>n) << 2);
    if (k == 0) {
      for (let i = row0; i < row1; i++)
        memory.fill(cb + ((<usize>(i * n + col0)) << 2), 0, (<usize>(col1 - col0)) << 2);
      continue;
    }
    // One row: a matrix-vector product, reading B once where it lies (gemv.ts).
    if (m == 1) {
      if (row0 >= row1) continue;
      if (transB) gemvTrans(ab, bb, cb, k, col0, col1);
      else gemvPlain(ab, bb, cb, k, n, col0, col1);
      continue;
    }
    gemmOne(
      ab,
      bb,
      cb,
      m,
      k,
      n,
      transA == GemmAMode.transposed ? GemmAMode.transposed : GemmAMode.plain,
      0,
      transB,
      row0,
      row1,
      col0,
      col1,
      packA,
      packB,
    );
  }
}

/**
 * How gemmOne finds A (aMode, a GemmAMode): stored [m, k], stored [k, m], the patch matrix of an
 * image (packAConv) or its transpose (packAConvT).
 */
function gemmOne(
  a: usize,
  b: usize,
  c: usize,
  m: i32,
  k: i32,
  n: i32,
  aMode: i32,
  g: usize,
  transB: bool,
  row0: i32,
  row1: i32,
  col0: i32,
  col1: i32,
  packA: usize,
  packB: usize,
): void {
  const tile = packA + <usize>(MC * KC * 4);
  for (let jc = col0; jc < col1; jc += NC) {
    const nc = min(NC, col1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0;
      if (transB) packBTrans(b, k, pc, kc, jc, nc, packB);
      else packBPlain(b, n, pc, kc, jc, nc, packB);
      for (let ic = row0; ic < row1; ic += MC) {
        const mc = min(MC, row1 - ic);
        if (aMode == GemmAMode.transposed) packATrans(a, m, pc, kc, ic, mc, packA);
        else if (aMode == GemmAMode.conv) packAConv(a, g, pc, kc, ic, mc, packA, MR);
        else if (aMode == GemmAMode.convT) packAConvT(a, g, pc, kc, ic, mc, packA, MR);
        else packAPlain(a, k, pc, kc, ic, mc, packA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packB + ((<usize>(jr * kc)) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = packA + ((<usize>(ir * kc)) << 2);
            const cp = c + ((<usize>((ic + ir) * n + jc + jr)) << 2);
            if (mr == MR && nr == NR) kernel(pa, pb, kc, cp, n, !first);
            else {
              // Later slices add to C: bring the valid corner in, so the kernel adds to it too.
              if (!first) edgeCopy(cp, n, tile, NR, mr, nr);
              kernel(pa, pb, kc, tile, NR, !first);
              edgeCopy(tile, NR, cp, n, mr, nr);
            }
          }
        }
      }
    }
  }
}

/** Copy the mr × nr corner of one tile to another (edge tiles go through the scratch tile). */
function edgeCopy(src: usize, lds: i32, dst: usize, ldd: i32, mr: i32, nr: i32): void {
  for (let r = 0; r < mr; r++)
    memory.copy(dst + ((<usize>(r * ldd)) << 2), src + ((<usize>(r * lds)) << 2), (<usize>nr) << 2);
}

// ---- packing -----------------------------------------------------------------------------------

/** B stored [k, n]: sliver s holds, for each p, the 8 floats B[pc+p, jc+8s .. jc+8s+8), zero-padded. */
function packBPlain(b: usize, n: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    let d = dst + ((<usize>(jr * kc)) << 2);
    let s = b + ((<usize>(pc * n + jc + jr)) << 2);
    const ld = (<usize>n) << 2;
    if (nr == NR) {
      for (let p = 0; p < kc; p++, s += ld, d += 32) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else {
      for (let p = 0; p < kc; p++, s += ld, d += 32) {
        v128.store(d, f32x4.splat(0));
        v128.store(d, f32x4.splat(0), 16);
        for (let j = 0; j < nr; j++) store<f32>(d + ((<usize>j) << 2), load<f32>(s + ((<usize>j) << 2)));
      }
    }
  }
}

/** B stored [n, k] (used transposed): element (p, j) is b[j·k + p]. */
function packBTrans(b: usize, k: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const d = dst + ((<usize>(jr * kc)) << 2);
    if (nr < NR) memory.fill(d, 0, (<usize>(kc * NR)) << 2);
    for (let j = 0; j < nr; j++) {
      let s = b + ((<usize>((jc + jr + j) * k + pc)) << 2);
      let o = d + ((<usize>j) << 2);
      for (let p = 0; p < kc; p++, s += 4, o += 32) store<f32>(o, load<f32>(s));
    }
  }
}

/** A stored [m, k]: sliver of rows ir.. holds, for each p, the MR floats A[ic+ir+r, pc+p], zero-padded. */
function packAPlain(a: usize, k: i32, pc: i32, kc: i32, ic: i32, mc: i32, dst: usize): void {
  const step = (<usize>MR) << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const d = dst + ((<usize>(ir * kc)) << 2);
    if (mr < MR) memory.fill(d, 0, (<usize>(kc * MR)) << 2);
    for (let r = 0; r < mr; r++)
      copyStrided(a + ((<usize>((ic + ir + r) * k + pc)) << 2), d + ((<usize>r) << 2), step, kc);
  }
}

/** A stored [k, m] (used transposed): element (i, p) is a[p·m + i], so each p is a contiguous run. */
function packATrans(a: usize, m: i32, pc: i32, kc: i32, ic: i32, mc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    let d = dst + ((<usize>(ir * kc)) << 2);
    let s = a + ((<usize>(pc * m + ic + ir)) << 2);
    const ld = (<usize>m) << 2;
    if (mr == MR) {
      for (let p = 0; p < kc; p++, s += ld, d += (<usize>MR) << 2) {
        v128.store(d, v128.load(s));
        for (let r = 4; r < MR; r++) store<f32>(d + ((<usize>r) << 2), load<f32>(s + ((<usize>r) << 2)));
      }
    } else {
      for (let p = 0; p < kc; p++, s += ld, d += (<usize>MR) << 2) {
        for (let r = 0; r < MR; r++) store<f32>(d + ((<usize>r) << 2), r < mr ? load<f32>(s + ((<usize>r) << 2)) : 0);
      }
    }
  }
}

// ---- micro-kernels -----------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function kernel(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, load: bool): void {
  if (MR == 6) kernel6x8(pa, pb, kc, c, ldc, load);
  else kernel5x8(pa, pb, kc, c, ldc, load);
}

/** C[6×8] = Apanel · Bsliver, plus C's old values when `load` (read once, before the k-loop). */
function kernel6x8(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, load: bool): void {
  const ld = (<usize>ldc) << 2;
  const z = f32x4.splat(0);
  let c00 = load ? v128.load(c) : z,
    c01 = load ? v128.load(c, 16) : z;
  let c10 = load ? v128.load(c + ld) : z,
    c11 = load ? v128.load(c + ld, 16) : z;
  let c20 = load ? v128.load(c + ld * 2) : z,
    c21 = load ? v128.load(c + ld * 2, 16) : z;
  let c30 = load ? v128.load(c + ld * 3) : z,
    c31 = load ? v128.load(c + ld * 3, 16) : z;
  let c40 = load ? v128.load(c + ld * 4) : z,
    c41 = load ? v128.load(c + ld * 4, 16) : z;
  let c50 = load ? v128.load(c + ld * 5) : z,
    c51 = load ? v128.load(c + ld * 5, 16) : z;
  for (let p = 0; p < kc; p++, pa += 24, pb += 32) {
    const b0 = v128.load(pb),
      b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = fma(x, b0, c00);
    c01 = fma(x, b1, c01);
    x = v128.load32_splat(pa, 4);
    c10 = fma(x, b0, c10);
    c11 = fma(x, b1, c11);
    x = v128.load32_splat(pa, 8);
    c20 = fma(x, b0, c20);
    c21 = fma(x, b1, c21);
    x = v128.load32_splat(pa, 12);
    c30 = fma(x, b0, c30);
    c31 = fma(x, b1, c31);
    x = v128.load32_splat(pa, 16);
    c40 = fma(x, b0, c40);
    c41 = fma(x, b1, c41);
    x = v128.load32_splat(pa, 20);
    c50 = fma(x, b0, c50);
    c51 = fma(x, b1, c51);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ld;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ld;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ld;
  v128.store(c, c30);
  v128.store(c, c31, 16);
  c += ld;
  v128.store(c, c40);
  v128.store(c, c41, 16);
  c += ld;
  v128.store(c, c50);
  v128.store(c, c51, 16);
}

/** C[5×8] = Apanel · Bsliver, plus C's old values when `load` (read once, before the k-loop). */
function kernel5x8(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, load: bool): void {
  const ld = (<usize>ldc) << 2;
  const z = f32x4.splat(0);
  let c00 = load ? v128.load(c) : z,
    c01 = load ? v128.load(c, 16) : z;
  let c10 = load ? v128.load(c + ld) : z,
    c11 = load ? v128.load(c + ld, 16) : z;
  let c20 = load ? v128.load(c + ld * 2) : z,
    c21 = load ? v128.load(c + ld * 2, 16) : z;
  let c30 = load ? v128.load(c + ld * 3) : z,
    c31 = load ? v128.load(c + ld * 3, 16) : z;
  let c40 = load ? v128.load(c + ld * 4) : z,
    c41 = load ? v128.load(c + ld * 4, 16) : z;
  for (let p = 0; p < kc; p++, pa += 20, pb += 32) {
    const b0 = v128.load(pb),
      b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = fma(x, b0, c00);
    c01 = fma(x, b1, c01);
    x = v128.load32_splat(pa, 4);
    c10 = fma(x, b0, c10);
    c11 = fma(x, b1, c11);
    x = v128.load32_splat(pa, 8);
    c20 = fma(x, b0, c20);
    c21 = fma(x, b1, c21);
    x = v128.load32_splat(pa, 12);
    c30 = fma(x, b0, c30);
    c31 = fma(x, b1, c31);
    x = v128.load32_splat(pa, 16);
    c40 = fma(x, b0, c40);
    c41 = fma(x, b1, c41);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ld;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ld;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ld;
  v128.store(c, c30);
  v128.store(c, c31, 16);
  c += ld;
  v128.store(c, c40);
  v128.store(c, c41, 16);
}
