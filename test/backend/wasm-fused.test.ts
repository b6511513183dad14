/**
 * The fused layer kernels (bias add + activation, forward and backward) and max-pool backward on
 * both backends, against a plain reference written here from the definition (the composition it
 * replaces). All are exact: the same float32 additions in the same order, so every comparison is
 * bit for bit (NaN equals NaN, +0 differs from -0).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  createWasmBackend,
  portableBackend,
  type AdamStep,
  type Backend,
  type FusedActivation,
  type Window2dArgs,
} from '../../src/index.js';
import { random } from '../helpers/seeded.js';

const rnd = random(5);
const SPECIAL = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40, -1e-40, 3e38];

/** n floats in [-2, 2] as a view at an offset (kernels must not assume a buffer start), specials sprinkled in. */
function data(n: number, offset = 1, special = true): Float32Array {
  const a = new Float32Array(n + offset + 1);
  for (let i = 0; i < a.length; i++) a[i] = (rnd() * 2 - 1) * 2;
  if (special) for (let i = 0; i < SPECIAL.length && i * 5 < n; i++) a[offset + i * 5] = SPECIAL[i];
  return a.subarray(offset, offset + n);
}

function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(Object.is(got[i], want[i]), `${what}: [${i}] = ${got[i]}, expected ${want[i]}`);
}

/** The definition: the composed ops' arithmetic, one element at a time. */
function reference(
  x: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  act: FusedActivation,
): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    const v = bias ? Math.fround(x[i] + bias[i % cols]) : x[i];
    out[i] = act === 'relu' ? (v > 0 || Number.isNaN(v) ? v : 0) : v; // NaN stays NaN, as in PyTorch
  }
  return out;
}

function referenceBackward(
  g: Float32Array,
  y: Float32Array,
  rows: number,
  cols: number,
  act: FusedActivation,
): [Float32Array, Float32Array] {
  const dx = new Float32Array(rows * cols);
  const db = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      dx[i] = act === 'relu' ? (y[i] > 0 ? g[i] : 0) : g[i];
      db[c] = Math.fround(db[c] + dx[i]);
    }
  }
  return [dx, db];
}

const wasm = createWasmBackend({ threads: 1 });
// Column counts below, at and past the SIMD width, with remainders; row counts around the size
// where the wasm side stops declining (small cases go to the portable loop there too).
const shapes: [number, number][] = [
  [1, 1],
  [3, 5],
  [40, 3],
  [33, 4],
  [64, 7],
  [5, 64],
  [200, 32],
  [17, 130],
  [1, 515],
  [640, 10],
];

for (const [name, be] of [
  ['portable', portableBackend],
  ['wasm', wasm],
] as [string, Backend][]) {
  test(`${name} biasActivation equals the definition, with and without a bias, in place too`, () => {
    for (const [rows, cols] of shapes) {
      for (const act of ['linear', 'relu'] as FusedActivation[]) {
        for (const withBias of [true, false]) {
          const what = `${name} ${act} ${rows}x${cols}${withBias ? '' : ' no bias'}`;
          const x = data(rows * cols);
          const bias = withBias ? data(cols, 2, false) : null;
          const want = reference(x, bias, rows, cols, act);
          const out = new Float32Array(rows * cols).fill(7);
          be.biasActivation(x, bias, rows, cols, act, out);
          assertSame(out, want, what);
          const inPlace = x.slice();
          be.biasActivation(inPlace, bias, rows, cols, act, inPlace);
          assertSame(inPlace, want, `${what} in place`);
        }
      }
    }
  });

  test(`${name} biasActivationBackward equals the definition: masked gradient, bias column sums, either alone`, () => {
    for (const [rows, cols] of shapes) {
      for (const act of ['linear', 'relu'] as FusedActivation[]) {
        const what = `${name} ${act} ${rows}x${cols}`;
        const y = reference(data(rows * cols), data(cols, 2, false), rows, cols, act);
        const g = data(rows * cols, 3);
        const [dxWant, dbWant] = referenceBackward(g, y, rows, cols, act);
        const dx = new Float32Array(rows * cols).fill(7);
        const db = new Float32Array(cols).fill(7);
        be.biasActivationBackward(g, y, rows, cols, act, dx, db);
        assertSame(dx, dxWant, `${what} dx`);
        assertSame(db, dbWant, `${what} dBias`);
        const dxOnly = new Float32Array(rows * cols).fill(7);
        be.biasActivationBackward(g, y, rows, cols, act, dxOnly, null);
        assertSame(dxOnly, dxWant, `${what} dx alone`);
        const dbOnly = new Float32Array(cols).fill(7);
        be.biasActivationBackward(g, y, rows, cols, act, null, dbOnly);
        assertSame(dbOnly, dbWant, `${what} dBias alone`);
      }
    }
  });
}

