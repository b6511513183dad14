/**
 * A layer's bias add and activation as one pass over its output, forward and backward, so the
 * activations cross the JS/wasm boundary once instead of once per op (add, relu; step, mul, and
 * the column sum of the bias gradient). Results equal the portable backend's exactly: the same
 * float32 additions in the same order (the bias gradient adds rows one after another).
 *
 * x, out, g, dx are [rows, cols] floats; bias and dBias are [cols]; a 0 pointer means "none".
 */

import { ActivationCode } from './generated/protocol';

/** One row: out[j] = act(x[j] + b[j]); the flags are constants at every call, so each case compiles to its own loop. */
// @ts-ignore: decorator
@inline
function forwardRow(x: usize, b: usize, out: usize, cols: i32, hasBias: bool, relu: bool): void {
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = (<usize>j) << 2;
    let v = v128.load(x + o);
    if (hasBias) v = f32x4.add(v, v128.load(b + o));
    // v > 0 || v is NaN ? v : 0 without a branch: NaN stays NaN and -0 gives +0, as the portable loop.
    if (relu) v = v128.and(v, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v)));
    v128.store(out + o, v);
  }
  for (; j < cols; j++) {
    const o = (<usize>j) << 2;
    let v = load<f32>(x + o);
    if (hasBias) v += load<f32>(b + o);
    if (relu) v = v > 0 || v != v ? v : 0;
    store<f32>(out + o, v);
  }
}

/** out = act(x + bias) row by row; x and out may be the same address. */
export function biasActivation(x: usize, bias: usize, rows: i32, cols: i32, act: i32, out: usize): void {
  const rowBytes = (<usize>cols) << 2;
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * rowBytes;
    if (bias != 0) {
      if (act == ActivationCode.relu) forwardRow(x + at, bias, out + at, cols, true, true);
      else forwardRow(x + at, bias, out + at, cols, true, false);
    } else {
      if (act == ActivationCode.relu) forwardRow(x + at, 0, out + at, cols, false, true);
      else forwardRow(x + at, 0, out + at, cols, false, false);
    }
  }
}

/** One row of the backward pass: d = relu ? (out > 0 ? g : 0) : g; dx[j] = d; db[j] += d. */
// @ts-ignore: decorator
@inline
function backwardRow(
  g: usize,
  y: usize,
  dx: usize,
  db: usize,
  cols: i32,
  relu: bool,
  writeDx: bool,
  sumDb: bool,
): void {
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = (<usize>j) << 2;
    let d = v128.load(g + o);
    // Masking, not multiplying: where the unit is off the gradient is 0 even if g is NaN or ±∞.
    if (relu) d = v128.and(d, f32x4.gt(v128.load(y + o), zero));
    if (writeDx) v128.store(dx + o, d);
    if (sumDb) v128.store(db + o, f32x4.add(v128.load(db + o), d));
  }
  for (; j < cols; j++) {
    const o = (<usize>j) << 2;
    let d = load<f32>(g + o);
    if (relu) d = load<f32>(y + o) > 0 ? d : 0;
    if (writeDx) store<f32>(dx + o, d);
    if (sumDb) store<f32>(db + o, load<f32>(db + o) + d);
  }
}

/**
 * The gradients of biasActivation from its output y alone: dx = g·act'(y) (when dx ≠ 0) and
 * dBias = Σ over rows of dx (when dBias ≠ 0), accumulated in float32 from 0, row after row.
 */
export function biasActivationBackward(
  g: usize,
  y: usize,
  rows: i32,
  cols: i32,
  act: i32,
  dx: usize,
  dBias: usize,
): void {
  const rowBytes = (<usize>cols) << 2;
  if (dBias != 0) memory.fill(dBias, 0, rowBytes);
  const relu = act == ActivationCode.relu;
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * rowBytes;
    if (dx != 0 && dBias != 0) {
      if (relu) backwardRow(g + at, y + at, dx + at, dBias, cols, true, true, true);
      else backwardRow(g + at, y + at, dx + at, dBias, cols, false, true, true);
    } else if (dx != 0) {
      if (relu) backwardRow(g + at, y + at, dx + at, 0, cols, true, true, false);
      else backwardRow(g + at, y + at, dx + at, 0, cols, false, true, false);
    } else if (dBias != 0) {
      if (relu) backwardRow(g + at, y + at, 0, dBias, cols, true, false, true);
      else backwardRow(g + at, y + at, 0, dBias, cols, false, false, true);
    }
  }
}

/**
 * dBias[c0, c1) (overwritten) = Σ over rows of d, d = relu ? (y > 0 ? g : 0) : g: the bias gradient
 * for a range of columns, so threads can share it by columns and each sum still adds its rows in
 * order — the same float32 additions as biasActivationBackward. Columns in blocks of 16 (a cache
 * line) keep four accumulators in registers across all rows.
 */
export function biasGradientColumns(
  g: usize,
  y: usize,
  rows: i32,
  cols: i32,
  act: i32,
  dBias: usize,
  c0: i32,
  c1: i32,
): void {
  const relu = act == ActivationCode.relu;
  const ld = (<usize>cols) << 2;
  let c = c0;
  for (; c + 16 <= c1; c += 16) {
    if (relu) columnBlock16(g + ((<usize>c) << 2), y + ((<usize>c) << 2), rows, ld, dBias + ((<usize>c) << 2), true);
    else columnBlock16(g + ((<usize>c) << 2), 0, rows, ld, dBias + ((<usize>c) << 2), false);
  }
  for (; c < c1; c++) {
    let s: f32 = 0;
    let gp = g + ((<usize>c) << 2),
      yp = y + ((<usize>c) << 2);
    for (let r = 0; r < rows; r++, gp += ld, yp += ld) {
      let d = load<f32>(gp);
      if (relu) d = load<f32>(yp) > 0 ? d : 0;
      s += d;
    }
    store<f32>(dBias + ((<usize>c) << 2), s);
  }
}

// @ts-ignore: decorator
@inline
function columnBlock16(g: usize, y: usize, rows: i32, ld: usize, db: usize, relu: bool): void {
  const zero = f32x4.splat(0);
  let s0 = zero,
    s1 = zero,
    s2 = zero,
    s3 = zero;
  for (let r = 0; r < rows; r++, g += ld, y += ld) {
    let d0 = v128.load(g),
      d1 = v128.load(g, 16),
      d2 = v128.load(g, 32),
      d3 = v128.load(g, 48);
    if (relu) {
      d0 = v128.and(d0, f32x4.gt(v128.load(y), zero));
      d1 = v128.and(d1, f32x4.gt(v128.load(y, 16), zero));
      d2 = v128.and(d2, f32x4.gt(v128.load(y, 32), zero));
      d3 = v128.and(d3, f32x4.gt(v128.load(y, 48), zero));
    }
    s0 = f32x4.add(s0, d0);
    s1 = f32x4.add(s1, d1);
    s2 = f32x4.add(s2, d2);
    s3 = f32x4.add(s3, d3);
  }
  v128.store(db, s0);
  v128.store(db, s1, 16);
  v128.store(db, s2, 32);
  v128.store(db, s3, 48);
}
