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

/** Φ(x) for four lanes. */
// @ts-ignore: decorator
@inline
function phi4(x: v128): v128 {
  const half = f32x4.splat(0.5);
  const z = f32x4.mul(x, f32x4.splat(<f32>Math.SQRT1_2));
  const az = f32x4.abs(z);
  const u = f32x4.mul(z, z);
  // erf(z) = 2/√π · z · Σ (−u)^k / (k!(2k + 1)), k < 7: under 2e-8 of error for |z| < 0.5.
  let s = f32x4.splat(<f32>(-1.0 / (720.0 * 13.0)));
  s = f32x4.add(f32x4.mul(s, u), f32x4.splat(<f32>(1.0 / (120.0 * 11.0))));
  s = f32x4.add(f32x4.mul(s, u), f32x4.splat(<f32>(-1.0 / (24.0 * 9.0))));
  s = f32x4.add(f32x4.mul(s, u), f32x4.splat(<f32>(1.0 / (6.0 * 7.0))));
  s = f32x4.add(f32x4.mul(s, u), f32x4.splat(<f32>(-1.0 / (2.0 * 5.0))));
  s = f32x4.add(f32x4.mul(s, u), f32x4.splat(<f32>(1.0 / 3.0)));
  s = f32x4.sub(f32x4.splat(1), f32x4.mul(s, u));
  const erfSmall = f32x4.mul(f32x4.mul(z, s), f32x4.splat(<f32>(2.0 / Math.sqrt(Math.PI))));
  const small = f32x4.add(half, f32x4.mul(half, erfSmall));
  // erfc(|z|) = t·exp(−z² + P(t)), t = 1/(1 + |z|/2).
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(half, az)));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  const halfErfc = f32x4.mul(f32x4.mul(half, t), exp4(f32x4.sub(p, u)));
  const large = v128.bitselect(halfErfc, f32x4.sub(f32x4.splat(1), halfErfc), f32x4.lt(z, f32x4.splat(0)));
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
  const density = f32x4.mul(
    exp4(f32x4.mul(f32x4.mul(v, v), f32x4.splat(-0.5))),
    f32x4.splat(<f32>(1.0 / Math.sqrt(2.0 * Math.PI))),
  );
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
