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
import { sameShape, sizeOf, unravelIndex } from '../tensor/shape.js';
import {
  abs,
  add,
  cast,
  clamp,
  div,
  exp,
  ge,
  gt,
  // biome-ignore lint/suspicious/noShadowRestrictedNames: the isNaN op, not the global, is meant here
  isNaN,
  log,
  lt,
  maximum,
  mul,
  ne,
  neg,
  relu,
  sigmoid,
  square,
  sub,
  where,
} from '../ops/elementwise.js';
import { argmax, mean, sum } from '../ops/reduce.js';
import { logSoftmax } from '../ops/activations.js';
import { gather, oneHot, reshape, sliceAxis } from '../ops/movement.js';
import { fromHostValues } from '../tensor/creation.js';
import { record } from '../ops/record.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { Registry, type NamedConfig, type RegisterOptions } from '../util/registry.js';

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
const REDUCTION_ONLY: readonly string[] = ['reduction'];
const PROBABILISTIC: readonly string[] = ['reduction', 'fromLogits', 'epsilon'];

// ------------------------------------------------------------------ regression

/** mean((ŷ − y)²). */
export function meanSquaredError(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const fn = 'meanSquaredError';
  checkOptions(fn, options, REDUCTION_ONLY);
  const y = matchTargets(fn, yPred, yTrue);
  return reduce(fn, square(sub(yPred, y)), options.reduction);
}

