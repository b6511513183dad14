/**
 * Finite-difference gradient checks for every differentiable elementwise op and activation,
 * including broadcasting of binary ops. Inputs are O(1) and kept clear of kinks (0 for relu/abs,
 * the bounds of clamp, ties of maximum/minimum) where the derivative jumps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import { tensor, uniform, manualSeed, type Tensor } from '../../src/index.js';
import { gradcheck, awayFromZero } from '../helpers/gradcheck.js';

/** Uniform values in [lo, hi). */
const u = (shape: number[], lo = -2, hi = 2): Tensor => uniform(shape, lo, hi);
/** Positive values, for log/sqrt/pow bases and divisors. */
const pos = (shape: number[]): Tensor => uniform(shape, 0.5, 2);

test('grad: add, sub, mul, div on equal shapes and with numbers', () => {
  manualSeed(10);
  const x = u([3, 4]),
    y = u([3, 4]),
    d = awayFromZero([3, 4], -2, 2, 0.5);
  gradcheck((a, b) => T.add(a, b), [x, y]);
  gradcheck((a, b) => T.sub(a, b), [x, y]);
  gradcheck((a, b) => T.mul(a, b), [x, y]);
  gradcheck((a, b) => T.div(a, b), [x, d]);
  gradcheck((a) => T.sub(2, a).mul(3).div(1.5).add(0.5), [x]);
  gradcheck((a) => T.div(1, a), [d]);
});

test('grad: binary ops broadcast and sum the gradient back to each operand shape', () => {
  manualSeed(11);
  const shapes: [number[], number[]][] = [
    [[3, 1], [4]],
    [
      [2, 3, 4],
      [3, 1],
    ],
    [
      [1, 4],
      [3, 1],
    ],
    [[], [2, 3]],
    [
      [2, 1, 3],
      [1, 4, 1],
    ],
  ];
  for (const [sa, sb] of shapes) {
    const a = u(sa),
      b = u(sb),
      bp = pos(sb);
    gradcheck((x, y) => T.add(x, y), [a, b]);
    gradcheck((x, y) => T.sub(x, y), [a, b]);
    gradcheck((x, y) => T.mul(x, y), [a, b]);
    gradcheck((x, y) => T.div(x, y), [a, bp]);
    gradcheck((x, y) => T.div(y, x), [pos(sa), b]);
  }
});

test('grad: pow with respect to base and exponent, broadcast both ways', () => {
  manualSeed(12);
  gradcheck((x, y) => T.pow(x, y), [pos([3, 4]), u([3, 4], -1.5, 1.5)]);
  gradcheck((x, y) => T.pow(x, y), [pos([3, 1]), u([4], -1.5, 1.5)]);
  gradcheck((x, y) => T.pow(x, y), [pos([4]), u([2, 1], -1.5, 1.5)]);
  // Constant exponents, including a negative base with an integer power.
  gradcheck((x) => T.pow(x, 3), [u([5])]);
  gradcheck((x) => T.pow(x, -0.5), [pos([5])]);
  gradcheck((y) => T.pow(2, y), [u([5])]);
});

/** y = x ± an offset of at least `gap`, so maximum/minimum never sees a near-tie. */
function apart(x: Tensor, gap = 0.3): Tensor {
  const off = awayFromZero([...x.shape], -1, 1, gap);
  return T.add(x.detach(), off);
}

test('grad: maximum and minimum route the gradient to the winner, with broadcasting', () => {
  manualSeed(13);
  const x = u([3, 4]);
  const y = apart(x);
  gradcheck((a, b) => T.maximum(a, b), [x, y]);
  gradcheck((a, b) => T.minimum(a, b), [x, y]);
  const row = tensor([-0.5, 0.1, 0.7, 1.3]); // [4], compared against a [3,1] column
  const col = tensor([[-0.2], [0.4], [1.0]]);
  gradcheck((a, b) => T.maximum(a, b), [col, row]);
  gradcheck((a, b) => T.minimum(a, b), [col, row]);
  gradcheck((a) => T.maximum(a, 0.25), [tensor([-1, 0, 0.5, 1.5])]);
});

test('maximum/minimum split the gradient evenly on exact ties (PyTorch convention)', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = tensor([1, 5, 0], { requiresGrad: true });
  T.maximum(x, y).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [0.5, 0, 1]);
  assert.deepEqual(y.grad!.toArray(), [0.5, 1, 0]);
});

test('grad: where sends the gradient to the chosen branch, broadcasting cond and both branches', () => {
  manualSeed(14);
  const cond = tensor([[1], [0], [1]], { dtype: 'int32' }); // [3,1]
  gradcheck((a, b) => T.where(cond, a, b), [u([3, 4]), u([4])]);
  gradcheck((a, b) => T.where(T.gt(a, 0), T.mul(a, b), b), [awayFromZero([2, 3]), u([2, 3])]);
  gradcheck((a) => T.where(cond, a, 0), [u([3, 4])]);
});

