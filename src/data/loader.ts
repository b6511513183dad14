/**
 * DataLoader: a dataset walked in mini-batches, as in PyTorch. Over an in-memory Dataset it is a
 * plain iterable (each `for … of` is one epoch, every sample once, in a fresh order when
 * shuffled); over a StreamDataset (files read in chunks) it is an async iterable that holds at
 * most `shuffleBuffer` rows. Its position — epoch, batches handed out, and the shuffle stream at
 * the start of the epoch — is plain data (`getState`/`setState`), so a checkpoint can resume
 * mid-epoch with the very batches an unbroken run would have seen.
 */
import { stack } from '../ops/movement.js';
import { fromHostValues } from '../tensor/creation.js';
import { getRngState, randomUniform, setRngState } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import type { BatchDataset, Dataset } from './dataset.js';
import { ShuffleRng, shuffledIndices } from './shuffle.js';
import { checkBufferSize, isStreamDataset, streamBatches, type HostBlock, type StreamDataset } from './stream.js';

export interface DataLoaderOptions {
  /** Samples per batch; default 32. */
  batchSize?: number;
  /** Visit samples in a new random order every epoch; default false. */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than batchSize; default false. */
  dropLast?: boolean;
  /** Seed for a private shuffle stream (reproducible epochs); default: the global generator. */
  seed?: number;
  /** A StreamDataset is shuffled within a window of this many rows (default 1024; the memory bound). */
  shuffleBuffer?: number;
}

/**
 * Where a loader stands, as plain JSON: the epoch the next batch belongs to, how many of its
 * batches were handed out, and the shuffle stream's state at the start of that epoch (a number for
 * a private stream, the global generator's words otherwise, null without shuffling).
 */
export interface DataLoaderState {
  epoch: number;
  position: number;
  rng: number | number[] | null;
}

/**
 * Iterate a dataset in mini-batches; each batch is one tensor per field ([x, y] for
 * `new TensorDataset(x, y)`).
 * @example for (const [xb, yb] of new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true })) { … }
 * @example for await (const [xb, yb] of new DataLoader(streamIdx({ images, labels }), { batchSize: 64, shuffle: true, seed: 1 })) { … }
 */
export class DataLoader implements Iterable<Tensor[]>, AsyncIterable<Tensor[]> {
  readonly dataset: Dataset<readonly Tensor[]> | StreamDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly shuffleBuffer: number;
  private readonly rng: ShuffleRng | undefined;
  #epoch = 0;
  #position = 0;
  #epochRng: number | number[] | null;
  /** setState was called: the next pass resumes that epoch rather than starting a new one. */
  #restored = false;

