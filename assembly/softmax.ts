/**
 * log-softmax over rows, forward and backward, bit for bit what the wasm backend computes when
 * ops/activations.ts composes it from primitives (max, sub, exp, sum, log, sub), in two passes
 * forward and one backward instead of seven ops and their arrays. See portable/softmax.ts for the
 * steps; here each row's exp and sum run four lanes at a time with the same exp4 and the same
 * order of additions as the `unary` and `reduce` kernels. The log between the two forward passes
 * is JavaScript's Math.log (as in the composed op): wasm has none.
 *
 * Rows [r0, r1) of x [rows, cols]; stats holds two floats per row: the shift m and S = Σ exp(x − m).
 */
import { exp4, maxRow, sumRow } from './elementwise';

/** stats[2r] = m (the row max, 0 where it is not finite), stats[2r + 1] = Σ exp(x − m). */
export function softmaxStats(x: usize, cols: i32, stats: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = x + ((<usize>r * <usize>cols) << 2);
    const max = maxRow(row, cols);
    // max − max is 0 exactly when max is finite.
    const m: f32 = max - max == 0 ? max : 0;
    const mv = f32x4.splat(m);
    let s01 = f64x2.splat(0),
      s23 = f64x2.splat(0);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const e = exp4(f32x4.sub(v128.load(row + ((<usize>c) << 2)), mv));
      s01 = f64x2.add(s01, f64x2.promote_low_f32x4(e));
      s23 = f64x2.add(s23, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)));
    }
    let s0 = f64x2.extract_lane(s01, 0);
    for (; c < cols; c++) {
      s0 += <f64>f32x4.extract_lane(exp4(f32x4.splat(load<f32>(row + ((<usize>c) << 2)) - m)), 0);
    }
    const at = stats + ((<usize>r) << 3);
    store<f32>(at, m);
    store<f32>(at, <f32>(s0 + f64x2.extract_lane(s01, 1) + f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1)), 4);
  }
}

/** out = (x − m) − lse[r], lse[r] = log S rounded to float32 (written by the JS side). */
export function logSoftmaxApply(x: usize, stats: usize, lse: usize, cols: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const offset = (<usize>r * <usize>cols) << 2;
    const row = x + offset,
      dst = out + offset;
    const m = load<f32>(stats + ((<usize>r) << 3)),
      l = load<f32>(lse + ((<usize>r) << 2));
    const mv = f32x4.splat(m),
      lv = f32x4.splat(l);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const q = (<usize>c) << 2;
      v128.store(dst + q, f32x4.sub(f32x4.sub(v128.load(row + q), mv), lv));
    }
    for (; c < cols; c++) store<f32>(dst + ((<usize>c) << 2), load<f32>(row + ((<usize>c) << 2)) - m - l);
  }
}

/** dx = g + (−Σ g / S)·exp(x − m), each step rounded to float32 as the composed ops round it. */
export function logSoftmaxBackward(g: usize, x: usize, stats: usize, cols: i32, dx: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const offset = (<usize>r * <usize>cols) << 2;
    const gr = g + offset,
      xr = x + offset,
      dr = dx + offset;
    const m = load<f32>(stats + ((<usize>r) << 3)),
      total = load<f32>(stats + ((<usize>r) << 3), 4);
    const dTotal: f32 = -sumRow(gr, cols) / total;
    const mv = f32x4.splat(m),
      dv = f32x4.splat(dTotal);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const q = (<usize>c) << 2;
      const e = exp4(f32x4.sub(v128.load(xr + q), mv));
      v128.store(dr + q, f32x4.add(v128.load(gr + q), f32x4.mul(dv, e)));
    }
    for (; c < cols; c++) {
      const q = (<usize>c) << 2;
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(xr + q) - m)), 0);
      store<f32>(dr + q, load<f32>(gr + q) + dTotal * e);
    }
  }
}

/**
 * Attention's softmax over rows [r0, r1) of scores x [rows, cols] in one pass per row, with the
 * scale and (causal 1) the causal mask inside: out = softmax(x·scale) over keys c ≤ i, where
 * i = r mod tq is the row's query, and exactly 0 at the keys after it — what
 * ops/attention.ts composes from mul, where(−∞), logSoftmax and exp. `scaleBits` is the f32
 * scale's bits (the thread protocol passes i32 arguments only).
 */
