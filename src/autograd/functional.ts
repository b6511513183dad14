/** Functional autograd: derivatives as functions, in the manner of JAX's `grad`. */
import { Tensor } from '../tensor/tensor.js';
import { setGradEnabled } from '../tensor/grad-mode.js';
import { zerosLike } from '../tensor/creation.js';
import { ArgumentError, describe } from '../util/errors.js';
import { gradientsOf } from './backward.js';

/**
 * `grad(f)` is a function returning d f(...xs) / d xs for each tensor argument. `f` must return a
 * one-element tensor. Inputs are not modified and no `.grad` is written.
 * @example const df = grad((x) => x.mul(x).sum()); df(tensor([3]))[0] // [6]
 */
export function grad(fn: (...inputs: Tensor[]) => Tensor): (...inputs: Tensor[]) => Tensor[] {
  return (...inputs: Tensor[]) => valueAndGrad(fn)(...inputs).grads;
}

/** Like `grad`, but also returns the function's value. */
export function valueAndGrad(
  fn: (...inputs: Tensor[]) => Tensor,
): (...inputs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...inputs: Tensor[]) => {
    inputs.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new ArgumentError(`grad: argument ${i} is ${describe(x)}; expected a Tensor`);
    });
    // Fresh leaves that share storage: the caller's tensors keep their own flags and graph.
    const leaves = inputs.map((x) => (x.dtype === 'float32' ? x.detach().requiresGrad_() : x));
    const previous = setGradEnabled(true);
    let value: Tensor;
    try {
      value = fn(...leaves);
    } finally {
      setGradEnabled(previous);
    }
    if (!(value instanceof Tensor))
      throw new ArgumentError(`grad: the function returned ${describe(value)}; expected a Tensor`);
    if (!value.requiresGrad) return { value, grads: leaves.map((x) => zerosLike(x, { dtype: 'float32' })) };
    const grads = gradientsOf(value, leaves);
    return { value: value.detach(), grads: grads.map((g, i) => g ?? zerosLike(leaves[i], { dtype: 'float32' })) };
  };
}