/** mean(|ŷ − y|). */
export function meanAbsoluteError(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const fn = 'meanAbsoluteError';
  checkOptions(fn, options, REDUCTION_ONLY);
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
  checkOptions(fn, options, PROBABILISTIC);
  if (options.fromLogits) return binaryCrossEntropyWithLogits(yPred, yTrue, { reduction: options.reduction });
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
  checkOptions(fn, options, REDUCTION_ONLY);
  const y = matchTargets(fn, yPred, yTrue);
  const x = yPred;
  const xd = x.detach(),
    yd = y.detach();
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
  yPred: Tensor,
  yTrue: Tensor,
  options: ProbabilisticLossOptions & { axis?: number } = {},
): Tensor {
  const fn = 'categoricalCrossEntropy';
  checkOptions(fn, options, [...PROBABILISTIC, 'axis']);
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
export function sparseCategoricalCrossEntropy(
  yPred: Tensor,
  labels: Tensor,
  options: ProbabilisticLossOptions = {},
): Tensor {
  const fn = 'sparseCategoricalCrossEntropy';
  checkOptions(fn, options, PROBABILISTIC);
  checkTensors(fn, yPred, labels);
  if (labels.dtype !== 'int32') {
    throw new DTypeError(
      `${fn}: got labels of dtype ${labels.dtype}; expected int32 class indices (convert with labels.int(), or use categoricalCrossEntropy for one-hot targets)`,
    );
  }
  if (yPred.rank === 0) throw new ShapeError(`${fn}: got 0-d predictions; expected shape [..., classes]`);
  const batchShape = yPred.shape.slice(0, -1);
  const classes = yPred.shape[yPred.rank - 1];
  let l = labels;
  if (
    labels.rank === yPred.rank &&
    labels.shape[labels.rank - 1] === 1 &&
    sameShape(labels.shape.slice(0, -1), batchShape)
  ) {
    l = reshape(labels, batchShape);
  }
  if (!sameShape(l.shape, batchShape)) {
    throw new ShapeError(
      `${fn}: predictions have shape ${describe(yPred.shape)} but labels ${describe(labels.shape)}; expected labels of shape ${describe(batchShape)} (one class index per row)`,
    );
  }
  const outside = firstSet(add(lt(l, 0), ge(l, classes)));
  if (outside >= 0) {
    throw new ArgumentError(
      `${fn}: label ${valueAt(l, outside)} at position ${outside} is out of range; expected 0 <= label < ${classes} (the predictions' last axis)`,
    );
  }
  const logp = logProbabilities(fn, yPred, options, -1);
  return reduce(fn, neg(sum(mul(oneHot(l, classes), logp), -1)), options.reduction);
}

export interface SequenceCrossEntropyOptions extends LossOptions {
  /**
   * Targets equal to it add nothing to the loss or to its gradient, and 'mean' divides by the
   * number of the others (PyTorch's ignore_index; default −100, as PyTorch's).
   */
  ignoreIndex?: number;
  /**
   * ε in [0, 1]: the target distribution is (1 − ε)·one-hot + ε/classes (PyTorch's
   * label_smoothing), i.e. loss = (1 − ε)·NLL + ε·mean over classes of −log p (default 0).
   */
  labelSmoothing?: number;
  /**
   * The predictions are logits (default true, as in PyTorch's cross_entropy); false reads them as
   * probabilities, renormalised and clamped to [epsilon, 1 − epsilon] like the other losses.
   */
  fromLogits?: boolean;
  /** The clamp for probabilities (fromLogits: false; default 1e-7). */
  epsilon?: number;
}

const SEQUENCE_OPTIONS: readonly string[] = [...PROBABILISTIC, 'ignoreIndex', 'labelSmoothing'];
const IGNORE_INDEX = -100;

/**
 * Token-level cross-entropy for sequence models: logits [batch, time, vocab] (or any [..., classes])
 * against int32 targets [batch, time] (the logits' shape without the class axis), with PyTorch's
 * semantics (torch.nn.functional.cross_entropy with the classes last): targets equal to
 * `ignoreIndex` (padding) are left out, 'mean' averages over the tokens that are not, 'none' gives
 * [batch, time] with zeros at ignored tokens, and `labelSmoothing` mixes in the uniform distribution.
 * One deviation: when every token of a batch is ignored, 'mean' gives 0 (with a zero gradient)
 * where PyTorch gives NaN, so an all-padding batch cannot poison the weights.
 *
 * The target log-probabilities are picked with one gather over the flattened rows (whose backward
 * is a scatter-add), not a one-hot product. Targets outside [0, classes) other than ignoreIndex
 * are refused, naming the first and where it is.
 */
export function sequenceCrossEntropy(
  logits: Tensor,
  targets: Tensor,
  options: SequenceCrossEntropyOptions = {},
): Tensor {
  const fn = 'sequenceCrossEntropy';
  checkOptions(fn, options, SEQUENCE_OPTIONS);
  checkTensors(fn, logits, targets);
  if (targets.dtype !== 'int32') {
    throw new DTypeError(
      `${fn}: got targets of dtype ${targets.dtype}; expected int32 token ids (convert with targets.int())`,
    );
  }
  if (logits.rank < 2) {
    throw new ShapeError(
      `${fn}: got predictions of shape ${describe(logits.shape)}; expected [batch, time, vocab] (or at least [batch, classes])`,
    );
  }
  const batchShape = logits.shape.slice(0, -1);
  const classes = logits.shape[logits.rank - 1];
  if (!sameShape(targets.shape, batchShape)) {
    throw new ShapeError(
      `${fn}: predictions have shape ${describe(logits.shape)} but targets ${describe(targets.shape)}; expected targets of shape ${describe(batchShape)} (one token id per position)`,
    );
  }
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  if (!Number.isInteger(ignoreIndex))
    throw new ArgumentError(`${fn}: got ignoreIndex=${describe(options.ignoreIndex)}; expected an integer`);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(typeof smoothing === 'number' && smoothing >= 0 && smoothing <= 1))
    throw new ArgumentError(
      `${fn}: got labelSmoothing=${describe(options.labelSmoothing)}; expected a number in [0, 1]`,
    );
  const rows = sizeOf(batchShape);
  const flatTargets = reshape(targets, [rows]);
  const kept = ne(flatTargets, ignoreIndex);
  const outside = firstSet(mul(kept, add(lt(flatTargets, 0), ge(flatTargets, classes))));
  if (outside >= 0) {
    throw new ArgumentError(
      `${fn}: target ${valueAt(flatTargets, outside)} at position ${describe(unravelIndex(outside, batchShape))} is out of range; expected 0 <= target < ${classes} (the predictions' last axis) or ignoreIndex (${ignoreIndex})`,
    );
  }
  const fromLogits = options.fromLogits ?? true;
  const logp = reshape(logProbabilities(fn, logits, { ...options, fromLogits }, -1), [rows * classes]);
  if (rows * classes > 2 ** 31 - 1)
    throw new ArgumentError(
      `${fn}: got ${rows * classes} logits; expected at most 2³¹ − 1 (int32 indices): split the batch`,
    );
  const offsets = fromHostValues(
    Int32Array.from({ length: rows }, (_, r) => r * classes),
    [rows],
    {},
    logits.backend,
  );
  // Row r's target sits at r·classes + target; ignored rows read their class 0, then count for nothing.
  const picked = gather(logp, add(offsets, where(kept, flatTargets, 0)), 0);
  let perToken = neg(picked);
  if (smoothing > 0) {
    const uniform = neg(mean(reshape(logp, [rows, classes]), -1));
    perToken = add(mul(perToken, 1 - smoothing), mul(uniform, smoothing));
  }
  perToken = where(kept, perToken, 0);
  const weight = cast(kept, 'float32');
  switch (options.reduction ?? 'mean') {
    case 'none':
      return reshape(perToken, batchShape);
    case 'sum':
      return sum(perToken);
    case 'mean':
      return div(sum(perToken), maximum(sum(weight), 1));
    default:
      throw new ArgumentError(`${fn}: got reduction=${describe(options.reduction)}; expected "mean", "sum" or "none"`);
  }
}

