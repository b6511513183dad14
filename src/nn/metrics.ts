/**
 * Accuracy metrics. They are computed with ops (comparisons, argmax, a mean), so a backend runs
 * them where the data lives, and return the fraction correct, in [0, 1], as a plain number: the one
 * scalar read. Nothing is differentiated through them; a training loop averages them over batches
 * weighted by batch size.
 */
import { Tensor } from '../tensor/tensor.js';
import { sameShape } from '../tensor/shape.js';
import { argmax, sum } from '../ops/reduce.js';
import { eq, ge, gt, mul } from '../ops/elementwise.js';
import { reshape } from '../ops/movement.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { Registry, type RegisterOptions } from '../util/registry.js';
import { meanAbsoluteError, meanSquaredError, sequenceCrossEntropy } from './losses.js';

/**
 * Binary accuracy: a prediction counts as class 1 when it is above `threshold` (default 0.5; use 0
 * for logits), and is compared with the target rounded at 0.5. Targets may be [N] for predictions [N, 1].
 */
export function binaryAccuracy(yPred: Tensor, yTrue: Tensor, options: { threshold?: number } = {}): number {
  const fn = 'binaryAccuracy';
  checkOptions(fn, options, ['threshold']);
  checkTensors(fn, yPred, yTrue);
  const threshold = options.threshold ?? 0.5;
  if (!Number.isFinite(threshold))
    throw new ArgumentError(`${fn}: got threshold=${describe(threshold)}; expected a finite number`);
  const trailingOne =
    yPred.rank === yTrue.rank + 1 &&
    yPred.shape[yPred.rank - 1] === 1 &&
    sameShape(yPred.shape.slice(0, -1), yTrue.shape);
  if (!sameShape(yPred.shape, yTrue.shape) && !trailingOne) {
    throw new ShapeError(
      `${fn}: predictions have shape ${describe(yPred.shape)} but targets ${describe(yTrue.shape)}; expected the same shape`,
    );
  }
  return fraction(eq(gt(yPred, threshold), ge(reshape(yTrue, yPred.shape), 0.5)));
}

/** Accuracy and the positive class's precision, recall and F1: what `binaryMetrics` returns. */
export interface BinaryMetrics {
  /** Correct predictions / samples. */
  accuracy: number;
  /** Of the samples predicted 1, the fraction that are 1 (0 when none is predicted 1). */
  precision: number;
  /** Of the samples that are 1, the fraction predicted 1 (0 when there are none). */
  recall: number;
  /** 2·TP / (2·TP + FP + FN), the harmonic mean of the two (0 when there is no 1 at all, predicted or true). */
  f1: number;
}

/**
 * Accuracy, precision, recall and F1 of a two-class prediction, class 1 being the positive one
 * (spam, say). `predictions` are classes 0/1 or scores: a value above `threshold` (default 0.5;
 * 0 for logits) is a 1, as in `binaryAccuracy`; `labels` are rounded at 0.5; shapes [N] (or
 * [N, 1] predictions for [N] labels). Counts are exact sums of int32 masks, four scalar reads.
 * The rates whose denominator is zero are 0, not NaN, so a model that never predicts 1 scores F1 0.
 * @example const { accuracy, f1 } = binaryMetrics(model.predict(xTest), yTest)
 */
export function binaryMetrics(
  predictions: Tensor,
  labels: Tensor,
  options: { threshold?: number } = {},
): BinaryMetrics {
  const fn = 'binaryMetrics';
  checkOptions(fn, options, ['threshold']);
  checkTensors(fn, predictions, labels);
  const threshold = options.threshold ?? 0.5;
  if (!Number.isFinite(threshold))
    throw new ArgumentError(`${fn}: got threshold=${describe(threshold)}; expected a finite number`);
  const n = predictions.size;
  const trailingOne =
    predictions.rank === 2 && predictions.shape[1] === 1 && sameShape(predictions.shape.slice(0, 1), labels.shape);
  if (labels.rank !== 1 || (!sameShape(predictions.shape, labels.shape) && !trailingOne))
    throw new ShapeError(
      `${fn}: predictions have shape ${describe(predictions.shape)} but labels ${describe(labels.shape)}; expected the same shape [N]`,
    );
  const predicted = reshape(gt(predictions, threshold), [n]);
  const actual = reshape(ge(labels, 0.5), [n]);
  const truePositives = sum(mul(predicted, actual)).item();
  const predictedPositives = sum(predicted).item();
  const actualPositives = sum(actual).item();
  const correct = sum(eq(predicted, actual)).item();
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    accuracy: ratio(correct, n),
    precision: ratio(truePositives, predictedPositives),
    recall: ratio(truePositives, actualPositives),
    f1: ratio(2 * truePositives, predictedPositives + actualPositives),
  };
}

/** Fraction of rows whose highest score is at the int32 label; labels [N] (or [N, 1]) for scores [N, C]. */
export function sparseCategoricalAccuracy(yPred: Tensor, labels: Tensor): number {
  const fn = 'sparseCategoricalAccuracy';
  checkTensors(fn, yPred, labels);
  if (labels.dtype !== 'int32')
    throw new DTypeError(
      `${fn}: got labels of dtype ${labels.dtype}; expected int32 class indices (convert with labels.int())`,
    );
  if (yPred.rank === 0) throw new ShapeError(`${fn}: got 0-d predictions; expected shape [..., classes]`);
  const batchShape = yPred.shape.slice(0, -1);
  const flatLabels = sameShape(labels.shape, batchShape) || sameShape(labels.shape, [...batchShape, 1]);
  if (!flatLabels) {
    throw new ShapeError(
      `${fn}: predictions have shape ${describe(yPred.shape)} but labels ${describe(labels.shape)}; expected labels of shape ${describe(batchShape)}`,
    );
  }
  return fraction(eq(argmax(yPred, -1), reshape(labels, batchShape)));
}

