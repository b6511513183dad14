/**
 * Gradient clipping, in place on `.grad`, with PyTorch's semantics. Clipping by the global norm
 * keeps the direction of the whole update and only shortens it, which is what tames exploding
 * gradients in RNNs and Transformers; clipping by value bounds each component on its own.
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { ArgumentError, GradError, describe } from '../util/errors.js';
import { noGrad } from '../autograd/mode.js';
import { abs, add, clamp, div, minimum, mul, pow, sqrt, square } from '../ops/elementwise.js';
import { max, sum } from '../ops/reduce.js';
import { stack } from '../ops/movement.js';

export interface ClipGradNormOptions {
  /**
   * Throw if the total norm is NaN or infinite instead of writing NaNs into every gradient (reads
   * the norm: CPU backends only).
   */
  errorIfNonfinite?: boolean;
}

/**
 * Scale every gradient by min(1, maxNorm / (total + 1e-6)), where `total` is the p-norm of all
 * gradients taken together (normType Infinity = largest magnitude). Returns `total` as a 0-d
 * tensor (as PyTorch does), measured before clipping; `.item()` reads it. Parameters without a
 * gradient are ignored. All of it runs as ops where the gradients live, with no read to the host.
 * @example const norm = clipGradNorm(model.parameters(), 1.0).item();
 */
export function clipGradNorm(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
  options: ClipGradNormOptions = {},
): Tensor {
  const fn = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new ArgumentError(`${fn}: maxNorm got ${describe(maxNorm)}; expected a number >= 0`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new ArgumentError(`${fn}: normType got ${describe(normType)}; expected a number > 0 or Infinity`);
  }
  const grads = gradsOf(fn, params);
  return noGrad(() => {
    if (grads.length === 0) return zerosLikeScalar();
    let total: Tensor;
    if (normType === Infinity) total = max(stack(grads.map((g) => max(abs(g)))));
    else if (normType === 2) total = sqrt(sum(stack(grads.map((g) => sum(square(g))))));
    else if (normType === 1) total = sum(stack(grads.map((g) => sum(abs(g)))));
    else total = pow(sum(stack(grads.map((g) => sum(pow(abs(g), normType))))), 1 / normType);
    if (options.errorIfNonfinite) {
      const value = total.item();
      if (!Number.isFinite(value)) {
        throw new GradError(
          `${fn}: the total ${normType}-norm of the gradients is ${value}; expected a finite norm. The gradients hold NaN or Infinity: lower the learning rate, check the loss for log(0) or division by zero, or pass errorIfNonfinite: false to clip anyway`,
        );
      }
    }
    // The 1e-6 keeps the coefficient finite for zero gradients; PyTorch scales even when it is 1.
    const coef = minimum(div(maxNorm, add(total, 1e-6)), 1);
    for (const g of grads) g.copy_(mul(g, coef));
    return total;
  });
}

function zerosLikeScalar(): Tensor {
  return tensor(0);
}
/**
 * Clamp every gradient component into [−clipValue, clipValue].
 * @example clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const fn = 'clipGradValue';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) {
    throw new ArgumentError(`${fn}: clipValue got ${describe(clipValue)}; expected a number >= 0`);
  }
  noGrad(() => {
    for (const g of gradsOf(fn, params)) g.copy_(clamp(g, -clipValue, clipValue));
  });
}

/** The gradient of every parameter that has one. */
function gradsOf(fn: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (
    list === null ||
    list === undefined ||
    typeof (list as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function'
  ) {
    throw new ArgumentError(
      `${fn}: params got ${describe(params)}; expected a Tensor or an iterable of tensors such as model.parameters()`,
    );
  }
  const out: Tensor[] = [];
  for (const p of list) {
    if (!(p instanceof Tensor))
      throw new ArgumentError(`${fn}: got ${describe(p)} among the parameters; expected tensors`);
    if (p.grad !== null) out.push(p.grad);
  }
  return out;
}
