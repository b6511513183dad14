import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, manualSeed, tensor } from '../../src/index.js';
import { bagOfWordsBaseline, bagOfWordsVocabulary } from '../../src/zoo/bag-of-words.js';
import { LstmClassifier, lstmBaseline } from '../../src/zoo/lstm-classifier.js';
import { spamBaselines } from '../../src/zoo/spam-baselines.js';

/**
 * A separable toy task: "spam" texts are drawn from one word list, "ham" from another, with
 * shared filler words; a seeded stream makes it the same every run.
 */
function toyTexts(n: number, seed: number): { text: string; label: 0 | 1 }[] {
  const spam = ['winner', 'prize', 'cash', 'free', 'offer', 'click'];
  const ham = ['meeting', 'project', 'report', 'lunch', 'notes', 'review'];
  const filler = ['the', 'a', 'and', 'to', 'of'];
  let s = seed >>> 0;
  const pick = <T>(xs: readonly T[]): T => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return xs[(s >>> 16) % xs.length];
  };
  return Array.from({ length: n }, (_, i) => {
    const label = (i % 3 === 0 ? 1 : 0) as 0 | 1;
    const words = Array.from({ length: 8 }, (_, k) => (k % 2 === 0 ? pick(label ? spam : ham) : pick(filler)));
    return { text: words.join(' '), label };
  });
}

const train = toyTexts(60, 1);
const testSet = toyTexts(30, 2);
const scoreKeys = ['accuracy', 'f1', 'precision', 'recall', 'seconds'];

function assertLearned(name: string, r: Record<string, number>): void {
  assert.deepEqual(Object.keys(r).sort(), [...scoreKeys].sort(), `${name} keys`);
  // Chance here is 2/3 (always "ham") with F1 0.
  assert.ok(r.accuracy >= 0.9, `${name} accuracy ${r.accuracy}`);
  assert.ok(r.f1 >= 0.85, `${name} F1 ${r.f1}`);
  assert.ok(r.seconds > 0);
}

test('bagOfWordsVocabulary keeps the words in most texts (at least two), with a smoothed idf', () => {
  const { words, idf } = bagOfWordsVocabulary(['Cash cash now', 'cash later', 'now or never', 'once'], 10);
  assert.deepEqual(words, ['cash', 'now']);
  // idf = ln((1 + 4) / (1 + df)) + 1 with df 2 for both.
  for (const v of idf) assert.ok(Math.abs(v - (Math.log(5 / 3) + 1)) < 1e-6);
});

test('bagOfWordsBaseline learns a separable toy task well above chance', async () => {
  assertLearned('bag of words', {
    ...(await bagOfWordsBaseline({ train, test: testSet, epochs: 100, learningRate: 0.1, seed: 0 })),
  });
});

test('lstmBaseline learns a separable toy task well above chance', async () => {
  const r = await lstmBaseline({
    train,
    test: testSet,
    vocabSize: 300,
    maxLength: 12,
    embeddingDim: 8,
    units: 8,
    epochs: 25,
    batchSize: 16,
    learningRate: 0.02,
    seed: 0,
  });
  assertLearned('LSTM', { ...r });
});

test('spamBaselines runs both on a given split and a labelled subset, and checks its options', async () => {
  const r = await spamBaselines({
    split: { train, test: testSet },
    labels: 30,
    seed: 1,
    maxLength: 12,
    lstm: { vocabSize: 300, embeddingDim: 4, units: 4, epochs: 2, batchSize: 16 },
    bagOfWords: { epochs: 2 },
  });
  assert.deepEqual(Object.keys(r).sort(), ['bagOfWords', 'labels', 'lstm', 'testSize']);
  assert.equal(r.labels, 30);
  assert.equal(r.testSize, 30);
  assert.deepEqual(Object.keys(r.lstm).sort(), [...scoreKeys].sort());
  assert.deepEqual(Object.keys(r.bagOfWords).sort(), [...scoreKeys].sort());
  await assert.rejects(spamBaselines({ split: { train, test: testSet }, labels: 61 }), /labelledSubset: got n=61/);
  await assert.rejects(
    spamBaselines({ epochs: 3 } as never),
    (e: Error) => e instanceof ArgumentError && /spamBaselines: unknown option 'epochs'/.test(e.message),
  );
  await assert.rejects(lstmBaseline({ train: [], test: testSet }), /lstmBaseline: got train=/);
});

test('LstmClassifier: padding changes nothing — a text scores the same however much [PAD] follows it', () => {
  manualSeed(3);
  for (const pooling of ['last', 'mean'] as const) {
    const model = new LstmClassifier({ vocabSize: 20, padId: 0, embeddingDim: 4, units: 3, pooling });
    model.eval();
    const short = model.predict(tensor([[5, 7, 9, 0]], { dtype: 'int32' }));
    const long = model.predict(tensor([[5, 7, 9, 0, 0, 0, 0]], { dtype: 'int32' }));
    const other = model.predict(tensor([[5, 7, 9, 11]], { dtype: 'int32' }));
    assert.ok(Math.abs(short.item() - long.item()) < 1e-6, `${pooling}: ${short.item()} vs ${long.item()}`);
    assert.ok(Math.abs(short.item() - other.item()) > 1e-6, `${pooling}: a real token does change it`);
  }
});
