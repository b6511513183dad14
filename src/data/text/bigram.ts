/**
 * The count-based bigram model with add-one (Laplace) smoothing: the baseline a character-level
 * language model must beat. P(next = j | previous = i) = (count(i, j) + 1) / (count(i) + V), with
 * the counts taken over the training ids and V the vocabulary size. Counting is exact (integers)
 * and runs on host token-id arrays, before any of them becomes a tensor. Browser-safe.
 */
import { ArgumentError, describe } from '../../util/errors.js';
import type { CharTokenizer } from './tokenizer.js';
import { type TokenSplit, toTokenIds } from './windows.js';

export class BigramModel {
  readonly vocabSize: number;
  /** counts[i * vocabSize + j]: how often token j followed token i in the training ids. */
  readonly counts: Float64Array;
  /** rowTotals[i]: how often token i was followed by any token. */
  readonly rowTotals: Float64Array;

  private constructor(vocabSize: number) {
    this.vocabSize = vocabSize;
    this.counts = new Float64Array(vocabSize * vocabSize);
    this.rowTotals = new Float64Array(vocabSize);
  }

  /**
   * Count the bigrams (ids[t-1], ids[t]) of the training ids.
   * @example const model = BigramModel.fit(split.train, tok.vocabSize)
   */
  static fit(ids: ArrayLike<number>, vocabSize: number): BigramModel {
    const fn = 'BigramModel.fit';
    if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > 4096)
      throw new ArgumentError(
        `${fn}: got vocabSize=${describe(vocabSize)}; expected an integer in 1..4096 (a V×V count table)`,
      );
    const x = toTokenIds(fn, ids, vocabSize);
    const model = new BigramModel(vocabSize);
    for (let t = 1; t < x.length; t++) {
      model.counts[x[t - 1] * vocabSize + x[t]]++;
      model.rowTotals[x[t - 1]]++;
    }
    return model;
  }

  /** log P(next | previous), smoothed: never -Infinity. */
  logProb(previous: number, next: number): number {
    const v = this.vocabSize;
    for (const [name, id] of [
      ['previous', previous],
      ['next', next],
    ] as const) {
      if (!Number.isInteger(id) || id < 0 || id >= v)
        throw new ArgumentError(
          `BigramModel.logProb: got ${name}=${describe(id)}; expected an id in the vocabulary 0..${v - 1}`,
        );
    }
    return Math.log((this.counts[previous * v + next] + 1) / (this.rowTotals[previous] + v));
  }

  /**
   * Mean negative log-likelihood in nats per predicted token of `ids`: every token after the first
   * is predicted from the one before it. With `previous` (the token just before `ids`, e.g. the last
   * training token) the first token is predicted too, so all ids.length tokens count.
   */
  loss(ids: ArrayLike<number>, previous?: number): number {
    const fn = 'BigramModel.loss';
    const v = this.vocabSize;
    const x = toTokenIds(fn, ids, v);
    if (previous !== undefined && (!Number.isInteger(previous) || previous < 0 || previous >= v))
      throw new ArgumentError(`${fn}: got previous=${describe(previous)}; expected an id in 0..${v - 1}`);
    let sum = 0;
    let n = 0;
    let prev = previous ?? -1;
    for (let t = 0; t < x.length; t++) {
      if (prev >= 0) {
        sum -= Math.log((this.counts[prev * v + x[t]] + 1) / (this.rowTotals[prev] + v));
        n++;
      }
      prev = x[t];
    }
    if (n === 0) throw new ArgumentError(`${fn}: got ${x.length} token(s) and nothing to predict; expected at least 2`);
    return sum / n;
  }
}

export interface BigramBaseline {
  /** The fitted counts. */
  model: BigramModel;
  /** Validation loss, nats per token: each validation token predicted from the token before it. */
  validationLoss: number;
  /** Training loss of the same model (what it memorised), nats per token. */
  trainLoss: number;
  /** log(vocabSize): the loss of guessing uniformly, for scale. */
  uniformLoss: number;
}

/**
 * Fit the add-one bigram model on `split.train` and score `split.validation` with it. The first
 * validation token is predicted from the last training token (the text is contiguous), so every
 * validation token counts once, as in a language model's loss over the validation text.
 * @example const { validationLoss } = bigramBaseline(splitTokens(tok.encode(text)), tok)
 */
export function bigramBaseline(split: TokenSplit, tokenizer: CharTokenizer | { vocabSize: number }): BigramBaseline {
  const fn = 'bigramBaseline';
  if (split === null || typeof split !== 'object' || !split.train || !split.validation)
    throw new ArgumentError(`${fn}: got ${describe(split)}; expected { train, validation } from splitTokens`);
  const vocabSize = tokenizer?.vocabSize;
  if (!Number.isInteger(vocabSize))
    throw new ArgumentError(`${fn}: got tokenizer ${describe(tokenizer)}; expected a CharTokenizer (or { vocabSize })`);
  const model = BigramModel.fit(split.train, vocabSize);
  const last = split.train.length > 0 ? split.train[split.train.length - 1] : undefined;
  return {
    model,
    validationLoss: model.loss(split.validation, last),
    trainLoss: model.loss(split.train),
    uniformLoss: Math.log(vocabSize),
  };
}
