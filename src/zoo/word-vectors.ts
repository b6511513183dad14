/**
 * Trained word vectors and how to judge them: cosine similarity of one word to every word (an op:
 * normalise the rows, one matmul), and the mean cosine of word pairs, for related pairs against
 * random pairs and against random vectors. Browser-safe (saving and loading is in
 * word-vectors-file.ts).
 */
import { gather, reshape } from '../ops/movement.js';
import { matmul } from '../ops/matmul.js';
import { div, mul, sqrt, add } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { fromHostValues } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/mode.js';
import { ShuffleRng } from '../data/shuffle.js';
import type { WordVocab } from '../data/text/words.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';

/** What training wrote beside the vectors (config.json). */
export interface WordVectorsConfig {
  method: 'word2vec' | 'glove';
  dim: number;
  words: number;
  /** Which table `vectors` is: word2vec's input vectors, or GloVe's word + context vectors summed. */
  vectors: string;
  [key: string]: unknown;
}

export interface WordVectors {
  vocab: WordVocab;
  /** [vocab.size, dim]: row i is the vector of vocab.words[i]. */
  vectors: Tensor;
  config: WordVectorsConfig;
}

/** A tiny term in norms so an all-zero row has cosine 0 rather than NaN. */
const EPS = 1e-8;

/** The rows of `table` scaled to unit length. */
export function normalizeRows(table: Tensor): Tensor {
  return div(table, add(sqrt(sum(mul(table, table), -1, { keepDims: true })), EPS));
}

function checkTable(fn: string, vectors: Tensor, vocab: WordVocab): void {
  if (vectors.rank !== 2 || vectors.shape[0] !== vocab.size)
    throw new ShapeError(
      `${fn}: got vectors of shape ${describe(vectors.shape)}; expected [${vocab.size}, dim] (one row per word)`,
    );
}

/** The cosine similarity of `word` to every word of the vocabulary, [vocab.size]. */
export function cosineToAll(wv: WordVectors, word: string): Tensor {
  const fn = 'cosineToAll';
  checkTable(fn, wv.vectors, wv.vocab);
  const id = wv.vocab.requireId(fn, word);
  return noGrad(() => {
    const unit = normalizeRows(wv.vectors);
    const row = gather(unit, fromHostValues(Int32Array.of(id), [1]), 0); // [1, dim]
    return reshape(matmul(unit, reshape(row, [unit.shape[1], 1])), [unit.shape[0]]);
  });
}

/** The mean cosine similarity of pairs of word ids (a[n], b[n]) under `vectors`. */
export async function meanPairCosine(vectors: Tensor, a: Int32Array, b: Int32Array): Promise<number> {
  if (a.length === 0 || a.length !== b.length)
    throw new ArgumentError(`meanPairCosine: got ${a.length} and ${b.length} ids; expected two equal, non-empty lists`);
  const cosine = noGrad(() => {
    const unit = normalizeRows(vectors);
    const ra = gather(unit, fromHostValues(a, [a.length]), 0);
    const rb = gather(unit, fromHostValues(b, [b.length]), 0);
    return mean(sum(mul(ra, rb), -1));
  });
  return (await cosine.data())[0]; // awaited: WebGPU refuses synchronous reads
}

/** Pair quality: related pairs against random words, the same words re-paired, and random vectors. */
export interface PairScores {
  /** Mean cosine of the related pairs whose words are both in the vocabulary. */
  related: number;
  /** Mean cosine of random pairs of vocabulary words (uniform over the vocabulary). */
  random: number;
  /** Mean cosine of the related pairs' words paired at random with each other (same words, broken pairs). */
  shuffled: number;
  /** Mean cosine of the related pairs under random normal vectors of the same shape. */
  randomVector: number;
  /** How many related pairs had both words in the vocabulary. */
  pairsUsed: number;
}

/** Score `pairs` on `wv`; random pairs and vectors come from a generator seeded with `seed`. */
export async function scorePairs(
  wv: WordVectors,
  pairs: readonly (readonly [string, string])[],
  options: { randomPairs?: number; seed?: number } = {},
): Promise<PairScores> {
  const fn = 'scorePairs';
  checkTable(fn, wv.vectors, wv.vocab);
  const known = pairs.filter(([x, y]) => wv.vocab.id(x) !== undefined && wv.vocab.id(y) !== undefined);
  if (known.length === 0)
    throw new ArgumentError(`${fn}: none of the ${pairs.length} pairs has both words in the vocabulary`);
  const a = Int32Array.from(known, ([x]) => wv.vocab.id(x) as number);
  const b = Int32Array.from(known, ([, y]) => wv.vocab.id(y) as number);
  const rng = new ShuffleRng(options.seed ?? 0, fn);
  const n = options.randomPairs ?? 1000;
  const V = wv.vocab.size;
  const ra = Int32Array.from({ length: n }, () => Math.floor(rng.next() * V));
  const rb = Int32Array.from({ length: n }, (_, i) => (ra[i] + 1 + Math.floor(rng.next() * (V - 1))) % V);
  // Re-pair the related words: a[i] with b of another pair (a derangement by a non-zero shift).
  const perm = rng.permutation(known.length);
  const sa = Int32Array.from(perm, (p) => a[p]);
  const sb = Int32Array.from(perm, (_, i) => b[perm[(i + 1) % perm.length]]);
  return {
    related: await meanPairCosine(wv.vectors, a, b),
    random: await meanPairCosine(wv.vectors, ra, rb),
    shuffled: await meanPairCosine(wv.vectors, sa, sb),
    randomVector: await meanPairCosine(randomNormalTable(rng, wv.vectors.shape[0], wv.vectors.shape[1]), a, b),
    pairsUsed: known.length,
  };
}

/** A [rows, cols] table of standard normal values from `rng` (Box–Muller), so the baseline repeats. */
function randomNormalTable(rng: ShuffleRng, rows: number, cols: number): Tensor {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++)
    values[i] = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return fromHostValues(values, [rows, cols]);
}
