/**
 * Packing a convolution's patch matrix into the GEMM's A panels straight from the image, so that
 * the matrix itself is never built (gemm.ts: GemmAMode.conv for the forward product, convT for
 * the kernel gradient). Each function writes exactly what gemm.ts's packAPlain / packATrans
 * would write from the matrix im2col builds (assembly/conv.ts): same values, same places, so the
 * products are the same bit for bit. tileRows is the register tile's row count (gemm.ts MR).
 *
 * Geometry: a GeometrySlot block at `g`; pointers are byte addresses.
 */
import { geo } from './conv';
import { GeometrySlot as G } from './generated/protocol';

/**
 * packAPlain of the patch matrix of image x (geometry g) without the matrix: row R of A is output
 * position (n, oh, ow), column P is tap (kh, kw, ci) = ((kh·kW + kw)·C + ci), 0 where the tap
 * falls in the padding (im2col's layout and rule). A row's columns come from x in runs: a whole
 * kernel row (kW·C floats, contiguous in x) when it lies inside the image, else tap by tap.
 */
export function packAConv(x: usize, g: usize, pc: i32, kc: i32, ic: i32, mc: i32, dst: usize, tileRows: i32): void {
  const inH = geo(g, G.inH),
    inW = geo(g, G.inW),
    C = geo(g, G.channels),
    kW = geo(g, G.kW);
  const outH = geo(g, G.outH),
    outW = geo(g, G.outW),
    strideH = geo(g, G.strideH),
    strideW = geo(g, G.strideW);
  const dilH = geo(g, G.dilationH),
    dilW = geo(g, G.dilationW),
    padTop = geo(g, G.padTop),
    padLeft = geo(g, G.padLeft);
  const rowLen = kW * C,
    end = pc + kc;
  const step = (<usize>tileRows) << 2;
  for (let ir = 0; ir < mc; ir += tileRows) {
    const mr = min(tileRows, mc - ir);
    const d = dst + ((<usize>(ir * kc)) << 2);
    if (mr < tileRows) memory.fill(d, 0, (<usize>(kc * tileRows)) << 2);
    for (let r = 0; r < mr; r++) {
      const row = ic + ir + r;
      const ow = row % outW,
        nh = row / outW;
      const oh = nh % outH,
        n = nh / outH;
      const ih0 = oh * strideH - padTop,
        iw0 = ow * strideW - padLeft;
      const rowInside = dilW == 1 && iw0 >= 0 && iw0 + kW - 1 < inW;
      const o = d + ((<usize>r) << 2);
      for (let p = pc; p < end; ) {
        const kh = p / rowLen,
          inRow = p - kh * rowLen;
        const ih = ih0 + kh * dilH;
        const at = o + <usize>(p - pc) * step;
        if (ih < 0 || ih >= inH) {
          const run = min(rowLen - inRow, end - p);
          zeroStrided(at, step, run);
          p += run;
          continue;
        }
        const xRow = x + ((<usize>((n * inH + ih) * inW) * <usize>C) << 2);
        if (rowInside) {
          const run = min(rowLen - inRow, end - p);
          copyStrided(xRow + ((<usize>(iw0 * C + inRow)) << 2), at, step, run);
          p += run;
          continue;
        }
        const kw = inRow / C,
          ci = inRow - kw * C;
        const iw = iw0 + kw * dilW;
        const run = min(C - ci, end - p);
        if (iw < 0 || iw >= inW) zeroStrided(at, step, run);
        else copyStrided(xRow + ((<usize>(iw * C + ci)) << 2), at, step, run);
        p += run;
      }
    }
  }
}

/**
 * packATrans of the transposed patch matrix of image x (geometry g) without the matrix: row i of
 * A is tap (kh, kw, ci) = ((kh·kW + kw)·C + ci), column p output position (n, oh, ow), 0 where the
 * tap falls in the padding. A tile's tileRows rows are one run of consecutive channels of one tap, or
 * two runs of two taps (needs C ≥ tileRows, which the caller checks): each p copies them from x.
 */
