/**
 * ONNX export, checked by an independent runtime: each model is exported, run by onnxruntime-web
 * (its WebAssembly build, in Node) and its outputs compared with tessera's own forward in eval
 * mode, within float32 tolerance. A different batch size from the traced one checks that the
 * batch axis is variable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import {
  Activation,
  Tanh,
  Sigmoid,
  SiLU,
  ReLU,
  LogSoftmax,
  Linear,
  Identity,
  AveragePooling2D,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  ELU,
  GELU,
  GlobalAveragePooling2D,
  LayerNormalization,
  LeakyReLU,
  Embedding,
  MaxPooling2D,
  Model,
  Module,
  Sequential,
  Softmax,
  exportOnnx,
  manualSeed,
  noGrad,
  randn,
  tensor,
  toOnnx,
  type AnyModule,
  type Tensor,
} from '../../src/index.js';
import { seedMnistCnn } from '../../src/zoo/mnist-cnn.js';
import { random } from '../helpers/seeded.js';

ort.env.wasm.numThreads = 1; // the threaded build would start workers the test runner waits on

/** tessera's output (eval mode, as the file computes) and onnxruntime's for the exported file. */
async function bothOutputs(
  model: AnyModule,
  x: Tensor,
  options = {},
): Promise<{ ours: Float32Array; theirs: Float32Array; shape: readonly number[] }> {
  const { data } = await toOnnx(model, options);
  const session = await ort.InferenceSession.create(data);
  const feed =
    x.dtype === 'int32'
      ? new ort.Tensor('int32', Int32Array.from(x.toFlatArray()), [...x.shape])
      : new ort.Tensor('float32', Float32Array.from(x.toFlatArray()), [...x.shape]);
  const result = await session.run({ input: feed });
  model.eval();
  const y = noGrad(() => model.call(x)) as Tensor;
  model.train();
  const out = result.output;
  assert.deepEqual([...out.dims], [...y.shape], 'output shape');
  return { ours: Float32Array.from(y.toFlatArray()), theirs: out.data as Float32Array, shape: y.shape };
}

async function assertSameOutputs(model: AnyModule, x: Tensor, options = {}, tolerance = 1e-5): Promise<void> {
  const { ours, theirs } = await bothOutputs(model, x, options);
  let worst = 0;
  for (let i = 0; i < ours.length; i++)
    worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / (1 + Math.abs(ours[i])));
  assert.ok(worst <= tolerance, `largest relative difference ${worst} > ${tolerance}`);
}

test('an MLP (Dense, activations, Dropout, BatchNormalization) runs in onnxruntime as in tessera', async () => {
  manualSeed(1);
  const model = new Sequential([
    new Dense({ units: 16, activation: 'relu', inputShape: [8] }),
    new BatchNormalization(),
    new Dropout(0.5),
    new Dense({ units: 12, activation: 'gelu' }),
    new LeakyReLU({ alpha: 0.1 }),
    new Dense({ units: 12, activation: 'tanh' }),
    new ELU({ alpha: 0.7 }),
    new Dense({ units: 6, activation: 'selu' }),
    new GELU({ approximate: 'tanh' }),
    new Dense({ units: 6, activation: 'silu', useBias: false }),
    new Activation('softplus'),
    new Dense({ units: 4, activation: 'softmax' }),
  ]);
  // Moving statistics away from 0 and 1, so that BatchNormalization's inference form is exercised.
  const bn = model.at(1) as BatchNormalization;
  bn.movingMean!.copy_(randn([16]).mul(0.3));
  bn.movingVariance!.copy_(randn([16]).abs().add(0.5));
  await assertSameOutputs(model, randn([5, 8]));
});

const ACTIVATIONS = [
  'linear',
  'identity',
  'relu',
  'relu6',
  'sigmoid',
  'hard_sigmoid',
  'tanh',
  'softmax',
  'log_softmax',
  'elu',
  'selu',
  'gelu',
  'gelu_tanh',
  'silu',
  'swish',
  'softplus',
  'softsign',
  'leaky_relu',
  'exponential',
  'mish',
] as const;

test('every named activation, and the activation layers, run in onnxruntime as in tessera', async () => {
  manualSeed(6);
  const x = randn([4, 3]).mul(3); // wide enough to reach relu6's and hard_sigmoid's flat parts
  for (const name of ACTIVATIONS) {
    await assertSameOutputs(new Sequential([new Linear(3, 5), new Activation(name)]), x, { inputShape: [3] });
    await assertSameOutputs(new Sequential([new Dense({ units: 5, inputShape: [3], activation: name })]), x);
  }
  const layers = new Sequential([
    new Dense({ units: 6, inputShape: [3] }),
    new Identity(),
    new ReLU(),
    new Sigmoid(),
    new Tanh(),
    new SiLU(),
    new LogSoftmax(),
    new Softmax({ axis: 1 }),
  ]);
  await assertSameOutputs(layers, x);
});