test('wasm bias+activation on a two-thread backend (split by rows, dBias by columns) still equals the definition bit for bit', async () => {
  const threaded = createWasmBackend({ threads: 2 });
  await threaded.whenReady();
  const before = threaded.workerChunks;
  // ≥ 32k elements: the forward pass splits by rows; ≥ 64k: the backward pass too, dx by rows,
  // then dBias by blocks of 16 columns (tails of 4, 13 and 2 columns here), each sum in row order.
  for (const [rows, cols] of [
    [2000, 36],
    [1100, 64],
    [4096, 13],
    [5100, 13],
    [700, 130],
  ] as [number, number][]) {
    for (const act of ['linear', 'relu'] as FusedActivation[]) {
      const what = `2 threads ${act} ${rows}x${cols}`;
      const x = data(rows * cols),
        bias = data(cols, 2, false);
      const y = reference(x, bias, rows, cols, act);
      const out = new Float32Array(rows * cols).fill(7);
      threaded.biasActivation(x, bias, rows, cols, act, out);
      assertSame(out, y, `${what} forward`);
      const g = data(rows * cols, 3);
      const [dxWant, dbWant] = referenceBackward(g, y, rows, cols, act);
      const dx = new Float32Array(rows * cols).fill(7),
        db = new Float32Array(cols).fill(7);
      threaded.biasActivationBackward(g, y, rows, cols, act, dx, db);
      assertSame(dx, dxWant, `${what} dx`);
      assertSame(db, dbWant, `${what} dBias`);
      const dbOnly = new Float32Array(cols).fill(7);
      threaded.biasActivationBackward(g, y, rows, cols, act, null, dbOnly);
      assertSame(dbOnly, dbWant, `${what} dBias alone`);
      const dxOnly = new Float32Array(rows * cols).fill(7);
      threaded.biasActivationBackward(g, y, rows, cols, act, dxOnly, null);
      assertSame(dxOnly, dxWant, `${what} dx alone`);
    }
  }
  // A worker asleep when a short call starts may find every chunk taken: retry a few times.
  const x = data(4096 * 16),
    out = new Float32Array(4096 * 16);
  for (let i = 0; i < 200 && threaded.workerChunks === before; i++)
    threaded.biasActivation(x, null, 4096, 16, 'relu', out);
  assert.ok(threaded.workerChunks > before, 'no chunk ran on the worker thread');
  threaded.setThreads(1);
});

test('relu backward masks: where the unit is off, a NaN or infinite gradient still gives +0', () => {
  const y = new Float32Array(256);
  const g = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    y[i] = i % 2 === 0 ? 0 : 1.5;
    g[i] = [Number.NaN, Infinity, -Infinity, -3][i % 4];
  }
  for (const be of [portableBackend, wasm]) {
    const dx = new Float32Array(256);
    be.biasActivationBackward(g, y, 16, 16, 'relu', dx, null);
    for (let i = 0; i < 256; i++) assert.ok(Object.is(dx[i], i % 2 === 0 ? 0 : g[i]), `${be.name} [${i}] = ${dx[i]}`);
  }
});

/** A 'valid' or 'same' pooling geometry, as ops/conv.ts builds it. */
function poolGeometry(
  batch: number,
  inH: number,
  inW: number,
  channels: number,
  k: number,
  stride: number,
  same: boolean,
): Window2dArgs {
  const axis = (size: number): [number, number] => {
    const out = same ? Math.ceil(size / stride) : Math.floor((size - k) / stride) + 1;
    return [out, same ? Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2) : 0];
  };
  const [outH, padTop] = axis(inH);
  const [outW, padLeft] = axis(inW);
  return {
    batch,
    inH,
    inW,
    channels,
    kH: k,
    kW: k,
    outH,
    outW,
    strideH: stride,
    strideW: stride,
    dilationH: 1,
    dilationW: 1,
    padTop,
    padLeft,
  };
}

test('maxPool2dBackward routes each gradient to its recorded maximum, summing where windows overlap, on both backends', () => {
  const geometries = [
    poolGeometry(2, 6, 6, 3, 2, 2, false), // the classic 2×2: every tap in one window
    poolGeometry(1, 7, 5, 4, 3, 1, false), // overlapping windows: a tap may win several
    poolGeometry(3, 9, 9, 8, 3, 2, true),
    poolGeometry(32, 11, 11, 16, 2, 2, false),
  ];
  for (const a of geometries) {
    const what = JSON.stringify(a);
    const xLen = a.batch * a.inH * a.inW * a.channels,
      n = a.batch * a.outH * a.outW * a.channels;
    // Coarse values, so ties happen and overlapping windows share maxima.
    const x = new Float32Array(xLen).map(() => Math.round(rnd() * 8));
    const pooled = new Float32Array(n),
      argmax = new Int32Array(n);
    portableBackend.maxPool2d(x, a, pooled, argmax);
    const g = data(n, 1, false);
    const want = new Float32Array(xLen);
    for (let i = 0; i < n; i++) want[argmax[i]] = Math.fround(want[argmax[i]] + g[i]);
    for (const be of [portableBackend, wasm]) {
      const dx = new Float32Array(xLen).fill(7);
      be.maxPool2dBackward(g, argmax, a, dx);
      assertSame(dx, want, `${be.name} ${what}`);
    }
  }
});

