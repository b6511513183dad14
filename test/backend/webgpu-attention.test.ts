/**
 * The attention layers on WebGPU: an encoder–decoder Transformer (pre-LN, GELU, key padding,
 * causal decoder) built from the same seed on the portable backend and on WebGPU gives the same
 * output and the same gradients, with no tensor moved between backends. The layers are
 * compositions of ops that WebGPU implements, so nothing falls back to the CPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Transformer,
  TransformerEncoderLayer,
  backendReady,
  concat,
  noGrad,
  sliceAxis,
  getBackend,
  manualSeed,
  randn,
  setBackend,
  tensor,
  transferStats,
  type Backend,
} from '../../src/index.js';
import { webgpuSkipReason } from '../helpers/webgpu.js';
import { assertClose } from '../helpers/gradcheck.js';

/** Output, input gradients and every parameter gradient of one forward/backward pass, as host arrays. */
async function run(): Promise<Map<string, Float32Array>> {
  manualSeed(9);
  const model = new Transformer({
    numHeads: 2,
    dModel: 8,
    dimFeedforward: 12,
    dropout: 0,
    activation: 'gelu',
    normFirst: true,
    numEncoderLayers: 1,
    numDecoderLayers: 1,
  });
  const src = randn([2, 5, 8]).requiresGrad_();
  const tgt = randn([2, 3, 8]).requiresGrad_();
  const padding = tensor([
    [0, 0, 0, 1, 1],
    [0, 0, 0, 0, 0],
  ]).int();
  const out = model.call(src, tgt, { srcKeyPaddingMask: padding });
  out.mul(randn(out.shape)).sum().backward();
  const values = new Map<string, Float32Array>();
  values.set('out', (await out.data()) as Float32Array);
  values.set('dsrc', (await src.grad!.data()) as Float32Array);
  values.set('dtgt', (await tgt.grad!.data()) as Float32Array);
  for (const [name, p] of model.namedParameters()) values.set(`d${name}`, (await p.grad!.data()) as Float32Array);
  return values;
}

test('a Transformer gives the same outputs and gradients on WebGPU as on the portable backend', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const before: Backend = getBackend();
  try {
    setBackend('portable');
    const reference = await run();
    await backendReady('webgpu');
    assert.equal(getBackend().name, 'webgpu');
    const moved = transferStats().count;
    const gpu = await run();
    for (const [name, expected] of reference) assertClose(gpu.get(name)!, expected, 1e-4, 1e-3, `webgpu ${name}`);
    assert.equal(transferStats().count, moved, 'no tensor moved between backends during the pass');
  } finally {
    setBackend(before);
  }
});

/** Incremental decoding: a prefill of 3 positions, then one per step, through a preallocated cache. */
async function decode(): Promise<Float32Array> {
  manualSeed(11);
  const layer = new TransformerEncoderLayer({
    numHeads: 2,
    dModel: 8,
    dimFeedforward: 16,
    dropout: 0,
    normFirst: true,
  });
  const x = randn([1, 6, 8]);
  const cache = layer.self_attn.createCache(6);
  const outs = noGrad(() => [3, 4, 5].map((t, i) => layer.step(sliceAxis(x, 1, i === 0 ? 0 : t - 1, t), cache)));
  return (await concat(outs, 1).data()) as Float32Array;
}

test('incremental decoding (writeAt into the KV cache, cachedAttention) gives the same values on WebGPU', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const before: Backend = getBackend();
  try {
    setBackend('portable');
    const reference = await decode();
    await backendReady('webgpu');
    const moved = transferStats().count;
    const gpu = await decode();
    assertClose(gpu, reference, 1e-5, 1e-4, 'webgpu decoding');
    assert.equal(transferStats().count, moved, 'no tensor moved between backends while decoding');
  } finally {
    setBackend(before);
  }
});
