/**
 * Winograd F(2×2, 3×3) for 3×3 convolutions at stride 1 (src/backend/wasm/conv-fused.ts decides
 * when): each 2×2 block of outputs ("tile") comes from a 4×4 block of inputs with 16 products per
 * channel pair instead of 36, as 16 independent GEMMs [tiles × Cin]·[Cin × Cout] between the
 * transforms below (Lavin & Gray, 2015). The seed CNN's second conv: 2.25× fewer multiply-adds,
 * 1.0–1.2 ms for the 16 GEMMs against 1.8–1.9 ms for the one im2col GEMM.
 *
 *   V = Bᵀ d B (inputs),  U = G g Gᵀ (kernel),  M = V ⊙ U summed over channels (the GEMMs),
 *   Y = Aᵀ M A (outputs),
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1].
 *
 * Layouts (float32, channels innermost, four at a time: C and Cout are multiples of 4):
 * V [16][tiles][C], U [16][C][Cout], M [16][tiles][Cout], with tile t = (n·tilesH + th)·tilesW + tw
 * and tilesH = ⌈outH/2⌉, tilesW = ⌈outW/2⌉. The geometry is a GeometrySlot block at g.
 */
import { GeometrySlot as G } from './generated/protocol';

// @ts-ignore: decorator
@inline
function geo(g: usize, i: i32): i32 {
  return load<i32>(g + ((<usize>i) << 2));
}

/** Four channels of x[n, r, c, ch..ch+4], zero outside the image. */
// @ts-ignore: decorator
@inline
function tap(x: usize, n: i32, r: i32, c: i32, ch: i32, inH: i32, inW: i32, C: i32): v128 {
  if (r < 0 || r >= inH || c < 0 || c >= inW) return f32x4.splat(0);
  return v128.load(x + ((<usize>(((n * inH + r) * inW + c) * C + ch)) << 2));
}

/** One row of d·B: [d0 − d2, d1 + d2, d2 − d1, d1 − d3], written at e = 4·row + s of V. */
// @ts-ignore: decorator
@inline
function rowTimesB(d0: v128, d1: v128, d2: v128, d3: v128, u: usize, row: i32): void {
  v128.store(u + ((<usize>(row * 4)) << 4), f32x4.sub(d0, d2));
  v128.store(u + ((<usize>(row * 4 + 1)) << 4), f32x4.add(d1, d2));
  v128.store(u + ((<usize>(row * 4 + 2)) << 4), f32x4.sub(d2, d1));
  v128.store(u + ((<usize>(row * 4 + 3)) << 4), f32x4.sub(d1, d3));
}

/** V for the tiles of images [b0, b1); `scratch` is 16 v128 of this thread's own. */
export function winogradInput(x: usize, g: usize, v: usize, scratch: usize, b0: i32, b1: i32): void {
  const batch = geo(g, G.batch),
    inH = geo(g, G.inH),
    inW = geo(g, G.inW),
    C = geo(g, G.channels),
    outH = geo(g, G.outH),
    outW = geo(g, G.outW);
  const padTop = geo(g, G.padTop),
    padLeft = geo(g, G.padLeft);
  const tH = (outH + 1) >> 1,
    tW = (outW + 1) >> 1,
    T = batch * tH * tW;
  const eStride = (<usize>T * <usize>C) << 2;
  for (let n = b0; n < b1; n++) {
    for (let th = 0; th < tH; th++) {
      const r0 = th * 2 - padTop;
      for (let tw = 0; tw < tW; tw++) {
        const c0 = tw * 2 - padLeft;
        const t = (n * tH + th) * tW + tw;
        for (let ch = 0; ch < C; ch += 4) {
          // Rows times B into the scratch, then Bᵀ times the columns into V.
          for (let r = 0; r < 4; r++) {
            rowTimesB(
              tap(x, n, r0 + r, c0, ch, inH, inW, C),
              tap(x, n, r0 + r, c0 + 1, ch, inH, inW, C),
              tap(x, n, r0 + r, c0 + 2, ch, inH, inW, C),
              tap(x, n, r0 + r, c0 + 3, ch, inH, inW, C),
              scratch,
              r,
            );
          }
          const dst = v + ((<usize>(t * C + ch)) << 2);
          for (let s = 0; s < 4; s++) {
            const u0 = v128.load(scratch + ((<usize>s) << 4)),
              u1 = v128.load(scratch + ((<usize>(4 + s)) << 4));
            const u2 = v128.load(scratch + ((<usize>(8 + s)) << 4)),
              u3 = v128.load(scratch + ((<usize>(12 + s)) << 4));
            v128.store(dst + <usize>s * eStride, f32x4.sub(u0, u2));
            v128.store(dst + <usize>(4 + s) * eStride, f32x4.add(u1, u2));
            v128.store(dst + <usize>(8 + s) * eStride, f32x4.sub(u2, u1));
            v128.store(dst + <usize>(12 + s) * eStride, f32x4.sub(u1, u3));
          }
        }
      }
    }
  }
}

