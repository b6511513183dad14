/**
 * Pooling layers over channels-last images [batch, height, width, channels], as in Keras:
 * MaxPooling2D and AveragePooling2D slide a window (default 2×2, stride = window) over each
 * channel; GlobalAveragePooling2D averages each channel over the whole image. They have no
 * weights; their gradients come from the pooling ops.
 */
import type { Tensor } from '../tensor/tensor.js';
import { avgPool2d, convOutputLength, globalAvgPool2d, maxPool2d, type Padding, type Size2d } from '../ops/conv.js';
import { reshape } from '../ops/movement.js';
import { requireFloat } from '../ops/util.js';
import { ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { registerLayer } from './registry.js';
import {
  booleanOption,
  checkLayerShape,
  checkOptions,
  paddingOption,
  requireRank,
  sizeOption,
  sizePair,
  type LayerShape,
} from './layer-util.js';
import { classNameOf } from '../util/class-names.js';

export interface Pooling2DOptions {
  /** Window size (default 2). */
  poolSize?: Size2d;
  /** Step between windows (default: poolSize, so windows do not overlap). */
  strides?: Size2d;
  /** 'valid' (default) or 'same'; padded positions never take part in a max or a mean. */
  padding?: Padding;
  /** One image's shape [height, width, channels] (no batch axis). */
  inputShape?: readonly (number | null)[];
}

const LAYOUT = '[batch, height, width, channels] (channels-last, as in Keras)';

/** Validate a symbolic image shape [N, H, W, C] for the layer `fn`. */
function imageShape(fn: string, inputShape: LayerShape): (number | null)[] {
  const shape = checkLayerShape(fn, inputShape);
  requireRank(fn, shape, 4, LAYOUT);
  return shape;
}

function requireImages(name: string, x: Tensor): void {
  requireFloat(name, x);
  if (x.rank !== 4)
    throw new ShapeError(
      `${name}: got input of shape ${describe(x.shape)} (rank ${x.rank}); expected rank 4: ${LAYOUT}`,
    );
}

/** What MaxPooling2D and AveragePooling2D share: the window geometry, shapes and config. */
abstract class Pooling2D extends Module {
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
  readonly #configSizes: { poolSize: Size2d; strides: Size2d };

  constructor(name: string, options: Pooling2DOptions) {
    super();
    checkOptions(name, options, ['poolSize', 'strides', 'padding', 'inputShape'], '{ poolSize: 2 }');
    const poolSize = sizeOption(name, 'poolSize', options.poolSize ?? 2);
    const strides = sizeOption(name, 'strides', options.strides ?? poolSize);
    this.poolSize = sizePair(name, 'poolSize', poolSize);
    this.strides = sizePair(name, 'strides', strides);
    this.padding = paddingOption(name, options.padding);
    this.#configSizes = { poolSize, strides };
    this.setInputShape(options.inputShape);
  }

  /** [N, H, W, C] → [N, OH, OW, C], OH = ceil(H / stride) for 'same', else ⌊(H − pool) / stride⌋ + 1. */
  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const name = classNameOf(this);
    const [batch, height, width, channels] = imageShape(`${name}.computeOutputShape`, inputShape);
    const axis = (size: number | null, i: 0 | 1, what: string): number | null => {
      if (size === null) return null;
      const out = convOutputLength(size, this.poolSize[i], this.strides[i], this.padding);
      if (out <= 0) {
        throw new ShapeError(
          `${name}: the pool window is ${this.poolSize[i]} along ${what} but the input (shape ${describe(inputShape)}) has only ${size}; expected an input at least as large as the window (or padding: 'same')`,
        );
      }
      return out;
    };
    return [batch, axis(height, 0, 'height'), axis(width, 1, 'width'), channels];
  }

  protected window(x: Tensor): { poolSize: [number, number]; strides: [number, number]; padding: Padding } {
    requireImages(classNameOf(this), x);
    this.computeOutputShape(x.shape); // the layer's own error for an image smaller than the window
    return { poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...this.#configSizes, padding: this.padding };
  }

  protected override describeSelf(): string {
    const parts = [`poolSize=[${this.poolSize.join(', ')}]`];
    if (this.strides[0] !== this.poolSize[0] || this.strides[1] !== this.poolSize[1])
      parts.push(`strides=[${this.strides.join(', ')}]`);
    if (this.padding !== 'valid') parts.push(`padding=${this.padding}`);
    return parts.join(', ');
  }
}

/** The maximum of each window, per channel. */
export class MaxPooling2D extends Pooling2D {
  constructor(options: Pooling2DOptions = {}) {
    super('MaxPooling2D', options);
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.window(x));
  }
}

/** The mean of each window, per channel (with 'same' padding, of the taps inside the image). */
export class AveragePooling2D extends Pooling2D {
  constructor(options: Pooling2DOptions = {}) {
    super('AveragePooling2D', options);
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.window(x));
  }
}

export interface GlobalAveragePooling2DOptions {
  /** Keep the spatial axes as size 1: [N, 1, 1, C] instead of [N, C] (default false). */
  keepDims?: boolean;
  inputShape?: readonly (number | null)[];
}

/** The mean of each channel over the whole image: [N, H, W, C] → [N, C]. */
export class GlobalAveragePooling2D extends Module {
  readonly keepDims: boolean;

  constructor(options: GlobalAveragePooling2DOptions = {}) {
    super();
    const name = 'GlobalAveragePooling2D';
    checkOptions(name, options, ['keepDims', 'inputShape'], '{ keepDims: true }');
    this.keepDims = booleanOption(name, 'keepDims', options.keepDims, false);
    this.setInputShape(options.inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const [batch, , , channels] = imageShape('GlobalAveragePooling2D.computeOutputShape', inputShape);
    return this.keepDims ? [batch, 1, 1, channels] : [batch, channels];
  }

  forward(x: Tensor): Tensor {
    requireImages('GlobalAveragePooling2D', x);
    const y = globalAvgPool2d(x);
    return this.keepDims ? reshape(y, [x.shape[0], 1, 1, x.shape[3]]) : y;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), keepDims: this.keepDims };
  }
}

registerLayer('MaxPooling2D', (c) => new MaxPooling2D(c as Pooling2DOptions), { layerClass: MaxPooling2D });
registerLayer('AveragePooling2D', (c) => new AveragePooling2D(c as Pooling2DOptions), { layerClass: AveragePooling2D });
registerLayer('GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(c as GlobalAveragePooling2DOptions), {
  layerClass: GlobalAveragePooling2D,
});
