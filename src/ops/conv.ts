/**
 * Convolution and pooling over channels-last images [batch, height, width, channels], as in Keras.
 * Kernels are [kernelH, kernelW, inChannels, outChannels]. Padding follows TensorFlow: 'valid'
 * uses only windows inside the image; 'same' gives ceil(size / stride) outputs per axis, padding
 * max((out − 1)·stride + span − size, 0) in total, the smaller half before (top/left).
 *
 * Convolution is a backend primitive (Backend.conv2d / conv2dBackward: the CPU backends compose
 * it from im2col and their GEMM, see backend/host/conv.ts); this file checks the operands, works
 * out the window geometry and records the gradients.
 */
import type { Window2dArgs } from '../backend/types.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from '../tensor/grad-mode.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { record } from './record.js';
import { backendOf, empty, output, requireFloat } from './util.js';
import { mean } from './reduce.js';

export type Padding = 'valid' | 'same';
/** One number for both spatial axes, or [alongHeight, alongWidth]. */
export type Size2d = number | readonly [number, number];

export interface Conv2dOptions {
  /** Step between windows (default 1). */
  strides?: Size2d;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
  /** Gap between kernel taps, for dilated ("atrous") convolution (default 1). */
  dilation?: Size2d;
}

export interface Pool2dOptions {
  /** Window size (default 2, Keras's default). */
  poolSize?: Size2d;
  /** Step between windows (default: poolSize, so windows do not overlap). */
  strides?: Size2d;
  /** 'valid' (default) or 'same'; padded positions are never part of a max or a mean. */
  padding?: Padding;
}

/**
 * 2-d cross-correlation (what deep-learning frameworks call convolution): [N, H, W, Cin] with a
 * [KH, KW, Cin, Cout] kernel gives [N, OH, OW, Cout]. No bias: add one with
 * `conv2d(x, k).add(bias)`, which broadcasts a [Cout] bias over the channels-last output.
 * Strides and dilation may both exceed 1 (PyTorch allows it; Keras layers forbid it).
 * @example conv2d(randn([1, 28, 28, 1]), randn([3, 3, 1, 32]), { padding: 'same' }) // [1, 28, 28, 32]
 */
export function conv2d(x: Tensor, kernel: Tensor, options: Conv2dOptions = {}): Tensor {
  const { a, cout } = convGeometry('conv2d', x, kernel, options);
  const be = backendOf('conv2d', x, kernel);
  const out = output([a.batch, a.outH, a.outW, cout], 'float32', be);
  be.conv2d(x.storage, kernel.storage, a, cout, out.storage, transformAllowed(x, kernel), null);
  return record('conv2d', out, [x, kernel], (g) => convGradients(x, kernel, g, a, cout));
}

/** A convolution's window geometry and output channels, after checking its operands and options. */
export function convGeometry(
  fn: string,
  x: Tensor,
  kernel: Tensor,
  options: Conv2dOptions,
): { a: Window2dArgs; cout: number } {
  requireImages(fn, x);
  if (!(kernel instanceof Tensor))
    throw new ArgumentError(
      `${fn}: got kernel ${describe(kernel)}; expected a Tensor of shape [kernelH, kernelW, inChannels, outChannels]`,
    );
  requireFloat(fn, kernel, 'kernel');
  if (kernel.rank !== 4 || kernel.size === 0) {
    throw new ShapeError(
      `${fn}: got kernel of shape ${describe(kernel.shape)}; expected a non-empty rank-4 kernel [kernelH, kernelW, inChannels, outChannels]`,
    );
  }
  checkOptions(fn, options, ['strides', 'padding', 'dilation']);
  const [kH, kW, cin, cout] = kernel.shape;
  if (cin !== x.shape[3]) {
    throw new ShapeError(
      `${fn}: the input has ${x.shape[3]} channels (shape ${describe(x.shape)}) but the kernel expects ${cin} (shape ${describe(kernel.shape)}); expected kernel.shape[2] to equal the input's last dimension`,
    );
  }
  const a = windowArgs(
    fn,
    x,
    kH,
    kW,
    sizePair(fn, 'strides', options.strides, 1),
    sizePair(fn, 'dilation', options.dilation, 1),
    paddingOf(fn, options.padding),
    'kernel',
  );
  return { a, cout };
}

/** A fast transform (Winograd) only where no gradient will be taken: see Backend.conv2d. */
export function transformAllowed(x: Tensor, kernel: Tensor): boolean {
  return !isGradEnabled() || (!x.requiresGrad && !kernel.requiresGrad);
}

/** conv2d's backward: [dx, dk] from the output's gradient g, each where its input requires grad. */
export function convGradients(
  x: Tensor,
  kernel: Tensor,
  g: Tensor,
  a: Window2dArgs,
  cout: number,
): [Tensor | null, Tensor | null] {
  const be = backendOf('conv2d', x, kernel, g);
  const dx = x.requiresGrad ? output(x.shape, 'float32', be) : null;
  const dk = kernel.requiresGrad ? output(kernel.shape, 'float32', be) : null;
  be.conv2dBackward(x.storage, kernel.storage, g.storage, a, cout, dx && dx.storage, dk && dk.storage);
  return [dx, dk];
}