/** log-probabilities along `axis`, from logits (stable) or from probabilities (renormalised, clamped). */
function logProbabilities(fn: string, yPred: Tensor, options: ProbabilisticLossOptions, axis: number): Tensor {
  if (options.fromLogits) return logSoftmax(yPred, axis);
  checkProbabilities(fn, yPred, 'pass { fromLogits: true }');
  const eps = checkEpsilon(fn, options.epsilon);
  const p = div(yPred, sum(yPred, axis, { keepDims: true }));
  return log(clamp(p, eps, 1 - eps));
}

// ------------------------------------------------------------------ the loss registry

/** How a loss reads its targets; it decides which accuracy compile's 'accuracy' means. */
export type LossKind = 'sparse' | 'categorical' | 'binary' | 'regression';

/** A registered loss: its function, the options that function takes, and what it declares. */
export interface LossDefinition {
  /** (yPred, yTrue, options) => the loss (a scalar unless reduction is 'none'). */
  fn(yPred: Tensor, yTrue: Tensor, options: Record<string, unknown>): Tensor;
  /** The names of its options; any other is refused. */
  options: readonly string[];
  kind: LossKind;
  /**
   * The activation whose input, the logits, it can take instead of its output when given
   * { fromLogits: true }: 'softmax' (over the last axis) for the categorical cross-entropies,
   * 'sigmoid' for the binary one. fit and evaluate use it to compute the loss of a model that
   * declares that final activation from its logits (see keras/model.ts).
   */
  logitsOf?: 'softmax' | 'sigmoid';
}

const LOSSES = new Registry<LossDefinition>('loss', 'registerLoss');

/**
 * Make a loss known by name to `compile`, `Loss` and saved configs. Keras's snake_case name is the
 * canonical one; aliases ('mse', the camelCase function name) find it too.
 */
export function registerLoss(name: string, definition: LossDefinition, options: RegisterOptions = {}): void {
  const d = checkOptions('registerLoss', definition, ['fn', 'options', 'kind', 'logitsOf']) as Partial<LossDefinition>;
  if (
    typeof d.fn !== 'function' ||
    !Array.isArray(d.options) ||
    !['sparse', 'categorical', 'binary', 'regression'].includes(d.kind as string)
  ) {
    throw new ArgumentError(
      `registerLoss: got ${describe(definition)} for "${name}"; expected { fn: (yPred, yTrue, options) => Tensor, options: [names], kind: 'sparse' | 'categorical' | 'binary' | 'regression' }`,
    );
  }
  LOSSES.register(name, Object.freeze({ ...definition }), options);
}

/** The canonical names of the registered losses, sorted. */
export function registeredLosses(): string[] {
  return LOSSES.names();
}

