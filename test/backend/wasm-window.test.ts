/**
 * The wasm im2col / col2im and pooling kernels against the portable ones over random geometries:
 * kernel sizes, strides, dilations, 'valid' and 'same' padding, few and many channels (both copy
 * paths), batches, and inputs that are subarray views. The data movement is exact, so im2col,
 * col2im and max pooling (values and argmax) must agree bit for bit; average pooling within
 * float32 rounding of its scale.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, portableBackend, type Window2dArgs } from '../../src/index.js';
import { portableConvKernels } from '../../src/backend/portable/index.js';
import { random } from '../helpers/seeded.js';

function view(n: number, rnd: () => number, offset: number): Float32Array {
  const a = new Float32Array(n + offset + 2);
  for (let i = 0; i < a.length; i++) a[i] = Math.round((rnd() * 2 - 1) * 64) / 16; // ties happen in max pooling
  return a.subarray(offset, offset + n);
}

/** A random window geometry with TensorFlow's 'valid' / 'same' rules, as ops/conv.ts builds it. */
function geometry(rnd: () => number): Window2dArgs {
  const pick = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const channels = [1, 2, 3, 4, 5, 8, 17, 32][pick(0, 7)];
  const kH = pick(1, 4),
    kW = pick(1, 4);
  const strideH = pick(1, 3),
    strideW = pick(1, 3);
  const dilationH = pick(1, 2),
    dilationW = pick(1, 2);
  const same = rnd() < 0.5;
  const inH = pick((kH - 1) * dilationH + 1, 12),
    inW = pick((kW - 1) * dilationW + 1, 12);
  const axis = (size: number, k: number, s: number, d: number): [number, number] => {
    const span = (k - 1) * d + 1;
    const out = same ? Math.ceil(size / s) : Math.floor((size - span) / s) + 1;
    return [out, same ? Math.floor(Math.max((out - 1) * s + span - size, 0) / 2) : 0];
  };
  const [outH, padTop] = axis(inH, kH, strideH, dilationH);
  const [outW, padLeft] = axis(inW, kW, strideW, dilationW);
  return {
    batch: pick(1, 3),
    inH,
    inW,
    channels,
    kH,
    kW,
    outH,
    outW,
    strideH,
    strideW,
    dilationH,
    dilationW,
    padTop,
    padLeft,
  };
}

const be = createWasmBackend({ threads: 1 });
const rnd = random(42);
const geometries = Array.from({ length: 120 }, () => geometry(rnd));
const imageLength = (a: Window2dArgs): number => a.batch * a.inH * a.inW * a.channels;
const colsLength = (a: Window2dArgs): number => a.batch * a.outH * a.outW * a.kH * a.kW * a.channels;
const pooledLength = (a: Window2dArgs): number => a.batch * a.outH * a.outW * a.channels;

test('wasm im2col and col2im equal the portable kernels exactly', () => {
  for (const a of geometries) {
    const x = view(imageLength(a), rnd, 3);
    const want = new Float32Array(colsLength(a));
    const got = new Float32Array(colsLength(a)).fill(Number.NaN);
    portableConvKernels.im2col(x, a, want);
    be.convKernels.im2col(x, a, got);
    assert.deepEqual(got, want, `im2col ${JSON.stringify(a)}`);
    const cols = view(colsLength(a), rnd, 5);
    const dxWant = new Float32Array(imageLength(a));
    const dxGot = new Float32Array(imageLength(a)).fill(Number.NaN);
    portableConvKernels.col2im(cols, a, dxWant);
    be.convKernels.col2im(cols, a, dxGot);
    assert.deepEqual(dxGot, dxWant, `col2im ${JSON.stringify(a)}`);
  }
});

test('wasm max pooling equals portable in values and argmax, ties and NaN included', () => {
  for (const a of geometries) {
    const x = view(imageLength(a), rnd, 1);
    if (x.length > 4) x[3] = Number.NaN;
    const want = new Float32Array(pooledLength(a));
    const wantAt = new Int32Array(pooledLength(a));
    portableBackend.maxPool2d(x, a, want, wantAt);
    const got = new Float32Array(pooledLength(a));
    const gotAt = new Int32Array(pooledLength(a)).fill(-1);
    be.maxPool2d(x, a, got, gotAt);
    assert.deepEqual(got, want, `maxPool2d ${JSON.stringify(a)}`);
    assert.deepEqual(gotAt, wantAt, `maxPool2d argmax ${JSON.stringify(a)}`);
    const noIndex = new Float32Array(pooledLength(a));
    be.maxPool2d(x, a, noIndex, null);
    assert.deepEqual(noIndex, want);
  }
});

