/**
 * BatchNormalization with Keras's semantics: each feature along `axis` (default the last, the
 * channels of a channels-last image) is normalised over every other axis,
 *   y = gamma · (x − mean) / sqrt(var + epsilon) + beta,
 * with the batch's mean and variance in training and the moving averages in eval mode. After
 * each training batch the moving averages follow
 *   moving = moving · momentum + batch · (1 − momentum).
 * As in Keras (ops.moments), the variance is the biased one — divided by the number of values,
 * not that minus one — both for normalising and in the moving update. (PyTorch's BatchNorm puts
 * the unbiased variance into its running average and uses momentum the other way round.)
 *
 * The training forward is composed of ops (mean, square, sqrt, …), so its gradient flows through
 * the batch statistics with no backward of its own. The moving averages are buffers: saved in
 * the state dict, never given to an optimiser, updated outside the tape.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ones, zeros } from '../tensor/creation.js';
import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/movement.js';
import { requireFloat } from '../ops/util.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { registerLayer } from './registry.js';
import { booleanOption, checkLayerShape, checkOptions, type LayerShape } from './layer-util.js';

export interface BatchNormalizationOptions {
  /** The feature axis, kept apart; every other axis is normalised over (default -1). */
  axis?: number;
  /** Weight of the old value in the moving averages (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  /** One sample's shape (no batch axis); builds the layer now. */
  inputShape?: readonly (number | null)[];
}

export class BatchNormalization extends Module {
  /** Scale per feature, starts at 1; null until built or when `scale` is false. */
  gamma: Parameter | null = null;
  /** Offset per feature, starts at 0; null until built or when `center` is false. */
  beta: Parameter | null = null;
  /** Moving average of the batch means (starts at 0); a buffer. */
  declare movingMean: Tensor | null;
  /** Moving average of the batch variances (starts at 1); a buffer. */
  declare movingVariance: Tensor | null;
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  /** The rank and the non-negative feature axis of the inputs, once built. */
  #rank = 0;
  #featureAxis = 0;

  constructor(options: BatchNormalizationOptions = {}) {
    super();
    const fn = 'BatchNormalization';
    checkOptions(fn, options, ['axis', 'momentum', 'epsilon', 'center', 'scale', 'inputShape'], '{ momentum: 0.9 }');
    this.axis = options.axis ?? -1;
    if (!Number.isInteger(this.axis))
      throw new ArgumentError(`${fn}: got axis=${describe(options.axis)}; expected an integer (the feature axis)`);
    this.momentum = options.momentum ?? 0.99;
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ArgumentError(`${fn}: got momentum=${describe(options.momentum)}; expected a number in [0, 1]`);
    }
    this.epsilon = options.epsilon ?? 1e-3;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0) || !Number.isFinite(this.epsilon)) {
      throw new ArgumentError(
        `${fn}: got epsilon=${describe(options.epsilon)}; expected a small positive number such as 1e-3`,
      );
    }
    this.center = booleanOption(fn, 'center', options.center, true);
    this.scale = booleanOption(fn, 'scale', options.scale, true);
    this.registerBuffer('movingMean', null);
    this.registerBuffer('movingVariance', null);
    this.setInputShape(options.inputShape);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.movingMean !== null;
  }

  /** Number of features (the size of the feature axis), once built. */
  get features(): number | null {
    return this.movingMean ? this.movingMean.shape[0] : null;
  }

  /** Create gamma, beta and the moving averages for inputs of `inputShape`. */
  override build(inputShape: LayerShape): void {
    const fn = 'BatchNormalization.build';
    const [axis, features] = this.#featureAxisOf(fn, inputShape);
    if (this.movingMean) {
      this.#checkBuiltFor(inputShape, axis, features);
      return;
    }
    this.rememberBuildShape(inputShape);
    this.#rank = inputShape.length;
    this.#featureAxis = axis;
    if (this.scale) this.gamma = new Parameter(ones([features]));
    if (this.center) this.beta = new Parameter(zeros([features]));
    this.movingMean = zeros([features]);
    this.movingVariance = ones([features]);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const [axis, features] = this.#featureAxisOf('BatchNormalization.computeOutputShape', inputShape);
    if (this.movingMean) this.#checkBuiltFor(inputShape, axis, features);
    return [...inputShape];
  }

  #featureAxisOf(fn: string, inputShape: LayerShape): [number, number] {
    const shape = checkLayerShape(fn, inputShape);
    const rank = shape.length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (rank < 2 || axis < 1 || axis >= rank) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)} with axis=${this.axis}; expected a batch axis first and the feature axis among the others (e.g. [batch, features] or [batch, height, width, channels])`,
      );
    }
    const features = shape[axis];
    if (features === null || features <= 0) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)}; expected a known, positive size on the feature axis ${this.axis}`,
      );
    }
    return [axis, features];
  }

  #checkBuiltFor(inputShape: LayerShape, axis: number, features: number): void {
    if (inputShape.length !== this.#rank || axis !== this.#featureAxis || features !== this.features) {
      throw new ShapeError(
        `BatchNormalization: got input shape ${describe(inputShape)}; expected rank ${this.#rank} with ${this.features} features on axis ${this.axis} (the layer was built for that)`,
      );
    }
  }

  forward(x: Tensor): Tensor {
    requireFloat('BatchNormalization', x);
    if (!this.movingMean) this.build(x.shape);
    else this.computeOutputShape(x.shape);
    const features = this.features!;
    // [1, …, features, …, 1]: per-feature vectors broadcast against x.
    const perFeature = x.shape.map((_, i) => (i === this.#featureAxis ? features : 1));
    const reduceAxes = x.shape.map((_, i) => i).filter((i) => i !== this.#featureAxis);
    let normalised: Tensor;
    if (this.training) {
      const batchMean = mean(x, reduceAxes, { keepDims: true });
      const centred = sub(x, batchMean);
      const batchVariance = mean(square(centred), reduceAxes, { keepDims: true }); // biased, as in Keras
      normalised = div(centred, sqrt(add(batchVariance, this.epsilon)));
      this.#updateMoving(this.movingMean!, batchMean);
      this.#updateMoving(this.movingVariance!, batchVariance);
    } else {
      const centred = sub(x, reshape(this.movingMean!, perFeature));
      normalised = div(centred, sqrt(add(reshape(this.movingVariance!, perFeature), this.epsilon)));
    }
    let y = normalised;
    if (this.gamma) y = mul(y, reshape(this.gamma, perFeature));
    if (this.beta) y = add(y, reshape(this.beta, perFeature));
    return y;
  }

  /** moving ← moving · momentum + batch · (1 − momentum), in place and off the tape (batch is detached). */
  #updateMoving(moving: Tensor, batch: Tensor): void {
    moving.copy_(add(mul(moving, this.momentum), mul(reshape(batch.detach(), moving.shape), 1 - this.momentum)));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
    };
  }

  protected override describeSelf(): string {
    const parts = this.features === null ? [] : [`features=${this.features}`];
    parts.push(`axis=${this.axis}`, `momentum=${this.momentum}`, `epsilon=${this.epsilon}`);
    if (!this.center) parts.push('center=false');
    if (!this.scale) parts.push('scale=false');
    return parts.join(', ');
  }
}

registerLayer('BatchNormalization', (c) => new BatchNormalization(c as BatchNormalizationOptions), {
  layerClass: BatchNormalization,
});
