/**
 * Callbacks: EarlyStopping stops and restores the best weights, ModelCheckpoint writes models and
 * weights, CSVLogger writes the History as CSV, LearningRateScheduler drives the optimizer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Callback,
  EarlyStopping,
  ModelCheckpoint,
  LearningRateScheduler,
  CSVLogger,
  formatCheckpointPath,
  loadModel,
  SGD,
  StepLR,
  type Tensor,
  tensor,
  ArgumentError,
  type Logs,
} from '../../src/index.js';
import { blobs, blobModel, captureStream, tempDir, weightsOf } from './util.js';

/**
 * Training data and validation data with the labels flipped: the better the model fits the
 * training data, the worse its val_loss, which therefore rises from the first epoch on.
 */
function divergingValidation(): { x: Tensor; y: Tensor; validationData: [Tensor, Tensor] } {
  const { x, y } = blobs(64);
  const flipped = tensor(
    Int32Array.from(y.dataSync(), (c) => 1 - c),
    { shape: y.shape },
  );
  return { x, y, validationData: [x, flipped] };
}

/** Keeps a copy of the weights after every epoch. */
class WeightLog extends Callback {
  readonly epochs: Record<string, number[]>[] = [];
  override onEpochEnd(): void {
    this.epochs.push(weightsOf(this.model!));
  }
}

test('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  const { x, y, validationData } = divergingValidation();
  const model = blobModel();
  model.compile({
    optimizer: new SGD(model.parameters(), { lr: 0.2 }),
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
  });
  const log = new WeightLog();
  const stop = new EarlyStopping({ patience: 2, restoreBestWeights: true, verbose: 1 });
  const stream = captureStream();
  const history = await model.fit(x, y, {
    epochs: 20,
    batchSize: 16,
    validationData,
    callbacks: [log, stop],
    verbose: 0,
    stream,
  });
  const val = history.history.val_loss;
  assert.ok(val[1] > val[0] && val[2] > val[0], `val_loss rises: ${val}`);
  assert.deepEqual(history.epoch, [0, 1, 2], 'best at epoch 0, two epochs without improvement, stop');
  assert.equal(stop.stoppedEpoch, 2);
  assert.equal(stop.bestEpoch, 0);
  assert.equal(stop.best, val[0]);
  assert.deepEqual(weightsOf(model), log.epochs[0], 'the weights of the best epoch are back');
  assert.notDeepEqual(log.epochs[2], log.epochs[0]);
  assert.equal(stream.text(), 'Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 1.\n');
});

