/**
 * Sequential: modules applied one after another. Its children are named by position, so its
 * state dict reads `0.weight`, `0.bias`, `2.weight`, … as in PyTorch. The Keras model API wraps
 * this container.
 */
import type { Shape } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { noGrad } from '../autograd/mode.js';
import { ArgumentError, describe } from '../util/errors.js';
import { Module, type AnyModule } from './module.js';

export class Sequential extends Module {
  readonly layers: Module[] = [];

  constructor(layers: readonly Module[] = []) {
    super();
    for (const layer of layers) this.add(layer);
  }

  /** Append a layer; returns this for chaining. */
  add(layer: Module): this {
    if (!(layer instanceof Module)) throw new ArgumentError(`Sequential.add: got ${describe(layer)}; expected a Module (a layer)`);
    this.layers.push(layer);
    return this;
  }

  /** The layer at `index`; negative indices count from the end. */
  at(index: number): Module {
    const n = this.layers.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new ArgumentError(`Sequential.at: got index ${describe(index)}; expected an integer in [${-n}, ${n - 1}] (the model has ${n} layers)`);
    }
    return this.layers[index < 0 ? index + n : index];
  }

  get length(): number {
    return this.layers.length;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  override namedChildren(): [string, AnyModule][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.call(y);
    return y;
  }

  /**
   * Build every lazy layer for inputs of `inputShape`, batch axis first (its size is ignored, as
   * Keras's `build([null, 784])`), by running one zero sample through the model without recording
   * gradients. It runs in eval mode so Dropout draws no random numbers; each module's mode is
   * restored afterwards.
   */
  build(inputShape: Shape): void {
    if (inputShape.length < 2) {
      throw new ArgumentError(`Sequential.build: got input shape ${describe(inputShape)}; expected the batch axis followed by the sample's axes, e.g. [-1, 784]`);
    }
    const modes = this.modules().map((m) => [m, m.training] as const);
    try {
      this.eval();
      noGrad(() => this.call(zeros([1, ...inputShape.slice(1)])));
    } finally {
      for (const [m, training] of modes) m.training = training;
    }
  }
}
