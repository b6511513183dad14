/**
 * The recurrent layers on WebGPU: SimpleRNN, LSTM, GRU and Bidirectional, with and without masks,
 * against PyTorch's outputs, final states and gradients (test/fixtures/nn_recurrent.json, the
 * cases test/nn/layers-recurrent.test.ts runs on the CPU backends), with every step — GEMM, fused
 * cell, masks — on the device and no tensor moved between backends; the cell kernels themselves
 * against the portable ones (every optional gradient present or absent, saturated gates, a
 * two-dimensional grid); and a small LSTM trained a few steps on WebGPU and on the portable
 * backend from one seed: the losses agree and fall.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam,
  Dense,
  LSTM,
  Sequential,
  backendReady,
  getBackend,
  manualSeed,
  meanSquaredError,
  randn,
  setBackend,
  sliceAxis,
  transferStats,
  type Backend,
} from '../../src/index.js';
import { createWebGPUBackend, type WebGPUBackend, type WebGPUStorage } from '../../src/backend/webgpu/index.js';
import * as portable from '../../src/backend/portable/rnn.js';
import { webgpuSkipReason } from '../helpers/webgpu.js';
import { random } from '../helpers/seeded.js';
import { assertClose } from '../helpers/gradcheck.js';
import { RECURRENT_CASES, caseName, checkRecurrentCase } from '../helpers/recurrent-fixture.js';

/** Run `body` with WebGPU as the current backend, then restore the previous one. */
async function onWebGPU(body: () => Promise<void>): Promise<void> {
  const before: Backend = getBackend();
  try {
    await backendReady('webgpu');
    assert.equal(getBackend().name, 'webgpu');
    await body();
  } finally {
    setBackend(before);
  }
}

for (const c of RECURRENT_CASES) {
  test(`WebGPU: ${caseName(c)} matches torch (outputs, final states, every gradient) with no transfers`, async (t) => {
    const why = webgpuSkipReason();
    if (why) return t.skip(why);
    await onWebGPU(async () => {
      const moved = transferStats().count;
      await checkRecurrentCase(c);
      assert.equal(transferStats().count, moved, 'no tensor moved between backends');
    });
  });
}

const rnd = random(31);

/** Gate pre-activations mostly in ±4, every seventh far out (±30) where σ and tanh saturate. */
function gates(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (rnd() * 2 - 1) * (i % 7 === 3 ? 30 : 4));
}

/** Incoming gradients in ±2. */
function grads(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * 2);
}

/**
 * float32 on the GPU against float64 arithmetic (rounded) on the CPU: 1 − tanh² cancels where a
 * gate saturates, so gradients are compared to 1e-5 absolute.
 */
const [ATOL, RTOL] = [1e-5, 1e-4];

