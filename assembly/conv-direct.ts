/**
 * Direct convolution for layers with short patches (few input channels: an image's first layer,
 * K = kH·kW·Cin = 9 for MNIST). There im2col + GEMM spends more on building and packing the
 * patch matrix, on edge tiles and on storing C once per 9-deep product than on multiply-adds;
 * these loops read the taps straight from the image instead; src/backend/wasm/conv-fused.ts
 * chooses them where they measured faster.
 *
 * Same conventions as conv.ts: channels-last images, the geometry as a GeometrySlot block at `g`,
 * byte addresses. The kernel w is [kH, kW, C, cout], read as [K, cout]; out and dOut are
 * [batch, outH, outW, cout].
 */
import { GeometrySlot as G } from './generated/protocol';

// @ts-ignore: decorator
@inline
function geo(g: usize, i: i32): i32 {
  return load<i32>(g + ((<usize>i) << 2));
}

// @ts-ignore: decorator
@inline
function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * The first o ≥ 0 with o·stride + off ≥ 0: the first position whose tap at offset `off` is past the
 * top/left padding.
 */
// @ts-ignore: decorator
@inline
function firstInside(off: i32, stride: i32): i32 {
  return off >= 0 ? 0 : (stride - 1 - off) / stride;
}

/** One past the last o with o·stride + off < size (before the bottom/right padding), capped at outLen. */
// @ts-ignore: decorator
@inline
function endInside(off: i32, stride: i32, size: i32, outLen: i32): i32 {
  const room = size - off;
  return room <= 0 ? 0 : min(outLen, (room + stride - 1) / stride);
}

/**
 * out[n, oh, ow, :] = Σ over taps inside the image of x[n, ih, iw, ci] · w[kh, kw, ci, :]. Runs of
 * six positions whose taps all fall inside the row go through a 6-position × 8-channel register
 * tile (the GEMM micro-kernel's shape: 2 kernel loads and 6 broadcasts per 12 multiply-adds) that
 * walks the taps as one flat loop: tap t = (kh, kw, ci) is kernel row t and sits at a fixed
 * offset from the window's corner, listed once in `taps` (K i32 of scratch). The rows of taps
 * inside the image are a contiguous range of t. Positions near the left/right border, and
 * channels past the last multiple of 8, go one at a time. Images [b0, b1) only; `taps` is
 * the calling thread's own scratch.
 */
export function convDirect(x: usize, g: usize, w: usize, cout: i32, out: usize, taps: usize, b0: i32, b1: i32): void {
  const inH = geo(g, G.inH),
    inW = geo(g, G.inW),
    C = geo(g, G.channels),
    kH = geo(g, G.kH),
    kW = geo(g, G.kW);
  const outH = geo(g, G.outH),
    outW = geo(g, G.outW),
    strideH = geo(g, G.strideH),
    strideW = geo(g, G.strideW);
  const dilH = geo(g, G.dilationH),
    dilW = geo(g, G.dilationW),
    padTop = geo(g, G.padTop),
    padLeft = geo(g, G.padLeft);
  let t = taps;
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      for (let ci = 0; ci < C; ci++, t += 4) store<i32>(t, ((kh * dilH * inW + kw * dilW) * C + ci) << 2);
    }
  }
  const ldo = (<usize>cout) << 2;
  const cout8 = cout & ~7;
  const rowTaps = kW * C;
  // Output columns whose every kw tap is inside the row: [owA, owB).
  const owA = firstInside(-padLeft, strideW),
    owB = max(owA, endInside((kW - 1) * dilW - padLeft, strideW, inW, outW));
  for (let n = b0; n < b1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      const kh0 = firstInside(ih0, dilH),
        kh1 = endInside(ih0, dilH, inH, kH);
      const o = out + <usize>((n * outH + oh) * outW) * ldo;
      // The window's corner (kh = kw = 0, possibly in the padding) in row ih0 of image n.
      const corner = x + ((<usize>((n * inH + ih0) * inW - padLeft) * <usize>C) << 2);
      const t0 = kh0 * rowTaps,
        t1 = kh1 * rowTaps;
      let ow = 0;
      for (; ow < owA; ow++) onePosition(x, g, w, cout, n, oh, ow, 0, o + <usize>ow * ldo);
      while (ow < owB && owB - owA >= 6) {
        // The last run of a row starts 6 before its end, recomputing a few positions the run
        // before it wrote already (with the same values), rather than taking them one by one.
        const at = min(ow, owB - 6);
        const xp = corner + ((<usize>(at * strideW * C)) << 2);
        for (let co = 0; co < cout8; co += 8)
          tile6x8(
            xp,
            (<usize>(strideW * C)) << 2,
            taps,
            t0,
            t1,
            w + ((<usize>co) << 2),
            ldo,
            o + <usize>at * ldo + ((<usize>co) << 2),
          );
        if (cout8 < cout)
          for (let p = 0; p < 6; p++) onePosition(x, g, w, cout, n, oh, at + p, cout8, o + <usize>(at + p) * ldo);
        ow = at + 6;
      }
      for (; ow < outW; ow++) onePosition(x, g, w, cout, n, oh, ow, 0, o + <usize>ow * ldo);
    }
  }
}

