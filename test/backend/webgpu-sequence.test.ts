/**
 * A next-token model (Embedding with a padding row → Dense) trained with the sequence
 * cross-entropy (ignoreIndex, labelSmoothing), AdamW groups without decay and a cosine warm-up
 * schedule, on WebGPU and on the portable backend from the same seed: the losses agree step by
 * step, and the padding row is still zero on the device.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdamW,
  CosineWithWarmup,
  Dense,
  Embedding,
  Module,
  backendReady,
  getBackend,
  manualSeed,
  paramGroupsWithoutDecay,
  randint,
  sequenceCrossEntropy,
  setBackend,
  tensor,
  type Backend,
  type Tensor,
} from '../../src/index.js';
import { webgpuSkipReason } from '../helpers/webgpu.js';

class NextToken extends Module {
  embed = new Embedding({ inputDim: 12, outputDim: 8, paddingIdx: 0 });
  out = new Dense({ units: 12, inputDim: 8 });
  forward(ids: Tensor): Tensor {
    return this.out.call(this.embed.call(ids).gelu({ approximate: 'tanh' }));
  }
}

async function run(steps: number): Promise<{ losses: number[]; paddingRow: number[] }> {
  manualSeed(5);
  const model = new NextToken();
  const x = randint(0, 12, [4, 6]);
  const y = tensor([3, 4, 5, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 2, 2, 2, 0, 0, 0], {
    shape: [4, 6],
    dtype: 'int32',
  });
  const opt = new AdamW(paramGroupsWithoutDecay(model, { weightDecay: 0.1 }), { lr: 0.05 });
  const schedule = new CosineWithWarmup(opt, { warmupSteps: 3, totalSteps: steps });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = sequenceCrossEntropy(model.call(x), y, { ignoreIndex: 0, labelSmoothing: 0.1 });
    loss.backward();
    opt.step();
    schedule.step();
    losses.push((await loss.data())[0]);
  }
  const table = await model.embed.weight.data();
  return { losses, paddingRow: Array.from(table.slice(0, 8)) };
}

test('Embedding + sequence cross-entropy + AdamW groups + cosine warm-up train alike on WebGPU and portable', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const before: Backend = getBackend();
  try {
    setBackend('portable');
    const reference = await run(20);
    await backendReady('webgpu');
    assert.equal(getBackend().name, 'webgpu');
    const gpu = await run(20);
    for (let i = 0; i < reference.losses.length; i++) {
      const [g, r] = [gpu.losses[i], reference.losses[i]];
      assert.ok(Math.abs(g - r) <= 1e-4 + 1e-4 * Math.abs(r), `step ${i}: webgpu ${g} vs portable ${r}`);
    }
    assert.ok(gpu.losses.at(-1)! < gpu.losses[0] * 0.9, `the loss falls: ${gpu.losses[0]} → ${gpu.losses.at(-1)}`);
    assert.deepEqual(gpu.paddingRow, new Array(8).fill(0), 'the padding row got no gradient and no decay');
  } finally {
    setBackend(before);
  }
});