/** The registered name of a loss function given as itself (compile({ loss: meanSquaredError })), or undefined. */
export function lossNameOf(fn: unknown): string | undefined {
  return LOSSES.find((d) => d.fn === fn);
}

/**
 * A registered loss with its options bound — Keras's loss objects. `compile` takes one where it
 * takes a name, and a saved model records it as `{ className: name, config: options }`:
 *
 * ```ts
 * model.compile({ optimizer: 'adam', loss: new Loss('sparse_categorical_crossentropy', { fromLogits: true }) });
 * ```
 */
export class Loss {
  /** The canonical registered name. */
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly kind: LossKind;
  /** The activation whose logits it can take (LossDefinition.logitsOf), null when none. */
  readonly logitsOf: 'softmax' | 'sigmoid' | null;
  readonly #definition: LossDefinition;

  /** `caller` is the function named in errors (compile passes its own name). */
  constructor(name: string, options: Record<string, unknown> = {}, caller = 'Loss') {
    this.#definition = LOSSES.get(caller, name);
    this.name = LOSSES.canonical(name) as string;
    this.options = Object.freeze({ ...checkOptions(`${caller} '${this.name}'`, options, this.#definition.options) });
    this.kind = this.#definition.kind;
    // A softmax over another axis than the loss's is not the activation it can undo.
    const otherAxis = this.options.axis !== undefined && this.options.axis !== -1;
    this.logitsOf = otherAxis ? null : (this.#definition.logitsOf ?? null);
  }

  /** Whether it is told that the predictions are logits. */
  get fromLogits(): boolean {
    return this.options.fromLogits === true;
  }

  call(yPred: Tensor, yTrue: Tensor): Tensor {
    return this.#definition.fn(yPred, yTrue, this.options);
  }

  /** The same loss, told that the predictions are logits. */
  onLogits(): Loss {
    return new Loss(this.name, { ...this.options, fromLogits: true });
  }

  /** `{ className, config }`: its name and options as plain data, as a saved config holds it. */
  getConfig(): NamedConfig {
    return { className: this.name, config: { ...this.options } };
  }
}

/**
 * A loss function (yPred, yTrue) → Tensor from a registered name ('sparse_categorical_crossentropy',
 * 'mse', 'sparseCategoricalCrossEntropy', …) with `options` bound in, or a function as it is.
 */
export function getLoss(loss: LossName | LossFn, options: Record<string, unknown> = {}): LossFn {
  if (typeof loss === 'function') return loss;
  const bound = new Loss(loss, options, 'getLoss');
  return (yPred, yTrue) => bound.call(yPred, yTrue);
}

/** The built-in losses' names; any registered name is accepted where a LossName is. */
export type LossName =
  | 'mean_squared_error'
  | 'mse'
  | 'meanSquaredError'
  | 'mean_absolute_error'
  | 'mae'
  | 'meanAbsoluteError'
  | 'binary_crossentropy'
  | 'binaryCrossEntropy'
  | 'categorical_crossentropy'
  | 'categoricalCrossEntropy'
  | 'sparse_categorical_crossentropy'
  | 'sparseCategoricalCrossEntropy'
  | 'sequence_crossentropy'
  | 'sequenceCrossEntropy'
  | (string & {});

// ------------------------------------------------------------------ checks

function reduce(fn: string, loss: Tensor, reduction: Reduction = 'mean'): Tensor {
  switch (reduction) {
    case 'mean':
      return mean(loss);
    case 'sum':
      return sum(loss);
    case 'none':
      return loss;
    default:
      throw new ArgumentError(`${fn}: got reduction=${describe(reduction)}; expected "mean", "sum" or "none"`);
  }
}

function checkTensors(fn: string, yPred: Tensor, yTrue: Tensor): void {
  if (!(yPred instanceof Tensor))
    throw new ArgumentError(`${fn}: got predictions ${describe(yPred)}; expected a Tensor`);
  if (!(yTrue instanceof Tensor)) throw new ArgumentError(`${fn}: got targets ${describe(yTrue)}; expected a Tensor`);
  if (yPred.dtype !== 'float32')
    throw new DTypeError(`${fn}: got predictions of dtype ${yPred.dtype}; expected float32`);
  checkNoNaN(fn, 'predictions', yPred);
  checkNoNaN(fn, 'targets', yTrue);
}

/** Float targets of the predictions' shape; [N] targets for [N, 1] predictions are reshaped. */
function matchTargets(fn: string, yPred: Tensor, yTrue: Tensor): Tensor {
  checkTensors(fn, yPred, yTrue);
  let y = cast(yTrue, 'float32');
  if (!sameShape(y.shape, yPred.shape)) {
    const trailingOne =
      yPred.rank === y.rank + 1 && yPred.shape[yPred.rank - 1] === 1 && sameShape(yPred.shape.slice(0, -1), y.shape);
    if (!trailingOne) {
      throw new ShapeError(
        `${fn}: predictions have shape ${describe(yPred.shape)} but targets ${describe(yTrue.shape)}; expected the same shape`,
      );
    }
    y = reshape(y, yPred.shape);
  }
  return y;
}

function checkNoNaN(fn: string, what: string, t: Tensor): void {
  if (t.dtype !== 'float32') return;
  const at = firstSet(isNaN(t));
  if (at >= 0) {
    throw new ArgumentError(
      `${fn}: ${what} contain NaN at position ${at}; expected numbers (a NaN usually comes from a diverging model: lower the learning rate or check the inputs)`,
    );
  }
}

function checkProbabilities(fn: string, p: Tensor, hint: string): void {
  const at = firstSet(add(lt(p, 0), gt(p, 1)));
  if (at >= 0) {
    throw new ArgumentError(
      `${fn}: prediction ${valueAt(p, at)} at position ${at} is not a probability; expected values in [0, 1] (for raw scores (logits) use ${hint})`,
    );
  }
}

/**
 * The flat position of the first nonzero entry of an int32 mask, or -1 when there is none. The
 * checks are ops, which any backend runs where the data lives; a passing check reads one scalar.
 */
function firstSet(mask: Tensor): number {
  // The checks read two scalars, so they run where storage can be read synchronously; on a device
  // (WebGPU) they would stall the queue every step, and a bad value shows up as NaN in the loss.
  if (!mask.backend.hostStorage) return -1;
  return sum(mask).item() === 0 ? -1 : argmax(mask).item();
}

/** The value at flat position `i`, for an error message. */
function valueAt(t: Tensor, i: number): number {
  return sliceAxis(reshape(t, [t.size]), 0, i, i + 1).item();
}

function checkEpsilon(fn: string, epsilon: number | undefined): number {
  const eps = epsilon ?? EPSILON;
  if (!(eps >= 0 && eps < 0.5))
    throw new ArgumentError(`${fn}: got epsilon=${describe(epsilon)}; expected a number in [0, 0.5)`);
  return eps;
}

registerLoss(
  'mean_squared_error',
  { fn: meanSquaredError, options: REDUCTION_ONLY, kind: 'regression' },
  { aliases: ['mse', 'meanSquaredError'] },
);
registerLoss(
  'mean_absolute_error',
  { fn: meanAbsoluteError, options: REDUCTION_ONLY, kind: 'regression' },
  { aliases: ['mae', 'meanAbsoluteError'] },
);
registerLoss(
  'binary_crossentropy',
  { fn: binaryCrossEntropy, options: PROBABILISTIC, kind: 'binary', logitsOf: 'sigmoid' },
  { aliases: ['binaryCrossEntropy'] },
);
registerLoss(
  'categorical_crossentropy',
  { fn: categoricalCrossEntropy, options: [...PROBABILISTIC, 'axis'], kind: 'categorical', logitsOf: 'softmax' },
  { aliases: ['categoricalCrossEntropy'] },
);
registerLoss(
  'sequence_crossentropy',
  { fn: sequenceCrossEntropy, options: SEQUENCE_OPTIONS, kind: 'sparse', logitsOf: 'softmax' },
  { aliases: ['sequenceCrossEntropy'] },
);
registerLoss(
  'sparse_categorical_crossentropy',
  { fn: sparseCategoricalCrossEntropy, options: PROBABILISTIC, kind: 'sparse', logitsOf: 'softmax' },
  { aliases: ['sparseCategoricalCrossEntropy'] },
);
