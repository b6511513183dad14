/**
 * ONNX export of a model living on WebGPU: the weights are rearranged by WebGPU kernels and read
 * with `await t.data()` (no synchronous read of device storage), and the file is byte for byte
 * the one the portable backend writes for the same model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Dense,
  LayerNormalization,
  Sequential,
  TransformerEncoderLayer,
  backendReady,
  getBackend,
  manualSeed,
  setBackend,
  toOnnx,
} from '../../src/index.js';
import { webgpuSkipReason } from '../helpers/webgpu.js';

async function exported(): Promise<Uint8Array> {
  manualSeed(31);
  const model = new Sequential([
    new Dense({ units: 8, inputShape: [null, 4] }),
    new TransformerEncoderLayer({ numHeads: 2, dimFeedforward: 16, causal: true }),
    new LayerNormalization(),
    new Dense({ units: 3, activation: 'gelu' }),
  ]);
  return (await toOnnx(model)).data;
}

test('a model on WebGPU exports the same file as on the portable backend', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const before = getBackend();
  try {
    setBackend('portable');
    const reference = await exported();
    await backendReady('webgpu');
    setBackend('webgpu');
    const gpu = await exported();
    assert.equal(getBackend().name, 'webgpu');
    assert.deepEqual(Buffer.from(gpu), Buffer.from(reference));
  } finally {
    setBackend(before);
  }
});
