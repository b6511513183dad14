/**
 * conv2d: forward values and gradients against PyTorch (test/fixtures/conv.json, written by
 * make_conv.py), finite-difference gradchecks, a direct-loop reference for the chunked path, and
 * the errors a user meets first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  conv2d,
  convOutputLength,
  grad,
  manualSeed,
  randn,
  tensor,
  noGrad,
  ShapeError,
  DTypeError,
  ArgumentError,
} from '../../src/index.js';
import type { Conv2dOptions, Padding } from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

interface ConvCase {
  xShape: number[];
  kShape: number[];
  strides: [number, number];
  padding: Padding;
  dilation: [number, number];
  x: number[];
  k: number[];
  w: number[];
  outShape: number[];
  out: number[];
  dx: number[];
  dk: number[];
}

const { conv: cases } = loadFixture<{ conv: ConvCase[] }>('conv.json');

test('conv2d matches PyTorch: values and gradients, strides/padding/dilation/1x1', () => {
  assert.ok(cases.length >= 6);
  for (const c of cases) {
    const what = `conv2d x${JSON.stringify(c.xShape)} k${JSON.stringify(c.kShape)} ${JSON.stringify({ s: c.strides, p: c.padding, d: c.dilation })}`;
    const x = tensor(c.x, { shape: c.xShape });
    const k = tensor(c.k, { shape: c.kShape });
    const w = tensor(c.w, { shape: c.outShape });
    const opts: Conv2dOptions = { strides: c.strides, padding: c.padding, dilation: c.dilation };
    const out = conv2d(x, k, opts);
    assert.deepEqual(out.shape, c.outShape, what);
    assertClose(out.dataSync(), c.out, 1e-4, 1e-4, `${what} out`);
    const [dx, dk] = grad((a, b) => conv2d(a, b, opts).mul(w).sum())(x, k);
    assertClose(dx.dataSync(), c.dx, 1e-4, 1e-4, `${what} dx`);
    assertClose(dk.dataSync(), c.dk, 1e-4, 1e-4, `${what} dk`);
  }
});

test('conv2d gradchecks w.r.t. input and kernel', () => {
  manualSeed(7);
  const configs: [number[], number[], Conv2dOptions][] = [
    [[2, 5, 5, 2], [3, 3, 2, 3], { strides: 1, padding: 'valid' }],
    [[2, 5, 5, 2], [3, 3, 2, 3], { strides: 1, padding: 'same' }],
    [[1, 6, 5, 2], [3, 3, 2, 2], { strides: 2, padding: 'valid' }],
    [[1, 6, 5, 2], [2, 3, 2, 2], { strides: [2, 1], padding: 'same' }],
    [[1, 6, 6, 2], [3, 3, 2, 2], { dilation: 2, padding: 'valid' }],
    [[1, 5, 6, 2], [3, 2, 2, 2], { dilation: [2, 1], padding: 'same' }],
    [[1, 7, 7, 1], [3, 3, 1, 2], { strides: 2, dilation: 2, padding: 'same' }],
    [[2, 3, 3, 3], [1, 1, 3, 2], {}],
  ];
  for (const [xs, ks, opts] of configs) {
    gradcheck((x, k) => conv2d(x, k, opts), [randn(xs), randn(ks)]);
  }
});

test('conv2d over a batch big enough to be split into chunks matches direct loops', () => {
  manualSeed(3);
  // 44·44 positions × 400 patch values per image: the 16 MiB patch buffer holds 5 images, not 6.
  const x = randn([6, 48, 48, 16]);
  const k = randn([5, 5, 16, 2]);
  const opts = { strides: 1, padding: 'valid' as const };
  const g = randn([6, 44, 44, 2]);
  const [dx, dk] = grad((a, b) => conv2d(a, b, opts).mul(g).sum())(x, k);
  const ref = directConv(x, k, 1, 1);
  assertClose(noGrad(() => conv2d(x, k, opts)).dataSync(), ref.out, 1e-3, 1e-4, 'out');
  const back = directConvBackward(x, k, g, 1, 1);
  assertClose(dk.dataSync(), back.dk, 1e-2, 1e-4, 'dk');
  assertClose(dx.dataSync(), back.dx, 1e-3, 1e-4, 'dx');
});

test('conv2d output shapes follow TensorFlow for valid and same', () => {
  const x = randn([2, 28, 28, 1]);
  assert.deepEqual(conv2d(x, randn([3, 3, 1, 4])).shape, [2, 26, 26, 4]);
  assert.deepEqual(conv2d(x, randn([3, 3, 1, 4]), { padding: 'same' }).shape, [2, 28, 28, 4]);
  assert.deepEqual(conv2d(x, randn([3, 3, 1, 4]), { padding: 'same', strides: 3 }).shape, [2, 10, 10, 4]);
  assert.deepEqual(conv2d(x, randn([5, 3, 1, 4]), { strides: [2, 3], dilation: 2 }).shape, [2, 10, 8, 4]);
  assert.equal(convOutputLength(28, 3, 2, 'same'), 14);
  assert.equal(convOutputLength(28, 3, 1, 'valid', 2), 24);
  assert.deepEqual(conv2d(randn([0, 5, 5, 2]), randn([3, 3, 2, 4])).shape, [0, 3, 3, 4]);
});

test('conv2d refuses bad inputs with messages that say what was expected', () => {
  const x = randn([1, 5, 5, 2]);
  const k = randn([3, 3, 2, 4]);
  const throwsWith = (f: () => unknown, kind: new (...args: never[]) => Error, re: RegExp): void => {
    assert.throws(f, (e: Error) => e instanceof kind && re.test(e.message), re.source);
  };
  throwsWith(() => conv2d(randn([5, 5, 2]), k), ShapeError, /conv2d: got input of shape \[5, 5, 2\].*expected rank 4/);
  throwsWith(() => conv2d(x, randn([3, 3, 2])), ShapeError, /expected a non-empty rank-4 kernel/);
  throwsWith(() => conv2d(x, randn([3, 3, 3, 4])), ShapeError, /input has 2 channels.*kernel expects 3/);
  throwsWith(() => conv2d(x, randn([7, 3, 2, 4])), ShapeError, /spans 7 along height.*has only 5/);
  throwsWith(() => conv2d(x, k, { dilation: 3 }), ShapeError, /spans 7 along height \(size 3, dilation 3\)/);
  throwsWith(
    () => conv2d(tensor(new Int32Array(50), { shape: [1, 5, 5, 2] }), k),
    DTypeError,
    /conv2d: got input of dtype int32/,
  );
  throwsWith(() => conv2d(x, tensor(new Int32Array(72), { shape: [3, 3, 2, 4] })), DTypeError, /kernel of dtype int32/);
  throwsWith(() => conv2d(x, k, { strides: 0 }), ArgumentError, /got strides 0; expected a positive integer/);
  throwsWith(() => conv2d(x, k, { strides: [1, 1, 1] as never }), ArgumentError, /strides \[1, 1, 1\]/);
  throwsWith(() => conv2d(x, k, { dilation: 1.5 }), ArgumentError, /dilation 1.5/);
  throwsWith(
    () => conv2d(x, k, { padding: 'full' as Padding }),
    ArgumentError,
    /padding "full"; expected 'valid' or 'same'/,
  );
  throwsWith(() => conv2d(x, k, { stride: 2 } as never), ArgumentError, /unknown option "stride"/);
  // 'same' pads as needed, so a kernel larger than the image is accepted there.
  assert.deepEqual(conv2d(x, randn([7, 7, 2, 1]), { padding: 'same' }).shape, [1, 5, 5, 1]);
});

// ---- a direct-loop oracle, independent of im2col and GEMM (valid padding) -----------------------

function directConv(x: Tensor, k: Tensor, stride: number, dilation: number): { out: Float32Array; shape: number[] } {
  const [N, H, W, C] = x.shape;
  const [KH, KW, , CO] = k.shape;
  const OH = Math.floor((H - (KH - 1) * dilation - 1) / stride) + 1;
  const OW = Math.floor((W - (KW - 1) * dilation - 1) / stride) + 1;
  const out = new Float32Array(N * OH * OW * CO);
  const xd = x.dataSync(),
    kd = k.dataSync();
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        for (let co = 0; co < CO; co++) {
          let s = 0;
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++)
              for (let c = 0; c < C; c++) {
                const ih = oh * stride + kh * dilation,
                  iw = ow * stride + kw * dilation;
                s += xd[((n * H + ih) * W + iw) * C + c] * kd[((kh * KW + kw) * C + c) * CO + co];
              }
          out[((n * OH + oh) * OW + ow) * CO + co] = s;
        }
      }
  return { out, shape: [N, OH, OW, CO] };
}

function directConvBackward(
  x: Tensor,
  k: Tensor,
  g: Tensor,
  stride: number,
  dilation: number,
): { dx: Float32Array; dk: Float32Array } {
  const [N, H, W, C] = x.shape;
  const [KH, KW, , CO] = k.shape;
  const [, OH, OW] = g.shape;
  const dx = new Float32Array(x.size),
    dk = new Float32Array(k.size);
  const xd = x.dataSync(),
    kd = k.dataSync(),
    gd = g.dataSync();
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        for (let co = 0; co < CO; co++) {
          const gv = gd[((n * OH + oh) * OW + ow) * CO + co];
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++)
              for (let c = 0; c < C; c++) {
                const xi = ((n * H + oh * stride + kh * dilation) * W + ow * stride + kw * dilation) * C + c;
                const ki = ((kh * KW + kw) * C + c) * CO + co;
                dx[xi] += gv * kd[ki];
                dk[ki] += gv * xd[xi];
              }
        }
      }
  return { dx, dk };
}
