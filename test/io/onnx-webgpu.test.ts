/**
 * ONNX export of a model living on WebGPU: the weights are rearranged by WebGPU kernels and read
 * with `await t.data()` (no synchronous read of device storage), and the file is byte for byte
 * the one the portable backend writes for the same model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AveragePooling2D,
  Conv2D,
  Dense,
  Flatten,
  MaxPooling2D,
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

/** A small CNN: its export traces convolution and both poolings on the active backend. */
async function exportedCnn(): Promise<Uint8Array> {
  manualSeed(32);
  const model = new Sequential([
    new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', padding: 'same', inputShape: [9, 9, 2] }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 3, kernelSize: 2, strides: 2 }),
    new AveragePooling2D({ poolSize: 2, padding: 'same' }),
    new Flatten(),
    new Dense({ units: 3 }),
  ]);
  return (await toOnnx(model)).data;
}

test('models on WebGPU (an encoder, a CNN) export the same files as on the portable backend', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const before = getBackend();
  try {
    setBackend('portable');
    const reference = [await exported(), await exportedCnn()];
    await backendReady('webgpu');
    setBackend('webgpu');
    const gpu = [await exported(), await exportedCnn()];
    assert.equal(getBackend().name, 'webgpu');
    assert.deepEqual(Buffer.from(gpu[0]), Buffer.from(reference[0]), 'encoder');
    assert.deepEqual(Buffer.from(gpu[1]), Buffer.from(reference[1]), 'CNN');
  } finally {
    setBackend(before);
  }
});
