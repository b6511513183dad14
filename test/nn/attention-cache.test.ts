/**
 * Incremental decoding: MultiHeadAttention.step and TransformerEncoderLayer.step over an
 * AttentionCache give the last positions of the full causal forward pass (within 1e-5), whatever
 * the split into steps; the cache is allocated once and reused after reset; misuse is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttentionCache,
  MultiHeadAttention,
  TransformerEncoderLayer,
  type Tensor,
  manualSeed,
  noGrad,
  randn,
  sliceAxis,
  concat,
} from '../../src/index.js';
import { assertClose } from '../helpers/gradcheck.js';

/** Run `x` [batch, time, d] through `step` in pieces of the given lengths; the outputs joined. */
function stepwise(x: Tensor, pieces: number[], step: (piece: Tensor) => Tensor): Tensor {
  const outs: Tensor[] = [];
  let at = 0;
  for (const n of pieces) {
    outs.push(step(sliceAxis(x, 1, at, at + n)));
    at += n;
  }
  return concat(outs, 1);
}

test('MultiHeadAttention.step equals the full causal forward pass, position for position', () => {
  manualSeed(5);
  const mha = new MultiHeadAttention({ numHeads: 4, dModel: 16 });
  for (const batch of [1, 2]) {
    const x = randn([batch, 9, 16]);
    const full = mha.call(x, null, null, { causal: true });
    for (const pieces of [[1, 1, 1, 1, 1, 1, 1, 1, 1], [3, 1, 1, 4], [9]]) {
      const cache = mha.createCache(12);
      const got = noGrad(() => stepwise(x, pieces, (p) => mha.step(p, cache)));
      assert.equal(cache.length, 9);
      assertClose(got.toFlatArray(), full.toFlatArray(), 1e-5, 1e-5, `batch ${batch}, pieces ${pieces}`);
    }
  }
});

test('TransformerEncoderLayer.step equals the causal layer (pre-LN and post-LN)', () => {
  for (const normFirst of [true, false]) {
    manualSeed(6);
    const layer = new TransformerEncoderLayer({
      numHeads: 2,
      dModel: 8,
      dimFeedforward: 32,
      dropout: 0,
      activation: 'gelu',
      normFirst,
    });
    const x = randn([1, 6, 8]);
    const full = layer.call(x, { causal: true });
    const cache = layer.self_attn.createCache(6);
    const got = noGrad(() => stepwise(x, [2, 1, 1, 1, 1], (p) => layer.step(p, cache)));
    assertClose(got.toFlatArray(), full.toFlatArray(), 1e-5, 1e-5, `normFirst=${normFirst}`);
  }
});

test('AttentionCache: allocated once, reused after reset; capacity and shape are checked by name', () => {
  manualSeed(7);
  const mha = new MultiHeadAttention({ numHeads: 2, dModel: 8 });
  const cache = mha.createCache(4);
  assert.ok(cache instanceof AttentionCache);
  assert.equal(cache.keys, null);
  noGrad(() => mha.step(randn([1, 3, 8]), cache));
  const keys = cache.keys as Tensor | null;
  assert.deepEqual(keys?.shape, [1, 2, 4, 4]);
  assert.throws(
    () => mha.step(randn([1, 2, 8]), cache),
    /MultiHeadAttention\.step: got 2 new positions after 3 cached; expected at most capacity=4/,
  );
  assert.throws(() => mha.step(randn([2, 1, 8]), cache), /got a cache of shape \[1, ?2, ?4, ?4\].*\[2, 2, 4, 4\]/);
  assert.throws(() => mha.step(randn([1, 1, 8]), {} as AttentionCache), /expected an AttentionCache/);
  assert.throws(() => mha.step(randn([1, 1, 6]), cache), /\[batch, time, 8\]/);
  assert.throws(() => new AttentionCache(0), /AttentionCache: got capacity 0; expected a positive integer/);
  cache.reset();
  assert.equal(cache.length, 0);
  const x = randn([1, 4, 8]);
  const again = mha.step(x, cache);
  assert.equal(cache.keys, keys, 'the same storage after reset');
  assert.equal(again.requiresGrad, false, 'decoding runs under noGrad, even when called outside it');
  assertClose(again.toFlatArray(), mha.call(x, null, null, { causal: true }).toFlatArray(), 1e-5, 1e-5);
});
