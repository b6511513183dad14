/**
 * The LSTM cell's gate kernels (Backend.lstmCell and its backward; see portable/rnn.ts for the
 * scalar form), four units at a time with the elementwise kernels' sigmoid4 and tanh4. Rows
 * [r0, r1) of a step's [rows, 4·units] gates, blocks [i | f | g | o]: unit j of a row reads lane j
 * of each block, so every vector load is contiguous. A row's last units % 4 units go one at a
 * time through lane 0 of the same functions, so every unit's result is the same whichever path
 * computes it. float32 throughout: the forward rounds as the portable kernel does (its sums and
 * products are float32 there too) and the gates agree to a few ulps; the backward differs from
 * the portable's float64 arithmetic by float32 rounding (1 − tanh² cancels where c saturates).
 */
import { sigmoid4, tanh4 } from './elementwise';

/** The forward of four units: gx, gh, acts at their i gates (the other blocks `stride` bytes apart), cPrev, h, c at their states. */
// @ts-ignore: decorator
@inline
function cell4(gx: usize, gh: usize, cPrev: usize, stride: usize, h: usize, c: usize, acts: usize): void {
  const i = sigmoid4(f32x4.add(v128.load(gx), v128.load(gh)));
  const f = sigmoid4(f32x4.add(v128.load(gx + stride), v128.load(gh + stride)));
  const g = tanh4(f32x4.add(v128.load(gx + 2 * stride), v128.load(gh + 2 * stride)));
  const o = sigmoid4(f32x4.add(v128.load(gx + 3 * stride), v128.load(gh + 3 * stride)));
  v128.store(acts, i);
  v128.store(acts + stride, f);
  v128.store(acts + 2 * stride, g);
  v128.store(acts + 3 * stride, o);
  const cv = f32x4.add(f32x4.mul(f, v128.load(cPrev)), f32x4.mul(i, g));
  v128.store(c, cv);
  v128.store(h, f32x4.mul(o, tanh4(cv)));
}

/** c = f·cPrev + i·g, h = o·tanh(c) for rows [r0, r1); acts gets i, f, g, o. */
export function lstmCell(
  gx: usize,
  gh: usize,
  cPrev: usize,
  units: i32,
  h: usize,
  c: usize,
  acts: usize,
  r0: i32,
  r1: i32,
): void {
  const stride = (<usize>units) << 2;
  for (let r = r0; r < r1; r++) {
    const g0 = <usize>r * 4 * stride,
      s0 = <usize>r * stride;
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const q = g0 + ((<usize>j) << 2),
        s = s0 + ((<usize>j) << 2);
      cell4(gx + q, gh + q, cPrev + s, stride, h + s, c + s, acts + q);
    }
    for (; j < units; j++) {
      const q = g0 + ((<usize>j) << 2),
        s = s0 + ((<usize>j) << 2);
      const i = f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(gx + q) + load<f32>(gh + q))), 0);
      const f = f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(gx + q + stride) + load<f32>(gh + q + stride))), 0);
      const g = f32x4.extract_lane(
        tanh4(f32x4.splat(load<f32>(gx + q + 2 * stride) + load<f32>(gh + q + 2 * stride))),
        0,
      );
      const o = f32x4.extract_lane(
        sigmoid4(f32x4.splat(load<f32>(gx + q + 3 * stride) + load<f32>(gh + q + 3 * stride))),
        0,
      );
      store<f32>(acts + q, i);
      store<f32>(acts + q + stride, f);
      store<f32>(acts + q + 2 * stride, g);
      store<f32>(acts + q + 3 * stride, o);
      const cv: f32 = f * load<f32>(cPrev + s) + i * g;
      store<f32>(c + s, cv);
      store<f32>(h + s, o * f32x4.extract_lane(tanh4(f32x4.splat(cv)), 0));
    }
  }
}

/**
 * The gradients of four units: dct = dc + dh·o·(1 − tanh²c) reaches c; the gates get
 * dct·g·i(1−i), dct·cPrev·f(1−f), dct·i(1−g²), dh·tanh(c)·o(1−o); dcPrev = dct·f.
 */
// @ts-ignore: decorator
@inline
function cellBackward4(dhv: v128, dcv: v128, acts: usize, cPrev: v128, c: v128, stride: usize, dGates: usize): v128 {
  const one = f32x4.splat(1);
  const i = v128.load(acts),
    f = v128.load(acts + stride),
    g = v128.load(acts + 2 * stride),
    o = v128.load(acts + 3 * stride);
  const tc = tanh4(c);
  const dct = f32x4.add(dcv, f32x4.mul(f32x4.mul(dhv, o), f32x4.sub(one, f32x4.mul(tc, tc))));
  v128.store(dGates, f32x4.mul(f32x4.mul(dct, g), f32x4.mul(i, f32x4.sub(one, i))));
  v128.store(dGates + stride, f32x4.mul(f32x4.mul(dct, cPrev), f32x4.mul(f, f32x4.sub(one, f))));
  v128.store(dGates + 2 * stride, f32x4.mul(f32x4.mul(dct, i), f32x4.sub(one, f32x4.mul(g, g))));
  v128.store(dGates + 3 * stride, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(o, f32x4.sub(one, o))));
  return f32x4.mul(dct, f);
}

/** lstmCell's backward for rows [r0, r1); dh, dc or dcPrev 0: none (no gradient, or not wanted). */
export function lstmCellBackward(
  dh: usize,
  dc: usize,
  acts: usize,
  cPrev: usize,
  c: usize,
  units: i32,
  dGates: usize,
  dcPrev: usize,
  r0: i32,
  r1: i32,
): void {
  const stride = (<usize>units) << 2;
  const zero = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const g0 = <usize>r * 4 * stride,
      s0 = <usize>r * stride;
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const q = g0 + ((<usize>j) << 2),
        s = s0 + ((<usize>j) << 2);
      const dhv = dh ? v128.load(dh + s) : zero,
        dcv = dc ? v128.load(dc + s) : zero;
      const d = cellBackward4(dhv, dcv, acts + q, v128.load(cPrev + s), v128.load(c + s), stride, dGates + q);
      if (dcPrev) v128.store(dcPrev + s, d);
    }
    for (; j < units; j++) {
      const q = g0 + ((<usize>j) << 2),
        s = s0 + ((<usize>j) << 2);
      // cellBackward4's operations in its order, one unit.
      const dhs: f32 = dh ? load<f32>(dh + s) : 0,
        dcs: f32 = dc ? load<f32>(dc + s) : 0;
      const i = load<f32>(acts + q),
        f = load<f32>(acts + q + stride),
        g = load<f32>(acts + q + 2 * stride),
        o = load<f32>(acts + q + 3 * stride);
      const tc = f32x4.extract_lane(tanh4(f32x4.splat(load<f32>(c + s))), 0);
      const dct: f32 = dcs + dhs * o * (1 - tc * tc);
      store<f32>(dGates + q, dct * g * (i * (1 - i)));
      store<f32>(dGates + q + stride, dct * load<f32>(cPrev + s) * (f * (1 - f)));
      store<f32>(dGates + q + 2 * stride, dct * i * (1 - g * g));
      store<f32>(dGates + q + 3 * stride, dhs * tc * (o * (1 - o)));
      if (dcPrev) store<f32>(dcPrev + s, dct * f);
    }
  }
}
