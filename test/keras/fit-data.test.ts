/**
 * fit / evaluate / predict over data that is not a pair of tensors: every accepted form trains on
 * the same batches as tensors do; validation data in each form; classWeight and sampleWeight
 * change the loss and the step as the closed form says; a zero weight removes a sample; a seeded
 * DataLoader is reproducible and its position is visible while fit runs; batches that change
 * shape or dtype are refused by their index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError,
  Callback,
  DataLoader,
  DTypeError,
  Dense,
  type Logs,
  SGD,
  Sequential,
  ShapeError,
  type Tensor,
  TensorDataset,
  manualSeed,
  tensor,
} from '../../src/index.js';
import { blobs, blobModel, captureStream, weightsOf } from './util.js';

/** Rows [start, end) of t, as a new tensor (host copy: test code). */
function rows(t: Tensor, start: number, until: number): Tensor {
  const end = Math.min(until, t.shape[0]);
  const size = t.size / t.shape[0];
  return tensor(t.dataSync().slice(start * size, end * size), {
    shape: [end - start, ...t.shape.slice(1)],
    dtype: t.dtype,
  });
}

/** [x, y] batches of 10, in order. */
function batchesOf(x: Tensor, y: Tensor, size = 10): [Tensor, Tensor][] {
  const out: [Tensor, Tensor][] = [];
  for (let s = 0; s < x.shape[0]; s += size) out.push([rows(x, s, s + size), rows(y, s, s + size)]);
  return out;
}

function sgdModel(seed = 1): Sequential {
  const model = blobModel(seed);
  model.compile({ optimizer: (p) => new SGD(p, { lr: 0.1 }), loss: 'sparse_categorical_crossentropy' });
  return model;
}

test('every data form trains on the same batches as tensors: the same weights and History', async () => {
  const { x, y } = blobs(40);
  const reference = sgdModel();
  const refHistory = await reference.fit(x, y, { epochs: 2, batchSize: 10, shuffle: false, verbose: 0 });
  const expected = weightsOf(reference);
  const batches = batchesOf(x, y);
  const endless = function* () {
    for (;;) yield* batches;
  };
  const asyncOnce = async function* () {
    for (const [xb, yb] of batches) yield { x: xb, y: yb };
  };
  const forms: [string, unknown, object][] = [
    ['a DataLoader', new DataLoader(new TensorDataset(x, y), { batchSize: 10 }), {}],
    ['an array of [x, y]', batches, {}],
    ['an array of { x, y }', batches.map(([xb, yb]) => ({ x: xb, y: yb })), {}],
    ['a function returning a generator', () => batches.values(), {}],
    ['a function returning an async generator', asyncOnce, {}],
    ['an endless generator with stepsPerEpoch', endless(), { stepsPerEpoch: 4 }],
    [
      'an async generator (one pass) drawn on across epochs',
      (async function* () {
        for (let e = 0; e < 2; e++) for (const b of batches) yield b;
      })(),
      { stepsPerEpoch: 4 },
    ],
  ];
  for (const [name, data, options] of forms) {
    const model = sgdModel();
    const history = await model.fit(data as never, { epochs: 2, verbose: 0, ...options });
    assert.deepEqual(weightsOf(model), expected, name);
    assert.deepEqual(history.history, refHistory.history, name);
  }
});

