/**
 * Activation functions beyond the primitive ones (sigmoid, tanh and relu live in elementwise.ts).
 * All of these are compositions of primitives, so their gradients come from the primitives'.
 */
import type { Tensor } from '../tensor/tensor.js';
import { normalizeAxis } from '../tensor/shape.js';
import { ArgumentError } from '../util/errors.js';
import { requireFloat } from './util.js';
import { add, erf, exp, gt, log, maximum, mul, sigmoid, sub, tanh, where, abs, neg } from './elementwise.js';
import { stableShift, sum } from './reduce.js';
import { logSoftmaxLastAxis } from './fused.js';
import { fusedGelu } from './fused-attention.js';

/**
 * The one default slope of leaky ReLU, shared by this op, the 'leaky_relu' activation name and the
 * LeakyReLU layer: Keras's LeakyReLU layer default, 0.3. (Keras itself is split — its layer uses
 * 0.3, its functional `leaky_relu` 0.2 — and PyTorch uses 0.01; one rule here, the layer's.)
 */
export const LEAKY_RELU_ALPHA = 0.3;

/** x where x > 0, alpha·x elsewhere (alpha defaults to LEAKY_RELU_ALPHA, 0.3). */
export function leakyRelu(x: Tensor, alpha = LEAKY_RELU_ALPHA): Tensor {
  requireFloat('leakyRelu', x);
  return where(gt(x, 0), x, mul(x, alpha));
}

/** ELU: x for x > 0, alpha·(eˣ − 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  requireFloat('elu', x);
  const positive = gt(x, 0);
  // exp only sees the x <= 0 entries: exp(x) of a large x is ∞, and the untaken branch's zero
  // gradient times ∞ would turn the gradient into NaN.
  return where(positive, x, mul(sub(exp(where(positive, 0, x)), 1), alpha));
}

/**
 * GELU. `approximate: 'none'` is the exact x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch's default);
 * 'tanh' is the GPT-2 approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  requireFloat('gelu', x);
  const approximate = options.approximate ?? 'none';
  if (approximate === 'tanh') {
    const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  }
  if (approximate !== 'none')
    throw new ArgumentError(`gelu: got approximate=${String(approximate)}; expected "none" or "tanh"`);
  // One pass each way where the backend has the kernel; the same function composed elsewhere.
  return fusedGelu(x) ?? mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** SiLU / swish: x·σ(x). */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}

/** softplus: log(1 + eˣ), computed as max(x, 0) + log(1 + e^−|x|) so it never overflows. */
export function softplus(x: Tensor): Tensor {
  requireFloat('softplus', x);
  // maximum (not relu): its tie rule gives ½ at x = 0, the true σ(0); relu's step gives 0 there.
  return add(maximum(x, 0), log(add(exp(neg(abs(x))), 1)));
}

/** log(softmax(x)) along `axis`, stable through log-sum-exp. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return shiftedLogSoftmax('logSoftmax', x, axis);
}

/** softmax along `axis` (default last), computed as exp(logSoftmax) so large logits cannot overflow. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(shiftedLogSoftmax('softmax', x, axis));
}

/**
 * (x − m) − log Σ exp(x − m) with m the detached max. Subtracting m first matters: x − m is exact,
 * whereas x − logSumExp(x) cancels two numbers of size |x| and, at logits near 1e3–1e4, loses
 * 1e-4–1e-3 of absolute accuracy. `fn` names the caller in errors (softmax reports as softmax).
 */
function shiftedLogSoftmax(fn: string, x: Tensor, axis: number): Tensor {
  requireFloat(fn, x);
  const a = normalizeAxis(fn, axis, x.rank);
  // Along the last axis the rows are contiguous: one fused op computes exactly this composition.
  if (a === x.rank - 1 && x.size > 0) return logSoftmaxLastAxis(x);
  return composedLogSoftmax(x, a);
}

/** The composition, for any axis (logSoftmaxLastAxis equals it bit for bit on the last). */
function composedLogSoftmax(x: Tensor, a: number): Tensor {
  const shifted = sub(x, stableShift(x, [a]));
  return sub(shifted, log(sum(exp(shifted), a, { keepDims: true })));
}
