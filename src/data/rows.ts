/** Selecting rows (items along the first axis) of data tensors, outside autograd. */
import { gather } from '../ops/movement.js';
import { fromHostValues } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';

/** Elements in one row of `t` (the product of all but the first dimension). */
export function rowSize(t: Tensor): number {
  return t.shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * A new tensor holding rows `indices` of `t`, in that order. Data batches are inputs, not
 * results of a computation, so this gathers rows of a detached view and records no graph.
 */
export function takeRows(t: Tensor, indices: ArrayLike<number>, fn = 'takeRows'): Tensor {
  if (t.rank === 0) throw new ShapeError(`${fn}: got a scalar tensor; expected a tensor with a first (sample) axis`);
  const n = t.shape[0];
  const rows = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new ArgumentError(`${fn}: row index ${describe(i)} is out of range; expected 0 <= index < ${n}`);
    rows[k] = i;
  }
  return gather(t.detach(), fromHostValues(rows, [rows.length], {}, t.backend), 0);
}
