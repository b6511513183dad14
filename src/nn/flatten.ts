/**
 * Flatten: each sample's axes folded into one, keeping the batch axis, as Keras's Flatten:
 * [N, 3, 3, 64] → [N, 576], and [N] → [N, 1]. It shares storage with its input (a reshape).
 */
import type { Tensor } from '../tensor/tensor.js';
import { flatten, reshape } from '../ops/movement.js';
import { ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { registerLayer } from './registry.js';
import { checkLayerShape, checkOptions, type LayerShape } from './layer-util.js';

export class Flatten extends Module {
  constructor(options: { inputShape?: readonly (number | null)[] } = {}) {
    super();
    checkOptions('Flatten', options, ['inputShape'], '{ inputShape: [28, 28] }');
    this.setInputShape(options.inputShape);
  }

  /** [N, d1, d2, …] → [N, d1·d2·…]; the product is null when any factor is unknown. */
  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const shape = checkLayerShape('Flatten.computeOutputShape', inputShape);
    if (shape.length === 0)
      throw new ShapeError(`Flatten: got input shape []; expected a batch axis first, e.g. [null, 28, 28]`);
    const rest = shape.slice(1);
    const size = rest.some((d) => d === null) ? null : rest.reduce<number>((n, d) => n * (d as number), 1);
    return [shape[0], size];
  }

  forward(x: Tensor): Tensor {
    if (x.rank === 0)
      throw new ShapeError(
        `Flatten: got a 0-d input ${describe(x.shape)}; expected a batch axis first, e.g. [batch, 28, 28]`,
      );
    return x.rank === 1 ? reshape(x, [x.shape[0], 1]) : flatten(x, 1);
  }
}

registerLayer('Flatten', (c) => new Flatten(c as { inputShape?: number[] }), { layerClass: Flatten });
