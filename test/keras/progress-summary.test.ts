/**
 * The progress bar's rendering (with a fake clock, so every character is known) and summary()'s
 * table: layers, output shapes, parameter counts and totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ProgressBar,
  ProgbarLogger,
  Sequential,
  Model,
  Dense,
  Dropout,
  Conv2D,
  MaxPooling2D,
  Flatten,
  BatchNormalization,
  type Tensor,
  tensor,
  manualSeed,
  ArgumentError,
} from '../../src/index.js';
import { captureStream } from './util.js';
import { formatBar, formatEta, formatStepTime, formatValue } from '../../src/keras/progress.js';

test('bar, ETA, step time and values are formatted as Keras does', () => {
  assert.equal(formatBar(0, 10), `[${'.'.repeat(30)}]`);
  assert.equal(formatBar(5, 10), `[${'='.repeat(14)}>${'.'.repeat(15)}]`);
  assert.equal(formatBar(10, 10), `[${'='.repeat(30)}]`);
  assert.equal(formatBar(1, 1875, 30), `[${'.'.repeat(30)}]`, 'less than one cell: nothing drawn yet');
  assert.deepEqual([formatEta(0), formatEta(35.4), formatEta(125), formatEta(3725)], ['0s', '35s', '2:05', '1:02:05']);
  assert.deepEqual(
    [formatStepTime(2.2), formatStepTime(0.006), formatStepTime(0.0004)],
    ['2s/step', '6ms/step', '400us/step'],
  );
  assert.deepEqual(
    [formatValue(0.123456), formatValue(0), formatValue(0.0001234), formatValue(12)],
    ['0.1235', '0.0000', '1.2340e-4', '12.0000'],
  );
});

test('a live bar is redrawn in place with \\r, throttled, blanked where the last frame was longer, cut to the terminal', () => {
  let now = 0;
  const stream = captureStream(true, 120);
  const bar = new ProgressBar({ target: 1875, stream, clock: () => now });
  assert.equal(bar.mode, 'live');
  now = 100;
  bar.update(1, { loss: 2.5, accuracy: 0.1 });
  now = 120; // within 50 ms of the last frame: not drawn
  bar.update(2, { loss: 2.4, accuracy: 0.1 });
  now = 45_000;
  bar.update(1200, { loss: 0.1234, accuracy: 0.9612 });
  now = 70_000;
  bar.finish({ loss: 0.1, accuracy: 0.97, val_loss: 0.08, val_accuracy: 0.98 });
  // ETA: 0.1 s per step in the first line, 675 steps × 37.5 ms in the second.
  const first = `   1/1875 [${'.'.repeat(30)}] - ETA: 3:07 - loss: 2.5000 - accuracy: 0.1000`;
  const second = `1200/1875 [${'='.repeat(18)}>${'.'.repeat(11)}] - ETA: 25s - loss: 0.1234 - accuracy: 0.9612`;
  assert.deepEqual(stream.writes, [
    `\r${first}`,
    `\r${second}${' '.repeat(first.length - second.length)}`,
    `\r1875/1875 [${'='.repeat(30)}] - 70s 37ms/step - loss: 0.1000 - accuracy: 0.9700 - val_loss: 0.0800 - val_accuracy: 0.9800`,
    '\n',
  ]);
  assert.ok(first.length > second.length);
  // On a narrow terminal the bar shrinks first (to 10 cells at least), then the frame is cut so
  // that \r can return to its start.
  const narrow = captureStream(true, 75);
  new ProgressBar({ target: 10, stream: narrow, clock: () => 0 }).update(1, { loss: 1, accuracy: 1 });
  assert.equal(narrow.writes[0], `\r 1/10 [=>${'.'.repeat(20)}] - ETA: 0s - loss: 1.0000 - accuracy: 1.0000`);
  assert.equal(narrow.writes[0].length, 75);
  const tiny = captureStream(true, 40);
  new ProgressBar({ target: 10, stream: tiny, clock: () => 0 }).update(1, { loss: 1, accuracy: 1 });
  assert.equal(tiny.writes[0], `\r${` 1/10 [>.........] - ETA: 0s - loss: 1.0000`.slice(0, 39)}`);
});

test('off a terminal the bar writes a line every 10% and a final line; summary mode only the final line', () => {
  let now = 0;
  const stream = captureStream(false);
  const bar = new ProgressBar({ target: 30, stream, clock: () => now });
  for (let step = 1; step <= 30; step++) {
    now = step * 1000;
    bar.update(step, { loss: 1 / step });
  }
  bar.finish({ loss: 0.5 });
  const lines = stream.text().split('\n');
  assert.equal(lines.length, 11);
  assert.equal(lines[0], ' 3/30 - 3s elapsed - ETA: 27s - loss: 0.3333');
  assert.equal(lines[8], '27/30 - 27s elapsed - ETA: 3s - loss: 0.0370');
  assert.equal(lines[9], '30/30 - 30s 1s/step - loss: 0.5000');
  const summary = captureStream(false);
  const quiet = new ProgressBar({ target: 3, stream: summary, mode: 'summary', clock: () => 0 });
  quiet.update(1, { loss: 1 });
  quiet.finish({ loss: 1 }, 3);
  assert.equal(summary.text(), '3/3 - 0s 0us/step - loss: 1.0000\n');
});

/** The seed's MNIST model. */
function seedModel(): Sequential {
  return new Sequential([
    new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new Flatten(),
    new Dense({ units: 64, activation: 'relu' }),
    new Dense({ units: 10, activation: 'softmax' }),
  ]);
}

