/**
 * The exact GELU, x·Φ(x) with Φ the standard normal CDF, forward and backward in one pass each:
 * what ops/activations.ts would compose from five elementwise ops forward (and about ten
 * backward), whose erf has no wasm kernel. Φ(x) = ½·erfc(−x/√2) with erfc from Numerical Recipes'
 * Chebyshev fit (fractional error < 1.2e-7), as the portable backend's erf has it for |z| ≥ 0.5.
 * Φ never cancels — it is ½ at 0, where erf = 1 − erfc would lose digits — so erf's Maclaurin
 * branch near 0 is not needed; below zero Φ is ½·erfc(|z|) itself, which keeps the relative
 * accuracy of the tiny values far out in the left tail.
 */
import { exp4 } from './elementwise';

/**
 * The constants, each splat over a 16-byte row and read from memory (as exp4's: V8 would rebuild a
 * v128.const splat in the loop on every pass). Rows: 1/√2; the fit's coefficients from t⁹ down to
 * t⁰; ½, 1, −½ and 1/√(2π).
 */
const K = memory.data<f32>(
  [
    0.7071067811865476, 0.7071067811865476, 0.7071067811865476, 0.7071067811865476, 0.17087277, 0.17087277, 0.17087277,
    0.17087277, -0.82215223, -0.82215223, -0.82215223, -0.82215223, 1.48851587, 1.48851587, 1.48851587, 1.48851587,
    -1.13520398, -1.13520398, -1.13520398, -1.13520398, 0.27886807, 0.27886807, 0.27886807, 0.27886807, -0.18628806,
    -0.18628806, -0.18628806, -0.18628806, 0.09678418, 0.09678418, 0.09678418, 0.09678418, 0.37409196, 0.37409196,
    0.37409196, 0.37409196, 1.00002368, 1.00002368, 1.00002368, 1.00002368, -1.26551223, -1.26551223, -1.26551223,
    -1.26551223, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, -0.5, -0.5, -0.5, -0.5, 0.3989422804014327, 0.3989422804014327,
    0.3989422804014327, 0.3989422804014327,
  ],
  16,
);
const HALF = 11 * 16,
  ONE = 12 * 16,
  MINUS_HALF = 13 * 16,
  INV_SQRT_2PI = 14 * 16;

/**
 * a·b + c: fused where the relaxed-SIMD build allows it (as the GEMM's), which halves the latency of
 * the long Horner chain below — the chain, not the arithmetic, bounds this kernel's speed.
 */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Φ(x) for four lanes. */
// @ts-ignore: decorator
@inline
function phi4(x: v128): v128 {
  const half = v128.load(K, HALF),
    one = v128.load(K, ONE);
  const z = f32x4.mul(x, v128.load(K));
  // erfc(|z|) = t·exp(−z² + P(t)), t = 1/(1 + |z|/2).
  const t = f32x4.div(one, madd(half, f32x4.abs(z), one));
  let p = v128.load(K, 16);
  p = madd(p, t, v128.load(K, 32));
  p = madd(p, t, v128.load(K, 48));
  p = madd(p, t, v128.load(K, 64));
  p = madd(p, t, v128.load(K, 80));
  p = madd(p, t, v128.load(K, 96));
  p = madd(p, t, v128.load(K, 112));
  p = madd(p, t, v128.load(K, 128));
  p = madd(p, t, v128.load(K, 144));
  p = madd(p, t, v128.load(K, 160));
  const halfErfc = f32x4.mul(f32x4.mul(half, t), exp4(f32x4.sub(p, f32x4.mul(z, z))));
  // NaN fails the comparison and stays NaN through 1 − ½·erfc.
  return v128.bitselect(halfErfc, f32x4.sub(one, halfErfc), f32x4.lt(z, f32x4.splat(0)));
}

/** out[i] = x[i]·Φ(x[i]) for n floats. */
export function gelu(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = (<usize>i) << 2;
    const v = v128.load(x + q);
    v128.store(out + q, f32x4.mul(v, phi4(v)));
  }
  for (; i < n; i++) {
    const q = (<usize>i) << 2;
    const v = f32x4.splat(load<f32>(x + q));
    store<f32>(out + q, f32x4.extract_lane(f32x4.mul(v, phi4(v)), 0));
  }
}

/** dGELU/dx = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), times g. */
// @ts-ignore: decorator
@inline
function geluGrad4(g: v128, v: v128): v128 {
  const density = f32x4.mul(exp4(f32x4.mul(f32x4.mul(v, v), v128.load(K, MINUS_HALF))), v128.load(K, INV_SQRT_2PI));
  return f32x4.mul(g, madd(v, density, phi4(v)));
}

/** dx[i] = g[i]·GELU′(x[i]) for n floats. */
export function geluBackward(g: usize, x: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = (<usize>i) << 2;
    v128.store(dx + q, geluGrad4(v128.load(g + q), v128.load(x + q)));
  }
  for (; i < n; i++) {
    const q = (<usize>i) << 2;
    const r = geluGrad4(f32x4.splat(load<f32>(g + q)), f32x4.splat(load<f32>(x + q)));
    store<f32>(dx + q, f32x4.extract_lane(r, 0));
  }
}