test('wasm average pooling and its backward match portable within float32 rounding', () => {
  const close = (got: Float32Array, want: Float32Array, what: string): void => {
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-6 * (1 + Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
    }
  };
  for (const a of geometries) {
    const x = view(imageLength(a), rnd, 2);
    const want = new Float32Array(pooledLength(a));
    const got = new Float32Array(pooledLength(a)).fill(Number.NaN);
    portableBackend.avgPool2d(x, a, want);
    be.avgPool2d(x, a, got);
    close(got, want, `avgPool2d ${JSON.stringify(a)}`);
    const g = view(pooledLength(a), rnd, 4);
    const dxWant = new Float32Array(imageLength(a));
    const dxGot = new Float32Array(imageLength(a)).fill(Number.NaN);
    portableBackend.avgPool2dBackward(g, a, dxWant);
    be.avgPool2dBackward(g, a, dxGot);
    close(dxGot, dxWant, `avgPool2dBackward ${JSON.stringify(a)}`);
  }
});

test('wasm window kernels split over two threads by image equal the portable kernels exactly', async () => {
  const threaded = createWasmBackend({ threads: 2 });
  await threaded.whenReady();
  const rnd = random(43);
  const before = threaded.workerChunks;
  // Large enough to split (≥ 32k floats written, ≥ 2 images), with padding, strides and odd channel counts.
  const shapes: Window2dArgs[] = [
    {
      batch: 7,
      inH: 26,
      inW: 26,
      channels: 32,
      kH: 2,
      kW: 2,
      outH: 13,
      outW: 13,
      strideH: 2,
      strideW: 2,
      dilationH: 1,
      dilationW: 1,
      padTop: 0,
      padLeft: 0,
    },
    {
      batch: 5,
      inH: 20,
      inW: 17,
      channels: 13,
      kH: 3,
      kW: 3,
      outH: 20,
      outW: 17,
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      padTop: 1,
      padLeft: 1,
    },
    {
      batch: 3,
      inH: 30,
      inW: 30,
      channels: 8,
      kH: 3,
      kW: 2,
      outH: 14,
      outW: 15,
      strideH: 2,
      strideW: 2,
      dilationH: 1,
      dilationW: 1,
      padTop: 0,
      padLeft: 0,
    },
  ];
  for (const a of shapes) {
    const x = view(imageLength(a), rnd, 1);
    const cols = new Float32Array(colsLength(a)),
      colsWant = new Float32Array(colsLength(a));
    threaded.convKernels.im2col(x, a, cols);
    portableConvKernels.im2col(x, a, colsWant);
    assert.deepEqual(cols, colsWant, `im2col ${JSON.stringify(a)}`);
    const dx = new Float32Array(imageLength(a)).fill(Number.NaN),
      dxWant = new Float32Array(imageLength(a));
    threaded.convKernels.col2im(cols, a, dx);
    portableConvKernels.col2im(cols, a, dxWant);
    assert.deepEqual(dx, dxWant, `col2im ${JSON.stringify(a)}`);
    const out = new Float32Array(pooledLength(a)),
      at = new Int32Array(pooledLength(a));
    const outWant = new Float32Array(pooledLength(a)),
      atWant = new Int32Array(pooledLength(a));
    threaded.maxPool2d(x, a, out, at);
    portableBackend.maxPool2d(x, a, outWant, atWant);
    assert.deepEqual(out, outWant, `maxPool2d ${JSON.stringify(a)}`);
    assert.deepEqual(at, atWant, `maxPool2d argmax ${JSON.stringify(a)}`);
    const g = view(pooledLength(a), rnd, 2);
    const back = new Float32Array(imageLength(a)).fill(Number.NaN),
      backWant = new Float32Array(imageLength(a));
    threaded.maxPool2dBackward(g, at, a, back);
    portableBackend.maxPool2dBackward(g, atWant, a, backWant);
    assert.deepEqual(back, backWant, `maxPool2dBackward ${JSON.stringify(a)}`);
    const noIndex = new Float32Array(pooledLength(a));
    threaded.maxPool2d(x, a, noIndex, null);
    assert.deepEqual(noIndex, outWant, `maxPool2d without argmax ${JSON.stringify(a)}`);
  }
  // A worker asleep when a short call starts may find every chunk taken: retry a few times.
  const a0 = shapes[0],
    x0 = view(imageLength(a0), rnd, 1),
    cols0 = new Float32Array(colsLength(a0));
  for (let i = 0; i < 200 && threaded.workerChunks === before; i++) threaded.convKernels.im2col(x0, a0, cols0);
  assert.ok(threaded.workerChunks > before, 'no chunk ran on the worker thread');
  // Regression: max pooling without argmax once wrote indices at low addresses (over the thread
  // control block), after which the workers never took a chunk again.
  const after = threaded.workerChunks;
  const a = shapes[0];
  const x = view(imageLength(a), rnd, 1),
    cols = new Float32Array(colsLength(a));
  for (let i = 0; i < 200 && threaded.workerChunks === after; i++) threaded.convKernels.im2col(x, a, cols);
  assert.ok(threaded.workerChunks > after, 'the workers stopped taking chunks after max pooling without argmax');
  threaded.setThreads(1);
});
