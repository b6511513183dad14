/**
 * Fused ops: what a layer would compose from several primitives, done in one backend pass each
 * way. They compute exactly what the composition computes (the tests check both), so a layer may
 * use either; the fused form saves arrays and passes over memory on the hot path of training.
 */
import type { FusedActivation } from '../backend/types.js';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { record } from './record.js';
import { backendOf, output, requireFloat } from './util.js';
import { convGeometry, convGradients, transformAllowed, type Conv2dOptions } from './conv.js';

/**
 * activation(x + bias), with bias [C] broadcast along the last axis of x [..., C] (or no bias when
 * null): a Dense or Conv2D layer's tail. Equals `relu(add(x, bias))` (or `add(x, bias)` for
 * 'linear'), and its backward needs only the output: dx = g where the output is positive (relu)
 * and the bias gradient is the column sum of dx, computed in the same pass.
 * @example biasActivation(matmul(x, w), b, 'relu')
 */
export function biasActivation(x: Tensor, bias: Tensor | null, activation: FusedActivation = 'linear'): Tensor {
  return fusedBiasActivation(x, bias, activation, false);
}

/**
 * biasActivation that writes its result over x's storage instead of a fresh array, for a layer's
 * own product (Dense's matmul, Conv2D's convolution): a temporary nobody else holds, and one that
 * no backward pass reads (those read the product's inputs). Saves an array the size of the
 * layer's output and a pass of fresh memory per layer. Never for a tensor the caller can see.
 */
export function biasActivationOverProduct(
  x: Tensor,
  bias: Tensor | null,
  activation: FusedActivation = 'linear',
): Tensor {
  return fusedBiasActivation(x, bias, activation, true);
}

function fusedBiasActivation(x: Tensor, bias: Tensor | null, activation: FusedActivation, inPlace: boolean): Tensor {
  const fn = 'biasActivation';
  if (!(x instanceof Tensor))
    throw new ArgumentError(`${fn}: got ${describe(x)}; expected a Tensor of shape [..., channels]`);
  requireFloat(fn, x);
  if (x.rank === 0) throw new ShapeError(`${fn}: got a 0-d input; expected shape [..., channels]`);
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  checkTail(fn, bias, activation, cols, `input of shape ${describe(x.shape)}`);
  if (activation === 'linear' && bias === null) return x;
  const be = backendOf(fn, x, bias);
  const out = inPlace ? x.detach() : output(x.shape, 'float32', be);
  be.biasActivation(x.storage, bias && bias.storage, rows, cols, activation, out.storage);
  const inputs = bias === null ? [x] : [x, bias];
  return record(fn, out, inputs, (g) => {
    const { dx, db } = tailGradients(g, out, bias, activation, x.requiresGrad);
    return [x.requiresGrad ? (dx ?? g) : null, db];
  });
}

/**
 * A tail's backward from its output y alone: dx (when wanted and the activation is not 'linear',
 * whose input gradient is g itself: null then) and the bias gradient (when the bias needs one).
 */
function tailGradients(
  g: Tensor,
  y: Tensor,
  bias: Tensor | null,
  activation: FusedActivation,
  wantDx: boolean,
): { dx: Tensor | null; db: Tensor | null } {
  const be = backendOf('biasActivation', g, y);
  const dx = wantDx && activation !== 'linear' ? output(y.shape, 'float32', be) : null;
  const db = bias !== null && bias.requiresGrad ? output(bias.shape, 'float32', be) : null;
  if (dx !== null || db !== null) {
    const cols = y.shape[y.rank - 1];
    be.biasActivationBackward(
      g.storage,
      y.storage,
      cols === 0 ? 0 : y.size / cols,
      cols,
      activation,
      dx && dx.storage,
      db && db.storage,
    );
  }
  return { dx, db };
}

/** A layer tail's bias ([cols] or null) and activation, or a clear error; `of` names what it follows. */
function checkTail(fn: string, bias: Tensor | null, activation: FusedActivation, cols: number, of: string): void {
  if (activation !== 'linear' && activation !== 'relu')
    throw new ArgumentError(`${fn}: got activation ${describe(activation)}; expected 'linear' or 'relu'`);
  if (bias === null) return;
  if (!(bias instanceof Tensor))
    throw new ArgumentError(`${fn}: got bias ${describe(bias)}; expected a Tensor of shape [${cols}] or null`);
  requireFloat(fn, bias, 'bias');
  if (bias.rank !== 1 || bias.shape[0] !== cols) {
    throw new ShapeError(
      `${fn}: got bias of shape ${describe(bias.shape)} for ${of}; expected shape [${cols}] (the last axis)`,
    );
  }
}

/**
 * activation(conv2d(x, kernel, options) + bias), bias [outChannels] or null: Conv2D's forward in
 * one pass. Equals `biasActivation(conv2d(x, kernel, options), bias, activation)` exactly, forward
 * and backward; the backend applies the tail to each part of the output while it is still in
 * cache, within the same threaded task as the convolution.
 * @example conv2dBiasActivation(images, kernel, bias, 'relu', { padding: 'same' })
 */
export function conv2dBiasActivation(
  x: Tensor,
  kernel: Tensor,
  bias: Tensor | null,
  activation: FusedActivation,
  options: Conv2dOptions = {},
): Tensor {
  const fn = 'conv2dBiasActivation';
  const { a, cout } = convGeometry(fn, x, kernel, options);
  checkTail(fn, bias, activation, cout, `a kernel of shape ${describe(kernel.shape)}`);
  const be = backendOf(fn, x, kernel, bias);
  const out = output([a.batch, a.outH, a.outW, cout], 'float32', be);
  be.conv2d(x.storage, kernel.storage, a, cout, out.storage, transformAllowed(x, kernel), {
    bias: bias && bias.storage,
    activation,
  });
  return record(fn, out, bias === null ? [x, kernel] : [x, kernel, bias], (g) => {
    // The tail's backward (biasActivation's), then the convolution's.
    const { dx: product, db } = tailGradients(g, out, bias, activation, x.requiresGrad || kernel.requiresGrad);
    const grads =
      x.requiresGrad || kernel.requiresGrad ? convGradients(x, kernel, product ?? g, a, cout) : [null, null];
    // The product's gradient was this closure's own temporary, read by nothing after convGradients:
    // back to the backend now, so it is reused while in cache and never waits for a collection.
    if (product !== null) product.backend.releaseStorage?.(product.storage);
    return bias === null ? grads : [...grads, db];
  });
}

/**
 * log-softmax along the last axis, one backend pass each way (two forward on wasm, for the log
 * between them): what activations.ts composes from seven primitives and their arrays, with the
 * same bits (each backend's logSoftmax rounds step by step as the primitives do; the tests compare
 * both). The backward recomputes exp(x − m) from the input and each row's shift and sum.
 */
export function logSoftmaxLastAxis(x: Tensor): Tensor {
  if (!(x instanceof Tensor))
    throw new ArgumentError(`logSoftmax: got ${describe(x)}; expected a Tensor of shape [..., classes]`);
  requireFloat('logSoftmax', x);
  if (x.rank === 0) throw new ShapeError('logSoftmax: got a 0-d input; expected shape [..., classes]');
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const be = backendOf('logSoftmax', x);
  const out = output(x.shape, 'float32', be);
  const stats = be.allocate('float32', 2 * rows, false);
  be.logSoftmax(x.storage, rows, cols, out.storage, stats);
  return record('logSoftmax', out, [x], (g) => {
    const dx = output(x.shape, 'float32', be);
    be.logSoftmaxBackward(g.storage, x.storage, stats, rows, cols, dx.storage);
    return [dx];
  });
}
