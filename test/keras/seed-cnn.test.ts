/**
 * The seed's Keras example, almost word for word: its exact CNN, compiled with 'adam',
 * 'sparse_categorical_crossentropy' and ['accuracy'], trained for one epoch on 640 real MNIST
 * images — long enough to see the loss fall — then saved and loaded back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  Sequential,
  Conv2D,
  MaxPooling2D,
  Flatten,
  Dense,
  mnist,
  manualSeed,
  loadModel,
  Callback,
  type Logs,
} from '../../src/index.js';
import { captureStream, tempDir } from './util.js';

test("the seed's CNN trains on real MNIST (loss falls within one epoch) and survives save/load", async () => {
  const [[xTrain, yTrain], [xTest]] = mnist.loadData({ limit: 640 });
  const x = xTrain.reshape([640, 28, 28, 1]).div(255);
  const xt = xTest.reshape([640, 28, 28, 1]).div(255);

  manualSeed(2024);
  const model = new Sequential([
    new Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D({ poolSize: [2, 2] }),
    new Conv2D({ filters: 64, kernelSize: [3, 3], activation: 'relu' }),
    new MaxPooling2D({ poolSize: [2, 2] }),
    new Conv2D({ filters: 64, kernelSize: [3, 3], activation: 'relu' }),
    new Flatten(),
    new Dense({ units: 64, activation: 'relu' }),
    new Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  assert.match(model.summary({ print: false }), /Total params: 93,322/);

  // The loss of each batch alone, recovered from the running means the callbacks see.
  const batchLosses: number[] = [];
  const recorder = new (class extends Callback {
    override onBatchEnd(batch: number, logs: Logs): void {
      batchLosses.push(logs.loss * (batch + 1) - (batch > 0 ? this.previous * batch : 0));
      this.previous = logs.loss;
    }
    previous = 0;
  })();
  const stream = captureStream();
  const start = performance.now();
  const history = await model.fit(x, yTrain, { epochs: 1, callbacks: [recorder], stream });
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `seed CNN: 1 epoch of 640 MNIST images in ${seconds.toFixed(1)} s (${(640 / seconds).toFixed(0)} samples/s); batch losses ${batchLosses.map((l) => l.toFixed(2)).join(' ')}`,
  );

  assert.equal(batchLosses.length, 20);
  assert.ok(
    Math.abs(batchLosses[0] - Math.log(10)) < 0.15,
    `an untrained 10-way softmax starts near ln 10: ${batchLosses[0]}`,
  );
  const lastFive = batchLosses.slice(-5).reduce((a, b) => a + b, 0) / 5;
  assert.ok(
    lastFive < batchLosses[0] - 0.5,
    `loss falls: first batch ${batchLosses[0].toFixed(3)}, last five ${lastFive.toFixed(3)}`,
  );
  assert.match(stream.text(), /^Epoch 1\/1\n/);
  assert.equal(history.history.loss.length, 1);

  const predictions = model.predict(xt);
  assert.deepEqual(predictions.shape, [640, 10]);
  const { dir, cleanup } = tempDir();
  try {
    await model.save(join(dir, 'seed-cnn'));
    const loaded = loadModel(join(dir, 'seed-cnn'));
    assert.deepEqual(loaded.predict(xt).toFlatArray(), predictions.toFlatArray());
    assert.equal(loaded.summary({ print: false }), model.summary({ print: false }));
  } finally {
    cleanup();
  }
});
