/**
 * Parameter: a tensor a module learns. It is an ordinary float32 leaf tensor that requires grad,
 * marked by its class so that `Module` can find it among the module's fields.
 */
import { Tensor } from '../tensor/tensor.js';
import { DTypeError, describe } from '../util/errors.js';

export class Parameter extends Tensor {
  /**
   * Wrap `value` as a parameter. The storage is shared with `value` (as torch.nn.Parameter does),
   * so pass a fresh tensor, e.g. `new Parameter(zeros([3]))`. `requiresGrad: false` freezes it.
   */
  constructor(value: Tensor, requiresGrad = true) {
    if (!(value instanceof Tensor))
      throw new DTypeError(`Parameter: got ${describe(value)}; expected a float32 Tensor`);
    if (value.dtype !== 'float32') {
      throw new DTypeError(
        `Parameter: got a tensor of dtype ${value.dtype}; expected float32 (parameters are learned by gradients)`,
      );
    }
    super(value.storage, value.shape, value.dtype, value.backend, requiresGrad);
  }
}
