/**
 * Keras's Sequential: layers applied one after another, with the training machinery of `Model`.
 *
 * ```ts
 * const model = new Sequential([
 *   new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
 *   new MaxPooling2D({ poolSize: 2 }),
 *   new Flatten(),
 *   new Dense({ units: 10, activation: 'softmax' }),
 * ]);
 * ```
 *
 * There is one Sequential, this one. Children are named by position, so the state dict reads
 * `0.weight`, `0.bias`, … as in PyTorch. It is a `Model` (compile, fit, evaluate, predict, summary,
 * save, as in Keras), and a Model is an nn `Module`, so a Sequential also serves wherever a plain
 * container would: as a block inside a hand-written Module, or nested in another Sequential. The
 * nn floor therefore keeps no container of its own (nothing below keras needs one), and the name
 * 'Sequential' is registered once, here.
 *
 * When the first layer has an `inputShape`, every layer is built at once from the layers' shape
 * arithmetic (`build` / `computeOutputShape`), so `summary()` works before any data is seen;
 * otherwise the layers build on the first call.
 */
import type { Tensor } from '../tensor/tensor.js';
import { Module, type AnyModule } from '../nn/module.js';
import { checkLayerShape, type LayerShape } from '../nn/layer-util.js';
import { layerFromConfig, layerToConfig, registerLayer, type LayerConfig } from '../nn/registry.js';
import { endsInActivation } from '../nn/activations.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { Model } from './model.js';
import { classNameOf } from '../util/class-names.js';

export class Sequential extends Model {
  readonly layers: Module[] = [];
  /** The output shape of the layers so far, once the input shape is known (first layer's inputShape, or build). */
  #outputShape: (number | null)[] | null = null;

  constructor(layers: readonly Module[] = [], options: { name?: string } = {}) {
    super({ name: (checkOptions('Sequential', options, ['name']).name as string | undefined) ?? 'sequential' });
    if (!Array.isArray(layers))
      throw new ArgumentError(`Sequential: got ${describe(layers)}; expected an array of layers`);
    for (const layer of layers) this.add(layer);
  }

  /**
   * Append a layer; returns this for chaining. Once the input shape is known the layer is built
   * for the shape the layers before it produce, so a layer that does not fit is refused here.
   */
  add(layer: Module): this {
    if (!(layer instanceof Module))
      throw new ArgumentError(`Sequential.add: got ${describe(layer)}; expected a Module (a layer)`);
    if (this.layers.length === 0 && layer.inputShape) {
      this.#outputShape = [null, ...layer.inputShape];
      this.rememberBuildShape(this.#outputShape);
    }
    if (this.#outputShape)
      this.#outputShape = buildLayer('Sequential.add', layer, this.layers.length, this.#outputShape, true);
    this.layers.push(layer);
    return this;
  }

  /** The layer at `index`; negative indices count from the end. */
  at(index: number): Module {
    const n = this.layers.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new ArgumentError(
        `Sequential.at: got index ${describe(index)}; expected an integer in [${-n}, ${n - 1}] (the model has ${n} layers)`,
      );
    }
    return this.layers[index < 0 ? index + n : index];
  }

  get length(): number {
    return this.layers.length;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  /** Keras's `input_shape` of the model: the first layer's. */
  override get inputShape(): readonly (number | null)[] | null {
    return this.layers[0]?.inputShape ?? null;
  }

  override namedChildren(): [string, AnyModule][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.call(y);
    return y;
  }

  /** The final activation its last layer declares (Dense({ activation: 'softmax' }), Softmax(), …), or null. */
  override get finalActivation(): string | null {
    const last = this.layers.at(-1);
    return endsInActivation(last) ? last.finalActivation : null;
  }

  /** Every layer but the last as usual, then the last one up to its activation: the logits. */
  override callBeforeActivation(x: Tensor): Tensor {
    const last = this.layers.at(-1);
    if (!endsInActivation(last)) return super.callBeforeActivation(x);
    let y = x;
    for (const layer of this.layers.slice(0, -1)) y = layer.call(y);
    return last.callBeforeActivation(y);
  }

  /**
   * Build every layer for inputs of `inputShape`, batch axis first (null or -1 for it, as Keras's
   * `build([None, 784])`), passing each layer's output shape to the next. No data runs.
   */
  override build(inputShape: LayerShape): void {
    // Weights never depend on the batch size, so the recorded shape leaves it unknown.
    const shape = batched('Sequential.build', inputShape);
    shape[0] = null;
    this.rememberBuildShape(shape);
    this.#outputShape = this.#propagate('Sequential.build', shape, true).at(-1) ?? shape;
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const shape = batched('Sequential.computeOutputShape', inputShape);
    return this.#propagate('Sequential.computeOutputShape', shape, false).at(-1) ?? shape;
  }

  protected override layerOutputShapes(inputShape: LayerShape): (number | null)[][] {
    return this.#propagate('Sequential.summary', batched('Sequential.summary', inputShape), false);
  }

  /** Each layer's output shape in turn, building the layers on the way when `build`. */
  #propagate(fn: string, inputShape: (number | null)[], build: boolean): (number | null)[][] {
    let shape = inputShape;
    return this.layers.map((layer, i) => (shape = buildLayer(fn, layer, i, shape, build)));
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, layers: this.layers.map((layer) => layerToConfig(layer)) };
  }

  /** Rebuild from `getConfig()`'s output (layers through the registry). */
  static fromConfig(config: Record<string, unknown>): Sequential {
    checkOptions('Sequential', config, ['name', 'layers']);
    const layers = config.layers;
    if (!Array.isArray(layers))
      throw new ArgumentError(
        `Sequential.fromConfig: got layers=${describe(layers)}; expected an array of layer configs { className, config }`,
      );
    const name = typeof config.name === 'string' ? config.name : undefined;
    return new Sequential(
      layers.map((l) => layerFromConfig(l as LayerConfig)),
      { name },
    );
  }
}

/** A copy of a batch-first shape; a batch size of -1 (a common way to say "any") is read as null. */
function batched(fn: string, inputShape: LayerShape): (number | null)[] {
  if (!Array.isArray(inputShape) || inputShape.length < 2) {
    throw new ArgumentError(
      `${fn}: got input shape ${describe(inputShape)}; expected the batch axis followed by the sample's axes, e.g. [null, 784]`,
    );
  }
  return checkLayerShape(fn, [inputShape[0] === -1 ? null : inputShape[0], ...inputShape.slice(1)]);
}

/** Build one layer (when `build`) and return its output shape; errors say which layer refused. */
function buildLayer(
  fn: string,
  layer: Module,
  index: number,
  shape: (number | null)[],
  build: boolean,
): (number | null)[] {
  try {
    if (build) layer.build(shape);
    return layer.computeOutputShape(shape);
  } catch (error) {
    if (error instanceof Error)
      error.message = `${error.message} (${fn}: layer ${index}, ${classNameOf(layer)}, given input shape ${describe(shape)})`;
    throw error;
  }
}

registerLayer('Sequential', (config) => Sequential.fromConfig(config), { layerClass: Sequential });
