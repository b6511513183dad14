/**
 * Sliding-window kernels over channels-last images [batch, inH, inW, channels]: im2col / col2im
 * (convolution as GEMM) and pooling. They follow the portable backend's loops exactly (same tap
 * order, same padding rules; see src/backend/types.ts, Window2dArgs), but move whole channel runs
 * with bulk copies and 4-lane SIMD instead of one float at a time.
 *
 * The geometry arrives as a GeometrySlot block at `g` (Window2dArgs, 14 i32). Pointers are byte
 * addresses, and x always starts at `x`, so a flat index into x is (address − x) / 4.
 */
import { GeometrySlot as G } from './generated/protocol';

// @ts-ignore: decorator
@inline
export function geo(g: usize, i: i32): i32 {
  return load<i32>(g + ((<usize>i) << 2));
}

/**
 * dst[0..n) = src[0..n) floats. A SIMD loop even for long runs: on the seed CNN's channel runs
 * (32–64 floats) memory.copy was 11 % slower for im2col on shared memory (0.264 vs 0.235 ms).
 */
// @ts-ignore: decorator
@inline
function copyRun(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + ((<usize>i) << 2), v128.load(src + ((<usize>i) << 2)));
  for (; i < n; i++) store<f32>(dst + ((<usize>i) << 2), load<f32>(src + ((<usize>i) << 2)));
}

/** dst[0..n) += src[0..n). */
// @ts-ignore: decorator
@inline
function addRun(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * cols[(n, oh, ow), (kh, kw, c)] = x[n, ih, iw, c], 0 in the padding, for images n in [b0, b1)
 * (the kernels taking b0, b1 are split over threads by image; see engine.ts).
 */
export function im2col(x: usize, g: usize, cols: usize, b0: i32, b1: i32): void {
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
  const rowLen = kW * C;
  let o = cols + ((<usize>(b0 * outH * outW * kH) * <usize>rowLen) << 2);
  for (let n = b0; n < b1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        const rowInside = iw0 >= 0 && iw0 + (kW - 1) * dilW < inW;
        for (let kh = 0; kh < kH; kh++) {
          const ih = ih0 + kh * dilH;
          if (ih < 0 || ih >= inH) {
            memory.fill(o, 0, (<usize>rowLen) << 2);
            o += (<usize>rowLen) << 2;
            continue;
          }
          const xRow = x + ((<usize>((n * inH + ih) * inW) * <usize>C) << 2);
          if (rowInside && dilW == 1) {
            copyRun(xRow + ((<usize>(iw0 * C)) << 2), o, rowLen);
            o += (<usize>rowLen) << 2;
            continue;
          }
          for (let kw = 0; kw < kW; kw++, o += (<usize>C) << 2) {
            const iw = iw0 + kw * dilW;
            if (iw < 0 || iw >= inW) memory.fill(o, 0, (<usize>C) << 2);
            else copyRun(xRow + ((<usize>(iw * C)) << 2), o, C);
          }
        }
      }
    }
  }
}

/** The adjoint of im2col for images [b0, b1): their dx = 0, then every patch row is added back where it came from. */
export function col2im(cols: usize, g: usize, dx: usize, b0: i32, b1: i32): void {
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
  const rowLen = kW * C;
  const image = (<usize>(inH * inW) * <usize>C) << 2;
  memory.fill(dx + <usize>b0 * image, 0, <usize>(b1 - b0) * image);
  let o = cols + ((<usize>(b0 * outH * outW * kH) * <usize>rowLen) << 2);
  for (let n = b0; n < b1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        const rowInside = iw0 >= 0 && iw0 + (kW - 1) * dilW < inW;
        for (let kh = 0; kh < kH; kh++) {
          const ih = ih0 + kh * dilH;
          if (ih < 0 || ih >= inH) {
            o += (<usize>rowLen) << 2;
            continue;
          }
          const xRow = dx + ((<usize>((n * inH + ih) * inW) * <usize>C) << 2);
          if (rowInside && dilW == 1) {
            addRun(o, xRow + ((<usize>(iw0 * C)) << 2), rowLen);
            o += (<usize>rowLen) << 2;
            continue;
          }
          for (let kw = 0; kw < kW; kw++, o += (<usize>C) << 2) {
            const iw = iw0 + kw * dilW;
            if (iw >= 0 && iw < inW) addRun(o, xRow + ((<usize>(iw * C)) << 2), C);
          }
        }
      }
    }
  }
}