test('grad: smooth unary ops', () => {
  manualSeed(15);
  const x = u([2, 5]);
  const p = pos([2, 5]);
  const nz = awayFromZero([2, 5], -2, 2, 0.4);
  gradcheck((a) => T.neg(a), [x]);
  gradcheck((a) => T.exp(a), [x]);
  gradcheck((a) => T.log(a), [p]);
  gradcheck((a) => T.sqrt(a), [p]);
  gradcheck((a) => T.square(a), [x]);
  gradcheck((a) => T.reciprocal(a), [nz]);
  gradcheck((a) => T.sin(a), [x]);
  gradcheck((a) => T.cos(a), [x]);
  gradcheck((a) => T.erf(a), [x]);
  gradcheck((a) => T.sigmoid(a), [u([2, 5], -4, 4)]);
  gradcheck((a) => T.tanh(a), [x]);
});

test('grad: abs, relu, clamp away from their kinks', () => {
  manualSeed(16);
  const x = awayFromZero([3, 4]);
  gradcheck((a) => T.abs(a), [x]);
  gradcheck((a) => T.relu(a), [x]);
  // Values clear of the bounds -1 and 0.5 by at least 0.1.
  const c = tensor([-2, -1.3, -0.8, -0.2, 0.3, 0.7, 1.5, -1.7]);
  gradcheck((a) => T.clamp(a, -1, 0.5), [c]);
  gradcheck((a) => T.clamp(a, -1), [c]);
  gradcheck((a) => T.clamp(a, undefined, 0.5), [c]);
});

test('grad: activations (leakyRelu, elu, gelu exact and tanh, silu, softplus)', () => {
  manualSeed(17);
  const x = awayFromZero([3, 4], -3, 3, 0.2);
  gradcheck((a) => T.leakyRelu(a, 0.2), [x]);
  gradcheck((a) => T.elu(a), [x]);
  gradcheck((a) => T.elu(a, 0.7), [x]);
  gradcheck((a) => T.gelu(a), [x]);
  gradcheck((a) => T.gelu(a, { approximate: 'none' }), [x]);
  gradcheck((a) => T.gelu(a, { approximate: 'tanh' }), [x]);
  gradcheck((a) => T.silu(a), [x]);
  gradcheck((a) => T.softplus(a), [u([3, 4], -4, 4)]);
});

test('grad: softmax and logSoftmax along each axis', () => {
  manualSeed(18);
  const x = u([2, 3, 4]);
  for (const axis of [0, 1, 2, -1]) {
    gradcheck((a) => T.softmax(a, axis), [x]);
    gradcheck((a) => T.logSoftmax(a, axis), [x]);
  }
  // Large logits: the stable form must still give the right derivative.
  gradcheck((a) => T.logSoftmax(a), [T.add(u([2, 4]), 500)]);
});

test('softmax with −∞ (masked) entries gives finite gradients, zero at the masked positions', () => {
  const x = tensor(
    [
      [0.5, -Infinity, 1.5],
      [-Infinity, 2, 0],
    ],
    { requiresGrad: true },
  );
  const w = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  T.softmax(x).mul(w).sum().backward();
  const g = x.grad!.toFlatArray();
  assert.ok(g.every(Number.isFinite), `gradient ${g}`);
  assert.equal(g[1], 0);
  assert.equal(g[3], 0);
});

test('activation gradients stay finite at extreme inputs', () => {
  const x = tensor([-100, -30, 30, 100], { requiresGrad: true });
  const grads = (f: (t: Tensor) => Tensor): number[] => T.grad((t) => f(t).sum())(x)[0].toFlatArray();
  for (const [name, f] of [
    ['sigmoid', T.sigmoid],
    ['tanh', T.tanh],
    ['softplus', T.softplus],
    ['silu', T.silu],
    ['elu', T.elu],
    ['gelu', T.gelu],
    ['leakyRelu', T.leakyRelu],
  ] as [string, (t: Tensor) => Tensor][]) {
    const g = grads(f);
    assert.ok(g.every(Number.isFinite), `${name}: gradient ${g}`);
  }
  // Closed forms at the extremes: elu' = 1 and softplus' = 1 for large x, softplus' ≈ 0 for very negative x.
  assert.equal(grads(T.elu)[3], 1);
  assert.equal(grads(T.softplus)[3], 1);
  assert.ok(Math.abs(grads(T.softplus)[0]) < 1e-30);
});

test('smooth activations have their true derivative at exactly 0', () => {
  const zero = tensor([0]);
  const at0 = (f: (t: Tensor) => Tensor): number => T.grad((t) => f(t).sum())(zero)[0].item();
  assert.equal(at0(T.softplus), 0.5); // σ(0)
  assert.equal(at0(T.sigmoid), 0.25);
  assert.equal(at0(T.silu), 0.5);
  assert.equal(at0(T.gelu), 0.5); // Φ(0)
  assert.equal(at0(T.elu), 1);
  assert.equal(at0(T.tanh), 1);
});
