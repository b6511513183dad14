/**
 * Per-sample weights in the loss, as Keras weighs them: `sampleWeight` gives each sample its own
 * weight, `classWeight` a weight per class (looked up from the targets), and a sample's weight is
 * the product of both. The weighted loss is Σ wᵢ·lossᵢ / N over a batch of N samples (Keras's
 * "sum over batch size"; Σ wᵢ·lossᵢ for a loss with reduction 'sum'), so a weight of 0 takes a
 * sample out of the gradient and a weight of 2 counts it twice. Everything is an op: the lookup is
 * a gather, the reduction a sum, so a GPU backend runs it as it runs the loss.
 */
import { cast, ge, lt, minimum, mul, where, div } from '../ops/elementwise.js';
import { argmax, mean, sum } from '../ops/reduce.js';
import { gather, reshape } from '../ops/movement.js';
import { fromHostValues } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';

/** Keras's class_weight: class index → weight; classes left out weigh 1. */
export type ClassWeight = Readonly<Record<number, number>>;

/** The weights of classes 0..max (1 for a class not named), checked once per fit. */
export function classWeightTable(fn: string, classWeight: unknown): Float32Array {
  const bad = (why: string) =>
    new ArgumentError(
      `${fn}: got classWeight=${describe(classWeight)} (${why}); expected an object mapping class indices to weights >= 0, e.g. { 0: 1, 1: 5 }`,
    );
  if (classWeight === null || typeof classWeight !== 'object' || Array.isArray(classWeight)) throw bad('not an object');
  const entries = Object.entries(classWeight as Record<string, unknown>);
  if (entries.length === 0) throw bad('empty');
  const table: number[] = [];
  for (const [key, weight] of entries) {
    const c = Number(key);
    if (!Number.isInteger(c) || c < 0 || c > 1e6) throw bad(`class ${describe(key)} is not an integer in 0..1e6`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
      throw bad(`class ${c} has weight ${describe(weight)}`);
    table[c] = weight;
  }
  return Float32Array.from(table, (w) => w ?? 1);
}

/**
 * Each sample's class weight, looked up by its target: int32 class indices ([N] or [N, 1]), one-hot
 * or probability rows ([N, C], their argmax), or binary targets ([N] or [N, 1] float, 0/1: ≥ 0.5
 * is class 1). A class beyond the table weighs 1.
 */
export function classWeightsOf(fn: string, table: Float32Array, y: Tensor): Tensor {
  const n = y.shape[0];
  const rowSize = y.size / Math.max(n, 1);
  let classes: Tensor;
  if (y.dtype === 'int32' && rowSize === 1) classes = reshape(y, [n]);
  else if (y.dtype === 'float32' && y.rank === 2 && rowSize > 1) classes = argmax(y, 1);
  else if (y.dtype === 'float32' && rowSize === 1) classes = cast(ge(reshape(y, [n]), 0.5), 'int32');
  else {
    throw new ShapeError(
      `${fn}: classWeight needs one class per sample, but got targets of shape ${describe(y.shape)} (${y.dtype}); expected int32 classes [N], one-hot rows [N, classes], or binary targets [N] / [N, 1]`,
    );
  }
  const count = table.length;
  // The table (a few numbers) goes where the targets are, so a GPU backend looks it up there.
  const weights = fromHostValues(table.slice(), [count], {}, y.backend);
  const known = mul(lt(classes, count), ge(classes, 0));
  return where(known, gather(weights, minimum(where(known, classes, 0), count - 1), 0), 1);
}

/** A batch's sample weights, checked: a float (or int) tensor [N] for a batch of N samples. */
export function checkSampleWeight(fn: string, weight: unknown, samples: number): Tensor {
  if (!(weight instanceof Tensor))
    throw new ArgumentError(`${fn}: got sampleWeight=${describe(weight)}; expected a Tensor [${samples}]`);
  if (weight.rank !== 1 || weight.shape[0] !== samples)
    throw new ShapeError(
      `${fn}: got sampleWeight of shape ${describe(weight.shape)}; expected [${samples}] (one weight per sample)`,
    );
  if (weight.dtype !== 'float32' && weight.dtype !== 'int32')
    throw new DTypeError(`${fn}: got sampleWeight of dtype ${weight.dtype}; expected float32`);
  return weight.dtype === 'float32' ? weight : cast(weight, 'float32');
}

/**
 * Σ wᵢ·lossᵢ / N (or Σ wᵢ·lossᵢ for reduction 'sum') from per-sample losses [N] — or per-element
 * ones [N, …], first averaged over each sample's elements, as Keras does.
 */
export function weightedLoss(
  fn: string,
  name: string,
  perSample: unknown,
  weights: Tensor,
  reduction: unknown,
): Tensor {
  const n = weights.shape[0];
  if (!(perSample instanceof Tensor) || perSample.rank === 0 || perSample.shape[0] !== n) {
    throw new ArgumentError(
      `${fn}: with sampleWeight or classWeight the loss ${describe(name)} must give one loss per sample, but it returned ${describe(perSample)}; expected a Tensor [${n}] (a custom loss: return the per-sample losses, not their mean)`,
    );
  }
  const losses = perSample.rank === 1 ? perSample : mean(reshape(perSample, [n, perSample.size / n]), 1);
  const total = sum(mul(losses, weights));
  return reduction === 'sum' ? total : div(total, n);
}
