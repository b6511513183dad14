/**
 * GloVe (Pennington et al. 2014): word vectors w_i, context vectors c_j and biases fitted to the
 * log co-occurrence counts by weighted least squares,
 *   Σ f(X_ij) (w_i · c_j + b_i + b̃_j − log X_ij)²,  f(x) = min(1, (x / x_max)^α),
 * over the non-zero entries of X (counted by `cooccurrences`, host data), a random batch of them
 * per step, averaged over the batch. The weights f and the targets log X are ops on the batch's
 * counts. The saved vectors are w + c, the sum the paper uses. Adam stands in for AdaGrad.
 */
import { embedding } from '../ops/embedding.js';
import { add, div, log, minimum, mul, pow, square, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/movement.js';
import { fromHostValues, uniform, zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { ShuffleRng } from '../data/shuffle.js';
import { cooccurrences, type Cooccurrences } from '../data/text/cooccurrence.js';
import type { WordVocab } from '../data/text/words.js';
import { ArgumentError, describe } from '../util/errors.js';
import { trainTables, type TrainTablesOptions, type TrainTablesResult } from './train-tables.js';

/** One batch of co-occurrence entries: rows i, columns j (int32 [B]) and counts X_ij (float32 [B]). */
export interface GloveBatch {
  rows: Tensor;
  cols: Tensor;
  counts: Tensor;
}

export interface GloveLossOptions {
  /** Counts at or above x_max weigh 1 (default 100). */
  xMax?: number;
  /** The weighting exponent α (default 0.75). */
  alpha?: number;
}

export class Glove extends Module<[GloveBatch], Tensor> {
  /** [vocab, dim] word vectors w. */
  word: Parameter;
  /** [vocab, dim] context vectors c. */
  context: Parameter;
  /** [vocab, 1] word and context biases (tables of width 1, so the embedding op looks them up). */
  wordBias: Parameter;
  contextBias: Parameter;
  readonly xMax: number;
  readonly alpha: number;

  constructor(vocabSize: number, dim: number, options: GloveLossOptions = {}) {
    super();
    for (const [name, v] of [
      ['vocabSize', vocabSize],
      ['dim', dim],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`Glove: got ${name}=${describe(v)}; expected a positive integer`);
    this.xMax = options.xMax ?? 100;
    this.alpha = options.alpha ?? 0.75;
    if (!(this.xMax > 0) || !(this.alpha > 0))
      throw new ArgumentError(
        `Glove: got xMax=${describe(this.xMax)}, alpha=${describe(this.alpha)}; expected both > 0`,
      );
    // The reference implementation's start: U(−0.5, 0.5) / dim, biases likewise (here zero).
    this.word = new Parameter(uniform([vocabSize, dim], -0.5 / dim, 0.5 / dim));
    this.context = new Parameter(uniform([vocabSize, dim], -0.5 / dim, 0.5 / dim));
    this.wordBias = new Parameter(zeros([vocabSize, 1]));
    this.contextBias = new Parameter(zeros([vocabSize, 1]));
  }

  /** The batch's mean weighted squared error (a scalar). */
  forward(batch: GloveBatch): Tensor {
    const B = batch.rows.shape[0];
    const dot = sum(mul(embedding(this.word, batch.rows), embedding(this.context, batch.cols)), -1);
    const bias = reshape(add(embedding(this.wordBias, batch.rows), embedding(this.contextBias, batch.cols)), [B]);
    const error = sub(add(dot, bias), log(batch.counts));
    const weight = minimum(pow(div(batch.counts, this.xMax), this.alpha), 1);
    return mean(mul(weight, square(error)));
  }

  /** w + c, [vocab, dim]: the vectors GloVe keeps. */
  vectors(): Tensor {
    return add(this.word, this.context).detach();
  }
}

/** Random batches of the non-zero entries, each entry once per pass (reshuffled per pass). */
export class CooccurrenceBatches {
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  private readonly rng: ShuffleRng;

  constructor(
    private readonly entries: Cooccurrences,
    readonly batchSize: number,
    seed = 0,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ArgumentError(`CooccurrenceBatches: got batchSize=${describe(batchSize)}; expected a positive integer`);
    if (entries.rows.length === 0) throw new ArgumentError('CooccurrenceBatches: got no co-occurrence entries');
    this.rng = new ShuffleRng(seed, 'CooccurrenceBatches');
  }

  next(): GloveBatch {
    const B = this.batchSize;
    const rows = new Int32Array(B);
    const cols = new Int32Array(B);
    const counts = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      if (this.cursor >= this.order.length) {
        this.order = this.rng.permutation(this.entries.rows.length);
        this.cursor = 0;
      }
      const e = this.order[this.cursor++];
      rows[b] = this.entries.rows[e];
      cols[b] = this.entries.cols[e];
      counts[b] = this.entries.values[e];
    }
    return { rows: fromHostValues(rows, [B]), cols: fromHostValues(cols, [B]), counts: fromHostValues(counts, [B]) };
  }
}

export interface GloveOptions extends GloveLossOptions, TrainTablesOptions {
  /** The vector size (default 100). */
  dim?: number;
  /** The co-occurrence window (default 10). */
  window?: number;
  /** Entries per batch (default 8192). */
  batchSize?: number;
}

export interface GloveResult extends TrainTablesResult {
  model: Glove;
  /** How many non-zero co-occurrence entries the text gave. */
  entries: number;
}

/** Train GloVe vectors for `vocab` on the text `ids` (its word ids). Seeded by `seed`. */
export async function trainGlove(ids: Int32Array, vocab: WordVocab, options: GloveOptions = {}): Promise<GloveResult> {
  const { dim = 100, window = 10, batchSize = 8192, xMax, alpha, steps, lr = 0.05, seed = 0, onStep } = options;
  const entries = cooccurrences(ids, vocab.size, { window });
  const batches = new CooccurrenceBatches(entries, batchSize, seed);
  const run = await trainTables(
    'trainGlove',
    () => new Glove(vocab.size, dim, { xMax, alpha }),
    (model) => model.call(batches.next()),
    { steps, lr, seed, onStep },
  );
  return { ...run, model: run.model, entries: entries.rows.length };
}
