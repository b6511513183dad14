import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchNormalization,
  Conv2D,
  Module,
  Sequential,
  type Tensor,
  Parameter,
  tensor,
  randn,
  manualSeed,
  ArgumentError,
  ShapeError,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

interface BatchNormCase {
  xShape: number[];
  axis: number;
  epsilon: number;
  x: number[];
  gamma: number[];
  beta: number[];
  w: number[];
  out: number[];
  dx: number[];
  dgamma: number[];
  dbeta: number[];
}
const fixture = loadFixture<{ batchnorm: BatchNormCase[] }>('nn_layers.json');

/** Per-feature mean and biased variance of x over every axis but `axis`, by plain loops. */
function momentsByHand(x: Tensor, axis: number): { mean: number[]; variance: number[] } {
  const shape = x.shape;
  const features = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const sums = new Array(features).fill(0),
    squares = new Array(features).fill(0),
    counts = new Array(features).fill(0);
  for (let i = 0; i < x.size; i++) {
    const f = Math.floor(i / inner) % features;
    sums[f] += x.dataSync()[i];
    counts[f]++;
  }
  const mean = sums.map((s, f) => s / counts[f]);
  for (let i = 0; i < x.size; i++) {
    const f = Math.floor(i / inner) % features;
    squares[f] += (x.dataSync()[i] - mean[f]) ** 2;
  }
  return { mean, variance: squares.map((s, f) => s / counts[f]) };
}

test('BatchNormalization in training: per-channel mean ≈ 0 and variance ≈ 1 over batch, height and width', () => {
  manualSeed(31);
  const layer = new BatchNormalization();
  const x = randn([8, 5, 4, 3])
    .mul(tensor([3, 0.5, 10]))
    .add(tensor([-2, 7, 0.25]));
  const y = layer.call(x);
  assert.deepEqual(y.shape, x.shape);
  const { mean, variance } = momentsByHand(y, 3);
  assertClose(mean, [0, 0, 0], 1e-5);
  // var(y) = var(x) / (var(x) + epsilon): ≈ 1, a little less for the channel with the smallest spread.
  const { variance: vx } = momentsByHand(x, 3);
  assertClose(
    variance,
    vx.map((v) => v / (v + 1e-3)),
    1e-4,
  );
  assertClose(variance, [1, 1, 1], 1e-2);
  assert.deepEqual(
    layer.namedParameters().map(([n, p]) => [n, p.shape]),
    [
      ['gamma', [3]],
      ['beta', [3]],
    ],
  );
  assert.deepEqual(
    layer.namedBuffers().map(([n]) => n),
    ['movingMean', 'movingVariance'],
  );
  assert.deepEqual(Object.keys(layer.stateDict()), ['gamma', 'beta', 'movingMean', 'movingVariance']);
  assert.ok(
    layer.buffers().every((b) => !b.requiresGrad && !(b instanceof Parameter)),
    'moving statistics are not trained',
  );
});

test("BatchNormalization matches PyTorch's training-mode forward and gradients (any feature axis)", () => {
  for (const c of fixture.batchnorm) {
    const what = `shape ${c.xShape}, axis ${c.axis}`;
    const layer = new BatchNormalization({ axis: c.axis, epsilon: c.epsilon });
    const x = tensor(c.x, { shape: c.xShape, requiresGrad: true });
    layer.build(x.shape);
    layer.gamma!.copy_(c.gamma);
    layer.beta!.copy_(c.beta);
    const y = layer.call(x);
    assertClose(y.dataSync(), c.out, 1e-4, 1e-4, `${what} out`);
    y.mul(tensor(c.w, { shape: c.xShape }))
      .sum()
      .backward();
    assertClose(x.grad!.dataSync(), c.dx, 2e-4, 1e-3, `${what} dx`);
    assertClose(layer.gamma!.grad!.dataSync(), c.dgamma, 1e-4, 1e-4, `${what} dgamma`);
    assertClose(layer.beta!.grad!.dataSync(), c.dbeta, 1e-4, 1e-4, `${what} dbeta`);
    assert.equal(layer.movingMean!.grad, null);
  }
});

