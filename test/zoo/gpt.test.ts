import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT, generate, sampleLogits } from '../../src/zoo/gpt.js';
import { loadGpt, pretrainGpt } from '../../src/zoo/gpt-train.js';
import { writeFolderAtomic } from '../../src/io/folders.js';
import { manualSeed } from '../../src/tensor/random.js';
import { BpeTokenizer } from '../../src/data/text/bpe.js';
import { mobyDick } from '../../src/data/text/corpora.js';
import { fromHostValues } from '../../src/tensor/creation.js';
import { noGrad } from '../../src/autograd/mode.js';

const tiny = { vocabSize: 11, context: 8, layers: 2, heads: 2, width: 16 };

/** A run of seconds: a one-layer, 16-wide GPT on 3,000 characters. */
const tinyRun = {
  corpus: 'moby-dick' as const,
  chars: 3000,
  layers: 1,
  heads: 2,
  width: 16,
  context: 16,
  batchSize: 4,
  evalWindows: 2,
};

function ids(values: number[], batch = 1): ReturnType<typeof fromHostValues> {
  return fromHostValues(Int32Array.from(values), [batch, values.length / batch]);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('GPT: logits [batch, time, vocab]; the parameter count of the tied and untied heads', () => {
  manualSeed(0);
  const tied = new GPT(tiny);
  const y = tied.call(ids([1, 2, 3, 4, 5, 6], 2));
  assert.deepEqual(y.shape, [2, 3, 11]);
  // wte 11·16 + wpe 8·16 + per block (attention 4·16·16 + 4·16, MLP 2·16·64 + 64 + 16, 2 norms 4·16) + ln_f 32.
  const block = 4 * 16 * 16 + 4 * 16 + 2 * 16 * 64 + 64 + 16 + 4 * 16;
  assert.equal(tied.numParameters(), 11 * 16 + 8 * 16 + 2 * block + 32);
  const untied = new GPT({ ...tiny, tied: false });
  assert.equal(untied.numParameters(), tied.numParameters() + 11 * 16);
});

test('GPT: a sequence longer than the context and ids outside the vocabulary are refused, by name', () => {
  manualSeed(0);
  const model = new GPT(tiny);
  assert.throws(
    () => model.call(ids([1, 2, 3, 4, 5, 6, 7, 8, 9])),
    /got a sequence of 9 tokens; expected at most context=8/,
  );
  assert.throws(() => model.call(ids([1, 2, 11])), /11.*(vocabulary|0\.\.10|\[0, 11\))/);
  assert.throws(() => generate(model, [1, 12], { tokens: 2 }), /prompt id 12 at position 1 is outside the vocabulary/);
  const cache = model.emptyCache();
  noGrad(() => model.step(ids([1, 2, 3, 4, 5, 6]), cache));
  assert.throws(() => model.step(ids([1, 2, 3]), cache), /9 tokens \(6 cached \+ 3 new\)/);
  assert.throws(() => new GPT({ ...tiny, heads: 3 }), /width to be a multiple of heads/);
  assert.throws(() => new GPT({ ...tiny, depth: 2 } as never), /depth/);
});

test('GPT.step with a KV cache gives the logits of the full forward pass, token by token', () => {
  for (const tied of [true, false]) {
    manualSeed(1);
    const model = new GPT({ ...tiny, tied }).eval();
    const seq = [3, 1, 4, 1, 5, 9, 2, 6];
    noGrad(() => {
      const full = model.call(ids(seq)).toFlatArray();
      const cache = model.emptyCache();
      // A prefill of three tokens, then one token per step.
      const parts = [model.step(ids(seq.slice(0, 3)), cache)];
      for (let t = 3; t < seq.length; t++) parts.push(model.step(ids([seq[t]]), cache));
      const cached = parts.flatMap((p) => Array.from(p.toFlatArray()));
      assert.equal(cache.length, 8);
      assert.ok(maxAbsDiff(full, cached) < 1e-5, `tied=${tied}: cached logits differ by ${maxAbsDiff(full, cached)}`);
    });
  }
});

test('generate: greedy decoding with the cache equals greedy decoding without it, past the context too', () => {
  manualSeed(2);
  const model = new GPT({ ...tiny, vocabSize: 7, context: 6 });
  const withCache = generate(model, [1, 2], { tokens: 20, temperature: 0 });
  const without = generate(model, [1, 2], { tokens: 20, temperature: 0, cache: false });
  assert.equal(withCache.length, 20);
  assert.deepEqual(Array.from(withCache), Array.from(without));
  // Sampling is seeded: the same seed, the same text; with and without the cache.
  const a = generate(model, [1], { tokens: 15, temperature: 1.5, topK: 5, topP: 0.9, seed: 7 });
  const b = generate(model, [1], { tokens: 15, temperature: 1.5, topK: 5, topP: 0.9, seed: 7, cache: false });
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.ok(model.training, 'generate leaves the model in the mode it found');
});

test('sampleLogits: greedy, top-k, top-p and temperature', () => {
  const logits = [0.1, 2, 1.9, -1, 0];
  assert.equal(
    sampleLogits(logits, { temperature: 0 }, () => 0.5),
    1,
  );
  assert.equal(
    sampleLogits(logits, { topK: 1 }, () => 0.99),
    1,
  );
  // top-p 0.5 keeps the two best (≈ 0.39 + 0.35 of the mass), so a draw can never leave them.
  for (const u of [0, 0.3, 0.6, 0.999]) assert.ok([1, 2].includes(sampleLogits(logits, { topP: 0.5 }, () => u)));
  // A tiny temperature is nearly greedy; a huge one nearly uniform.
  assert.equal(
    sampleLogits(logits, { temperature: 1e-3 }, () => 0.999),
    1,
  );
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < 100; i++) counts[sampleLogits(logits, { temperature: 1e6 }, () => (i + 0.5) / 100)]++;
  assert.deepEqual(counts, [20, 20, 20, 20, 20]);
  assert.throws(() => sampleLogits(logits, { topP: 0 }, Math.random), /topP=0; expected a number in \(0, 1\]/);
  assert.throws(() => sampleLogits(logits, { topK: 0 }, Math.random), /topK=0; expected an integer >= 1/);
});

