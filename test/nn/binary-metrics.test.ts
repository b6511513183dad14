import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ShapeError, binaryMetrics, tensor } from '../../src/index.js';

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} ≠ ${b}`);

test('binaryMetrics: accuracy, precision, recall and F1 of class 1 against a hand count', () => {
  // labels 1 1 1 0 0 0 0 1, predicted 1 0 1 1 0 0 1 1: TP 3, FP 2, FN 1, TN 2.
  const labels = tensor([1, 1, 1, 0, 0, 0, 0, 1]);
  const predicted = tensor([1, 0, 1, 1, 0, 0, 1, 1], { dtype: 'int32' });
  const m = binaryMetrics(predicted, labels);
  close(m.accuracy, 5 / 8, 'accuracy');
  close(m.precision, 3 / 5, 'precision');
  close(m.recall, 3 / 4, 'recall');
  close(m.f1, (2 * (3 / 5) * (3 / 4)) / (3 / 5 + 3 / 4), 'f1 = harmonic mean');
  // Probabilities [N, 1] thresholded at 0.5 give the same classes; a logit threshold too.
  const probs = tensor([[0.9], [0.2], [0.6], [0.51], [0.1], [0.5], [0.7], [0.99]]);
  assert.deepEqual(binaryMetrics(probs, labels), m);
  const logits = tensor([3, -1, 0.4, 0.1, -2, 0, 1, 5]);
  assert.deepEqual(binaryMetrics(logits, labels, { threshold: 0 }), m);
});

test('binaryMetrics: no positive predictions give precision and F1 0, not NaN', () => {
  const m = binaryMetrics(tensor([0, 0, 0, 0]), tensor([1, 0, 1, 0]));
  assert.deepEqual(m, { accuracy: 0.5, precision: 0, recall: 0, f1: 0 });
  const none = binaryMetrics(tensor([0, 0]), tensor([0, 0]));
  assert.deepEqual(none, { accuracy: 1, precision: 0, recall: 0, f1: 0 }, 'no 1 anywhere');
  assert.equal(binaryMetrics(tensor([1, 1]), tensor([1, 1])).f1, 1);
});

test('binaryMetrics: refuses mismatched shapes and bad thresholds, naming itself', () => {
  assert.throws(
    () => binaryMetrics(tensor([1, 0, 1]), tensor([1, 0])),
    (e: Error) => e instanceof ShapeError && /^binaryMetrics:/.test(e.message),
  );
  assert.throws(() => binaryMetrics(tensor([[1, 0]]), tensor([1, 0])), ShapeError);
  assert.throws(() => binaryMetrics(tensor([1]), tensor([1]), { threshold: Number.NaN }), ArgumentError);
  assert.throws(() => binaryMetrics([1] as never, tensor([1])), /binaryMetrics: got/);
});
