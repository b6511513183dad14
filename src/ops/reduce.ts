/**
 * Reductions over any set of axes, with keepDims. The kernel reduces one contiguous block of axes;
 * other axis sets are first permuted so the reduced axes sit together at the end.
 */
import type { ReduceOp, Shape } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { normalizeAxes, normalizeAxis, sameShape, sizeOf } from '../tensor/shape.js';
import { ArgumentError, describe } from '../util/errors.js';
import { record } from './record.js';
import { backendOf, output, requireFloat } from './util.js';
// biome-ignore lint/suspicious/noShadowRestrictedNames: the isNaN op, not the global, is meant here
import { add, cast, div, eq, exp, isNaN, log, mul, sqrt, square, sub, where } from './elementwise.js';
import { expand, permute, reshape } from './movement.js';

export type Axes = number | readonly number[];

export interface ReduceOptions {
  keepDims?: boolean;
}

function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Run the reduce kernel over `axes` (sorted, normalised); returns the keepDims=false result. */
function reduceKernel(fn: string, op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  const rank = x.rank;
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  let src = x;
  let first = axes[0] ?? 0;
  let last = axes[axes.length - 1] ?? -1;
  if (!contiguous) {
    const kept = [...Array(rank).keys()].filter((i) => !axes.includes(i));
    src = permute(x.detach(), [...kept, ...axes]);
    first = kept.length;
    last = rank - 1;
  }
  const s = src.shape;
  const outer = sizeOf(s.slice(0, first));
  const size = sizeOf(s.slice(first, last + 1));
  const inner = sizeOf(s.slice(last + 1));
  if (size === 0 && op !== 'sum') {
    throw new ArgumentError(
      `${fn}: cannot reduce an empty axis (shape ${describe(x.shape)}); expected a non-empty tensor`,
    );
  }
  const isArg = op === 'argmax' || op === 'argmin';
  const be = backendOf(fn, src);
  const out = output(reducedShape(x.shape, axes, false), isArg ? 'int32' : x.dtype, be);
  be.reduce(op, src.storage, outer, size, inner, out.storage);
  return out;
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const ax = normalizeAxes('sum', axes, x.rank);
  const keep = options.keepDims ?? false;
  const out = reshape(reduceKernel('sum', 'sum', x.detach(), ax), reducedShape(x.shape, ax, keep));
  return record('sum', out, [x], (g) => [expand(reshape(g, reducedShape(x.shape, ax, true)), x.shape)]);
}

/** Arithmetic mean over `axes`; int32 input gives a float32 mean. */
export function mean(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  return div(sum(cast(x, 'float32'), ax, options), count);
}

function extreme(fn: 'max' | 'min', x: Tensor, axes: Axes | undefined, options: ReduceOptions): Tensor {
  const ax = normalizeAxes(fn, axes, x.rank);
  const keepShape = reducedShape(x.shape, ax, true);
  const out = reshape(reduceKernel(fn, fn, x, ax), reducedShape(x.shape, ax, options.keepDims ?? false));
  return record(fn, out, [x], (g) => {
    // Spread the gradient evenly over the entries that attain the extreme.
    const mask = cast(eq(x, reshape(out, keepShape)), 'float32');
    const count = sum(mask, ax, { keepDims: true });
    return [mul(div(mask, count), reshape(g, keepShape))];
  });
}

export function max(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return extreme('max', x, axes, options);
}

export function min(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  return extreme('min', x, axes, options);
}

function argExtreme(fn: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, options: ReduceOptions): Tensor {
  if (axis === undefined) return reduceKernel(fn, fn, reshape(x.detach(), [x.size]), [0]);
  const a = normalizeAxis(fn, axis, x.rank);
  return reshape(reduceKernel(fn, fn, x, [a]), reducedShape(x.shape, [a], options.keepDims ?? false));
}

/** Index of the largest entry along `axis` (of the flattened tensor when omitted), as int32. */
export function argmax(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  return argExtreme('argmax', x, axis, options);
}

export function argmin(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  return argExtreme('argmin', x, axis, options);
}

export interface VarianceOptions extends ReduceOptions {
  /** Subtracted from the count in the denominator: 0 = population (default), 1 = sample (Bessel). */
  correction?: number;
}

/** Variance over `axes`, written in primitives so its gradient comes for free. */
export function variance(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  requireFloat('variance', x);
  const ax = normalizeAxes('variance', axes, x.rank);
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  const correction = options.correction ?? 0;
  const centred = sub(x, mean(x, ax, { keepDims: true }));
  return div(sum(square(centred), ax, { keepDims: options.keepDims }), Math.max(count - correction, 0));
}

/** Standard deviation: sqrt(variance). */
export function std(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, axes, options));
}

/**
 * log(sum(exp(x))) over `axes` without overflow: the (detached) maximum is subtracted first and
 * added back, so the largest exponent is exp(0) = 1.
 */
export function logSumExp(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  requireFloat('logSumExp', x);
  const ax = normalizeAxes('logSumExp', axes, x.rank);
  const m = stableShift(x, ax);
  const lse = add(log(sum(exp(sub(x, m)), ax, { keepDims: true })), m);
  return options.keepDims ? lse : reshape(lse, reducedShape(x.shape, ax, false));
}

/**
 * The detached max over `axes` (keepDims), the shift that keeps exp from overflowing in
 * log-sum-exp and log-softmax. An all −∞ (or ±∞) slice would give ∞ − ∞ = NaN; it shifts by 0.
 */
export function stableShift(x: Tensor, axes: readonly number[]): Tensor {
  const m = max(x.detach(), axes, { keepDims: true });
  return where(isNaN(sub(m, m)), 0, m);
}

/**
 * Sum a broadcast gradient back to `shape`: leading extra axes and axes where `shape` has 1.
 * The adjoint of broadcasting, used by every elementwise backward.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(axes.length ? sum(g, axes, { keepDims: true }) : g, shape);
}
