/**
 * Integrated Gradients (Sundararajan et al. 2017): attribution_i = (x_i − x'_i) · ∫₀¹ ∂f(x' + α(x − x'))/∂x_i dα,
 * the integral taken by the midpoint rule over `steps` equal intervals. Every point of the path,
 * for every input, runs as one batch [(steps + 2)·batch, ...].
 *
 * Completeness: the attributions add up to f(x) − f(x'). The rule's error shows as the gap
 * Σ attributions − (f(x) − f(x')), returned per input, so a caller can see whether `steps` suffices
 * (the gap shrinks as 1/steps² where f is smooth along the path; ReLU kinks make it slower).
 */
import { Tensor } from '../tensor/tensor.js';
import { fromHostValues } from '../tensor/creation.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { sliceAxis, squeeze, unsqueeze, reshape } from '../ops/movement.js';
import { sameShape } from '../tensor/shape.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import {
  checkInput,
  inspecting,
  pointGradients,
  scoreFunction,
  sumPerSample,
  type Attribution,
  type Explainable,
  type TargetOptions,
} from './score.js';

export interface IntegratedGradientsOptions extends TargetOptions {
  /** The reference input x': a number (default 0, a black image), or a tensor shaped like the batch or one sample. */
  baseline?: number | Tensor;
  /** Intervals along the path (midpoint rule): steps + 2 model evaluations per input, with the two ends (default 50). */
  steps?: number;
}

export interface IntegratedGradientsResult extends Attribution {
  /** [batch]: f_target(x'), the baseline's score. */
  baselineScores: Tensor;
  /** [batch]: Σ attributions − (f(x) − f(x')); near 0 when `steps` is enough. */
  completenessGap: Tensor;
  steps: number;
}

/**
 * Integrated Gradients of each input of x [batch, ...] for its target class.
 * @example const { attributions, completenessGap } = integratedGradients(model, images, { steps: 64 });
 */
export function integratedGradients(
  model: Explainable,
  x: Tensor,
  options: IntegratedGradientsOptions = {},
): IntegratedGradientsResult {
  const fn = 'integratedGradients';
  const o = checkOptions(fn, options, ['target', 'logits', 'baseline', 'steps']) as IntegratedGradientsOptions;
  checkInput(fn, x);
  const steps = o.steps ?? 50;
  if (!Number.isInteger(steps) || steps < 1)
    throw new ArgumentError(`${fn}: got steps=${describe(o.steps)}; expected a positive integer`);
  const baseline = checkBaseline(fn, o.baseline ?? 0, x);
  const f = scoreFunction(fn, model, o.logits);
  return inspecting(model, () => {
    // Points [steps + 2, batch, ...]: x' (α = 0), the midpoints α = (k + ½)/steps, then x (α = 1).
    // The ends are there for f(x') and f(x) only (weight 0): a ReLU network's gradient at α = 0
    // with a zero baseline is degenerate (every unit sits at its kink), which the midpoint rule
    // never evaluates.
    const alphas = [0, ...Array.from({ length: steps }, (_, k) => (k + 0.5) / steps), 1];
    const weights = alphas.map((_, k) => (k === 0 || k === steps + 1 ? 0 : 1 / steps));
    const column = (v: number[]): Tensor =>
      fromHostValues(Float32Array.from(v), [v.length, ...x.shape.map(() => 1)], {}, x.backend);
    const delta = sub(x, baseline);
    const path = add(baseline, mul(column(alphas), unsqueeze(delta, 0)));
    const r = pointGradients(fn, f, path, { target: o.target, at: steps + 1 });
    const attributions = mul(delta, sum(mul(r.grads, column(weights)), [0]));
    const scores = squeeze(sliceAxis(r.scores, 0, steps + 1, steps + 2), 0);
    const baselineScores = squeeze(sliceAxis(r.scores, 0, 0, 1), 0);
    const completenessGap = sub(sumPerSample(attributions), sub(scores, baselineScores));
    return { attributions, targets: r.targets, scores, baselineScores, completenessGap, steps };
  });
}

function checkBaseline(fn: string, baseline: number | Tensor, x: Tensor): number | Tensor {
  if (typeof baseline === 'number' && Number.isFinite(baseline)) return baseline;
  if (baseline instanceof Tensor) {
    if (sameShape(baseline.shape, x.shape)) return baseline;
    if (sameShape(baseline.shape, x.shape.slice(1))) return reshape(baseline, [1, ...baseline.shape]);
  }
  throw new ShapeError(
    `${fn}: got baseline ${describe(baseline)}; expected a number or a Tensor of the input's shape ${describe(x.shape)} or of one sample's ${describe(x.shape.slice(1))}`,
  );
}