export function packAConvT(x: usize, g: usize, pc: i32, kc: i32, ic: i32, mc: i32, dst: usize, tileRows: i32): void {
  const inH = geo(g, G.inH),
    inW = geo(g, G.inW),
    C = geo(g, G.channels),
    kW = geo(g, G.kW);
  const outH = geo(g, G.outH),
    outW = geo(g, G.outW),
    strideH = geo(g, G.strideH),
    strideW = geo(g, G.strideW);
  const dilH = geo(g, G.dilationH),
    dilW = geo(g, G.dilationW),
    padTop = geo(g, G.padTop),
    padLeft = geo(g, G.padLeft);
  const image = (<usize>(inH * inW * C)) << 2;
  const kH = geo(g, G.kH);
  const allInside =
    padTop == 0 &&
    padLeft == 0 &&
    (outH - 1) * strideH + (kH - 1) * dilH < inH &&
    (outW - 1) * strideW + (kW - 1) * dilW < inW;
  for (let ir = 0; ir < mc; ir += tileRows) {
    const mr = min(tileRows, mc - ir);
    const d = dst + ((<usize>(ir * kc)) << 2);
    if (mr < tileRows) memory.fill(d, 0, (<usize>(kc * tileRows)) << 2);
    // The tile's rows as at most two runs: lenA channels of tap tapA from ciA, then tap tapA + 1.
    const i0 = ic + ir;
    const tapA = i0 / C,
      ciA = i0 - tapA * C;
    const lenA = min(mr, C - ciA),
      lenB = mr - lenA;
    const khA = tapA / kW,
      kwA = tapA - khA * kW;
    const khB = (tapA + 1) / kW,
      kwB = tapA + 1 - khB * kW;
    const dhA = khA * dilH,
      dwA = kwA * dilW,
      dhB = khB * dilH,
      dwB = kwB * dilW;
    // Position pc, then one step at a time.
    let ow = pc % outW;
    const nh = pc / outW;
    let oh = nh % outH;
    let img = x + <usize>(nh / outH) * image;
    let o = d;
    if (allInside) {
      // No tap in the padding: each run's source moves by one stride per position, and is
      // recomputed only where a row of positions ends.
      const stepW = (<usize>(strideW * C)) << 2;
      let sA = img + ((<usize>(((oh * strideH + dhA) * inW + ow * strideW + dwA) * C + ciA)) << 2);
      let sB = img + ((<usize>(((oh * strideH + dhB) * inW + ow * strideW + dwB) * C)) << 2);
      for (let p = 0; p < kc; p++, o += (<usize>tileRows) << 2) {
        copyRun(sA, o, lenA);
        if (lenB > 0) copyRun(sB, o + ((<usize>lenA) << 2), lenB);
        sA += stepW;
        sB += stepW;
        if (++ow == outW) {
          ow = 0;
          if (++oh == outH) {
            oh = 0;
            img += image;
          }
          sA = img + ((<usize>(((oh * strideH + dhA) * inW + dwA) * C + ciA)) << 2);
          sB = img + ((<usize>(((oh * strideH + dhB) * inW + dwB) * C)) << 2);
        }
      }
      continue;
    }
    for (let p = 0; p < kc; p++, o += (<usize>tileRows) << 2) {
      const ih0 = oh * strideH - padTop,
        iw0 = ow * strideW - padLeft;
      let ih = ih0 + dhA,
        iw = iw0 + dwA;
      if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) zeroRun(o, lenA);
      else copyRun(img + ((<usize>((ih * inW + iw) * C + ciA)) << 2), o, lenA);
      if (lenB > 0) {
        ih = ih0 + dhB;
        iw = iw0 + dwB;
        const ob = o + ((<usize>lenA) << 2);
        if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) zeroRun(ob, lenB);
        else copyRun(img + ((<usize>((ih * inW + iw) * C)) << 2), ob, lenB);
      }
      if (++ow == outW) {
        ow = 0;
        if (++oh == outH) {
          oh = 0;
          img += image;
        }
      }
    }
  }
}

/** dst[0..n) = src[0..n) for n ≤ tileRows floats: four at once where there are four. */
// @ts-ignore: decorator
@inline
function copyRun(src: usize, dst: usize, n: i32): void {
  let i = 0;
  if (n >= 4) {
    v128.store(dst, v128.load(src));
    i = 4;
  }
  for (; i < n; i++) store<f32>(dst + ((<usize>i) << 2), load<f32>(src + ((<usize>i) << 2)));
}

// @ts-ignore: decorator
@inline
function zeroRun(dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + ((<usize>i) << 2), 0);
}

/**
 * dst[i·step] = src[i] for i < n (floats; step in bytes): one row of a packed A panel. Four at a
 * time: one vector load, four scalar stores tileRows floats apart.
 */
// @ts-ignore: decorator
@inline
export function copyStrided(src: usize, dst: usize, step: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4, src += 16, dst += step << 2) {
    const v = v128.load(src);
    store<f32>(dst, f32x4.extract_lane(v, 0));
    store<f32>(dst + step, f32x4.extract_lane(v, 1));
    store<f32>(dst + step * 2, f32x4.extract_lane(v, 2));
    store<f32>(dst + step * 3, f32x4.extract_lane(v, 3));
  }
  for (; i < n; i++, src += 4, dst += step) store<f32>(dst, load<f32>(src));
}

// @ts-ignore: decorator
@inline
function zeroStrided(dst: usize, step: usize, n: i32): void {
  for (let i = 0; i < n; i++, dst += step) store<f32>(dst, 0);
}
