/**
 * SimpleRNN, LSTM, GRU and Bidirectional: PyTorch reference values (forward, final states and
 * every gradient, same weights, with and without masks: test/fixtures/make_nn_recurrent.py, run by
 * test/helpers/recurrent-fixture.ts), finite-difference gradient
 * checks over several steps with masks and initial states, Keras's masking rule, clear errors,
 * save/load through the layer registry, and a small learning task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Tensor,
  type Parameter,
  SimpleRNN,
  LSTM,
  GRU,
  Bidirectional,
  Dense,
  Sequential,
  loadModel,
  tensor,
  randn,
  rand,
  zeros,
  manualSeed,
  noGrad,
  sliceAxis,
  concat,
  binaryCrossEntropyWithLogits,
  Adam,
  ShapeError,
  ArgumentError,
} from '../../src/index.js';
import { RECURRENT_CASES, caseName, checkRecurrentCase, makeLayer } from '../helpers/recurrent-fixture.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

for (const c of RECURRENT_CASES) {
  test(`${caseName(c)} matches torch.nn.${c.kind.toUpperCase()}(batch_first=True)${c.lengths ? ' on a packed sequence' : ''}: outputs, final states, gradients of input, initial states and every weight`, () =>
    checkRecurrentCase(c));
}

/** Finite differences for a layer's own weights: perturb each Parameter in place. */
function checkWeightGrads(params: Parameter[], objective: () => Tensor, eps = 1e-2, tol = 2e-2): void {
  for (const p of params) p.grad = null;
  objective().backward();
  for (const p of params) {
    const analytic = p.grad!.dataSync();
    const data = p.dataSync() as Float32Array;
    for (let j = 0; j < data.length; j++) {
      const orig = data[j];
      data[j] = orig + eps;
      p.copy_(data);
      const plus = noGrad(objective).item();
      data[j] = orig - eps;
      p.copy_(data);
      const minus = noGrad(objective).item();
      data[j] = orig;
      p.copy_(data);
      const numeric = (plus - minus) / (2 * eps);
      assert.ok(
        Math.abs(analytic[j] - numeric) <= tol + tol * Math.abs(numeric),
        `weight element ${j}: autograd ${analytic[j]} vs finite difference ${numeric}`,
      );
    }
  }
}

const MASK = tensor(
  [
    [1, 1, 1, 0],
    [1, 0, 1, 1],
    [1, 1, 0, 0],
  ],
  { dtype: 'int32' },
);

for (const kind of ['rnn', 'lstm', 'gru'] as const) {
  for (const goBackwards of [false, true]) {
    test(`${kind.toUpperCase()}${goBackwards ? ' (goBackwards, no biases)' : ''}: gradients over 4 steps with a mask and initial states match finite differences (input, states, every weight)`, () => {
      manualSeed(11);
      const layer = makeLayer(kind, 3, { inputDim: 2, goBackwards, useBias: !goBackwards });
      const x = randn([3, 4, 2]);
      const h0 = randn([3, 3]).mul(0.5);
      const c0 = randn([3, 3]).mul(0.5);
      const useMask = (xs: Tensor, hs: Tensor, cs: Tensor): Tensor => {
        const [out, ...states] = layer.call(xs, { mask: MASK, initialState: kind === 'lstm' ? [hs, cs] : [hs] });
        return concat([out, ...states.map((s) => s.reshape([3, 1, 3]))], 1);
      };
      gradcheck(useMask, [x, h0, c0]);
      const w = randn([3, 4 + (kind === 'lstm' ? 2 : 1), 3]);
      checkWeightGrads(layer.parameters(), () => useMask(x, h0, c0).mul(w).sum());
    });
  }
}

test('masking follows Keras: a padded step keeps the state and outputs zeros; trailing padding = a shorter sequence', () => {
  manualSeed(3);
  for (const kind of ['rnn', 'lstm', 'gru'] as const) {
    const layer = makeLayer(kind, 4, { inputDim: 3 });
    const x = randn([2, 5, 3]);
    const mask = tensor([
      [1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1],
    ]);
    const [out, ...states] = noGrad(() => layer.call(x, { mask }));
    const [shortOut, ...shortStates] = noGrad(() => layer.call(sliceAxis(x, 1, 0, 3)));
    const o = out.dataSync(),
      so = shortOut.dataSync();
    // Sequence 0: its first 3 outputs are the short run's; the padded ones are zeros.
    assertClose(o.slice(0, 12), so.slice(0, 12), 1e-6, 1e-6, `${kind} outputs before padding`);
    assert.deepEqual([...o.slice(12, 20)], new Array(8).fill(0), `${kind}: padded steps output zeros`);
    states.forEach((s, i) =>
      assertClose(s.dataSync().slice(0, 4), shortStates[i].dataSync().slice(0, 4), 1e-6, 1e-6, `${kind} state ${i}`),
    );
    // returnSequences false gives the state after the last real step.
    const last = noGrad(() => new LSTM({ units: 2, inputDim: 3 }).call(x, { mask }));
    assert.deepEqual(last.shape, [2, 2]);
  }
});

