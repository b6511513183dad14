/**
 * Loss functions: predictions first, targets second (PyTorch's order), each with
 * `reduction: 'mean' | 'sum' | 'none'`. 'none' keeps PyTorch's shapes: elementwise for MSE, MAE
 * and the binary losses, one value per sample for the categorical ones.
 *
 * Inputs are checked before anything is computed, because a wrong loss call usually still
 * "works": mismatched shapes broadcast into a wrong number, logits passed as probabilities train
 * badly. So: shapes must match (the one exception is targets [N] for predictions [N, 1], the
 * regression case, which is reshaped as Keras does); sparse labels must be int32 and in range;
 * probabilities must lie in [0, 1]; NaN in predictions or targets is refused.
 */
import { Tensor } from '../tensor/tensor.js';
import { sameShape } from '../tensor/shape.js';
import { abs, cast, clamp, div, exp, log, mul, neg, relu, sigmoid, square, sub, add } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { logSoftmax } from '../ops/activations.js';
import { oneHot, reshape } from '../ops/movement.js';
import { record } from '../ops/record.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  /** How per-element (or per-sample) losses are combined (default 'mean'). */
  reduction?: Reduction;
}

export interface ProbabilisticLossOptions extends LossOptions {
  /** Predictions are raw scores (logits) rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Probabilities are clamped to [epsilon, 1 − epsilon] so log(0) never happens (default 1e-7, as Keras). */
  epsilon?: number;
}

export type LossFn = (yPred: Tensor, yTrue: Tensor) => Tensor;

const EPSILON = 1e-7;

// ------------------------------------------------------------------ regression

/** mean((ŷ − y)²). */
export function meanSquaredError(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const fn = 'meanSquaredError';
  const y = matchTargets(fn, yPred, yTrue);
  return reduce(fn, square(sub(yPred, y)), options.reduction);
}

/** mean(|ŷ − y|). */
export function meanAbsoluteError(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const fn = 'meanAbsoluteError';
  const y = matchTargets(fn, yPred, yTrue);
  return reduce(fn, abs(sub(yPred, y)), options.reduction);
}

// ------------------------------------------------------------------ binary

/**
 * −[y·log p + (1 − y)·log(1 − p)] for probabilities p (the seed's formula), with p clamped to
 * [ε, 1 − ε]. With `fromLogits: true` the predictions are logits and the stable form is used.
 */
export function binaryCrossEntropy(yPred: Tensor, yTrue: Tensor, options: ProbabilisticLossOptions = {}): Tensor {
  const fn = 'binaryCrossEntropy';
  if (options.fromLogits) return binaryCrossEntropyWithLogits(yPred, yTrue, options);
  const y = matchTargets(fn, yPred, yTrue);
  checkProbabilities(fn, yPred, 'binaryCrossEntropyWithLogits, or pass { fromLogits: true }');
  const eps = checkEpsilon(fn, options.epsilon);
  const p = clamp(yPred, eps, 1 - eps);
  const loss = neg(add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p)))));
  return reduce(fn, loss, options.reduction);
}

/**
 * Binary cross-entropy on logits x: max(x, 0) − x·y + log(1 + e^−|x|), which equals
 * −[y·log σ(x) + (1 − y)·log(1 − σ(x))] but never overflows. Its gradient is recorded directly as
 * σ(x) − y: composing it from relu and abs would give a wrong gradient at exactly x = 0, where both
 * have kinks (and zero-initialised output layers start exactly there).
 */
export function binaryCrossEntropyWithLogits(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const fn = 'binaryCrossEntropyWithLogits';
  const y = matchTargets(fn, yPred, yTrue);
  const x = yPred;
  const xd = x.detach(), yd = y.detach();
  const loss = add(sub(relu(xd), mul(xd, yd)), log(add(exp(neg(abs(xd))), 1)));
  const recorded = record(fn, loss, [x, y], (g) => [
    x.requiresGrad ? mul(g, sub(sigmoid(x), y)) : null,
    y.requiresGrad ? mul(g, neg(x)) : null,
  ]);
  return reduce(fn, recorded, options.reduction);
}

