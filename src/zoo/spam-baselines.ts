/**
 * The spam task's baselines, for the fine-tuning report: a bag-of-words logistic regression and
 * an LSTM classifier, trained on the same labelled e-mails as the fine-tuned Transformer and
 * scored on the same, full test split (SpamAssassin, `spamSplit` with testFraction 0.2 and a fixed
 * split seed). With `labels: N` both train on `labelledSubset(train, N, seed)`; the text of all
 * training e-mails (never their labels, never a test e-mail) may still shape the vocabularies, as
 * it does the pre-trained model's. Node-only: it reads the corpus unless given a split.
 */
import type { BpeTokenizer } from '../data/text/bpe.js';
import { spamAssassin } from '../data/text/spam-assassin.js';
import { labelledSubset, spamSplit } from '../data/text/spam-split.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { type BagOfWordsOptions, bagOfWordsBaseline } from './bag-of-words.js';
import { type BaselineScore, type LabelledText, checkLabelledTexts } from './baseline-util.js';
import { type LstmBaselineOptions, lstmBaseline } from './lstm-classifier.js';

export interface SpamBaselinesOptions {
  /** Labelled training e-mails: a stratified, seeded subset of this many (default all). */
  labels?: number;
  /** Seeds the labelled subset, the weights and the batch order (default 0). */
  seed?: number;
  /** Seed of the train/test split (default 0): kept fixed across runs so that every run scores the same test e-mails. */
  splitSeed?: number;
  /** The train/test split to use instead of SpamAssassin's (`spamSplit(spamAssassin(), …)`). */
  split?: { train: readonly LabelledText[]; test: readonly LabelledText[] };
  /** The LSTM reads this tokenizer's ids; default a BPE of 4000 trained on the training e-mails' text. */
  tokenizer?: BpeTokenizer;
  /** Tokens the LSTM reads per e-mail, the first ones (default 128). */
  maxLength?: number;
  /** More LSTM options: epochs, batchSize, learningRate, units, embeddingDim, bidirectional, pooling, vocabSize. */
  lstm?: Omit<LstmBaselineOptions, 'train' | 'test' | 'tokenizer' | 'tokenizerTexts' | 'maxLength' | 'seed'>;
  /** More bag-of-words options: epochs, batchSize, learningRate, l2, vocabularySize. */
  bagOfWords?: Omit<BagOfWordsOptions, 'train' | 'test' | 'vocabularyTexts' | 'seed'>;
}

export interface SpamBaselinesResult {
  lstm: BaselineScore;
  bagOfWords: BaselineScore;
  /** Labelled training e-mails used. */
  labels: number;
  /** Test e-mails scored. */
  testSize: number;
}

/**
 * Train and score both baselines on the spam task.
 * @example const { lstm, bagOfWords } = await spamBaselines({ labels: 200, seed: 1 })
 */
export async function spamBaselines(options?: SpamBaselinesOptions): Promise<SpamBaselinesResult> {
  const fn = 'spamBaselines';
  const o = checkOptions(
    fn,
    options,
    ['labels', 'seed', 'splitSeed', 'split', 'tokenizer', 'maxLength', 'lstm', 'bagOfWords'],
    '{ labels: 200, seed: 0 }',
  ) as SpamBaselinesOptions;
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ArgumentError(`${fn}: got seed=${describe(seed)}; expected an integer`);
  const { train, test } = o.split ?? spamSplit(spamAssassin(), { testFraction: 0.2, seed: o.splitSeed ?? 0 });
  checkLabelledTexts(fn, 'split.train', train);
  checkLabelledTexts(fn, 'split.test', test);
  const labelled = o.labels === undefined ? [...train] : labelledSubset(train, o.labels, seed);
  const allTrainText = train.map((e) => e.text);
  const bagOfWords = await bagOfWordsBaseline({
    ...o.bagOfWords,
    train: labelled,
    test,
    vocabularyTexts: allTrainText,
    seed,
  });
  const lstm = await lstmBaseline({
    ...o.lstm,
    train: labelled,
    test,
    tokenizer: o.tokenizer,
    tokenizerTexts: allTrainText,
    maxLength: o.maxLength,
    seed,
  });
  return { lstm, bagOfWords, labels: labelled.length, testSize: test.length };
}
