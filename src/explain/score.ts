/**
 * What every attribution method shares: the function it differentiates (a model's class scores),
 * the class each input is explained for (its target), and the gradients of the targets' scores
 * with respect to a whole batch of points at once.
 *
 * A batch of points is laid out [k, batch, ...sample]: k points (IG's path steps, SmoothGrad's
 * noisy copies, occlusion's windows) for each of `batch` inputs, run through the model as one
 * batch of k·batch. Samples are independent in eval mode, so the gradient of the summed target
 * scores with respect to each point is that point's own gradient: one backward pass for all.
 */
import { Tensor } from '../tensor/tensor.js';
import { full, tensor } from '../tensor/creation.js';
import { mul } from '../ops/elementwise.js';
import { argmax, sum } from '../ops/reduce.js';
import { oneHot, reshape, sliceAxis } from '../ops/movement.js';
import { enableGrad, noGrad } from '../autograd/mode.js';
import { gradientsOf } from '../autograd/backward.js';
import { Module, type AnyModule } from '../nn/module.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { classNameOf } from '../util/class-names.js';

/** A model to explain: any Module of one tensor (Sequential, a custom Module) or a plain function. */
export type Explainable = AnyModule | ((x: Tensor) => Tensor);

/** The class to explain: one for every input, one per input, or an int32 tensor [batch]. */
export type Target = number | readonly number[] | Tensor;

export interface TargetOptions {
  /** The class whose score is explained (default: the class the model predicts for each input). */
  target?: Target;
  /**
   * Explain the score before the model's final activation (its logits, through
   * `callBeforeActivation`) instead of its output (default false: the output, e.g. probabilities).
   */
  logits?: boolean;
}

/** What every method returns: attributions shaped like the input, and the scores explained. */
export interface Attribution {
  /** Same shape as the input (Grad-CAM: [batch, height, width, 1], broadcastable to it). */
  attributions: Tensor;
  /** int32 [batch]: the class explained for each input. */
  targets: Tensor;
  /** [batch]: each input's score for its target class, f_target(x). */
  scores: Tensor;
}

interface WithLogits {
  finalActivation: string | null;
  callBeforeActivation(x: Tensor): Tensor;
}

function hasLogits(model: unknown): model is WithLogits {
  const m = model as Partial<WithLogits>;
  return typeof m.callBeforeActivation === 'function' && typeof m.finalActivation === 'string';
}

/** The function x → scores [n, classes] that a method differentiates. */
export function scoreFunction(fn: string, model: Explainable, logits = false): (x: Tensor) => Tensor {
  if (model instanceof Module) {
    if (!logits) return (x) => model.call(x) as Tensor;
    if (!hasLogits(model)) {
      throw new ArgumentError(
        `${fn}: got logits: true for a ${classNameOf(model)} that declares no final activation; expected a model whose last layer has one (e.g. Dense({ activation: 'softmax' })), or logits: false`,
      );
    }
    return (x) => model.callBeforeActivation(x);
  }
  if (typeof model !== 'function')
    throw new ArgumentError(`${fn}: got model ${describe(model)}; expected a Module or a function x → scores`);
  if (logits) throw new ArgumentError(`${fn}: got logits: true with a plain function; expected a Module`);
  return model;
}

/**
 * Run `body` with the model in eval mode (dropout off, running statistics) and its parameters not
 * requiring grad, so a backward pass computes input gradients only; both are restored after.
 */
export function inspecting<T>(model: Explainable, body: () => T): T {
  if (!(model instanceof Module)) return body();
  const modes = model.modules().map((m) => [m, m.training] as const);
  const params = model.isBuilt() ? model.parameters().filter((p) => p.requiresGrad) : [];
  model.eval();
  for (const p of params) p.requiresGrad = false;
  try {
    return body();
  } finally {
    for (const p of params) p.requiresGrad = true;
    for (const [m, training] of modes) m.training = training;
  }
}

