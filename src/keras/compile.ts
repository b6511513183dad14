/**
 * What `model.compile({ optimizer, loss, metrics })` accepts, resolved to functions: Keras's
 * strings ('adam', 'sparse_categorical_crossentropy', 'accuracy') or the objects themselves.
 * Unknown strings are refused with the list of valid ones.
 */
import { Tensor } from '../tensor/tensor.js';
import type { Parameter } from '../nn/parameter.js';
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, categoricalCrossEntropy, meanAbsoluteError, meanSquaredError,
  sparseCategoricalCrossEntropy, type LossFn,
} from '../nn/losses.js';
import { accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy } from '../nn/metrics.js';
import { Optimizer } from '../optim/optimizer.js';
import { Adam, AdamW } from '../optim/adam.js';
import { SGD } from '../optim/sgd.js';
import { RMSprop } from '../optim/rmsprop.js';
import { GradientDescent } from '../optim/gradient-descent.js';
import { noGrad } from '../autograd/mode.js';
import { ArgumentError, describe } from '../util/errors.js';

// ------------------------------------------------------------------ optimizers

/** Builds the optimizer once the model's parameters exist (layers build lazily). */
export type OptimizerFactory = (params: Parameter[]) => Optimizer;

/**
 * Keras's optimizer strings with Keras's defaults (not PyTorch's): Adam lr 1e-3 and ε 1e-7, SGD lr
 * 1e-2, RMSprop lr 1e-3 with ρ 0.9 and ε 1e-7, AdamW lr 1e-3 with weight decay 0.004; 'gd' is the
 * seed's plain θ ← θ − η∇J with lr 0.01.
 */
const OPTIMIZERS = {
  adam: (p: Parameter[]) => new Adam(p, { lr: 1e-3, eps: 1e-7 }),
  sgd: (p: Parameter[]) => new SGD(p, { lr: 1e-2 }),
  rmsprop: (p: Parameter[]) => new RMSprop(p, { lr: 1e-3, alpha: 0.9, eps: 1e-7 }),
  adamw: (p: Parameter[]) => new AdamW(p, { lr: 1e-3, eps: 1e-7, weightDecay: 0.004 }),
  gd: (p: Parameter[]) => new GradientDescent(p, { lr: 0.01 }),
} satisfies Record<string, OptimizerFactory>;

export type OptimizerName = keyof typeof OPTIMIZERS;

/** Optimizer classes by `optimizer.name`, to rebuild a saved compile config. */
const OPTIMIZER_CLASSES: Record<string, new (params: Parameter[], options: Record<string, unknown>) => Optimizer> = {
  Adam, AdamW, SGD, RMSprop, GradientDescent,
} as never;

/**
 * An optimizer given to `compile`: a name, a factory `(params) => new Adam(params, { lr: 1e-4 })`,
 * or an optimizer already made on the model's parameters (possible once the model is built).
 */
export type OptimizerArg = OptimizerName | OptimizerFactory | Optimizer;

export function resolveOptimizer(arg: OptimizerArg): OptimizerFactory | Optimizer {
  if (arg instanceof Optimizer) return arg;
  if (typeof arg === 'function') return arg;
  if (typeof arg === 'string' && Object.hasOwn(OPTIMIZERS, arg.toLowerCase())) return OPTIMIZERS[arg.toLowerCase() as OptimizerName];
  throw new ArgumentError(
    `compile: got optimizer ${describe(arg)}; expected one of ${Object.keys(OPTIMIZERS).map((k) => `'${k}'`).join(', ')}, ` +
      'an Optimizer, or a function (params) => Optimizer such as (p) => new Adam(p, { lr: 1e-4 })',
  );
}

/** An optimizer as plain data (its class and options), for a saved model's compile config. */
export function optimizerToConfig(optimizer: Optimizer): { className: string; config: Record<string, unknown> } {
  return { className: optimizer.name, config: JSON.parse(JSON.stringify(optimizer.defaults)) as Record<string, unknown> };
}

