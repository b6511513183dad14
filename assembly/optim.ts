/**
 * One Adam step (src/backend/types.ts AdamStep) over n floats at p, g, m, v (and vMax when ≠ 0),
 * in place. The arithmetic is float64, in exactly the order of the portable loop
 * (src/backend/portable/adam.ts), with the moments rounded to float32 as they are stored: the
 * results are the same bits. Four floats at a time as two f64x2 halves.
 */
import { AdamSlot as A } from './generated/protocol';

/** Lanes 2 and 3 of a f32x4, as f64x2. */
// @ts-ignore: decorator
@inline
function promoteHigh(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3));
}

/** Two f64x2 halves back into one f32x4 (rounded to nearest, as a Float32Array store rounds). */
// @ts-ignore: decorator
@inline
function demote(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** float64 values rounded to float32 and back (Math.fround). */
// @ts-ignore: decorator
@inline
function fround2(x: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(x));
}

/**
 * The step over elements [i0, i1) (threads split a parameter into ranges); the ten scalars are an
 * AdamSlot block of float64 at `s`, since the thread protocol passes only i32 arguments.
 */
export function adamStep(p: usize, g: usize, m: usize, v: usize, vMax: usize, s: usize, i0: i32, i1: i32): void {
  const skip = (<usize>i0) << 2;
  adamRange(
    p + skip,
    g + skip,
    m + skip,
    v + skip,
    vMax == 0 ? 0 : vMax + skip,
    i1 - i0,
    load<f64>(s, A.beta1 << 3),
    load<f64>(s, A.beta2 << 3),
    load<f64>(s, A.c1 << 3),
    load<f64>(s, A.c2 << 3),
    load<f64>(s, A.l2 << 3),
    load<f64>(s, A.shrink << 3),
    load<f64>(s, A.stepSize << 3),
    load<f64>(s, A.invBc2Sqrt << 3),
    load<f64>(s, A.eps << 3),
    load<f64>(s, A.sign << 3),
  );
}

function adamRange(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  vMax: usize,
  n: i32,
  beta1: f64,
  beta2: f64,
  c1: f64,
  c2: f64,
  l2: f64,
  shrink: f64,
  stepSize: f64,
  invBc2Sqrt: f64,
  eps: f64,
  sign: f64,
): void {
  const B1 = f64x2.splat(beta1),
    B2 = f64x2.splat(beta2),
    C1 = f64x2.splat(c1),
    C2 = f64x2.splat(c2);
  const L2 = f64x2.splat(l2),
    SH = f64x2.splat(shrink),
    SS = f64x2.splat(stepSize),
    IB = f64x2.splat(invBc2Sqrt);
  const EPS = f64x2.splat(eps),
    SG = f64x2.splat(sign);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const p4 = v128.load(p + o),
      g4 = v128.load(g + o),
      m4 = v128.load(m + o),
      v4 = v128.load(v + o);
    const w4 = vMax != 0 ? v128.load(vMax + o) : p4;
    let pOut = f64x2.splat(0),
      mOut = f64x2.splat(0),
      vOut = f64x2.splat(0),
      wOut = f64x2.splat(0);
    // The two halves, low (h = 0) then high (h = 1), written out to keep each one's live values few.
    for (let h = 0; h < 2; h++) {
      const pi = h == 0 ? f64x2.promote_low_f32x4(p4) : promoteHigh(p4);
      const gr = h == 0 ? f64x2.promote_low_f32x4(g4) : promoteHigh(g4);
      const mr = h == 0 ? f64x2.promote_low_f32x4(m4) : promoteHigh(m4);
      const vr = h == 0 ? f64x2.promote_low_f32x4(v4) : promoteHigh(v4);
      const gi = f64x2.add(f64x2.mul(SG, gr), f64x2.mul(L2, pi));
      const mi = fround2(f64x2.add(f64x2.mul(B1, mr), f64x2.mul(C1, gi)));
      const vi = fround2(f64x2.add(f64x2.mul(B2, vr), f64x2.mul(f64x2.mul(C2, gi), gi)));
      let second = vi;
      if (vMax != 0) second = f64x2.max(h == 0 ? f64x2.promote_low_f32x4(w4) : promoteHigh(w4), vi);
      const step = f64x2.div(f64x2.mul(SS, mi), f64x2.add(f64x2.mul(f64x2.sqrt(second), IB), EPS));
      const pn = f64x2.sub(f64x2.mul(pi, SH), step);
      if (h == 0) {
        pOut = pn;
        mOut = mi;
        vOut = vi;
        wOut = second;
      } else {
        v128.store(p + o, demote(pOut, pn));
        v128.store(m + o, demote(mOut, mi));
        v128.store(v + o, demote(vOut, vi));
        if (vMax != 0) v128.store(vMax + o, demote(wOut, second));
      }
    }
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const pi = <f64>load<f32>(p + o);
    const gi = sign * <f64>load<f32>(g + o) + l2 * pi;
    const mi = <f64>(<f32>(beta1 * <f64>load<f32>(m + o) + c1 * gi));
    const vi = <f64>(<f32>(beta2 * <f64>load<f32>(v + o) + c2 * gi * gi));
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    let second = vi;
    if (vMax != 0) {
      second = max(<f64>load<f32>(vMax + o), vi);
      store<f32>(vMax + o, <f32>second);
    }
    store<f32>(p + o, <f32>(pi * shrink - (stepSize * mi) / (Math.sqrt(second) * invBc2Sqrt + eps)));
  }
}