// ------------------------------------------------------------------ categorical

/**
 * −Σ y·log p over the class axis, for one-hot or soft targets y of the predictions' shape. From
 * probabilities (rows renormalised to sum 1, then clamped, as Keras) or, with `fromLogits: true`,
 * from logits through logSoftmax. 'none' gives one loss per sample.
 */
export function categoricalCrossEntropy(
  yPred: Tensor, yTrue: Tensor, options: ProbabilisticLossOptions & { axis?: number } = {},
): Tensor {
  const fn = 'categoricalCrossEntropy';
  checkTensors(fn, yPred, yTrue);
  if (yPred.rank === 0) throw new ShapeError(`${fn}: got 0-d predictions; expected shape [..., classes]`);
  if (!sameShape(yPred.shape, yTrue.shape)) {
    throw new ShapeError(
      `${fn}: predictions have shape ${describe(yPred.shape)} but targets ${describe(yTrue.shape)}; expected one-hot or soft targets of the same shape ` +
        '(for integer class labels use sparseCategoricalCrossEntropy)',
    );
  }
  const y = cast(yTrue, 'float32');
  const logp = logProbabilities(fn, yPred, options, options.axis ?? -1);
  return reduce(fn, neg(sum(mul(y, logp), options.axis ?? -1)), options.reduction);
}

/**
 * Cross-entropy against int32 class labels: labels have the predictions' shape without the last
 * (class) axis, or with a trailing 1 (as Keras allows). 'none' gives one loss per sample.
 */
export function sparseCategoricalCrossEntropy(yPred: Tensor, labels: Tensor, options: ProbabilisticLossOptions = {}): Tensor {
  const fn = 'sparseCategoricalCrossEntropy';
  checkTensors(fn, yPred, labels);
  if (labels.dtype !== 'int32') {
    throw new DTypeError(`${fn}: got labels of dtype ${labels.dtype}; expected int32 class indices (convert with labels.int(), or use categoricalCrossEntropy for one-hot targets)`);
  }
  if (yPred.rank === 0) throw new ShapeError(`${fn}: got 0-d predictions; expected shape [..., classes]`);
  const batchShape = yPred.shape.slice(0, -1);
  const classes = yPred.shape[yPred.rank - 1];
  let l = labels;
  if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1 && sameShape(labels.shape.slice(0, -1), batchShape)) {
    l = reshape(labels, batchShape);
  }
  if (!sameShape(l.shape, batchShape)) {
    throw new ShapeError(`${fn}: predictions have shape ${describe(yPred.shape)} but labels ${describe(labels.shape)}; expected labels of shape ${describe(batchShape)} (one class index per row)`);
  }
  const d = l.dataSync();
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] >= classes) {
      throw new ArgumentError(`${fn}: label ${d[i]} at position ${i} is out of range; expected 0 <= label < ${classes} (the predictions' last axis)`);
    }
  }
  const logp = logProbabilities(fn, yPred, options, -1);
  return reduce(fn, neg(sum(mul(oneHot(l, classes), logp), -1)), options.reduction);
}

/** log-probabilities along `axis`, from logits (stable) or from probabilities (renormalised, clamped). */
function logProbabilities(fn: string, yPred: Tensor, options: ProbabilisticLossOptions, axis: number): Tensor {
  if (options.fromLogits) return logSoftmax(yPred, axis);
  checkProbabilities(fn, yPred, 'pass { fromLogits: true }');
  const eps = checkEpsilon(fn, options.epsilon);
  const p = div(yPred, sum(yPred, axis, { keepDims: true }));
  return log(clamp(p, eps, 1 - eps));
}

// ------------------------------------------------------------------ by name

const BY_NAME = {
  mse: meanSquaredError,
  mean_squared_error: meanSquaredError,
  meanSquaredError,
  mae: meanAbsoluteError,
  mean_absolute_error: meanAbsoluteError,
  meanAbsoluteError,
  binary_crossentropy: binaryCrossEntropy,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  categorical_crossentropy: categoricalCrossEntropy,
  categoricalCrossEntropy,
  sparse_categorical_crossentropy: sparseCategoricalCrossEntropy,
  sparseCategoricalCrossEntropy,
} as const;

