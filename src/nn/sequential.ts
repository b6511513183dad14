/**
 * Sequential: modules applied one after another. Its children are named by position, so its
 * state dict reads `0.weight`, `0.bias`, `2.weight`, … as in PyTorch. The Keras model API wraps
 * this container.
 *
 * As in Keras, when the first layer was given an `inputShape`, every layer is built as it is
 * added (shapes are worked out layer by layer, no data runs), so the model's parameters exist
 * and its summary can be printed before it sees any data; a layer that does not fit the shape
 * arriving from the layer before it is refused when it is added.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, describe } from '../util/errors.js';
import { Module, type AnyModule } from './module.js';
import { layerFromConfig, layerToConfig, registerLayer, type LayerConfig } from './registry.js';
import { checkLayerShape, type LayerShape } from './layer-util.js';

export class Sequential extends Module {
  readonly layers: Module[] = [];
  /** The output shape of the layers so far, when the input shape is known (first layer's inputShape, or build). */
  #outputShape: (number | null)[] | null = null;

  constructor(layers: readonly Module[] = []) {
    super();
    for (const layer of layers) this.add(layer);
  }

  /** Append a layer; returns this for chaining. */
  add(layer: Module): this {
    if (!(layer instanceof Module)) throw new ArgumentError(`Sequential.add: got ${describe(layer)}; expected a Module (a layer)`);
    if (this.layers.length === 0 && layer.inputShape) this.#outputShape = [null, ...layer.inputShape];
    if (this.#outputShape) {
      layer.build(this.#outputShape);
      this.#outputShape = layer.computeOutputShape(this.#outputShape);
    }
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
   * Keras's `build([null, 784])`; -1 is accepted for it too). Pure shape arithmetic: each layer
   * builds itself from the shape the layer before it gives, and no data runs.
   */
  override build(inputShape: LayerShape): void {
    const shape = this.#checkBatched('Sequential.build', inputShape);
    shape[0] = null;
    this.rememberBuildShape(shape);
    let s = shape;
    for (const layer of this.layers) {
      layer.build(s);
      s = layer.computeOutputShape(s);
    }
    this.#outputShape = s;
  }

  /** The model's output shape for inputs of `inputShape`, passed through every layer's rule. */
  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    let s: (number | null)[] = this.#checkBatched('Sequential.computeOutputShape', inputShape);
    for (const layer of this.layers) s = layer.computeOutputShape(s);
    return s;
  }

  /** A copy of the shape, with a batch size of -1 read as unknown (null). */
  #checkBatched(fn: string, inputShape: LayerShape): (number | null)[] {
    if (!Array.isArray(inputShape) || inputShape.length < 2) {
      throw new ArgumentError(`${fn}: got input shape ${describe(inputShape)}; expected the batch axis followed by the sample's axes, e.g. [null, 784]`);
    }
    return checkLayerShape(fn, [inputShape[0] === -1 ? null : inputShape[0], ...inputShape.slice(1)]);
  }

  /** `{ layers: [{ className, config, buildInputShape? }, …] }`: each layer as data. */
  override getConfig(): Record<string, unknown> {
    return { layers: this.layers.map((layer) => layerToConfig(layer)) };
  }
}

registerLayer('Sequential', (config) => {
  const layers = config.layers ?? [];
  if (!Array.isArray(layers)) throw new ArgumentError(`Sequential config: got layers=${describe(layers)}; expected an array of layer configs`);
  return new Sequential(layers.map((c: LayerConfig) => layerFromConfig(c)));
}, { layerClass: Sequential });
