/**
 * Convolution and pooling on WebGPU against the portable backend (the reference): forward values
 * and the gradients of a conv → pool → weighted-sum graph, over strides 1 and 2, dilation 2,
 * 'valid' and 'same' padding, odd sizes, 1, 3 and 6 channels and batches of 1 to 3; max pooling
 * with ties and NaNs; and the seed CNN trained for 5 steps on both. Convolution sums in another
 * order than the portable GEMM, so values agree to float32 tolerance; pooling's selections exactly.
 *
 * Skips, saying why, where no WebGPU adapter is found (see test/helpers/webgpu.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam,
  avgPool2d,
  backendReady,
  conv2d,
  getBackend,
  manualSeed,
  maxPool2d,
  randint,
  rand,
  setBackend,
  sparseCategoricalCrossEntropy,
  tensor,
  transferStats,
  type Backend,
  type Conv2dOptions,
  type Pool2dOptions,
  type Tensor,
} from '../../src/index.js';
import { seedMnistCnn } from '../../src/zoo/mnist-model.js';
import { webgpuSkipReason } from '../helpers/webgpu.js';
import { assertClose } from '../helpers/gradcheck.js';
import { random } from '../helpers/seeded.js';

interface Case {
  name: string;
  x: number[]; // [batch, h, w, channels]
  k: number[]; // [kh, kw, channels, cout]
  conv: Conv2dOptions;
  pool: 'max' | 'avg';
  poolOptions: Pool2dOptions;
}

const cases: Case[] = [
  { name: 'stride 1 valid, 1 channel', x: [1, 7, 9, 1], k: [3, 3, 1, 3], conv: {}, pool: 'max', poolOptions: {} },
  {
    name: "stride 2 'same', 3 channels, batch 3",
    x: [3, 8, 7, 3],
    k: [3, 2, 3, 6],
    conv: { strides: 2, padding: 'same' },
    pool: 'avg',
    poolOptions: { poolSize: 3, strides: 2, padding: 'same' },
  },
  {
    name: "dilation 2 'same', 6 channels, overlapping max windows",
    x: [2, 9, 9, 6],
    k: [3, 3, 6, 2],
    conv: { dilation: 2, padding: 'same' },
    pool: 'max',
    poolOptions: { poolSize: 3, strides: 1, padding: 'same' },
  },
  {
    name: '1×1 kernel, overlapping average windows',
    x: [3, 5, 6, 3],
    k: [1, 1, 3, 3],
    conv: {},
    pool: 'avg',
    poolOptions: { poolSize: 2, strides: 1 },
  },
  {
    name: "strides [2, 1] with dilation 2 'same', uneven max windows",
    x: [1, 10, 11, 6],
    k: [5, 3, 6, 1],
    conv: { strides: [2, 1], dilation: 2, padding: 'same' },
    pool: 'max',
    poolOptions: { poolSize: [2, 3], strides: [1, 2], padding: 'same' },
  },
  {
    name: "stride 2 valid, even kernel, 'same' average over odd sizes",
    x: [2, 11, 9, 3],
    k: [2, 4, 3, 6],
    conv: { strides: 2 },
    pool: 'avg',
    poolOptions: { poolSize: 2, padding: 'same' },
  },
];

const count = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

function values(n: number, seed: number): number[] {
  const r = random(seed);
  return Array.from({ length: n }, () => r() * 2 - 1);
}

const read = async (t: Tensor | null): Promise<number[]> => {
  assert.ok(t !== null, 'a gradient');
  return [...(await t.data())];
};

/** conv, pool, their outputs and the gradients of Σ w·pool(conv(x, k)) on the active backend. */
async function convPool(c: Case, seed: number): Promise<number[][]> {
  const x = tensor(values(count(c.x), seed), { shape: c.x, requiresGrad: true });
  const k = tensor(values(count(c.k), seed + 1), { shape: c.k, requiresGrad: true });
  const y = conv2d(x, k, c.conv);
  const p = c.pool === 'max' ? maxPool2d(y, c.poolOptions) : avgPool2d(y, c.poolOptions);
  const w = tensor(values(p.size, seed + 2), { shape: p.shape });
  p.mul(w).sum().backward();
  return [await read(y), await read(p), await read(x.grad), await read(k.grad)];
}

