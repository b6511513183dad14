/**
 * ONNX export of the recurrent layers (ONNX's RNN, LSTM and GRU ops, with the gate blocks
 * reordered), checked against onnxruntime-web: the file's outputs must match tessera's for both
 * returned forms (every step or the last), both directions, and a sequence length other than the
 * traced one (the time axis is variable when the input shape leaves it null).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import {
  Bidirectional,
  Dense,
  GRU,
  LSTM,
  Model,
  Sequential,
  SimpleRNN,
  manualSeed,
  noGrad,
  randn,
  toOnnx,
  type AnyModule,
  type Tensor,
} from '../../src/index.js';

ort.env.wasm.numThreads = 1;

async function largestDifference(model: AnyModule, x: Tensor): Promise<number> {
  const { data } = await toOnnx(model);
  const session = await ort.InferenceSession.create(data);
  const result = await session.run({
    input: new ort.Tensor('float32', Float32Array.from(x.toFlatArray()), [...x.shape]),
  });
  model.eval();
  const y = noGrad(() => model.call(x)) as Tensor;
  assert.deepEqual([...result.output.dims], [...y.shape], 'output shape');
  const ours = y.toFlatArray();
  const theirs = result.output.data as Float32Array;
  return ours.reduce((worst, v, i) => Math.max(worst, Math.abs(v - theirs[i])), 0);
}

for (const Layer of [LSTM, GRU, SimpleRNN]) {
  for (const returnSequences of [true, false]) {
    for (const goBackwards of [false, true]) {
      test(`${Layer.name} (returnSequences ${returnSequences}, goBackwards ${goBackwards}) runs in onnxruntime as in tessera`, async () => {
        manualSeed(7);
        const model = new Sequential([
          new Layer({ units: 5, returnSequences, goBackwards, inputShape: [null, 3] }),
          new Dense({ units: 2 }),
        ]);
        // Traced with 3 steps; run with 6.
        assert.ok((await largestDifference(model, randn([4, 6, 3]))) < 1e-5);
      });
    }
  }
}

test('stacked LSTM → GRU without biases, and SimpleRNN with relu', async () => {
  manualSeed(8);
  const model = new Sequential([
    new LSTM({ units: 4, returnSequences: true, useBias: false, inputShape: [5, 2] }),
    new GRU({ units: 3, returnSequences: true }),
    new SimpleRNN({ units: 3, activation: 'relu' }),
  ]);
  assert.ok((await largestDifference(model, randn([2, 5, 2]))) < 1e-5);
});

test('returnState and masks are refused, naming the layer', async () => {
  const stateful = new Sequential([new LSTM({ units: 2, returnState: true, inputShape: [3, 2] })]);
  await assert.rejects(toOnnx(stateful), /toOnnx: layer "0" \(LSTM\) returned \[Tensor.*without returnState/);
  class Masked extends Model {
    gru = new GRU({ units: 2, inputShape: [3, 2] });
    forward(x: Tensor): Tensor {
      return this.gru.call(x, { mask: randn([x.shape[0], x.shape[1]]).gt(0) });
    }
  }
  await assert.rejects(
    toOnnx(new Masked(), { inputShape: [3, 2] }),
    /toOnnx: layer "gru" \(GRU\) was called with .* beside its input/,
  );
});

for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
  test(`Bidirectional (mergeMode ${mergeMode}) runs in onnxruntime as in tessera`, async () => {
    manualSeed(9);
    const model = new Sequential([
      new Bidirectional(new GRU({ units: 3, returnSequences: true, inputShape: [null, 2] }), { mergeMode }),
      new Bidirectional(new LSTM({ units: 4 }), { mergeMode }),
    ]);
    assert.ok((await largestDifference(model, randn([3, 5, 2]))) < 1e-5);
  });
}
