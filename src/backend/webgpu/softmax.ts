/**
 * log-softmax over the rows of x [rows, cols], one workgroup per row: the row's max and Σ exp
 * merge in workgroup memory, then every thread writes its columns. Each step is rounded to
 * float32 as the composed ops would round it (see the portable softmax.ts); the row sum is added
 * in a different order, so results agree within rounding rather than bit for bit.
 * stats[2r] = the row's shift m (its max, or 0 where that is ±∞ or NaN), stats[2r+1] = Σ exp(x − m).
 */
import type { Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { MATH, PRELUDE, bindings } from './wgsl.js';

/** Threads per row: rows are often short (class scores), so a small workgroup. */
const ROW = 64;

/** Workgroup-wide max (NaN wins) and sum over a row, and the head of the entry point: one workgroup per row. */
const ROW_KERNEL = /* wgsl */ `
var<workgroup> part: array<f32, ${ROW}>;
fn max_nan(a: f32, b: f32) -> f32 {
  if (is_nan(a)) { return a; }
  if (is_nan(b)) { return b; }
  return select(a, b, b > a);
}
fn row_max(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var s = ${ROW / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = max_nan(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}
fn row_sum(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var s = ${ROW / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = part[lid] + part[lid + s]; }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}
@compute @workgroup_size(${ROW})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= pu(0u)) { return; }
  let cols = pu(1u);
  let base = row * cols;
`;

export function logSoftmax(
  q: Queue,
  x: GpuStorage,
  rows: number,
  cols: number,
  out: GpuStorage,
  stats: GpuStorage,
): void {
  const k = q.kernel(
    'logSoftmax',
    () => `${PRELUDE}${MATH}
${bindings([
  ['x', 'f32'],
  ['out', 'f32'],
  ['stats', 'f32'],
])}
${ROW_KERNEL}
  var mx = nan();
  var first = true;
  for (var c = lid; c < cols; c += ${ROW}u) {
    let v = x[base + c];
    mx = select(max_nan(mx, v), v, first);
    first = false;
  }
  mx = row_max(lid, select(mx, -inf(), first));
  let m = select(0.0, mx, is_finite(mx));
  var s = 0.0;
  for (var c = lid; c < cols; c += ${ROW}u) { s += exp_(x[base + c] - m); }
  let total = row_sum(lid, s);
  let lse = log_(total);
  for (var c = lid; c < cols; c += ${ROW}u) { out[base + c] = (x[base + c] - m) - lse; }
  if (lid == 0u) {
    stats[2u * row] = m;
    stats[2u * row + 1u] = total;
  }
}`,
  );
  q.dispatchRows(k, [x.buffer, out.buffer, stats.buffer], [rows, cols], rows);
}

/** dx = g + (−Σ g / S)·exp(x − m) per row, rounded step by step as the composed backward is. */
export function logSoftmaxBackward(
  q: Queue,
  g: GpuStorage,
  x: GpuStorage,
  stats: GpuStorage,
  rows: number,
  cols: number,
  dx: GpuStorage,
): void {
  const k = q.kernel(
    'logSoftmaxBackward',
    () => `${PRELUDE}${MATH}
${bindings([
  ['g', 'f32'],
  ['x', 'f32'],
  ['stats', 'f32'],
  ['dx', 'f32'],
])}
${ROW_KERNEL}
  var s = 0.0;
  for (var c = lid; c < cols; c += ${ROW}u) { s += g[base + c]; }
  let m = stats[2u * row];
  let dTotal = -row_sum(lid, s) / stats[2u * row + 1u];
  for (var c = lid; c < cols; c += ${ROW}u) { dx[base + c] = g[base + c] + dTotal * exp_(x[base + c] - m); }
}`,
  );
  q.dispatchRows(k, [g.buffer, x.buffer, stats.buffer, dx.buffer], [rows, cols], rows);
}
