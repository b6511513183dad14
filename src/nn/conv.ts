/**
 * Conv2D, Keras's 2-d convolution layer: y = activation(conv2d(x, K) + b) over channels-last
 * images [batch, height, width, channels]. The kernel K is [kernelH, kernelW, inChannels, filters],
 * Keras's layout, so Keras weights load 1:1 (PyTorch's Conv2d stores [filters, inChannels, kH, kW]).
 * Like Dense, it builds its kernel from the channel count of its first input unless given an
 * `inputShape`.
 */
import type { FusedActivation } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { convOutputLength, type Padding, type Size2d } from '../ops/conv.js';
import { conv2dBiasActivation } from '../ops/fused.js';
import { requireFloat } from '../ops/util.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import {
  activationConfig,
  activationName,
  getActivation,
  splitActivation,
  type ActivationFn,
  type ActivationName,
  type EndsInActivation,
} from './activations.js';
import { getInitializer, type Initializer, type InitializerName } from './init.js';
import { registerLayer } from './registry.js';
import {
  booleanOption,
  checkInitShape,
  checkLayerShape,
  checkOptions,
  initializerNames,
  paddingOption,
  positiveInt,
  requireRank,
  sizeOption,
  sizePair,
  type LayerShape,
} from './layer-util.js';

export interface Conv2DOptions {
  /** Output channels (number of kernels). */
  filters: number;
  /** Window size: 3 or [3, 3]. */
  kernelSize: Size2d;
  /** Step between windows (default 1). */
  strides?: Size2d;
  /** 'valid' (default: windows inside the image) or 'same' (ceil(size / stride) outputs). */
  padding?: Padding;
  /** Gap between kernel taps (default 1); cannot exceed 1 together with strides, as in Keras. */
  dilationRate?: Size2d;
  /** Applied after the bias (default 'linear', i.e. none). */
  activation?: ActivationName | ActivationFn;
  /** Add a bias per filter (default true). */
  useBias?: boolean;
  /** Default 'glorot_uniform' (fans count the window, as Keras does). */
  kernelInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName | Initializer;
  /** One image's shape [height, width, channels] (no batch axis); builds the layer now. */
  inputShape?: readonly (number | null)[];
}

const OPTION_KEYS = [
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'dilationRate',
  'activation',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'inputShape',
] as const;
const LAYOUT = '[batch, height, width, channels] (channels-last, as in Keras)';

export class Conv2D extends Module implements EndsInActivation {
  /** The kernel [kernelH, kernelW, inChannels, filters]; null until built. */
  weight: Parameter | null = null;
  /** Shape [filters]; null until built, or always when useBias is false. */
  bias: Parameter | null = null;
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilationRate: readonly [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
  readonly activation: ActivationFn;
  #options: Conv2DOptions;
  #kernelInitializer: Initializer;
  #biasInitializer: Initializer;

  constructor(options: Conv2DOptions) {
    super();
    const fn = 'Conv2D';
    checkOptions(fn, options, OPTION_KEYS, '{ filters: 32, kernelSize: 3, activation: "relu" }');
    this.filters = positiveInt(fn, 'filters', options.filters);
    if (options.kernelSize === undefined)
      throw new ArgumentError(
        `${fn}: kernelSize is missing; expected a positive integer or a pair, e.g. { filters: 32, kernelSize: 3 }`,
      );
    this.kernelSize = sizePair(fn, 'kernelSize', options.kernelSize);
    this.strides = sizePair(fn, 'strides', options.strides ?? 1);
    this.dilationRate = sizePair(fn, 'dilationRate', options.dilationRate ?? 1);
    // Keras refuses the combination too; TensorFlow's dilated convolution does not implement it.
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new ArgumentError(
        `${fn}: got strides=${describe(options.strides)} with dilationRate=${describe(options.dilationRate)}; strides > 1 cannot be combined with dilationRate > 1 (as in Keras): use one of them, or follow a dilated convolution by a pooling layer`,
      );
    }
    this.padding = paddingOption(fn, options.padding);
    this.useBias = booleanOption(fn, 'useBias', options.useBias, true);
    this.activation = getActivation(options.activation ?? 'linear');
    this.#kernelInitializer = getInitializer(options.kernelInitializer ?? 'glorot_uniform');
    this.#biasInitializer = getInitializer(options.biasInitializer ?? 'zeros');
    this.#options = { ...options };
    this.setInputShape(options.inputShape);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.weight !== null;
  }

  /** Keras's name for the weight. */
  get kernel(): Parameter | null {
    return this.weight;
  }