test("the seed's CNN (Conv2D, MaxPooling2D, Flatten, Dense) runs in onnxruntime as in tessera", async () => {
  manualSeed(2);
  const model = seedMnistCnn();
  const x = randn([3, 28, 28, 1]).abs();
  const { ours, theirs } = await bothOutputs(model, x);
  for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i] - theirs[i]) < 1e-5, `probability ${i}`);
});

test("'same' padding, strides, dilation, average and global pooling, and BatchNormalization on images", async () => {
  manualSeed(3);
  const model = new Sequential([
    new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', strides: 2, activation: 'elu', inputShape: [9, 7, 2] }),
    new BatchNormalization(),
    new Conv2D({ filters: 5, kernelSize: [2, 3], dilationRate: 2, padding: 'same', activation: 'softmax' }),
    new AveragePooling2D({ poolSize: 2, padding: 'same' }),
    new MaxPooling2D({ poolSize: [2, 1], strides: 1 }),
    new GlobalAveragePooling2D(),
    new Dense({ units: 3 }),
  ]);
  const bn = model.at(1) as BatchNormalization;
  bn.movingMean!.copy_(randn([4]).mul(0.3));
  bn.movingVariance!.copy_(randn([4]).abs().add(0.5));
  await assertSameOutputs(model, randn([2, 9, 7, 2]));
});

test('a hand-written Module that chains layers exports the data flow of its forward', async () => {
  manualSeed(4);
  class Net extends Model {
    features = new Sequential([new Dense({ units: 6, activation: 'relu' }), new LayerNormalization()]);
    head = new Dense({ units: 3 });
    norm = new Softmax();
    forward(x: Tensor): Tensor {
      return this.norm.call(this.head.call(this.features.call(x)));
    }
  }
  const net = new Net();
  net.call(randn([1, 5]));
  await assertSameOutputs(net, randn([4, 5]));
});

test('Embedding takes int32 ids; LayerNormalization over the last axis of a sequence', async () => {
  manualSeed(5);
  const model = new Sequential([
    new Embedding({ inputDim: 11, outputDim: 6, inputShape: [null] }),
    new LayerNormalization(),
    new Dense({ units: 2 }),
  ]);
  const next = random(5);
  const ids = tensor(
    Array.from({ length: 12 }, () => Math.floor(next() * 11)),
    { shape: [3, 4], dtype: 'int32' },
  );
  await assertSameOutputs(model, ids);
});

test('a layer with no ONNX mapping is refused, naming the layer and what is missing', async () => {
  class Scale extends Module {
    forward(x: Tensor): Tensor {
      return x.mul(2);
    }
  }
  const model = new Sequential([new Dense({ units: 3, inputShape: [2] }), new Scale()]);
  await assert.rejects(toOnnx(model), /toOnnx: layer "1" \(Scale\) has no ONNX mapping.*registerOnnxMapping\('Scale'/);
  const custom = new Sequential([new Dense({ units: 3, inputShape: [2], activation: (x: Tensor) => x.mul(2) })]);
  await assert.rejects(
    toOnnx(custom),
    /toOnnx: layer "0" \(Dense\) uses a custom activation function, which has no ONNX mapping/,
  );
  class Residual extends Model {
    a = new Dense({ units: 2, inputShape: [2] });
    forward(x: Tensor): Tensor {
      return this.a.call(x).add(x);
    }
  }
  await assert.rejects(
    toOnnx(new Residual(), { inputShape: [2] }),
    /toOnnx: the output of Residual .* is not the output of a layer/,
  );
  await assert.rejects(
    toOnnx(new Sequential([new Dense({ units: 2 })])),
    /toOnnx: the input shape of Sequential is not known; pass \{ inputShape \}/,
  );
});

test('exportOnnx writes the file atomically and describes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-onnx-'));
  try {
    const model = new Sequential([new Dense({ units: 3, inputShape: [4], activation: 'softmax' })]);
    const file = join(dir, 'nested', 'mlp.onnx');
    const summary = await exportOnnx(model, file);
    assert.equal(summary.file, file);
    assert.equal(summary.opset, 17);
    assert.deepEqual(summary.inputs, [{ name: 'input', dtype: 'float32', shape: ['batch', 4] }]);
    assert.deepEqual(summary.outputs, [{ name: 'output', dtype: 'float32', shape: ['batch', 3] }]);
    assert.deepEqual(summary.ops, ['Gemm', 'Identity', 'Softmax']);
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['mlp.onnx'], 'no temporary file is left behind');
    const session = await ort.InferenceSession.create(file);
    assert.deepEqual(session.inputNames, ['input']);
    // A failed export leaves the file as it was.
    const before = readFileSync(file);
    const custom = new Sequential([new Dense({ units: 3, inputShape: [4], activation: (x: Tensor) => x })]);
    await assert.rejects(exportOnnx(custom, file), /custom activation function/);
    assert.deepEqual(readFileSync(file), before);
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['mlp.onnx']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
