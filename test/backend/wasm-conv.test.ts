/**
 * The wasm backend's fused convolution (conv2d / conv2dBackward: im2col + GEMM inside the wasm
 * memory, or the direct kernels for short patches) against a float64 loop over the definition,
 * over random geometries: kernel sizes, strides, dilations, 'valid' and 'same' padding, 1×1
 * kernels, channel counts that hit every tail of the 8- and 32-channel blocks, batch 1 and more,
 * and inputs that are subarray views. Also on two threads (products large enough to be split), and
 * the memory stays at its first size when the same layer runs again.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, type WasmBackend as Backend, type Window2dArgs } from '../../src/index.js';
import { random } from '../helpers/seeded.js';

/** n values in [-1, 1) that start `offset` floats into a larger buffer. */
function view(n: number, rnd: () => number, offset: number): Float32Array {
  const a = new Float32Array(n + offset + 3);
  for (let i = 0; i < a.length; i++) a[i] = rnd() * 2 - 1;
  return a.subarray(offset, offset + n);
}

interface Layer {
  a: Window2dArgs;
  cout: number;
}

/** A random layer with TensorFlow's 'valid' / 'same' rules, as ops/conv.ts builds its geometry. */
function layer(
  rnd: () => number,
  opts: { channels?: number; cout?: number; maxSize?: number; batch?: number } = {},
): Layer {
  const pick = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const channels = opts.channels ?? [1, 1, 2, 3, 5, 8, 17][pick(0, 6)];
  const kH = pick(1, 5),
    kW = pick(1, 5);
  const strideH = pick(1, 3),
    strideW = pick(1, 3);
  const dilationH = pick(1, 2),
    dilationW = pick(1, 2);
  const same = rnd() < 0.5;
  const maxSize = opts.maxSize ?? 20;
  const inH = pick((kH - 1) * dilationH + 1, maxSize),
    inW = pick((kW - 1) * dilationW + 1, maxSize);
  const axis = (size: number, k: number, s: number, d: number): [number, number] => {
    const span = (k - 1) * d + 1;
    const out = same ? Math.ceil(size / s) : Math.floor((size - span) / s) + 1;
    return [out, same ? Math.floor(Math.max((out - 1) * s + span - size, 0) / 2) : 0];
  };
  const [outH, padTop] = axis(inH, kH, strideH, dilationH);
  const [outW, padLeft] = axis(inW, kW, strideW, dilationW);
  const cout = opts.cout ?? [1, 3, 4, 7, 8, 9, 16, 17, 31, 32, 33, 40][pick(0, 11)];
  const a = {
    batch: opts.batch ?? pick(1, 3),
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
  return { a, cout };
}

/** A 1×1 kernel at stride 1 without padding (the patch matrix is the input itself). */
function pointwise(rnd: () => number): Layer {
  const { a, cout } = layer(rnd);
  return {
    a: {
      ...a,
      kH: 1,
      kW: 1,
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      padTop: 0,
      padLeft: 0,
      outH: a.inH,
      outW: a.inW,
    },
    cout,
  };
}

/**
 * The convolution and both gradients by definition, in float64, each with the sum of the absolute
 * values of its terms, which bounds float32 rounding in any summation order.
 */
function reference(x: Float32Array, w: Float32Array, g: Float32Array, { a, cout }: Layer) {
  const C = a.channels;
  const out = new Float64Array(a.batch * a.outH * a.outW * cout),
    outMag = new Float64Array(out.length);
  const dx = new Float64Array(x.length),
    dxMag = new Float64Array(x.length);
  const dk = new Float64Array(w.length),
    dkMag = new Float64Array(w.length);
  for (let n = 0; n < a.batch; n++) {
    for (let oh = 0; oh < a.outH; oh++) {
      for (let ow = 0; ow < a.outW; ow++) {
        const o = ((n * a.outH + oh) * a.outW + ow) * cout;
        for (let kh = 0; kh < a.kH; kh++) {
          const ih = oh * a.strideH - a.padTop + kh * a.dilationH;
          if (ih < 0 || ih >= a.inH) continue;
          for (let kw = 0; kw < a.kW; kw++) {
            const iw = ow * a.strideW - a.padLeft + kw * a.dilationW;
            if (iw < 0 || iw >= a.inW) continue;
            for (let ci = 0; ci < C; ci++) {
              const xi = ((n * a.inH + ih) * a.inW + iw) * C + ci;
              const wi = ((kh * a.kW + kw) * C + ci) * cout;
              for (let co = 0; co < cout; co++) {
                out[o + co] += x[xi] * w[wi + co];
                outMag[o + co] += Math.abs(x[xi] * w[wi + co]);
                dx[xi] += g[o + co] * w[wi + co];
                dxMag[xi] += Math.abs(g[o + co] * w[wi + co]);
                dk[wi + co] += x[xi] * g[o + co];
                dkMag[wi + co] += Math.abs(x[xi] * g[o + co]);
              }
            }
          }
        }
      }
    }
  }
  return { out, outMag, dx, dxMag, dk, dkMag };
}

function assertNear(got: Float32Array, want: Float64Array, mag: Float64Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * mag[i] + 1e-30, `${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

/** Run the fused forward and backward (dk only, dx only, both) on `be` and check each result. */
function check(be: Backend, l: Layer, rnd: () => number): void {
  const { a, cout } = l;
  const what = `${JSON.stringify(a)} cout ${cout}`;
  const K = a.kH * a.kW * a.channels;
  const rows = a.batch * a.outH * a.outW;
  const x = view(a.batch * a.inH * a.inW * a.channels, rnd, 1);
  const w = view(K * cout, rnd, 2);
  const g = view(rows * cout, rnd, 3);
  const want = reference(x, w, g, l);
  const out = new Float32Array(rows * cout).fill(Number.NaN);
  assert.equal(be.convKernels.fusedConv2d!(x, w, a, cout, out, false, null), true, `${what}: conv2d declined`);
  assertNear(out, want.out, want.outMag, `conv2d ${what}`);
  // With a fast transform allowed (Winograd where the layer qualifies), the same within tolerance.
  const fast = new Float32Array(rows * cout).fill(Number.NaN);
  assert.equal(
    be.convKernels.fusedConv2d!(x, w, a, cout, fast, true, null),
    true,
    `${what}: conv2d (transformed) declined`,
  );
  assertNear(fast, want.out, want.outMag, `conv2d transformed ${what}`);
  const dx = new Float32Array(x.length).fill(Number.NaN);
  const dk = new Float32Array(w.length).fill(Number.NaN);
  assert.equal(be.convKernels.fusedConv2dBackward!(x, w, g, a, cout, dx, dk), true, `${what}: conv2dBackward declined`);
  assertNear(dx, want.dx, want.dxMag, `dx ${what}`);
  assertNear(dk, want.dk, want.dkMag, `dk ${what}`);
  const dkOnly = new Float32Array(w.length).fill(Number.NaN);
  be.convKernels.fusedConv2dBackward!(x, w, g, a, cout, null, dkOnly);
  assert.deepEqual(dkOnly, dk, `dk alone ${what}`);
  const dxOnly = new Float32Array(x.length).fill(Number.NaN);
  be.convKernels.fusedConv2dBackward!(x, w, g, a, cout, dxOnly, null);
  assert.deepEqual(dxOnly, dx, `dx alone ${what}`);
}

const single = createWasmBackend({ threads: 1 });

test('wasm fused conv2d and both gradients match the definition over random geometries', () => {
  const rnd = random(11);
  for (let i = 0; i < 150; i++) check(single, layer(rnd), rnd);
  for (let i = 0; i < 20; i++) check(single, pointwise(rnd), rnd);
});

test('wasm direct kernels (one input channel, up to 32 outputs) match on rows long enough for the 6-wide tile', () => {
  const rnd = random(12);
  // Wide rows put runs of six positions inside the image; every cout exercises a different tail.
  for (const cout of [1, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32]) {
    for (let i = 0; i < 6; i++) check(single, layer(rnd, { channels: 1, cout, maxSize: 30 }), rnd);
  }
  const seed = {
    batch: 2,
    inH: 28,
    inW: 28,
    channels: 1,
    kH: 3,
    kW: 3,
    outH: 26,
    outW: 26,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    padTop: 0,
    padLeft: 0,
  };
  check(single, { a: seed, cout: 32 }, rnd);
  check(single, { a: { ...seed, outH: 28, outW: 28, padTop: 1, padLeft: 1 }, cout: 32 }, rnd);
});

test('wasm fused conv2d on two threads matches the definition on products large enough to split', async () => {
  const threaded = createWasmBackend({ threads: 2 });
  await threaded.whenReady();
  const rnd = random(13);
  for (let i = 0; i < 8; i++) check(threaded, layer(rnd, { channels: 16, cout: 48, maxSize: 24, batch: 3 }), rnd);
  check(
    threaded,
    {
      a: {
        batch: 4,
        inH: 13,
        inW: 13,
        channels: 32,
        kH: 3,
        kW: 3,
        outH: 11,
        outW: 11,
        strideH: 1,
        strideW: 1,
        dilationH: 1,
        dilationW: 1,
        padTop: 0,
        padLeft: 0,
      },
      cout: 64,
    },
    rnd,
  );
  // The direct kernels (one input channel), split by images forward and by taps for the kernel gradient.
  const seed = {
    batch: 8,
    inH: 28,
    inW: 28,
    channels: 1,
    kH: 3,
    kW: 3,
    outH: 26,
    outW: 26,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    padTop: 0,
    padLeft: 0,
  };
  const before = threaded.workerChunks;
  check(threaded, { a: seed, cout: 32 }, rnd);
  check(threaded, { a: { ...seed, kH: 5, kW: 5, outH: 28, outW: 28, padTop: 2, padLeft: 2 }, cout: 20 }, rnd);
  // A worker asleep when a short call starts may find every chunk taken: retry a few times.
  const x = new Float32Array(8 * 28 * 28),
    w = new Float32Array(9 * 32),
    out = new Float32Array(8 * 26 * 26 * 32);
  for (let i = 0; i < 200 && threaded.workerChunks === before; i++)
    threaded.convKernels.fusedConv2d!(x, w, seed, 32, out, false, null);
  assert.ok(threaded.workerChunks > before, 'the direct kernels ran on one thread');
});

test('wasm conv2d handed to the threads by whole images gives exactly the one-thread results', async () => {
  // From 2 × threads images (and enough rows per task) a call goes by images (one task: patches,
  // product, folding back; forward packs the patches from x); row by row that is the same
  // arithmetic as one thread's im2col + GEMM, so the results must be identical.
  const threaded = createWasmBackend({ threads: 2 });
  await threaded.whenReady();
  const rnd = random(15);
  const layers: Layer[] = [
    ...Array.from({ length: 6 }, () =>
      layer(rnd, { channels: 8, cout: 24, maxSize: 16, batch: 4 + Math.floor(rnd() * 6) }),
    ),
    {
      a: {
        batch: 8,
        inH: 10,
        inW: 10,
        channels: 8,
        kH: 1,
        kW: 1,
        outH: 10,
        outW: 10,
        strideH: 1,
        strideW: 1,
        dilationH: 1,
        dilationW: 1,
        padTop: 0,
        padLeft: 0,
      },
      cout: 16,
    },
    // Too few rows per task (a deep layer's small output): split by rows instead, still the same bits.
    {
      a: {
        batch: 8,
        inH: 4,
        inW: 4,
        channels: 16,
        kH: 3,
        kW: 3,
        outH: 2,
        outW: 2,
        strideH: 1,
        strideW: 1,
        dilationH: 1,
        dilationW: 1,
        padTop: 0,
        padLeft: 0,
      },
      cout: 32,
    },
    {
      a: {
        batch: 8,
        inH: 13,
        inW: 13,
        channels: 32,
        kH: 3,
        kW: 3,
        outH: 11,
        outW: 11,
        strideH: 1,
        strideW: 1,
        dilationH: 1,
        dilationW: 1,
        padTop: 0,
        padLeft: 0,
      },
      cout: 64,
    },
    // The forward task packs its patches straight from the image: 'same' padding with a patch
    // longer than one packed slice (K = 432 > 384), and strides, dilation and 5 channels (runs
    // that are not multiples of 4, taps in the padding on every side).
    {
      a: {
        batch: 8,
        inH: 9,
        inW: 9,
        channels: 48,
        kH: 3,
        kW: 3,
        outH: 9,
        outW: 9,
        strideH: 1,
        strideW: 1,
        dilationH: 1,
        dilationW: 1,
        padTop: 1,
        padLeft: 1,
      },
      cout: 16,
    },
    {
      a: {
        batch: 8,
        inH: 15,
        inW: 14,
        channels: 5,
        kH: 3,
        kW: 3,
        outH: 7,
        outW: 7,
        strideH: 2,
        strideW: 2,
        dilationH: 2,
        dilationW: 2,
        padTop: 1,
        padLeft: 2,
      },
      cout: 12,
    },
  ];
  const before = threaded.workerChunks;
  for (const { a, cout } of layers) {
    const what = `${JSON.stringify(a)} cout ${cout}`;
    const K = a.kH * a.kW * a.channels,
      rows = a.batch * a.outH * a.outW;
    const x = view(a.batch * a.inH * a.inW * a.channels, rnd, 1),
      w = view(K * cout, rnd, 2),
      g = view(rows * cout, rnd, 3);
    const run = (be: Backend, dxOn: boolean, dkOn: boolean) => {
      const out = new Float32Array(rows * cout),
        dx = dxOn ? new Float32Array(x.length) : null,
        dk = dkOn ? new Float32Array(w.length) : null;
      be.convKernels.fusedConv2d!(x, w, a, cout, out, false, null);
      be.convKernels.fusedConv2dBackward!(x, w, g, a, cout, dx, dk);
      return { out, dx, dk };
    };
    for (const [dxOn, dkOn] of [
      [true, true],
      [true, false],
      [false, true],
    ]) {
      assert.deepEqual(run(threaded, dxOn, dkOn), run(single, dxOn, dkOn), `${what} (dx ${dxOn}, dk ${dkOn})`);
    }
  }
  assert.ok(threaded.workerChunks > before, 'no chunk ran on a worker');
});

test('the patches packed straight from the image give the products of the built patch matrix, bit for bit', async () => {
  // Forward (by images, two threads) and kernel gradient (any path, from 6 channels on) pack their
  // GEMM panels from x; the same GEMM on im2col's matrix must give identical floats. Padding on
  // every side, strides, dilation, channel counts around the 6-row tile (a tile spanning two taps),
  // patches longer than one packed slice (K = 432), and more positions than one slice deep (batch 8).
  const threaded = createWasmBackend({ threads: 2 });
  await threaded.whenReady();
  const rnd = random(16);
  const g = (
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    k: number,
    stride: number,
    dilation: number,
    pad: number,
  ): Window2dArgs => {
    const out = (size: number) => Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
    return {
      batch,
      inH,
      inW,
      channels,
      kH: k,
      kW: k,
      outH: out(inH),
      outW: out(inW),
      strideH: stride,
      strideW: stride,
      dilationH: dilation,
      dilationW: dilation,
      padTop: pad,
      padLeft: pad,
    };
  };
  const layers: Layer[] = [
    { a: g(8, 13, 13, 32, 3, 1, 1, 0), cout: 64 },
    { a: g(8, 9, 9, 48, 3, 1, 1, 1), cout: 16 },
    { a: g(8, 11, 10, 6, 3, 2, 1, 1), cout: 8 },
    { a: g(8, 12, 12, 7, 3, 1, 2, 2), cout: 12 },
    { a: g(3, 8, 9, 13, 2, 1, 1, 1), cout: 5 },
    { a: g(8, 6, 6, 16, 5, 1, 1, 2), cout: 9 },
  ];
  for (const be of [single, threaded]) {
    for (const { a, cout } of layers) {
      const what = `${JSON.stringify(a)} cout ${cout}`;
      const K = a.kH * a.kW * a.channels,
        rows = a.batch * a.outH * a.outW;
      const x = view(a.batch * a.inH * a.inW * a.channels, rnd, 1),
        w = view(K * cout, rnd, 2),
        dOut = view(rows * cout, rnd, 3);
      const cols = new Float32Array(rows * K);
      be.convKernels.im2col(x, a, cols);
      const outWant = new Float32Array(rows * cout),
        dkWant = new Float32Array(K * cout);
      be.matmul(cols, w, outWant, {
        m: rows,
        k: K,
        n: cout,
        transA: false,
        transB: false,
        batch: 1,
        aBatchStride: 0,
        bBatchStride: 0,
      });
      be.matmul(cols, dOut, dkWant, {
        m: K,
        k: rows,
        n: cout,
        transA: true,
        transB: false,
        batch: 1,
        aBatchStride: 0,
        bBatchStride: 0,
      });
      const out = new Float32Array(rows * cout),
        dk = new Float32Array(K * cout);
      be.convKernels.fusedConv2d!(x, w, a, cout, out, false, null);
      be.convKernels.fusedConv2dBackward!(x, w, dOut, a, cout, null, dk);
      assert.deepEqual(out, outWant, `forward ${what}`);
      assert.deepEqual(dk, dkWant, `kernel gradient ${what}`);
    }
  }
});

test("wasm fused conv2d keeps its memory at the first call's size when the same layer runs again", () => {
  const be = createWasmBackend({ threads: 1 });
  const rnd = random(14);
  const l = {
    a: {
      batch: 4,
      inH: 13,
      inW: 13,
      channels: 32,
      kH: 3,
      kW: 3,
      outH: 11,
      outW: 11,
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      padTop: 0,
      padLeft: 0,
    },
    cout: 64,
  };
  check(be, l, rnd);
  const size = be.memoryBytes;
  for (let i = 0; i < 5; i++) check(be, l, rnd);
  assert.equal(be.memoryBytes, size);
});

test('wasm conv2d by Winograd F(2×2, 3×3) (3×3, stride 1, channels in fours) matches the definition', () => {
  const rnd = random(15);
  const base = { kH: 3, kW: 3, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1 };
  const layers: Layer[] = [
    // The seed CNN's second conv (odd 11×11 output: edge tiles drop a row and a column).
    { a: { ...base, batch: 3, inH: 13, inW: 13, channels: 32, outH: 11, outW: 11, padTop: 0, padLeft: 0 }, cout: 64 },
    // 'same' padding, even output, other channel counts.
    { a: { ...base, batch: 2, inH: 8, inW: 10, channels: 20, outH: 8, outW: 10, padTop: 1, padLeft: 1 }, cout: 36 },
    // Non-square, odd in one direction.
    { a: { ...base, batch: 1, inH: 9, inW: 16, channels: 16, outH: 7, outW: 14, padTop: 0, padLeft: 0 }, cout: 4 },
  ];
  for (const l of layers) {
    check(single, l, rnd);
    check(createWasmBackend({ threads: 2 }), l, rnd);
  }
});
