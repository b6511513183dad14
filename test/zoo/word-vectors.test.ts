/**
 * word2vec and GloVe on a corpus with planted structure: words come in topics, and a sentence uses
 * the words of one topic only, so words of a topic share their contexts. Both methods must lower
 * their loss and give same-topic pairs a mean cosine well above random pairs and random vectors.
 * The losses are checked against hand-computed values, the pair scores against closed forms, and
 * the saved folder round-trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ShuffleRng, WordVocab, manualSeed, tensor } from '../../src/index.js';
import {
  Glove,
  SkipGram,
  cosineToAll,
  loadWordVectors,
  meanPairCosine,
  saveWordVectors,
  scorePairs,
  trainGlove,
  trainWord2Vec,
  type WordVectors,
} from '../../src/zoo/index.js';

const TOPICS = 6;
const PER_TOPIC = 8;
const word = (topic: number, i: number) => `t${topic}w${i}`;

/** Sentences of 12 words, each sentence from one random topic. */
function plantedCorpus(sentences: number): string[] {
  const rng = new ShuffleRng(3);
  const tokens: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const topic = Math.floor(rng.next() * TOPICS);
    for (let k = 0; k < 12; k++) tokens.push(word(topic, Math.floor(rng.next() * PER_TOPIC)));
  }
  return tokens;
}