/** Fraction of rows whose highest score matches the highest target (one-hot or soft targets). */
export function categoricalAccuracy(yPred: Tensor, yTrue: Tensor): number {
  const fn = 'categoricalAccuracy';
  checkTensors(fn, yPred, yTrue);
  if (yPred.rank === 0 || !sameShape(yPred.shape, yTrue.shape)) {
    throw new ShapeError(
      `${fn}: predictions have shape ${describe(yPred.shape)} but targets ${describe(yTrue.shape)}; expected one-hot targets of the same shape [..., classes]`,
    );
  }
  return fraction(eq(argmax(yPred, -1), argmax(yTrue, -1)));
}

/**
 * Accuracy, choosing the form from the shapes as Keras's 'accuracy' does: int32 labels with one
 * axis fewer than the scores (or a trailing 1) → sparse categorical; same shape with more than one
 * class → categorical; same shape with one output (or 1-d) → binary at `threshold`.
 * For multi-label outputs call `binaryAccuracy` directly.
 */
export function accuracy(yPred: Tensor, yTrue: Tensor, options: { threshold?: number } = {}): number {
  checkOptions('accuracy', options, ['threshold']);
  checkTensors('accuracy', yPred, yTrue);
  const classes = yPred.shape[yPred.rank - 1] ?? 1;
  const sparse =
    yTrue.dtype === 'int32' &&
    classes > 1 &&
    (yTrue.rank === yPred.rank - 1 || (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1));
  if (sparse) return sparseCategoricalAccuracy(yPred, yTrue);
  if (yPred.rank >= 2 && classes > 1) return categoricalAccuracy(yPred, yTrue);
  return binaryAccuracy(yPred, yTrue, options);
}

/**
 * Perplexity: exp of the mean negative log-likelihood per token, exp(sequenceCrossEntropy) with
 * its `ignoreIndex` (default −100) and no label smoothing. Predictions are logits by default
 * ([batch, time, vocab], targets int32 [batch, time]); pass `fromLogits: false` for probabilities.
 * As the registered metric 'perplexity' it takes logits: a language model whose last layer has no
 * activation. `fit` averages a metric over batches, so its logged perplexity is the mean of the
 * batches' perplexities; exp of the logged sequence cross-entropy loss is the exact one.
 */
export function perplexity(
  yPred: Tensor,
  targets: Tensor,
  options: { ignoreIndex?: number; fromLogits?: boolean } = {},
): number {
  checkOptions('perplexity', options, ['ignoreIndex', 'fromLogits']);
  return Math.exp(sequenceCrossEntropy(yPred, targets, options).item());
}

// ------------------------------------------------------------------ the metric registry

/** A metric: a number (or one-element Tensor) per batch, which fit and evaluate average over samples. */
export type MetricFn = (yPred: Tensor, yTrue: Tensor) => number | Tensor;

const METRICS = new Registry<MetricFn>('metric', 'registerMetric');

/** Make a metric known by name to `compile` and saved configs (Keras's snake_case names; aliases find it too). */
export function registerMetric(name: string, fn: MetricFn, options: RegisterOptions = {}): void {
  if (typeof fn !== 'function')
    throw new ArgumentError(
      `registerMetric: got ${describe(fn)} for "${name}"; expected a function (yPred, yTrue) => number`,
    );
  METRICS.register(name, fn, options);
}

/** The metric a registered name (or alias) stands for; `caller` is named in the error for an unknown one. */
export function getMetric(name: string, caller = 'getMetric'): MetricFn {
  return METRICS.get(caller, name);
}

/** The canonical name for a registered name or alias, or for a registered metric function given as itself. */
export function metricName(metric: string | MetricFn): string | undefined {
  return typeof metric === 'string' ? METRICS.canonical(metric) : METRICS.find((f) => f === metric);
}

/** The canonical names of the registered metrics, sorted. */
export function registeredMetrics(): string[] {
  return METRICS.names();
}

function checkTensors(fn: string, yPred: Tensor, yTrue: Tensor): void {
  if (!(yPred instanceof Tensor) || !(yTrue instanceof Tensor)) {
    throw new ArgumentError(
      `${fn}: got ${describe(yPred)} and ${describe(yTrue)}; expected two Tensors (predictions, targets)`,
    );
  }
}

/** The share of ones in an int32 mask (0 for an empty one): an exact integer count by ops, one scalar read. */
function fraction(mask: Tensor): number {
  return mask.size === 0 ? 0 : sum(mask).item() / mask.size;
}

registerMetric('accuracy', accuracy, { aliases: ['acc'] });
registerMetric('binary_accuracy', binaryAccuracy);
registerMetric('categorical_accuracy', categoricalAccuracy);
registerMetric('sparse_categorical_accuracy', sparseCategoricalAccuracy);
registerMetric('mean_squared_error', meanSquaredError, { aliases: ['mse'] });
registerMetric('mean_absolute_error', meanAbsoluteError, { aliases: ['mae'] });
registerMetric('perplexity', perplexity);
