/**
 * What `model.compile({ optimizer, loss, metrics })` accepts, resolved through the registries —
 * optimizers (optim/registry.ts), losses (nn/losses.ts), metrics (nn/metrics.ts) — so that a name
 * means the same thing to compile, to a saved config and to `registered…()`. Each takes a name or
 * the object itself: an Optimizer (or a factory, or `{ className, config }`), a `Loss` or a loss
 * function, a metric function. A function that is a registered one is known by its name, so it is
 * saved like the name would be; any other function works but is not saved.
 */
import { Tensor } from '../tensor/tensor.js';
import { Loss, lossNameOf, type LossFn, type LossKind, type LossName } from '../nn/losses.js';
import { binaryAccuracy, getMetric, metricName, perplexity, type MetricFn } from '../nn/metrics.js';
import { Optimizer } from '../optim/optimizer.js';
import { optimizerFactory, optimizerToConfig, type OptimizerConfig, type OptimizerFactory } from '../optim/registry.js';
import { noGrad } from '../autograd/mode.js';
import { clipGradNorm, clipGradValue } from '../optim/clip.js';
import { ArgumentError, describe } from '../util/errors.js';
import type { NamedConfig } from '../util/registry.js';

export type { MetricFn, OptimizerFactory };

// ------------------------------------------------------------------ optimizers

/** Keras's optimizer strings (any registered name or alias is accepted too). */
export type OptimizerName = 'adam' | 'sgd' | 'rmsprop' | 'adamw' | 'gd' | (string & {});

/**
 * An optimizer given to `compile`: a registered name, `{ className, config }` (a saved config's
 * form), a factory `(params) => new Adam(params, { lr: 1e-4 })`, or an optimizer already made on
 * the model's parameters (possible once the model is built).
 */
export type OptimizerArg = OptimizerName | OptimizerConfig | OptimizerFactory | Optimizer;

export interface ResolvedOptimizer {
  /** The optimizer itself, or what makes it once the parameters exist. */
  source: OptimizerFactory | Optimizer;
  /** How a saved model names it (null: a factory, described once it has made the optimizer). */
  config: string | OptimizerConfig | null;
}

export function resolveOptimizer(fn: string, arg: OptimizerArg): ResolvedOptimizer {
  if (arg instanceof Optimizer) return { source: arg, config: optimizerToConfig(arg) };
  if (typeof arg === 'function') return { source: arg, config: null };
  if (typeof arg === 'string' || (arg !== null && typeof arg === 'object' && !Array.isArray(arg))) {
    return {
      source: optimizerFactory(fn, arg),
      config: typeof arg === 'string' ? arg : { className: arg.className, config: { ...arg.config } },
    };
  }
  throw new ArgumentError(
    `${fn}: got optimizer ${describe(arg)}; expected a name such as 'adam', an Optimizer, { className, config }, ` +
      'or a function (params) => Optimizer such as (p) => new Adam(p, { lr: 1e-4 })',
  );
}

// ------------------------------------------------------------------ losses

/** Keras's loss strings (any registered name or alias is accepted too). */
export type LossString = LossName;

/** A loss given to `compile`: a registered name, a `Loss`, or a function (yPred, yTrue) => scalar Tensor. */
export type LossArg = LossString | Loss | LossFn;

export interface ResolvedLoss {
  /** Named in errors. */
  name: string;
  /** The registered loss it is (what fit reads its declarations from); null for a custom function. */
  loss: Loss | null;
  /** The loss of predictions and targets, as declared. */
  call: LossFn;
  /** How a saved model names it (null: a custom function, which cannot be saved). */
  config: string | NamedConfig | null;
}

export function resolveLoss(fn: string, arg: LossArg): ResolvedLoss {
  const known = (loss: Loss, config: ResolvedLoss['config']): ResolvedLoss => ({
    name: loss.name,
    loss,
    call: (p, y) => loss.call(p, y),
    config,
  });
  if (arg instanceof Loss) return known(arg, arg.getConfig());
  if (typeof arg === 'string') return known(new Loss(arg, {}, fn), arg);
  if (typeof arg === 'function') {
    const registered = lossNameOf(arg);
    if (registered !== undefined) return known(new Loss(registered, {}, fn), registered);
    return { name: arg.name || 'loss', loss: null, call: arg, config: null };
  }
  throw new ArgumentError(
    `${fn}: got loss ${describe(arg)}; expected a name such as 'sparse_categorical_crossentropy', a Loss, or a function (yPred, yTrue) => Tensor`,
  );
}

// ------------------------------------------------------------------ metrics

/** Keras's metric strings (any registered name or alias is accepted too). */
export type MetricName =
  | 'accuracy'
  | 'acc'
  | 'sparse_categorical_accuracy'
  | 'categorical_accuracy'
  | 'binary_accuracy'
  | 'mse'
  | 'mean_squared_error'
  | 'mae'
  | 'mean_absolute_error'
  | (string & {});