test('pretrainGpt: a tiny GPT on 8 KB of Moby Dick ends below the bigram validation loss', () => {
  const r = pretrainGpt({
    corpus: 'moby-dick',
    chars: 8000,
    layers: 1,
    heads: 4,
    width: 64,
    context: 32,
    batchSize: 32,
    steps: 200,
    lr: 1e-2,
    evalInterval: 1000,
    evalWindows: 16,
  });
  assert.equal(r.steps, 200);
  assert.ok(
    r.valLoss < r.bigramValLoss,
    `validation loss ${r.valLoss} should be below the bigram baseline's ${r.bigramValLoss}`,
  );
  assert.ok(r.losses[199] < r.losses[0] - 1, `training loss ${r.losses[0]} → ${r.losses[199]}`);
  // One token per character: the loss per character is the loss per token.
  assert.equal(r.valLossPerChar, r.valLoss);
});

test('pretrainGpt with BPE tokens: the tokenizer learns from the training text only; losses per token and per character', () => {
  const text = mobyDick.loadText({ limit: 3 }).slice(0, 20000);
  const r = pretrainGpt({
    text,
    tokenizer: 'bpe',
    vocabSize: 400,
    layers: 1,
    heads: 2,
    width: 32,
    context: 32,
    batchSize: 8,
    steps: 30,
    lr: 1e-2,
    evalInterval: 1000,
    evalWindows: 4,
  });
  assert.ok(r.tokenizer instanceof BpeTokenizer);
  assert.equal(r.config.vocabSize, 400);
  assert.deepEqual(r.tokenizer.toJSON(), BpeTokenizer.train(text.slice(0, 18000), { vocabSize: 400 }).toJSON());
  const chars = r.valLoss / r.valLossPerChar;
  assert.ok(chars > 2 && chars < 6, `${chars} characters per token`);
  assert.ok(Math.abs(r.bigramValLossPerChar / r.bigramValLoss - 1 / chars) < 1e-12);
  assert.throws(() => pretrainGpt({ text, vocabSize: 400, steps: 1 }), /vocabSize=400 with character tokens/);
});

