/** `tensor.backward()`, attached here so that the tensor floor does not import autograd. */
import { Tensor } from '../tensor/tensor.js';
import { backward, type BackwardOptions } from './backward.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /**
     * Back-propagate from this tensor: every leaf that requires grad gets d(this)/d(leaf) added to
     * its `.grad`. Without `gradient`, this tensor must hold exactly one element.
     */
    backward(gradient?: Tensor, options?: BackwardOptions): void;
  }
}

Tensor.prototype.backward = function (gradient?: Tensor, options?: BackwardOptions) {
  backward(this, gradient, options);
};
