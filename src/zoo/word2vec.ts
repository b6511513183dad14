/**
 * word2vec: skip-gram with negative sampling (Mikolov et al. 2013). Each word has an input vector
 * (the one kept as its embedding) and an output ("context") vector; for a (center, context) pair
 * and K noise words the loss is
 *   −log σ(u_context · v_center) − Σ_k log σ(−u_noise_k · v_center),
 * averaged over the batch. A step is a few big ops on the whole batch: gather the rows, batched
 * dot products, softplus (−log σ(x) = softplus(−x)), and the embedding op's scatter-add backward.
 * The tables are updated densely by Adam (sparse updates are not offered), which pays off with
 * large batches. The pairs, sub-sampling and noise words come from SkipGramSampler (host data).
 */
import { embedding } from '../ops/embedding.js';
import { add, div, mul, neg } from '../ops/elementwise.js';
import { softplus } from '../ops/activations.js';
import { sum } from '../ops/reduce.js';
import { unsqueeze } from '../ops/movement.js';
import { uniform, zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { SkipGramSampler, type SkipGramBatch, type SkipGramOptions } from '../data/text/skipgram.js';
import type { WordVocab } from '../data/text/words.js';
import { ArgumentError, describe } from '../util/errors.js';
import { trainTables, type TrainTablesOptions, type TrainTablesResult } from './train-tables.js';

export class SkipGram extends Module<[SkipGramBatch], Tensor> {
  /** [vocab, dim]: the word vectors (word2vec's syn0), U(−0.5/dim, 0.5/dim) at the start. */
  input: Parameter;
  /** [vocab, dim]: the context vectors (syn1neg), zero at the start as in word2vec. */
  output: Parameter;

  constructor(vocabSize: number, dim: number) {
    super();
    for (const [name, v] of [
      ['vocabSize', vocabSize],
      ['dim', dim],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`SkipGram: got ${name}=${describe(v)}; expected a positive integer`);
    this.input = new Parameter(uniform([vocabSize, dim], -0.5 / dim, 0.5 / dim));
    this.output = new Parameter(zeros([vocabSize, dim]));
  }

  /** The batch's mean negative-sampling loss (a scalar). */
  forward(batch: SkipGramBatch): Tensor {
    const v = embedding(this.input, batch.centers); // [B, D]
    const u = embedding(this.output, batch.contexts); // [B, D]
    const noise = embedding(this.output, batch.negatives); // [B, K, D]
    const positive = sum(mul(u, v), -1); // [B]
    const negative = sum(mul(noise, unsqueeze(v, 1)), -1); // [B, K]
    const total = add(sum(softplus(neg(positive))), sum(softplus(negative)));
    return div(total, batch.centers.shape[0]);
  }
}

export interface Word2VecOptions extends SkipGramOptions, TrainTablesOptions {
  /** The vector size (default 100). */
  dim?: number;
}

export interface Word2VecResult extends TrainTablesResult {
  model: SkipGram;
}

/** Train skip-gram vectors for `vocab` on the text `ids` (its word ids). Seeded by `seed`. */
export async function trainWord2Vec(
  ids: Int32Array,
  vocab: WordVocab,
  options: Word2VecOptions = {},
): Promise<Word2VecResult> {
  const { dim = 100, steps, lr = 0.03, seed = 0, onStep, ...sampling } = options;
  const sampler = new SkipGramSampler(ids, vocab.counts, { ...sampling, seed });
  const run = await trainTables(
    'trainWord2Vec',
    () => new SkipGram(vocab.size, dim),
    (model) => model.call(sampler.nextBatch()),
    { steps, lr, seed, onStep },
  );
  return { ...run, model: run.model };
}
