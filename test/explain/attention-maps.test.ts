/**
 * attentionMaps: every MultiHeadAttention's per-head weights, in call order, with the model's
 * output unchanged. The first encoder layer's weights are checked against softmax(q·kᵀ/√d)
 * computed on the host in float64 from the layer's own projection weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TransformerEncoder,
  Dense,
  Sequential,
  type Tensor,
  manualSeed,
  randn,
  fromHostValues,
  attentionMaps,
  attentionHead,
  noGrad,
  ArgumentError,
} from '../../src/index.js';
import { GPT } from '../../src/zoo/gpt.js';
import { assertClose } from '../helpers/gradcheck.js';

/** softmax(q_h·k_hᵀ/√hd) for one sample x [t, d], heads from W [3d, d] and b [3d], in float64. */
function hostWeights(x: number[][], w: number[][], b: number[], heads: number): number[] {
  const d = x[0].length;
  const hd = d / heads;
  const project = (row: number[], offset: number): number[] =>
    Array.from({ length: d }, (_, o) => b[offset + o] + row.reduce((s, v, i) => s + v * w[offset + o][i], 0));
  const q = x.map((r) => project(r, 0));
  const k = x.map((r) => project(r, d));
  const out: number[] = [];
  for (let h = 0; h < heads; h++) {
    for (const qi of q) {
      const s = k.map((kj) => {
        let dot = 0;
        for (let c = h * hd; c < (h + 1) * hd; c++) dot += qi[c] * kj[c];
        return dot / Math.sqrt(hd);
      });
      const m = Math.max(...s);
      const e = s.map((v) => Math.exp(v - m));
      const z = e.reduce((a, v) => a + v, 0);
      out.push(...e.map((v) => v / z));
    }
  }
  return out;
}

test('a TransformerEncoder: one map per layer, [batch, heads, t, t], the first equal to the host oracle', () => {
  manualSeed(0);
  const model = new Sequential([
    new TransformerEncoder({ numLayers: 2, numHeads: 2, dimFeedforward: 8, dropout: 0.1 }),
    new Dense({ units: 3 }),
  ]);
  const x = randn([2, 5, 4]);
  model.call(x); // build
  model.train();
  const { output, maps } = attentionMaps(model, x);
  assert.deepEqual(
    maps.map((m) => m.layer),
    ['0.layers.0.self_attn', '0.layers.1.self_attn'],
  );
  assert.ok(model.training, 'the training mode is restored');
  model.eval();
  const plain = noGrad(() => model.call(x));
  assert.deepEqual((output as Tensor).toFlatArray(), plain.toFlatArray(), 'the output is what a plain call gives');
  assert.equal(maps[0].heads, 2);
  assert.deepEqual(maps[0].weights.shape, [2, 2, 5, 5]);
  const params = Object.fromEntries(model.namedParameters());
  const w = params['0.layers.0.self_attn.in_proj_weight'].toArray() as number[][];
  const b = params['0.layers.0.self_attn.in_proj_bias'].toFlatArray();
  const xs = x.toArray() as number[][][];
  const expected = [0, 1].flatMap((n) => hostWeights(xs[n], w, b, 2));
  assertClose(maps[0].weights.dataSync(), expected, 1e-5, 1e-4, 'layer 0 weights');
  // Rows sum to 1 in every layer and head.
  for (const m of maps) {
    const v = m.weights.toFlatArray();
    for (let r = 0; r < v.length / 5; r++)
      assert.ok(Math.abs(v.slice(r * 5, r * 5 + 5).reduce((a, c) => a + c, 0) - 1) < 1e-5);
  }
  assert.deepEqual(attentionHead(maps[1], 1).shape, [2, 5, 5]);
  assert.throws(() => attentionHead(maps[1], 2), /attentionHead: got head 2; expected 0 <= head < 2/);
});

test('the GPT: causal maps per block (nothing above the diagonal), logits unchanged', () => {
  manualSeed(1);
  const gpt = new GPT({ vocabSize: 11, context: 8, layers: 3, heads: 2, width: 16 });
  const ids = fromHostValues(Int32Array.from([1, 2, 3, 4, 5, 6]), [1, 6]);
  const { output, maps } = attentionMaps(gpt, ids);
  assert.equal(maps.length, 3);
  assert.deepEqual(maps[2].weights.shape, [1, 2, 6, 6]);
  const w = maps[0].weights.toArray() as number[][][][];
  for (const head of w[0]) for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) assert.equal(head[i][j], 0);
  assert.deepEqual((output as Tensor).toFlatArray(), noGrad(() => gpt.call(ids)).toFlatArray());
});

test('attentionMaps refuses a model without attention', () => {
  const model = new Sequential([new Dense({ units: 2, inputShape: [3] })]);
  assert.throws(
    () => attentionMaps(model, randn([1, 3])),
    (e: Error) => e instanceof ArgumentError && /has no MultiHeadAttention layer/.test(e.message),
  );
});
