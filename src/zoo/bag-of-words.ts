/**
 * A bag-of-words logistic regression: the honest floor for a text classifier. Words (runs of
 * letters, digits and $, lower-cased) are counted on the host — that is data preparation, like a
 * tokenizer — into tf-idf rows (sublinear tf 1 + ln tf, smoothed idf, each row scaled to unit
 * length) over the K words found in most training texts. The rows stay sparse on the host and
 * become dense [batch, K] tensors one batch at a time; the model, one Dense(1, sigmoid) trained
 * with Adam and an L2 penalty through compile/fit, is all ops. Browser-safe.
 */
import { fromHostValues } from '../tensor/creation.js';
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dense } from '../nn/dense.js';
import { binaryMetrics } from '../nn/metrics.js';
import { Adam } from '../optim/adam.js';
import { ShuffleRng } from '../data/shuffle.js';
import { Sequential } from '../keras/sequential.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import {
  type BaselineScore,
  type LabelledText,
  checkLabelledTexts,
  positiveIntegerOption,
  stepsToEpochs,
} from './baseline-util.js';

export interface BagOfWordsOptions {
  /** The labelled training texts. */
  train: readonly LabelledText[];
  /** The texts scored (accuracy, precision, recall, F1 of label 1). */
  test: readonly LabelledText[];
  /** Texts the vocabulary and idf are counted on (default the train texts); unlabelled text may widen them. */
  vocabularyTexts?: readonly string[];
  /** Words kept: the K in most vocabulary texts, each in at least two (default 10,000). */
  vocabularySize?: number;
  /** Passes over the training texts (default: enough for about 1,000 steps, at least 10). */
  epochs?: number;
  /** Texts per step (default 64). */
  batchSize?: number;
  /** Adam's learning rate (default 0.01). */
  learningRate?: number;
  /** The L2 penalty (Adam's weightDecay, added to the gradient) (default 1e-5). */
  l2?: number;
  /** Seeds the weights and the batch order (default 0). */
  seed?: number;
}

/** A bag-of-words row: the column of each word present and its tf-idf value. */
interface SparseRow {
  columns: Int32Array;
  values: Float32Array;
}

const WORD = /[\p{L}\p{N}$]+/gu;

/** The words of a text, lower-cased. */
export function bagOfWordsTokens(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * A tf-idf bag-of-words vocabulary counted on `texts`: the `size` words found in most of them (at
 * least two; ties by the word, so it is deterministic), and the smoothed idf of each.
 */
export function bagOfWordsVocabulary(
  texts: readonly string[],
  size: number,
): { words: string[]; index: Map<string, number>; idf: Float32Array } {
  const documentFrequency = new Map<string, number>();
  for (const text of texts)
    for (const w of new Set(bagOfWordsTokens(text))) documentFrequency.set(w, (documentFrequency.get(w) ?? 0) + 1);
  const words = [...documentFrequency]
    .filter(([, df]) => df >= 2)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, size)
    .map(([w]) => w);
  const idf = Float32Array.from(
    words,
    (w) => Math.log((1 + texts.length) / (1 + (documentFrequency.get(w) as number))) + 1,
  );
  return { words, index: new Map(words.map((w, i) => [w, i])), idf };
}

function sparseRow(text: string, index: Map<string, number>, idf: Float32Array): SparseRow {
  const counts = new Map<number, number>();
  for (const w of bagOfWordsTokens(text)) {
    const column = index.get(w);
    if (column !== undefined) counts.set(column, (counts.get(column) ?? 0) + 1);
  }
  const columns = Int32Array.from(counts.keys());
  const values = Float32Array.from(columns, (c) => (1 + Math.log(counts.get(c) as number)) * idf[c]);
  let squares = 0;
  for (const v of values) squares += v * v;
  const norm = Math.sqrt(squares);
  if (norm > 0) for (let k = 0; k < values.length; k++) values[k] /= norm;
  return { columns, values };
}

