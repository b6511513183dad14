/**
 * Layer normalisation over the last axis, forward and backward in one pass over each row (and one
 * over columns for the weight and bias gradients): what ops/normalization.ts composes from mean,
 * sub, square, mean, add, sqrt, reciprocal, mul, mul and add, each with its own array, forward,
 * and about twice as many ops backward.
 *
 * x, out, g, dx are [rows, cols]; w, b, dw, db are [cols] (a 0 pointer: none); stats holds two
 * floats per row, the mean and 1/sqrt(variance + eps), for the backward.
 */

/** Σ of the row's floats, four lanes then summed. */
// @ts-ignore: decorator
@inline
function rowSum(x: usize, cols: i32): f32 {
  let s4 = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= cols; c += 4) s4 = f32x4.add(s4, v128.load(x + ((<usize>c) << 2)));
  let s =
    f32x4.extract_lane(s4, 0) + f32x4.extract_lane(s4, 1) + (f32x4.extract_lane(s4, 2) + f32x4.extract_lane(s4, 3));
  for (; c < cols; c++) s += load<f32>(x + ((<usize>c) << 2));
  return s;
}

/** Rows [r0, r1): out = (x − mean)·rstd·w + b; epsBits: the f32 epsilon's bits. */
export function layerNorm(
  x: usize,
  w: usize,
  b: usize,
  cols: i32,
  epsBits: i32,
  out: usize,
  stats: usize,
  r0: i32,
  r1: i32,
): void {
  const eps = reinterpret<f32>(epsBits);
  const n = <f32>cols;
  for (let r = r0; r < r1; r++) {
    const offset = (<usize>r * <usize>cols) << 2;
    const row = x + offset,
      dst = out + offset;
    const mean = rowSum(row, cols) / n;
    const mv = f32x4.splat(mean);
    let v4 = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const d = f32x4.sub(v128.load(row + ((<usize>c) << 2)), mv);
      v4 = f32x4.add(v4, f32x4.mul(d, d));
    }
    let sq =
      f32x4.extract_lane(v4, 0) + f32x4.extract_lane(v4, 1) + (f32x4.extract_lane(v4, 2) + f32x4.extract_lane(v4, 3));
    for (; c < cols; c++) {
      const d = load<f32>(row + ((<usize>c) << 2)) - mean;
      sq += d * d;
    }
    const rstd: f32 = 1 / Mathf.sqrt(sq / n + eps);
    store<f32>(stats + ((<usize>r) << 3), mean);
    store<f32>(stats + ((<usize>r) << 3), rstd, 4);
    const rv = f32x4.splat(rstd);
    c = 0;
    for (; c + 4 <= cols; c += 4) {
      const q = (<usize>c) << 2;
      let y = f32x4.mul(f32x4.sub(v128.load(row + q), mv), rv);
      if (w) y = f32x4.mul(y, v128.load(w + q));
      if (b) y = f32x4.add(y, v128.load(b + q));
      v128.store(dst + q, y);
    }
    for (; c < cols; c++) {
      const q = (<usize>c) << 2;
      let y = (load<f32>(row + q) - mean) * rstd;
      if (w) y *= load<f32>(w + q);
      if (b) y += load<f32>(b + q);
      store<f32>(dst + q, y);
    }
  }
}

/**
 * Rows [r0, r1) of dx: with x̂ = (x − mean)·rstd and ĝ = g·w,
 * dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)).
 */