export type LossName = keyof typeof BY_NAME;

/**
 * A loss function (yPred, yTrue) → Tensor from a Keras name ('sparse_categorical_crossentropy'),
 * a camelCase name, or a function; `options` (fromLogits, reduction) are bound in.
 */
export function getLoss(loss: LossName | LossFn, options: ProbabilisticLossOptions = {}): LossFn {
  if (typeof loss === 'function') return loss;
  if (typeof loss === 'string' && Object.hasOwn(BY_NAME, loss)) {
    const f = BY_NAME[loss] as (p: Tensor, t: Tensor, o: ProbabilisticLossOptions) => Tensor;
    return (yPred, yTrue) => f(yPred, yTrue, options);
  }
  throw new ArgumentError(`getLoss: got ${describe(loss)}; expected a function (yPred, yTrue) => Tensor or one of ${Object.keys(BY_NAME).join(', ')}`);
}

// ------------------------------------------------------------------ checks

function reduce(fn: string, loss: Tensor, reduction: Reduction = 'mean'): Tensor {
  switch (reduction) {
    case 'mean': return mean(loss);
    case 'sum': return sum(loss);
    case 'none': return loss;
    default: throw new ArgumentError(`${fn}: got reduction=${describe(reduction)}; expected "mean", "sum" or "none"`);
  }
}

function checkTensors(fn: string, yPred: Tensor, yTrue: Tensor): void {
  if (!(yPred instanceof Tensor)) throw new ArgumentError(`${fn}: got predictions ${describe(yPred)}; expected a Tensor`);
  if (!(yTrue instanceof Tensor)) throw new ArgumentError(`${fn}: got targets ${describe(yTrue)}; expected a Tensor`);
  if (yPred.dtype !== 'float32') throw new DTypeError(`${fn}: got predictions of dtype ${yPred.dtype}; expected float32`);
  checkNoNaN(fn, 'predictions', yPred);
  checkNoNaN(fn, 'targets', yTrue);
}

/** Float targets of the predictions' shape; [N] targets for [N, 1] predictions are reshaped. */
function matchTargets(fn: string, yPred: Tensor, yTrue: Tensor): Tensor {
  checkTensors(fn, yPred, yTrue);
  let y = cast(yTrue, 'float32');
  if (!sameShape(y.shape, yPred.shape)) {
    const trailingOne = yPred.rank === y.rank + 1 && yPred.shape[yPred.rank - 1] === 1 && sameShape(yPred.shape.slice(0, -1), y.shape);
    if (!trailingOne) {
      throw new ShapeError(`${fn}: predictions have shape ${describe(yPred.shape)} but targets ${describe(yTrue.shape)}; expected the same shape`);
    }
    y = reshape(y, yPred.shape);
  }
  return y;
}

function checkNoNaN(fn: string, what: string, t: Tensor): void {
  if (t.dtype !== 'float32') return;
  const d = t.dataSync();
  for (let i = 0; i < d.length; i++) {
    if (Number.isNaN(d[i])) {
      throw new ArgumentError(`${fn}: ${what} contain NaN at position ${i}; expected numbers (a NaN usually comes from a diverging model: lower the learning rate or check the inputs)`);
    }
  }
}

function checkProbabilities(fn: string, p: Tensor, hint: string): void {
  const d = p.dataSync();
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] > 1) {
      throw new ArgumentError(`${fn}: prediction ${d[i]} at position ${i} is not a probability; expected values in [0, 1] (for raw scores (logits) use ${hint})`);
    }
  }
}

function checkEpsilon(fn: string, epsilon: number | undefined): number {
  const eps = epsilon ?? EPSILON;
  if (!(eps >= 0 && eps < 0.5)) throw new ArgumentError(`${fn}: got epsilon=${describe(epsilon)}; expected a number in [0, 0.5)`);
  return eps;
}