/**
 * Max over each window's taps inside the image, per channel; NaN wins (it propagates) and ties
 * keep the first tap in row-major order. With `argmax` ≠ 0, the flat index into x of each maximum
 * is written there as i32.
 */
export function maxPool2d(x: usize, g: usize, out: usize, argmax: usize, b0: i32, b1: i32): void {
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
  // Taps outside, channels inside: each tap is one contiguous run of C floats, folded into the
  // running maximum kept in `out` (and its index in `argmax`). The bounds of a tap are tested
  // once per output position, not once per group of four channels.
  const skip = (<usize>(b0 * outH * outW) * <usize>C) << 2;
  let o = out + skip;
  let am = argmax == 0 ? 0 : argmax + skip;
  for (let n = b0; n < b1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let first = true;
        for (let kh = 0; kh < kH; kh++) {
          const r = oh * strideH - padTop + kh * dilH;
          if (r < 0 || r >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const c = ow * strideW - padLeft + kw * dilW;
            if (c < 0 || c >= inW) continue;
            const base = ((n * inH + r) * inW + c) * C;
            if (first) startMax(x + ((<usize>base) << 2), o, am, base, C);
            else if (argmax == 0) foldMax(x + ((<usize>base) << 2), o, C);
            else foldMaxAt(x + ((<usize>base) << 2), o, am, base, C);
            first = false;
          }
        }
        o += (<usize>C) << 2;
        // am stays 0 when no indices are wanted: startMax tells the two cases apart by it.
        if (am != 0) am += (<usize>C) << 2;
      }
    }
  }
}

/** The first tap of a window: the running maximum is its values, at its indices. */
function startMax(xp: usize, o: usize, am: usize, base: i32, C: i32): void {
  copyRun(xp, o, C);
  if (am == 0) return;
  const lanes = i32x4(0, 1, 2, 3);
  let ch = 0;
  for (; ch + 4 <= C; ch += 4) v128.store(am + ((<usize>ch) << 2), i32x4.add(i32x4.splat(base + ch), lanes));
  for (; ch < C; ch++) store<i32>(am + ((<usize>ch) << 2), base + ch);
}

/** Where v replaces the running maximum: v is larger, or v is NaN and the maximum is not. */
// @ts-ignore: decorator
@inline
function wins(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
}

// @ts-ignore: decorator
@inline
function winsScalar(v: f32, best: f32): bool {
  return v > best || (v != v && best == best);
}

/** Fold one more tap into the running maximum (no indices wanted). */
function foldMax(xp: usize, o: usize, C: i32): void {
  let ch = 0;
  for (; ch + 4 <= C; ch += 4) {
    const at = (<usize>ch) << 2;
    const v = v128.load(xp + at),
      best = v128.load(o + at);
    v128.store(o + at, v128.bitselect(v, best, wins(v, best)));
  }
  for (; ch < C; ch++) {
    const at = (<usize>ch) << 2;
    const v = load<f32>(xp + at);
    if (winsScalar(v, load<f32>(o + at))) store<f32>(o + at, v);
  }
}

/** Fold one more tap into the running maximum and its indices. */
function foldMaxAt(xp: usize, o: usize, am: usize, base: i32, C: i32): void {
  const lanes = i32x4(0, 1, 2, 3);
  let ch = 0;
  for (; ch + 4 <= C; ch += 4) {
    const at = (<usize>ch) << 2;
    const v = v128.load(xp + at),
      best = v128.load(o + at);
    const w = wins(v, best);
    v128.store(o + at, v128.bitselect(v, best, w));
    v128.store(am + at, v128.bitselect(i32x4.add(i32x4.splat(base + ch), lanes), v128.load(am + at), w));
  }
  for (; ch < C; ch++) {
    const at = (<usize>ch) << 2;
    const v = load<f32>(xp + at);
    if (winsScalar(v, load<f32>(o + at))) {
      store<f32>(o + at, v);
      store<i32>(am + at, base + ch);
    }
  }
}

