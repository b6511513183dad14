/** Seeded random tensors: reproducible by seed, and with the right distributions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  manualSeed,
  randn,
  rand,
  uniform,
  normal,
  randint,
  glorotUniform,
  glorotNormal,
  heNormal,
  heUniform,
  randomPermutation,
  getRngState,
  setRngState,
} from '../../src/index.js';

function moments(data: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0,
    s2 = 0,
    min = Infinity,
    max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    s += v;
    s2 += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / data.length;
  return { mean, std: Math.sqrt(s2 / data.length - mean * mean), min, max };
}

test('the same seed gives the same draws; a different seed gives different ones', () => {
  manualSeed(42);
  const a = randn([100]).toFlatArray();
  const b = rand([10]).toFlatArray();
  manualSeed(42);
  assert.deepEqual(randn([100]).toFlatArray(), a);
  assert.deepEqual(rand([10]).toFlatArray(), b);
  manualSeed(43);
  assert.notDeepEqual(randn([100]).toFlatArray(), a);
});

test('seeding resets the cached second Box–Muller value (odd counts stay reproducible)', () => {
  manualSeed(7);
  randn([3]); // leaves a spare normal behind
  manualSeed(7);
  const first = randn([4]).toFlatArray();
  manualSeed(7);
  assert.deepEqual(randn([4]).toFlatArray(), first);
});

test('getRngState/setRngState resume the stream', () => {
  manualSeed(5);
  rand([3]);
  const state = getRngState();
  const next = rand([5]).toFlatArray();
  setRngState(state);
  assert.deepEqual(rand([5]).toFlatArray(), next);
});

test('randn on 10k samples has mean ≈ 0 and std ≈ 1; normal shifts and scales', () => {
  manualSeed(1);
  const m = moments(randn([10000]).dataSync());
  // Standard error of the mean is 0.01; of the std about 0.007. Bounds at ~5 standard errors.
  assert.ok(Math.abs(m.mean) < 0.05, `mean ${m.mean}`);
  assert.ok(Math.abs(m.std - 1) < 0.035, `std ${m.std}`);
  assert.ok(m.max > 3 && m.min < -3, 'tails are reached');
  const n = moments(normal([10000], 5, 0.5).dataSync());
  assert.ok(Math.abs(n.mean - 5) < 0.025 && Math.abs(n.std - 0.5) < 0.02, `normal: ${JSON.stringify(n)}`);
});

test('rand and uniform stay in [low, high) with the right mean', () => {
  manualSeed(2);
  const r = moments(rand([10000]).dataSync());
  assert.ok(r.min >= 0 && r.max < 1);
  assert.ok(Math.abs(r.mean - 0.5) < 0.015, `mean ${r.mean}`);
  assert.ok(Math.abs(r.std - Math.sqrt(1 / 12)) < 0.01, `std ${r.std}`);
  const w = moments(uniform([10000], -3, -1).dataSync());
  assert.ok(w.min >= -3 && w.max < -1 && Math.abs(w.mean + 2) < 0.03);
});

test('randint covers [low, high) and nothing else', () => {
  manualSeed(3);
  const t = randint(-2, 3, [5000]);
  assert.equal(t.dtype, 'int32');
  const counts = new Map<number, number>();
  for (const v of t.dataSync()) counts.set(v, (counts.get(v) ?? 0) + 1);
  assert.deepEqual(
    [...counts.keys()].sort((a, b) => a - b),
    [-2, -1, 0, 1, 2],
  );
  for (const c of counts.values()) assert.ok(c > 850 && c < 1150, `count ${c}`);
});

test('glorotUniform and He initialisers use the Keras limits', () => {
  manualSeed(4);
  const w = glorotUniform([300, 200]);
  const limit = Math.sqrt(6 / 500);
  const m = moments(w.dataSync());
  assert.ok(m.min >= -limit && m.max <= limit, `range [${m.min}, ${m.max}] vs ±${limit}`);
  assert.ok(m.max > 0.98 * limit && m.min < -0.98 * limit, 'the whole range is used');
  assert.ok(Math.abs(m.std - limit / Math.sqrt(3)) < 0.002, `std ${m.std}`);
  // Convolution kernel [kh, kw, in, out]: fans include the receptive field 3·3.
  const k = glorotUniform([3, 3, 4, 8]);
  const kl = Math.sqrt(6 / (9 * 4 + 9 * 8));
  assert.ok(moments(k.dataSync()).max <= kl && moments(k.dataSync()).min >= -kl);
  assert.ok(Math.abs(moments(glorotNormal([400, 100]).dataSync()).std - Math.sqrt(2 / 500)) < 0.002);
  assert.ok(Math.abs(moments(heNormal([500, 100]).dataSync()).std - Math.sqrt(2 / 500)) < 0.002);
  assert.ok(moments(heUniform([50, 10]).dataSync()).max <= Math.sqrt(6 / 50));
});

test('randomPermutation is a permutation and is seeded', () => {
  manualSeed(9);
  const p = randomPermutation(50);
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  manualSeed(9);
  assert.deepEqual([...randomPermutation(50)], [...p]);
  assert.notDeepEqual(
    [...p],
    Array.from({ length: 50 }, (_, i) => i),
  );
});