export type MetricArg = MetricName | MetricFn;

export interface ResolvedMetric {
  /** The key in logs and History ('accuracy', 'mae', or a function's registered name or own name). */
  name: string;
  fn: (yPred: Tensor, yTrue: Tensor) => number;
  /** How a saved model names it (null: a custom function, which is not saved). */
  config: string | null;
}

/**
 * 'accuracy' means the accuracy that matches the loss, as in Keras; a binary loss told that its
 * predictions are logits thresholds them at 0 (σ(0) = 0.5).
 */
function accuracyFor(loss: Loss | null): MetricFn {
  const kind: LossKind | null = loss?.kind ?? null;
  if (kind === 'binary')
    return loss?.fromLogits ? (p, y) => binaryAccuracy(p, y, { threshold: 0 }) : getMetric('binary_accuracy');
  if (kind === 'sparse') return getMetric('sparse_categorical_accuracy');
  if (kind === 'categorical') return getMetric('categorical_accuracy');
  return getMetric('accuracy'); // decided from the shapes and dtypes
}

/**
 * 'perplexity' reads the tokens as the loss does, with its ignoreIndex (padding left out), and
 * reads the predictions as what they are: probabilities when the model ends with softmax (asked at
 * each call: `finalActivation`) or the loss says so ({ fromLogits: false }), logits otherwise.
 */
function perplexityFor(loss: Loss | null, finalActivation: () => string | null): MetricFn {
  const o = loss?.options ?? {};
  const ignoreIndex = typeof o.ignoreIndex === 'number' ? { ignoreIndex: o.ignoreIndex } : {};
  return (p, y) =>
    perplexity(p, y, { ...ignoreIndex, fromLogits: o.fromLogits !== false && finalActivation() !== 'softmax' });
}

export function resolveMetrics(
  fn: string,
  args: readonly MetricArg[] | undefined,
  loss: ResolvedLoss,
  finalActivation: () => string | null = () => null,
): ResolvedMetric[] {
  if (args === undefined) return [];
  if (!Array.isArray(args))
    throw new ArgumentError(`${fn}: got metrics ${describe(args)}; expected an array such as ['accuracy']`);
  const out: ResolvedMetric[] = args.map((arg, i) => {
    let name: string, metric: MetricFn, config: string | null;
    if (typeof arg === 'string') {
      metric = getMetric(arg, fn); // refuses an unknown name, listing the known ones
      metric = metricName(arg) === 'accuracy' ? accuracyFor(loss.loss) : metric;
      metric = metricName(arg) === 'perplexity' ? perplexityFor(loss.loss, finalActivation) : metric;
      name = config = arg;
    } else if (typeof arg === 'function') {
      const registered = metricName(arg);
      name = registered ?? (arg.name || `metric_${i}`);
      metric = arg;
      config = registered ?? null;
    } else {
      throw new ArgumentError(
        `${fn}: got metric ${describe(arg)}; expected a registered name such as 'accuracy' or a function (yPred, yTrue) => number`,
      );
    }
    // Metrics are reported, never differentiated: nothing of them goes on the tape.
    return { name, config, fn: (p, y) => noGrad(() => metricValue(name, metric(p, y))) };
  });
  const names = out.map((m) => m.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i || n === 'loss');
  if (twice !== undefined)
    throw new ArgumentError(
      `${fn}: two metrics are named ${describe(twice)} (or one is named 'loss'); expected distinct names`,
    );
  return out;
}

function metricValue(name: string, v: number | Tensor): number {
  if (typeof v === 'number') return v;
  if (v instanceof Tensor && v.size === 1) return v.item();
  throw new ArgumentError(
    `metric ${describe(name)}: returned ${describe(v)}; expected a number or a one-element Tensor`,
  );
}

// ------------------------------------------------------------------ gradient clipping

/** compile's clipping options, each present only when set. */
export interface GradientClipping {
  clipNorm?: number;
  globalClipNorm?: number;
  clipValue?: number;
}

/** The clipping options of compile, checked: each a finite number > 0 when given. */
export function resolveClipping(fn: string, options: GradientClipping): GradientClipping {
  const out: GradientClipping = {};
  for (const name of ['clipNorm', 'globalClipNorm', 'clipValue'] as const) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected a finite number > 0`);
    out[name] = value;
  }
  return out;
}

/**
 * Clip the gradients before the optimizer step, as Keras does: each parameter's gradient to
 * clipNorm, then all of them together to globalClipNorm, then every component to clipValue. All
 * ops (no host read), so it runs where the gradients live.
 */
export function clipGradients(params: readonly Tensor[], clip: GradientClipping): void {
  if (clip.clipNorm !== undefined) for (const p of params) if (p.grad !== null) clipGradNorm(p, clip.clipNorm);
  if (clip.globalClipNorm !== undefined) clipGradNorm(params, clip.globalClipNorm);
  if (clip.clipValue !== undefined) clipGradValue(params, clip.clipValue);
}
