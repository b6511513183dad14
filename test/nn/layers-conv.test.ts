import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Conv2D,
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
  Flatten,
  Dense,
  Dropout,
  Activation,
  ReLU,
  type Tensor,
  type Parameter,
  tensor,
  randn,
  arange,
  manualSeed,
  grad,
  ArgumentError,
  ShapeError,
  type ActivationName,
  type Padding,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

interface ConvCase {
  options: {
    filters: number;
    kernelSize: [number, number];
    strides: [number, number];
    padding: Padding;
    dilationRate: [number, number];
    activation: ActivationName;
    useBias: boolean;
  };
  xShape: number[];
  x: number[];
  kernel: number[];
  bias?: number[];
  w: number[];
  outShape: number[];
  out: number[];
  dx: number[];
  dkernel: number[];
  dbias?: number[];
}
const fixture = loadFixture<{ conv: ConvCase[] }>('nn_layers.json');

test('Conv2D matches PyTorch (Keras kernel layout, bias, activation, strides, same padding, dilation) forward and backward', () => {
  for (const c of fixture.conv) {
    const what = JSON.stringify(c.options);
    const layer = new Conv2D(c.options);
    const x = tensor(c.x, { shape: c.xShape, requiresGrad: true });
    layer.build(x.shape);
    assert.deepEqual(
      layer.kernel!.shape,
      [c.options.kernelSize[0], c.options.kernelSize[1], c.xShape[3], c.options.filters],
      what,
    );
    layer.weight!.copy_(c.kernel);
    if (c.bias) layer.bias!.copy_(c.bias);
    else assert.equal(layer.bias, null);
    const y = layer.call(x);
    assert.deepEqual(y.shape, c.outShape, what);
    assert.deepEqual(layer.computeOutputShape([null, ...c.xShape.slice(1)]), [null, ...c.outShape.slice(1)], what);
    assertClose(y.dataSync(), c.out, 1e-5, 1e-4, `${what} out`);
    y.mul(tensor(c.w, { shape: c.outShape }))
      .sum()
      .backward();
    assertClose(x.grad!.dataSync(), c.dx, 1e-4, 1e-4, `${what} dx`);
    assertClose(layer.weight!.grad!.dataSync(), c.dkernel, 1e-4, 1e-4, `${what} dkernel`);
    if (c.dbias) assertClose(layer.bias!.grad!.dataSync(), c.dbias, 1e-4, 1e-4, `${what} dbias`);
  }
});

test('Conv2D gradcheck: input, kernel and bias, with strides and with dilation', () => {
  manualSeed(21);
  for (const options of [
    {
      filters: 2,
      kernelSize: [2, 3] as [number, number],
      strides: [2, 1] as [number, number],
      padding: 'same' as const,
      activation: 'tanh' as const,
    },
    { filters: 2, kernelSize: 2, dilationRate: 2, padding: 'valid' as const },
  ]) {
    const layer = new Conv2D({ ...options, biasInitializer: 'random_normal' });
    const x = randn([2, 5, 4, 2]);
    layer.build(x.shape);
    const [kernel, bias] = [layer.weight!, layer.bias!];
    gradcheck(
      (xi, k, b) => {
        layer.weight = k as Parameter;
        layer.bias = b as Parameter;
        return layer.call(xi);
      },
      [x, kernel, bias],
    );
  }
});

test("Conv2D builds lazily from the channel count; defaults are Keras's", () => {
  manualSeed(22);
  const layer = new Conv2D({ filters: 8, kernelSize: 3 });
  assert.equal(layer.built, false);
  assert.throws(
    () => layer.parameters(),
    (e: Error) => e instanceof ArgumentError && /Conv2D is not built yet/.test(e.message),
  );
  const y = layer.call(randn([3, 10, 9, 5]));
  assert.deepEqual(y.shape, [3, 8, 7, 8]);
  assert.deepEqual(layer.kernel!.shape, [3, 3, 5, 8]);
  assert.equal(layer.kernel, layer.weight);
  assert.deepEqual(layer.bias!.toFlatArray(), new Array(8).fill(0));
  // Glorot uniform with Keras's fans for a kernel: 3·3·5 in, 3·3·8 out.
  const limit = Math.sqrt(6 / (45 + 72));
  const k = layer.kernel!.toFlatArray();
  assert.ok(k.every((v) => Math.abs(v) <= limit) && Math.max(...k.map(Math.abs)) > 0.9 * limit);
  assert.deepEqual(layer.strides, [1, 1]);
  assert.equal(layer.padding, 'valid');
  assert.deepEqual(layer.buildInputShape, [null, 10, 9, 5]);
  // The same layer takes other image sizes (the kernel depends only on the channels).
  assert.deepEqual(layer.call(randn([1, 4, 4, 5])).shape, [1, 2, 2, 8]);

  const eager = new Conv2D({ filters: 4, kernelSize: [1, 2], useBias: false, inputShape: [6, 6, 3] });
  assert.equal(eager.built, true);
  assert.deepEqual(
    eager.namedParameters().map(([n, p]) => [n, p.shape]),
    [['weight', [1, 2, 3, 4]]],
  );
});

