/**
 * The data fit, evaluate and predict accept besides tensors, read one way: a DataLoader, any
 * iterable or async iterable of batches (an array of batches, a generator, a stream), or a
 * function returning one afresh each epoch. A batch is `[x, y]`, `[x, y, sampleWeight]` or
 * `{ x, y, sampleWeight? }` of tensors (for predict, `x` alone will do). Every batch must keep the
 * per-sample shapes and dtypes of the first, and a batch that does not is refused by its index.
 *
 * Epochs: a DataLoader, an iterable (not itself an iterator) and a function start a fresh pass each
 * epoch; an iterator — a generator object — is one stream drawn on across epochs, `stepsPerEpoch`
 * batches at a time (endless generators need it, as in Keras).
 */
import { Tensor } from '../tensor/tensor.js';
import { DataLoader } from '../data/loader.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { checkSampleWeight } from './weights.js';

/** One batch as a model step takes it. `y` is null only for predict's inputs-only batches. */
export interface Batch {
  x: Tensor;
  y: Tensor | null;
  sampleWeight: Tensor | null;
}

/** What a data source may yield. */
export type BatchLike =
  | Tensor
  | readonly Tensor[]
  | { readonly x: Tensor; readonly y?: Tensor; readonly sampleWeight?: Tensor };

type Batchable = Iterable<BatchLike> | AsyncIterable<BatchLike>;

/** Data for fit / evaluate / predict other than tensors. */
export type DataSource = DataLoader | Batchable | (() => Batchable);