export function optimizerFromConfig(data: unknown, source: string): OptimizerArg {
  if (typeof data === 'string') return data as OptimizerName;
  const spec = data as { className?: unknown; config?: unknown } | null;
  const cls = typeof spec?.className === 'string' && Object.hasOwn(OPTIMIZER_CLASSES, spec.className) ? OPTIMIZER_CLASSES[spec.className] : undefined;
  if (cls === undefined || spec?.config === null || typeof spec?.config !== 'object') {
    throw new ArgumentError(`${source}: the compile config has optimizer ${describe(data)}; expected a name or { className: one of ${Object.keys(OPTIMIZER_CLASSES).join(', ')}, config }`);
  }
  const config = spec.config as Record<string, unknown>;
  return (params) => new cls(params, config);
}

// ------------------------------------------------------------------ losses

/** How a loss reads predictions; it decides which accuracy 'accuracy' means. */
type LossKind = 'sparse' | 'categorical' | 'binary' | 'regression';

const LOSSES = {
  sparse_categorical_crossentropy: 'sparse',
  categorical_crossentropy: 'categorical',
  binary_crossentropy: 'binary',
  mse: 'regression',
  mean_squared_error: 'regression',
  mae: 'regression',
  mean_absolute_error: 'regression',
} as const satisfies Record<string, LossKind>;

export type LossString = keyof typeof LOSSES;

export interface ResolvedLoss {
  fn: LossFn;
  kind: LossKind | 'custom';
  name: string;
}

/**
 * Log-probabilities behind a probability output, read off the autograd tape: softmax is computed
 * as exp(logSoftmax(z)), so when `p` is the output of `exp` and its rows sum to 1, the input of
 * that `exp` is exactly log p. Cross-entropy on it needs no clamping, and the gradient stays exact
 * even for a confidently wrong prediction (p → 0), where clamping would zero it. Keras's TF
 * backend does the same by keeping the logits of a softmax output. Returns null when `p` is not
 * such an output, or during evaluation (nothing is recorded under noGrad): the loss then clamps
 * p to [1e-7, 1 − 1e-7] as Keras does.
 */
function logProbabilitiesOf(p: Tensor): Tensor | null {
  const fn = p.gradFn;
  if (fn === null || fn.name !== 'exp' || fn.inputs.length !== 1 || p.rank === 0) return null;
  const classes = p.shape[p.rank - 1];
  const d = p.dataSync();
  for (let row = 0; row < d.length; row += classes) {
    let s = 0;
    for (let i = row; i < row + classes; i++) s += d[i];
    if (!(Math.abs(s - 1) < 1e-3)) return null;
  }
  return fn.inputs[0];
}

/** A sigmoid output's logits, likewise read off the tape (sigmoid is recorded as one op). */
function logitsOfSigmoid(p: Tensor): Tensor | null {
  const fn = p.gradFn;
  return fn !== null && fn.name === 'sigmoid' && fn.inputs.length === 1 ? fn.inputs[0] : null;
}

const LOSS_FNS: Record<LossString, LossFn> = {
  sparse_categorical_crossentropy: (p, y) => {
    const logp = logProbabilitiesOf(p);
    return logp ? sparseCategoricalCrossEntropy(logp, y, { fromLogits: true }) : sparseCategoricalCrossEntropy(p, y);
  },
  categorical_crossentropy: (p, y) => {
    const logp = logProbabilitiesOf(p);
    return logp ? categoricalCrossEntropy(logp, y, { fromLogits: true }) : categoricalCrossEntropy(p, y);
  },
  binary_crossentropy: (p, y) => {
    const logits = logitsOfSigmoid(p);
    return logits ? binaryCrossEntropyWithLogits(logits, y) : binaryCrossEntropy(p, y);
  },
  mse: meanSquaredError,
  mean_squared_error: meanSquaredError,
  mae: meanAbsoluteError,
  mean_absolute_error: meanAbsoluteError,
};

/** A loss given to `compile`: a Keras name or a function (yPred, yTrue) => scalar Tensor. */
export type LossArg = LossString | LossFn;

