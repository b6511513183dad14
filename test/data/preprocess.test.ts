import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  standardize,
  trainTestSplit,
  bostonHousing,
  tensor,
  manualSeed,
  ShapeError,
  ArgumentError,
  type Tensor,
} from '../../src/index.js';

/** Per-column mean and population std, computed in float64 from the raw values. */
function columnStats(x: Tensor): { mean: number[]; std: number[] } {
  const [n, f] = x.shape;
  const mean = new Array(f).fill(0);
  const std = new Array(f).fill(0);
  const xValues = x.dataSync();
  for (let r = 0; r < n; r++) for (let c = 0; c < f; c++) mean[c] += xValues[r * f + c] / n;
  for (let r = 0; r < n; r++) for (let c = 0; c < f; c++) std[c] += (xValues[r * f + c] - mean[c]) ** 2 / n;
  return { mean, std: std.map(Math.sqrt) };
}

test('standardize: the train set gets mean 0 and std 1 per feature; test uses the train statistics', () => {
  const { features } = bostonHousing.loadData();
  const [[xTrain], [xTest]] = trainTestSplit(features, features, { testFraction: 0.2, seed: 1 });
  const { train, test: scaledTest, mean, std } = standardize(xTrain, xTest);
  const s = columnStats(train);
  for (let c = 0; c < 13; c++) {
    // The statistics are float32 sums (ops on the backend), good to ~1e-5 of a feature's mean/std ratio.
    assert.ok(Math.abs(s.mean[c]) < 1e-4, `feature ${c} mean ${s.mean[c]}`);
    assert.ok(Math.abs(s.std[c] - 1) < 1e-4, `feature ${c} std ${s.std[c]}`);
  }
  const raw = columnStats(xTrain);
  assert.deepEqual(mean.shape, [13]);
  for (let c = 0; c < 13; c++) {
    assert.ok(Math.abs(mean.dataSync()[c] - raw.mean[c]) < 1e-3 * Math.max(1, Math.abs(raw.mean[c])));
    assert.ok(Math.abs(std.dataSync()[c] - raw.std[c]) < 1e-3 * Math.max(1, raw.std[c]));
  }
  // Test rows are scaled with the train mean/std, not their own.
  const expected = (xTest.dataSync()[0] - raw.mean[0]) / raw.std[0];
  assert.ok(Math.abs(scaledTest!.dataSync()[0] - expected) < 1e-4);
});

test('standardize: hand-checked values, a constant column, and shape checks', () => {
  const { train, test } = standardize(
    tensor([
      [1, 5],
      [3, 5],
    ]),
    tensor([[5, 7]]),
  );
  assert.deepEqual(train.toArray(), [
    [-1, 0],
    [1, 0],
  ]); // mean 2, std 1; constant column keeps std 1
  assert.deepEqual(test!.toArray(), [[3, 2]]);
  assert.throws(() => standardize(tensor([[1, 2]]), tensor([[1, 2, 3]])), ShapeError);
  assert.equal(standardize(tensor([[1], [2]])).test, undefined);
});

test('trainTestSplit: sizes, x/y stay aligned, the split is a partition, and a seed fixes it', () => {
  const n = 50;
  const x = tensor(Array.from({ length: n }, (_, i) => [i, 10 * i]));
  const y = tensor(
    Array.from({ length: n }, (_, i) => i),
    { dtype: 'int32' },
  );
  const [[xTrain, yTrain], [xTest, yTest]] = trainTestSplit(x, y, { testFraction: 0.2, seed: 7 });
  assert.deepEqual([xTrain.shape, yTrain.shape, xTest.shape, yTest.shape], [[40, 2], [40], [10, 2], [10]]);
  assert.equal(yTest.dtype, 'int32');
  const xTrainValues = xTrain.dataSync(),
    yTrainValues = yTrain.dataSync();
  for (let i = 0; i < 40; i++)
    assert.deepEqual([xTrainValues[2 * i], xTrainValues[2 * i + 1]], [yTrainValues[i], 10 * yTrainValues[i]]);
  const all = [...yTrain.dataSync(), ...yTest.dataSync()].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: n }, (_, i) => i),
  );
  assert.notDeepEqual(
    Array.from(yTest.dataSync()),
    Array.from({ length: 10 }, (_, i) => i),
  ); // shuffled, not the head
  // Same seed → same split, whatever the global generator did in between.
  manualSeed(123);
  const again = trainTestSplit(x, y, { testFraction: 0.2, seed: 7 });
  assert.deepEqual(Array.from(again[1][1].dataSync()), Array.from(yTest.dataSync()));
  assert.notDeepEqual(Array.from(trainTestSplit(x, y, { seed: 8 })[1][1].dataSync()), Array.from(yTest.dataSync()));
  // Without a seed the global generator decides, so manualSeed makes it reproducible.
  manualSeed(5);
  const a = trainTestSplit(x, y);
  manualSeed(5);
  const b = trainTestSplit(x, y);
  assert.deepEqual(Array.from(a[1][1].dataSync()), Array.from(b[1][1].dataSync()));
});

test('trainTestSplit refuses misaligned data and impossible fractions', () => {
  assert.throws(() => trainTestSplit(tensor([[1], [2]]), tensor([1, 2, 3])), ShapeError);
  assert.throws(() => trainTestSplit(tensor([1, 2]), tensor([1, 2]), { testFraction: 1 }), ArgumentError);
  assert.throws(
    () => trainTestSplit(tensor([1, 2]), tensor([1, 2]), { testFraction: 0.9 }),
    /leave no training samples/,
  );
});