/**
 * Max over each window, per channel: [N, H, W, C] → [N, OH, OW, C]. The forward pass records where
 * each maximum came from (only when a gradient will be needed), so backward is a scatter.
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  const fn = 'maxPool2d';
  const a = poolArgs(fn, x, options);
  const be = backendOf(fn, x);
  const out = output([a.batch, a.outH, a.outW, a.channels], 'float32', be);
  // Overwritten whole by the kernel; only where a gradient will be needed.
  const argmax = isGradEnabled() && x.requiresGrad ? be.allocate('int32', out.size, false) : null;
  be.maxPool2d(x.storage, a, out.storage, argmax);
  return record('maxPool2d', out, [x], (g) => {
    const dx = output(x.shape, 'float32', be); // the kernel zeroes it before its scatter
    be.maxPool2dBackward(g.storage, argmax, a, dx.storage);
    return [dx];
  });
}

/** Mean over each window, per channel; with 'same' padding only the taps inside the image count. */
export function avgPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  const fn = 'avgPool2d';
  const a = poolArgs(fn, x, options);
  const be = backendOf(fn, x);
  const out = empty([a.batch, a.outH, a.outW, a.channels], 'float32', be);
  be.avgPool2d(x.storage, a, out.storage);
  return record('avgPool2d', out, [x], (g) => {
    const dx = empty(x.shape, 'float32', be);
    be.avgPool2dBackward(g.storage, a, dx.storage);
    return [dx];
  });
}

/** Mean over height and width: [N, H, W, C] → [N, C] (Keras's GlobalAveragePooling2D). */
export function globalAvgPool2d(x: Tensor): Tensor {
  requireImages('globalAvgPool2d', x);
  return mean(x, [1, 2]);
}

/** Output length along one axis (TensorFlow's rule); ≤ 0 means a 'valid' window does not fit. */
export function convOutputLength(
  inputLength: number,
  windowSize: number,
  stride = 1,
  padding: Padding = 'valid',
  dilation = 1,
): number {
  const span = (windowSize - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(inputLength / stride) : Math.floor((inputLength - span) / stride) + 1;
}

// ---- arguments ----------------------------------------------------------------------------------

function requireImages(fn: string, x: Tensor): void {
  if (!(x instanceof Tensor))
    throw new ArgumentError(`${fn}: got ${describe(x)}; expected a Tensor of shape [batch, height, width, channels]`);
  requireFloat(fn, x);
  if (x.rank !== 4) {
    throw new ShapeError(
      `${fn}: got input of shape ${describe(x.shape)} (rank ${x.rank}); expected rank 4 [batch, height, width, channels] (channels-last, as in Keras)`,
    );
  }
  if (x.shape[1] === 0 || x.shape[2] === 0 || x.shape[3] === 0) {
    throw new ShapeError(
      `${fn}: got input of shape ${describe(x.shape)}; expected non-zero height, width and channels`,
    );
  }
}

function checkOptions(fn: string, options: object, allowed: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`${fn}: got options ${describe(options)}; expected an object such as { ${allowed[0]}: 2 }`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key))
      throw new ArgumentError(`${fn}: unknown option ${describe(key)}; expected one of ${allowed.join(', ')}`);
  }
}

function sizePair(fn: string, name: string, value: Size2d | undefined, fallback: Size2d): [number, number] {
  const v = value ?? fallback;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(
      `${fn}: got ${name} ${describe(value)}; expected a positive integer or a pair of them, e.g. 2 or [2, 2]`,
    );
  }
  return [p[0], p[1]];
}

function paddingOf(fn: string, value: unknown): Padding {
  if (value === undefined) return 'valid';
  if (value !== 'valid' && value !== 'same')
    throw new ArgumentError(`${fn}: got padding ${describe(value)}; expected 'valid' or 'same'`);
  return value;
}

function poolArgs(fn: string, x: Tensor, options: Pool2dOptions): Window2dArgs {
  requireImages(fn, x);
  checkOptions(fn, options, ['poolSize', 'strides', 'padding']);
  const poolSize = sizePair(fn, 'poolSize', options.poolSize, 2);
  const strides = sizePair(fn, 'strides', options.strides, poolSize);
  return windowArgs(fn, x, poolSize[0], poolSize[1], strides, [1, 1], paddingOf(fn, options.padding), 'pool window');
}

/** The window geometry over x, or a ShapeError when a 'valid' window does not fit the input. */
function windowArgs(
  fn: string,
  x: Tensor,
  kH: number,
  kW: number,
  strides: [number, number],
  dilation: [number, number],
  padding: Padding,
  what: string,
): Window2dArgs {
  const [batch, inH, inW, channels] = x.shape;
  const axis = (size: number, k: number, s: number, d: number, name: string): [number, number] => {
    const span = (k - 1) * d + 1;
    if (padding === 'valid' && span > size) {
      throw new ShapeError(
        `${fn}: the ${what} spans ${span} along ${name} (size ${k}, dilation ${d}) but the input (shape ${describe(x.shape)}) has only ${size}; expected a ${what} no larger than the input (use padding 'same' or a smaller ${what})`,
      );
    }
    const out = convOutputLength(size, k, s, padding, d);
    const total = padding === 'same' ? Math.max((out - 1) * s + span - size, 0) : 0;
    return [out, Math.floor(total / 2)];
  };
  const [outH, padTop] = axis(inH, kH, strides[0], dilation[0], 'height');
  const [outW, padLeft] = axis(inW, kW, strides[1], dilation[1], 'width');
  return {
    batch,
    inH,
    inW,
    channels,
    kH,
    kW,
    outH,
    outW,
    strideH: strides[0],
    strideW: strides[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    padTop,
    padLeft,
  };
}
