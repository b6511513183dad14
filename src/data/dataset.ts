/**
 * Datasets and batching, as in PyTorch: a Dataset is anything with a length and an item getter;
 * a DataLoader walks it in (optionally shuffled) mini-batches. Pure TypeScript, browser-safe.
 */
import { reshape } from '../ops/movement.js';
import { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/movement.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { takeRows } from './rows.js';
import { ShuffleRng, shuffledIndices } from './shuffle.js';

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

export interface DataLoaderOptions {
  /** Samples per batch; default 32. */
  batchSize?: number;
  /** Visit samples in a new random order every epoch; default false. */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than batchSize; default false. */
  dropLast?: boolean;
  /** Seed for a private shuffle stream (reproducible epochs); default: the global generator. */
  seed?: number;
}

/**
 * Iterate a dataset in mini-batches. Each `for … of` pass is one epoch; with `shuffle` every epoch
 * has a fresh order and every sample appears exactly once.
 * @example for (const [xb, yb] of new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true })) { … }
 */
export class DataLoader implements Iterable<Tensor[]> {
  readonly dataset: Dataset<readonly Tensor[]>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly rng: ShuffleRng | undefined;

  constructor(dataset: Dataset<readonly Tensor[]>, options: DataLoaderOptions = {}) {
    const { batchSize = 32, shuffle = false, dropLast = false, seed } = options;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new ArgumentError(`DataLoader: got batchSize=${describe(batchSize)}; expected a positive integer`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.rng = seed === undefined ? undefined : new ShuffleRng(seed, 'DataLoader');
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    const n = this.dataset.length;
    const order = this.shuffle ? shuffledIndices(n, this.rng) : Int32Array.from({ length: n }, (_, i) => i);
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      yield this.batch(order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, n)));
    }
  }

  private batch(indices: Int32Array): Tensor[] {
    const ds = this.dataset as Partial<BatchDataset>;
    if (typeof ds.getBatch === 'function') return ds.getBatch(indices);
    // A generic dataset yields one sample at a time: stack each position's tensors along a new axis 0.
    const items = Array.from(indices, (i) => this.dataset.get(i));
    return items[0].map((_, k) =>
      stack(
        items.map((item) => item[k]),
        0,
      ),
    );
  }
}