test("summary() prints the seed's model as Keras does: 93,322 parameters", () => {
  manualSeed(1);
  const stream = captureStream();
  const text = seedModel().summary({ stream });
  assert.equal(stream.text(), `${text}\n`);
  const rule = (c: string): string => c.repeat(69);
  assert.equal(
    text,
    [
      'Model: "sequential"',
      rule('_'),
      ' Layer (type)                    Output Shape              Param #',
      rule('='),
      ' conv2d (Conv2D)                 (None, 26, 26, 32)        320',
      ' max_pooling2d (MaxPooling2D)    (None, 13, 13, 32)        0',
      ' conv2d_1 (Conv2D)               (None, 11, 11, 64)        18496',
      ' max_pooling2d_1 (MaxPooling2D)  (None, 5, 5, 64)          0',
      ' conv2d_2 (Conv2D)               (None, 3, 3, 64)          36928',
      ' flatten (Flatten)               (None, 576)               0',
      ' dense (Dense)                   (None, 64)                36928',
      ' dense_1 (Dense)                 (None, 10)                650',
      rule('='),
      'Total params: 93,322',
      'Trainable params: 93,322',
      'Non-trainable params: 0',
      rule('_'),
    ].join('\n'),
  );
});

test('summary() counts BatchNormalization statistics and frozen weights as non-trainable; needs a built model', () => {
  manualSeed(2);
  const model = new Sequential(
    [new Dense({ units: 8 }), new BatchNormalization(), new Dropout(0.2), new Dense({ units: 1 })],
    { name: 'mlp' },
  );
  assert.throws(
    () => model.summary({ print: false }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /the model is not built yet/.test(e.message) &&
      /inputShape/.test(e.message) &&
      /model\.build\(\[null, 784\]\)/.test(e.message),
  );
  model.build([null, 4]);
  model.at(3).parameters()[1].requiresGrad = false; // freeze the last bias
  const lines = model.summary({ print: false }).split('\n');
  assert.equal(lines[0], 'Model: "mlp"');
  assert.deepEqual(
    lines.slice(4, 8).map((l) => l.replace(/ +/g, ' ').trim()),
    [
      'dense (Dense) (None, 8) 40',
      'batch_normalization (BatchNormalization) (None, 8) 32',
      'dropout (Dropout) (None, 8) 0',
      'dense_1 (Dense) (None, 1) 9',
    ],
  );
  assert.deepEqual(lines.slice(9, 12), ['Total params: 81', 'Trainable params: 64', 'Non-trainable params: 17']);
});

test('summary() of a custom Model lists its layers with shapes read from a trial run, once it has seen data', () => {
  class Net extends Model {
    hidden = new Dense({ units: 5, activation: 'relu' });
    out = new Dense({ units: 3 });
    forward(x: Tensor): Tensor {
      return this.out.call(this.hidden.call(x));
    }
  }
  manualSeed(3);
  const net = new Net({ name: 'net' });
  assert.throws(() => net.summary({ print: false }), /not built yet/);
  net.predict(tensor(new Float32Array(14), { shape: [7, 2] }));
  const lines = net
    .summary({ print: false })
    .split('\n')
    .map((l) => l.replace(/ +/g, ' ').trim());
  assert.deepEqual(lines.slice(4, 6), ['hidden (Dense) (None, 5) 15', 'out (Dense) (None, 3) 18']);
  assert.equal(lines[7], 'Total params: 33');
});

test('a ProgbarLogger given to fit replaces the default one; with a fake clock the whole terminal output is known', async () => {
  manualSeed(8);
  const model = new Sequential([new Dense({ units: 2, activation: 'softmax', inputShape: [2] })]);
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  let now = 0;
  const stream = captureStream(true, 100);
  const x = tensor(Float32Array.from([1, 0, 0, 1, 1, 1, 0, 0]), { shape: [4, 2] });
  const y = tensor(Int32Array.from([0, 1, 0, 1]), { shape: [4] });
  const history = await model.fit(x, y, {
    epochs: 1,
    batchSize: 2,
    stream,
    callbacks: [new ProgbarLogger({ clock: () => (now += 1000) })],
  });
  const loss = history.history.loss[0].toFixed(4);
  const frames = stream.text().split('\r');
  assert.equal(frames[0], 'Epoch 1/1\n');
  // Clock: 1 s at the start, 2 s after step 1, 3 s after step 2, 4 s at the end.
  assert.match(frames[1], /^1\/2 \[==============>\.{15}\] - ETA: 1s - loss: \d\.\d{4}$/);
  assert.match(frames[2], /^2\/2 \[={30}\] - ETA: 0s - loss: \d\.\d{4}$/);
  assert.equal(frames[3], `2/2 [${'='.repeat(30)}] - 3s 2s/step - loss: ${loss}\n`);
  assert.equal(frames.length, 4, 'one bar only');
});