/**
 * Eight output channels of six positions: o[p, 0..8) = Σ over taps t in [t0, t1) of
 * x[xp + p·ps + taps[t]] · w[t, 0..8). xp is the first position's window corner, ps the step
 * between positions, w points at the block's first channel and ld is the row length of w and o
 * (both cout floats), in bytes.
 */
function tile6x8(xp: usize, ps: usize, taps: usize, t0: i32, t1: i32, w: usize, ld: usize, o: usize): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0),
    c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0),
    c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0),
    c41 = f32x4.splat(0),
    c50 = f32x4.splat(0),
    c51 = f32x4.splat(0);
  let wp = w + <usize>t0 * ld;
  const end = taps + ((<usize>t1) << 2);
  for (let tp = taps + ((<usize>t0) << 2); tp < end; tp += 4, wp += ld) {
    const a = xp + <usize>load<i32>(tp);
    const b0 = v128.load(wp),
      b1 = v128.load(wp, 16);
    let v = v128.load32_splat(a);
    c00 = fma(v, b0, c00);
    c01 = fma(v, b1, c01);
    v = v128.load32_splat(a + ps);
    c10 = fma(v, b0, c10);
    c11 = fma(v, b1, c11);
    v = v128.load32_splat(a + ps * 2);
    c20 = fma(v, b0, c20);
    c21 = fma(v, b1, c21);
    v = v128.load32_splat(a + ps * 3);
    c30 = fma(v, b0, c30);
    c31 = fma(v, b1, c31);
    v = v128.load32_splat(a + ps * 4);
    c40 = fma(v, b0, c40);
    c41 = fma(v, b1, c41);
    v = v128.load32_splat(a + ps * 5);
    c50 = fma(v, b0, c50);
    c51 = fma(v, b1, c51);
  }
  v128.store(o, c00);
  v128.store(o, c01, 16);
  o += ld;
  v128.store(o, c10);
  v128.store(o, c11, 16);
  o += ld;
  v128.store(o, c20);
  v128.store(o, c21, 16);
  o += ld;
  v128.store(o, c30);
  v128.store(o, c31, 16);
  o += ld;
  v128.store(o, c40);
  v128.store(o, c41, 16);
  o += ld;
  v128.store(o, c50);
  v128.store(o, c51, 16);
}