/** The tensors of a weights file, as plain arrays. */
function weightsOf(dir: string): Record<string, number[]> {
  const { model } = loadGpt(dir);
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.toFlatArray())]));
}

test('pretrainGpt: interrupted and resumed equals uninterrupted, bit for bit (with dropout)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-gpt-'));
  try {
    const base = { ...tinyRun, steps: 12, dropout: 0.1, evalInterval: 4, checkpointInterval: 100, seed: 3 };
    const whole = pretrainGpt({ ...base, out: join(root, 'whole') });
    const first = pretrainGpt({ ...base, out: join(root, 'split'), stopAfter: 5 });
    assert.equal(first.steps, 5);
    assert.deepEqual(first.losses, whole.losses.slice(0, 5));
    // Only the finished folder is left: no temporary folder beside it.
    assert.deepEqual(readdirSync(root).sort(), ['split', 'whole']);
    assert.deepEqual(readdirSync(join(root, 'split')).sort(), ['gen-000001', 'latest']);
    assert.deepEqual(readdirSync(join(root, 'split', 'gen-000001')).sort(), [
      'config.json',
      'manifest.json',
      'model.safetensors',
      'optimizer.safetensors',
      'tokenizer.json',
      'trainer.json',
    ]);
    const resumed = pretrainGpt({ resume: join(root, 'split') });
    assert.equal(resumed.steps, 12);
    assert.deepEqual(resumed.losses, whole.losses);
    // The same evaluations, plus the one taken where the first run stopped.
    assert.deepEqual(
      resumed.evals.filter((e) => e.step !== 5),
      whole.evals,
    );
    assert.equal(resumed.valLoss, whole.valLoss);
    assert.deepEqual(weightsOf(join(root, 'split')), weightsOf(join(root, 'whole')));

    // A different architecture cannot resume it; a missing file is named.
    assert.throws(
      () => pretrainGpt({ resume: join(root, 'split'), width: 32 }),
      /holds a model with width=16; got width=32/,
    );
    const resumedGen = join(root, 'split', readFileSync(join(root, 'split', 'latest'), 'utf8').trim());
    rmSync(join(resumedGen, 'optimizer.safetensors'));
    assert.throws(() => pretrainGpt({ resume: join(root, 'split') }), /optimizer\.safetensors is missing/);
    // Weights of another architecture under this config.json (a plain folder of the files loads too).
    const wholeGen = join(root, 'whole', readFileSync(join(root, 'whole', 'latest'), 'utf8').trim());
    const config = JSON.parse(readFileSync(join(wholeGen, 'config.json'), 'utf8'));
    writeFileSync(join(wholeGen, 'config.json'), JSON.stringify({ ...config, layers: 2 }));
    assert.throws(() => loadGpt(wholeGen), /model\.safetensors does not fit the architecture in .*config\.json/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('pretrainGpt --minutes: the schedule is sized from timed trial steps and the run stops in time', () => {
  const r = pretrainGpt({ ...tinyRun, minutes: 0.02 });
  assert.ok(r.totalSteps >= 1 && r.totalSteps < 5000, `a schedule of ${r.totalSteps} steps for 1.2 s`);
  assert.ok(r.steps <= r.totalSteps);
  assert.ok(r.seconds < 10, `took ${r.seconds} s`);
});

test('writeFolderAtomic: a failure while writing leaves the previous folder whole and no temporary folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-folder-'));
  try {
    const dir = join(root, 'ckpt');
    writeFolderAtomic(dir, (tmp) => writeFileSync(join(tmp, 'a.txt'), 'first'));
    assert.throws(
      () =>
        writeFolderAtomic(dir, (tmp) => {
          writeFileSync(join(tmp, 'a.txt'), 'second, half');
          throw new Error('killed');
        }),
      /killed/,
    );
    assert.deepEqual(readdirSync(root), ['ckpt']);
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'first');
    writeFolderAtomic(dir, (tmp) => writeFileSync(join(tmp, 'b.txt'), 'second'));
    assert.deepEqual(readdirSync(dir), ['b.txt']);
    assert.deepEqual(readdirSync(root), ['ckpt']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
