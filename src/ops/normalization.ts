/**
 * Layer normalisation (over the last axis, a fused backend pass where the backend has one;
 * otherwise a composition of ops whose gradient comes from theirs): every sample is
 * normalised over `axes` with its own mean and biased variance,
 *   y = (x − mean) / sqrt(var + epsilon) · weight + bias,
 * as torch.nn.functional.layer_norm does over its trailing `normalized_shape` axes.
 */
import type { Tensor } from '../tensor/tensor.js';
import { normalizeAxes } from '../tensor/shape.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { add, mul, reciprocal, sqrt, square, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { reshape } from './movement.js';
import { requireFloat } from './util.js';
import { fusedLayerNorm } from './fused-attention.js';

export interface LayerNormOptions {
  /** The axes normalised over (default [-1], the last); the weight and bias have their sizes. */
  axes?: readonly number[];
  /** Scale, of the sizes of `axes` in order (e.g. [features]); none when null or omitted. */
  weight?: Tensor | null;
  /** Offset, the same shape as the weight; none when null or omitted. */
  bias?: Tensor | null;
  /** Added to the variance before the square root (default 1e-5, PyTorch's). */
  epsilon?: number;
}

/** Normalise `x` over `axes` per sample, then scale and shift. @example layerNorm(x, { weight, bias }) */
export function layerNorm(x: Tensor, options: LayerNormOptions = {}): Tensor {
  const fn = 'layerNorm';
  requireFloat(fn, x);
  const axes = normalizeAxes(fn, options.axes ?? [-1], x.rank);
  if (axes.length === 0)
    throw new ArgumentError(`${fn}: got axes ${describe(options.axes)}; expected at least one axis, such as [-1]`);
  const epsilon = options.epsilon ?? 1e-5;
  if (typeof epsilon !== 'number' || !(epsilon >= 0) || !Number.isFinite(epsilon))
    throw new ArgumentError(`${fn}: got epsilon=${describe(options.epsilon)}; expected a small non-negative number`);
  const sizes = axes.map((a) => x.shape[a]);
  for (const [what, t] of [
    ['weight', options.weight],
    ['bias', options.bias],
  ] as const) {
    if (t === null || t === undefined) continue;
    if (t.shape.length !== sizes.length || t.shape.some((d, i) => d !== sizes[i])) {
      throw new ShapeError(
        `${fn}: got ${what} of shape ${describe(t.shape)} for input ${describe(x.shape)} normalised over axes ${describe(axes)}; expected shape ${describe(sizes)}`,
      );
    }
  }
  const weight = options.weight ?? null,
    bias = options.bias ?? null;
  // Over the last axis alone the rows are contiguous: one fused pass where the backend has it.
  const fused = axes.length === 1 && axes[0] === x.rank - 1 ? fusedLayerNorm(x, weight, bias, epsilon) : null;
  if (fused !== null) return fused;
  const centred = sub(x, mean(x, axes, { keepDims: true }));
  const variance = mean(square(centred), axes, { keepDims: true });
  let y = mul(centred, reciprocal(sqrt(add(variance, epsilon))));
  // [1, …, size, …, 1]: the per-position weights broadcast over the other axes.
  const broadcast = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
  if (weight !== null) y = mul(y, reshape(weight, broadcast));
  if (bias !== null) y = add(y, reshape(bias, broadcast));
  return y;
}
