/**
 * Pooling: forward values and gradients against PyTorch (test/fixtures/conv.json, made by
 * make_conv.py with TensorFlow-style 'same' padding), finite-difference gradchecks, and errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  avgPool2d,
  globalAvgPool2d,
  grad,
  manualSeed,
  maxPool2d,
  noGrad,
  randn,
  randomPermutation,
  tensor,
  ShapeError,
  DTypeError,
  ArgumentError,
} from '../../src/index.js';
import type { Padding, Pool2dOptions } from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

interface PoolCase {
  kind: 'max' | 'avg';
  xShape: number[];
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
  x: number[];
  w: number[];
  outShape: number[];
  out: number[];
  dx: number[];
}

const { pool: cases } = loadFixture<{ pool: PoolCase[] }>('conv.json');
const pools = { max: maxPool2d, avg: avgPool2d };

test('maxPool2d and avgPool2d match PyTorch: values and gradients, valid and same', () => {
  assert.ok(
    cases.some((c) => c.kind === 'max' && c.padding === 'same') &&
      cases.some((c) => c.kind === 'avg' && c.padding === 'same'),
  );
  for (const c of cases) {
    const what = `${c.kind}Pool2d x${JSON.stringify(c.xShape)} ${JSON.stringify({ k: c.poolSize, s: c.strides, p: c.padding })}`;
    const pool = pools[c.kind];
    const opts: Pool2dOptions = { poolSize: c.poolSize, strides: c.strides, padding: c.padding };
    const x = tensor(c.x, { shape: c.xShape });
    const w = tensor(c.w, { shape: c.outShape });
    const out = pool(x, opts);
    assert.deepEqual(out.shape, c.outShape, what);
    assertClose(out.dataSync(), c.out, 1e-6, 1e-5, `${what} out`);
    const [dx] = grad((t) => pool(t, opts).mul(w).sum())(x);
    assertClose(dx.dataSync(), c.dx, 1e-6, 1e-5, `${what} dx`);
  }
});

/** Distinct values 0.1 apart, shuffled: no ties, so max pooling is differentiable at the point. */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const p = randomPermutation(n);
  return tensor(
    Array.from(p, (v) => (v - n / 2) * 0.1),
    { shape },
  );
}

test('maxPool2d gradchecks (inputs without ties)', () => {
  manualSeed(11);
  const configs: Pool2dOptions[] = [
    {},
    { poolSize: 3, strides: 2, padding: 'same' },
    { poolSize: [2, 3], strides: 1, padding: 'valid' },
    { poolSize: 2, strides: 2, padding: 'same' },
  ];
  for (const opts of configs) gradcheck((x) => maxPool2d(x, opts), [distinct([2, 5, 6, 2])]);
});

test('avgPool2d gradchecks with valid and same padding', () => {
  manualSeed(12);
  const configs: Pool2dOptions[] = [
    {},
    { poolSize: 3, strides: 2, padding: 'same' },
    { poolSize: [3, 2], strides: [1, 2], padding: 'same' },
    { poolSize: 3, strides: 1, padding: 'valid' },
  ];
  for (const opts of configs) gradcheck((x) => avgPool2d(x, opts), [randn([2, 5, 6, 2])]);
});

test('avgPool2d with same padding averages only the taps inside the image', () => {
  // One 2×2 image, 3×3 window, stride 1: every window sees all four pixels, never the zero padding.
  const x = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1] });
  assert.deepEqual(avgPool2d(x, { poolSize: 3, strides: 1, padding: 'same' }).toFlatArray(), [2.5, 2.5, 2.5, 2.5]);
});

