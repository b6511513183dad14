/**
 * word2vec and GloVe train alike on WebGPU and on the portable backend from the same seed (the
 * samplers are host data, so both see the same batches): the losses agree step by step, and the
 * pair scores (normalise, gather, dot products, mean) agree too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShuffleRng, WordVocab, backendReady, getBackend, setBackend, type Backend } from '../../src/index.js';
import { scorePairs, trainGlove, trainWord2Vec } from '../../src/zoo/index.js';
import { webgpuSkipReason } from '../helpers/webgpu.js';

const rng = new ShuffleRng(2);
const tokens = Array.from({ length: 3000 }, (_, i) => `t${Math.floor(i / 10) % 4}w${Math.floor(rng.next() * 6)}`);
const vocab = WordVocab.fit(tokens, { minCount: 1 });
const ids = vocab.encode(tokens);
const pairs = [
  ['t0w0', 't0w1'],
  ['t1w2', 't1w3'],
  ['t2w4', 't2w5'],
] as const;

async function run(): Promise<{ losses: number[]; related: number }> {
  const w2v = await trainWord2Vec(ids, vocab, { dim: 8, steps: 10, batchSize: 256, window: 2, subsample: 0 });
  const glove = await trainGlove(ids, vocab, { dim: 8, steps: 10, batchSize: 256, window: 2 });
  const scores = await scorePairs({ vocab, vectors: glove.model.vectors(), config: {} as never }, pairs);
  return { losses: [...w2v.losses, ...glove.losses], related: scores.related };
}

test('word2vec and GloVe losses and pair scores agree on WebGPU and portable', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const before: Backend = getBackend();
  try {
    setBackend('portable');
    const reference = await run();
    await backendReady('webgpu');
    assert.equal(getBackend().name, 'webgpu');
    const gpu = await run();
    gpu.losses.forEach((g, i) => {
      const r = reference.losses[i];
      assert.ok(Math.abs(g - r) <= 1e-4 + 1e-4 * Math.abs(r), `step ${i}: webgpu ${g} vs portable ${r}`);
    });
    assert.ok(Math.abs(gpu.related - reference.related) < 1e-4);
  } finally {
    setBackend(before);
  }
});
