/**
 * The seed's linear regression (section 4.1) trained by GradientDescent through autograd, checked
 * against the seed's own numpy loop rewritten in plain float64 JavaScript:
 *   theta = zeros(2); repeat 1000: theta -= lr * X.T @ (X @ theta - y) / len(y)
 * The seed's gradient X.T·e/m is the gradient of J = (1/2m)·Σe², half the mean squared error,
 * so that is the loss given to backward.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, noGrad, GradientDescent } from '../../src/index.js';

const X = [
  [1, 2],
  [2, 4],
  [3, 6],
  [4, 8],
];
const y = [3, 6, 9, 12];
const lr = 0.01;
const epochs = 1000;

/** The seed's numpy code, line for line, in float64. */
function seedNumpy(): number[] {
  const theta = [0, 0];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const errors = X.map((row, i) => row[0] * theta[0] + row[1] * theta[1] - y[i]);
    const gradients = [0, 1].map((j) => X.reduce((s, row, i) => s + row[j] * errors[i], 0) / y.length);
    theta[0] -= lr * gradients[0];
    theta[1] -= lr * gradients[1];
  }
  return theta;
}

test('GradientDescent on the seed linear regression predicts [[5, 10]] ≈ 15 and matches the seed numpy loop', () => {
  const inputs = tensor(X);
  const targets = tensor(y.map((v) => [v]));
  const theta = zeros([2, 1], { requiresGrad: true });
  const opt = new GradientDescent([theta], { lr });
  let firstLoss = NaN;
  let lastLoss = NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    opt.zeroGrad();
    const loss = inputs.matmul(theta).sub(targets).square().mean().mul(0.5);
    loss.backward();
    opt.step();
    if (epoch === 0) firstLoss = loss.item();
    lastLoss = loss.item();
  }
  const reference = seedNumpy();
  theta
    .toFlatArray()
    .forEach((v, j) =>
      assert.ok(Math.abs(v - reference[j]) < 1e-5, `theta[${j}] = ${v}; the seed's numpy loop gives ${reference[j]}`),
    );
  const prediction = noGrad(() => tensor([[5, 10]]).matmul(theta)).item();
  const referencePrediction = 5 * reference[0] + 10 * reference[1];
  assert.ok(Math.abs(prediction - 15) < 0.05, `prediction ${prediction}, expected ≈ 15`);
  assert.ok(
    Math.abs(prediction - referencePrediction) < 1e-4,
    `prediction ${prediction}; the numpy loop predicts ${referencePrediction}`,
  );
  assert.ok(lastLoss < firstLoss * 1e-6, `loss fell from ${firstLoss} to ${lastLoss}`);
});