test('WebGPU: the lstmCell / gruCell kernels and their backwards equal the portable ones', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  // One workgroup per grid dimension: 300 units need a second row of the grid (see MAIN_1D).
  const be: WebGPUBackend = await createWebGPUBackend({ maxWorkgroupsPerDimension: 1 });
  const up = (a: Float32Array): WebGPUStorage => be.fromHost(a, false);
  const down = async (s: WebGPUStorage): Promise<Float32Array> => (await be.read(s)) as Float32Array;
  const alloc = (n: number): WebGPUStorage => be.allocate('float32', n, false);
  for (const [rows, units] of [
    [1, 1],
    [3, 7],
    [5, 60],
  ]) {
    const at = `[${rows}, ${units}]`;
    const n = rows * units;
    // LSTM
    const [gx, gh, cPrev] = [gates(4 * n), gates(4 * n), gates(n)];
    const want = { h: new Float32Array(n), c: new Float32Array(n), acts: new Float32Array(4 * n) };
    portable.lstmCell(gx, gh, cPrev, rows, units, want.h, want.c, want.acts);
    const [h, c, acts, cPrevG] = [alloc(n), alloc(n), alloc(4 * n), up(cPrev)];
    be.lstmCell(up(gx), up(gh), cPrevG, rows, units, h, c, acts);
    assertClose(await down(h), want.h, 1e-6, 1e-5, `lstmCell h ${at}`);
    assertClose(await down(c), want.c, 1e-6, 1e-5, `lstmCell c ${at}`);
    assertClose(await down(acts), want.acts, 1e-6, 1e-5, `lstmCell acts ${at}`);
    for (const [withDh, withDc, withDcPrev] of [
      [true, true, true],
      [true, false, true],
      [false, true, false],
    ]) {
      const dh = withDh ? grads(n) : null;
      const dc = withDc ? grads(n) : null;
      const wantG = new Float32Array(4 * n);
      const wantDc = withDcPrev ? new Float32Array(n) : null;
      portable.lstmCellBackward(dh, dc, want.acts, cPrev, want.c, rows, units, wantG, wantDc);
      const [dG, dcPrev] = [alloc(4 * n), withDcPrev ? alloc(n) : null];
      be.lstmCellBackward(dh && up(dh), dc && up(dc), acts, cPrevG, c, rows, units, dG, dcPrev);
      const what = `lstmCellBackward ${at} dh=${withDh} dc=${withDc}`;
      assertClose(await down(dG), wantG, ATOL, RTOL, `${what}: dGates`);
      if (dcPrev) assertClose(await down(dcPrev), wantDc!, ATOL, RTOL, `${what}: dcPrev`);
    }
    // GRU
    const [rx, rh, hPrev] = [gates(3 * n), gates(3 * n), gates(n)];
    const gru = { h: new Float32Array(n), acts: new Float32Array(4 * n) };
    portable.gruCell(rx, rh, hPrev, rows, units, gru.h, gru.acts);
    const [gh2, gActs, hPrevG] = [alloc(n), alloc(4 * n), up(hPrev)];
    be.gruCell(up(rx), up(rh), hPrevG, rows, units, gh2, gActs);
    assertClose(await down(gh2), gru.h, 1e-6, 1e-5, `gruCell h ${at}`);
    assertClose(await down(gActs), gru.acts, 1e-6, 1e-5, `gruCell acts ${at}`);
    const dh = grads(n);
    for (const only of ['all', 'dGx', 'dGh', 'dhPrev'] as const) {
      const pick = (name: string): boolean => only === 'all' || only === name;
      const want3 = [3 * n, 3 * n, n].map((k, i) => (pick(['dGx', 'dGh', 'dhPrev'][i]) ? new Float32Array(k) : null));
      portable.gruCellBackward(dh, gru.acts, hPrev, rows, units, want3[0], want3[1], want3[2]);
      const got3 = [3 * n, 3 * n, n].map((k, i) => (want3[i] ? alloc(k) : null));
      be.gruCellBackward(up(dh), gActs, hPrevG, rows, units, got3[0], got3[1], got3[2]);
      for (let i = 0; i < 3; i++)
        if (got3[i])
          assertClose(await down(got3[i]!), want3[i]!, ATOL, RTOL, `gruCellBackward ${at} (${only}) output ${i}`);
    }
  }
});

/** Losses of `steps` Adam steps of LSTM → Dense learning tanh of its input's first feature. */
async function train(steps: number): Promise<number[]> {
  manualSeed(21);
  const model = new Sequential([
    new LSTM({ units: 6, returnSequences: true, inputShape: [5, 3] }),
    new Dense({ units: 1 }),
  ]);
  const x = randn([4, 5, 3]);
  const y = sliceAxis(x, 2, 0, 1).tanh();
  const opt = new Adam(model.parameters(), { lr: 0.03 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = meanSquaredError(model.call(x), y);
    loss.backward();
    opt.step();
    losses.push((await loss.data())[0]);
  }
  return losses;
}

test('WebGPU: an LSTM trains (loss falls) and its losses follow the portable backend step by step', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const before: Backend = getBackend();
  let reference: number[];
  try {
    setBackend('portable');
    reference = await train(15);
  } finally {
    setBackend(before);
  }
  await onWebGPU(async () => {
    const moved = transferStats().count;
    const gpu = await train(15);
    assert.equal(transferStats().count, moved, 'no tensor moved between backends');
    for (let i = 0; i < reference.length; i++) {
      const [g, r] = [gpu[i], reference[i]];
      assert.ok(Math.abs(g - r) <= 1e-4 + 1e-3 * Math.abs(r), `step ${i}: webgpu ${g} vs portable ${r}`);
    }
    assert.ok(gpu.at(-1)! < gpu[0] * 0.5, `the loss falls: ${gpu[0]} → ${gpu.at(-1)}`);
  });
});