test('BatchNormalization moving statistics follow moving·momentum + batch·(1 − momentum) with the biased variance', () => {
  manualSeed(32);
  const momentum = 0.9;
  const layer = new BatchNormalization({ momentum });
  const batches = [randn([6, 2]).mul(2).add(1), randn([6, 2]).sub(3)];
  let expectedMean = [0, 0],
    expectedVariance = [1, 1];
  for (const x of batches) {
    layer.call(x);
    const { mean, variance } = momentsByHand(x, 1);
    expectedMean = expectedMean.map((m, f) => m * momentum + mean[f] * (1 - momentum));
    expectedVariance = expectedVariance.map((v, f) => v * momentum + variance[f] * (1 - momentum));
    assertClose(layer.movingMean!.dataSync(), expectedMean, 1e-6);
    assertClose(layer.movingVariance!.dataSync(), expectedVariance, 1e-6);
  }
  // Inference reads the moving statistics and changes nothing.
  layer.eval();
  const before = layer.movingMean!.toFlatArray();
  const x = randn([3, 2]);
  const y = layer.call(x);
  assert.deepEqual(layer.movingMean!.toFlatArray(), before);
  const expected = x.toFlatArray().map((v, i) => (v - expectedMean[i % 2]) / Math.sqrt(expectedVariance[i % 2] + 1e-3));
  assertClose(y.dataSync(), expected, 1e-5);
  // gamma and beta apply in eval too.
  layer.gamma!.copy_([2, -1]);
  layer.beta!.copy_([0.5, 3]);
  assertClose(
    layer.call(x).dataSync(),
    expected.map((v, i) => (i % 2 ? -v + 3 : 2 * v + 0.5)),
    1e-5,
  );
});

test('BatchNormalization gradcheck in training mode, through the batch statistics', () => {
  manualSeed(33);
  const layer = new BatchNormalization({ axis: -1, epsilon: 0.1 });
  const x = randn([4, 2, 3]);
  layer.build(x.shape);
  const gamma = new Parameter(tensor([1.5, -0.5, 0.8]));
  const beta = new Parameter(tensor([0.1, 0.2, -0.3]));
  gradcheck(
    (xi, g, b) => {
      layer.gamma = g as Parameter;
      layer.beta = b as Parameter;
      return layer.call(xi);
    },
    [x, gamma, beta],
    { eps: 1e-2, atol: 3e-2, rtol: 3e-2 },
  );
});

test('BatchNormalization options: center/scale off, axis 1, inputShape builds at once, shapes checked', () => {
  const plain = new BatchNormalization({ center: false, scale: false, inputShape: [4] });
  assert.equal(plain.built, true);
  assert.deepEqual(plain.parameters(), []);
  assert.deepEqual(Object.keys(plain.stateDict()), ['movingMean', 'movingVariance']);
  const x = randn([5, 4]);
  const { mean } = momentsByHand(plain.call(x), 1);
  assertClose(mean, [0, 0, 0, 0], 1e-5);

  const channelsFirst = new BatchNormalization({ axis: 1 });
  channelsFirst.call(randn([2, 3, 4, 4]));
  assert.equal(channelsFirst.features, 3);
  assert.deepEqual(channelsFirst.computeOutputShape([null, 3, 7, 7]), [null, 3, 7, 7]);

  const model = new Sequential([
    new Conv2D({ filters: 6, kernelSize: 3, inputShape: [8, 8, 2] }),
    new BatchNormalization(),
  ]);
  assert.equal(model.numParameters(), 3 * 3 * 2 * 6 + 6 + 6 + 6);
  assert.throws(
    () => model.at(1).call(randn([1, 6, 6, 5])),
    (e: Error) =>
      e instanceof ShapeError &&
      /expected rank 4 with 6 features on axis -1 \(the layer was built for that\)/.test(e.message),
  );
  assert.throws(() => model.at(1).call(randn([6, 6])), ShapeError);
  assert.throws(
    () => new BatchNormalization().call(randn([5])),
    (e: Error) => e instanceof ShapeError && /expected a batch axis first/.test(e.message),
  );
  assert.throws(() => new BatchNormalization({ axis: 0 }).build([null, 3]), ShapeError);
  assert.throws(
    () => new BatchNormalization({ momentum: 1.5 }),
    (e: Error) => e instanceof ArgumentError && /momentum=1.5; expected a number in \[0, 1\]/.test(e.message),
  );
  assert.throws(
    () => new BatchNormalization({ epsilon: 0 }),
    (e: Error) => e instanceof ArgumentError && /epsilon=0/.test(e.message),
  );
  assert.throws(() => new BatchNormalization({ axis: 1.5 }), ArgumentError);
  assert.throws(
    () => new BatchNormalization({ center: 'yes' } as never),
    (e: Error) => e instanceof ArgumentError && /center="yes"; expected true or false/.test(e.message),
  );

  // A custom module's shapes come from a trial run in eval mode: the moving statistics stay as
  // they were, the lazy layer inside gets built, and the training mode is restored.
  class Block extends Module {
    bn = new BatchNormalization();
    forward(x: Tensor): Tensor {
      return this.bn.call(x).mul(2);
    }
  }
  const block = new Block();
  const batch = randn([4, 3]).add(5);
  assert.deepEqual(block.computeOutputShape([null, 3]), [null, 3]);
  assert.ok(block.bn.built && block.training && block.bn.training);
  assert.deepEqual(block.bn.movingMean!.toFlatArray(), [0, 0, 0]);
  assert.deepEqual(block.bn.movingVariance!.toFlatArray(), [1, 1, 1]);
  block.call(batch);
  assert.ok(
    block.bn.movingMean!.toFlatArray().every((m) => m > 0.02),
    'a training call does update them',
  );
});
