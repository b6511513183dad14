/**
 * Reduction of x viewed as [outer, size, inner] over the middle axis, two ways:
 *  - one thread per output walking its `size` elements in order: for many outputs, and for
 *    columns (inner > 1), where neighbouring threads read neighbouring elements;
 *  - one workgroup per output, its threads striding over the row and merging in a tree: for long
 *    rows, which a lone thread would walk slowly.
 * max/min/argmax/argmin keep (value, index) pairs and prefer, in order: a NaN (the first one: NaN
 * propagates, as in NumPy), the larger (smaller) value, the lower index on ties — so both ways
 * give exactly the portable result, ±0 included. Sums are float32, in a different order from the
 * portable backend's (which adds four float64 partial sums), so they agree within rounding.
 */
import type { ReduceOp } from '../types.js';
import type { Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { MAIN_1D, PRELUDE, bindings, convert, wgslType } from './wgsl.js';

/** Threads of the workgroup-per-output kernel. */
const TREE = 256;

/**
 * Whether one workgroup per output pays: a long row, and too few outputs to keep the GPU busy
 * with a thread each. (Workgroup barriers are also what software GPUs such as SwiftShader run
 * slowest, so the tree is kept for where it is needed.)
 */
function useTree(size: number, outputs: number): boolean {
  return size >= 1024 && outputs <= 4096;
}

/** WGSL for the element type T: the empty state, and `take(v, vi)` folding element vi into (acc, at). */
function combine(op: ReduceOp, t: 'f32' | 'i32'): string {
  const nan = t === 'f32' ? 'fn nan_t(v: T) -> bool { return is_nan(v); }' : 'fn nan_t(v: T) -> bool { return false; }';
  const cmp = op === 'max' || op === 'argmax' ? '>' : '<';
  return /* wgsl */ `
alias T = ${t};
const EMPTY = 0xffffffffu;
${nan}
// Whether (v, vi) is preferred over (best, bi); EMPTY marks a thread that saw no element.
fn better(v: T, vi: u32, best: T, bi: u32) -> bool {
  if (vi == EMPTY) { return false; }
  if (bi == EMPTY) { return true; }
  let nv = nan_t(v);
  let nb = nan_t(best);
  if (nv || nb) { return nv && (!nb || vi < bi); }
  return v ${cmp} best || (v == best && vi < bi);
}
fn merge(acc: ptr<function, T>, at: ptr<function, u32>, v: T, vi: u32) {
  ${op === 'sum' ? '*acc += v; *at = 0u;' : 'if (better(v, vi, *acc, *at)) { *acc = v; *at = vi; }'}
}`;
}

/** What the output receives from (acc, at): the value, its index, or NaN/0 for an empty max. */
function result(op: ReduceOp, t: 'f32' | 'i32', to: 'f32' | 'i32'): string {
  if (op === 'argmax' || op === 'argmin') return `${to}(select(at, 0u, at == EMPTY))`;
  if (op === 'sum') return convert(to, t, 'acc');
  const empty = t === 'f32' ? 'nan()' : '0';
  return convert(to, t, `select(acc, ${empty}, at == EMPTY)`);
}

export function reduce(
  q: Queue,
  op: ReduceOp,
  x: GpuStorage,
  outer: number,
  size: number,
  inner: number,
  out: GpuStorage,
): void {
  const t = wgslType(x.dtype),
    to = wgslType(out.dtype);
  const outputs = outer * inner;
  const params = [outputs, size, inner];
  if (useTree(size, outputs)) {
    const k = q.kernel(
      `reduce-tree:${op}:${t}:${to}`,
      () => `${PRELUDE}${combine(op, t)}
${bindings([
  ['x', t],
  ['out', to],
])}
var<workgroup> vals: array<T, ${TREE}>;
var<workgroup> idxs: array<u32, ${TREE}>;
@compute @workgroup_size(${TREE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= pu(0u)) { return; }
  let size = pu(1u);
  let inner = pu(2u);
  let base = (o / inner) * size * inner + o % inner;
  var acc = T(0);
  var at = EMPTY;
  for (var r = lid; r < size; r += ${TREE}u) { merge(&acc, &at, x[base + r * inner], r); }
  vals[lid] = acc;
  idxs[lid] = at;
  workgroupBarrier();
  for (var s = ${TREE / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      acc = vals[lid];
      at = idxs[lid];
      merge(&acc, &at, vals[lid + s], idxs[lid + s]);
      vals[lid] = acc;
      idxs[lid] = at;
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    acc = vals[0];
    at = idxs[0];
    out[o] = ${result(op, t, to)};
  }
}`,
    );
    q.dispatchRows(k, [x.buffer, out.buffer], params, outputs);
    return;
  }
  const k = q.kernel(
    `reduce:${op}:${t}:${to}`,
    () => `${PRELUDE}${combine(op, t)}
${bindings([
  ['x', t],
  ['out', to],
])}
${MAIN_1D}
  let size = pu(1u);
  let inner = pu(2u);
  let base = (i / inner) * size * inner + i % inner;
  var acc = T(0);
  var at = EMPTY;
  for (var r = 0u; r < size; r++) { merge(&acc, &at, x[base + r * inner], r); }
  out[i] = ${result(op, t, to)};
}`,
  );
  q.dispatch1d(k, [x.buffer, out.buffer], params, outputs);
}
