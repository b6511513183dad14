/**
 * Autograd beyond the basics: very deep graphs, diamonds, grad modes nested inside each other,
 * tensors reused in several branches, explicit output gradients, ops with two outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import {
  tensor,
  grad,
  valueAndGrad,
  noGrad,
  enableGrad,
  isGradEnabled,
  gradientsOf,
  manualSeed,
  uniform,
} from '../../src/index.js';
import { recordOutputs } from '../../src/ops/record.js';
import { gradcheck, assertClose } from '../helpers/gradcheck.js';

test('a chain of 5000 ops back-propagates without a stack overflow', () => {
  const x = tensor([0.3, -0.2], { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 5000; i++) y = y.mul(1.0001);
  y.sum().backward();
  // d/dx of x·c^5000 is c^5000 ≈ e^0.5; float32 rounding of 5000 products stays well inside 1e-3.
  assertClose(x.grad!.dataSync(), [1.0001 ** 5000, 1.0001 ** 5000], 0, 1e-3, 'grad');
});

test('a 10000-op chain of mixed ops (an unrolled RNN’s depth), each step a small diamond', () => {
  const x = tensor([0.5], { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 2000; i++) y = y.add(0.001).mul(1).sub(0.001).tanh().add(T.mul(y, 0)); // 5 recorded ops per step
  y.sum().backward();
  const g = x.grad!.item();
  assert.ok(Number.isFinite(g) && g > 0, `grad ${g}`);
});

test('a 2000-deep diamond (each node used twice) is swept once per node, not once per path', () => {
  const x = tensor([2], { requiresGrad: true });
  let y = x;
  // y ← y·0.5 + y·0.5: 2^2000 paths, each contributing 2^-2000; the sum is exactly 1.
  for (let i = 0; i < 2000; i++) y = T.add(y.mul(0.5), y.mul(0.5));
  const started = Date.now();
  y.sum().backward();
  assert.equal(x.grad!.item(), 1);
  assert.ok(Date.now() - started < 2000, 'linear time');
});

test('noGrad inside grad treats its result as a constant', () => {
  const [g] = grad((x) => {
    const c = noGrad(() => x.mul(3)); // a constant 3x
    assert.equal(c.requiresGrad, false);
    return x.mul(c).sum(); // d/dx (x · const) = const = 3x, not 6x
  })(tensor([1, 2]));
  assert.deepEqual(g.toArray(), [3, 6]);
});

test('enableGrad inside noGrad records again; both restore the mode, even on throw', () => {
  const x = tensor([1], { requiresGrad: true });
  noGrad(() => {
    assert.equal(x.mul(2).requiresGrad, false);
    enableGrad(() => assert.equal(x.mul(2).requiresGrad, true));
    assert.equal(isGradEnabled(), false);
  });
  assert.equal(isGradEnabled(), true);
  assert.throws(
    () =>
      noGrad(() => {
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(isGradEnabled(), true);
  // grad() records even when called under noGrad.
  const [g] = noGrad(() => grad((t) => t.square().sum())(tensor([3])));
  assert.deepEqual(g.toArray(), [6]);
});

test('a tensor used in several branches gets the sum of all branch gradients', () => {
  const x = tensor([0.5, -1], { requiresGrad: true });
  // f = sin(x)·x + exp(x) + x²/2 → f' = cos(x)·x + sin(x) + exp(x) + x
  T.add(T.add(T.mul(T.sin(x), x), T.exp(x)), T.square(x).mul(0.5))
    .sum()
    .backward();
  const expected = [0.5, -1].map((v) => Math.cos(v) * v + Math.sin(v) + Math.exp(v) + v);
  assertClose(x.grad!.dataSync(), expected, 1e-6, 1e-5, 'grad');
  manualSeed(60);
  gradcheck(
    (a, b) => T.add(T.matmul(a, b), T.matmul(a, b.mul(a.sum()))).mul(a.sum(1, { keepDims: true })),
    [uniform([2, 3], -1, 1), uniform([3, 2], -1, 1)],
  );
});

test('backward with an explicit output gradient (a vector-Jacobian product)', () => {
  const x = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  const y = x.mul(tensor([1, 10])).square(); // y = (x·w)²  →  dy/dx = 2·w²·x
  y.backward(
    tensor([
      [1, 0],
      [0.5, 2],
    ]),
  );
  assert.deepEqual(x.grad!.toArray(), [
    [2, 0],
    [3, 1600],
  ]);
  // Non-leaves do not keep their gradient; inputs that do not require grad get none.
  const w = tensor([2]);
  const z = tensor([1, 2], { requiresGrad: true });
  const h = z.mul(w);
  h.backward(tensor([1, 1]));
  assert.equal(h.grad, null);
  assert.equal(w.grad, null);
  assert.deepEqual(z.grad!.toArray(), [2, 2]);
});

test('gradientsOf reaches an intermediate tensor; grad gives zeros for unused inputs', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(3);
  const out = h.square().sum();
  const [gh, gx] = gradientsOf(out, [h, x]);
  assert.deepEqual(gh!.toArray(), [6, 12]);
  assert.deepEqual(gx!.toArray(), [18, 36]);
  const { value, grads } = valueAndGrad((a, _b) => a.mul(2).sum())(tensor([1, 1]), tensor([5]));
  assert.equal(value.item(), 4);
  assert.deepEqual(grads[1].toArray(), [0]);
});

test('gradients accumulate across separate graphs that share a leaf, and leaf grads are not aliased', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = tensor([3, 4], { requiresGrad: true });
  x.add(y).sum().backward(); // add sends the same gradient tensor to both sides
  x.grad!.copy_([100, 1]);
  assert.equal(y.grad!.dataSync()[0], 1, 'x.grad and y.grad must not share storage');
  x.mul(y).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [103, 5]);
  assert.deepEqual(y.grad!.toArray(), [2, 3]);
});

/**
 * A two-output op over x: a = 2x, b = x², recorded as one node (recordOutputs) that counts its
 * backward calls and checks it sees both gradients at once.
 */
