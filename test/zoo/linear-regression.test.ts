import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainSeedLinearRegression, trainBostonLinearRegression } from '../../src/zoo/linear-regression.js';

/** The seed's numpy program, transcribed to plain float64 JavaScript: the independent oracle. */
function seedNumpyOracle(): number[] {
  const X = [
    [1, 2],
    [2, 4],
    [3, 6],
    [4, 8],
  ];
  const y = [3, 6, 9, 12];
  const theta = [0, 0];
  for (let epoch = 0; epoch < 1000; epoch++) {
    const errors = X.map((row, i) => row[0] * theta[0] + row[1] * theta[1] - y[i]);
    for (let j = 0; j < 2; j++) {
      const g = X.reduce((s, row, i) => s + row[j] * errors[i], 0) / y.length;
      theta[j] -= 0.01 * g;
    }
  }
  return theta;
}

test("the seed's linear regression matches its numpy program and predicts ≈ 15", () => {
  const r = trainSeedLinearRegression();
  const oracle = seedNumpyOracle();
  r.theta.forEach((v, i) => assert.ok(Math.abs(v - oracle[i]) < 1e-4, `theta[${i}] = ${v}, numpy gives ${oracle[i]}`));
  assert.ok(Math.abs(r.prediction - 15) < 0.01, `prediction ${r.prediction}`);
});

test('Boston: gradient descent agrees with the closed-form least-squares fit', () => {
  const r = trainBostonLinearRegression({ epochs: 1500 });
  assert.equal(r.trainSamples + r.testSamples, 506);
  assert.ok(
    Math.abs(r.testMse - r.closedForm.testMse) / r.closedForm.testMse < 0.01,
    `test MSE ${r.testMse} vs closed form ${r.closedForm.testMse}`,
  );
  assert.ok(
    Math.abs(r.trainMse - r.closedForm.trainMse) / r.closedForm.trainMse < 0.005,
    `train MSE ${r.trainMse} vs ${r.closedForm.trainMse}`,
  );
  assert.ok(r.testR2 > 0.6, `R² ${r.testR2}`);
});
