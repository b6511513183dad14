/**
 * evaluate and predict: batched, in eval mode, without a graph, and independent of the batch size;
 * custom models (a Model subclass, Model.wrap) train the same way; a softmax or sigmoid output is
 * trained through its logits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Sequential,
  Model,
  Module,
  Dense,
  Dropout,
  type Tensor,
  tensor,
  manualSeed,
  noGrad,
  sparseCategoricalCrossEntropy,
  type Parameter,
  Adam,
  ArgumentError,
} from '../../src/index.js';
import { blobs, blobModel } from './util.js';

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  const aValues = a.dataSync(),
    bValues = b.dataSync();
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(aValues[i] - bValues[i]));
  return m;
}

test('predict: one row per sample, the same for any batch size, eval mode (no dropout), no graph', () => {
  const { x } = blobs(103);
  manualSeed(2);
  const model = new Sequential([
    new Dense({ units: 32, activation: 'relu', inputShape: [2] }),
    new Dropout(0.5),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
  const a = model.predict(x, { batchSize: 7 });
  const b = model.predict(x, { batchSize: 100 });
  const c = model.predict(x);
  assert.deepEqual(a.shape, [103, 3]);
  assert.ok(maxAbsDiff(a, b) < 1e-6 && maxAbsDiff(a, c) < 1e-6, `batch sizes disagree by ${maxAbsDiff(a, b)}`);
  assert.equal(a.requiresGrad, false);
  assert.equal(a.gradFn, null);
  assert.equal(model.training, true, 'the training mode is restored');
  // Eval mode: dropout is off, so predict equals the deterministic forward.
  const manual = noGrad(() => model.eval().call(x));
  model.train();
  assert.ok(maxAbsDiff(a, manual) < 1e-6);
  assert.deepEqual(model.predict(x, { batchSize: 1000 }).shape, [103, 3]);
  assert.throws(() => model.predict(tensor([[1], [2]])), /expected the last axis to have 2 features/);
  assert.throws(() => model.predict(x, { batchSize: 0 }), /got batchSize=0; expected an integer >= 1/);
  assert.throws(() => model.predict(x, { batch: 8 } as never), /unknown option 'batch'/);
  assert.throws(() => model.predict(tensor(new Float32Array(0), { shape: [0, 2] })), /got 0 samples/);
});

test('evaluate: loss and metrics averaged over samples, equal for any batch size and to a whole-set computation', async () => {
  const { x, y } = blobs(101);
  const model = blobModel();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: 2, verbose: 0 });
  const small = model.evaluate(x, y, { batchSize: 7 });
  const big = model.evaluate(x, y, { batchSize: 1000 });
  assert.deepEqual(Object.keys(small), ['loss', 'accuracy']);
  assert.ok(Math.abs(small.loss - big.loss) < 1e-6 && small.accuracy === big.accuracy);
  const probs = model.predict(x);
  assert.ok(Math.abs(big.loss - sparseCategoricalCrossEntropy(probs, y).item()) < 1e-6);
  let correct = 0;
  const probsValues = probs.dataSync(),
    yValues = y.dataSync();
  for (let i = 0; i < 101; i++) if ((probsValues[2 * i + 1] > probsValues[2 * i] ? 1 : 0) === yValues[i]) correct++;
  assert.equal(big.accuracy, correct / 101);
});

test('a Model subclass with its own forward compiles, fits, evaluates and predicts like Sequential', async () => {
  class TwoPath extends Model {
    a = new Dense({ units: 8, activation: 'tanh' });
    b = new Dense({ units: 8, activation: 'relu' });
    head = new Dense({ units: 2, activation: 'softmax' });
    forward(x: Tensor): Tensor {
      return this.head.call(this.a.call(x).add(this.b.call(x)));
    }
  }
  const { x, y } = blobs(200);
  manualSeed(6);
  const net = new TwoPath();
  assert.equal(net.name, 'two_path');
  net.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const history = await net.fit(x, y, { epochs: 6, batchSize: 16, verbose: 0 });
  assert.ok(history.history.accuracy.at(-1)! > 0.9, `accuracy ${history.history.accuracy}`);
  assert.deepEqual(Object.keys(net.stateDict()), [
    'a.weight',
    'a.bias',
    'b.weight',
    'b.bias',
    'head.weight',
    'head.bias',
  ]);
  assert.deepEqual(net.predict(x).shape, [200, 2]);
  assert.ok(net.evaluate(x, y).accuracy > 0.9);
});

test('Model.wrap trains any module (here a plain PyTorch-style Module) the same way', async () => {
  const { x, y } = blobs(200);
  manualSeed(7);
  class Mlp extends Module {
    hidden = new Dense({ units: 16, activation: 'relu' });
    out = new Dense({ units: 2, activation: 'softmax' });
    forward(input: Tensor): Tensor {
      return this.out.call(this.hidden.call(input));
    }
  }
  const body = new Mlp();
  const model = Model.wrap(body);
  assert.ok(!(body instanceof Model) && model instanceof Model);
  model.compile({
    optimizer: (p) => new Adam(p, { lr: 0.01 }),
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
  });
  const history = await model.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 });
  assert.ok(history.history.accuracy.at(-1)! > 0.9, `accuracy ${history.history.accuracy}`);
  assert.deepEqual(model.parameters(), body.parameters(), 'the same parameters, trained in place');
  assert.throws(
    () => Model.wrap({} as never),
    (e: Error) => e instanceof ArgumentError && /Model.wrap: got \{\}; expected a Module/.test(e.message),
  );
});

/** A one-weight-row Dense whose output is softmax([50, −50]) (or sigmoid(−50)) for the input [[1]]. */
function confidentlyWrong(units: 1 | 2, activation: 'softmax' | 'sigmoid'): Sequential {
  const layer = new Dense({ units, activation, inputShape: [1] });
  layer.weight!.copy_(units === 2 ? [50, -50] : [-50]);
  return new Sequential([layer]);
}

