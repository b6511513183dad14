import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERT, BertClassifier, poolHidden } from '../../src/zoo/bert.js';
import { maskTokens } from '../../src/zoo/bert-mask.js';
import { loadBert, pretrainBert } from '../../src/zoo/bert-train.js';
import { finetuneBert } from '../../src/zoo/bert-finetune.js';
import { spamAssassin } from '../../src/data/text/spam-assassin.js';
import { spamSplit } from '../../src/data/text/spam-split.js';
import { GPT } from '../../src/zoo/gpt.js';
import { saveGpt } from '../../src/zoo/gpt-train.js';
import { CharTokenizer } from '../../src/data/text/tokenizer.js';
import { BpeTokenizer } from '../../src/data/text/bpe.js';
import { saveTokenizer } from '../../src/data/text/tokenizer-file.js';
import { latestCheckpoint } from '../../src/io/checkpoint-dir.js';
import { manualSeed } from '../../src/tensor/random.js';
import { fromHostValues, tensor } from '../../src/tensor/creation.js';
import { ShuffleRng } from '../../src/data/shuffle.js';

const tiny = { vocabSize: 40, context: 12, layers: 1, heads: 2, width: 16 };

/**
 * Documents that alternate two of ten letters ("c h c h …"): a masked letter is one of the two its
 * row shows (context tells), while its frequency over the corpus says only "one of ten".
 */
function pairDocuments(count: number): string[] {
  const letters = 'abcdefghij'.split('');
  const rng = new ShuffleRng(5);
  return Array.from({ length: count }, () => {
    const start = Math.floor(rng.next() * letters.length);
    return Array.from({ length: 30 }, (_, i) => letters[(start + (i % 2) * 5) % letters.length]).join(' ');
  });
}

const tinyRun = {
  documents: pairDocuments(200),
  vocabSize: 280,
  context: 16,
  layers: 1,
  heads: 2,
  width: 32,
  normFirst: true,
  batchSize: 16,
  evalRows: 32,
  dropout: 0,
};

test('maskTokens: 15 % of regular tokens chosen, 80/10/10 [MASK]/random/kept; [PAD] [CLS] [SEP] never touched', () => {
  manualSeed(3);
  const [batch, t, vocab] = [64, 64, 200];
  const values = new Int32Array(batch * t);
  const rng = new ShuffleRng(9);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < t; i++) {
      const length = 40 + (b % 20);
      values[b * t + i] = i === 0 ? 2 : i === length ? 3 : i > length ? 0 : 5 + Math.floor(rng.next() * (vocab - 5));
    }
  const ids = fromHostValues(values, [batch, t]);
  let regular = 0;
  let chosen = 0;
  let masked = 0;
  let random = 0;
  let kept = 0;
  for (let draw = 0; draw < 10; draw++) {
    const { inputs, labels } = maskTokens(ids, { vocabSize: vocab });
    const x = inputs.dataSync();
    const y = labels.dataSync();
    for (let i = 0; i < values.length; i++) {
      if (values[i] < 5) {
        assert.equal(x[i], values[i], 'a special token is never replaced');
        assert.equal(y[i], -100, 'a special token is never a target');
        continue;
      }
      regular++;
      if (y[i] === -100) {
        assert.equal(x[i], values[i], 'an unchosen token is kept');
        continue;
      }
      assert.equal(y[i], values[i], 'the label of a chosen token is the original');
      chosen++;
      if (x[i] === 4) masked++;
      else if (x[i] !== values[i]) {
        assert.ok(x[i] >= 5 && x[i] < vocab, 'a random replacement is a regular token');
        random++;
      } else kept++;
    }
  }
  // ~16,000 regular tokens a draw: binomial standard errors well under the tolerances.
  assert.ok(Math.abs(chosen / regular - 0.15) < 0.005, `chosen ${chosen / regular}`);
  assert.ok(Math.abs(masked / chosen - 0.8) < 0.015, `[MASK] ${masked / chosen}`);
  // A random draw equal to the original reads as kept (1 in 195).
  assert.ok(Math.abs(random / chosen - 0.1 * (1 - 1 / 195)) < 0.012, `random ${random / chosen}`);
  assert.ok(Math.abs(kept / chosen - (0.1 + 0.1 / 195)) < 0.012, `kept ${kept / chosen}`);
});

