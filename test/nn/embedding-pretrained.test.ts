/**
 * Embedding.fromPretrained: the layer starts from a copy of the given table; frozen (the default)
 * it gets no gradient and fit leaves it as it was while the classifier on top learns; with
 * trainable: true fit changes it. The frozen flag survives getConfig.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense, Embedding, Flatten, Sequential, ShapeError, type Tensor, manualSeed, tensor } from '../../src/index.js';

const table = () => tensor([0, 1, 1, 0, 0.5, 0.5, -1, 0], { shape: [4, 2] });
/** Token pairs whose class is whether token 0 is among them. */
const x = tensor([0, 1, 2, 3, 0, 2, 1, 3, 3, 0, 2, 1], { shape: [6, 2], dtype: 'int32' });
const y = tensor([1, 0, 1, 0, 1, 0], { dtype: 'int32' });

function classifier(trainable: boolean): { model: Sequential; embedding: Embedding } {
  manualSeed(0);
  const embedding = Embedding.fromPretrained(table(), { trainable, inputShape: [2] });
  const model = new Sequential([embedding, new Flatten(), new Dense({ units: 2, activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  return { model, embedding };
}

test('fromPretrained copies the table and is frozen by default', async () => {
  const source = table();
  const layer = Embedding.fromPretrained(source);
  assert.equal(layer.inputDim, 4);
  assert.equal(layer.outputDim, 2);
  assert.equal(layer.weight.requiresGrad, false);
  assert.equal(layer.getConfig().trainable, false);
  source.copy_(tensor([9, 9, 9, 9, 9, 9, 9, 9], { shape: [4, 2] }));
  assert.deepEqual([...(await layer.weight.data())], [0, 1, 1, 0, 0.5, 0.5, -1, 0], 'a copy, not a view');
  const out = layer.call(tensor([2], { dtype: 'int32' }));
  assert.equal(out.requiresGrad, false);
  assert.deepEqual([...(await out.data())], [0.5, 0.5]);
  assert.equal(Embedding.fromPretrained(table(), { trainable: true }).weight.requiresGrad, true);
  assert.throws(() => Embedding.fromPretrained(tensor([1, 2, 3])), ShapeError);
  assert.throws(() => Embedding.fromPretrained(table(), { freeze: true } as never), /Embedding.fromPretrained/);
  assert.throws(
    () => new Embedding({ inputDim: 2, outputDim: 2, trainable: 'no' as never }),
    /trainable="no"|trainable=/,
  );
});

test('a frozen pretrained embedding stays as it was through fit; the classifier on top learns', async () => {
  const { model, embedding } = classifier(false);
  const dense = model.layers[2] as Dense;
  const denseBefore = [...(await (dense.kernel as Tensor).data())];
  await model.fit(x, y, { epochs: 5, batchSize: 3, verbose: 0 });
  assert.deepEqual([...(await embedding.weight.data())], [0, 1, 1, 0, 0.5, 0.5, -1, 0]);
  assert.notDeepEqual([...(await (dense.kernel as Tensor).data())], denseBefore);
});

test('a trainable pretrained embedding is changed by fit', async () => {
  const { model, embedding } = classifier(true);
  await model.fit(x, y, { epochs: 5, batchSize: 3, verbose: 0 });
  assert.notDeepEqual([...(await embedding.weight.data())], [0, 1, 1, 0, 0.5, 0.5, -1, 0]);
});
