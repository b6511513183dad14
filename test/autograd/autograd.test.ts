import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, grad, noGrad, GradError, manualSeed, randn } from '../../src/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

test('backward accumulates into .grad across calls', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [4, 8, 12]);
});

test('a tensor used twice gets both gradient contributions', () => {
  const x = tensor([3], { requiresGrad: true });
  const y = x.mul(x).add(x.mul(2)); // x² + 2x → 2x + 2 = 8
  y.sum().backward();
  assert.deepEqual(x.grad!.toArray(), [8]);
});

test('backward on a non-scalar without a gradient is refused with a clear error', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  assert.throws(
    () => x.mul(2).backward(),
    (e: Error) => e instanceof GradError && /expected a scalar/.test(e.message),
  );
  x.mul(2).backward(tensor([1, 1]));
  assert.deepEqual(x.grad!.toArray(), [2, 2]);
});

test('the graph is released after backward', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(x).sum();
  y.backward();
  assert.throws(
    () => y.backward(),
    (e: Error) => e instanceof GradError && /retainGraph/.test(e.message),
  );
  const z = x.mul(x).sum();
  z.backward(undefined, { retainGraph: true });
  z.backward();
  assert.deepEqual(x.grad!.toArray(), [2 + 4, 4 + 8]);
});

test('noGrad records nothing and detach cuts the graph', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => x.mul(3));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const z = x.detach().mul(3);
  assert.equal(z.requiresGrad, false);
});

test('grad(fn) returns derivatives without touching .grad', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const [gx] = grad((t) => t.pow(3).sum())(x);
  assert.deepEqual(gx.toArray(), [3, 12, 27]);
  assert.equal(x.grad, null);
});

test('gradcheck catches a wrong gradient (the oracle can fail)', () => {
  manualSeed(1);
  // sin's gradient is cos; pretend it is −cos by composing with a wrong manual rule.
  const x = randn([4]);
  assert.throws(() => gradcheck((t) => t.sin().detach().add(t.mul(0)), [x]));
});
