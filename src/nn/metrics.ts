/**
 * Accuracy metrics. They return a plain number (the fraction correct, in [0, 1]) since nothing is
 * differentiated through them; a training loop averages them over batches weighted by batch size.
 */
import { Tensor } from '../tensor/tensor.js';
import { sameShape } from '../tensor/shape.js';
import { argmax } from '../ops/reduce.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';

/**
 * Binary accuracy: a prediction counts as class 1 when it is above `threshold` (default 0.5; use 0
 * for logits), and is compared with the target rounded at 0.5. Targets may be [N] for predictions [N, 1].
 */
export function binaryAccuracy(yPred: Tensor, yTrue: Tensor, options: { threshold?: number } = {}): number {
  const fn = 'binaryAccuracy';
  checkTensors(fn, yPred, yTrue);
  const threshold = options.threshold ?? 0.5;
  if (!Number.isFinite(threshold)) throw new ArgumentError(`${fn}: got threshold=${describe(threshold)}; expected a finite number`);
  const trailingOne = yPred.rank === yTrue.rank + 1 && yPred.shape[yPred.rank - 1] === 1 && sameShape(yPred.shape.slice(0, -1), yTrue.shape);
  if (!sameShape(yPred.shape, yTrue.shape) && !trailingOne) {
    throw new ShapeError(`${fn}: predictions have shape ${describe(yPred.shape)} but targets ${describe(yTrue.shape)}; expected the same shape`);
  }
  const p = yPred.dataSync(), t = yTrue.dataSync();
  let correct = 0;
  for (let i = 0; i < p.length; i++) if ((p[i] > threshold) === (t[i] >= 0.5)) correct++;
  return p.length ? correct / p.length : 0;
}

/** Fraction of rows whose highest score is at the int32 label; labels [N] (or [N, 1]) for scores [N, C]. */
export function sparseCategoricalAccuracy(yPred: Tensor, labels: Tensor): number {
  const fn = 'sparseCategoricalAccuracy';
  checkTensors(fn, yPred, labels);
  if (labels.dtype !== 'int32') throw new DTypeError(`${fn}: got labels of dtype ${labels.dtype}; expected int32 class indices (convert with labels.int())`);
  if (yPred.rank === 0) throw new ShapeError(`${fn}: got 0-d predictions; expected shape [..., classes]`);
  const batchShape = yPred.shape.slice(0, -1);
  const flatLabels = sameShape(labels.shape, batchShape) || sameShape(labels.shape, [...batchShape, 1]);
  if (!flatLabels) {
    throw new ShapeError(`${fn}: predictions have shape ${describe(yPred.shape)} but labels ${describe(labels.shape)}; expected labels of shape ${describe(batchShape)}`);
  }
  return agreement(argmax(yPred, -1).dataSync(), labels.dataSync());
}

/** Fraction of rows whose highest score matches the highest target (one-hot or soft targets). */
export function categoricalAccuracy(yPred: Tensor, yTrue: Tensor): number {
  const fn = 'categoricalAccuracy';
  checkTensors(fn, yPred, yTrue);
  if (yPred.rank === 0 || !sameShape(yPred.shape, yTrue.shape)) {
    throw new ShapeError(`${fn}: predictions have shape ${describe(yPred.shape)} but targets ${describe(yTrue.shape)}; expected one-hot targets of the same shape [..., classes]`);
  }
  return agreement(argmax(yPred, -1).dataSync(), argmax(yTrue, -1).dataSync());
}

/**
 * Accuracy, choosing the form from the shapes as Keras's 'accuracy' does: int32 labels with one
 * axis fewer than the scores (or a trailing 1) → sparse categorical; same shape with more than one
 * class → categorical; same shape with one output (or 1-d) → binary at `threshold`.
 * For multi-label outputs call `binaryAccuracy` directly.
 */
export function accuracy(yPred: Tensor, yTrue: Tensor, options: { threshold?: number } = {}): number {
  checkTensors('accuracy', yPred, yTrue);
  const classes = yPred.shape[yPred.rank - 1] ?? 1;
  const sparse = yTrue.dtype === 'int32' && classes > 1 &&
    (yTrue.rank === yPred.rank - 1 || (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1));
  if (sparse) return sparseCategoricalAccuracy(yPred, yTrue);
  if (yPred.rank >= 2 && classes > 1) return categoricalAccuracy(yPred, yTrue);
  return binaryAccuracy(yPred, yTrue, options);
}

function checkTensors(fn: string, yPred: Tensor, yTrue: Tensor): void {
  if (!(yPred instanceof Tensor) || !(yTrue instanceof Tensor)) {
    throw new ArgumentError(`${fn}: got ${describe(yPred)} and ${describe(yTrue)}; expected two Tensors (predictions, targets)`);
  }
}

function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : 0;
}