test('EarlyStopping: mode from the name, minDelta, baseline, and a clear error for a missing quantity', async () => {
  const { x, y } = divergingValidation();
  const model = blobModel();
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  assert.equal(new EarlyStopping({ monitor: 'val_accuracy' }).mode, 'max');
  assert.equal(new EarlyStopping({ monitor: 'loss' }).mode, 'min');
  // Training loss falls, but never by more than minDelta = 10: every epoch counts as no improvement.
  const strict = new EarlyStopping({ monitor: 'loss', minDelta: 10, patience: 3 });
  assert.deepEqual((await model.fit(x, y, { epochs: 10, callbacks: [strict], verbose: 0 })).epoch, [0, 1, 2, 3]);
  // A baseline that is never beaten: the epochs count against patience from the first (as Keras).
  const base = new EarlyStopping({ monitor: 'accuracy', baseline: 1.5, patience: 2 });
  assert.deepEqual((await model.fit(x, y, { epochs: 10, callbacks: [base], verbose: 0 })).epoch, [0, 1]);
  await assert.rejects(
    model.fit(x, y, { epochs: 2, callbacks: [new EarlyStopping()], verbose: 0 }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /EarlyStopping: monitor "val_loss" is not in the epoch logs; expected one of loss, accuracy \(val_ values need validationSplit or validationData/.test(
        e.message,
      ),
  );
  assert.throws(() => new EarlyStopping({ patience: -1 }), /got patience=-1; expected an integer >= 0/);
  assert.throws(() => new EarlyStopping({ mode: 'up' as never }), /got mode="up"; expected 'auto', 'min' or 'max'/);
});

test('ModelCheckpoint saves a loadable model every epoch, or only on improvement, or weights only', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { x, y, validationData } = divergingValidation();
    const model = blobModel();
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const every = new ModelCheckpoint({ filepath: join(dir, 'every-{epoch:02d}') });
    const best = new ModelCheckpoint({ filepath: join(dir, 'best-{epoch}-{val_loss:.3f}'), saveBestOnly: true });
    const weights = new ModelCheckpoint({ filepath: join(dir, 'w{epoch}.safetensors'), saveWeightsOnly: true });
    const log = new WeightLog();
    const history = await model.fit(x, y, {
      epochs: 3,
      batchSize: 16,
      validationData,
      callbacks: [log, every, best, weights],
      verbose: 0,
    });
    const val = history.history.val_loss;
    assert.deepEqual(
      every.saved,
      [1, 2, 3].map((e) => join(dir, `every-0${e}`)),
    );
    assert.deepEqual(
      best.saved,
      [join(dir, `best-1-${val[0].toFixed(3)}`)],
      'val_loss only rises after the first epoch',
    );
    assert.deepEqual(readdirSync(dir).sort(), [
      'best-1-' + val[0].toFixed(3),
      'every-01',
      'every-02',
      'every-03',
      'w1.safetensors',
      'w2.safetensors',
      'w3.safetensors',
    ]);
    assert.deepEqual(readdirSync(join(dir, 'every-02')).sort(), ['config.json', 'history.json', 'model.safetensors']);
    const second = loadModel(join(dir, 'every-02'));
    // Callbacks run before History's own onEpochEnd: the model saved at epoch 2 holds epoch 1's record.
    assert.deepEqual(second.history?.epoch, [0]);
    assert.deepEqual(weightsOf(second), log.epochs[1]);
    const restored = blobModel(99);
    await restored.loadWeights(join(dir, 'w1.safetensors'));
    assert.deepEqual(weightsOf(restored), log.epochs[0]);
  } finally {
    cleanup();
  }
});

test('checkpoint paths format the epoch and log values like Python format specs', () => {
  assert.equal(formatCheckpointPath('m-{epoch:03d}-{loss:.2f}-{epoch}', 4, { loss: 0.12345 }), 'm-005-0.12-5');
  assert.throws(
    () => formatCheckpointPath('m-{val_loss}', 0, { loss: 1 }),
    /uses \{val_loss\}, which is not in the epoch logs; expected epoch or one of loss/,
  );
  assert.throws(() => formatCheckpointPath('m-{epoch:x}', 0, {}), /unknown format \{epoch:x\}/);
});

test('CSVLogger writes one row per epoch with sorted columns, and can append', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { x, y } = blobs(40);
    const model = blobModel();
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const path = join(dir, 'logs', 'training.csv');
    const history = await model.fit(x, y, {
      epochs: 3,
      validationSplit: 0.25,
      callbacks: [new CSVLogger(path)],
      verbose: 0,
    });
    const h = history.history;
    const expected = [
      'epoch,accuracy,loss,val_accuracy,val_loss',
      ...[0, 1, 2].map((e) => [e, h.accuracy[e], h.loss[e], h.val_accuracy[e], h.val_loss[e]].join(',')),
    ];
    assert.equal(readFileSync(path, 'utf8'), `${expected.join('\n')}\n`);
    const again = await model.fit(x, y, {
      epochs: 4,
      initialEpoch: 3,
      validationSplit: 0.25,
      callbacks: [new CSVLogger(path, { append: true })],
      verbose: 0,
    });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 5, 'the header is not repeated');
    assert.equal(
      lines[4],
      [
        3,
        again.history.accuracy[0],
        again.history.loss[0],
        again.history.val_accuracy[0],
        again.history.val_loss[0],
      ].join(','),
    );
    // Without append, the file starts over; with another separator.
    writeFileSync(path, 'old\n');
    await model.fit(x, y, { epochs: 1, callbacks: [new CSVLogger(path, { separator: ';' })], verbose: 0 });
    assert.match(readFileSync(path, 'utf8'), /^epoch;accuracy;loss\n0;[\d.]+;[\d.]+\n$/);
    assert.ok(
      readdirSync(join(dir, 'logs')).every((f) => !f.endsWith('.tmp')),
      'no temporary files left',
    );
    assert.ok(existsSync(path));
  } finally {
    cleanup();
  }
});

