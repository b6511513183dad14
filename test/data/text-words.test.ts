/**
 * Word data for embeddings: the splitter, the vocabulary (min-count, order, JSON), sub-sampling
 * probabilities and the unigram^0.75 noise table against their closed forms, skip-gram pairs
 * within the window, and co-occurrence counts against a hand count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError,
  SkipGramSampler,
  WordVocab,
  cooccurrences,
  keepProbabilities,
  noiseTable,
  splitWords,
} from '../../src/index.js';

test('splitWords lower-cases runs of letters and keeps apostrophes inside words', () => {
  assert.deepEqual(splitWords("Call me Ishmael. The whale's jaw—ten 10 feet; don’t!"), [
    'call',
    'me',
    'ishmael',
    'the',
    "whale's",
    'jaw',
    'ten',
    'feet',
    "don't",
  ]);
  assert.throws(() => splitWords(3 as unknown as string), /splitWords: got 3; expected a string/);
});

test('WordVocab.fit keeps words seen minCount times, most frequent first, ties alphabetical', () => {
  const tokens = 'b a c a b a d c e'.split(' ');
  const vocab = WordVocab.fit(tokens, { minCount: 2 });
  assert.deepEqual(vocab.words, ['a', 'b', 'c']);
  assert.deepEqual(vocab.counts, [3, 2, 2]);
  assert.deepEqual([...vocab.encode(tokens)], [1, 0, 2, 0, 1, 0, 2], 'unknown words are left out');
  assert.equal(WordVocab.fit(tokens, { minCount: 1, maxWords: 2 }).size, 2);
  const back = WordVocab.fromJSON(JSON.parse(JSON.stringify(vocab.toJSON())));
  assert.deepEqual(back.words, vocab.words);
  assert.deepEqual(back.counts, vocab.counts);
  assert.throws(() => vocab.requireId('f', 'zebra'), /f: the word "zebra" is not in the vocabulary of 3 words/);
  assert.throws(() => WordVocab.fit(tokens, { minCount: 9 }), ArgumentError);
  assert.throws(() => WordVocab.fit(tokens, { minCount: 0 }), /minCount=0; expected a positive integer/);
  assert.throws(() => new WordVocab(['a', 'a'], [1, 1]), /listed twice/);
});

test('keepProbabilities is word2vec’s (√(f/t) + 1)·t/f, capped at 1; t = 0 keeps all', () => {
  const counts = [900, 90, 10];
  const t = 0.01;
  const p = keepProbabilities(counts, t);
  const f = 0.9;
  assert.ok(Math.abs(p[0] - (Math.sqrt(f / t) + 1) * (t / f)) < 1e-12);
  assert.equal(p[2], 1, 'rare words are always kept');
  assert.deepEqual([...keepProbabilities(counts, 0)], [1, 1, 1]);
});

test('noiseTable gives each word a share count^0.75 / Σ count^0.75', () => {
  const counts = [1000, 100, 10, 1];
  const table = noiseTable(counts, 100_000);
  const weights = counts.map((c) => c ** 0.75);
  const total = weights.reduce((a, b) => a + b, 0);
  const seen = new Array(4).fill(0);
  for (const id of table) seen[id]++;
  seen.forEach((n, w) => assert.ok(Math.abs(n / table.length - weights[w] / total) < 1e-3, `word ${w}: ${n}`));
});

test('SkipGramSampler pairs each center with words at most `window` away, and repeats under one seed', async () => {
  // Distinct ids in order, so the distance between center and context is the difference of ids.
  const ids = Int32Array.from({ length: 200 }, (_, i) => i);
  const counts = new Array(200).fill(1);
  const options = { batchSize: 300, window: 3, negatives: 4, subsample: 0, seed: 7 };
  const sampler = new SkipGramSampler(ids, counts, options);
  const batch = sampler.nextBatch();
  assert.deepEqual(batch.negatives.shape, [300, 4]);
  const centers = await batch.centers.data();
  const contexts = await batch.contexts.data();
  for (let b = 0; b < 300; b++) {
    const d = Math.abs(centers[b] - contexts[b]);
    assert.ok(d >= 1 && d <= 3, `pair ${centers[b]}, ${contexts[b]}`);
  }
  const again = new SkipGramSampler(ids, counts, options).nextBatch();
  assert.deepEqual([...(await again.negatives.data())], [...(await batch.negatives.data())]);
  assert.throws(() => new SkipGramSampler(ids, counts, { window: 0 }), /window=0; expected a positive integer/);
  assert.throws(() => new SkipGramSampler(Int32Array.of(0, 5), [1, 1]), /id 5 is outside the vocabulary of 2 words/);
});

test('cooccurrences adds 1/distance both ways for words within the window', () => {
  // Text 0 1 2 0 with window 2: (0,1) d1, (1,2) d1, (2,0) d1, (0,2) d2, (1,0) d2 at positions 1 and 3.
  const x = cooccurrences(Int32Array.of(0, 1, 2, 0), 3, { window: 2 });
  const dense = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  x.rows.forEach((r, n) => {
    dense[r][x.cols[n]] = x.values[n];
  });
  assert.deepEqual(dense, [
    [0, 1.5, 1.5],
    [1.5, 0, 1],
    [1.5, 1, 0],
  ]);
  assert.throws(() => cooccurrences(Int32Array.of(0, 3), 3), /id 3 at position 1 is outside the vocabulary/);
});
