/**
 * The gradient family: vanilla gradients (saliency, Simonyan et al. 2014), gradient × input
 * (Shrikumar et al. 2016) and SmoothGrad (Smilkov et al. 2017: the gradient averaged over noisy
 * copies of the input, all copies in one batch).
 */
import type { Tensor } from '../tensor/tensor.js';
import { randn } from '../tensor/creation.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { max, mean, min } from '../ops/reduce.js';
import { squeeze, unsqueeze } from '../ops/movement.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import {
  checkInput,
  inspecting,
  pointGradients,
  predictScores,
  resolveTargets,
  scoreFunction,
  targetScores,
  type Attribution,
  type Explainable,
  type TargetOptions,
} from './score.js';

const TARGET_KEYS = ['target', 'logits'] as const;

function gradientAt(fn: string, model: Explainable, x: Tensor, options: TargetOptions): Attribution {
  const o = checkOptions(fn, options, TARGET_KEYS) as TargetOptions;
  checkInput(fn, x);
  const f = scoreFunction(fn, model, o.logits);
  return inspecting(model, () => {
    const r = pointGradients(fn, f, unsqueeze(x, 0), { target: o.target, at: 0 });
    return { attributions: squeeze(r.grads, 0), targets: r.targets, scores: squeeze(r.scores, 0) };
  });
}

/**
 * d score_target / d x for each input of the batch x [batch, ...]: signed; take its absolute value
 * for the classic saliency map.
 * @example const { attributions } = saliency(model, images, { target: 7 });
 */
export function saliency(model: Explainable, x: Tensor, options: TargetOptions = {}): Attribution {
  return gradientAt('saliency', model, x, options);
}

/** The gradient times the input, elementwise: exact contributions w·x for a linear model. */
export function gradientXInput(model: Explainable, x: Tensor, options: TargetOptions = {}): Attribution {
  const r = gradientAt('gradientXInput', model, x, options);
  return { ...r, attributions: mul(r.attributions, x) };
}

export interface SmoothGradOptions extends TargetOptions {
  /** Noisy copies per input (default 25). */
  samples?: number;
  /** Noise standard deviation as a fraction of each input's value range, max − min (default 0.15). */
  noiseLevel?: number;
}

/**
 * The gradient averaged over `samples` copies of each input with Gaussian noise added (from the
 * global generator: `manualSeed` makes it repeatable); all copies run as one batch.
 */
export function smoothGrad(model: Explainable, x: Tensor, options: SmoothGradOptions = {}): Attribution {
  const fn = 'smoothGrad';
  const o = checkOptions(fn, options, [...TARGET_KEYS, 'samples', 'noiseLevel']) as SmoothGradOptions;
  checkInput(fn, x);
  const samples = o.samples ?? 25;
  if (!Number.isInteger(samples) || samples < 1)
    throw new ArgumentError(`${fn}: got samples=${describe(o.samples)}; expected a positive integer`);
  const noiseLevel = o.noiseLevel ?? 0.15;
  if (typeof noiseLevel !== 'number' || !(noiseLevel >= 0))
    throw new ArgumentError(`${fn}: got noiseLevel=${describe(o.noiseLevel)}; expected a number >= 0`);
  const f = scoreFunction(fn, model, o.logits);
  return inspecting(model, () => {
    const outputs = predictScores(fn, f, x);
    const targets = resolveTargets(fn, o.target, outputs);
    const axes = x.shape.map((_, i) => i).slice(1);
    // σ per input: [batch, 1, …] so it broadcasts over that input's elements.
    const sigma = mul(sub(max(x, axes, { keepDims: true }), min(x, axes, { keepDims: true })), noiseLevel);
    const noisy = add(unsqueeze(x, 0), mul(randn([samples, ...x.shape]), sigma));
    const r = pointGradients(fn, f, noisy, targets);
    return { attributions: mean(r.grads, [0]), targets, scores: squeeze(targetScores(outputs, targets, 1), 0) };
  });
}
