/**
 * biasActivation (a layer's bias add and activation as one op) against the composition it
 * replaces — relu(add(x, bias)) or add(x, bias), values and gradients bit for bit — and against
 * finite differences; the layers that use it; relu's single-pass backward; and its errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError,
  Conv2D,
  DTypeError,
  Dense,
  ShapeError,
  add,
  biasActivation,
  biasActivationOverProduct,
  conv2d,
  conv2dBiasActivation,
  exp,
  getBackend,
  grad,
  log,
  logSoftmax,
  logSoftmaxLastAxis,
  manualSeed,
  randn,
  relu,
  setBackend,
  softmax,
  stableShift,
  sub,
  sum,
  tensor,
  uniform,
  type Conv2dOptions,
  type Tensor,
} from '../../src/index.js';
import { gradcheck, awayFromZero } from '../helpers/gradcheck.js';

function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(Object.is(got[i], want[i]), `${what}: [${i}] = ${got[i]}, composed ${want[i]}`);
}

test('biasActivation equals relu(add(x, bias)) and add(x, bias): values and both gradients, bit for bit', () => {
  manualSeed(30);
  // Small (portable loop on every backend) and large (the wasm kernel where it is active).
  for (const shape of [
    [4, 3],
    [2, 5, 5, 7],
    [8, 10, 10, 16],
  ]) {
    const x = randn(shape),
      bias = randn([shape[shape.length - 1]]);
    const w = randn(shape);
    for (const act of ['relu', 'linear'] as const) {
      const composed = (a: Tensor, b: Tensor): Tensor => (act === 'relu' ? relu(add(a, b)) : add(a, b));
      const what = `${act} ${JSON.stringify(shape)}`;
      assertSame(biasActivation(x, bias, act).dataSync(), composed(x, bias).dataSync(), `${what} forward`);
      const [dxF, dbF] = grad((a: Tensor, b: Tensor) => biasActivation(a, b, act).mul(w).sum())(x, bias);
      const [dxC, dbC] = grad((a: Tensor, b: Tensor) => composed(a, b).mul(w).sum())(x, bias);
      assertSame(dxF.dataSync(), dxC.dataSync(), `${what} dx`);
      assertSame(dbF.dataSync(), dbC.dataSync(), `${what} dBias`);
    }
    assertSame(
      biasActivation(x, null, 'relu').dataSync(),
      relu(x).dataSync(),
      `relu without bias ${JSON.stringify(shape)}`,
    );
  }
});

test('biasActivation gradchecks: relu and linear, with and without a bias, through leading axes', () => {
  manualSeed(31);
  // |x| ≥ 0.6 and |bias| ≤ 0.2 keep x + bias clear of relu's kink.
  const x = awayFromZero([2, 3, 4], -2, 2, 0.6);
  const bias = uniform([4], -0.2, 0.2);
  gradcheck((a, b) => biasActivation(a, b, 'relu'), [x, bias]);
  gradcheck((a, b) => biasActivation(a, b, 'linear'), [x, bias]);
  gradcheck((a) => biasActivation(a, null, 'relu'), [x]);
  gradcheck((b) => biasActivation(x, b, 'relu'), [bias]);
});

test('biasActivation without a bias and linear is the input itself; errors name the problem', () => {
  const x = randn([2, 3]);
  assert.equal(biasActivation(x, null, 'linear'), x);
  assert.throws(
    () => biasActivation(x, randn([2])),
    (e: Error) => e instanceof ShapeError && /expected shape \[3\]/.test(e.message),
  );
  assert.throws(() => biasActivation(x, randn([1, 3])), ShapeError);
  assert.throws(() => biasActivation(tensor(1), null, 'relu'), ShapeError);
  assert.throws(() => biasActivation(tensor([1, 2], { dtype: 'int32' }), null), DTypeError);
  assert.throws(() => biasActivation(x, tensor([1, 2, 3], { dtype: 'int32' })), DTypeError);
  assert.throws(
    () => biasActivation(x, null, 'tanh' as 'relu'),
    (e: Error) => e instanceof ArgumentError && /'linear' or 'relu'/.test(e.message),
  );
  assert.throws(() => biasActivation([1, 2] as unknown as Tensor, null), ArgumentError);
});

test('relu backward is a mask: an infinite gradient reaches only the units that are on', () => {
  const x = tensor([-1, 2, -3, 4, 0]);
  const [dx] = grad((a: Tensor) => relu(a).mul(Infinity).sum())(x);
  // A product with a 0/1 step would give 0·∞ = NaN where the unit is off; PyTorch gives 0.
  assert.deepEqual(Array.from(dx.dataSync()), [0, Infinity, 0, Infinity, 0]);
});

test('Dense and Conv2D with relu, softmax and no bias gradcheck through the fused tail', () => {
  manualSeed(32);
  const dense = new Dense({ units: 3, activation: 'relu', inputDim: 4, biasInitializer: 'ones' });
  gradcheck((a) => dense.call(a) as Tensor, [uniform([2, 4], 0.1, 1)]);
  const softmax = new Dense({ units: 3, activation: 'softmax', inputDim: 4 });
  gradcheck((a) => softmax.call(a) as Tensor, [randn([2, 4])]);
  const noBias = new Dense({ units: 3, activation: 'relu', inputDim: 4, useBias: false, kernelInitializer: 'ones' });
  gradcheck((a) => noBias.call(a) as Tensor, [uniform([2, 4], 0.1, 1)]);
  const conv = new Conv2D({
    filters: 2,
    kernelSize: 2,
    activation: 'relu',
    biasInitializer: 'ones',
    kernelInitializer: 'ones',
    inputShape: [3, 3, 1],
  });
  gradcheck((a) => conv.call(a) as Tensor, [uniform([1, 3, 3, 1], 0.1, 1)]);
  // The bias gradient of a layer is the column sum of the masked output gradient.
  const y = conv.call(uniform([2, 3, 3, 1], 0.1, 1)) as Tensor;
  y.sum().backward();
  assert.deepEqual(Array.from(conv.bias!.grad!.dataSync()), [8, 8]);
});

test("biasActivationOverProduct (a layer's tail over its own product) equals biasActivation, gradients of the product's inputs included", () => {
  manualSeed(33);
  const x = randn([64, 48]),
    w = randn([48, 40]),
    bias = randn([40]),
    up = randn([64, 40]);
  for (const act of ['relu', 'linear'] as const) {
    const fresh = (a: Tensor, b: Tensor, c: Tensor): Tensor => biasActivation(a.matmul(b), c, act).mul(up).sum();
    const over = (a: Tensor, b: Tensor, c: Tensor): Tensor =>
      biasActivationOverProduct(a.matmul(b), c, act).mul(up).sum();
    assertSame(over(x, w, bias).dataSync(), fresh(x, w, bias).dataSync(), `${act} value`);
    const gf = grad(fresh)(x, w, bias),
      go = grad(over)(x, w, bias);
    for (let i = 0; i < 3; i++) assertSame(go[i].dataSync(), gf[i].dataSync(), `${act} gradient ${i}`);
  }
  // The product's storage becomes the result: no second array.
  const y = x.matmul(w);
  const z = biasActivationOverProduct(y, bias, 'relu');
  assert.equal(z.storage, y.storage);
});

test('conv2dBiasActivation equals biasActivation(conv2d(…)) bit for bit, forward and all three gradients', () => {
  manualSeed(34);
  // Batches below and above 2 × threads (the wasm backend's by-images tasks), a direct-kernel layer
  // (one input channel), a pointwise one, 'same' padding with strides, one that inference runs by
  // Winograd (the forward values below: no gradient taken); relu and linear, bias or none.
  const layers: { x: number[]; k: number[]; options: Conv2dOptions }[] = [
    { x: [2, 9, 9, 3], k: [3, 3, 3, 8], options: {} },
    { x: [6, 13, 13, 8], k: [3, 3, 8, 16], options: { padding: 'same', strides: 2 } },
    { x: [5, 12, 12, 1], k: [3, 3, 1, 8], options: {} },
    { x: [4, 6, 6, 8], k: [1, 1, 8, 12], options: {} },
    // 3×3 stride 1, 16 input channels: the wasm backend's Winograd path where no gradient is taken.
    { x: [4, 12, 12, 16], k: [3, 3, 16, 8], options: {} },
  ];
  for (const { x: xs, k: ks, options } of layers) {
    const x = randn(xs),
      k = randn(ks),
      bias = randn([ks[3]]);
    const up = randn(conv2d(x, k, options).shape);
    for (const act of ['relu', 'linear'] as const) {
      for (const b of [bias, null]) {
        const what = `${act} ${b ? 'bias' : 'no bias'} x ${JSON.stringify(xs)} k ${JSON.stringify(ks)}`;
        const fused = (a: Tensor, c: Tensor, d: Tensor): Tensor =>
          conv2dBiasActivation(a, c, b && d, act, options)
            .mul(up)
            .sum();
        const composed = (a: Tensor, c: Tensor, d: Tensor): Tensor =>
          biasActivation(conv2d(a, c, options), b && d, act)
            .mul(up)
            .sum();
        assertSame(
          conv2dBiasActivation(x, k, b, act, options).dataSync(),
          biasActivation(conv2d(x, k, options), b, act).dataSync(),
          `${what} forward`,
        );
        const gf = grad(fused)(x, k, bias),
          gc = grad(composed)(x, k, bias);
        for (let i = 0; i < 3; i++) assertSame(gf[i].dataSync(), gc[i].dataSync(), `${what} gradient ${i}`);
      }
    }
  }
  assert.throws(
    () => conv2dBiasActivation(randn([1, 5, 5, 2]), randn([3, 3, 2, 4]), randn([3]), 'relu'),
    (e: Error) => e instanceof ShapeError && /conv2dBiasActivation: got bias of shape \[3\]/.test(e.message),
  );
  assert.throws(
    () => conv2dBiasActivation(randn([1, 5, 5, 2]), randn([3, 3, 2, 4]), null, 'tanh' as 'relu'),
    (e: Error) => e instanceof ArgumentError && /expected 'linear' or 'relu'/.test(e.message),
  );
});

/** log-softmax composed from primitives, as ops/activations.ts composes it for any axis. */
function composedLogSoftmax(x: Tensor, axis: number): Tensor {
  const shifted = sub(x, stableShift(x, [axis]));
  return sub(shifted, log(sum(exp(shifted), axis, { keepDims: true })));
}