test('Conv2D refuses wrong ranks, channel counts, too small images and strides with dilation, saying what it expected', () => {
  const layer = new Conv2D({ filters: 2, kernelSize: 3, inputShape: [8, 8, 3] });
  assert.throws(
    () => layer.call(randn([8, 8, 3])),
    (e: Error) =>
      e instanceof ShapeError &&
      /Conv2D: got input of shape \[8, 8, 3\] \(rank 3\); expected rank 4: \[batch, height, width, channels\]/.test(
        e.message,
      ),
  );
  assert.throws(
    () => layer.call(randn([1, 8, 8, 1])),
    (e: Error) =>
      e instanceof ShapeError &&
      /Conv2D: got input shape \[1, 8, 8, 1\] with 1 channels; expected 3 channels/.test(e.message),
  );
  assert.throws(
    () => layer.call(randn([1, 2, 8, 3])),
    (e: Error) => e instanceof ShapeError && /kernel spans 3 along height but the input .* has only 2/.test(e.message),
  );
  assert.throws(
    () => layer.computeOutputShape([null, 8, 8]),
    (e: Error) => e instanceof ShapeError && /expected rank 4/.test(e.message),
  );
  assert.throws(
    () => new Conv2D({ filters: 2, kernelSize: 3 }).build([null, 8, 8, null]),
    (e: Error) => e instanceof ShapeError && /known, positive number of channels/.test(e.message),
  );
  assert.throws(
    () => new Conv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: [1, 2] }),
    (e: Error) => e instanceof ArgumentError && /strides > 1 cannot be combined with dilationRate > 1/.test(e.message),
  );
  assert.throws(
    () => new Conv2D({ filters: 0, kernelSize: 3 }),
    (e: Error) => e instanceof ArgumentError && /filters=0; expected a positive integer/.test(e.message),
  );
  assert.throws(
    () => new Conv2D({ filters: 2 } as never),
    (e: Error) => e instanceof ArgumentError && /kernelSize is missing/.test(e.message),
  );
  assert.throws(
    () => new Conv2D({ filters: 2, kernelSize: [3, 0] }),
    (e: Error) => e instanceof ArgumentError && /kernelSize=\[3, 0\]/.test(e.message),
  );
  assert.throws(
    () => new Conv2D({ filters: 2, kernelSize: 3, padding: 'full' as never }),
    (e: Error) => e instanceof ArgumentError && /expected 'valid' or 'same'/.test(e.message),
  );
  assert.throws(
    () => new Conv2D({ filters: 2, kernel_size: 3 } as never),
    (e: Error) => e instanceof ArgumentError && /unknown option 'kernel_size'/.test(e.message),
  );
  assert.throws(
    () => new Conv2D({ filters: 2, kernelSize: 3, inputShape: [0, 8, 1] }),
    (e: Error) => e instanceof ArgumentError && /inputShape=\[0, 8, 1\]/.test(e.message),
  );
});