test('BERT: hidden [batch, time, width]; the MLM head is tied to the token embedding (no matrix of its own)', () => {
  manualSeed(0);
  const model = new BERT(tiny);
  const ids = fromHostValues(Int32Array.from([2, 7, 8, 9, 3, 0, 2, 10, 11, 12, 13, 3]), [2, 6]);
  const attentionMask = fromHostValues(Int32Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]), [2, 6]);
  const hidden = model.call(ids, { attentionMask });
  assert.deepEqual(hidden.shape, [2, 6, 16]);
  const logits = model.mlmLogits(hidden);
  assert.deepEqual(logits.shape, [2, 6, 40]);
  const vocabShaped = Object.entries(model.stateDict()).filter(([, t]) => t.shape[0] === 40 && t.rank === 2);
  assert.deepEqual(
    vocabShaped.map(([name]) => name),
    ['wte'],
    'the only [vocab, width] matrix is the embedding',
  );
  // Scaling wte scales the head's output (before its bias, which is zero): the head reads wte itself.
  const before = logits.dataSync();
  model.wte.copy_(
    tensor(
      Array.from(model.wte.dataSync(), (v) => 2 * v),
      { shape: [40, 16] },
    ),
  );
  const after = model.mlmLogits(hidden).dataSync();
  for (let i = 0; i < before.length; i += 37) assert.ok(Math.abs(after[i] - 2 * before[i]) < 1e-4);
});

test('BertClassifier: [CLS] and mean pooling give [batch, classes]; mean pooling ignores padding', () => {
  manualSeed(1);
  const ids = fromHostValues(Int32Array.from([2, 7, 8, 3, 0, 0, 2, 9, 10, 11, 12, 3]), [2, 6]);
  const attentionMask = fromHostValues(Int32Array.from([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]), [2, 6]);
  for (const pooling of ['cls', 'mean'] as const) {
    const model = new BertClassifier(new BERT({ ...tiny, dropout: 0 }), { classes: 3, pooling });
    assert.deepEqual(model.call(ids, { attentionMask }).shape, [2, 3]);
  }
  // Closed form: rows [1, 2, 3 | 100] and [4, 5, 6, 7] (width 1) pooled over their real tokens.
  const hidden = tensor([1, 2, 3, 100, 4, 5, 6, 7], { shape: [2, 4, 1] });
  const mask = fromHostValues(Int32Array.from([1, 1, 1, 0, 1, 1, 1, 1]), [2, 4]);
  assert.deepEqual(Array.from(poolHidden(hidden, 'mean', mask).dataSync()), [2, 5.5]);
  assert.deepEqual(Array.from(poolHidden(hidden, 'cls', mask).dataSync()), [1, 4]);
  assert.throws(() => new BertClassifier(new BERT(tiny), { classes: 2, pooling: 'max' as 'cls' }), /pooling="max"/);
});

test('pretrainBert: a tiny BERT’s held-out MLM loss falls and beats the unigram baseline', () => {
  const r = pretrainBert({ ...tinyRun, steps: 120, lr: 3e-3, evalInterval: 40 });
  const first = r.evals[0].valMlmLoss;
  assert.ok(r.valMlmLoss < first, `MLM loss fell: ${first} → ${r.valMlmLoss}`);
  assert.ok(
    r.valMlmLoss < 0.6 * r.unigramMlmLoss,
    `MLM ${r.valMlmLoss} beats the unigram model's ${r.unigramMlmLoss} clearly`,
  );
  assert.ok(r.valMaskedAccuracy > 0.3, `masked accuracy ${r.valMaskedAccuracy}`);
});