test('LearningRateScheduler sets the lr from a function each epoch and logs it', async () => {
  const { x, y } = blobs(32);
  const model = blobModel();
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  const seen: number[] = [];
  const spy = new (class extends Callback {
    override onBatchEnd(): void {
      seen.push(this.model!.optimizer!.lr);
    }
  })();
  const schedule = new LearningRateScheduler((epoch, lr) => (epoch === 0 ? 0.1 : lr / 2), { verbose: 1 });
  const stream = captureStream();
  const history = await model.fit(x, y, { epochs: 3, batchSize: 16, callbacks: [schedule, spy], verbose: 0, stream });
  assert.deepEqual(history.history.learning_rate, [0.1, 0.05, 0.025]);
  assert.deepEqual(seen, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  assert.match(stream.text(), /^Epoch 1: LearningRateScheduler setting learning rate to 0.1.\n/);
  const broken = new LearningRateScheduler(() => -1);
  await assert.rejects(
    model.fit(x, y, { callbacks: [broken], verbose: 0 }),
    /the schedule returned -1 for epoch 0; expected a finite number >= 0/,
  );
});

test("LearningRateScheduler steps an optim LRScheduler once per epoch; it must drive the model's optimizer", async () => {
  const { x, y } = blobs(32);
  const model = blobModel();
  const opt = new SGD(model.parameters(), { lr: 0.4 });
  model.compile({ optimizer: opt, loss: 'sparse_categorical_crossentropy' });
  const history = await model.fit(x, y, {
    epochs: 4,
    callbacks: [new LearningRateScheduler(new StepLR(opt, { stepSize: 2, gamma: 0.5 }))],
    verbose: 0,
  });
  assert.deepEqual(history.history.learning_rate, [0.4, 0.4, 0.2, 0.2]);
  assert.equal(opt.lr, 0.1);
  const other = new SGD(blobModel(5).parameters());
  await assert.rejects(
    model.fit(x, y, { callbacks: [new LearningRateScheduler(new StepLR(other, { stepSize: 1 }))], verbose: 0 }),
    (e: Error) => e instanceof ArgumentError && /the StepLR drives another optimizer than the model's/.test(e.message),
  );
  assert.throws(
    () => new LearningRateScheduler(0.1 as never),
    /expected a function \(epoch, lr\) => lr or an LRScheduler/,
  );
});

test('callbacks see every hook in order, and async hooks are awaited', async () => {
  const { x, y } = blobs(20);
  const model = blobModel();
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  const events: string[] = [];
  const tracer = new (class extends Callback {
    override onTrainBegin(): void {
      events.push('train+');
    }
    override onTrainEnd(): void {
      events.push('train-');
    }
    override onEpochBegin(e: number): void {
      events.push(`epoch+${e}`);
    }
    override async onEpochEnd(e: number, logs: Logs): Promise<void> {
      await new Promise((r) => setTimeout(r, 5));
      events.push(`epoch-${e}:${Object.keys(logs).join('/')}`);
    }
    override onBatchBegin(b: number): void {
      events.push(`batch+${b}`);
    }
    override onBatchEnd(b: number, logs: Logs): void {
      events.push(`batch-${b}:${Object.keys(logs).join('/')}`);
    }
  })();
  const history = await model.fit(x, y, { epochs: 2, batchSize: 10, callbacks: [tracer], verbose: 0 });
  assert.deepEqual(events, [
    'train+',
    'epoch+0',
    'batch+0',
    'batch-0:loss',
    'batch+1',
    'batch-1:loss',
    'epoch-0:loss',
    'epoch+1',
    'batch+0',
    'batch-0:loss',
    'batch+1',
    'batch-1:loss',
    'epoch-1:loss',
    'train-',
  ]);
  assert.equal(tracer.params?.steps, 2);
  assert.equal(tracer.model, model);
  assert.equal(history.history.loss.length, 2);
});