test('data of unknown length: the progress line says Unknown in the first epoch and counts in the next', async () => {
  const { x, y } = blobs(30);
  const model = sgdModel();
  const stream = captureStream();
  const history = await model.fit(() => batchesOf(x, y).values(), { epochs: 2, verbose: 2, stream });
  assert.match(stream.text(), /Epoch 1\/2\n3\/Unknown - .*\nEpoch 2\/2\n3\/3 - /);
  assert.equal(history.params?.steps, 3);
  assert.equal(history.params?.samples, null);
  // A generator used up in the first epoch, without stepsPerEpoch, is refused in the second.
  await assert.rejects(
    sgdModel().fit(batchesOf(x, y).values(), { epochs: 2, verbose: 0 }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /no batches in epoch 2; a generator is used up .* give stepsPerEpoch/.test(e.message),
  );
});

test('validationData as tensors, tensors with weights, a DataLoader or batches gives the val_ numbers evaluate gives', async () => {
  const { x, y } = blobs(60);
  const [xt, yt, xv, yv] = [rows(x, 0, 40), rows(y, 0, 40), rows(x, 40, 60), rows(y, 40, 60)];
  const ones = tensor(new Float32Array(20).fill(1));
  const forms: unknown[] = [
    [xv, yv],
    [xv, yv, ones],
    new DataLoader(new TensorDataset(xv, yv), { batchSize: 7 }),
    batchesOf(xv, yv, 5),
  ];
  for (const validationData of forms) {
    const model = sgdModel();
    const h = await model.fit(xt, yt, {
      epochs: 1,
      batchSize: 10,
      verbose: 0,
      validationData: validationData as never,
    });
    const val = model.evaluate(xv, yv);
    assert.ok(Math.abs(h.history.val_loss[0] - val.loss) < 1e-6, `${h.history.val_loss[0]} vs ${val.loss}`);
    const viaData = await model.evaluate(new DataLoader(new TensorDataset(xv, yv), { batchSize: 3 }));
    assert.ok(Math.abs(viaData.loss - val.loss) < 1e-6);
  }
  // validationSplit takes the last samples of x, y and sampleWeight alike.
  const model = sgdModel();
  const weights = tensor(Float32Array.from({ length: 60 }, (_, i) => (i < 40 ? 1 : 0)));
  const h = await model.fit(x, y, {
    epochs: 1,
    batchSize: 10,
    verbose: 0,
    validationSplit: 1 / 3,
    sampleWeight: weights,
  });
  assert.equal(h.history.val_loss[0], 0, 'the held-out samples all weigh 0');
  await assert.rejects(
    sgdModel().fit(batchesOf(x, y), { validationSplit: 0.2, verbose: 0 }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /got validationSplit with data that is not tensors; expected validationData/.test(e.message),
  );
});

/** A 2-class softmax layer with all-zero weights: every prediction is [0.5, 0.5], every loss ln 2. */
function zeroModel(lr: number): Sequential {
  const model = new Sequential([
    new Dense({ units: 2, activation: 'softmax', inputShape: [2], kernelInitializer: 'zeros' }),
  ]);
  model.compile({ optimizer: (p) => new SGD(p, { lr }), loss: 'sparse_categorical_crossentropy' });
  return model;
}

test('classWeight and sampleWeight: loss Σ wᵢ·ln2 / N and one SGD step as the closed form gives', async () => {
  const xs = [
    [1, 2],
    [-1, 0.5],
    [3, -2],
    [0.5, 1],
  ];
  const labels = [0, 1, 1, 0];
  const sampleWeight = [1, 0.5, 2, 0.25];
  const classWeight = { 1: 3 }; // class 0 is left out: weight 1
  const w = labels.map((c, i) => sampleWeight[i] * (c === 1 ? 3 : 1));
  const lr = 0.1,
    n = 4;
  // d loss / d logits_i = wᵢ (pᵢ − onehot(yᵢ)) / N with pᵢ = [0.5, 0.5].
  const dz = labels.map((c, i) => [0, 1].map((k) => (w[i] * (0.5 - (k === c ? 1 : 0))) / n));
  const kernel = [0, 1].flatMap((a) => [0, 1].map((k) => -lr * xs.reduce((s, xi, i) => s + xi[a] * dz[i][k], 0)));
  const bias = [0, 1].map((k) => -lr * dz.reduce((s, d) => s + d[k], 0));

  const check = async (fit: (m: Sequential) => Promise<{ history: Record<string, number[]> }>) => {
    const model = zeroModel(lr);
    const h = await fit(model);
    assert.ok(
      Math.abs(h.history.loss[0] - (w.reduce((a, b) => a + b) * Math.LN2) / n) < 1e-6,
      `loss ${h.history.loss[0]}`,
    );
    const got = Object.values(weightsOf(model));
    got[0].forEach((v, i) => assert.ok(Math.abs(v - kernel[i]) < 1e-6, `kernel ${got[0]} vs ${kernel}`));
    got[1].forEach((v, i) => assert.ok(Math.abs(v - bias[i]) < 1e-6, `bias ${got[1]} vs ${bias}`));
  };
  const x = tensor(xs),
    y = tensor(labels, { dtype: 'int32' }),
    sw = tensor(sampleWeight);
  const options = { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, classWeight } as const;
  await check((m) => m.fit(x, y, { ...options, sampleWeight: sw }));
  await check((m) => m.fit([[x, y, sw]], { epochs: 1, verbose: 0, classWeight }));
  await check((m) => m.fit([{ x, y, sampleWeight: sw }], { epochs: 1, verbose: 0, classWeight }));
  // One-hot targets look their class up by argmax.
  const oneHot = tensor(labels.map((c) => (c === 1 ? [0, 1] : [1, 0])));
  await check((m) => {
    m.compile({ optimizer: (p) => new SGD(p, { lr }), loss: 'categorical_crossentropy' });
    return m.fit(x, oneHot, { ...options, sampleWeight: sw });
  });
  // A custom loss weighs the per-sample losses it returns.
  await check((m) => {
    m.compile({
      optimizer: (p) => new SGD(p, { lr }),
      loss: (p: Tensor, t: Tensor) => p.log().mul(t).sum(-1).neg(),
    });
    return m.fit(x, oneHot, { ...options, sampleWeight: sw });
  });
  // evaluate weighs by sampleWeight too.
  const evaluated = zeroModel(lr).evaluate(x, y, { sampleWeight: sw });
  assert.ok(Math.abs(evaluated.loss - (3.75 * Math.LN2) / 4) < 1e-6);

  const custom = zeroModel(lr);
  custom.compile({ optimizer: 'sgd', loss: (p: Tensor) => p.sum() });
  await assert.rejects(
    custom.fit(x, y, { verbose: 0, sampleWeight: sw }),
    (e: Error) =>
      e instanceof ArgumentError && /must give one loss per sample, but it returned Tensor\(shape=\[\]/.test(e.message),
  );
  await assert.rejects(
    zeroModel(lr).fit(x, y, { verbose: 0, classWeight: { a: 1 } as never }),
    (e: Error) => e instanceof ArgumentError && /got classWeight=.*class "a" is not an integer/.test(e.message),
  );
  await assert.rejects(
    zeroModel(lr).fit(x, y, { verbose: 0, sampleWeight: tensor([1, 2]) }),
    (e: Error) => e instanceof ShapeError && /got sampleWeight of shape \[2\]; expected \[4\]/.test(e.message),
  );
});

test('a sample of weight 0 is ignored: its label, however wrong, changes nothing', async () => {
  const { x, y } = blobs(12);
  const labels = Array.from(y.dataSync());
  const train = async (wrong: number) => {
    const model = sgdModel();
    const yy = tensor(
      labels.map((c, i) => (i === 5 ? wrong : c)),
      { dtype: 'int32' },
    );
    const sw = tensor(labels.map((_, i) => (i === 5 ? 0 : 1)));
    await model.fit(x, yy, { epochs: 3, batchSize: 4, verbose: 0, sampleWeight: sw });
    return weightsOf(model);
  };
  assert.deepEqual(await train(0), await train(1));
  // With weight 1 the label matters.
  const plain = async (wrong: number) => {
    const model = sgdModel();
    await model.fit(
      x,
      tensor(
        labels.map((c, i) => (i === 5 ? wrong : c)),
        { dtype: 'int32' },
      ),
      {
        epochs: 3,
        batchSize: 4,
        verbose: 0,
      },
    );
    return weightsOf(model);
  };
  assert.notDeepEqual(await plain(0), await plain(1));
});

test('a seeded DataLoader trains reproducibly whatever manualSeed says, and fit shows its position', async () => {
  const { x, y } = blobs(40);
  const positions: number[] = [];
  class Watch extends Callback {
    override onBatchEnd(): void {
      positions.push(this.model?.trainLoader?.getState().position ?? -1);
    }
  }
  const run = async (seed: number, globalSeed: number) => {
    const model = sgdModel();
    manualSeed(globalSeed);
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 8, shuffle: true, seed });
    await model.fit(loader, { epochs: 2, verbose: 0, callbacks: [new Watch()] });
    assert.equal(model.trainLoader, null);
    return weightsOf(model);
  };
  const a = await run(4, 1);
  assert.deepEqual(positions, [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
  assert.deepEqual(await run(4, 2), a);
  assert.notDeepEqual(await run(5, 1), a);
  // Tensors shuffle with the global generator, through a loader of fit's own.
  positions.length = 0;
  const model = sgdModel();
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [new Watch()] });
  assert.deepEqual(positions, [1, 2, 3, 4, 5]);
});

test('batches that change shape or dtype are refused by their index; so is what is not data', async () => {
  const { x, y } = blobs(20);
  const model = sgdModel();
  const good = batchesOf(x, y, 5);
  const wide = [...good.slice(0, 2), [tensor(new Float32Array(15), { shape: [5, 3] }), good[2][1]], good[3]];
  await assert.rejects(
    model.fit(wide, { verbose: 0 }),
    (e: Error) =>
      e instanceof ShapeError &&
      /fit: batch 2 \(counting from 0\) of epoch 1 has per sample x \[3\] float32, y \[\] int32, sampleWeight none but the first batch had x \[2\] float32/.test(
        e.message,
      ),
  );
  const floatLabels = [...good.slice(0, 3), [good[3][0], tensor([0, 1, 0, 1, 0])]];
  await assert.rejects(
    model.fit(floatLabels, { verbose: 0 }),
    (e: Error) =>
      e instanceof DTypeError &&
      /batch 3 \(counting from 0\) of epoch 1 has per sample .*y \[\] float32/.test(e.message),
  );
  await assert.rejects(
    model.fit([good[0], 'text'] as never, { verbose: 0 }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /batch 1 \(counting from 0\) of epoch 1 is "text"; expected \[x, y\]/.test(e.message),
  );
  await assert.rejects(
    model.fit(42 as never, { verbose: 0 }),
    (e: Error) => e instanceof ArgumentError && /fit: got data 42; expected tensors, a DataLoader/.test(e.message),
  );
  await assert.rejects(
    model.fit(good, { verbose: 0, sampleWeight: tensor([1]) }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /got sampleWeight with data that is not tensors; expected each batch to carry its own/.test(e.message),
  );
});

test('predict over a DataLoader or batches of x gives what predict over the tensor gives', async () => {
  const { x, y } = blobs(23);
  const model = sgdModel();
  await model.fit(x, y, { epochs: 1, verbose: 0 });
  const expected = model.predict(x).toArray();
  assert.deepEqual((await model.predict(new DataLoader(new TensorDataset(x), { batchSize: 5 }))).toArray(), expected);
  assert.deepEqual((await model.predict(batchesOf(x, y, 4).map(([xb]) => xb))).toArray(), expected);
  assert.deepEqual((await model.predict(batchesOf(x, y, 4))).toArray(), expected, '[x, y] batches: y is ignored');
  const logs: Logs = await model.evaluate(batchesOf(x, y, 4), { steps: 2 });
  assert.ok(Math.abs(logs.loss - model.evaluate(rows(x, 0, 8), rows(y, 0, 8)).loss) < 1e-6, 'steps caps the batches');
});

test("a callback resumes fit's loader mid-epoch in onTrainBegin: the rest of the epoch an unbroken run trains on", async () => {
  const { x } = blobs(40);
  // Regression on the sample ids, so that a metric that sees the targets sees which samples were trained on.
  const ids = tensor(Array.from({ length: 40 }, (_, i) => [i]));
  const make = () => new DataLoader(new TensorDataset(x, ids), { batchSize: 8, shuffle: true, seed: 7 });
  const run = async (loader: DataLoader, callback: Callback): Promise<number[][]> => {
    const seen: number[][] = [];
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    const record = function seen_ids(_p: Tensor, t: Tensor): number {
      seen.push(Array.from(t.dataSync()));
      return 0;
    };
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [record] });
    await model.fit(loader, { verbose: 0, callbacks: [callback] });
    return seen;
  };
  const expected = await run(make(), new Callback());
  const cut = make();
  let saved = cut.getState();
  const first = await run(
    cut,
    new (class extends Callback {
      override onBatchEnd(batch: number): void {
        if (batch < 1) return;
        saved = JSON.parse(JSON.stringify(this.model?.trainLoader?.getState()));
        (this.model as Sequential).stopTraining = true;
      }
    })(),
  );
  assert.deepEqual(first, expected.slice(0, 2));
  assert.deepEqual([saved.epoch, saved.position], [0, 2]);
  const rest = await run(
    make(),
    new (class extends Callback {
      override onTrainBegin(): void {
        this.model?.trainLoader?.setState(saved);
      }
    })(),
  );
  assert.deepEqual(rest, expected.slice(2));
});
