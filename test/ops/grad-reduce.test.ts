/**
 * Finite-difference gradient checks for reductions over one axis, several axes (contiguous and
 * not), all axes, with and without keepDims; plus closed-form values for the forward.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import { tensor, uniform, manualSeed, randomPermutation, type Tensor } from '../../src/index.js';
import { gradcheck, assertClose } from '../helpers/gradcheck.js';

type Axes = number | number[] | undefined;
/** Axis sets to try on a [2,3,4] tensor: none (all), one, negative, contiguous pair, split pair, all three. */
const AXES: Axes[] = [undefined, 0, 1, -1, [0, 1], [1, 2], [0, 2], [0, 1, 2]];

/** Distinct values at least 0.25 apart (in random order), so max/min never has a near-tie. */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  const perm = randomPermutation(n);
  return tensor(
    Float32Array.from(perm, (v) => (v - n / 2) * 0.25),
    { shape },
  );
}

test('grad: sum and mean over every kind of axis set, with and without keepDims', () => {
  manualSeed(20);
  const x = uniform([2, 3, 4], -2, 2);
  for (const axes of AXES) {
    for (const keepDims of [false, true]) {
      gradcheck((a) => T.sum(a, axes, { keepDims }), [x]);
      gradcheck((a) => T.mean(a, axes, { keepDims }), [x]);
    }
  }
});

test('grad: max and min over axis sets (distinct values)', () => {
  manualSeed(21);
  const x = distinct([2, 3, 4]);
  for (const axes of AXES) {
    for (const keepDims of [false, true]) {
      gradcheck((a) => T.max(a, axes, { keepDims }), [x]);
      gradcheck((a) => T.min(a, axes, { keepDims }), [x]);
    }
  }
});

test('max spreads the gradient evenly over tied maxima', () => {
  const x = tensor(
    [
      [1, 3, 3],
      [2, 0, 2],
    ],
    { requiresGrad: true },
  );
  T.max(x, 1).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [
    [0, 0.5, 0.5],
    [0.5, 0, 0.5],
  ]);
});

test('grad: variance and std with correction 0 and 1', () => {
  manualSeed(22);
  const x = uniform([2, 3, 4], -2, 2);
  for (const axes of [undefined, 1, [0, 2], [1, 2]] as Axes[]) {
    for (const correction of [0, 1]) {
      for (const keepDims of [false, true]) {
        gradcheck((a) => T.variance(a, axes, { correction, keepDims }), [x]);
        gradcheck((a) => T.std(a, axes, { correction, keepDims }), [x]);
      }
    }
  }
});

test('grad: logSumExp over axis sets, including large values', () => {
  manualSeed(23);
  const x = uniform([2, 3, 4], -2, 2);
  for (const axes of AXES) {
    gradcheck((a) => T.logSumExp(a, axes), [x]);
    gradcheck((a) => T.logSumExp(a, axes, { keepDims: true }), [x]);
  }
  gradcheck((a) => T.logSumExp(a, 1), [T.add(uniform([2, 3], -1, 1), 300)]);
});

test('reductions give closed-form values on a non-contiguous axis set', () => {
  // x[i,j,k] = 12i + 4j + k, an arange reshaped to [2,3,4].
  const x = T.arange(24).reshape([2, 3, 4]);
  // Sum over axes 0 and 2: Σ_i Σ_k (12i + 4j + k) = 4·12 + 2·4·4j + 2·6 = 60 + 32j.
  assert.deepEqual(T.sum(x, [0, 2]).toArray(), [60, 92, 124]);
  assert.deepEqual(T.sum(x, [0, 2], { keepDims: true }).shape, [1, 3, 1]);
  assert.deepEqual(T.mean(x, [0, 2]).toArray(), [7.5, 11.5, 15.5]);
  assert.deepEqual(T.max(x, [0, 2]).toArray(), [15, 19, 23]);
  assert.deepEqual(T.min(x, [2, 0]).toArray(), [0, 4, 8]);
  // Variance over [0,2] of {12i + k}: i∈{0,1}, k∈{0..3}: population var = 36 + 1.25.
  assertClose(T.variance(x, [0, 2]).dataSync(), [37.25, 37.25, 37.25]);
  assertClose(T.variance(x, [0, 2], { correction: 1 }).dataSync(), [(37.25 * 8) / 7, (37.25 * 8) / 7, (37.25 * 8) / 7]);
  assert.deepEqual(T.sum(x).shape, []);
  assert.equal(T.sum(x).item(), 276);
});

test('argmax/argmin: per axis, flattened, keepDims, first index on ties', () => {
  const x = tensor([
    [1, 5, 5, 0],
    [7, -1, 7, -1],
  ]);
  assert.deepEqual(T.argmax(x, 1).toArray(), [1, 0]);
  assert.deepEqual(T.argmin(x, 1).toArray(), [3, 1]);
  assert.deepEqual(T.argmax(x, 0).toArray(), [1, 0, 1, 0]);
  assert.deepEqual(T.argmax(x, -1, { keepDims: true }).shape, [2, 1]);
  assert.equal(T.argmax(x).item(), 4);
  assert.equal(T.argmin(x).item(), 5);
  assert.equal(T.argmax(x).dtype, 'int32');
});

test('sum and max of int32 stay int32; mean of int32 is float32', () => {
  const x = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: 'int32' },
  );
  assert.equal(T.sum(x).dtype, 'int32');
  assert.equal(T.max(x, 0).dtype, 'int32');
  assert.equal(T.mean(x).dtype, 'float32');
  assert.equal(T.mean(x).item(), 2.5);
});
