/**
 * A classifier's scorecard from its labels and predictions: the confusion matrix (one matmul of
 * one-hot codes, so every backend computes it) and per-class precision and recall. Only the
 * finished C × C matrix and the per-class rates are read to the host, to print and draw.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { eye } from '../../tensor/creation.js';
import { div, mul } from '../../ops/elementwise.js';
import { sum } from '../../ops/reduce.js';
import { oneHot, transpose } from '../../ops/movement.js';
import { matmul } from '../../ops/matmul.js';
import { noGrad } from '../../autograd/mode.js';
import { ArgumentError, ShapeError, describe } from '../../util/errors.js';

export interface ClassificationMetrics {
  /** Samples scored. */
  samples: number;
  /** Correct predictions / samples. */
  accuracy: number;
  /** confusion[t][p]: samples of true class t predicted as p. */
  confusion: number[][];
  /** Of the samples predicted as class c, the fraction that are c; null when none was predicted c. */
  precision: (number | null)[];
  /** Of the samples of class c, the fraction predicted c; null when there are none. */
  recall: (number | null)[];
  /** Samples of each true class. */
  support: number[];
}

/** Rows of a flat row-major matrix. */
function rows(values: ArrayLike<number>, n: number): number[][] {
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => values[r * n + c]));
}

const rate = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * Confusion matrix, precision and recall of `predicted` against `labels` (int32 class indices of
 * the same length N) over `numClasses` classes.
 * @example const m = await classificationMetrics(yTest, argmax(model.predict(xTest), 1), 10);
 */
export async function classificationMetrics(
  labels: Tensor,
  predicted: Tensor,
  numClasses: number,
): Promise<ClassificationMetrics> {
  const fn = 'classificationMetrics';
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ArgumentError(`${fn}: got numClasses=${describe(numClasses)}; expected a positive integer`);
  if (labels.rank !== 1 || predicted.rank !== 1 || labels.shape[0] !== predicted.shape[0])
    throw new ShapeError(
      `${fn}: got labels of shape ${describe(labels.shape)} and predictions of shape ${describe(predicted.shape)}; expected two vectors [N] of the same length`,
    );
  const { confusion, precision, recall, support } = noGrad(() => {
    // Σ_i onehot(label_i) ⊗ onehot(predicted_i): row = true class, column = predicted class.
    const cm = matmul(transpose(oneHot(labels, numClasses)), oneHot(predicted, numClasses));
    const hits = sum(mul(cm, eye(numClasses)), [1]);
    const perTrue = sum(cm, [1]);
    // 0/0 (a class never predicted, or absent) is NaN, reported as null.
    return { confusion: cm, precision: div(hits, sum(cm, [0])), recall: div(hits, perTrue), support: perTrue };
  });
  const matrix = rows(await confusion.data(), numClasses);
  const n = labels.shape[0];
  const correct = matrix.reduce((acc, row, c) => acc + row[c], 0);
  return {
    samples: n,
    accuracy: n === 0 ? Number.NaN : correct / n,
    confusion: matrix,
    precision: [...(await precision.data())].map(rate),
    recall: [...(await recall.data())].map(rate),
    support: [...(await support.data())],
  };
}