test('logSoftmax and softmax along the last axis equal their composition: values and gradients, bit for bit, on each backend', () => {
  const active = getBackend();
  try {
    for (const backend of ['portable', active] as const) {
      setBackend(backend);
      manualSeed(32);
      // Under 128 elements (the wasm backend takes exp from the portable loop), over it, odd row
      // lengths (a SIMD tail), large logits, and rows with ±∞ and NaN (the shift becomes 0).
      for (const shape of [
        [3, 5],
        [2, 3, 10],
        [33, 37],
        [256, 128],
        [5, 1],
      ]) {
        const x = randn(shape).mul(shape[0] === 33 ? 30 : 3);
        const d = x.dataSync() as Float32Array;
        if (shape[0] === 33) {
          d[0] = Infinity;
          d[40] = -Infinity;
          d[80] = Number.NaN;
          d[120] = -Infinity;
          d[121] = -Infinity;
        }
        const w = randn(shape);
        const axis = shape.length - 1;
        const what = `${backend === 'portable' ? 'portable' : active.name} ${JSON.stringify(shape)}`;
        assertSame(logSoftmax(x).dataSync(), composedLogSoftmax(x, axis).dataSync(), `${what} logSoftmax`);
        assertSame(softmax(x).dataSync(), exp(composedLogSoftmax(x, axis)).dataSync(), `${what} softmax`);
        const [dF] = grad((a: Tensor) => logSoftmax(a).mul(w).sum())(x);
        const [dC] = grad((a: Tensor) => composedLogSoftmax(a, axis).mul(w).sum())(x);
        assertSame(dF.dataSync(), dC.dataSync(), `${what} logSoftmax gradient`);
        const [sF] = grad((a: Tensor) => softmax(a).mul(w).sum())(x);
        const [sC] = grad((a: Tensor) => exp(composedLogSoftmax(a, axis)).mul(w).sum())(x);
        assertSame(sF.dataSync(), sC.dataSync(), `${what} softmax gradient`);
      }
    }
  } finally {
    setBackend(active);
  }
  // Called directly: empty rows and bad inputs.
  assert.deepEqual(logSoftmaxLastAxis(randn([0, 4])).shape, [0, 4]);
  assert.deepEqual(logSoftmaxLastAxis(randn([3, 0])).shape, [3, 0]);
  assert.throws(
    () => logSoftmaxLastAxis(tensor(1)),
    (e: Error) => e instanceof ShapeError && /logSoftmax: got a 0-d input/.test(e.message),
  );
  assert.throws(() => logSoftmaxLastAxis(tensor([1, 2], { dtype: 'int32' })), DTypeError);
  assert.throws(() => logSoftmaxLastAxis([1, 2] as unknown as Tensor), ArgumentError);
});
