/**
 * The fully connected layer: y = activation(x·W + b), with the kernel W stored Keras-style as
 * [in, out] (note: torch.nn.Linear stores its weight as [out, in]). `Dense` is the Keras face:
 * it needs only `units` and builds its weights from the first input it sees; `Linear` is the
 * PyTorch face of the same layer, built eagerly from its two sizes.
 *
 * Until a lazy Dense is built its weights do not exist, so `parameters()`, `stateDict()` and
 * `numParameters()` on a model containing it throw an error saying how to build it (call the
 * model on a sample batch, `Sequential.build(shape)`, or pass `inputDim`), rather than returning a
 * short list that an optimiser would silently fail to train.
 */
import type { Shape } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { matmul } from '../ops/matmul.js';
import { requireFloat } from '../ops/util.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import {
  activationConfig,
  activationName,
  biasThenActivation,
  getActivation,
  type ActivationFn,
  type ActivationName,
  type EndsInActivation,
} from './activations.js';
import { registerLayer } from './registry.js';
import { booleanOption, checkLayerShape, checkOptions, initializerNames, type LayerShape } from './layer-util.js';
import { getInitializer, type Initializer, type InitializerName } from './init.js';
import { classNameOf, nameOfClass } from '../util/class-names.js';

export interface DenseOptions {
  /** Output features. */
  units: number;
  /** Applied to x·W + b (default 'linear', i.e. none). */
  activation?: ActivationName | ActivationFn;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Default 'glorot_uniform'. */
  kernelInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName | Initializer;
  /** Input features; when given, the weights are created now instead of on the first call. */
  inputDim?: number;
  /** Keras's input_shape: one sample's shape without the batch axis; builds the layer now. */
  inputShape?: readonly (number | null)[];
}

const LINEAR = getActivation('linear');
const DENSE_KEYS = [
  'units',
  'activation',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'inputDim',
  'inputShape',
] as const;
const LINEAR_KEYS = ['bias', 'activation', 'kernelInitializer', 'biasInitializer'] as const;

export class Dense extends Module implements EndsInActivation {
  /** The kernel, shape [inputDim, units]; null until built. */
  weight: Parameter | null = null;
  /** Shape [units]; null until built, or always when useBias is false. */
  bias: Parameter | null = null;
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: ActivationFn;
  #activationName: string;
  #kernelInitializer: Initializer;
  #biasInitializer: Initializer;
  // What the constructor was given, for getConfig (a config holds names, not functions).
  #options: DenseOptions;

  constructor(options: DenseOptions) {
    super();
    const fn = nameOfClass(new.target);
    checkOptions(fn, options, DENSE_KEYS, '{ units: 10 }');
    this.units = checkSize(fn, 'units', options.units);
    this.useBias = booleanOption(fn, 'useBias', options.useBias, true);
    this.activation = getActivation(options.activation ?? 'linear');
    this.#activationName =
      typeof options.activation === 'function' ? options.activation.name || 'custom' : (options.activation ?? 'linear');
    this.#kernelInitializer = getInitializer(options.kernelInitializer ?? 'glorot_uniform');
    this.#biasInitializer = getInitializer(options.biasInitializer ?? 'zeros');
    this.#options = { ...options };
    this.setInputShape(options.inputShape);
    if (options.inputDim !== undefined) this.build([checkSize(fn, 'inputDim', options.inputDim)]);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.weight !== null;
  }

  /** Keras's name for the weight. */
  get kernel(): Parameter | null {
    return this.weight;
  }

  /** Input features, once known. */
  get inputDim(): number | null {
    return this.weight ? this.weight.shape[0] : null;
  }