export function resolveLoss(arg: LossArg): ResolvedLoss {
  if (typeof arg === 'function') return { fn: arg, kind: 'custom', name: arg.name || 'loss' };
  if (typeof arg === 'string' && Object.hasOwn(LOSSES, arg)) return { fn: LOSS_FNS[arg as LossString], kind: LOSSES[arg as LossString], name: arg };
  throw new ArgumentError(
    `compile: got loss ${describe(arg)}; expected one of ${Object.keys(LOSSES).map((k) => `'${k}'`).join(', ')} or a function (yPred, yTrue) => Tensor`,
  );
}

// ------------------------------------------------------------------ metrics

/** A metric function: a number (or one-element tensor) per batch, averaged over samples. */
export type MetricFn = (yPred: Tensor, yTrue: Tensor) => number | Tensor;

const METRIC_NAMES = [
  'accuracy', 'acc', 'sparse_categorical_accuracy', 'categorical_accuracy', 'binary_accuracy',
  'mse', 'mean_squared_error', 'mae', 'mean_absolute_error',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
export type MetricArg = MetricName | MetricFn;

export interface ResolvedMetric {
  /** The key in logs and History ('accuracy', 'mae', or a function's name). */
  name: string;
  fn: (yPred: Tensor, yTrue: Tensor) => number;
}

/** 'accuracy' means the accuracy that matches the loss, as in Keras. */
function accuracyFor(kind: ResolvedLoss['kind']): (p: Tensor, y: Tensor) => number {
  switch (kind) {
    case 'sparse': return sparseCategoricalAccuracy;
    case 'categorical': return categoricalAccuracy;
    case 'binary': return (p, y) => binaryAccuracy(p, y);
    default: return (p, y) => accuracy(p, y); // decided from the shapes and dtypes
  }
}

function byName(name: MetricName, loss: ResolvedLoss): (p: Tensor, y: Tensor) => number {
  switch (name) {
    case 'accuracy': case 'acc': return accuracyFor(loss.kind);
    case 'sparse_categorical_accuracy': return sparseCategoricalAccuracy;
    case 'categorical_accuracy': return categoricalAccuracy;
    case 'binary_accuracy': return (p, y) => binaryAccuracy(p, y);
    case 'mse': case 'mean_squared_error': return (p, y) => meanSquaredError(p, y).item();
    case 'mae': case 'mean_absolute_error': return (p, y) => meanAbsoluteError(p, y).item();
  }
}

export function resolveMetrics(args: readonly MetricArg[] | undefined, loss: ResolvedLoss): ResolvedMetric[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new ArgumentError(`compile: got metrics ${describe(args)}; expected an array such as ['accuracy']`);
  const out: ResolvedMetric[] = args.map((arg, i) => {
    if (typeof arg === 'function') {
      const name = arg.name || `metric_${i}`;
      return { name, fn: (p, y) => noGrad(() => metricValue(name, arg(p, y))) };
    }
    if (typeof arg === 'string' && (METRIC_NAMES as readonly string[]).includes(arg)) {
      const f = byName(arg as MetricName, loss);
      // Metrics are reported, never differentiated: nothing of them goes on the tape.
      return { name: arg, fn: (p, y) => noGrad(() => f(p, y)) };
    }
    throw new ArgumentError(
      `compile: got metric ${describe(arg)}; expected one of ${METRIC_NAMES.map((k) => `'${k}'`).join(', ')} or a function (yPred, yTrue) => number`,
    );
  });
  const names = out.map((m) => m.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i || n === 'loss');
  if (twice !== undefined) throw new ArgumentError(`compile: two metrics are named ${describe(twice)} (or one is named 'loss'); expected distinct names`);
  return out;
}

function metricValue(name: string, v: number | Tensor): number {
  if (typeof v === 'number') return v;
  if (v instanceof Tensor && v.size === 1) return v.item();
  throw new ArgumentError(`metric ${describe(name)}: returned ${describe(v)}; expected a number or a one-element Tensor`);
}