/** Rows `order[start..end)` as one dense float32 [rows, width] tensor. */
function denseBatch(
  rows: readonly SparseRow[],
  order: ArrayLike<number>,
  start: number,
  end: number,
  width: number,
): Tensor {
  const out = new Float32Array((end - start) * width);
  for (let r = start; r < end; r++) {
    const { columns, values } = rows[order[r]];
    const base = (r - start) * width;
    for (let k = 0; k < columns.length; k++) out[base + columns[k]] = values[k];
  }
  return fromHostValues(out, [end - start, width]);
}

/**
 * Train a bag-of-words logistic regression on `train` and score it on `test`.
 * @example const { accuracy, f1 } = await bagOfWordsBaseline({ train, test })
 */
export async function bagOfWordsBaseline(options: BagOfWordsOptions): Promise<BaselineScore> {
  const fn = 'bagOfWordsBaseline';
  const o = checkOptions(
    fn,
    options,
    ['train', 'test', 'vocabularyTexts', 'vocabularySize', 'epochs', 'batchSize', 'learningRate', 'l2', 'seed'],
    '{ train, test, vocabularySize: 10000 }',
  ) as unknown as BagOfWordsOptions;
  const started = performance.now();
  checkLabelledTexts(fn, 'train', o.train);
  checkLabelledTexts(fn, 'test', o.test);
  const vocabularyTexts = o.vocabularyTexts ?? o.train.map((e) => e.text);
  if (!Array.isArray(vocabularyTexts) || !vocabularyTexts.every((t) => typeof t === 'string'))
    throw new ArgumentError(`${fn}: got vocabularyTexts ${describe(vocabularyTexts)}; expected an array of strings`);
  const size = positiveIntegerOption(fn, 'vocabularySize', o.vocabularySize, 10_000);
  const batchSize = positiveIntegerOption(fn, 'batchSize', o.batchSize, 64);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ArgumentError(`${fn}: got seed=${describe(seed)}; expected an integer`);
  const learningRate = o.learningRate ?? 0.01;
  const l2 = o.l2 ?? 1e-5;
  if (!(learningRate > 0) || !(l2 >= 0))
    throw new ArgumentError(
      `${fn}: got learningRate=${describe(learningRate)}, l2=${describe(l2)}; expected learningRate > 0 and l2 ≥ 0`,
    );

  const { words, index, idf } = bagOfWordsVocabulary(vocabularyTexts, size);
  if (words.length === 0)
    throw new ArgumentError(
      `${fn}: no word occurs in two of the ${vocabularyTexts.length} vocabulary texts; expected more text`,
    );
  const width = words.length;
  const trainRows = o.train.map((e) => sparseRow(e.text, index, idf));
  const testRows = o.test.map((e) => sparseRow(e.text, index, idf));
  const targets = Float32Array.from(o.train, (e) => e.label);
  const stepsPerEpoch = Math.ceil(trainRows.length / batchSize);
  const epochs = positiveIntegerOption(fn, 'epochs', o.epochs, stepsToEpochs(1000, stepsPerEpoch, 10));

  manualSeed(seed);
  const model = new Sequential([new Dense({ units: 1, activation: 'sigmoid', inputDim: width })]);
  model.compile({
    optimizer: (params) => new Adam(params, { lr: learningRate, weightDecay: l2 }),
    loss: 'binary_crossentropy',
  });
  const rng = new ShuffleRng(seed, fn);
  await model.fit(
    function* trainBatches() {
      const order = rng.permutation(trainRows.length);
      for (let start = 0; start < order.length; start += batchSize) {
        const end = Math.min(order.length, start + batchSize);
        const y = fromHostValues(
          Float32Array.from(order.subarray(start, end), (i) => targets[i]),
          [end - start, 1],
        );
        yield [denseBatch(trainRows, order, start, end, width), y];
      }
    },
    { epochs, verbose: 0 },
  );
  const inOrder = Int32Array.from(testRows, (_, i) => i);
  const predictions = await model.predict(function* testBatches() {
    for (let start = 0; start < testRows.length; start += 256)
      yield denseBatch(testRows, inOrder, start, Math.min(testRows.length, start + 256), width);
  });
  const labels = fromHostValues(
    Float32Array.from(o.test, (e) => e.label),
    [o.test.length],
  );
  return { ...binaryMetrics(predictions, labels), seconds: (performance.now() - started) / 1000 };
}