const tokens = plantedCorpus(1500);
const vocab = WordVocab.fit(tokens, { minCount: 1 });
const ids = vocab.encode(tokens);
/** One related pair per topic and word: (word i, word i + 1) of the same topic. */
const related = Array.from({ length: TOPICS * (PER_TOPIC - 1) }, (_, n) => {
  const topic = Math.floor(n / (PER_TOPIC - 1));
  const i = n % (PER_TOPIC - 1);
  return [word(topic, i), word(topic, i + 1)] as const;
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test('SkipGram loss is −log σ(u_c·v) − Σ log σ(−u_n·v), averaged over the batch', async () => {
  const model = new SkipGram(3, 2);
  model.input.copy_(tensor([1, 0, 0, 2, 1, 1], { shape: [3, 2] }));
  model.output.copy_(tensor([0.5, -1, 1, 1, -2, 0.5], { shape: [3, 2] }));
  const batch = {
    centers: tensor([0, 1], { dtype: 'int32' }),
    contexts: tensor([1, 2], { dtype: 'int32' }),
    negatives: tensor([2, 0, 0, 0], { shape: [2, 2], dtype: 'int32' }),
  };
  const v = [
    [1, 0],
    [0, 2],
  ];
  const u = [
    [0.5, -1],
    [1, 1],
    [-2, 0.5],
  ];
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1];
  const pair = (c: number, ctx: number, negs: number[]) =>
    -Math.log(sigmoid(dot(u[ctx], v[c]))) - negs.reduce((s, n) => s + Math.log(sigmoid(-dot(u[n], v[c]))), 0);
  const expected = (pair(0, 1, [2, 0]) + pair(1, 2, [0, 0])) / 2;
  assert.ok(Math.abs((await model.call(batch).data())[0] - expected) < 1e-5);
});

test('Glove loss is the mean of min(1, (x/x_max)^α)·(w·c + b + b̃ − log x)²', async () => {
  const model = new Glove(2, 2, { xMax: 10, alpha: 0.5 });
  model.word.copy_(tensor([1, 2, 0, 1], { shape: [2, 2] }));
  model.context.copy_(tensor([0.5, 0.5, -1, 0], { shape: [2, 2] }));
  model.wordBias.copy_(tensor([0.1, -0.2], { shape: [2, 1] }));
  model.contextBias.copy_(tensor([0.3, 0], { shape: [2, 1] }));
  const batch = {
    rows: tensor([0, 1], { dtype: 'int32' }),
    cols: tensor([1, 0], { dtype: 'int32' }),
    counts: tensor([2.5, 40]),
  };
  const e0 = 1 * -1 + 2 * 0 + 0.1 + 0 - Math.log(2.5);
  const e1 = 0 * 0.5 + 1 * 0.5 - 0.2 + 0.3 - Math.log(40);
  const expected = (Math.sqrt(2.5 / 10) * e0 * e0 + 1 * e1 * e1) / 2;
  assert.ok(Math.abs((await model.call(batch).data())[0] - expected) < 1e-5);
});

test('meanPairCosine matches the closed form', async () => {
  const vectors = tensor([1, 0, 0, 1, 1, 1], { shape: [3, 2] });
  const c = await meanPairCosine(vectors, Int32Array.of(0, 0, 2), Int32Array.of(2, 1, 2));
  assert.ok(Math.abs(c - (Math.SQRT1_2 + 0 + 1) / 3) < 1e-6);
});

async function checkQuality(name: string, wv: WordVectors, lossStart: number, lossEnd: number): Promise<void> {
  const s = await scorePairs(wv, related, { seed: 1 });
  assert.ok(lossEnd < 0.9 * lossStart, `${name}: loss ${lossStart} → ${lossEnd}`);
  assert.equal(s.pairsUsed, related.length);
  assert.ok(s.related > s.random + 0.3, `${name}: related ${s.related} vs random ${s.random}`);
  assert.ok(s.related > s.randomVector + 0.3, `${name}: related ${s.related} vs random vectors ${s.randomVector}`);
  assert.ok(Math.abs(s.randomVector) < 0.15, `${name}: random vectors ${s.randomVector}`);
}

test('word2vec learns the planted topics: loss falls, same-topic pairs are far closer than random ones', async () => {
  const r = await trainWord2Vec(ids, vocab, { dim: 16, steps: 120, batchSize: 512, window: 3, subsample: 0, seed: 1 });
  await checkQuality(
    'word2vec',
    { vocab, vectors: r.model.input.detach(), config: {} as never },
    r.lossStart,
    r.lossEnd,
  );
});

test('GloVe learns the planted topics: loss falls, same-topic pairs are far closer than random ones', async () => {
  const r = await trainGlove(ids, vocab, { dim: 16, steps: 150, batchSize: 512, window: 3, seed: 1 });
  assert.ok(r.entries > 0 && r.entries <= vocab.size ** 2);
  await checkQuality('glove', { vocab, vectors: r.model.vectors(), config: {} as never }, r.lossStart, r.lossEnd);
});

test('word vectors save to a folder and load back; a word is nearest to itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-wv-'));
  try {
    manualSeed(0);
    const r = await trainWord2Vec(ids, vocab, { dim: 8, steps: 2, batchSize: 64 });
    const wv: WordVectors = {
      vocab,
      vectors: r.model.input.detach(),
      config: { method: 'word2vec', dim: 8, words: vocab.size, vectors: 'input vectors' },
    };
    const out = join(dir, 'vectors');
    saveWordVectors(out, wv, { context: r.model.output.detach() });
    assert.deepEqual(readdirSync(out).sort(), ['config.json', 'vectors.safetensors', 'vocab.json']);
    const back = loadWordVectors(out);
    assert.deepEqual(back.vocab.words, vocab.words);
    assert.deepEqual(back.config, wv.config);
    assert.deepEqual([...(await back.vectors.data())], [...(await wv.vectors.data())]);
    const cos = await cosineToAll(back, 't0w0').data();
    const self = vocab.id('t0w0') as number;
    assert.ok(Math.abs(cos[self] - 1) < 1e-5);
    assert.ok(cos.every((c) => c <= cos[self] + 1e-6));
    assert.throws(() => cosineToAll(back, 'nope'), /cosineToAll: the word "nope" is not in the vocabulary/);
    assert.throws(() => loadWordVectors(join(dir, 'missing')), /loadWordVectors: .* is not a folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
