/**
 * One Adam step over a parameter, in place: the loop optim/adam.ts runs over every weight at
 * every step, so everything but the arrays is hoisted out. Arithmetic in float64 (JavaScript
 * numbers) with the moments rounded to float32 as they are stored and then used as stored, as a
 * float32 implementation such as PyTorch's uses them; the wasm kernel repeats it bit for bit.
 */
import type { AdamStep } from '../types.js';

export function adamStep(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vMax: Float32Array | null,
  s: AdamStep,
): void {
  const n = p.length;
  const { beta1, beta2, c1, c2, l2, shrink, stepSize, invBc2Sqrt, eps, sign } = s;
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    const gi = sign * g[i] + l2 * pi;
    const mi = Math.fround(beta1 * m[i] + c1 * gi);
    const vi = Math.fround(beta2 * v[i] + c2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    let second = vi;
    // AMSGrad (a branch the CPU predicts: vMax is the same for the whole loop).
    if (vMax !== null) vMax[i] = second = Math.max(vMax[i], vi);
    p[i] = pi * shrink - (stepSize * mi) / (Math.sqrt(second) * invBc2Sqrt + eps);
  }
}
