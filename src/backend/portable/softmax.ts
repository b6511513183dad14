/**
 * log-softmax over the rows of x [rows, cols], forward and backward in one pass each, computing
 * bit for bit what ops/activations.ts would compose from primitives on this backend: the row max
 * m (0 where it is not finite), s = x − m, e = exp(s), S = Σ e, out = s − log S; and backward
 * dx = g + (−Σ g / S)·e, every step rounded to float32 as the separate ops round it.
 */
import { rowMax, rowSum } from './reduce.js';

const f32 = Math.fround;

/** The row's shift: its max, or 0 where the max is ±∞ or NaN (stableShift in ops/reduce.ts). */
function softmaxShift(max: number): number {
  return Number.isFinite(max) ? max : 0;
}

/** stats[2r] = the shift m of row r, stats[2r + 1] = S = Σ exp(x − m) (float32), for the backward. */
export function logSoftmax(x: Float32Array, rows: number, cols: number, out: Float32Array, stats: Float32Array): void {
  const e = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const m = softmaxShift(rowMax(x, base, cols));
    for (let c = 0; c < cols; c++) e[c] = Math.exp(f32(x[base + c] - m));
    const total = f32(rowSum(e, 0, cols));
    const lse = f32(Math.log(total));
    for (let c = 0; c < cols; c++) out[base + c] = f32(x[base + c] - m) - lse;
    stats[2 * r] = m;
    stats[2 * r + 1] = total;
  }
}

export function logSoftmaxBackward(
  g: Float32Array,
  x: Float32Array,
  stats: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const m = stats[2 * r],
      total = stats[2 * r + 1];
    // d(log S) = −Σ g, then d S = that / S: two float32 roundings, as the composed ops make them.
    const dTotal = f32(f32(-rowSum(g, base, cols)) / total);
    for (let c = 0; c < cols; c++) dx[base + c] = g[base + c] + f32(dTotal * f32(Math.exp(f32(x[base + c] - m))));
  }
}