  /** Create the weights for inputs whose last axis is `inputShape[-1]`. Called by the first `call`. */
  override build(inputShape: LayerShape): void {
    const fn = `${classNameOf(this)}.build`;
    const inputDim = this.#featuresOf(fn, inputShape);
    if (this.weight) {
      if (this.weight.shape[0] === inputDim) return;
      throw new ShapeError(
        `${fn}: the layer is already built for ${this.weight.shape[0]} input features; got input shape ${describe(inputShape)}`,
      );
    }
    this.rememberBuildShape(inputShape);
    this.weight = new Parameter(this.#kernelInitializer([inputDim, this.units]));
    checkInit(fn, 'kernelInitializer', this.weight, [inputDim, this.units]);
    if (this.useBias) {
      this.bias = new Parameter(this.#biasInitializer([this.units]));
      checkInit(fn, 'biasInitializer', this.bias, [this.units]);
    }
  }

  /** [..., features] → [..., units]. */
  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const fn = `${classNameOf(this)}.computeOutputShape`;
    const inputDim = this.#featuresOf(fn, inputShape);
    if (this.weight && this.weight.shape[0] !== inputDim) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)}; expected the last axis to have ${this.weight.shape[0]} features (the layer was built for that)`,
      );
    }
    return [...inputShape.slice(0, -1), this.units];
  }

  #featuresOf(fn: string, inputShape: LayerShape): number {
    const shape = checkLayerShape(fn, inputShape);
    const inputDim = shape[shape.length - 1];
    if (shape.length === 0 || inputDim === null || inputDim <= 0) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)}; expected at least one axis, the last holding a known, positive number of features`,
      );
    }
    return inputDim;
  }

  /** units, activation (by name), useBias, initialiser names, and inputDim / inputShape when given. */
  override getConfig(): Record<string, unknown> {
    const o = this.#options;
    const config: Record<string, unknown> = {
      ...super.getConfig(),
      units: this.units,
      activation: activationConfig(`${classNameOf(this)}.getConfig`, o.activation),
      useBias: this.useBias,
      ...initializerNames(o),
    };
    if (o.inputDim !== undefined) config.inputDim = o.inputDim;
    return config;
  }

  forward(x: Tensor): Tensor {
    return biasThenActivation(this.#product(x), this.bias, this.activation);
  }

  /** The name of its activation (null for a custom function): see EndsInActivation. */
  get finalActivation(): string | null {
    return activationName(this.activation);
  }

  /** x·W + b, before the activation: the logits of a softmax or sigmoid layer (see EndsInActivation). */
  callBeforeActivation(x: Tensor): Tensor {
    return biasThenActivation(this.#product(x), this.bias, LINEAR);
  }

  /** x·W for a checked input, building the layer on its first one. */
  #product(x: Tensor): Tensor {
    const fn = classNameOf(this);
    requireFloat(fn, x);
    if (x.rank === 0) throw new ShapeError(`${fn}: got a 0-d input; expected shape [..., features]`);
    if (!this.weight) this.build(x.shape);
    const weight = this.weight!;
    if (x.shape[x.rank - 1] !== weight.shape[0]) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(x.shape)}; expected the last axis to have ${weight.shape[0]} features (the layer was built for that)`,
      );
    }
    // matmul folds any leading axes into rows, so [..., in] inputs need no reshaping.
    return matmul(x, weight);
  }

  protected override describeSelf(): string {
    const parts = [`units=${this.units}`];
    if (this.inputDim !== null) parts.unshift(`inputDim=${this.inputDim}`);
    if (this.#activationName !== 'linear') parts.push(`activation=${this.#activationName}`);
    if (!this.useBias) parts.push('useBias=false');
    return parts.join(', ');
  }
}

export interface LinearOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  activation?: ActivationName | ActivationFn;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
}

/** `Dense` with PyTorch's signature: `new Linear(inFeatures, outFeatures)`, built at once. */
export class Linear extends Dense {
  readonly #linearOptions: LinearOptions;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super(denseOptions(inFeatures, outFeatures, checkOptions('Linear', options, LINEAR_KEYS) as LinearOptions));
    this.#linearOptions = { ...options };
  }

  override getConfig(): Record<string, unknown> {
    const o = this.#linearOptions;
    return {
      inFeatures: this.inputDim,
      outFeatures: this.units,
      bias: this.useBias,
      activation: activationConfig('Linear.getConfig', o.activation),
      ...initializerNames(o),
    };
  }
}

/** Linear's arguments as Dense's options. */
function denseOptions(inFeatures: number, outFeatures: number, o: LinearOptions): DenseOptions {
  return {
    units: outFeatures,
    inputDim: inFeatures,
    useBias: o.bias ?? true,
    activation: o.activation,
    kernelInitializer: o.kernelInitializer,
    biasInitializer: o.biasInitializer,
  };
}

registerLayer('Dense', (c) => new Dense(c as unknown as DenseOptions), { layerClass: Dense });
registerLayer(
  'Linear',
  ({ inFeatures, outFeatures, ...options }) =>
    new Linear(inFeatures as number, outFeatures as number, options as LinearOptions),
  { layerClass: Linear },
);

function checkSize(fn: string, what: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0)
    throw new ArgumentError(`${fn}: got ${what}=${describe(n)}; expected a positive integer`);
  return n;
}

function checkInit(fn: string, what: string, p: Tensor, shape: Shape): void {
  if (p.shape.length !== shape.length || p.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${fn}: ${what} returned shape ${describe(p.shape)}; expected ${describe(shape)}`);
  }
}
