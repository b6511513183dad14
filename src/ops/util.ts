/** Small helpers shared by the op files. */
import type { DType } from '../backend/types.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/creation.js';
import { sizeOf } from '../tensor/shape.js';
import { DTypeError, ArgumentError, describe } from '../util/errors.js';

export type TensorLike = Tensor | number;

/** Wrap a number as a 0-d tensor; an integer next to an int32 tensor stays int32. */
export function asTensor(fn: string, x: TensorLike, other?: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ArgumentError(`${fn}: got ${describe(x)}; expected a Tensor or a number`);
  const dtype: DType = other?.dtype === 'int32' && Number.isInteger(x) ? 'int32' : 'float32';
  const data = allocate(dtype, 1);
  data[0] = x;
  return new Tensor(data, []);
}

export function requireFloat(fn: string, t: Tensor, what = 'input'): void {
  if (t.dtype !== 'float32') {
    throw new DTypeError(`${fn}: got ${what} of dtype ${t.dtype}; expected float32 (convert with .float())`);
  }
}

/** A fresh tensor of the given shape and dtype, storage zeroed. */
export function empty(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/**
 * A fresh tensor for a kernel that writes every element of it: its storage may hold old values
 * (no zeroing pass). Only for outputs overwritten whole — never for scatters, pads or partial writes.
 */
export function output(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape), false), shape);
}