test('wasm adamStep equals the portable loop bit for bit: Adam, AdamW, AMSGrad, maximize, odd lengths, specials', () => {
  const cases: { n: number; amsgrad: boolean; s: AdamStep }[] = [];
  const base = {
    beta1: 0.9,
    beta2: 0.999,
    c1: 1 - 0.9,
    c2: 1 - 0.999,
    l2: 0,
    shrink: 1,
    stepSize: 1e-3 / (1 - 0.9 ** 3),
    invBc2Sqrt: 1 / Math.sqrt(1 - 0.999 ** 3),
    eps: 1e-8,
    sign: 1,
  };
  cases.push({ n: 1031, amsgrad: false, s: base });
  cases.push({ n: 4096, amsgrad: true, s: { ...base, l2: 0.01 } });
  cases.push({
    n: 777,
    amsgrad: false,
    s: { ...base, shrink: 1 - 1e-3 * 0.1, sign: -1, beta1: 0.5, c1: 0.5, eps: 1e-3 },
  });
  cases.push({ n: 258, amsgrad: true, s: { ...base, stepSize: 0.37, beta2: 0.9, c2: 0.1 } });
  for (const { n, amsgrad, s } of cases) {
    const what = `n=${n}${amsgrad ? ' amsgrad' : ''} ${JSON.stringify(s)}`;
    const p = data(n),
      g = data(n, 2),
      m = data(n, 3, false),
      v = data(n, 1, false).map(Math.abs),
      vMax = data(n, 2, false).map(Math.abs);
    const want = [p.slice(), m.slice(), v.slice(), vMax.slice()];
    portableBackend.adamStep(want[0], g, want[1], want[2], amsgrad ? want[3] : null, s);
    const got = [p.slice(), m.slice(), v.slice(), vMax.slice()];
    wasm.adamStep(got[0], g, got[1], got[2], amsgrad ? got[3] : null, s);
    assertSame(got[0], want[0], `${what} p`);
    assertSame(got[1], want[1], `${what} m`);
    assertSame(got[2], want[2], `${what} v`);
    assertSame(got[3], want[3], `${what} vMax`);
    assert.ok(!got[0].every((x, i) => Object.is(x, p[i])), `${what}: nothing moved`);
  }
});

test('wasm adamStep split over two threads (ranges of whole cache lines) still equals the portable loop bit for bit', async () => {
  const threaded = createWasmBackend({ threads: 2 });
  await threaded.whenReady();
  const s: AdamStep = {
    beta1: 0.9,
    beta2: 0.999,
    c1: 0.1,
    c2: 0.001,
    l2: 0.01,
    shrink: 1,
    stepSize: 2e-3,
    invBc2Sqrt: 7.1,
    eps: 1e-8,
    sign: 1,
  };
  const before = threaded.workerChunks;
  for (const [n, amsgrad] of [
    [20001, false],
    [33333, true],
  ] as [number, boolean][]) {
    const p = data(n),
      g = data(n, 2),
      m = data(n, 3, false),
      v = data(n, 1, false).map(Math.abs),
      vMax = data(n, 2, false).map(Math.abs);
    const want = [p.slice(), m.slice(), v.slice(), vMax.slice()];
    portableBackend.adamStep(want[0], g, want[1], want[2], amsgrad ? want[3] : null, s);
    const got = [p.slice(), m.slice(), v.slice(), vMax.slice()];
    threaded.adamStep(got[0], g, got[1], got[2], amsgrad ? got[3] : null, s);
    ['p', 'm', 'v', 'vMax'].forEach((name, i) => assertSame(got[i], want[i], `n=${n} ${name}`));
  }
  const p = data(20000),
    g = data(20000, 2),
    m = new Float32Array(20000),
    v = new Float32Array(20000);
  for (let i = 0; i < 200 && threaded.workerChunks === before; i++) threaded.adamStep(p, g, m, v, null, s);
  assert.ok(threaded.workerChunks > before, 'no chunk ran on the worker thread');
  threaded.setThreads(1);
});