test('computeOutputShape of each layer: valid and same padding, strides, dilation, unknown sizes stay null', () => {
  const conv = (o: object, s: (number | null)[]) =>
    new Conv2D({ filters: 6, kernelSize: 3, ...o }).computeOutputShape(s);
  assert.deepEqual(conv({}, [null, 28, 28, 1]), [null, 26, 26, 6]);
  assert.deepEqual(conv({ padding: 'same' }, [4, 28, 27, 1]), [4, 28, 27, 6]);
  assert.deepEqual(conv({ strides: 2 }, [null, 28, 27, 1]), [null, 13, 13, 6]);
  assert.deepEqual(conv({ strides: [2, 3], padding: 'same' }, [null, 28, 28, 1]), [null, 14, 10, 6]);
  assert.deepEqual(conv({ dilationRate: 2 }, [null, 9, 10, 2]), [null, 5, 6, 6]);
  assert.deepEqual(conv({ kernelSize: [5, 1] }, [null, null, 7, 3]), [null, null, 7, 6]);

  assert.deepEqual(new MaxPooling2D().computeOutputShape([null, 26, 25, 32]), [null, 13, 12, 32]);
  assert.deepEqual(new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }).computeOutputShape([null, 7, 8, 2]), [
    null,
    4,
    4,
    2,
  ]);
  assert.deepEqual(new AveragePooling2D({ poolSize: [2, 3], strides: 1 }).computeOutputShape([2, 5, 5, null]), [
    2,
    4,
    3,
    null,
  ]);
  assert.deepEqual(new GlobalAveragePooling2D().computeOutputShape([null, 7, 7, 64]), [null, 64]);
  assert.deepEqual(new GlobalAveragePooling2D({ keepDims: true }).computeOutputShape([null, 7, 7, 64]), [
    null,
    1,
    1,
    64,
  ]);
  assert.deepEqual(new Flatten().computeOutputShape([null, 3, 3, 64]), [null, 576]);
  assert.deepEqual(new Flatten().computeOutputShape([null, null, 3]), [null, null]);
  assert.deepEqual(new Flatten().computeOutputShape([5]), [5, 1]);
  assert.deepEqual(new Dense({ units: 7 }).computeOutputShape([null, 4, 3]), [null, 4, 7]);
  assert.deepEqual(new Dropout(0.5).computeOutputShape([null, 3, null]), [null, 3, null]);
  assert.deepEqual(new Activation('relu').computeOutputShape([null, 2, 2]), [null, 2, 2]);
  assert.deepEqual(new ReLU().computeOutputShape([null, 9]), [null, 9]);

  // Every rule agrees with the real forward.
  manualSeed(23);
  for (const layer of [
    new Conv2D({ filters: 3, kernelSize: [2, 3], strides: [1, 2], padding: 'same' }),
    new MaxPooling2D({ poolSize: 3, padding: 'same' }),
    new AveragePooling2D({ strides: 1 }),
    new GlobalAveragePooling2D(),
    new Flatten(),
  ]) {
    const x = randn([2, 7, 6, 3]);
    assert.deepEqual(layer.computeOutputShape(x.shape), layer.call(x).shape, layer.constructor.name);
  }
  assert.throws(
    () => new MaxPooling2D({ poolSize: 4 }).computeOutputShape([null, 3, 8, 1]),
    (e: Error) =>
      e instanceof ShapeError &&
      /MaxPooling2D: the pool window is 4 along height but the input .* has only 3/.test(e.message),
  );
  assert.throws(() => new Flatten().computeOutputShape([]), ShapeError);
  assert.throws(
    () => new Dense({ units: 2 }).computeOutputShape([null, null]),
    (e: Error) => e instanceof ShapeError && /known, positive number of features/.test(e.message),
  );
});

test('pooling layers compute what the pooling ops compute; windows default to 2 with strides = window', () => {
  const x = arange(0, 2 * 4 * 4 * 2)
    .reshape([2, 4, 4, 2])
    .float();
  const max = new MaxPooling2D().call(x);
  assert.deepEqual(max.shape, [2, 2, 2, 2]);
  // Image 0, channel 0 holds 0, 2, 4, … row by row (8 per row): the max of each 2×2 block is its bottom-right.
  assert.deepEqual(
    max
      .toFlatArray()
      .filter((_, i) => i % 2 === 0)
      .slice(0, 4),
    [10, 14, 26, 30],
  );
  const avg = new AveragePooling2D({ poolSize: [1, 2] }).call(x);
  assert.deepEqual(avg.shape, [2, 4, 2, 2]);
  assert.deepEqual(avg.toFlatArray().slice(0, 4), [1, 2, 5, 6]);
  const gap = new GlobalAveragePooling2D().call(x);
  assert.deepEqual(gap.toFlatArray(), [15, 16, 47, 48]);
  assert.deepEqual(new GlobalAveragePooling2D({ keepDims: true }).call(x).shape, [2, 1, 1, 2]);
  const g = grad((t: Tensor) => new MaxPooling2D().call(t).sum())(x)[0];
  assert.equal(g.sum().item(), 16, 'each window sends its gradient to one input');

  assert.throws(
    () => new MaxPooling2D().call(randn([4, 4, 2])),
    (e: Error) =>
      e instanceof ShapeError &&
      /MaxPooling2D: got input of shape \[4, 4, 2\] \(rank 3\); expected rank 4/.test(e.message),
  );
  assert.throws(
    () => new AveragePooling2D({ poolSize: 5 }).call(x),
    (e: Error) => e instanceof ShapeError && /AveragePooling2D: the pool window is 5/.test(e.message),
  );
  assert.throws(
    () => new GlobalAveragePooling2D().call(randn([2, 3])),
    (e: Error) => e instanceof ShapeError && /GlobalAveragePooling2D/.test(e.message),
  );
  assert.throws(
    () => new MaxPooling2D({ pool_size: 2 } as never),
    (e: Error) => e instanceof ArgumentError && /unknown option 'pool_size'/.test(e.message),
  );
  assert.throws(
    () => new MaxPooling2D({ strides: 0 }),
    (e: Error) => e instanceof ArgumentError && /strides=0/.test(e.message),
  );
});

test('Flatten keeps the batch axis and shares storage', () => {
  const x = randn([3, 2, 2, 5]);
  const y = new Flatten().call(x);
  assert.deepEqual(y.shape, [3, 20]);
  assert.equal(y.storage, x.storage);
  assert.deepEqual(new Flatten().call(randn([4])).shape, [4, 1]);
  assert.deepEqual(new Flatten().call(randn([4, 6])).shape, [4, 6]);
  assert.throws(
    () => new Flatten().call(tensor(1)),
    (e: Error) => e instanceof ShapeError && /Flatten: got a 0-d input/.test(e.message),
  );
});