function twoOutputs(x: T.Tensor): { a: T.Tensor; b: T.Tensor; calls: { n: number; seen: boolean[][] } } {
  const a = T.noGrad(() => x.mul(2));
  const b = T.noGrad(() => x.square());
  const calls = { n: 0, seen: [] as boolean[][] };
  recordOutputs('twoOutputs', [a, b], [x], ([da, db]) => {
    calls.n++;
    calls.seen.push([da !== null, db !== null]);
    let dx = T.zeros(x.shape);
    if (da) dx = dx.add(da.mul(2));
    if (db) dx = dx.add(db.mul(x).mul(2));
    return [dx];
  });
  return { a, b, calls };
}

test('an op with two outputs is one node: its backward runs once with both gradients, after both are complete', () => {
  const x = tensor([0.5, -1.5], { requiresGrad: true });
  // b feeds a long chain and a; the order in which the sweep meets a and b must not matter.
  const { a, b, calls } = twoOutputs(x);
  let deep = b;
  for (let i = 0; i < 5; i++) deep = deep.mul(1.5).add(a);
  const loss = deep.sum().add(a.mul(3).sum());
  loss.backward();
  assert.equal(calls.n, 1, 'one backward call');
  assert.deepEqual(calls.seen, [[true, true]]);
  // The same function composed from ordinary ops.
  const y = tensor([0.5, -1.5], { requiresGrad: true });
  let d2 = y.square();
  for (let i = 0; i < 5; i++) d2 = d2.mul(1.5).add(y.mul(2));
  d2.sum().add(y.mul(2).mul(3).sum()).backward();
  assertClose(x.grad!.dataSync(), y.grad!.dataSync(), 1e-6, 1e-6, 'dx');
  gradcheck(
    (v) => {
      const o = twoOutputs(v);
      return o.a.mul(o.b).add(o.b);
    },
    [tensor([0.3, -0.7])],
  );
});

test('an op with two outputs: one output used gives null for the other; gradientsOf reaches an output; retainGraph runs it again', () => {
  const x = tensor([2, 3], { requiresGrad: true });
  const { a, b, calls } = twoOutputs(x);
  b.sum().backward(undefined, { retainGraph: true });
  assert.deepEqual(calls.seen, [[false, true]]);
  assert.deepEqual([...x.grad!.dataSync()], [4, 6]);
  a.sum().backward(); // the retained graph, from the other output
  assert.deepEqual(calls.seen[1], [true, false]);
  assert.deepEqual([...x.grad!.dataSync()], [6, 8]);
  assert.throws(() => b.sum().backward(), /already freed/);
  const o = twoOutputs(x);
  const [dB, dx] = gradientsOf(o.a.add(o.b).sum(), [o.b, x]);
  assert.deepEqual([...dB!.dataSync()], [1, 1]);
  assert.deepEqual([...dx!.dataSync()], [6, 8]);
  assert.equal(o.calls.n, 1);
});
