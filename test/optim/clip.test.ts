/** Gradient clipping beyond the PyTorch fixtures: by value, non-finite norms, missing gradients. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor, clipGradNorm, clipGradValue, ArgumentError, GradError } from '../../src/index.js';

function withGrad(grad: number[]): Tensor {
  const p = tensor(new Float32Array(grad.length), { requiresGrad: true });
  p.grad = tensor(grad);
  return p;
}

test('clipGradNorm scales by maxNorm / (norm + 1e-6), on one tensor or many, skipping params without grads', () => {
  const a = withGrad([3, 0]);
  const b = withGrad([0, 4]);
  const none = tensor([1, 2], { requiresGrad: true });
  const total = clipGradNorm([a, none, b], 1);
  assert.equal(total.item(), 5);
  const coef = 1 / (5 + 1e-6);
  assert.deepEqual(a.grad!.toArray(), [Math.fround(3 * coef), 0]);
  assert.deepEqual(b.grad!.toArray(), [0, Math.fround(4 * coef)]);
  assert.equal(none.grad, null);
  const single = withGrad([-6, 8]);
  assert.equal(clipGradNorm(single, 5, Infinity).item(), 8);
  assert.deepEqual(
    single.grad!.toArray(),
    [-6, 8].map((v) => Math.fround(v * (5 / (8 + 1e-6)))),
  );
  assert.equal(clipGradNorm([none], 1).item(), 0, 'no gradients: norm 0');
});

test('clipGradNorm with a non-finite norm writes NaN, or throws with errorIfNonfinite', () => {
  const p = withGrad([1, Infinity]);
  assert.throws(
    () => clipGradNorm([p], 1, 2, { errorIfNonfinite: true }),
    (e: Error) =>
      e instanceof GradError &&
      /clipGradNorm: the total 2-norm of the gradients is Infinity; expected a finite norm/.test(e.message),
  );
  assert.deepEqual(p.grad!.toArray(), [1, Infinity], 'unchanged when it throws');
  const q = withGrad([1, NaN]);
  assert.ok(Number.isNaN(clipGradNorm([q], 1).item()));
  assert.ok(q.grad!.toFlatArray().every(Number.isNaN));
});

test('clipGradValue clamps each component into [-c, c]', () => {
  const p = withGrad([-3, -0.5, 0, 0.25, 7]);
  clipGradValue([p, tensor([0])], 0.5);
  assert.deepEqual(p.grad!.toArray(), [-0.5, -0.5, 0, 0.25, 0.5]);
});

test('clipping refuses bad arguments', () => {
  const p = withGrad([1]);
  assert.throws(
    () => clipGradNorm([p], -1),
    (e: Error) => e instanceof ArgumentError && /clipGradNorm: maxNorm got -1; expected a number >= 0/.test(e.message),
  );
  assert.throws(() => clipGradNorm([p], 1, 0), /clipGradNorm: normType got 0; expected a number > 0 or Infinity/);
  assert.throws(() => clipGradValue([p], NaN), /clipGradValue: clipValue got NaN/);
  assert.throws(() => clipGradValue(5 as never, 1), /clipGradValue: params got 5; expected a Tensor or an iterable/);
  assert.throws(() => clipGradNorm([p, 'w'] as never, 1), /clipGradNorm: got "w" among the parameters/);
});