export function attentionSoftmax(
  x: usize,
  out: usize,
  cols: i32,
  tq: i32,
  scaleBits: i32,
  causal: i32,
  r0: i32,
  r1: i32,
): void {
  const scale = reinterpret<f32>(scaleBits);
  const sv = f32x4.splat(scale);
  for (let r = r0; r < r1; r++) {
    const offset = (<usize>r * <usize>cols) << 2;
    const row = x + offset,
      dst = out + offset;
    const seen = causal ? min(cols, (r % tq) + 1) : cols;
    let mv = f32x4.splat(-Infinity);
    let c = 0;
    for (; c + 4 <= seen; c += 4) mv = f32x4.pmax(mv, f32x4.mul(v128.load(row + ((<usize>c) << 2)), sv));
    let top = max<f32>(
      max<f32>(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
      max<f32>(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
    );
    for (; c < seen; c++) top = max<f32>(top, load<f32>(row + ((<usize>c) << 2)) * scale);
    // top − top is 0 exactly when top is finite.
    const m: f32 = top - top == 0 ? top : 0;
    const shift = f32x4.splat(m);
    let sum4 = f32x4.splat(0);
    c = 0;
    for (; c + 4 <= seen; c += 4) {
      const q = (<usize>c) << 2;
      const e = exp4(f32x4.sub(f32x4.mul(v128.load(row + q), sv), shift));
      v128.store(dst + q, e);
      sum4 = f32x4.add(sum4, e);
    }
    let sum =
      f32x4.extract_lane(sum4, 0) +
      f32x4.extract_lane(sum4, 1) +
      (f32x4.extract_lane(sum4, 2) + f32x4.extract_lane(sum4, 3));
    for (; c < seen; c++) {
      const q = (<usize>c) << 2;
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(row + q) * scale - m)), 0);
      store<f32>(dst + q, e);
      sum += e;
    }
    const inv = f32x4.splat(<f32>1 / sum);
    c = 0;
    for (; c + 4 <= seen; c += 4) {
      const q = (<usize>c) << 2;
      v128.store(dst + q, f32x4.mul(v128.load(dst + q), inv));
    }
    for (; c < seen; c++) {
      const q = (<usize>c) << 2;
      store<f32>(dst + q, load<f32>(dst + q) * f32x4.extract_lane(inv, 0));
    }
    for (; c < cols; c++) store<f32>(dst + ((<usize>c) << 2), 0);
  }
}

/**
 * attentionSoftmax's backward over rows [r0, r1) from its output y alone:
 * dx = scale·y·(g − Σ g·y) per row (0 where y is 0: the masked keys).
 */
export function attentionSoftmaxBackward(
  g: usize,
  y: usize,
  cols: i32,
  scaleBits: i32,
  dx: usize,
  r0: i32,
  r1: i32,
): void {
  const scale = reinterpret<f32>(scaleBits);
  for (let r = r0; r < r1; r++) {
    const offset = (<usize>r * <usize>cols) << 2;
    const gr = g + offset,
      yr = y + offset,
      dr = dx + offset;
    let dot4 = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const q = (<usize>c) << 2;
      dot4 = f32x4.add(dot4, f32x4.mul(v128.load(gr + q), v128.load(yr + q)));
    }
    let dot =
      f32x4.extract_lane(dot4, 0) +
      f32x4.extract_lane(dot4, 1) +
      (f32x4.extract_lane(dot4, 2) + f32x4.extract_lane(dot4, 3));
    for (; c < cols; c++) dot += load<f32>(gr + ((<usize>c) << 2)) * load<f32>(yr + ((<usize>c) << 2));
    const dv = f32x4.splat(dot),
      sv = f32x4.splat(scale);
    c = 0;
    for (; c + 4 <= cols; c += 4) {
      const q = (<usize>c) << 2;
      const yv = v128.load(yr + q);
      v128.store(dr + q, f32x4.mul(f32x4.mul(yv, sv), f32x4.sub(v128.load(gr + q), dv)));
    }
    for (; c < cols; c++) {
      const q = (<usize>c) << 2;
      store<f32>(dr + q, load<f32>(yr + q) * scale * (load<f32>(gr + q) - dot));
    }
  }
}