test('a softmax output is trained and evaluated through its logits: a confidently wrong prediction still gets a gradient', async () => {
  // p(label 1) = e^−100: clamping it to 1e−7 would cap the loss at 16.1 and zero the gradient;
  // computed from the logits (the Dense declares softmax), the loss is the exact 100 and the weights move.
  const model = confidentlyWrong(2, 'softmax');
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  const x = tensor([[1]]),
    y = tensor([1], { dtype: 'int32' });
  const before = Array.from((model.at(0).parameters()[0] as Parameter).dataSync());
  const history = await model.fit(x, y, { epochs: 1, verbose: 0 });
  assert.ok(Math.abs(history.history.loss[0] - 100) < 1e-3, `training loss ${history.history.loss[0]}`);
  const after = Array.from((model.at(0).parameters()[0] as Parameter).dataSync());
  assert.ok(
    Math.abs(after[0] - (before[0] - 0.01)) < 1e-4 && Math.abs(after[1] - (before[1] + 0.01)) < 1e-4,
    `kernel ${before} → ${after}`,
  );
  // evaluate computes it the same way: the exact 100, not −log(1e−7).
  const wrong = confidentlyWrong(2, 'softmax');
  wrong.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  assert.ok(Math.abs(wrong.evaluate(x, y).loss - 100) < 1e-3, `evaluate ${wrong.evaluate(x, y).loss}`);
  // Same for one-hot targets.
  const cat = confidentlyWrong(2, 'softmax');
  cat.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
  assert.ok(Math.abs((await cat.fit(x, tensor([[0, 1]]), { verbose: 0 })).history.loss[0] - 100) < 1e-3);
});

test('a sigmoid output with binary_crossentropy is trained through its logits too', async () => {
  const model = confidentlyWrong(1, 'sigmoid');
  model.compile({ optimizer: 'sgd', loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(tensor([[1]]), tensor([[1]]), { epochs: 1, verbose: 0 });
  assert.ok(Math.abs(history.history.loss[0] - 50) < 1e-3, `loss ${history.history.loss[0]}`);
  assert.equal(history.history.accuracy[0], 0);
  assert.ok(Math.abs((model.at(0).parameters()[0] as Parameter).dataSync()[0] - (-50 + 0.01)) < 1e-4);
});