/** A float batch [batch, ...sample]. */
export function checkInput(fn: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${fn}: got input ${describe(x)}; expected a Tensor`);
  if (x.dtype !== 'float32')
    throw new DTypeError(`${fn}: got an input of dtype ${x.dtype}; expected float32 (convert with .float())`);
  if (x.rank < 2 || x.shape[0] < 1)
    throw new ShapeError(`${fn}: got an input of shape ${describe(x.shape)}; expected a batch [batch, ...sample]`);
  return x;
}

/** Scores [n, classes] from the model, checked. */
function checkScores(fn: string, out: unknown, n: number): Tensor {
  if (!(out instanceof Tensor) || out.rank !== 2 || out.shape[0] !== n) {
    throw new ShapeError(
      `${fn}: the model returned ${describe(out)} for ${n} inputs; expected class scores [${n}, classes]`,
    );
  }
  return out;
}

/** The targets as int32 [batch], checked against `classes`; by default the argmax of `outputs` [batch, classes]. */
export function resolveTargets(fn: string, target: Target | undefined, outputs: Tensor): Tensor {
  const [batch, classes] = outputs.shape;
  const inRange = (t: unknown): boolean => Number.isInteger(t) && (t as number) >= 0 && (t as number) < classes;
  if (target === undefined) return argmax(outputs.detach(), 1);
  if (typeof target === 'number') {
    if (!inRange(target))
      throw new ArgumentError(`${fn}: got target ${describe(target)}; expected a class in 0..${classes - 1}`);
    return full([batch], target, { dtype: 'int32' });
  }
  if (Array.isArray(target)) {
    if (target.length !== batch || !target.every(inRange))
      throw new ArgumentError(
        `${fn}: got targets ${describe(target)}; expected ${batch} classes (one per input) in 0..${classes - 1}`,
      );
    return tensor(target as number[], { dtype: 'int32' });
  }
  if (target instanceof Tensor && target.dtype === 'int32' && target.rank === 1 && target.shape[0] === batch)
    return target;
  throw new ArgumentError(
    `${fn}: got target ${describe(target)}; expected a class number, an array of ${batch} classes, or an int32 Tensor [${batch}]`,
  );
}

/** Each point's score for its input's target: outputs [k·batch, classes] → [k, batch]. */
export function targetScores(outputs: Tensor, targets: Tensor, k: number): Tensor {
  const [n, classes] = outputs.shape;
  return sum(mul(reshape(outputs, [k, n / k, classes]), oneHot(targets, classes)), [2]);
}

/** The model's scores for a batch, without a graph. */
export function predictScores(fn: string, f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  return checkScores(
    fn,
    noGrad(() => f(x)),
    x.shape[0],
  );
}

export interface PointGradients {
  /** [k, batch, ...sample]: d score / d point. */
  grads: Tensor;
  /** [k, batch]: the target score at each point. */
  scores: Tensor;
  targets: Tensor;
}

/**
 * Gradients of the target scores at `points` [k, batch, ...sample], one forward and one backward
 * pass over all k·batch of them. `targets` is either resolved already or resolved from the
 * outputs at point `targetsAt` (e.g. the input itself, when it is one of the points).
 */
export function pointGradients(
  fn: string,
  f: (x: Tensor) => Tensor,
  points: Tensor,
  targets: Tensor | { target: Target | undefined; at: number },
): PointGradients {
  const [k, batch, ...sample] = points.shape;
  const leaf = reshape(points, [k * batch, ...sample])
    .detach()
    .requiresGrad_();
  const outputs = checkScores(
    fn,
    enableGrad(() => f(leaf)),
    k * batch,
  );
  const resolved =
    targets instanceof Tensor
      ? targets
      : resolveTargets(fn, targets.target, sliceAxis(outputs, 0, targets.at * batch, (targets.at + 1) * batch));
  const scores = enableGrad(() => targetScores(outputs, resolved, k));
  if (!scores.requiresGrad) {
    throw new ArgumentError(
      `${fn}: the model's scores do not depend on its input through recorded ops; expected a differentiable model`,
    );
  }
  const [g] = gradientsOf(sum(scores), [leaf]);
  return { grads: reshape(g!, points.shape), scores: scores.detach(), targets: resolved };
}

/** Sum over every axis but the first: [batch, ...] → [batch]. */
export function sumPerSample(x: Tensor): Tensor {
  return sum(reshape(x, [x.shape[0], -1]), [1]);
}