test('maxPool2d 2×2 stride 2 (the fast path) matches per-window maxima and propagates NaN', () => {
  manualSeed(5);
  const x = randn([3, 9, 8, 4]);
  const fast = maxPool2d(x);
  // The reference: the four taps of every window picked out by index, then an elementwise maximum.
  const slices: Tensor[] = [];
  for (const [dh, dw] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]) {
    const idx: number[] = [];
    for (let n = 0; n < 3; n++)
      for (let oh = 0; oh < 4; oh++)
        for (let ow = 0; ow < 4; ow++)
          for (let c = 0; c < 4; c++) {
            idx.push(((n * 9 + 2 * oh + dh) * 8 + 2 * ow + dw) * 4 + c);
          }
    slices.push(
      tensor(
        idx.map((i) => x.dataSync()[i]),
        { shape: [3, 4, 4, 4] },
      ),
    );
  }
  const expected = slices.reduce((a, b) => a.maximum(b));
  assert.deepEqual(fast.shape, [3, 4, 4, 4]);
  assertClose(fast.dataSync(), expected.dataSync(), 0, 0, 'fast path');
  const withNaN = tensor([1, NaN, 3, 0, 5, 6, 7, 8], { shape: [1, 2, 2, 2] });
  assert.ok(Number.isNaN(maxPool2d(withNaN).dataSync()[1]));
  assert.ok(Number.isNaN(maxPool2d(withNaN, { poolSize: 2, strides: 1 }).dataSync()[1]), 'general path');
});

test('maxPool2d records no graph when no gradient is needed', () => {
  const x = randn([1, 4, 4, 1], { requiresGrad: true });
  const y = noGrad(() => maxPool2d(x));
  assert.equal(y.gradFn, null);
  assert.equal(maxPool2d(randn([1, 4, 4, 1])).requiresGrad, false);
});

test('globalAvgPool2d averages height and width and sends gradient 1/(H·W)', () => {
  manualSeed(2);
  const x = randn([2, 3, 4, 5]);
  const y = globalAvgPool2d(x);
  assert.deepEqual(y.shape, [2, 5]);
  for (let n = 0; n < 2; n++)
    for (let c = 0; c < 5; c++) {
      let s = 0;
      const xValues = x.dataSync();
      for (let p = 0; p < 12; p++) s += xValues[(n * 12 + p) * 5 + c];
      assert.ok(Math.abs(y.dataSync()[n * 5 + c] - s / 12) < 1e-6);
    }
  const [dx] = grad((t) => globalAvgPool2d(t).sum())(x);
  assertClose(dx.dataSync(), new Array(x.size).fill(1 / 12), 1e-7, 0, 'dx');
  assert.throws(() => globalAvgPool2d(randn([2, 3, 4])), ShapeError);
});

test('pooling refuses bad inputs with messages that say what was expected', () => {
  const x = randn([1, 3, 3, 2]);
  const throwsWith = (f: () => unknown, kind: new (...args: never[]) => Error, re: RegExp): void => {
    assert.throws(f, (e: Error) => e instanceof kind && re.test(e.message), re.source);
  };
  throwsWith(
    () => maxPool2d(randn([3, 3, 2])),
    ShapeError,
    /maxPool2d: got input of shape \[3, 3, 2\].*expected rank 4/,
  );
  throwsWith(
    () => avgPool2d(x, { poolSize: 4 }),
    ShapeError,
    /avgPool2d: the pool window spans 4 along height.*has only 3/,
  );
  throwsWith(() => maxPool2d(tensor(new Int32Array(18), { shape: [1, 3, 3, 2] })), DTypeError, /dtype int32/);
  throwsWith(() => maxPool2d(x, { poolSize: 0 }), ArgumentError, /poolSize 0/);
  throwsWith(() => maxPool2d(x, { strides: -1 }), ArgumentError, /strides -1/);
  throwsWith(() => avgPool2d(x, { padding: 'SAME' as Padding }), ArgumentError, /padding "SAME"/);
  throwsWith(() => maxPool2d(x, 2 as never), ArgumentError, /expected an object such as \{ poolSize: 2 \}/);
  throwsWith(() => maxPool2d(x, { pool_size: 2 } as never), ArgumentError, /unknown option "pool_size"/);
  // 'same' padding accepts a window larger than the image.
  assert.deepEqual(maxPool2d(x, { poolSize: 4, padding: 'same' }).shape, [1, 1, 1, 2]);
});