test('pretrainBert: stopped and resumed equals uninterrupted, bit for bit (weights, losses, masks)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-bert-'));
  try {
    const run = { ...tinyRun, dropout: 0.1, steps: 6, evalInterval: 2, checkpointInterval: 2 };
    const whole = pretrainBert({ ...run, out: join(root, 'whole') });
    pretrainBert({ ...run, out: join(root, 'split'), stopAfter: 3 });
    const resumed = pretrainBert({ resume: join(root, 'split'), documents: tinyRun.documents });
    assert.equal(resumed.steps, 6);
    assert.deepEqual(resumed.losses, whole.losses);
    const a = whole.model.stateDict();
    const b = resumed.model.stateDict();
    for (const name of Object.keys(a))
      assert.deepEqual(Array.from(b[name].dataSync()), Array.from(a[name].dataSync()), name);
    assert.throws(() => pretrainBert({ resume: join(root, 'split'), width: 64 }), /width=32; got width=64/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bad input is refused by name: a GPT folder, a tokenizer of another vocabulary, an empty corpus, too many labels', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-bert-bad-'));
  try {
    const gpt = join(root, 'gpt');
    saveGpt(gpt, new GPT({ vocabSize: 5, context: 8, layers: 1, heads: 1, width: 8 }), CharTokenizer.fit('abcde'));
    assert.throws(() => loadBert(gpt), /holds a GPT .*expected a BERT encoder's folder/);
    assert.throws(() => finetuneBert({ checkpoint: gpt, seeds: 1 }), /holds a GPT/);

    const bert = join(root, 'bert');
    pretrainBert({ ...tinyRun, steps: 1, evalRows: 4, out: bert });
    assert.throws(
      () => finetuneBert({ checkpoint: bert, emailLimit: 10, labels: 100_000 }),
      /labels=100000; expected at most \d+/,
    );
    // The model files in a plain folder, with a tokenizer of another vocabulary beside them.
    const generation = latestCheckpoint(bert, 'test')!;
    const mixed = join(root, 'mixed');
    mkdirSync(mixed);
    for (const file of ['config.json', 'model.safetensors']) copyFileSync(join(generation, file), join(mixed, file));
    saveTokenizer(BpeTokenizer.train(['a b c d e'], { vocabSize: 300 }), join(mixed, 'tokenizer.json'));
    assert.throws(() => loadBert(mixed), /tokenizer\.json has \d+ tokens; expected a BPE tokenizer of \d+ tokens/);

    assert.throws(() => pretrainBert({ ...tinyRun, documents: [] }), /got 0 documents; expected at least 20/);
    assert.throws(
      () => pretrainBert({ ...tinyRun, documents: Array(40).fill('') }),
      /pretrainBert: got 40 documents whose training part is empty/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('finetuneBert: a tiny pre-trained BERT fine-tuned on a slice of the e-mails beats chance by a margin', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-bert-ft-'));
  try {
    // The slice finetuneBert reads with emailLimit: its training half (text only) is the corpus.
    const emailLimit = 60;
    const { train, test: held } = spamSplit(spamAssassin({ limit: emailLimit }), { seed: 0 });
    const out = join(root, 'bert');
    pretrainBert({
      documents: train.map((e) => e.text),
      vocabSize: 400,
      context: 48,
      layers: 1,
      heads: 2,
      width: 32,
      batchSize: 16,
      steps: 40,
      lr: 3e-3,
      evalRows: 16,
      out,
    });
    const r = finetuneBert({ checkpoint: out, emailLimit, seeds: 1, epochs: 15, batchSize: 16, lr: 3e-3 });
    const spamShare = held.filter((e) => e.label === 1).length / held.length;
    const chance = Math.max(spamShare, 1 - spamShare);
    assert.equal(r.testSamples, held.length);
    t.diagnostic(`pre-trained ${r.pretrained.accuracy}, scratch ${r.scratch.accuracy}, majority class ${chance}`);
    assert.ok(
      r.pretrained.accuracy > chance + 0.1,
      `fine-tuned accuracy ${r.pretrained.accuracy} on ${held.length} test e-mails; the majority class is ${chance}`,
    );
    assert.ok(r.scratch.accuracy > 0 && r.scratch.accuracy <= 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