/** The number of window taps inside the image for output (oh, ow). */
// @ts-ignore: decorator
@inline
function tapCount(g: usize, oh: i32, ow: i32): i32 {
  const inH = geo(g, G.inH),
    inW = geo(g, G.inW),
    kH = geo(g, G.kH),
    kW = geo(g, G.kW);
  let rows = 0,
    cols = 0;
  for (let kh = 0; kh < kH; kh++) {
    const r = oh * geo(g, G.strideH) - geo(g, G.padTop) + kh * geo(g, G.dilationH);
    if (r >= 0 && r < inH) rows++;
  }
  for (let kw = 0; kw < kW; kw++) {
    const c = ow * geo(g, G.strideW) - geo(g, G.padLeft) + kw * geo(g, G.dilationW);
    if (c >= 0 && c < inW) cols++;
  }
  return rows * cols;
}

/** Mean over each window's taps inside the image (TensorFlow's rule), per channel. */
export function avgPool2d(x: usize, g: usize, out: usize): void {
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
  let o = out;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        memory.fill(o, 0, (<usize>C) << 2);
        for (let kh = 0; kh < kH; kh++) {
          const r = oh * strideH - padTop + kh * dilH;
          if (r < 0 || r >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const c = ow * strideW - padLeft + kw * dilW;
            if (c < 0 || c >= inW) continue;
            addRun(x + ((<usize>(((n * inH + r) * inW + c) * C)) << 2), o, C);
          }
        }
        const scale = <f32>1 / <f32>tapCount(g, oh, ow);
        const s4 = f32x4.splat(scale);
        let ch = 0;
        for (; ch + 4 <= C; ch += 4)
          v128.store(o + ((<usize>ch) << 2), f32x4.mul(v128.load(o + ((<usize>ch) << 2)), s4));
        for (; ch < C; ch++) store<f32>(o + ((<usize>ch) << 2), load<f32>(o + ((<usize>ch) << 2)) * scale);
        o += (<usize>C) << 2;
      }
    }
  }
}

/** The adjoint of avgPool2d: each dOut spread evenly over its window's taps inside the image. */
export function avgPool2dBackward(dOut: usize, g: usize, dx: usize): void {
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
  memory.fill(dx, 0, (<usize>(batch * inH * inW) * <usize>C) << 2);
  let o = dOut;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const scale = <f32>1 / <f32>tapCount(g, oh, ow);
        const s4 = f32x4.splat(scale);
        for (let kh = 0; kh < kH; kh++) {
          const r = oh * strideH - padTop + kh * dilH;
          if (r < 0 || r >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const c = ow * strideW - padLeft + kw * dilW;
            if (c < 0 || c >= inW) continue;
            const d = dx + ((<usize>(((n * inH + r) * inW + c) * C)) << 2);
            let ch = 0;
            for (; ch + 4 <= C; ch += 4) {
              const q = (<usize>ch) << 2;
              v128.store(d + q, f32x4.add(v128.load(d + q), f32x4.mul(v128.load(o + q), s4)));
            }
            for (; ch < C; ch++) {
              const q = (<usize>ch) << 2;
              store<f32>(d + q, load<f32>(d + q) + load<f32>(o + q) * scale);
            }
          }
        }
        o += (<usize>C) << 2;
      }
    }
  }
}

/**
 * The adjoint of maxPool2d for images [b0, b1): zero their dx, then add each dOut[i] at
 * argmax[i] (added: overlapping windows may share a winning tap).
 */
export function maxPool2dBackward(dOut: usize, argmax: usize, g: usize, dx: usize, b0: i32, b1: i32): void {
  const inH = geo(g, G.inH),
    inW = geo(g, G.inW),
    C = geo(g, G.channels),
    outH = geo(g, G.outH),
    outW = geo(g, G.outW);
  // Each image's maxima lie in that image, so a range of images touches only its own dx.
  const image = (<usize>(inH * inW) * <usize>C) << 2;
  memory.fill(dx + <usize>b0 * image, 0, <usize>(b1 - b0) * image);
  const perImage = outH * outW * C;
  for (let i = b0 * perImage, end = b1 * perImage; i < end; i++) {
    const at = dx + ((<usize>load<i32>(argmax + ((<usize>i) << 2))) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dOut + ((<usize>i) << 2)));
  }
}
