/**
 * im2col / col2im for the portable backend: the data movement that turns a channels-last
 * convolution into one GEMM (see the note on `im2col` in ../types.ts).
 *
 * Both walk each patch row by row. A kernel row (kh fixed) whose taps are all inside the image
 * and adjacent (dilationW 1) is one contiguous run of kW·channels values in x, so it moves as a
 * single block; only rows touching the padding fall back to tap-by-tap work.
 */
import type { Window2dArgs } from '../types.js';

export function im2col(x: Float32Array, a: Window2dArgs, cols: Float32Array): void {
  const {
    batch,
    inH,
    inW,
    channels: C,
    kH,
    kW,
    outH,
    outW,
    strideH,
    strideW,
    dilationH,
    dilationW,
    padTop,
    padLeft,
  } = a;
  const rowLen = kW * C;
  const imageSize = inH * inW * C;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const xImage = n * imageSize;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        const rowInside = iw0 >= 0 && iw0 + (kW - 1) * dilationW < inW;
        for (let kh = 0; kh < kH; kh++) {
          const ih = ih0 + kh * dilationH;
          if (ih < 0 || ih >= inH) {
            cols.fill(0, o, o + rowLen);
            o += rowLen;
            continue;
          }
          const xRow = xImage + ih * inW * C;
          if (rowInside && dilationW === 1) {
            copy(x, xRow + iw0 * C, cols, o, rowLen);
            o += rowLen;
            continue;
          }
          for (let kw = 0; kw < kW; kw++, o += C) {
            const iw = iw0 + kw * dilationW;
            if (iw < 0 || iw >= inW) cols.fill(0, o, o + C);
            else copy(x, xRow + iw * C, cols, o, C);
          }
        }
      }
    }
  }
}

export function col2im(cols: Float32Array, a: Window2dArgs, dx: Float32Array): void {
  const {
    batch,
    inH,
    inW,
    channels: C,
    kH,
    kW,
    outH,
    outW,
    strideH,
    strideW,
    dilationH,
    dilationW,
    padTop,
    padLeft,
  } = a;
  const rowLen = kW * C;
  const imageSize = inH * inW * C;
  dx.fill(0, 0, batch * imageSize);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const xImage = n * imageSize;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        const rowInside = iw0 >= 0 && iw0 + (kW - 1) * dilationW < inW;
        for (let kh = 0; kh < kH; kh++) {
          const ih = ih0 + kh * dilationH;
          if (ih < 0 || ih >= inH) {
            o += rowLen;
            continue;
          }
          const xRow = xImage + ih * inW * C;
          if (rowInside && dilationW === 1) {
            accumulate(cols, o, dx, xRow + iw0 * C, rowLen);
            o += rowLen;
            continue;
          }
          for (let kw = 0; kw < kW; kw++, o += C) {
            const iw = iw0 + kw * dilationW;
            if (iw >= 0 && iw < inW) accumulate(cols, o, dx, xRow + iw * C, C);
          }
        }
      }
    }
  }
}

/** dst[d..d+n) = src[s..s+n). Short runs (few channels) are cheaper as a loop than as set(subarray). */
function copy(src: Float32Array, s: number, dst: Float32Array, d: number, n: number): void {
  if (n >= 64) {
    dst.set(src.subarray(s, s + n), d);
    return;
  }
  for (let i = 0; i < n; i++) dst[d + i] = src[s + i];
}

/** dst[d..d+n) += src[s..s+n). */
function accumulate(src: Float32Array, s: number, dst: Float32Array, d: number, n: number): void {
  for (let i = 0; i < n; i++) dst[d + i] += src[s + i];
}