test('backward twice through a retained graph: doubled gradients, and two different roots add up (one gradient array per pass)', () => {
  manualSeed(4);
  const layer = new LSTM({ units: 3, inputDim: 2, returnSequences: true });
  const x = randn([2, 4, 2]);
  const loss = (): Tensor => layer.call(x).square().sum();
  layer.zeroGrad();
  loss().backward();
  const once = layer.weight_ih_l0!.grad!.dataSync();
  layer.zeroGrad();
  const l = loss();
  l.backward(undefined, { retainGraph: true });
  l.backward();
  const twice = layer.weight_ih_l0!.grad!.dataSync();
  // A second root through the same retained graph that reaches fewer steps: only the first output.
  layer.zeroGrad();
  const out = layer.call(x);
  const first = sliceAxis(out, 1, 0, 1).sum();
  const all = out.sum();
  first.backward(undefined, { retainGraph: true });
  all.backward();
  const both = layer.weight_ih_l0!.grad!.dataSync();
  layer.zeroGrad();
  const again = layer.call(x);
  sliceAxis(again, 1, 0, 1).sum().add(again.sum()).backward();
  assertClose(both, layer.weight_ih_l0!.grad!.dataSync(), 1e-6, 1e-5, 'two roots, one retained graph');
  assertClose(
    twice,
    once.map((v) => 2 * v),
    1e-6,
    1e-5,
    'twice the gradient',
  );
});

test('errors name what was expected: wrong mask shape, initial states, input rank, options', () => {
  const lstm = new LSTM({ units: 4, inputDim: 3 });
  const x = randn([2, 5, 3]);
  assert.throws(
    () => lstm.call(x, { mask: zeros([2, 4]) }),
    (e: Error) =>
      e instanceof ShapeError && /LSTM: got mask \[2, 4\]; expected a Tensor of shape \[2, 5\]/.test(e.message),
  );
  assert.throws(() => lstm.call(x, { initialState: zeros([2, 4]) }), /expected \[h0, c0\]/);
  assert.throws(() => lstm.call(x, { initialState: [zeros([2, 3]), zeros([2, 4])] }), ShapeError);
  assert.throws(() => lstm.call(randn([2, 3])), /expected \[batch, time, features\]/);
  assert.throws(() => lstm.call(randn([2, 5, 4])), /expected 3 features/);
  assert.throws(() => new GRU({ units: 0 }), ArgumentError);
  assert.throws(() => new LSTM({ units: 2, returnSequence: true } as never), /returnSequence/);
  assert.throws(() => new SimpleRNN({ units: 2, activation: 'sigmoid' as never }), /expected 'tanh' or 'relu'/);
  assert.throws(() => new Bidirectional(new LSTM({ units: 2 }), { mergeMode: 'max' as never }), /mergeMode/);
});

test('shapes, parameter names and counts are PyTorch-compatible', () => {
  const lstm = new LSTM({ units: 5, inputDim: 3 });
  assert.deepEqual(
    lstm.namedParameters().map(([k, p]) => [k, p.shape]),
    [
      ['weight_ih_l0', [20, 3]],
      ['weight_hh_l0', [20, 5]],
      ['bias_ih_l0', [20]],
      ['bias_hh_l0', [20]],
    ],
  );
  assert.equal(new GRU({ units: 4, inputDim: 2, useBias: false }).numParameters(), 3 * 4 * (2 + 4));
  const seq = new Sequential([
    new GRU({ units: 4, returnSequences: true, inputShape: [7, 3] }),
    new Dense({ units: 2 }),
  ]);
  assert.deepEqual(seq.call(randn([2, 7, 3])).shape, [2, 7, 2]);
  const bi = new Bidirectional(new SimpleRNN({ units: 3 }), { mergeMode: 'ave' });
  assert.deepEqual(bi.call(randn([2, 6, 4])).shape, [2, 3]);
  assert.deepEqual(bi.computeOutputShape([null, 6, 4]), [null, 3]);
});

test('save → loadModel round trip: LSTM, Bidirectional GRU, SimpleRNN in a Sequential give the same predictions', async () => {
  manualSeed(9);
  const model = new Sequential([
    new LSTM({ units: 4, returnSequences: true, inputShape: [5, 3] }),
    new Bidirectional(new GRU({ units: 3, returnSequences: true })),
    new SimpleRNN({ units: 2, activation: 'relu' }),
    new Dense({ units: 1 }),
  ]);
  const x = randn([2, 5, 3]);
  const before = noGrad(() => model.call(x)).dataSync();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rnn-'));
  try {
    await model.save(join(dir, 'm'));
    const loaded = loadModel(join(dir, 'm'));
    assertClose(noGrad(() => loaded.call(x)).dataSync(), before, 0, 0, 'predictions after loading');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an LSTM learns to recall the first bit of a 6-step sequence (chance is 50 %)', () => {
  manualSeed(1);
  const n = 64,
    time = 6;
  // Seeded ±1 bits (rand follows manualSeed; Math.random would not).
  const x = rand([n, time, 1]).gt(0.5).float().mul(2).sub(1);
  const y = sliceAxis(x, 1, 0, 1).reshape([n, 1]).gt(0).float();
  const model = new Sequential([new LSTM({ units: 8, inputShape: [time, 1] }), new Dense({ units: 1 })]);
  const opt = new Adam(model.parameters(), { lr: 0.03 });
  for (let step = 0; step < 120; step++) {
    opt.zeroGrad();
    binaryCrossEntropyWithLogits(model.call(x), y).backward();
    opt.step();
  }
  const logits = noGrad(() => model.call(x)).dataSync();
  const labels = y.dataSync();
  let right = 0;
  for (let i = 0; i < n; i++) if (logits[i] > 0 === labels[i] > 0.5) right++;
  assert.ok(right / n >= 0.9, `accuracy ${right}/${n}`);
});
