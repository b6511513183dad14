/**
 * Embedding: the lookup and its scatter-add gradient against PyTorch (F.embedding, with and
 * without padding_idx), finite differences, the layer's options, errors, config round trip,
 * save/load, and use inside Sequential and a custom Module.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  tensor,
  randn,
  manualSeed,
  embedding,
  Embedding,
  Dense,
  Flatten,
  Module,
  Sequential,
  init,
  layerToConfig,
  layerFromConfig,
  loadModel,
  mean,
  concat,
  zeros,
  Adam,
  sparseCategoricalCrossEntropy,
  ArgumentError,
  DTypeError,
  ShapeError,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';
import { tempDir } from '../keras/util.js';

interface EmbeddingCase {
  name: string;
  weight: number[];
  weightShape: [number, number];
  ids: number[];
  idsShape: number[];
  paddingIdx: number | null;
  out: number[];
  outShape: number[];
  w: number[];
  gradWeight: number[];
}

const fixture = loadFixture<{ embedding: EmbeddingCase[] }>('seqblocks.json');
const ids = (values: number[], shape: number[]): Tensor => tensor(values, { shape, dtype: 'int32' });

for (const c of fixture.embedding) {
  test(`embedding op, ${c.name}: output and table gradient match PyTorch's F.embedding`, () => {
    const weight = tensor(c.weight, { shape: c.weightShape, requiresGrad: true });
    const out = embedding(weight, ids(c.ids, c.idsShape), { paddingIdx: c.paddingIdx });
    assert.deepEqual(out.shape, c.outShape);
    assertClose(out.dataSync(), c.out, 1e-6, 1e-6, 'output');
    out
      .mul(tensor(c.w, { shape: c.outShape }))
      .sum()
      .backward();
    assertClose(weight.grad!.dataSync(), c.gradWeight, 1e-5, 1e-5, 'gradient');
  });
}

test('embedding op: finite differences, with repeated ids and a padding row', () => {
  manualSeed(3);
  const x = ids([1, 4, 0, 1, 3, 3, 2, 0], [2, 4]);
  gradcheck((t) => embedding(t, x), [randn([5, 3])]);
  // The padding row gets no gradient by design, so finite differences (which do see it) run over
  // the other rows: the padding row is a constant joined to the differentiated ones.
  const padRow = randn([1, 3]);
  gradcheck((t) => embedding(concat([padRow, t]), x, { paddingIdx: 0 }), [randn([4, 3])]);
  gradcheck((t) => embedding(concat([t, padRow]), x, { paddingIdx: -1 }).tanh(), [randn([4, 3])]);
  gradcheck(
    (t) => embedding(concat([t.slice([0], [3]), padRow, t.slice([3])]), x, { paddingIdx: 3 }).square(),
    [randn([4, 3])],
  );
});

test('embedding op: the padding row is looked up but gets exactly zero gradient', () => {
  const w = tensor(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    { requiresGrad: true },
  );
  const out = embedding(w, ids([2, 2, 1], [3]), { paddingIdx: 2 });
  assert.deepEqual(out.toArray(), [
    [5, 6],
    [5, 6],
    [3, 4],
  ]);
  out.sum().backward();
  assert.deepEqual(w.grad!.toArray(), [
    [0, 0],
    [1, 1],
    [0, 0],
  ]);
});

test('embedding op: ids out of range name the id, its position and the table size', () => {
  const w = randn([4, 2]);
  assert.throws(
    () => embedding(w, ids([0, 1, 2, 3, 7, 1], [2, 3])),
    (e: Error) =>
      e instanceof ArgumentError &&
      /^embedding: token id 7 at position \[1, 1\] is out of range for a table of 4 rows; expected 0 <= id < 4/.test(
        e.message,
      ),
  );
  assert.throws(() => embedding(w, ids([-1], [1])), /token id -1 at position 0/);
  assert.throws(() => embedding(w, tensor([1, 2])), DTypeError);
  assert.throws(() => embedding(randn([4]), ids([1], [1])), ShapeError);
  assert.throws(() => embedding(w, ids([1], [1]), { paddingIdx: 4 }), /paddingIdx=4; expected an integer in \[-4, 4\)/);
});

test('Embedding layer: [batch, time] ids → [batch, time, outputDim], PyTorch layout, padding row zeroed', () => {
  manualSeed(5);
  const layer = new Embedding({ inputDim: 10, outputDim: 4, paddingIdx: 0 });
  assert.deepEqual(layer.weight.shape, [10, 4]);
  assert.equal(layer.embeddings, layer.weight);
  assert.deepEqual((layer.weight.toArray() as number[][])[0], [0, 0, 0, 0]);
  // Keras's default initialiser: U(−0.05, 0.05).
  const values = layer.weight.dataSync();
  assert.ok(values.every((v) => Math.abs(v) <= 0.05));
  const out = layer.call(ids([3, 0, 9, 3, 1, 0], [2, 3]));
  assert.deepEqual(out.shape, [2, 3, 4]);
  assert.deepEqual((out.toArray() as number[][][])[0][1], [0, 0, 0, 0]);
  assert.deepEqual((out.toArray() as number[][][])[0][0], (out.toArray() as number[][][])[1][0]);
  assert.deepEqual(layer.computeOutputShape([null, 7]), [null, 7, 4]);
  assert.equal(layer.toString(), 'Embedding(inputDim=10, outputDim=4, paddingIdx=0)');
  assert.equal(layer.numParameters(), 40);
  const pytorchInit = new Embedding({ inputDim: 3, outputDim: 2, embeddingsInitializer: init.normal({ std: 1 }) });
  assert.deepEqual(pytorchInit.weight.shape, [3, 2]);
});

test('Embedding layer: padding row stays zero through training; finite differences on the layer', () => {
  manualSeed(6);
  const layer = new Embedding({ inputDim: 6, outputDim: 3, paddingIdx: -1, embeddingsInitializer: 'glorot_uniform' });
  assert.equal(layer.paddingIdx, 5);
  const x = ids([1, 5, 5, 2, 0, 5], [2, 3]);
  for (let step = 0; step < 3; step++) {
    layer.zeroGrad();
    layer.call(x).square().sum().backward();
    assert.deepEqual((layer.weight.grad!.toArray() as number[][])[5], [0, 0, 0]);
  }
  const rows = layer.weight.detach().slice([0], [5]);
  gradcheck((w) => embedding(concat([w, zeros([1, 3])]), x, { paddingIdx: 5 }).square(), [rows]);
});

test('Embedding layer: clear errors for bad options and inputs', () => {
  assert.throws(
    () => new Embedding({ inputDim: 0, outputDim: 3 }),
    /Embedding: got inputDim=0; expected a positive integer/,
  );
  assert.throws(() => new Embedding({ inputDim: 5, outputDim: 3, maskZero: true } as never), /Embedding.*maskZero/);
  assert.throws(() => new Embedding({ inputDim: 5, outputDim: 3, paddingIdx: 5 }), /paddingIdx=5/);
  const layer = new Embedding({ inputDim: 5, outputDim: 3 });
  assert.throws(
    () => layer.call(tensor([[1, 2]])),
    (e: Error) => e instanceof DTypeError && /^Embedding: /.test(e.message),
  );
  assert.throws(() => layer.call(ids([1, 5], [1, 2])), /token id 5 at position \[0, 1\].*expected 0 <= id < 5/);
});

test('Embedding layer: config round trip, in Sequential, and save → loadModel', async () => {
  manualSeed(8);
  const layer = new Embedding({ inputDim: 7, outputDim: 2, paddingIdx: 0, inputShape: [4] });
  const config = layerToConfig(layer);
  assert.deepEqual(config.config, {
    inputShape: [4],
    inputDim: 7,
    outputDim: 2,
    embeddingsInitializer: 'uniform',
    paddingIdx: 0,
  });
  const rebuilt = layerFromConfig(JSON.parse(JSON.stringify(config))) as Embedding;
  assert.equal(rebuilt.paddingIdx, 0);
  assert.deepEqual(rebuilt.weight.shape, [7, 2]);

  const model = new Sequential([layer, new Flatten(), new Dense({ units: 2, activation: 'softmax' })]);
  assert.deepEqual(model.computeOutputShape([null, 4]), [null, 2]);
  const x = ids([1, 2, 3, 0, 4, 5, 6, 0, 2, 2, 1, 0, 6, 5, 4, 3], [4, 4]);
  const y = ids([0, 1, 0, 1], [4]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  const { dir, cleanup } = tempDir();
  try {
    await model.save(dir);
    const loaded = loadModel(dir);
    assertClose(loaded.predict(x).dataSync(), model.predict(x).dataSync(), 0, 0, 'predictions');
  } finally {
    cleanup();
  }
});

test('Embedding in a custom Module: learns which tokens mark each class', () => {
  manualSeed(9);
  class Bag extends Module {
    embed = new Embedding({ inputDim: 6, outputDim: 4, paddingIdx: 0 });
    out = new Dense({ units: 2 });
    forward(x: Tensor): Tensor {
      return this.out.call(mean(this.embed.call(x), 1));
    }
  }
  const model = new Bag();
  // Tokens 1-2 mean class 0, tokens 3-5 class 1; 0 pads.
  const x = ids([1, 2, 0, 1, 1, 0, 3, 4, 0, 4, 5, 0, 2, 0, 0, 5, 3, 0], [6, 3]);
  const y = ids([0, 0, 1, 1, 0, 1], [6]);
  model.call(x);
  assert.deepEqual(
    model.namedParameters().map(([n]) => n),
    ['embed.weight', 'out.weight', 'out.bias'],
  );
  const opt = new Adam(model.parameters(), { lr: 0.05 });
  const lossOf = (): Tensor => sparseCategoricalCrossEntropy(model.call(x), y, { fromLogits: true });
  const first = lossOf().item();
  for (let step = 0; step < 60; step++) {
    opt.zeroGrad();
    lossOf().backward();
    opt.step();
  }
  const last = lossOf().item();
  assert.ok(last < 0.1 * first, `loss ${first} → ${last}`);
  assert.deepEqual((model.embed.weight.toArray() as number[][])[0], [0, 0, 0, 0], 'the padding row never moved');
});