/** Max and average pooling alone over values with ties and NaNs, and their input gradients. */
async function pools(seed: number): Promise<number[][]> {
  const r = random(seed);
  const shape = [3, 7, 6, 3];
  // Quarters in [-1, 1]: many ties; every 17th a NaN.
  const data = Array.from({ length: count(shape) }, (_, i) =>
    i % 17 === 5 ? Number.NaN : Math.round(r() * 8 - 4) / 4,
  );
  const out: number[][] = [];
  for (const options of [{}, { poolSize: 3, strides: 2, padding: 'same' }, { poolSize: [3, 2], strides: 1 }] as const) {
    for (const pool of [maxPool2d, avgPool2d]) {
      const x = tensor(data, { shape, requiresGrad: true });
      const p = pool(x, options);
      p.mul(tensor(values(p.size, seed + 3), { shape: p.shape }))
        .sum()
        .backward();
      out.push(await read(p), await read(x.grad));
    }
  }
  return out;
}

/** The seed CNN's losses over `steps` Adam steps on one batch of 4 random images, and the transfers during them. */
async function seedLosses(steps: number): Promise<{ losses: number[]; moved: number }> {
  manualSeed(3);
  const model = seedMnistCnn();
  const x = rand([4, 28, 28, 1]);
  const y = randint(0, 10, [4]);
  model.call(x);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const start = transferStats().count;
  const losses: Tensor[] = [];
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const loss = sparseCategoricalCrossEntropy(model.call(x), y);
    loss.backward();
    optimizer.step();
    losses.push(loss);
  }
  const moved = transferStats().count - start;
  return { losses: await Promise.all(losses.map(async (l) => (await l.data())[0])), moved };
}

/** Run `body` on portable, then on WebGPU; the backend is restored afterwards. */
async function onBoth<T>(body: () => Promise<T>): Promise<[reference: T, gpu: T]> {
  const before: Backend = getBackend();
  try {
    setBackend('portable');
    const reference = await body();
    await backendReady('webgpu');
    assert.equal(getBackend().name, 'webgpu');
    return [reference, await body()];
  } finally {
    setBackend(before);
  }
}

for (const [i, c] of cases.entries()) {
  test(`webgpu conv2d → ${c.pool} pool forward and gradients match portable: ${c.name}`, async (t) => {
    const why = webgpuSkipReason();
    if (why) return t.skip(why);
    const [reference, gpu] = await onBoth(() => convPool(c, 10 * i));
    const names = ['conv', 'pool', 'dx', 'dk'];
    gpu.forEach((v, j) => assertClose(v, reference[j], 1e-5, 1e-4, `${c.name}: ${names[j]}`));
  });
}

test('webgpu max and average pooling match portable with ties and NaNs (first tap wins, NaN propagates)', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const [reference, gpu] = await onBoth(() => pools(5));
  // Max pooling selects, so its values and gradients are exact; averages to float32 rounding.
  gpu.forEach((v, j) => {
    const max = j % 4 < 2;
    assertClose(v, reference[j], max ? 0 : 1e-6, max ? 0 : 1e-5, `pool ${j}`);
  });
});

test('the seed CNN trains 5 steps on WebGPU with the losses of the portable backend and no transfers', async (t) => {
  const why = webgpuSkipReason();
  if (why) return t.skip(why);
  const [reference, gpu] = await onBoth(() => seedLosses(5));
  assertClose(gpu.losses, reference.losses, 1e-5, 1e-4, 'seed CNN losses');
  assert.equal(gpu.moved, 0, 'no tensor moved between backends while training');
  assert.ok(gpu.losses[4] < gpu.losses[0], `the loss falls: ${gpu.losses.join(', ')}`);
});
