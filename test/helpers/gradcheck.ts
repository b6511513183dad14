/**
 * Finite-difference gradient check: the independent oracle for every differentiable op.
 * For f: inputs → tensor, compare autograd's d(sum(f·w))/dx with central differences
 * (f(x+h) − f(x−h)) / 2h, where w is a fixed random weighting so every output element matters.
 * float32 limits the precision of the differences, so inputs should be O(1) and away from kinks.
 */
import assert from 'node:assert/strict';
import { type Tensor, tensor, grad, noGrad, rand } from '../../src/index.js';

export interface GradcheckOptions {
  /** Step size (default 1e-2: float32 needs a large step for the difference to be accurate). */
  eps?: number;
  /** Absolute tolerance (default 2e-2). */
  atol?: number;
  /** Relative tolerance (default 2e-2). */
  rtol?: number;
}

export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): void {
  const eps = options.eps ?? 1e-2;
  const atol = options.atol ?? 2e-2;
  const rtol = options.rtol ?? 2e-2;
  const probe = noGrad(() => fn(...inputs));
  const weights = rand(probe.shape).mul(2).sub(1).add(0.1);
  const objective = (...xs: Tensor[]): Tensor =>
    fn(...xs)
      .mul(weights)
      .sum();
  const analytic = grad(objective)(...inputs);
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float32') return;
    // Perturb one element at a time by writing the input's values in place (copy_).
    const data = x.dataSync() as Float32Array;
    const got = analytic[i].dataSync();
    for (let j = 0; j < data.length; j++) {
      const orig = data[j];
      data[j] = orig + eps;
      x.copy_(data);
      const plus = noGrad(() => objective(...inputs)).item();
      data[j] = orig - eps;
      x.copy_(data);
      const minus = noGrad(() => objective(...inputs)).item();
      data[j] = orig;
      x.copy_(data);
      const numeric = (plus - minus) / (2 * eps);
      const tol = atol + rtol * Math.abs(numeric);
      assert.ok(
        Math.abs(got[j] - numeric) <= tol,
        `gradcheck: input ${i} element ${j}: autograd ${got[j]} vs finite difference ${numeric} (tolerance ${tol.toFixed(4)})`,
      );
    }
  });
}

/** Values in [lo, hi) that stay clear of 0 by `gap` (for kinks like relu and abs). */
export function awayFromZero(shape: number[], lo = -2, hi = 2, gap = 0.1): Tensor {
  const t = rand(shape)
    .mul(hi - lo)
    .add(lo);
  const d = t.dataSync();
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < gap) d[i] = d[i] < 0 ? -gap - 0.05 : gap + 0.05;
  return tensor(d, { shape });
}

/** Assert two arrays agree elementwise within atol + rtol·|expected|. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-4,
  what = 'values',
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i],
      e = expected[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: got ${a}, expected NaN`);
      continue;
    }
    // ±Infinity must match exactly (the difference of two equal infinities is NaN, not 0).
    if (!Number.isFinite(e)) {
      assert.equal(a, e, `${what}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what}[${i}]: got ${a}, expected ${e}`);
  }
}