/** Output channels [co0, cout) of one position, with its taps in the padding skipped. */
function onePosition(x: usize, g: usize, w: usize, cout: i32, n: i32, oh: i32, ow: i32, co0: i32, o: usize): void {
  const inH = geo(g, G.inH),
    inW = geo(g, G.inW),
    C = geo(g, G.channels),
    kH = geo(g, G.kH),
    kW = geo(g, G.kW);
  const strideH = geo(g, G.strideH),
    strideW = geo(g, G.strideW),
    dilH = geo(g, G.dilationH),
    dilW = geo(g, G.dilationW),
    padTop = geo(g, G.padTop),
    padLeft = geo(g, G.padLeft);
  const ldw = (<usize>cout) << 2;
  const xImg = x + ((<usize>(n * inH * inW) * <usize>C) << 2);
  const ih0 = oh * strideH - padTop,
    iw0 = ow * strideW - padLeft;
  const kh0 = firstInside(ih0, dilH),
    kh1 = endInside(ih0, dilH, inH, kH);
  const kw0 = firstInside(iw0, dilW),
    kw1 = endInside(iw0, dilW, inW, kW);
  let co = co0;
  for (; co + 4 <= cout; co += 4) {
    let c0 = f32x4.splat(0);
    for (let kh = kh0; kh < kh1; kh++) {
      const xRow = xImg + ((<usize>((ih0 + kh * dilH) * inW) * <usize>C) << 2);
      for (let kw = kw0; kw < kw1; kw++) {
        let xp = xRow + ((<usize>((iw0 + kw * dilW) * C)) << 2);
        let wp = w + <usize>((kh * kW + kw) * C) * ldw + ((<usize>co) << 2);
        for (let ci = 0; ci < C; ci++, xp += 4, wp += ldw) c0 = fma(v128.load32_splat(xp), v128.load(wp), c0);
      }
    }
    v128.store(o + ((<usize>co) << 2), c0);
  }
  for (; co < cout; co++) {
    let s: f32 = 0;
    for (let kh = kh0; kh < kh1; kh++) {
      const xRow = xImg + ((<usize>((ih0 + kh * dilH) * inW) * <usize>C) << 2);
      for (let kw = kw0; kw < kw1; kw++) {
        let xp = xRow + ((<usize>((iw0 + kw * dilW) * C)) << 2);
        let wp = w + <usize>((kh * kW + kw) * C) * ldw + ((<usize>co) << 2);
        for (let ci = 0; ci < C; ci++, xp += 4, wp += ldw) s += load<f32>(xp) * load<f32>(wp);
      }
    }
    store<f32>(o + ((<usize>co) << 2), s);
  }
}

/**
 * The kernel gradient: dk[kh, kw, ci, :] (overwritten) = Σ over output positions whose tap
 * (kh, kw) is inside the image of x[n, ih, iw, ci] · dOut[n, oh, ow, :]. One image at a time, so
 * its dOut block stays in cache across the taps; each tap walks only the positions where it falls
 * inside the image, with no test per position. Only taps t = kh·kW + kw in [t0, t1): threads
 * split the work by taps, whose rows of dk are disjoint, so each sum keeps its order.
 */
