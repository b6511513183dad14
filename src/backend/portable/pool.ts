/**
 * Pooling kernels for the portable backend, channels-last. Each output position visits the taps
 * of its window that lie inside the image (padding is never read: TensorFlow's rule for both max
 * and average pooling) and updates a whole channel row at a time, so the inner loop is contiguous.
 */
import type { Window2dArgs } from '../types.js';

export function maxPool2d(x: Float32Array, a: Window2dArgs, out: Float32Array, argmax: Int32Array | null): void {
  if (isPlain2x2(a)) {
    maxPool2x2(x, a, out, argmax);
    return;
  }
  const C = a.channels;
  let o = 0;
  forEachWindow(a, (xImage, rows, cols) => {
    let first = true;
    for (const r of rows) {
      for (const c of cols) {
        const p = xImage + (r * a.inW + c) * C;
        for (let ch = 0; ch < C; ch++) {
          const v = x[p + ch];
          if (first || beats(v, out[o + ch])) {
            out[o + ch] = v;
            if (argmax) argmax[o + ch] = p + ch;
          }
        }
        first = false;
      }
    }
    o += C;
  });
}

/**
 * Whether v replaces the running max: larger, or a NaN (NaNs propagate, as in TensorFlow and
 * PyTorch). Ties keep the first tap.
 */
function beats(v: number, best: number): boolean {
  return v > best || (v !== v && best === best);
}

/**
 * The adjoint of maxPool2d: zero dx, then add each dOut[i] at argmax[i] (added, not stored:
 * overlapping windows may share a winning tap). The geometry only bounds dx.
 */
export function maxPool2dBackward(dOut: Float32Array, argmax: Int32Array, a: Window2dArgs, dx: Float32Array): void {
  dx.fill(0, 0, a.batch * a.inH * a.inW * a.channels);
  const n = a.batch * a.outH * a.outW * a.channels;
  for (let i = 0; i < n; i++) dx[argmax[i]] += dOut[i];
}

export function avgPool2d(x: Float32Array, a: Window2dArgs, out: Float32Array): void {
  const C = a.channels;
  let o = 0;
  forEachWindow(a, (xImage, rows, cols) => {
    out.fill(0, o, o + C);
    for (const r of rows) {
      for (const c of cols) {
        const p = xImage + (r * a.inW + c) * C;
        for (let ch = 0; ch < C; ch++) out[o + ch] += x[p + ch];
      }
    }
    const scale = 1 / (rows.length * cols.length);
    for (let ch = 0; ch < C; ch++) out[o + ch] *= scale;
    o += C;
  });
}

export function avgPool2dBackward(dOut: Float32Array, a: Window2dArgs, dx: Float32Array): void {
  const C = a.channels;
  dx.fill(0, 0, a.batch * a.inH * a.inW * C);
  let o = 0;
  forEachWindow(a, (xImage, rows, cols) => {
    const scale = 1 / (rows.length * cols.length);
    for (const r of rows) {
      for (const c of cols) {
        const p = xImage + (r * a.inW + c) * C;
        for (let ch = 0; ch < C; ch++) dx[p + ch] += dOut[o + ch] * scale;
      }
    }
    o += C;
  });
}

/**
 * Call `visit` for every output position in order (n, oh, ow) with the offset of its image in x
 * and the input rows and columns of its window that lie inside the image. The per-axis tap lists
 * are computed once up front: they depend on oh (or ow) alone.
 */
function forEachWindow(a: Window2dArgs, visit: (xImage: number, rows: number[], cols: number[]) => void): void {
  const rowsOf = taps(a.outH, a.kH, a.strideH, a.dilationH, a.padTop, a.inH);
  const colsOf = taps(a.outW, a.kW, a.strideW, a.dilationW, a.padLeft, a.inW);
  const imageSize = a.inH * a.inW * a.channels;
  for (let n = 0; n < a.batch; n++) {
    for (let oh = 0; oh < a.outH; oh++) {
      for (let ow = 0; ow < a.outW; ow++) visit(n * imageSize, rowsOf[oh], colsOf[ow]);
    }
  }
}

/** For each output index along one axis, the input indices its window covers inside [0, size). */
function taps(outLen: number, k: number, stride: number, dilation: number, pad: number, size: number): number[][] {
  const all: number[][] = [];
  for (let i = 0; i < outLen; i++) {
    const list: number[] = [];
    for (let t = 0; t < k; t++) {
      const p = i * stride - pad + t * dilation;
      if (p >= 0 && p < size) list.push(p);
    }
    all.push(list);
  }
  return all;
}

/** 2×2 windows, stride 2, every window inside the image: the classic CNN downsampling step. */
function isPlain2x2(a: Window2dArgs): boolean {
  return (
    a.kH === 2 &&
    a.kW === 2 &&
    a.strideH === 2 &&
    a.strideW === 2 &&
    a.dilationH === 1 &&
    a.dilationW === 1 &&
    a.padTop === 0 &&
    a.padLeft === 0 &&
    2 * a.outH <= a.inH &&
    2 * a.outW <= a.inW
  );
}

function maxPool2x2(x: Float32Array, a: Window2dArgs, out: Float32Array, argmax: Int32Array | null): void {
  const { batch, inH, inW, channels: C, outH, outW } = a;
  const rowStride = inW * C;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      let p = (n * inH + 2 * oh) * rowStride;
      for (let ow = 0; ow < outW; ow++, p += 2 * C) {
        for (let ch = 0; ch < C; ch++, o++) {
          // Taps in row-major order; ties keep the first, as the generic path does.
          let best = p + ch;
          let v = x[best];
          const i1 = best + C,
            i2 = best + rowStride,
            i3 = i2 + C;
          if (beats(x[i1], v)) {
            best = i1;
            v = x[i1];
          }
          if (beats(x[i2], v)) {
            best = i2;
            v = x[i2];
          }
          if (beats(x[i3], v)) {
            best = i3;
            v = x[i3];
          }
          out[o] = v;
          if (argmax) argmax[o] = best;
        }
      }
    }
  }
}