  constructor(dataset: Dataset<readonly Tensor[]> | StreamDataset, options: DataLoaderOptions = {}) {
    const o = checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'dropLast', 'seed', 'shuffleBuffer']);
    const { batchSize = 32, shuffle = false, dropLast = false, seed, shuffleBuffer = 1024 } = o as DataLoaderOptions;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new ArgumentError(`DataLoader: got batchSize=${describe(batchSize)}; expected a positive integer`);
    }
    const streamed = isStreamDataset(dataset);
    if (!streamed && (dataset === null || typeof dataset !== 'object' || typeof dataset.get !== 'function')) {
      throw new ArgumentError(
        `DataLoader: got dataset ${describe(dataset)}; expected a Dataset ({ length, get(i) }, e.g. new TensorDataset(x, y)) or a StreamDataset (streamIdx, streamCsv)`,
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.shuffleBuffer = checkBufferSize('DataLoader', shuffleBuffer);
    this.rng = seed === undefined ? undefined : new ShuffleRng(seed, 'DataLoader');
    this.#epochRng = this.#rngNow();
  }

  /** Number of batches per epoch; null for a stream whose length is not known ahead. */
  get length(): number | null {
    const n = this.dataset.length;
    if (n === null) return null;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  // ------------------------------------------------------------------ position

  getState(): DataLoaderState {
    const rng = Array.isArray(this.#epochRng) ? [...this.#epochRng] : this.#epochRng;
    return { epoch: this.#epoch, position: this.#position, rng };
  }

  /** Continue from a state `getState` gave: the next pass yields that epoch's batches from `position` on. */
  setState(state: DataLoaderState): void {
    const fn = 'DataLoader.setState';
    const s = checkOptions(fn, state, ['epoch', 'position', 'rng']) as Partial<DataLoaderState>;
    const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    const rng = s.rng;
    const rngOk = this.shuffle
      ? this.rng
        ? typeof rng === 'number'
        : // a streamed epoch without a seed draws a private stream (a number); in memory, the global words
          isStreamDataset(this.dataset)
          ? rng === null || typeof rng === 'number'
          : Array.isArray(rng) && rng.length === 4
      : rng === null;
    if (!count(s.epoch) || !count(s.position) || !rngOk) {
      throw new ArgumentError(
        `${fn}: got ${describe(state)}; expected { epoch, position } (integers >= 0) and rng as getState() of a loader like this one gives it (shuffle: ${this.shuffle}, seed: ${this.rng ? 'yes' : 'no'})`,
      );
    }
    this.#epoch = s.epoch as number;
    this.#position = s.position as number;
    this.#epochRng = Array.isArray(rng) ? [...rng] : (rng as number | null);
    this.#restored = true;
  }

  #rngNow(): number | number[] | null {
    if (!this.shuffle) return null;
    if (this.rng) return this.rng.getState();
    // A streamed epoch draws its own private stream (see #streamRng); its state is known only then.
    return isStreamDataset(this.dataset) ? null : getRngState();
  }

  /** Start a pass: a new epoch unless setState just placed us inside one. How many batches to skip. */
  #beginPass(): number {
    if (!this.#restored) {
      // A pass broken off ends its epoch; the shuffle stream is taken as it stands now.
      if (this.#position > 0) this.#epoch++;
      this.#position = 0;
      this.#epochRng = this.#rngNow();
    }
    this.#restored = false;
    return this.#position;
  }

  #endPass(): void {
    this.#epoch++;
    this.#position = 0;
    this.#epochRng = this.#rngNow();
  }

  // ------------------------------------------------------------------ in-memory datasets

  *[Symbol.iterator](): Iterator<Tensor[]> {
    if (isStreamDataset(this.dataset)) {
      throw new ArgumentError(
        'DataLoader: this dataset is streamed from disk, which is asynchronous; iterate it with for await (const batch of loader)',
      );
    }
    const skip = this.#beginPass();
    const n = this.dataset.length;
    const order = this.shuffle ? this.#permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    const batches = this.length as number;
    for (let b = skip; b < batches; b++) {
      this.#position = b + 1;
      yield this.#batch(order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, n)));
    }
    this.#endPass();
  }

  /** This epoch's order: from the private stream, or from the global generator as it stood at the epoch's start. */
  #permutation(n: number): Int32Array {
    if (this.rng) {
      this.rng.setState(this.#epochRng as number);
      return shuffledIndices(n, this.rng);
    }
    const now = getRngState();
    const start = this.#epochRng as number[];
    const replay = start.some((w, i) => w !== now[i]);
    // Resuming: draw the order from the saved words, then leave the global generator where it was.
    if (replay) setRngState(start);
    const order = shuffledIndices(n);
    if (replay) setRngState(now);
    return order;
  }

  #batch(indices: Int32Array): Tensor[] {
    const ds = this.dataset as Partial<BatchDataset>;
    if (typeof ds.getBatch === 'function') return ds.getBatch(indices);
    // A generic dataset yields one sample at a time: stack each position's tensors along a new axis 0.
    const items = Array.from(indices, (i) => (this.dataset as Dataset<readonly Tensor[]>).get(i));
    return items[0].map((_, k) =>
      stack(
        items.map((item) => item[k]),
        0,
      ),
    );
  }

  // ------------------------------------------------------------------ any dataset, asynchronously

  async *[Symbol.asyncIterator](): AsyncGenerator<Tensor[]> {
    if (!isStreamDataset(this.dataset)) {
      for (const batch of this) yield batch;
      return;
    }
    const skip = this.#beginPass();
    const batches = streamBatches(this.dataset, {
      batchSize: this.batchSize,
      dropLast: this.dropLast,
      rng: this.shuffle ? this.#streamRng() : null,
      bufferSize: this.shuffleBuffer,
    });
    let b = 0;
    for await (const block of batches) {
      // Batches before the resume point are read (the shuffle buffer must see them) but never become tensors.
      if (b++ < skip) continue;
      this.#position = b;
      yield toTensors(block);
    }
    this.#endPass();
  }

  /** The stream a streamed epoch shuffles with: private, restarted from the epoch's saved state. */
  #streamRng(): ShuffleRng {
    if (this.rng) {
      this.rng.setState(this.#epochRng as number);
      return this.rng;
    }
    // Without a seed, each epoch seeds its own stream from the global generator, so the epoch can
    // be replayed from one number without replaying the global generator's other draws.
    this.#epochRng ??= Math.floor(randomUniform() * 2 ** 32);
    return new ShuffleRng(this.#epochRng as number);
  }
}

function toTensors(block: HostBlock): Tensor[] {
  return block.fields.map((f) => fromHostValues(f.values, [block.rows, ...f.rowShape]));
}