function isIterable(v: unknown): v is Batchable {
  return (
    v !== null &&
    typeof v === 'object' &&
    (typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
  );
}

export function isDataSource(v: unknown): v is DataSource {
  return !(v instanceof Tensor) && (v instanceof DataLoader || typeof v === 'function' || isIterable(v));
}

function iteratorOf(v: Batchable): Iterator<BatchLike> | AsyncIterator<BatchLike> {
  const asyncIt = (v as AsyncIterable<BatchLike>)[Symbol.asyncIterator];
  return typeof asyncIt === 'function' ? asyncIt.call(v) : (v as Iterable<BatchLike>)[Symbol.iterator]();
}

/** Per-sample shape and dtype of x, y and sampleWeight (null where the batch has none). */
type Signature = ({ shape: string; dtype: string } | null)[];

const signatureOf = (b: Batch): Signature =>
  [b.x, b.y, b.sampleWeight].map((t) => (t === null ? null : { shape: describe(t.shape.slice(1)), dtype: t.dtype }));

function showSignature(s: Signature): string {
  return ['x', 'y', 'sampleWeight']
    .map((name, i) => `${name} ${s[i] === null ? 'none' : `${s[i]?.shape} ${s[i]?.dtype}`}`)
    .join(', ');
}

/** A DataSource walked batch by batch, epoch after epoch, with every batch checked. */
export class Batches {
  /** Batches per epoch when known ahead (a DataLoader's length, an array's, or stepsPerEpoch); else null. */
  readonly steps: number | null;
  /** The DataLoader behind the batches, when there is one (its getState() is the data order's position). */
  readonly loader: DataLoader | null;
  readonly #fn: string;
  readonly #source: DataSource;
  readonly #stepsPerEpoch: number | null;
  readonly #targets: 'required' | 'optional';
  /** A one-shot iterator, kept across epochs. */
  readonly #shared: Iterator<BatchLike> | AsyncIterator<BatchLike> | null;
  #first: Signature | null = null;

  constructor(fn: string, source: DataSource, stepsPerEpoch: number | null, targets: 'required' | 'optional') {
    if (!isDataSource(source)) {
      throw new ArgumentError(
        `${fn}: got data ${describe(source)}; expected tensors, a DataLoader, an (async) iterable or generator of [x, y] / { x, y, sampleWeight } batches, or a function returning one`,
      );
    }
    this.#fn = fn;
    this.#source = source;
    this.#stepsPerEpoch = stepsPerEpoch;
    this.#targets = targets;
    this.loader = source instanceof DataLoader ? source : null;
    const isIterator = typeof (source as Partial<Iterator<unknown>>).next === 'function';
    this.#shared = isIterator ? iteratorOf(source as Batchable) : null;
    const known = this.loader ? this.loader.length : Array.isArray(source) ? source.length : null;
    this.steps = stepsPerEpoch === null ? known : known === null ? stepsPerEpoch : Math.min(known, stepsPerEpoch);
  }

  /**
   * One epoch's batches (`epoch` is for messages); `first`: the index of the first batch the data
   * yields, when a loader resumes inside the epoch (it may then have none left).
   */
  async *epoch(epoch: number, first = 0): AsyncGenerator<Batch> {
    const fresh = this.#shared === null;
    const it = this.#shared ?? this.#freshIterator(epoch);
    const limit = this.#stepsPerEpoch ?? Infinity;
    let index = first;
    try {
      while (index < limit) {
        const next = await it.next();
        if (next.done) break;
        yield this.#check(next.value, index, epoch);
        index++;
      }
    } finally {
      // A pass of our own is closed when cut short (a stream closes its file); a shared one is left open.
      if (fresh) await it.return?.();
    }
    if (index === 0) {
      throw new ArgumentError(
        `${this.#fn}: the data gave no batches in epoch ${epoch + 1}; ${this.#shared ? 'a generator is used up after one pass: give stepsPerEpoch so each epoch draws that many batches from it, or pass a function returning a fresh generator' : 'expected at least one batch per epoch'}`,
      );
    }
  }

  #freshIterator(epoch: number): Iterator<BatchLike> | AsyncIterator<BatchLike> {
    const source = this.#source;
    if (typeof source !== 'function') return iteratorOf(source as Batchable);
    const made = (source as () => Batchable)();
    if (!isIterable(made)) {
      throw new ArgumentError(
        `${this.#fn}: the data function returned ${describe(made)} for epoch ${epoch + 1}; expected an iterable or async iterable of batches (e.g. a generator)`,
      );
    }
    return iteratorOf(made);
  }

  /** A batch in its one form, checked against itself and against the first batch. */
  #check(raw: BatchLike, index: number, epoch: number): Batch {
    const where = `${this.#fn}: batch ${index} (counting from 0) of epoch ${epoch + 1}`;
    const batch = toBatch(raw);
    if (batch === null || (batch.y === null && this.#targets === 'required')) {
      throw new ArgumentError(
        `${where} is ${describe(raw)}; expected ${this.#targets === 'required' ? '[x, y], [x, y, sampleWeight] or { x, y, sampleWeight? }' : 'x, [x, …] or { x, … }'} of Tensors`,
      );
    }
    const { x, y } = batch;
    if (x.rank === 0) throw new ShapeError(`${where} has a scalar x; expected a first (sample) axis`);
    if (y !== null && (y.rank === 0 || y.shape[0] !== x.shape[0])) {
      throw new ShapeError(
        `${where} has x of shape ${describe(x.shape)} and y of shape ${describe(y.shape)}; expected one target per sample`,
      );
    }
    if (batch.sampleWeight !== null) batch.sampleWeight = checkSampleWeight(where, batch.sampleWeight, x.shape[0]);
    const sig = signatureOf(batch);
    this.#first ??= sig;
    const first = this.#first;
    if (showSignature(sig) !== showSignature(first)) {
      // Only the dtypes differ: a DTypeError; a shape or a missing part: a ShapeError.
      const dtypesOnly = sig.every((s, i) => s?.shape === first[i]?.shape && (s === null) === (first[i] === null));
      throw new (dtypesOnly ? DTypeError : ShapeError)(
        `${where} has per sample ${showSignature(sig)} but the first batch had ${showSignature(first)}; expected every batch to have the same per-sample shapes and dtypes`,
      );
    }
    return batch;
  }
}

function toBatch(raw: BatchLike): Batch | null {
  const t = (v: unknown): v is Tensor => v instanceof Tensor;
  if (t(raw)) return { x: raw, y: null, sampleWeight: null };
  if (Array.isArray(raw)) {
    if (raw.length < 1 || raw.length > 3 || !raw.every(t)) return null;
    return { x: raw[0], y: raw[1] ?? null, sampleWeight: raw[2] ?? null };
  }
  if (raw !== null && typeof raw === 'object' && t((raw as { x?: unknown }).x)) {
    const { x, y, sampleWeight } = raw as { x: Tensor; y?: unknown; sampleWeight?: unknown };
    if ((y !== undefined && !t(y)) || (sampleWeight !== undefined && !t(sampleWeight))) return null;
    return { x, y: y ?? null, sampleWeight: sampleWeight ?? null };
  }
  return null;
}
