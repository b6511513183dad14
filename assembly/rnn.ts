/**
 * The recurrent cells' gate kernels (Backend.lstmCell, gruCell and their backwards; see
 * portable/rnn.ts for the scalar form), four units at a time with the elementwise kernels'
 * sigmoid4 and tanh4. Rows [r0, r1) of a step's gates, blocks [i | f | g | o] (LSTM) or
 * [r | z | n] (GRU): unit j of a row reads lane j of each block, so every vector load is contiguous. A row's last units % 4 units go one at a
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

/**
 * The forward of four GRU units: gx, gh at their r gates (z, n `stride` bytes on), acts at r
 * (z, n, gh_n `stride` bytes apart), hPrev and h at their states.
 */
// @ts-ignore: decorator
@inline
function gru4(gx: usize, gh: usize, hPrev: usize, stride: usize, h: usize, acts: usize): void {
  const one = f32x4.splat(1);
  const r = sigmoid4(f32x4.add(v128.load(gx), v128.load(gh)));
  const z = sigmoid4(f32x4.add(v128.load(gx + stride), v128.load(gh + stride)));
  const ghn = v128.load(gh + 2 * stride);
  const n = tanh4(f32x4.add(v128.load(gx + 2 * stride), f32x4.mul(r, ghn)));
  v128.store(acts, r);
  v128.store(acts + stride, z);
  v128.store(acts + 2 * stride, n);
  v128.store(acts + 3 * stride, ghn);
  v128.store(h, f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, v128.load(hPrev))));
}

/** r, z, n, h = (1 − z)·n + z·hPrev for rows [r0, r1) of gates [rows, 3·units]; acts [rows, 4·units] gets r, z, n, gh_n. */
export function gruCell(gx: usize, gh: usize, hPrev: usize, units: i32, h: usize, acts: usize, r0: i32, r1: i32): void {
  const stride = (<usize>units) << 2;
  for (let row = r0; row < r1; row++) {
    const g0 = <usize>row * 3 * stride,
      a0 = <usize>row * 4 * stride,
      s0 = <usize>row * stride;
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const o = (<usize>j) << 2;
      gru4(gx + g0 + o, gh + g0 + o, hPrev + s0 + o, stride, h + s0 + o, acts + a0 + o);
    }
    for (; j < units; j++) {
      const o = (<usize>j) << 2;
      const q = g0 + o,
        a = a0 + o,
        s = s0 + o;
      const r = f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(gx + q) + load<f32>(gh + q))), 0);
      const z = f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(gx + q + stride) + load<f32>(gh + q + stride))), 0);
      const ghn = load<f32>(gh + q + 2 * stride);
      const n = f32x4.extract_lane(tanh4(f32x4.splat(load<f32>(gx + q + 2 * stride) + r * ghn)), 0);
      store<f32>(acts + a, r);
      store<f32>(acts + a + stride, z);
      store<f32>(acts + a + 2 * stride, n);
      store<f32>(acts + a + 3 * stride, ghn);
      store<f32>(h + s, (1 - z) * n + z * load<f32>(hPrev + s));
    }
  }
}

/**
 * gruCell's gradients for rows [r0, r1): dn = dh·(1−z)·(1−n²), dz = dh·(hPrev−n)·z(1−z),
 * dr = dn·gh_n·r(1−r); dGx = [dr | dz | dn], dGh = [dr | dz | dn·r], dhPrev = dh·z. dGx, dGh or
 * dhPrev 0: not wanted.
 */
export function gruCellBackward(
  dh: usize,
  acts: usize,
  hPrev: usize,
  units: i32,
  dGx: usize,
  dGh: usize,
  dhPrev: usize,
  r0: i32,
  r1: i32,
): void {
  const stride = (<usize>units) << 2;
  const one = f32x4.splat(1);
  for (let row = r0; row < r1; row++) {
    const g0 = <usize>row * 3 * stride,
      a0 = <usize>row * 4 * stride,
      s0 = <usize>row * stride;
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const o = (<usize>j) << 2;
      const a = acts + a0 + o,
        s = s0 + o,
        q = g0 + o;
      const r = v128.load(a),
        z = v128.load(a + stride),
        n = v128.load(a + 2 * stride),
        ghn = v128.load(a + 3 * stride);
      const d = v128.load(dh + s);
      const dn = f32x4.mul(f32x4.mul(d, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
      const dz = f32x4.mul(f32x4.mul(d, f32x4.sub(v128.load(hPrev + s), n)), f32x4.mul(z, f32x4.sub(one, z)));
      const dr = f32x4.mul(f32x4.mul(dn, ghn), f32x4.mul(r, f32x4.sub(one, r)));
      if (dGx) {
        v128.store(dGx + q, dr);
        v128.store(dGx + q + stride, dz);
        v128.store(dGx + q + 2 * stride, dn);
      }
      if (dGh) {
        v128.store(dGh + q, dr);
        v128.store(dGh + q + stride, dz);
        v128.store(dGh + q + 2 * stride, f32x4.mul(dn, r));
      }
      if (dhPrev) v128.store(dhPrev + s, f32x4.mul(d, z));
    }
    for (; j < units; j++) {
      // The vector loop's operations in its order, one unit.
      const o = (<usize>j) << 2;
      const a = acts + a0 + o,
        s = s0 + o,
        q = g0 + o;
      const r = load<f32>(a),
        z = load<f32>(a + stride),
        n = load<f32>(a + 2 * stride),
        ghn = load<f32>(a + 3 * stride);
      const d = load<f32>(dh + s);
      const dn: f32 = d * (1 - z) * (1 - n * n);
      const dz: f32 = d * (load<f32>(hPrev + s) - n) * (z * (1 - z));
      const dr: f32 = dn * ghn * (r * (1 - r));
      if (dGx) {
        store<f32>(dGx + q, dr);
        store<f32>(dGx + q + stride, dz);
        store<f32>(dGx + q + 2 * stride, dn);
      }
      if (dGh) {
        store<f32>(dGh + q, dr);
        store<f32>(dGh + q + stride, dz);
        store<f32>(dGh + q + 2 * stride, dn * r);
      }
      if (dhPrev) store<f32>(dhPrev + s, d * z);
    }
  }
}
