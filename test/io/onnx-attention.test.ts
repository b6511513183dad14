/**
 * ONNX export of attention and the Transformer encoder layer (composed of MatMul, Softmax and
 * reshapes), with the positional layers, checked against onnxruntime-web. Traced with 3 time
 * steps and run with more, so the causal mask and the positional tables must follow the input's
 * length inside the graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import {
  Dense,
  Embedding,
  LayerNormalization,
  Model,
  MultiHeadAttention,
  PositionalEmbedding,
  Sequential,
  SinusoidalPositionalEncoding,
  Transformer,
  TransformerEncoder,
  TransformerEncoderLayer,
  manualSeed,
  noGrad,
  randint,
  randn,
  toOnnx,
  type AnyModule,
  type Tensor,
} from '../../src/index.js';

ort.env.wasm.numThreads = 1;

async function largestDifference(model: AnyModule, x: Tensor, options = {}): Promise<number> {
  const { data } = await toOnnx(model, options);
  const session = await ort.InferenceSession.create(data);
  const values = x.dtype === 'int32' ? Int32Array.from(x.toFlatArray()) : Float32Array.from(x.toFlatArray());
  const feed = new ort.Tensor(x.dtype === 'int32' ? 'int32' : 'float32', values, [...x.shape]);
  const result = await session.run({ input: feed });
  model.eval();
  const y = noGrad(() => model.call(x)) as Tensor;
  assert.deepEqual([...result.output.dims], [...y.shape], 'output shape');
  const theirs = result.output.data as Float32Array;
  return y.toFlatArray().reduce((worst, v, i) => Math.max(worst, Math.abs(v - theirs[i])), 0);
}

test('token ids → Embedding → PositionalEmbedding → post-LN encoder layer → LayerNormalization → Dense', async () => {
  manualSeed(21);
  const model = new Sequential([
    new Embedding({ inputDim: 13, outputDim: 8, inputShape: [null] }),
    new PositionalEmbedding({ maxLength: 16 }),
    new TransformerEncoderLayer({ numHeads: 2, dimFeedforward: 16 }),
    new LayerNormalization(),
    new Dense({ units: 13 }),
  ]);
  assert.ok((await largestDifference(model, randint(0, 13, [2, 7]))) < 1e-4);
});

test('a causal pre-LN GELU encoder stack over sinusoidal positions (odd width)', async () => {
  manualSeed(22);
  const model = new Sequential([
    new Dense({ units: 6, inputShape: [null, 3] }),
    new SinusoidalPositionalEncoding(),
    new TransformerEncoder({
      numLayers: 2,
      numHeads: 3,
      dimFeedforward: 10,
      activation: 'gelu',
      normFirst: true,
      causal: true,
    }),
    new Dense({ units: 5 }),
    new SinusoidalPositionalEncoding(),
  ]);
  assert.ok((await largestDifference(model, randn([2, 6, 3]))) < 1e-4);
});

test('MultiHeadAttention: self-attention in a Sequential, and cross-attention of two layers in a Module', async () => {
  manualSeed(23);
  const self = new Sequential([new MultiHeadAttention({ numHeads: 2, causal: true, inputShape: [null, 4] })]);
  assert.ok((await largestDifference(self, randn([3, 5, 4]))) < 1e-5);
  class Cross extends Model {
    query = new Dense({ units: 4 });
    memory = new Dense({ units: 4 });
    attention = new MultiHeadAttention({ numHeads: 4, useBias: false });
    forward(x: Tensor): Tensor {
      return this.attention.call(this.query.call(x), this.memory.call(x));
    }
  }
  assert.ok((await largestDifference(new Cross(), randn([2, 4, 3]), { inputShape: [null, 3] })) < 1e-5);
});

test('attention masks are refused, naming the layer and the mask', async () => {
  class Padded extends Model {
    attention = new MultiHeadAttention({ numHeads: 1 });
    forward(x: Tensor): Tensor {
      return this.attention.call(x, x, x, { keyPaddingMask: randint(0, 2, [x.shape[0], x.shape[1]]) });
    }
  }
  await assert.rejects(
    toOnnx(new Padded(), { inputShape: [3, 2] }),
    /toOnnx: layer "attention" \(MultiHeadAttention\) was called with keyPaddingMask; masks are not exported/,
  );
});

test('the encoder–decoder Transformer: two graph inputs (source and target of other lengths), causal decoder', async () => {
  manualSeed(24);
  const model = new Transformer({
    numHeads: 2,
    dModel: 8,
    dimFeedforward: 16,
    numEncoderLayers: 1,
    numDecoderLayers: 2,
  });
  const { data, inputs } = await toOnnx(model, {
    inputShapes: [
      [null, 8],
      [null, 8],
    ],
  });
  assert.deepEqual(
    inputs.map((v) => v.shape),
    [
      ['batch', 'input_0_dim1', 8],
      ['batch', 'input_1_dim1', 8],
    ],
  );
  const session = await ort.InferenceSession.create(data);
  const src = randn([2, 5, 8]);
  const tgt = randn([2, 4, 8]);
  const feed = (x: Tensor) => new ort.Tensor('float32', Float32Array.from(x.toFlatArray()), [...x.shape]);
  const result = await session.run({ input_0: feed(src), input_1: feed(tgt) });
  model.eval();
  const y = noGrad(() => model.call(src, tgt));
  assert.deepEqual([...result.output.dims], [...y.shape]);
  const theirs = result.output.data as Float32Array;
  assert.ok(y.toFlatArray().every((v, i) => Math.abs(v - theirs[i]) < 1e-4));
});
