/**
 * Gradient clipping, in place on `.grad`, with PyTorch's semantics. Clipping by the global norm
 * keeps the direction of the whole update and only shortens it, which is what tames exploding
 * gradients in RNNs and Transformers; clipping by value bounds each component on its own.
 */
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, GradError, describe } from '../util/errors.js';

export interface ClipGradNormOptions {
  /** Throw if the total norm is NaN or infinite instead of writing NaNs into every gradient. */
  errorIfNonfinite?: boolean;
}

/**
 * Scale every gradient by min(1, maxNorm / (total + 1e-6)), where `total` is the p-norm of all
 * gradients taken together (normType Infinity = largest magnitude). Returns `total`, measured
 * before clipping. Parameters without a gradient are ignored.
 * @example const norm = clipGradNorm(model.parameters(), 1.0);
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): number {
  const fn = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new ArgumentError(`${fn}: maxNorm got ${describe(maxNorm)}; expected a number >= 0`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new ArgumentError(`${fn}: normType got ${describe(normType)}; expected a number > 0 or Infinity`);
  }
  const grads = gradsOf(fn, params);
  if (grads.length === 0) return 0;
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (let i = 0; i < g.length; i++) total = Math.max(total, Math.abs(g[i]));
  } else {
    let sum = 0;
    for (const g of grads) {
      if (normType === 2) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
      else if (normType === 1) for (let i = 0; i < g.length; i++) sum += Math.abs(g[i]);
      else for (let i = 0; i < g.length; i++) sum += Math.abs(g[i]) ** normType;
    }
    total = normType === 2 ? Math.sqrt(sum) : normType === 1 ? sum : sum ** (1 / normType);
  }
  if (!Number.isFinite(total) && options.errorIfNonfinite) {
    throw new GradError(
      `${fn}: the total ${normType}-norm of the gradients is ${total}; expected a finite norm. The gradients hold NaN or Infinity: lower the learning rate, check the loss for log(0) or division by zero, or pass errorIfNonfinite: false to clip anyway`,
    );
  }
  // The 1e-6 keeps the coefficient finite for zero gradients; PyTorch scales even when it is 1.
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return total;
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
  for (const g of gradsOf(fn, params)) {
    for (let i = 0; i < g.length; i++) {
      const v = g[i];
      if (v > clipValue) g[i] = clipValue;
      else if (v < -clipValue) g[i] = -clipValue;
    }
  }
}

/** The gradient storage of every parameter that has one. */
function gradsOf(fn: string, params: Tensor | Iterable<Tensor>): Float32Array[] {
  const list = params instanceof Tensor ? [params] : params;
  if (list === null || list === undefined || typeof (list as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new ArgumentError(`${fn}: params got ${describe(params)}; expected a Tensor or an iterable of tensors such as model.parameters()`);
  }
  const out: Float32Array[] = [];
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new ArgumentError(`${fn}: got ${describe(p)} among the parameters; expected tensors`);
    if (p.grad !== null) out.push(p.grad.data as Float32Array);
  }
  return out;
}