export function convDirectKernelGrad(x: usize, g: usize, dOut: usize, cout: i32, dk: usize, t0: i32, t1: i32): void {
  const batch = geo(g, G.batch),
    inH = geo(g, G.inH),
    inW = geo(g, G.inW),
    C = geo(g, G.channels),
    kH = geo(g, G.kH),
    kW = geo(g, G.kW);
  const outH = geo(g, G.outH),
    outW = geo(g, G.outW),
    strideH = geo(g, G.strideH),
    strideW = geo(g, G.strideW);
  const dilH = geo(g, G.dilationH),
    dilW = geo(g, G.dilationW),
    padTop = geo(g, G.padTop),
    padLeft = geo(g, G.padLeft);
  const ldg = (<usize>cout) << 2;
  memory.fill(dk + <usize>(t0 * C) * ldg, 0, <usize>((t1 - t0) * C) * ldg);
  for (let n = 0; n < batch; n++) {
    const xImg = x + ((<usize>(n * inH * inW) * <usize>C) << 2);
    const gImg = dOut + <usize>(n * outH * outW) * ldg;
    for (let kh = 0; kh < kH; kh++) {
      const offH = kh * dilH - padTop;
      const oh0 = firstInside(offH, strideH),
        oh1 = endInside(offH, strideH, inH, outH);
      for (let kw = 0; kw < kW; kw++) {
        const tap = kh * kW + kw;
        if (tap < t0 || tap >= t1) continue;
        const offW = kw * dilW - padLeft;
        const ow0 = firstInside(offW, strideW),
          ow1 = endInside(offW, strideW, inW, outW);
        if (oh0 >= oh1 || ow0 >= ow1) continue;
        for (let ci = 0; ci < C; ci++) {
          const d = dk + <usize>((kh * kW + kw) * C + ci) * ldg;
          let co = 0;
          for (; co + 32 <= cout; co += 32) {
            let c0 = f32x4.splat(0),
              c1 = f32x4.splat(0),
              c2 = f32x4.splat(0),
              c3 = f32x4.splat(0);
            let c4 = f32x4.splat(0),
              c5 = f32x4.splat(0),
              c6 = f32x4.splat(0),
              c7 = f32x4.splat(0);
            for (let oh = oh0; oh < oh1; oh++) {
              let xp = xImg + ((<usize>(((oh * strideH + offH) * inW + ow0 * strideW + offW) * C + ci)) << 2);
              const xStep = (<usize>(strideW * C)) << 2;
              let gp = gImg + <usize>(oh * outW + ow0) * ldg + ((<usize>co) << 2);
              for (let ow = ow0; ow < ow1; ow++, xp += xStep, gp += ldg) {
                const v = v128.load32_splat(xp);
                c0 = fma(v, v128.load(gp), c0);
                c1 = fma(v, v128.load(gp, 16), c1);
                c2 = fma(v, v128.load(gp, 32), c2);
                c3 = fma(v, v128.load(gp, 48), c3);
                c4 = fma(v, v128.load(gp, 64), c4);
                c5 = fma(v, v128.load(gp, 80), c5);
                c6 = fma(v, v128.load(gp, 96), c6);
                c7 = fma(v, v128.load(gp, 112), c7);
              }
            }
            const dp = d + ((<usize>co) << 2);
            v128.store(dp, f32x4.add(v128.load(dp), c0));
            v128.store(dp, f32x4.add(v128.load(dp, 16), c1), 16);
            v128.store(dp, f32x4.add(v128.load(dp, 32), c2), 32);
            v128.store(dp, f32x4.add(v128.load(dp, 48), c3), 48);
            v128.store(dp, f32x4.add(v128.load(dp, 64), c4), 64);
            v128.store(dp, f32x4.add(v128.load(dp, 80), c5), 80);
            v128.store(dp, f32x4.add(v128.load(dp, 96), c6), 96);
            v128.store(dp, f32x4.add(v128.load(dp, 112), c7), 112);
          }
          for (; co + 4 <= cout; co += 4) {
            let c0 = f32x4.splat(0);
            for (let oh = oh0; oh < oh1; oh++) {
              let xp = xImg + ((<usize>(((oh * strideH + offH) * inW + ow0 * strideW + offW) * C + ci)) << 2);
              const xStep = (<usize>(strideW * C)) << 2;
              let gp = gImg + <usize>(oh * outW + ow0) * ldg + ((<usize>co) << 2);
              for (let ow = ow0; ow < ow1; ow++, xp += xStep, gp += ldg)
                c0 = fma(v128.load32_splat(xp), v128.load(gp), c0);
            }
            const dp = d + ((<usize>co) << 2);
            v128.store(dp, f32x4.add(v128.load(dp), c0));
          }
          for (; co < cout; co++) {
            let s: f32 = 0;
            for (let oh = oh0; oh < oh1; oh++) {
              let xp = xImg + ((<usize>(((oh * strideH + offH) * inW + ow0 * strideW + offW) * C + ci)) << 2);
              const xStep = (<usize>(strideW * C)) << 2;
              let gp = gImg + <usize>(oh * outW + ow0) * ldg + ((<usize>co) << 2);
              for (let ow = ow0; ow < ow1; ow++, xp += xStep, gp += ldg) s += load<f32>(xp) * load<f32>(gp);
            }
            const dp = d + ((<usize>co) << 2);
            store<f32>(dp, load<f32>(dp) + s);
          }
        }
      }
    }
  }
}
