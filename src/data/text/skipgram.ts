/**
 * Training data for skip-gram with negative sampling (word2vec), prepared on the host from the
 * token ids: (center, context) pairs from a window around each kept token, and `negatives` noise
 * words per pair drawn from the unigram distribution raised to 3/4. Frequent words are
 * sub-sampled as in word2vec: a token of frequency f is kept with probability
 * (√(f/t) + 1)·t/f, redrawn for each pass over the text. The window is "dynamic": its radius is
 * drawn from 1..window per center, so near words count more. Each batch is three int32 tensors.
 * Browser-safe; seeded by its own generator, so a run repeats exactly.
 */
import { fromHostValues } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ArgumentError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';
import { ShuffleRng } from '../shuffle.js';

export interface SkipGramOptions {
  /** Pairs per batch (default 4096). */
  batchSize?: number;
  /** The largest distance between center and context (default 5). */
  window?: number;
  /** Noise words per pair (default 5). */
  negatives?: number;
  /**
   * The sub-sampling threshold t (default 1e-4; 0 keeps every token). word2vec's paper used 1e-5 on
   * billions of words and its tool defaults to 1e-3; on Moby Dick (200 k words) 1e-4 keeps "the" at
   * 4% and gives neighbours of content words rather than of function words.
   */
  subsample?: number;
  /** Seed of the sampler's generator (default 0). */
  seed?: number;
}

/** One batch: centers [B], contexts [B], negatives [B, K]; all int32 word ids. */
export interface SkipGramBatch {
  centers: Tensor;
  contexts: Tensor;
  negatives: Tensor;
}

/** The size of the noise table (word2vec's 1e8 is for billions of words; 1e6 resolves p ≥ 1e-6). */
const NOISE_TABLE = 1_000_000;

function positiveInt(fn: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new ArgumentError(`${fn}: got ${name}=${describe(v)}; expected a positive integer`);
  return v as number;
}

/** The probability of keeping a token of each word under sub-sampling threshold t. */
export function keepProbabilities(counts: readonly number[], t: number): Float64Array {
  const total = counts.reduce((a, b) => a + b, 0);
  return Float64Array.from(counts, (c) => {
    if (t === 0) return 1;
    const f = c / total;
    return Math.min(1, (Math.sqrt(f / t) + 1) * (t / f));
  });
}

/** A table of word ids in which word w fills a share count(w)^0.75 / Σ count^0.75 of the entries. */
export function noiseTable(counts: readonly number[], size = NOISE_TABLE): Int32Array {
  const weights = counts.map((c) => c ** 0.75);
  const total = weights.reduce((a, b) => a + b, 0);
  const table = new Int32Array(size);
  let word = 0;
  let cumulative = weights[0] / total;
  for (let i = 0; i < size; i++) {
    table[i] = word;
    if ((i + 1) / size > cumulative && word < counts.length - 1) cumulative += weights[++word] / total;
  }
  return table;
}

export class SkipGramSampler {
  readonly batchSize: number;
  readonly window: number;
  readonly negatives: number;
  readonly subsample: number;
  private readonly ids: Int32Array;
  private readonly keep: Float64Array;
  private readonly noise: Int32Array;
  private readonly rng: ShuffleRng;
  private stream: Int32Array = new Int32Array(0);
  private cursor = 0;

  /** `ids`: the text as word ids; `counts`: each word's count (the vocabulary's). */
  constructor(ids: Int32Array, counts: readonly number[], options?: SkipGramOptions) {
    const fn = 'SkipGramSampler';
    const o = checkOptions(fn, options, ['batchSize', 'window', 'negatives', 'subsample', 'seed'], '{ window: 5 }');
    this.batchSize = positiveInt(fn, 'batchSize', o.batchSize, 4096);
    this.window = positiveInt(fn, 'window', o.window, 5);
    this.negatives = positiveInt(fn, 'negatives', o.negatives, 5);
    this.subsample = (o.subsample as number | undefined) ?? 1e-4;
    if (typeof this.subsample !== 'number' || !(this.subsample >= 0))
      throw new ArgumentError(`${fn}: got subsample=${describe(this.subsample)}; expected t ≥ 0 such as 1e-4`);
    if (!(ids instanceof Int32Array) || ids.length < 2)
      throw new ArgumentError(`${fn}: got ids ${describe(ids)}; expected an Int32Array of at least 2 word ids`);
    for (const id of ids)
      if (id < 0 || id >= counts.length)
        throw new ArgumentError(`${fn}: id ${id} is outside the vocabulary of ${counts.length} words`);
    this.ids = ids;
    this.keep = keepProbabilities(counts, this.subsample);
    this.noise = noiseTable(counts);
    this.rng = new ShuffleRng((o.seed as number | undefined) ?? 0, fn);
  }

  /** A new sub-sampled copy of the text (a pass over it), with at least 2 tokens. */
  private resample(): void {
    const kept = new Int32Array(this.ids.length);
    let n = 0;
    for (const id of this.ids) if (this.rng.next() < this.keep[id]) kept[n++] = id;
    this.stream = n >= 2 ? kept.slice(0, n) : this.ids;
    this.cursor = 0;
  }

  /** The next batch of pairs, walking the sub-sampled text in order and starting a new pass at its end. */
  nextBatch(): SkipGramBatch {
    const B = this.batchSize;
    const K = this.negatives;
    const centers = new Int32Array(B);
    const contexts = new Int32Array(B);
    const negatives = new Int32Array(B * K);
    let b = 0;
    while (b < B) {
      if (this.cursor >= this.stream.length) this.resample();
      const s = this.stream;
      const i = this.cursor++;
      const radius = 1 + Math.floor(this.rng.next() * this.window);
      for (let j = Math.max(0, i - radius); j <= Math.min(s.length - 1, i + radius) && b < B; j++) {
        if (j === i) continue;
        centers[b] = s[i];
        contexts[b] = s[j];
        b++;
      }
    }
    for (let k = 0; k < B * K; k++) negatives[k] = this.noise[Math.floor(this.rng.next() * this.noise.length)];
    return {
      centers: fromHostValues(centers, [B]),
      contexts: fromHostValues(contexts, [B]),
      negatives: fromHostValues(negatives, [B, K]),
    };
  }
}
