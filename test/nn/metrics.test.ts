import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  accuracy,
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  DTypeError,
  ShapeError,
} from '../../src/index.js';

const scores = tensor([
  [0.1, 0.7, 0.2],
  [0.5, 0.3, 0.2],
  [0.2, 0.2, 0.6],
  [0.9, 0.05, 0.05],
]);

test('sparse categorical accuracy compares the argmax with int32 labels', () => {
  const labels = tensor([1, 0, 1, 0], { dtype: 'int32' });
  assert.equal(sparseCategoricalAccuracy(scores, labels), 0.75);
  assert.equal(sparseCategoricalAccuracy(scores, tensor([[1], [0], [1], [0]], { dtype: 'int32' })), 0.75);
  assert.equal(accuracy(scores, labels), 0.75);
  assert.throws(() => sparseCategoricalAccuracy(scores, tensor([1, 0, 1, 0])), DTypeError);
  assert.throws(
    () => sparseCategoricalAccuracy(scores, tensor([1, 0], { dtype: 'int32' })),
    (e: Error) => e instanceof ShapeError && /expected labels of shape \[4\]/.test(e.message),
  );
});

test('categorical accuracy compares the argmax of scores and one-hot targets', () => {
  const oneHot = tensor([
    [0, 1, 0],
    [0, 0, 1],
    [0, 0, 1],
    [1, 0, 0],
  ]);
  assert.equal(categoricalAccuracy(scores, oneHot), 0.75);
  assert.equal(accuracy(scores, oneHot), 0.75);
  assert.throws(() => categoricalAccuracy(scores, tensor([[0, 1, 0]])), ShapeError);
});

test('binary accuracy thresholds predictions at 0.5 (or a given threshold)', () => {
  const p = tensor([[0.9], [0.4], [0.6], [0.1], [0.5]]);
  const y = tensor([1, 0, 0, 0, 1]);
  // 0.5 is not above the threshold, so the last one is predicted 0 and is wrong.
  assert.equal(binaryAccuracy(p, y), 3 / 5);
  assert.equal(accuracy(p, y), 3 / 5);
  assert.equal(binaryAccuracy(p, y, { threshold: 0.45 }), 4 / 5);
  assert.equal(
    binaryAccuracy(tensor([2, -1, 0.5]), tensor([1, 0, 0]), { threshold: 0 }),
    2 / 3,
    'threshold 0 for logits',
  );
  assert.throws(() => binaryAccuracy(p, tensor([1, 0])), ShapeError);
});
