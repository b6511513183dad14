/**
 * The README's MLP trained on WebGPU and on the portable backend from the same seed: the losses
 * agree step by step within float32 tolerance (the GPU sums in another order and its Adam runs in
 * float32, so bits differ). No kernel falls back: the only transfers are the loss reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam,
  Dense,
  Linear,
  Module,
  backendReady,
  getBackend,
  manualSeed,
  randint,
  randn,
  setBackend,
  sparseCategoricalCrossEntropy,
  transferStats,
  BackendError,
  type Backend,
  type Tensor,
} from '../../src/index.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { webgpuSkipReason } from '../helpers/webgpu.js';

class MLP extends Module {
  hidden = new Linear(32, 64);
  out = new Dense({ units: 10 });
  forward(input: Tensor): Tensor {
    return this.out.call(this.hidden.call(input).relu());
  }
}

async function losses(steps: number): Promise<number[]> {
  manualSeed(7);
  const model = new MLP();
  model.call(randn([1, 32]));
  const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
  const xb = randn([64, 32]);
  const yb = randint(0, 10, [64]);
  const out: number[] = [];
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const loss = sparseCategoricalCrossEntropy(model.call(xb), yb, { fromLogits: true });
    loss.backward();
    optimizer.step();
    out.push((await loss.data())[0]);
  }
  return out;
}

test('the README MLP trains on WebGPU with the losses of the portable backend, step by step', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const before: Backend = getBackend();
  try {
    setBackend('portable');
    const reference = await losses(30);
    await backendReady('webgpu');
    assert.equal(getBackend().name, 'webgpu');
    const moved = transferStats();
    const gpu = await losses(30);
    for (let i = 0; i < reference.length; i++) {
      assert.ok(
        Math.abs(gpu[i] - reference[i]) <= 1e-4 + 1e-4 * Math.abs(reference[i]),
        `step ${i}: webgpu ${gpu[i]} vs portable ${reference[i]}`,
      );
    }
    assert.ok(gpu[gpu.length - 1] < gpu[0] * 0.5, `the loss falls: ${gpu[0]} → ${gpu[gpu.length - 1]}`);
    // Reads of the loss are copies to the host, not transfers between backends.
    assert.equal(transferStats().count, moved.count, 'no tensor moved between backends while training');
    // A synchronous read of device storage is refused with a message that says what to do.
    const x = randn([2, 2]);
    assert.throws(
      () => x.dataSync(),
      (e: unknown) => e instanceof BackendError && /await/.test((e as Error).message),
    );
    const back = await x.to('portable');
    assert.equal(back.backend.name, 'portable');
    assert.equal(transferStats().count, moved.count + 1, 'Tensor.to counts a transfer');
  } finally {
    setBackend(before);
  }
});

test('TESSERA_BACKEND=webgpu: tessera info names the adapter', (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const r = spawnSync(process.execPath, [cli, 'info', '--json'], {
    env: { ...process.env, TESSERA_BACKEND: 'webgpu' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(info.backend, 'webgpu');
  assert.equal(typeof info.adapter, 'string');
  assert.ok(info.adapter.length > 0);
});
