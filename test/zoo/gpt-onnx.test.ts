/**
 * ONNX export of the zoo GPT, run in onnxruntime-web: traced with 3 tokens, run with other batch
 * sizes and lengths up to the context, tied and untied; with the weights of
 * test/fixtures/make_gpt_handoff.py it gives PyTorch's logits too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-web';
import { fromPytorch, manualSeed, noGrad, randint, randn, tensor, toOnnx, type Tensor } from '../../src/index.js';
import { GPT, type GPTConfig } from '../../src/zoo/gpt.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/gradcheck.js';
import { fromEntry, type Entry } from '../helpers/torch-state.js';

ort.env.wasm.numThreads = 1;
const fixture = loadFixture<{
  config: Pick<GPTConfig, 'vocabSize' | 'context' | 'layers' | 'heads' | 'width'>;
  state: Record<string, Entry>;
  ids: Entry;
  logits: Entry;
}>('gpt_handoff.json');

async function onnxLogits(session: ort.InferenceSession, ids: Tensor): Promise<{ dims: number[]; data: number[] }> {
  const feed = new ort.Tensor('int32', Int32Array.from(ids.toFlatArray()), [...ids.shape]);
  const { output } = await session.run({ input: feed });
  return { dims: [...output.dims], data: Array.from(output.data as Float32Array) };
}

test('a 2-layer GPT (width 16) in onnxruntime gives its logits and PyTorch’s, for any batch and length ≤ context', async () => {
  const model = new GPT(fixture.config);
  fromPytorch(model, Object.fromEntries(Object.entries(fixture.state).map(([k, e]) => [k, fromEntry(e)])));
  const exported = await toOnnx(model);
  assert.deepEqual(exported.inputs, [{ name: 'input', dtype: 'int32', shape: ['batch', 'input_dim1'] }]);
  const session = await ort.InferenceSession.create(exported.data);
  const ids = tensor(fixture.ids.values, { shape: fixture.ids.shape, dtype: 'int32' });
  const full = await onnxLogits(session, ids);
  assert.deepEqual(full.dims, [...fixture.logits.shape]);
  assertClose(full.data, fixture.logits.values, 1e-4, 1e-4, 'ONNX vs PyTorch logits');
  manualSeed(5);
  for (const [batch, time] of [
    [1, 1],
    [2, 5],
  ]) {
    const x = randint(0, fixture.config.vocabSize, [batch, time]);
    const theirs = await onnxLogits(session, x);
    assert.deepEqual(theirs.dims, [batch, time, fixture.config.vocabSize]);
    assertClose(theirs.data, noGrad(() => model.eval().call(x)).toFlatArray(), 1e-5, 1e-4, `[${batch}, ${time}]`);
  }
});

test('an untied GPT exports its own head', async () => {
  manualSeed(6);
  const model = new GPT({ ...fixture.config, tied: false });
  // Larger weights than the initial 0.02 scale, so the comparison means something.
  model.loadStateDict(Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, randn(t.shape)])));
  const { data, nodes } = await toOnnx(model);
  assert.ok(nodes > 0);
  const session = await ort.InferenceSession.create(data);
  const x = randint(0, fixture.config.vocabSize, [3, fixture.config.context]);
  const theirs = await onnxLogits(session, x);
  assertClose(theirs.data, noGrad(() => model.eval().call(x)).toFlatArray(), 1e-4, 1e-4, 'untied logits');
});
