/**
 * The exact GELU, x·Φ(x) with Φ the standard normal CDF, forward and backward in one pass each:
 * what ops/activations.ts would compose from five elementwise ops forward (and about ten
 * backward), whose erf has no wasm kernel. Φ comes from erf as in the portable backend's erf
 * (portable/elementwise.ts): a Maclaurin series for |x/√2| < 0.5 and Numerical Recipes' Chebyshev
 * fit of erfc elsewhere (fractional error < 1.2e-7), both computed for all four lanes and one
 * picked. Below zero Φ is taken as ½·erfc(|z|) directly, not 1 − ½(1 + erf), which keeps the
 * relative accuracy of the tiny values far out in the left tail.
 */
import { exp4 } from './elementwise';

/**
 * The constants, each splat over a 16-byte row and read from memory (as exp4's: V8 would rebuild a
 * v128.const splat in the loop on every pass). Rows: 1/√2; the Maclaurin coefficients from k = 6
 * down and 2/√π; the erfc fit's coefficients from t⁹ down; ½, 1, −½ and 1/√(2π).
 */
const K = memory.data<f32>(
  [
    0.7071067811865476, 0.7071067811865476, 0.7071067811865476, 0.7071067811865476,
    -0.00010683760683760684, -0.00010683760683760684, -0.00010683760683760684, -0.00010683760683760684,
    0.0007575757575757576, 0.0007575757575757576, 0.0007575757575757576, 0.0007575757575757576,
    -0.004629629629629629, -0.004629629629629629, -0.004629629629629629, -0.004629629629629629,
    0.023809523809523808, 0.023809523809523808, 0.023809523809523808, 0.023809523809523808,
    -0.1, -0.1, -0.1, -0.1,
    0.3333333333333333, 0.3333333333333333, 0.3333333333333333, 0.3333333333333333,
    1.1283791670955126, 1.1283791670955126, 1.1283791670955126, 1.1283791670955126,
    0.17087277, 0.17087277, 0.17087277, 0.17087277,
    -0.82215223, -0.82215223, -0.82215223, -0.82215223,
    1.48851587, 1.48851587, 1.48851587, 1.48851587,
    -1.13520398, -1.13520398, -1.13520398, -1.13520398,
    0.27886807, 0.27886807, 0.27886807, 0.27886807,
    -0.18628806, -0.18628806, -0.18628806, -0.18628806,
    0.09678418, 0.09678418, 0.09678418, 0.09678418,
    0.37409196, 0.37409196, 0.37409196, 0.37409196,
    1.00002368, 1.00002368, 1.00002368, 1.00002368,
    -1.26551223, -1.26551223, -1.26551223, -1.26551223,
    0.5, 0.5, 0.5, 0.5,
    1, 1, 1, 1,
    -0.5, -0.5, -0.5, -0.5,
    0.3989422804014327, 0.3989422804014327, 0.3989422804014327, 0.3989422804014327,
  ],
  16,
);

/**
 * a·b + c: fused where the relaxed-SIMD build allows it (as the GEMM's), which halves the latency of
 * the long Horner chains below — those chains, not the arithmetic, bound this kernel's speed.
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
  const half = v128.load(K, 288),
    one = v128.load(K, 304);
  const z = f32x4.mul(x, v128.load(K, 0));
  const az = f32x4.abs(z);
  const u = f32x4.mul(z, z);
  // erf(z) = 2/√π · z · Σ (−u)^k / (k!(2k + 1)), k < 7: under 2e-8 of error for |z| < 0.5.
  let s = v128.load(K, 16);
  s = madd(s, u, v128.load(K, 32));
  s = madd(s, u, v128.load(K, 48));
  s = madd(s, u, v128.load(K, 64));
  s = madd(s, u, v128.load(K, 80));
  s = madd(s, u, v128.load(K, 96));
  s = f32x4.sub(one, f32x4.mul(s, u));
  const erfSmall = f32x4.mul(f32x4.mul(z, s), v128.load(K, 112));
  const small = f32x4.add(half, f32x4.mul(half, erfSmall));
  // erfc(|z|) = t·exp(−z² + P(t)), t = 1/(1 + |z|/2).
  const t = f32x4.div(one, f32x4.add(one, f32x4.mul(half, az)));
  let p = v128.load(K, 128);
  p = madd(p, t, v128.load(K, 144));
  p = madd(p, t, v128.load(K, 160));
  p = madd(p, t, v128.load(K, 176));
  p = madd(p, t, v128.load(K, 192));
  p = madd(p, t, v128.load(K, 208));
  p = madd(p, t, v128.load(K, 224));
  p = madd(p, t, v128.load(K, 240));
  p = madd(p, t, v128.load(K, 256));
  p = madd(p, t, v128.load(K, 272));
  const halfErfc = f32x4.mul(f32x4.mul(half, t), exp4(f32x4.sub(p, u)));
  const large = v128.bitselect(halfErfc, f32x4.sub(one, halfErfc), f32x4.lt(z, f32x4.splat(0)));
  // NaN fails the comparison and takes the large branch, whose arithmetic keeps it NaN.
  return v128.bitselect(small, large, f32x4.lt(az, half));
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
  const density = f32x4.mul(exp4(f32x4.mul(f32x4.mul(v, v), v128.load(K, 320))), v128.load(K, 336));
  return f32x4.mul(g, f32x4.add(phi4(v), f32x4.mul(v, density)));
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
