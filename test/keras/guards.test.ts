/**
 * Guards against a diverging run: TerminateOnNaN stops fit at the first non-finite loss and says
 * why; a NaN in the data reaches the loss (relu keeps it, as in PyTorch); compile's clipNorm,
 * globalClipNorm and clipValue bound the update that one SGD step makes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError,
  Dense,
  SGD,
  Sequential,
  TerminateOnNaN,
  manualSeed,
  tensor,
  type Tensor,
} from '../../src/index.js';
import { blobs, blobModel, captureStream, weightsOf } from './util.js';

/** 64 blob samples whose 20th has feature `value`: batch 2 (of 4, batch size 16) meets it. */
function blobsWith(value: number): { x: Tensor; y: Tensor } {
  const { x, y } = blobs(64);
  const values = x.dataSync().slice();
  values[2 * 20] = value;
  return { x: tensor(values, { shape: x.shape }), y };
}

test('a NaN feature reaches the loss through relu layers, which refuses it (it does not silently vanish)', async () => {
  const { x, y } = blobsWith(Number.NaN);
  const model = blobModel();
  model.compile({ optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: 'sparse_categorical_crossentropy' });
  await assert.rejects(
    model.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 }),
    /predictions contain NaN/,
  );
});

/** A regression on the blobs' first class bit: a 1e30 feature makes that batch's squared error ∞. */
function overflowingRegression(): { model: Sequential; x: Tensor; y: Tensor } {
  const { x, y } = blobsWith(1e30);
  manualSeed(2);
  const model = new Sequential([new Dense({ units: 4, activation: 'relu', inputShape: [2] }), new Dense({ units: 1 })]);
  model.compile({ optimizer: new SGD(model.parameters(), { lr: 0.01 }), loss: 'mse' });
  return { model, x, y: tensor(Float32Array.from(y.dataSync()), { shape: [64, 1] }) };
}

test('TerminateOnNaN stops at the first non-finite batch loss, prints why and History records it', async () => {
  const { model, x, y } = overflowingRegression();
  const stop = new TerminateOnNaN();
  const stream = captureStream();
  const history = await model.fit(x, y, {
    epochs: 5,
    batchSize: 16,
    shuffle: false,
    verbose: 0,
    stream,
    callbacks: [stop],
  });
  assert.deepEqual(history.epoch, [0], 'one epoch, cut short');
  assert.match(stop.reason ?? '', /^the loss became Infinity at epoch 1, batch 2: training diverged/);
  assert.match(history.stopReason ?? '', /^TerminateOnNaN: the loss became Infinity/);
  assert.match(stream.text(), /TerminateOnNaN: the loss became Infinity at epoch 1, batch 2/);
  // A finite run is not stopped, and a second fit starts with no reason.
  const clean = blobModel();
  clean.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  const data = blobs(32);
  const again = await clean.fit(data.x, data.y, { epochs: 2, verbose: 0, callbacks: [stop] });
  assert.equal(stop.reason, null);
  assert.equal(again.stopReason, null);
  assert.deepEqual(again.epoch, [0, 1]);
});

/** One SGD step (lr 1) of a 3→2 Dense model on a batch whose loss has large gradients. */
function stepWith(clip: { clipNorm?: number; globalClipNorm?: number; clipValue?: number }) {
  manualSeed(3);
  const model = new Sequential([new Dense({ units: 2, inputShape: [3] })]);
  model.compile({ optimizer: new SGD(model.parameters(), { lr: 1 }), loss: 'mse', ...clip });
  const x = tensor([100, -50, 20, 30, 60, -90], { shape: [2, 3] });
  const y = tensor([1000, -1000, 500, 200], { shape: [2, 2] });
  // predict builds the layers with their seeded initial weights before the snapshot.
  model.predict(x);
  const before = weightsOf(model);
  return { model, before, fit: model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 }) };
}

function deltas(before: Record<string, number[]>, after: Record<string, number[]>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v.map((w, i) => w - before[k][i])]));
}
const norm = (v: number[]): number => Math.sqrt(v.reduce((s, a) => s + a * a, 0));

test('compile clipValue clamps every gradient component before the step', async () => {
  const { model, before, fit } = stepWith({ clipValue: 0.5 });
  await fit;
  const d = deltas(before, weightsOf(model));
  const all = Object.values(d).flat();
  assert.ok(
    all.every((v) => Math.abs(v) <= 0.5 + 1e-6),
    JSON.stringify(d),
  );
  assert.ok(
    all.some((v) => Math.abs(v) > 0.49),
    'the gradients were large enough to be clipped',
  );
  assert.equal(model.compileConfig?.clipValue, 0.5);
});

test('compile clipNorm clips each parameter’s gradient to that norm; globalClipNorm all of them together', async () => {
  const each = stepWith({ clipNorm: 2 });
  await each.fit;
  for (const [name, v] of Object.entries(deltas(each.before, weightsOf(each.model))))
    assert.ok(Math.abs(norm(v) - 2) < 1e-3, `${name}: update norm ${norm(v)}`);
  const all = stepWith({ globalClipNorm: 2 });
  await all.fit;
  const total = norm(Object.values(deltas(all.before, weightsOf(all.model))).flat());
  assert.ok(Math.abs(total - 2) < 1e-3, `total update norm ${total}`);
  assert.deepEqual(all.model.compileConfig?.globalClipNorm, 2);
});

test('compile refuses a clipping bound that is not a finite number > 0', () => {
  const model = blobModel();
  for (const bad of [0, -1, Number.NaN, Infinity, '1']) {
    assert.throws(
      () => model.compile({ optimizer: 'sgd', loss: 'mse', clipNorm: bad as number }),
      (e: unknown) =>
        e instanceof ArgumentError && /compile: got clipNorm=.*expected a finite number > 0/.test(e.message),
    );
  }
});
