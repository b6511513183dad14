/**
 * fit: it learns, records a History, holds out the LAST samples for validation, is reproducible
 * under manualSeed, switches train/eval modes, and writes what each verbose level promises.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  Sequential,
  type Model,
  Dense,
  Dropout,
  type Tensor,
  tensor,
  manualSeed,
  Callback,
  ArgumentError,
  ShapeError,
  type Logs,
} from '../../src/index.js';
import { blobs, blobModel, captureStream } from './util.js';

test('fit learns two blobs: loss falls, accuracy ends high, History holds every epoch', async () => {
  const { x, y } = blobs(400);
  const model = blobModel();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { epochs: 8, batchSize: 16, validationSplit: 0.25, verbose: 0 });
  const h = history.history;
  assert.deepEqual(Object.keys(h), ['loss', 'accuracy', 'val_loss', 'val_accuracy']);
  for (const values of Object.values(h)) assert.equal(values.length, 8);
  assert.deepEqual(history.epoch, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(history.params, { epochs: 8, steps: 19, samples: 300, batchSize: 16, verbose: 0, initialEpoch: 0 });
  assert.ok(h.loss[7] < h.loss[0] / 2, `loss ${h.loss[0]} → ${h.loss[7]}`);
  assert.ok(h.accuracy[7] >= 0.93, `accuracy ${h.accuracy[7]}`);
  assert.ok(h.val_accuracy[7] >= 0.93, `val_accuracy ${h.val_accuracy[7]}`);
  assert.equal(model.history, history);
  // evaluate agrees with the last epoch's validation numbers (same weights, same data, eval mode).
  const val = model.evaluate(
    x.reshape([400, 2]).dataSync().length ? sliceRows(x, 300, 400) : x,
    sliceRows(y, 300, 400),
  );
  assert.ok(Math.abs(val.loss - h.val_loss[7]) < 1e-6 && val.accuracy === h.val_accuracy[7]);
});

function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const row = t.size / t.shape[0];
  return tensor(t.dataSync().slice(start * row, end * row), { shape: [end - start, ...t.shape.slice(1)] });
}

/** Records, by mode, the targets the model was trained or validated on (targets = sample ids). */
function idRecorder(model: Model): { train: number[][]; val: number[][]; metric: (p: Tensor, t: Tensor) => number } {
  const train: number[][] = [[]],
    val: number[][] = [[]];
  return {
    train,
    val,
    metric: function seen(_p: Tensor, t: Tensor) {
      (model.training ? train : val).at(-1)!.push(...t.dataSync());
      return 0;
    },
  };
}

test('validationSplit holds out the last samples, before shuffling; training sees every other sample once per epoch', async () => {
  const n = 50;
  const x = tensor(Array.from({ length: n }, (_, i) => [i / n]));
  const ids = tensor(Array.from({ length: n }, (_, i) => [i]));
  manualSeed(4);
  const model = new Sequential([new Dense({ units: 1 })]);
  const rec = idRecorder(model);
  const nextEpoch = new (class extends Callback {
    override onEpochEnd(): void {
      rec.train.push([]);
      rec.val.push([]);
    }
  })();
  model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [rec.metric] });
  await model.fit(x, ids, { epochs: 2, batchSize: 8, validationSplit: 0.2, callbacks: [nextEpoch], verbose: 0 });
  for (const epoch of [0, 1]) {
    assert.deepEqual(rec.val[epoch], [40, 41, 42, 43, 44, 45, 46, 47, 48, 49], 'the last 20%, in order');
    assert.deepEqual(
      [...rec.train[epoch]].sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => i),
      'each training sample once',
    );
  }
  assert.notDeepEqual(rec.train[0], rec.train[1], 'shuffled afresh each epoch');
  assert.notDeepEqual(
    rec.train[0],
    [...rec.train[0]].sort((a, b) => a - b),
  );

  // shuffle: false keeps the order.
  rec.train.splice(0, rec.train.length, []);
  await model.fit(x, ids, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
  assert.deepEqual(
    rec.train[0],
    Array.from({ length: n }, (_, i) => i),
  );
});

