/**
 * Data movement: strided copy (permute, expand, slice, pad, concat), gather and its adjoint.
 * All exact. scatterAdd has no float atomics to lean on in WGSL, so it is made deterministic
 * instead: one thread per (outer, inner) column adds the rows j = 0, 1, … in order, exactly the
 * order of the portable loop, so the sums agree bit for bit (the cost: only outer·inner threads).
 */
import type { Shape } from '../types.js';
import type { Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { offsetsFn, runStrided } from './strided.js';
import { MAIN_1D, PRELUDE, bindings, convert, wgslType } from './wgsl.js';

export function copyStrided(
  q: Queue,
  src: GpuStorage,
  srcOffset: number,
  srcStrides: Shape,
  dst: GpuStorage,
  dstOffset: number,
  dstStrides: Shape,
  shape: Shape,
): void {
  const ts = wgslType(src.dtype),
    td = wgslType(dst.dtype);
  const k = q.kernel(
    `copy:${ts}:${td}`,
    () => `${PRELUDE}${offsetsFn(2)}
${bindings([
  ['src', ts],
  ['dst', td],
])}
${MAIN_1D}
  let o = offsets(i);
  dst[o[1]] = ${convert(td, ts, 'src[o[0]]')};
}`,
  );
  runStrided(q, k, [src.buffer, dst.buffer], shape, [srcStrides, dstStrides], [srcOffset, dstOffset]);
}

/**
 * The start of gather's and scatterAdd's shaders: bindings src, indices, out; parameters
 * [threads, axisSize, m = indices, inner]; `c` the thread's position along inner.
 */
function indexedHead(t: 'f32' | 'i32', to: 'f32' | 'i32'): string {
  return `${PRELUDE}
${bindings([
  ['src', t],
  ['indices', 'i32'],
  ['out', to],
])}
${MAIN_1D}
  let axis = pu(1u);
  let m = pu(2u);
  let inner = pu(3u);
  let c = i % inner;`;
}

/** out[o, j, i] = src[o, indices[j], i]: one thread per output element. */
export function gather(
  q: Queue,
  src: GpuStorage,
  outer: number,
  axisSize: number,
  inner: number,
  indices: GpuStorage,
  out: GpuStorage,
): void {
  const t = wgslType(src.dtype),
    to = wgslType(out.dtype);
  const k = q.kernel(
    `gather:${t}:${to}`,
    () => `${indexedHead(t, to)}
  let j = (i / inner) % m;
  let o = i / (inner * m);
  out[i] = ${convert(to, t, 'src[(o * axis + u32(indices[j])) * inner + c]')};
}`,
  );
  const m = indices.size;
  const n = outer * m * inner;
  q.dispatch1d(k, [src.buffer, indices.buffer, out.buffer], [n, axisSize, m, inner], n);
}

/** out[o, indices[j], i] += src[o, j, i]. */
export function scatterAdd(
  q: Queue,
  src: GpuStorage,
  outer: number,
  axisSize: number,
  inner: number,
  indices: GpuStorage,
  out: GpuStorage,
): void {
  const t = wgslType(src.dtype),
    to = wgslType(out.dtype);
  const k = q.kernel(
    `scatterAdd:${t}:${to}`,
    () => `${indexedHead(t, to)}
  let o = i / inner;
  for (var j = 0u; j < m; j++) {
    let at = (o * axis + u32(indices[j])) * inner + c;
    out[at] = out[at] + ${convert(to, t, 'src[(o * m + j) * inner + c]')};
  }
}`,
  );
  const m = indices.size;
  q.dispatch1d(k, [src.buffer, indices.buffer, out.buffer], [outer * inner, axisSize, m, inner], outer * inner);
}