export function layerNormBackward(
  g: usize,
  x: usize,
  w: usize,
  stats: usize,
  cols: i32,
  dx: usize,
  r0: i32,
  r1: i32,
): void {
  const n = <f32>cols;
  for (let r = r0; r < r1; r++) {
    const offset = (<usize>r * <usize>cols) << 2;
    const gr = g + offset,
      xr = x + offset,
      dr = dx + offset;
    const mean = load<f32>(stats + ((<usize>r) << 3)),
      rstd = load<f32>(stats + ((<usize>r) << 3), 4);
    const mv = f32x4.splat(mean),
      rv = f32x4.splat(rstd);
    let s4 = f32x4.splat(0),
      t4 = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const q = (<usize>c) << 2;
      let gv = v128.load(gr + q);
      if (w) gv = f32x4.mul(gv, v128.load(w + q));
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + q), mv), rv);
      s4 = f32x4.add(s4, gv);
      t4 = f32x4.add(t4, f32x4.mul(gv, xh));
    }
    let s =
      f32x4.extract_lane(s4, 0) + f32x4.extract_lane(s4, 1) + (f32x4.extract_lane(s4, 2) + f32x4.extract_lane(s4, 3));
    let t =
      f32x4.extract_lane(t4, 0) + f32x4.extract_lane(t4, 1) + (f32x4.extract_lane(t4, 2) + f32x4.extract_lane(t4, 3));
    for (let k = c; k < cols; k++) {
      const q = (<usize>k) << 2;
      let gv = load<f32>(gr + q);
      if (w) gv *= load<f32>(w + q);
      s += gv;
      t += gv * (load<f32>(xr + q) - mean) * rstd;
    }
    const a = s / n,
      bb = t / n;
    const av = f32x4.splat(a),
      bv = f32x4.splat(bb);
    c = 0;
    for (; c + 4 <= cols; c += 4) {
      const q = (<usize>c) << 2;
      let gv = v128.load(gr + q);
      if (w) gv = f32x4.mul(gv, v128.load(w + q));
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + q), mv), rv);
      v128.store(dr + q, f32x4.mul(rv, f32x4.sub(f32x4.sub(gv, av), f32x4.mul(xh, bv))));
    }
    for (; c < cols; c++) {
      const q = (<usize>c) << 2;
      let gv = load<f32>(gr + q);
      if (w) gv *= load<f32>(w + q);
      const xh = (load<f32>(xr + q) - mean) * rstd;
      store<f32>(dr + q, rstd * (gv - a - xh * bb));
    }
  }
}

/**
 * Columns [c0, c1) of the weight and bias gradients (overwritten; a 0 pointer: not wanted):
 * dw = Σ_rows g·x̂, db = Σ_rows g, rows added in order. Sixteen columns at a time (one cache line
 * of each row), so each line of g and x is read once, not once per four columns.
 */
export function layerNormParamGrads(
  g: usize,
  x: usize,
  stats: usize,
  rows: i32,
  cols: i32,
  dw: usize,
  db: usize,
  c0: i32,
  c1: i32,
): void {
  const stride = (<usize>cols) << 2;
  let c = c0;
  for (; c + 16 <= c1; c += 16) {
    const q = (<usize>c) << 2;
    let w0 = f32x4.splat(0),
      w1 = f32x4.splat(0),
      w2 = f32x4.splat(0),
      w3 = f32x4.splat(0);
    let b0 = f32x4.splat(0),
      b1 = f32x4.splat(0),
      b2 = f32x4.splat(0),
      b3 = f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      const at = <usize>r * stride + q;
      const s = stats + ((<usize>r) << 3);
      const mv = f32x4.splat(load<f32>(s)),
        rv = f32x4.splat(load<f32>(s, 4));
      const g0 = v128.load(g + at),
        g1 = v128.load(g + at, 16),
        g2 = v128.load(g + at, 32),
        g3 = v128.load(g + at, 48);
      w0 = f32x4.add(w0, f32x4.mul(g0, f32x4.mul(f32x4.sub(v128.load(x + at), mv), rv)));
      w1 = f32x4.add(w1, f32x4.mul(g1, f32x4.mul(f32x4.sub(v128.load(x + at, 16), mv), rv)));
      w2 = f32x4.add(w2, f32x4.mul(g2, f32x4.mul(f32x4.sub(v128.load(x + at, 32), mv), rv)));
      w3 = f32x4.add(w3, f32x4.mul(g3, f32x4.mul(f32x4.sub(v128.load(x + at, 48), mv), rv)));
      b0 = f32x4.add(b0, g0);
      b1 = f32x4.add(b1, g1);
      b2 = f32x4.add(b2, g2);
      b3 = f32x4.add(b3, g3);
    }
    if (dw) {
      v128.store(dw + q, w0);
      v128.store(dw + q, w1, 16);
      v128.store(dw + q, w2, 32);
      v128.store(dw + q, w3, 48);
    }
    if (db) {
      v128.store(db + q, b0);
      v128.store(db + q, b1, 16);
      v128.store(db + q, b2, 32);
      v128.store(db + q, b3, 48);
    }
  }
  for (; c < c1; c++) {
    const q = (<usize>c) << 2;
    let sw: f32 = 0,
      sb: f32 = 0;
    for (let r = 0; r < rows; r++) {
      const at = <usize>r * stride + q;
      const gv = load<f32>(g + at);
      const s = stats + ((<usize>r) << 3);
      sw += gv * ((load<f32>(x + at) - load<f32>(s)) * load<f32>(s, 4));
      sb += gv;
    }
    if (dw) store<f32>(dw + q, sw);
    if (db) store<f32>(db + q, sb);
  }
}
