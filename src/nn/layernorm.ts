/**
 * LayerNormalization: each sample is normalised over the feature axis (or axes) with its own mean
 * and biased variance, then scaled and shifted per position of those axes,
 *   y = (x − mean) / sqrt(var + epsilon) · weight + bias.
 * Unlike BatchNormalization it keeps no statistics between batches and behaves the same in
 * training and eval mode.
 *
 * Names and defaults follow PyTorch where the two frameworks differ, so weights exchange with
 * torch.nn.LayerNorm unchanged: the parameters are `weight` (Keras's gamma, starts at 1) and
 * `bias` (Keras's beta, starts at 0), each of the sizes of the normalised axes (torch's
 * `normalized_shape`), and epsilon defaults to 1e-5 (Keras's is 1e-3). The options are Keras's:
 * `axis` (default -1; several axes as an array, e.g. [-2, -1] for torch's normalized_shape of two
 * sizes), `center` and `scale` (torch's elementwise_affine / bias).
 */
import type { Tensor } from '../tensor/tensor.js';
import { ones, zeros } from '../tensor/creation.js';
import { normalizeAxes } from '../tensor/shape.js';
import { layerNorm } from '../ops/normalization.js';
import { requireFloat } from '../ops/util.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { registerLayer } from './registry.js';
import { booleanOption, checkLayerShape, checkOptions, type LayerShape } from './layer-util.js';

export interface LayerNormalizationOptions {
  /** The axis or axes normalised over (default -1, the features); never the batch axis. */
  axis?: number | readonly number[];
  /** Added to the variance before the square root (default 1e-5, PyTorch's). */
  epsilon?: number;
  /** Learn an offset `bias` (default true). */
  center?: boolean;
  /** Learn a scale `weight` (default true). */
  scale?: boolean;
  /** One sample's shape (no batch axis); builds the layer now. */
  inputShape?: readonly (number | null)[];
}

export class LayerNormalization extends Module {
  /** Scale, of the sizes of the normalised axes, starts at 1; null until built or when `scale` is false. */
  weight: Parameter | null = null;
  /** Offset, the same shape, starts at 0; null until built or when `center` is false. */
  bias: Parameter | null = null;
  readonly axis: number | readonly number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  /** The rank, the non-negative axes and their sizes the layer was built for; null before. */
  #built: { rank: number; axes: number[]; sizes: number[] } | null = null;

  constructor(options: LayerNormalizationOptions = {}) {
    super();
    const fn = 'LayerNormalization';
    checkOptions(fn, options, ['axis', 'epsilon', 'center', 'scale', 'inputShape'], '{ epsilon: 1e-5 }');
    const axis = options.axis ?? -1;
    const list = typeof axis === 'number' ? [axis] : axis;
    if (!Array.isArray(list) || list.length === 0 || !list.every((a) => Number.isInteger(a))) {
      throw new ArgumentError(
        `${fn}: got axis=${describe(options.axis)}; expected an integer or a non-empty array of them (the axes normalised over)`,
      );
    }
    this.axis = typeof axis === 'number' ? axis : Object.freeze([...axis]);
    this.epsilon = options.epsilon ?? 1e-5;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0) || !Number.isFinite(this.epsilon)) {
      throw new ArgumentError(
        `${fn}: got epsilon=${describe(options.epsilon)}; expected a small positive number such as 1e-5`,
      );
    }
    this.center = booleanOption(fn, 'center', options.center, true);
    this.scale = booleanOption(fn, 'scale', options.scale, true);
    this.setInputShape(options.inputShape);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.#built !== null;
  }

  /** Keras's name for the scale. */
  get gamma(): Parameter | null {
    return this.weight;
  }

  /** Keras's name for the offset. */
  get beta(): Parameter | null {
    return this.bias;
  }

  /** The sizes of the normalised axes (torch's normalized_shape), once built. */
  get normalizedShape(): number[] | null {
    return this.#built ? [...this.#built.sizes] : null;
  }

  override build(inputShape: LayerShape): void {
    const fn = 'LayerNormalization.build';
    const { axes, sizes } = this.#axesOf(fn, inputShape);
    if (this.#built) {
      this.#checkBuiltFor(inputShape, axes, sizes);
      return;
    }
    this.rememberBuildShape(inputShape);
    this.#built = { rank: inputShape.length, axes, sizes };
    if (this.scale) this.weight = new Parameter(ones(sizes));
    if (this.center) this.bias = new Parameter(zeros(sizes));
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const { axes, sizes } = this.#axesOf('LayerNormalization.computeOutputShape', inputShape);
    if (this.#built) this.#checkBuiltFor(inputShape, axes, sizes);
    return [...inputShape];
  }

  #axesOf(fn: string, inputShape: LayerShape): { axes: number[]; sizes: number[] } {
    const shape = checkLayerShape(fn, inputShape);
    const list = typeof this.axis === 'number' ? [this.axis] : this.axis;
    const inRange = list.every((a) => a >= -shape.length && a < shape.length);
    const axes = inRange ? normalizeAxes(fn, list, shape.length) : [];
    if (shape.length < 2 || !inRange || axes.includes(0)) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)} with axis=${describe(this.axis)}; expected a batch axis first and the normalised axes among the others (e.g. [batch, features] or [batch, time, features])`,
      );
    }
    const sizes = axes.map((a) => shape[a]);
    if (sizes.some((d) => d === null || d <= 0)) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)}; expected known, positive sizes on the normalised axes ${describe(this.axis)}`,
      );
    }
    return { axes, sizes: sizes as number[] };
  }

  #checkBuiltFor(inputShape: LayerShape, axes: number[], sizes: number[]): void {
    const b = this.#built!;
    if (
      inputShape.length !== b.rank ||
      axes.some((a, i) => a !== b.axes[i]) ||
      sizes.some((d, i) => d !== b.sizes[i])
    ) {
      throw new ShapeError(
        `LayerNormalization: got input shape ${describe(inputShape)}; expected rank ${b.rank} with sizes ${describe(b.sizes)} on axes ${describe(this.axis)} (the layer was built for that)`,
      );
    }
  }

  forward(x: Tensor): Tensor {
    requireFloat('LayerNormalization', x);
    if (!this.#built) this.build(x.shape);
    else this.computeOutputShape(x.shape);
    return layerNorm(x, { axes: this.#built!.axes, weight: this.weight, bias: this.bias, epsilon: this.epsilon });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: typeof this.axis === 'number' ? this.axis : [...this.axis],
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
    };
  }

  protected override describeSelf(): string {
    const parts = this.#built ? [`normalizedShape=${describe(this.#built.sizes)}`] : [];
    parts.push(`axis=${describe(this.axis)}`, `epsilon=${this.epsilon}`);
    if (!this.center) parts.push('center=false');
    if (!this.scale) parts.push('scale=false');
    return parts.join(', ');
  }
}

registerLayer('LayerNormalization', (c) => new LayerNormalization(c as LayerNormalizationOptions), {
  layerClass: LayerNormalization,
});