  /** Create the kernel for inputs with `inputShape[3]` channels. Called by the first `call`. */
  override build(inputShape: LayerShape): void {
    const fn = 'Conv2D.build';
    const channels = this.#channelsOf(fn, inputShape);
    if (this.weight) {
      if (this.weight.shape[2] === channels) return;
      throw new ShapeError(
        `${fn}: the layer is already built for ${this.weight.shape[2]} input channels; got input shape ${describe(inputShape)}`,
      );
    }
    this.rememberBuildShape(inputShape);
    const shape = [this.kernelSize[0], this.kernelSize[1], channels, this.filters];
    this.weight = new Parameter(this.#kernelInitializer(shape));
    checkInitShape(fn, 'kernelInitializer', this.weight, shape);
    if (this.useBias) {
      this.bias = new Parameter(this.#biasInitializer([this.filters]));
      checkInitShape(fn, 'biasInitializer', this.bias, [this.filters]);
    }
  }

  /** [N, H, W, C] → [N, OH, OW, filters]; OH = ceil(H / stride) for 'same', else ⌊(H − span) / stride⌋ + 1. */
  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const fn = 'Conv2D.computeOutputShape';
    const channels = this.#channelsOf(fn, inputShape);
    if (this.weight && this.weight.shape[2] !== channels) {
      throw new ShapeError(
        `Conv2D: got input shape ${describe(inputShape)} with ${channels} channels; expected ${this.weight.shape[2]} channels (the layer was built for that)`,
      );
    }
    const [batch, height, width] = inputShape;
    return [
      batch,
      this.#outLength(height, 0, 'height', inputShape),
      this.#outLength(width, 1, 'width', inputShape),
      this.filters,
    ];
  }

  #outLength(size: number | null, axis: 0 | 1, name: string, inputShape: LayerShape): number | null {
    if (size === null) return null;
    const k = this.kernelSize[axis],
      d = this.dilationRate[axis];
    const out = convOutputLength(size, k, this.strides[axis], this.padding, d);
    if (out <= 0) {
      const span = (k - 1) * d + 1;
      throw new ShapeError(
        `Conv2D: the kernel spans ${span} along ${name} but the input (shape ${describe(inputShape)}) has only ${size}; expected an input at least as large as the kernel (or padding: 'same')`,
      );
    }
    return out;
  }

  #channelsOf(fn: string, inputShape: LayerShape): number {
    const shape = checkLayerShape(fn, inputShape);
    requireRank(fn, shape, 4, LAYOUT);
    const channels = shape[3];
    if (channels === null || channels <= 0) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)}; expected a known, positive number of channels on the last axis`,
      );
    }
    return channels;
  }

  forward(x: Tensor): Tensor {
    // Bias [filters] along the channels-last axis and relu (if that is the activation) in the same pass.
    const { fused, rest } = splitActivation(this.activation);
    const y = this.#convolve(x, fused);
    return rest ? rest(y) : y;
  }

  /** The name of its activation (null for a custom function): see EndsInActivation. */
  get finalActivation(): string | null {
    return activationName(this.activation);
  }

  /** conv2d(x, K) + b, before the activation (see EndsInActivation). */
  callBeforeActivation(x: Tensor): Tensor {
    return this.#convolve(x, 'linear');
  }

  #convolve(x: Tensor, fused: FusedActivation): Tensor {
    requireFloat('Conv2D', x);
    if (x.rank !== 4)
      throw new ShapeError(
        `Conv2D: got input of shape ${describe(x.shape)} (rank ${x.rank}); expected rank 4: ${LAYOUT}`,
      );
    if (!this.weight) this.build(x.shape);
    this.computeOutputShape(x.shape); // the layer's own errors for wrong channels or too small images
    return conv2dBiasActivation(x, this.weight!, this.bias, fused, {
      strides: this.strides,
      padding: this.padding,
      dilation: this.dilationRate,
    });
  }

  /** Every option as plain JSON (activation by name), sizes as they were given. */
  override getConfig(): Record<string, unknown> {
    const o = this.#options;
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: sizeOption('Conv2D', 'kernelSize', o.kernelSize),
      strides: sizeOption('Conv2D', 'strides', o.strides ?? 1),
      padding: this.padding,
      dilationRate: sizeOption('Conv2D', 'dilationRate', o.dilationRate ?? 1),
      activation: activationConfig('Conv2D.getConfig', o.activation),
      useBias: this.useBias,
      ...initializerNames(o),
    };
  }

  protected override describeSelf(): string {
    const parts = [`filters=${this.filters}`, `kernelSize=[${this.kernelSize.join(', ')}]`];
    if (this.strides.some((s) => s !== 1)) parts.push(`strides=[${this.strides.join(', ')}]`);
    if (this.padding !== 'valid') parts.push(`padding=${this.padding}`);
    if (this.dilationRate.some((d) => d !== 1)) parts.push(`dilationRate=[${this.dilationRate.join(', ')}]`);
    const activation =
      typeof this.#options.activation === 'function'
        ? this.#options.activation.name || 'custom'
        : this.#options.activation;
    if (activation !== undefined && activation !== 'linear') parts.push(`activation=${activation}`);
    if (!this.useBias) parts.push('useBias=false');
    return parts.join(', ');
  }
}

registerLayer('Conv2D', (c) => new Conv2D(c as unknown as Conv2DOptions), { layerClass: Conv2D });
