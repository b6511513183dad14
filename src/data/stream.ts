/**
 * Data sets that do not fit in memory: a StreamDataset hands out its samples as a stream of host
 * blocks (a few thousand rows read from disk and decoded), and `streamBatches` turns that stream
 * into batches holding at most `bufferSize` rows at once — shuffled inside that window as tf.data's
 * shuffle buffer does, because a full permutation needs the whole set at hand. The rows here are
 * file data on its way to becoming tensors, not tensor storage: copying them is decoding, as in
 * idx.ts, and it is the only way to keep memory bounded. Browser-safe; the file readers are in
 * stream-files.ts (Node).
 */
import type { Shape } from '../backend/types.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';

/** One field (inputs, labels, weights …) of consecutive samples: rows × prod(rowShape) values. */
export interface HostField {
  readonly values: Float32Array | Int32Array;
  /** The shape of one sample of this field, e.g. [28, 28] for an image, [] for a label. */
  readonly rowShape: Shape;
}

/** Consecutive samples, field by field (the fields a batch will hold, in order: x, y, …). */
export interface HostBlock {
  readonly rows: number;
  readonly fields: readonly HostField[];
}

/**
 * A data set read as a stream (PyTorch's IterableDataset): every call of `blocks()` reads it again
 * from the start, in file order. `length` is the number of samples when known ahead (an IDX
 * header says it; a CSV file does not), else null.
 */
export interface StreamDataset {
  readonly length: number | null;
  blocks(): AsyncIterable<HostBlock>;
}

export function isStreamDataset(value: unknown): value is StreamDataset {
  return value !== null && typeof value === 'object' && typeof (value as Partial<StreamDataset>).blocks === 'function';
}

/** Where the next random number comes from (a private ShuffleRng, or none: file order). */
export interface Draw {
  next(): number;
}

export interface StreamBatchOptions {
  batchSize: number;
  dropLast: boolean;
  /** Random numbers for the shuffle buffer; null reads in file order. */
  rng: Draw | null;
  /** Rows held for shuffling (ignored without rng). */
  bufferSize: number;
}

/** Values per row of a field. */
function rowLength(field: HostField): number {
  return field.rowShape.reduce((a: number, b: number) => a * b, 1);
}

/** An empty field of `rows` rows shaped like `like`. */
function emptyLike(like: HostField, rows: number): HostField {
  const Ctor = like.values instanceof Int32Array ? Int32Array : Float32Array;
  return { values: new Ctor(rows * rowLength(like)), rowShape: like.rowShape };
}

function copyRow(from: HostField, fromRow: number, to: HostField, toRow: number): void {
  const n = rowLength(from);
  to.values.set(from.values.subarray(fromRow * n, fromRow * n + n), toRow * n);
}

/** Refuse a block whose fields disagree with the first block's (a reader bug or a mixed file). */
function checkBlock(block: HostBlock, first: HostBlock, index: number): void {
  const same =
    block.fields.length === first.fields.length &&
    block.fields.every(
      (f, i) =>
        f.values.constructor === first.fields[i].values.constructor &&
        describe(f.rowShape) === describe(first.fields[i].rowShape) &&
        f.values.length === block.rows * rowLength(f),
    );
  if (!same) {
    const show = (b: HostBlock) => describe(b.fields.map((f) => `${f.values.constructor.name}${describe(f.rowShape)}`));
    throw new ShapeError(
      `StreamDataset: block ${index} has ${block.rows} rows of fields ${show(block)} but block 0 had ${show(first)}; expected every block to hold the same fields, with rows × row size values each`,
    );
  }
}

/**
 * Rows of a stream, one at a time, as (block, row) — blocks are only ever read one ahead, so memory
 * holds one block besides what the caller keeps.
 */
async function* rowsOf(dataset: StreamDataset): AsyncGenerator<[HostBlock, number]> {
  let first: HostBlock | null = null;
  let index = 0;
  for await (const block of dataset.blocks()) {
    first ??= block;
    checkBlock(block, first, index++);
    for (let r = 0; r < block.rows; r++) yield [block, r];
  }
}

/**
 * Batches of a stream as host blocks. In file order, each batch takes the next rows. Shuffled,
 * a buffer of `bufferSize` rows is filled first; each batch row is then a random row of the
 * buffer, whose slot the next row of the stream takes (when the stream ends, the buffer drains).
 */
export async function* streamBatches(dataset: StreamDataset, options: StreamBatchOptions): AsyncGenerator<HostBlock> {
  const { batchSize, dropLast, rng, bufferSize } = options;
  const rows = rowsOf(dataset);
  let pool: HostField[] | null = null;
  let held = 0;
  const capacity = rng === null ? batchSize : Math.max(bufferSize, 1);
  let ended = false;
  const pull = async (): Promise<[HostBlock, number] | null> => {
    if (ended) return null;
    const next = await rows.next();
    if (next.done) ended = true;
    return next.done ? null : next.value;
  };
  for (;;) {
    // Fill the pool (the next batch in file order, or the shuffle window).
    while (held < capacity) {
      const row = await pull();
      if (row === null) break;
      const [block, r] = row;
      pool ??= block.fields.map((f) => emptyLike(f, capacity));
      block.fields.forEach((f, i) => copyRow(f, r, (pool as HostField[])[i], held));
      held++;
    }
    if (pool === null || held === 0) return;
    const size = Math.min(batchSize, held);
    if (size < batchSize && dropLast && ended) return;
    const out = pool.map((f) => emptyLike(f, size));
    if (rng === null) {
      pool.forEach((f, i) => out[i].values.set(f.values.subarray(0, size * rowLength(f))));
      held = 0;
    } else {
      for (let k = 0; k < size; k++) {
        const j = Math.floor(rng.next() * held);
        pool.forEach((f, i) => copyRow(f, j, out[i], k));
        // The slot is refilled from the stream, or (stream ended) by the last held row.
        const row = await pull();
        if (row === null) {
          held--;
          pool.forEach((f) => copyRow(f, held, f, j));
        } else {
          row[0].fields.forEach((f, i) => copyRow(f, row[1], (pool as HostField[])[i], j));
        }
      }
    }
    yield { rows: size, fields: out };
  }
}

/** A buffer size option: a positive integer. */
export function checkBufferSize(fn: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new ArgumentError(`${fn}: got shuffleBuffer=${describe(value)}; expected a positive integer (rows held)`);
  return value;
}
