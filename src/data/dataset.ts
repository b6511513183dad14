/**
 * Datasets, as in PyTorch: a Dataset is anything with a length and an item getter; a DataLoader
 * (loader.ts) walks it in (optionally shuffled) mini-batches. Pure TypeScript, browser-safe.
 */
import { reshape } from '../ops/movement.js';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { takeRows } from './rows.js';

/** Anything indexable by sample: `get(i)` for 0 <= i < length. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/** A dataset that can gather a whole batch at once (much faster than stacking items one by one). */
export interface BatchDataset extends Dataset<Tensor[]> {
  getBatch(indices: ArrayLike<number>): Tensor[];
}

/**
 * Samples are the rows of the given tensors (e.g. inputs and labels), which must all have the same
 * first dimension.
 * @example const ds = new TensorDataset(x, y); const [xi, yi] = ds.get(0);
 */
export class TensorDataset implements BatchDataset {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    const fn = 'TensorDataset';
    if (tensors.length === 0) throw new ArgumentError(`${fn}: got no tensors; expected at least one`);
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ArgumentError(`${fn}: argument ${i} is ${describe(t)}; expected a Tensor`);
      if (t.rank === 0) throw new ShapeError(`${fn}: tensor ${i} is a scalar; expected a first (sample) axis`);
    });
    const n = tensors[0].shape[0];
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0) {
      throw new ShapeError(
        `${fn}: tensor ${bad} has shape ${describe(tensors[bad].shape)} but tensor 0 has ${n} samples; expected all tensors to have the same first dimension`,
      );
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Sample `index`: one row of each tensor, with the first axis removed. */
  get(index: number): Tensor[] {
    return this.getBatch([index]).map((row) => reshape(row, row.shape.slice(1)));
  }

  getBatch(indices: ArrayLike<number>): Tensor[] {
    return this.tensors.map((t) => takeRows(t, indices, 'TensorDataset.get'));
  }
}
