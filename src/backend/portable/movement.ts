/** Data movement kernels: strided copy (permute/expand/slice/pad/concat), gather and its adjoint. */
import type { Shape, TypedArray } from '../types.js';
import { coalesce, forEachRow } from '../strided.js';

/** Rows shorter than this are copied by a loop rather than set(subarray()). */
const SHORT_ROW = 256;

export function copyStrided(
  src: TypedArray,
  srcOffset: number,
  srcStrides: Shape,
  dst: TypedArray,
  dstOffset: number,
  dstStrides: Shape,
  shape: Shape,
): void {
  for (const d of shape) if (d === 0) return;
  const c = coalesce(shape, [srcStrides, dstStrides]);
  const last = c.shape.length - 1;
  const ss = c.strides[0][last],
    ds = c.strides[1][last];
  forEachRow(c.shape, c.strides, [srcOffset, dstOffset], (off, n) => {
    let i = off[0],
      o = off[1];
    // Long rows by a native copy; short ones (a head's 32 floats when attention splits heads) by
    // the loop, as a subarray view per row costs more than the copy (3× on that permute).
    if (ss === 1 && ds === 1 && n >= SHORT_ROW) {
      dst.set(src.subarray(i, i + n), o);
      return;
    }
    // A value repeated along the row (a broadcast, as sum's backward makes): a native fill.
    if (ss === 0 && ds === 1) {
      dst.fill(src[i], o, o + n);
      return;
    }
    for (let k = 0; k < n; k++, i += ss, o += ds) dst[o] = src[i];
  });
}

export function gather(
  src: TypedArray,
  outer: number,
  axisSize: number,
  inner: number,
  indices: Int32Array,
  out: TypedArray,
): void {
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const from = (o * axisSize + indices[j]) * inner;
      const to = (o * m + j) * inner;
      if (inner === 1) out[to] = src[from];
      else out.set(src.subarray(from, from + inner), to);
    }
  }
}

export function scatterAdd(
  src: TypedArray,
  outer: number,
  axisSize: number,
  inner: number,
  indices: Int32Array,
  out: TypedArray,
): void {
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const to = (o * axisSize + indices[j]) * inner;
      const from = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += src[from + i];
    }
  }
}