test('manualSeed makes a run reproducible: the same History twice, another seed differs', async () => {
  const { x, y } = blobs(120);
  const run = async (seed: number): Promise<Record<string, number[]>> => {
    manualSeed(seed);
    const model = new Sequential([
      new Dense({ units: 8, activation: 'tanh' }),
      new Dropout(0.3),
      new Dense({ units: 2, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    return (await model.fit(x, y, { epochs: 3, batchSize: 10, validationSplit: 0.2, verbose: 0 })).history;
  };
  assert.deepEqual(await run(11), await run(11));
  assert.notDeepEqual(await run(11), await run(12));
});

test('training mode during fit batches, eval mode for validation, modes restored afterwards', async () => {
  const { x, y } = blobs(40);
  const model = blobModel();
  const modes: string[] = [];
  model.compile({
    optimizer: 'sgd',
    loss: 'sparse_categorical_crossentropy',
    metrics: [
      function mode() {
        modes.push(model.training && model.at(1).training ? 'train' : 'eval');
        return 0;
      },
    ],
  });
  model.eval();
  await model.fit(x, y, { epochs: 1, batchSize: 20, validationData: [x, y], verbose: 0 });
  assert.deepEqual(modes, ['train', 'train', 'eval', 'eval']);
  assert.equal(model.training, false, 'the mode from before fit is back');
  assert.equal(model.at(0).training, false);
});

test('a callback can stop training mid-epoch with model.stopTraining; initialEpoch resumes the count', async () => {
  const { x, y } = blobs(64);
  const model = blobModel();
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  const seen: string[] = [];
  const stopper = new (class extends Callback {
    override onEpochBegin(epoch: number): void {
      seen.push(`epoch ${epoch}`);
    }
    override onBatchEnd(batch: number): void {
      seen.push(`batch ${batch}`);
      if (batch === 1) this.model!.stopTraining = true;
    }
    override onTrainEnd(logs: Logs): void {
      seen.push(`end ${Object.keys(logs).join(',')}`);
    }
  })();
  const history = await model.fit(x, y, {
    epochs: 5,
    initialEpoch: 2,
    batchSize: 16,
    callbacks: [stopper],
    verbose: 0,
  });
  assert.deepEqual(seen, ['epoch 2', 'batch 0', 'batch 1', 'end loss']);
  assert.deepEqual(history.epoch, [2]);
});

test('fit checks its inputs and options', async () => {
  const { x, y } = blobs(10);
  const model = blobModel();
  await assert.rejects(model.fit(x, y), /not compiled/);
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => model.fit(x, tensor([1, 0], { dtype: 'int32' }), { verbose: 0 }), /x has 10 samples .* but y has 2/],
    [() => model.fit(x, y, { epochs: 1.5 }), /got epochs=1.5; expected an integer >= 0/],
    [() => model.fit(x, y, { batchSize: 0 }), /got batchSize=0; expected an integer >= 1/],
    [
      () => model.fit(x, y, { batch_size: 8 } as never),
      /fit: unknown option 'batch_size' \(did you mean 'batchSize'\?\); known options: epochs, batchSize/,
    ],
    [() => model.fit(x, y, { validationSplit: 1 }), /got validationSplit=1; expected a fraction in \[0, 1\)/],
    [
      () => model.fit(x, y, { validationSplit: 0.95 }),
      /validationSplit=0.95 of 10 samples leaves 0 for training and 10 for validation/,
    ],
    [
      () => model.fit(x, y, { validationSplit: 0.2, validationData: [x, y] }),
      /got both validationSplit and validationData/,
    ],
    [() => model.fit(x, y, { validationData: [x] as never }), /expected a pair \[xVal, yVal\]/],
    [() => model.fit(x, y, { verbose: 3 as never }), /got verbose=3; expected 0 \(silent\), 1 \(progress bar\) or 2/],
    [() => model.fit(x, y, { callbacks: [{}] as never }), /expected an array of Callback objects/],
    [() => model.fit(x, y, { stream: {} as never }), /expected an object with write\(text\)/],
  ];
  for (const [call, message] of cases)
    await assert.rejects(
      call(),
      (e: Error) => (e instanceof ArgumentError || e instanceof ShapeError) && message.test(e.message),
      String(message),
    );
  const lossPerSample = blobModel();
  lossPerSample.compile({ optimizer: 'sgd', loss: (p: Tensor) => p.sum(-1) });
  await assert.rejects(lossPerSample.fit(x, y, { verbose: 0 }), /the loss "loss" returned Tensor\(shape=\[10\]/);
});

test('verbose 0 writes nothing; verbose 2 writes one line per epoch; verbose 1 off a terminal writes plain lines', async () => {
  const { x, y } = blobs(100);
  const model = blobModel();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const silent = captureStream();
  await model.fit(x, y, { epochs: 2, verbose: 0, stream: silent });
  assert.equal(silent.text(), '');

  const two = captureStream();
  const history = await model.fit(x, y, { epochs: 2, batchSize: 10, validationSplit: 0.2, verbose: 2, stream: two });
  const lines = two.text().split('\n');
  assert.equal(lines.length, 5, two.text());
  assert.equal(lines[0], 'Epoch 1/2');
  assert.equal(lines[2], 'Epoch 2/2');
  assert.equal(lines[4], '');
  const f = (v: number): string => v.toFixed(4);
  for (const e of [0, 1]) {
    const h = history.history;
    assert.match(
      lines[2 * e + 1],
      new RegExp(
        `^8/8 - \\d+s \\d+(ms|us)/step - loss: ${f(h.loss[e])} - accuracy: ${f(h.accuracy[e])} - val_loss: ${f(h.val_loss[e])} - val_accuracy: ${f(h.val_accuracy[e])}$`,
      ),
    );
  }
  assert.ok(!two.text().includes('\r'));

  const one = captureStream(false);
  await model.fit(x, y, { epochs: 1, batchSize: 5, verbose: 1, stream: one });
  const plain = one.text().split('\n').filter(Boolean);
  assert.equal(plain[0], 'Epoch 1/1');
  // 20 steps: a line at every 10% (steps 2, 4, … 18), then the epoch's line.
  assert.deepEqual(
    plain.slice(1, -1).map((l) => l.split(' - ')[0]),
    [' 2/20', ' 4/20', ' 6/20', ' 8/20', '10/20', '12/20', '14/20', '16/20', '18/20'],
  );
  assert.match(plain[1], /^ 2\/20 - \d+s elapsed - ETA: \d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/);
  assert.match(plain.at(-1)!, /^20\/20 - \d+s \d+(ms|us)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/);
  assert.ok(!one.text().includes('\r'));
});

test('verbose 1 on a terminal redraws one bar in place and ends it with the time and val metrics', async () => {
  const { x, y } = blobs(64);
  const model = blobModel();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const tty = captureStream(true, 200);
  await model.fit(x, y, { epochs: 1, batchSize: 8, validationData: [x, y], verbose: 1, stream: tty });
  const text = tty.text();
  assert.ok(text.startsWith('Epoch 1/1\n\r1/8 [==>...........................] - ETA: '), text);
  assert.equal(text.split('\n').length, 3, 'one line for the header, one for the bar, a final newline');
  const frames = text.split('\n')[1].split('\r').filter(Boolean);
  assert.ok(frames.length >= 2);
  const last = frames.at(-1)!;
  assert.match(
    last,
    /^8\/8 \[==============================\] - \d+s \d+(ms|us)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$/,
  );
});

test('memory stays flat over many epochs (no dispose needed)', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { x, y } = blobs(192);
  // Wide enough that one step's graph is ~100 kB: a graph kept alive per step would add tens of MB.
  manualSeed(5);
  const model = new Sequential([
    new Dense({ units: 64, activation: 'relu', inputShape: [2] }),
    new Dense({ units: 2, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const used: number[] = [];
  const meter = new (class extends Callback {
    override onEpochEnd(epoch: number): void {
      // A full collection is slow (tens of ms), so measure at three points only.
      if (epoch !== 4 && epoch !== 17 && epoch !== 29) return;
      gc();
      const m = process.memoryUsage();
      used.push(m.heapUsed + m.arrayBuffers);
    }
  })();
  await model.fit(x, y, { epochs: 30, batchSize: 16, validationSplit: 0.25, callbacks: [meter], verbose: 0 });
  const growth = used[2] - used[0];
  assert.ok(
    growth < 1.5e6,
    `memory grew by ${(growth / 1e6).toFixed(2)} MB from epoch 5 to 30: ${used.map((u) => (u / 1e6).toFixed(2)).join(' ')} MB`,
  );
});