/** U from the kernel w [3, 3, C, K]. */
export function winogradKernel(w: usize, C: i32, K: i32, u: usize): void {
  const half = f32x4.splat(0.5);
  const eStride = (<usize>C * <usize>K) << 2;
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < K; k += 4) {
      // r[i][b] = (G g)[i][b] for the kernel's column b.
      const gp = w + ((<usize>(c * K + k)) << 2);
      const row = (<usize>(3 * C * K)) << 2,
        col = (<usize>(C * K)) << 2;
      const dst = u + ((<usize>(c * K + k)) << 2);
      for (let b = 0; b < 3; b++) {
        const g0 = v128.load(gp + <usize>b * col),
          g1 = v128.load(gp + row + <usize>b * col),
          g2 = v128.load(gp + row * 2 + <usize>b * col);
        // Column b of G·g, kept in U's slots e = 4i + b for now (b < 3), finished below.
        v128.store(dst + <usize>b * eStride, g0);
        v128.store(dst + <usize>(4 + b) * eStride, f32x4.mul(f32x4.add(f32x4.add(g0, g1), g2), half));
        v128.store(dst + <usize>(8 + b) * eStride, f32x4.mul(f32x4.add(f32x4.sub(g0, g1), g2), half));
        v128.store(dst + <usize>(12 + b) * eStride, g2);
      }
      for (let i = 0; i < 4; i++) {
        const r0 = v128.load(dst + <usize>(4 * i) * eStride),
          r1 = v128.load(dst + <usize>(4 * i + 1) * eStride),
          r2 = v128.load(dst + <usize>(4 * i + 2) * eStride);
        v128.store(dst + <usize>(4 * i + 1) * eStride, f32x4.mul(f32x4.add(f32x4.add(r0, r1), r2), half));
        v128.store(dst + <usize>(4 * i + 2) * eStride, f32x4.mul(f32x4.add(f32x4.sub(r0, r1), r2), half));
        v128.store(dst + <usize>(4 * i + 3) * eStride, r2);
      }
    }
  }
}

/** Y for the tiles of images [b0, b1) into out [batch, outH, outW, K] (positions past the edge dropped). */
export function winogradOutput(m: usize, g: usize, K: i32, out: usize, b0: i32, b1: i32): void {
  const batch = geo(g, G.batch),
    outH = geo(g, G.outH),
    outW = geo(g, G.outW);
  const tH = (outH + 1) >> 1,
    tW = (outW + 1) >> 1,
    T = batch * tH * tW;
  const eStride = (<usize>T * <usize>K) << 2;
  for (let n = b0; n < b1; n++) {
    for (let th = 0; th < tH; th++) {
      for (let tw = 0; tw < tW; tw++) {
        const t = (n * tH + th) * tW + tw;
        const src = m + ((<usize>(t * K)) << 2);
        const oh = th * 2,
          ow = tw * 2;
        const down = oh + 1 < outH,
          right = ow + 1 < outW;
        const o = out + ((<usize>(((n * outH + oh) * outW + ow) * K)) << 2);
        const rowStep = (<usize>(outW * K)) << 2,
          colStep = (<usize>K) << 2;
        for (let k = 0; k < K; k += 4) {
          const at = (<usize>k) << 2;
          // a[i][s] = (Aᵀ M)[i][s]; then y[i][j] = (a Aᵀᵀ)[i][j].
          let a00 = f32x4.splat(0),
            a01 = a00,
            a02 = a00,
            a03 = a00,
            a10 = a00,
            a11 = a00,
            a12 = a00,
            a13 = a00;
          for (let s = 0; s < 4; s++) {
            const m0 = v128.load(src + <usize>s * eStride + at),
              m1 = v128.load(src + <usize>(4 + s) * eStride + at);
            const m2 = v128.load(src + <usize>(8 + s) * eStride + at),
              m3 = v128.load(src + <usize>(12 + s) * eStride + at);
            const top = f32x4.add(f32x4.add(m0, m1), m2),
              bottom = f32x4.sub(f32x4.sub(m1, m2), m3);
            if (s == 0) {
              a00 = top;
              a10 = bottom;
            } else if (s == 1) {
              a01 = top;
              a11 = bottom;
            } else if (s == 2) {
              a02 = top;
              a12 = bottom;
            } else {
              a03 = top;
              a13 = bottom;
            }
          }
          v128.store(o + at, f32x4.add(f32x4.add(a00, a01), a02));
          if (right) v128.store(o + colStep + at, f32x4.sub(f32x4.sub(a01, a02), a03));
          if (down) {
            v128.store(o + rowStep + at, f32x4.add(f32x4.add(a10, a11), a12));
            if (right) v128.store(o + rowStep + colStep + at, f32x4.sub(f32x4.sub(a11, a12), a13));
          }
        }
      }
    }
  }
}
