/**
 * LayerNormalization, MultiHeadAttention and the positional layers: PyTorch's values (forward,
 * attention weights and gradients with the same weights), finite differences, masks, errors, and
 * the layer registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LayerNormalization,
  MultiHeadAttention,
  PositionalEmbedding,
  SinusoidalPositionalEncoding,
  Sequential,
  Dense,
  type Tensor,
  tensor,
  randn,
  zeros,
  manualSeed,
  layerNorm,
  scaledDotProductAttention,
  layerToConfig,
  layerFromConfig,
  ArgumentError,
  ShapeError,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';
import { backprop, checkTorchGrads, type Entry, fromEntry, loadTorchParams, maskOf } from '../helpers/torch-state.js';

interface LayerNormCase {
  normalizedShape: number[];
  epsilon: number;
  x: Entry;
  params: Record<string, Entry>;
  w: number[];
  out: number[];
  dx: number[];
  grads: Record<string, number[]>;
}
interface AttentionCase {
  name: string;
  kind: 'self' | 'cross' | 'separate';
  numHeads: number;
  causal: boolean;
  params: Record<string, Entry>;
  query: Entry;
  key?: Entry;
  value?: Entry;
  keyPaddingMask?: number[];
  w: number[];
  out: Entry;
  weights: Entry;
  dquery: number[];
  dkey?: number[];
  dvalue?: number[];
  grads: Record<string, number[]>;
}
const fixture = loadFixture<{ layernorm: LayerNormCase[]; attention: AttentionCase[] }>('attention.json');

test("LayerNormalization matches torch.nn.LayerNorm's forward and gradients (one and two normalised axes)", () => {
  for (const c of fixture.layernorm) {
    const what = `normalized_shape ${c.normalizedShape}`;
    const axes = c.normalizedShape.map((_, i) => i - c.normalizedShape.length);
    const layer = new LayerNormalization({ axis: axes.length === 1 ? -1 : axes, epsilon: c.epsilon });
    const x = fromEntry(c.x, true);
    layer.build(x.shape);
    assert.deepEqual(layer.normalizedShape, c.normalizedShape);
    loadTorchParams(layer, c.params);
    const y = layer.call(x);
    assertClose(y.dataSync(), c.out, 1e-4, 1e-4, `${what} out`);
    backprop(y, c.w);
    assertClose(x.grad!.dataSync(), c.dx, 2e-4, 1e-3, `${what} dx`);
    checkTorchGrads(layer, c.grads, what);
  }
});

test('LayerNormalization: each row has mean 0 and variance ≈ 1, the same in eval mode; Keras names and options', () => {
  manualSeed(71);
  const layer = new LayerNormalization();
  assert.equal(layer.epsilon, 1e-5, "PyTorch's default epsilon");
  const x = randn([3, 4, 10]).mul(5).add(2);
  const y = layer.call(x);
  const rows = y.dataSync();
  for (let r = 0; r < 12; r++) {
    const row = Array.from(rows.subarray(r * 10, r * 10 + 10));
    const m = row.reduce((a, b) => a + b, 0) / 10;
    const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / 10;
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(v - 1) < 1e-3, `row ${r}: mean ${m}, variance ${v}`);
  }
  assert.deepEqual(layer.eval().call(x).dataSync(), rows, 'no statistics kept between batches');
  assert.equal(layer.gamma, layer.weight);
  assert.equal(layer.beta, layer.bias);
  assert.deepEqual(Object.keys(layer.stateDict()), ['weight', 'bias']);
  const plain = new LayerNormalization({ center: false, scale: false });
  plain.call(x);
  assert.equal(plain.numParameters(), 0);
  assertClose(plain.call(x).dataSync(), rows, 1e-6);
  // The functional form, and a finite-difference check through weight and bias.
  manualSeed(72);
  const xs = randn([2, 3, 5]);
  const w = randn([5]).mul(0.5).add(1);
  const b = randn([5]);
  gradcheck((a, ww, bb) => layerNorm(a, { weight: ww, bias: bb }), [xs, w, b], { eps: 1e-2 });
  gradcheck((a) => layerNorm(a, { axes: [1, 2], epsilon: 1e-3 }), [randn([2, 3, 4])]);
});

test('LayerNormalization refuses the batch axis, unknown options and inputs it was not built for', () => {
  assert.throws(() => new LayerNormalization({ axis: 0 }).call(zeros([2, 3])), ShapeError);
  assert.throws(() => new LayerNormalization({ eps: 1e-3 } as never), /unknown option 'eps'.*epsilon/);
  assert.throws(() => new LayerNormalization({ epsilon: 0 }), ArgumentError);
  const layer = new LayerNormalization();
  layer.call(zeros([2, 3, 4]));
  assert.throws(() => layer.call(zeros([2, 3, 5])), /expected rank 3 with sizes \[4\]/);
});

function attentionInputs(c: AttentionCase): { q: Tensor; k: Tensor | null; v: Tensor | null } {
  const q = fromEntry(c.query, true);
  const k = c.key ? fromEntry(c.key, true) : null;
  const v = c.value ? fromEntry(c.value, true) : k;
  return { q, k, v };
}

test('MultiHeadAttention matches torch.nn.MultiheadAttention: outputs, per-head weights and every gradient', () => {
  for (const c of fixture.attention) {
    const layer = new MultiHeadAttention({ numHeads: c.numHeads, causal: c.causal });
    const { q, k, v } = attentionInputs(c);
    layer.build(q.shape);
    loadTorchParams(layer, c.params);
    const batch = q.shape[0];
    const keyPaddingMask = c.keyPaddingMask ? maskOf(c.keyPaddingMask, batch) : undefined;
    const { output, weights } = layer.attend(q, k, v, { keyPaddingMask });
    assert.deepEqual(output.shape, c.out.shape, c.name);
    assert.deepEqual(weights.shape, c.weights.shape, `${c.name}: weights [batch, heads, tq, tk]`);
    assertClose(output.dataSync(), c.out.values, 1e-4, 1e-4, `${c.name} out`);
    assertClose(weights.dataSync(), c.weights.values, 1e-5, 1e-4, `${c.name} weights`);
    backprop(output, c.w);
    assertClose(q.grad!.dataSync(), c.dquery, 2e-4, 1e-3, `${c.name} dquery`);
    if (c.dkey) assertClose(k!.grad!.dataSync(), c.dkey, 2e-4, 1e-3, `${c.name} dkey`);
    if (c.dvalue) assertClose(v!.grad!.dataSync(), c.dvalue, 2e-4, 1e-3, `${c.name} dvalue`);
    checkTorchGrads(layer, c.grads, c.name);
  }
});

test('the causal mask: changing a later position leaves earlier outputs unchanged', () => {
  manualSeed(73);
  const layer = new MultiHeadAttention({ numHeads: 2, causal: true });
  const x = randn([1, 5, 4]);
  const before = layer.call(x).dataSync();
  const changed = x.dataSync().slice();
  for (let j = 12; j < 20; j++) changed[j] += 3; // positions 3 and 4
  const after = layer.call(tensor(changed, { shape: [1, 5, 4] })).dataSync();
  assertClose(after.subarray(0, 12), before.subarray(0, 12), 1e-6, 0, 'positions 0-2');
  assert.ok(Math.abs(after[12] - before[12]) > 1e-4, 'position 3 sees its own change');
  // A per-call option overrides the layer's.
  const open = layer.call(tensor(changed, { shape: [1, 5, 4] }), null, null, { causal: false }).dataSync();
  assert.ok(Math.abs(open[0] - before[0]) > 1e-4, 'without the mask position 0 sees the later change');
});

test('a key-padding mask hides padded keys: their values never matter, their weights are 0', () => {
  manualSeed(74);
  const layer = new MultiHeadAttention({ numHeads: 2 });
  const q = randn([2, 3, 4]);
  const kv = randn([2, 5, 4]);
  const mask = tensor([
    [0, 0, 0, 1, 1],
    [0, 0, 0, 0, 0],
  ]).cast('int32');
  const { output, weights } = layer.attend(q, kv, kv, { keyPaddingMask: mask });
  const w = weights.dataSync();
  for (let h = 0; h < 2; h++)
    for (let i = 0; i < 3; i++) {
      const row = (h * 3 + i) * 5;
      assert.equal(w[row + 3], 0);
      assert.equal(w[row + 4], 0);
    }
  const garbage = kv.dataSync().slice();
  for (let j = 12; j < 20; j++) garbage[j] = 100; // batch 0, keys 3 and 4
  const again = layer.call(q, tensor(garbage, { shape: [2, 5, 4] }), null, { keyPaddingMask: mask });
  assertClose(again.dataSync(), output.dataSync(), 1e-6, 0);
  // A float mask with −∞ at padded keys (PyTorch's additive form) reads the same.
  const additive = tensor([
    [0, 0, 0, -Infinity, -Infinity],
    [0, 0, 0, 0, 0],
  ]);
  assertClose(layer.call(q, kv, kv, { keyPaddingMask: additive }).dataSync(), output.dataSync(), 1e-6, 0);
  // A query with no visible key gets zero weights (PyTorch: NaN), and the gradients stay finite.
  const all = tensor([
    [1, 1, 1, 1, 1],
    [0, 0, 0, 0, 1],
  ]).cast('int32');
  const qq = randn([2, 3, 4]).requiresGrad_();
  const hidden = layer.attend(qq, kv, kv, { keyPaddingMask: all });
  assert.ok(
    hidden.weights
      .dataSync()
      .subarray(0, 30)
      .every((p) => p === 0),
  );
  hidden.output.sum().backward();
  assert.ok(qq.grad!.dataSync().every(Number.isFinite));
  assert.ok(layer.in_proj_weight!.grad!.dataSync().every(Number.isFinite));
});

test('MultiHeadAttention passes finite-difference checks with masks (self- and cross-attention)', () => {
  manualSeed(75);
  const layer = new MultiHeadAttention({ numHeads: 2, dModel: 4 });
  const padding = tensor([
    [0, 0, 1],
    [0, 0, 0],
  ]).cast('int32');
  gradcheck((x) => layer.call(x, null, null, { causal: true }), [randn([2, 3, 4])]);
  gradcheck((q, kv) => layer.call(q, kv, kv, { keyPaddingMask: padding }), [randn([2, 2, 4]), randn([2, 3, 4])]);
  // The functional attention with a general mask, through query, key and value (the layer's
  // weight gradients are checked against PyTorch above).
  gradcheck(
    (q, k, v) => scaledDotProductAttention(q, k, v, { mask: tensor([[0, 1, 0]]), causal: true }).output,
    [randn([2, 4, 3]), randn([2, 3, 3]), randn([2, 3, 2])],
  );
});

test('MultiHeadAttention: masks, inputs and options of the wrong shape get clear errors', () => {
  const layer = new MultiHeadAttention({ numHeads: 2, dModel: 4 });
  const x = zeros([2, 3, 4]);
  assert.throws(
    () => layer.call(x, null, null, { keyPaddingMask: zeros([2, 4]) }),
    /keyPaddingMask of shape \[2, 4\]; expected \[2, 3\]/,
  );
  assert.throws(() => layer.call(x, null, null, { attentionMask: zeros([3, 2]) }), /attentionMask of shape \[3, 2\]/);
  assert.throws(() => layer.call(x, zeros([3, 5, 4])), /expected the key to be \[2, tk, 4\]/);
  assert.throws(() => layer.call(x, zeros([2, 5, 4]), zeros([2, 4, 4])), /key and value of the same length/);
  assert.throws(() => layer.call(zeros([2, 3, 6])), /built for dModel 4/);
  assert.throws(() => layer.call(zeros([2, 4])), /expected \[batch, time, dModel\]/);
  assert.throws(() => new MultiHeadAttention({ numHeads: 3 }).call(x), /multiple of numHeads/);
  assert.throws(() => new MultiHeadAttention({ heads: 2 } as never), /unknown option 'heads'/);
  assert.throws(() => layer.call(x, null, null, { padding: x } as never), /unknown option 'padding'/);
});

test('positional layers add a vector per position; a sequence longer than the context is refused', () => {
  manualSeed(76);
  const learned = new PositionalEmbedding({ maxLength: 6 });
  const x = randn([2, 4, 3]);
  const y = learned.call(x);
  assert.deepEqual(learned.weight!.shape, [6, 3]);
  const expected = x.add(learned.weight!.slice([0, 0], [4, 3]));
  assertClose(y.dataSync(), expected.dataSync(), 1e-6);
  assert.throws(
    () => learned.call(zeros([2, 7, 3])),
    /got a sequence of length 7; expected at most maxLength=6 positions/,
  );
  // d sum(y · w) / d weight: the batch's sum of w at the positions used, zero beyond them.
  const w = randn([2, 4, 3]);
  y.mul(w).sum().backward();
  const rows = learned.weight!.grad!.dataSync();
  assertClose(rows.subarray(0, 12), w.sum(0).dataSync(), 1e-5);
  assert.ok(rows.subarray(12).every((g) => g === 0));

  const fixed = new SinusoidalPositionalEncoding({ maxLength: 8 });
  const p = fixed.call(zeros([1, 5, 6])).dataSync();
  for (let pos = 0; pos < 5; pos++)
    for (let i = 0; i < 3; i++) {
      const angle = pos / 10000 ** ((2 * i) / 6);
      assertClose([p[pos * 6 + 2 * i], p[pos * 6 + 2 * i + 1]], [Math.sin(angle), Math.cos(angle)], 1e-5);
    }
  assert.equal(fixed.numParameters(), 0);
  assert.deepEqual(Object.keys(fixed.stateDict()), []);
  assert.deepEqual(new SinusoidalPositionalEncoding().call(zeros([1, 3, 5])).shape, [1, 3, 5], 'odd widths');
  assert.throws(() => fixed.call(zeros([1, 9, 6])), /length 9; expected at most maxLength=8/);
  assert.throws(() => new PositionalEmbedding({} as never), /maxLength/);
});

test('the layers save and load through the registry, in a Sequential with shapes known in advance', () => {
  manualSeed(77);
  const model = new Sequential([
    new PositionalEmbedding({ maxLength: 8, inputShape: [5, 4] }),
    new SinusoidalPositionalEncoding(),
    new MultiHeadAttention({ numHeads: 2, causal: true, dropout: 0.1 }),
    new LayerNormalization({ epsilon: 1e-4 }),
    new Dense({ units: 3 }),
  ]);
  assert.ok(model.isBuilt());
  assert.deepEqual(model.computeOutputShape([null, 5, 4]), [null, 5, 3]);
  const x = randn([2, 5, 4]);
  model.eval();
  const y = model.call(x);
  for (const layer of model.layers.slice(0, 4)) {
    const config = JSON.parse(JSON.stringify(layerToConfig(layer)));
    const back = layerFromConfig(config);
    assert.deepEqual(back.getConfig(), layer.getConfig());
    back.loadStateDict(layer.stateDict());
  }
  const rebuilt = layerFromConfig(JSON.parse(JSON.stringify(layerToConfig(model)))) as Sequential;
  rebuilt.loadStateDict(model.stateDict());
  rebuilt.eval();
  assertClose(rebuilt.call(x).dataSync(), y.dataSync(), 1e-6);
  assert.deepEqual(Object.keys(model.stateDict()).slice(0, 5), [
    '0.weight',
    '2.in_proj_weight',
    '2.in_proj_bias',
    '2.out_proj.weight',
    '2.out_proj.bias',
  ]);
});
