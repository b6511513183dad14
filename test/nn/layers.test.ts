import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  Dense,
  Linear,
  Dropout,
  Sequential,
  Activation,
  Identity,
  ReLU,
  Sigmoid,
  Tanh,
  LeakyReLU,
  GELU,
  Softmax,
  LogSoftmax,
  ELU,
  SiLU,
  getActivation,
  getInitializer,
  init,
  tensor,
  randn,
  ones,
  manualSeed,
  noGrad,
  ArgumentError,
  ShapeError,
  leakyRelu,
  LEAKY_RELU_ALPHA,
  type ActivationName,
} from '../../src/index.js';
import { assertClose } from '../helpers/gradcheck.js';

/** y = x·W + b by plain loops: the oracle for Dense. */
function denseByHand(x: Tensor, w: Tensor, b: Tensor | null): number[] {
  const [inDim, units] = w.shape;
  const rows = x.size / inDim;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let u = 0; u < units; u++) {
      let s = b ? b.dataSync()[u] : 0;
      const wValues = w.dataSync(),
        xValues = x.dataSync();
      for (let i = 0; i < inDim; i++) s += xValues[r * inDim + i] * wValues[i * units + u];
      out.push(s);
    }
  }
  return out;
}

test('Dense builds lazily from its first input; parameters() before that is a clear error', () => {
  manualSeed(4);
  const layer = new Dense({ units: 3 });
  assert.equal(layer.built, false);
  assert.equal(layer.isBuilt(), false);
  assert.throws(
    () => layer.parameters(),
    (e: Error) =>
      e instanceof ArgumentError && /Dense is not built yet/.test(e.message) && /model\.call\(x\)/.test(e.message),
  );
  const model = new Sequential([new Dense({ units: 4 }), new Dense({ units: 1 })]);
  assert.throws(
    () => model.stateDict(),
    (e: Error) => e instanceof ArgumentError && /Dense at "0" is not built yet/.test(e.message),
  );
  assert.throws(() => model.numParameters(), ArgumentError);
  model.zeroGrad(); // nothing to clear yet, and no reason to refuse

  const x = randn([5, 7]);
  const y = layer.call(x);
  assert.equal(layer.built, true);
  assert.deepEqual(layer.weight!.shape, [7, 3]);
  assert.deepEqual(layer.bias!.shape, [3]);
  assert.equal(layer.kernel, layer.weight);
  assert.equal(layer.inputDim, 7);
  assert.deepEqual(y.shape, [5, 3]);
  assertClose(y.dataSync(), denseByHand(x, layer.weight!, layer.bias));
  assert.throws(
    () => layer.call(randn([5, 6])),
    (e: Error) =>
      e instanceof ShapeError && /got input shape \[5, 6\]; expected the last axis to have 7 features/.test(e.message),
  );
});

test('Dense defaults: Glorot-uniform kernel, zero bias; options change them', () => {
  manualSeed(5);
  const layer = new Dense({ units: 50, inputDim: 30 });
  const limit = Math.sqrt(6 / 80);
  assert.ok(layer.weight!.toFlatArray().every((v) => Math.abs(v) <= limit));
  assert.ok(Math.max(...layer.weight!.toFlatArray().map(Math.abs)) > 0.9 * limit, 'the full range is used');
  assert.deepEqual(layer.bias!.toFlatArray(), new Array(50).fill(0));
  const custom = new Dense({ units: 2, inputDim: 2, useBias: false, kernelInitializer: 'ones' });
  assert.equal(custom.bias, null);
  assert.deepEqual(
    custom.namedParameters().map(([n]) => n),
    ['weight'],
  );
  assert.deepEqual(custom.weight!.toFlatArray(), [1, 1, 1, 1]);
  const fromFn = new Dense({ units: 2, inputDim: 1, biasInitializer: init.constant(0.5) });
  assert.deepEqual(fromFn.bias!.toFlatArray(), [0.5, 0.5]);
  assert.throws(
    () => new Dense({ units: 0 }),
    (e: Error) => e instanceof ArgumentError && /units=0; expected a positive integer/.test(e.message),
  );
  assert.throws(
    () => new Dense({ units: 2, activation: 'rellu' as ActivationName }),
    (e: Error) => e instanceof ArgumentError && /"rellu"/.test(e.message),
  );
  assert.throws(() => new Dense({ units: 2, inputDim: 3, kernelInitializer: () => ones([2]) }), ShapeError);
});

test('Dense applies its activation and works on inputs of any rank', () => {
  manualSeed(6);
  const layer = new Dense({ units: 4, activation: 'relu', biasInitializer: init.normal({ std: 1 }) });
  const x = randn([2, 3, 5]);
  const y = layer.call(x);
  assert.deepEqual(y.shape, [2, 3, 4]);
  assertClose(
    y.dataSync(),
    denseByHand(x, layer.weight!, layer.bias).map((v) => Math.max(v, 0)),
  );
  const soft = new Dense({ units: 3, activation: 'softmax', inputDim: 2 });
  const rows = soft.call(randn([4, 2])).sum(-1);
  assertClose(rows.dataSync(), [1, 1, 1, 1], 1e-6);
});

test('Linear is Dense built eagerly with PyTorch argument order', () => {
  const layer = new Linear(3, 2);
  assert.ok(layer instanceof Dense);
  assert.equal(layer.built, true);
  assert.deepEqual(
    layer.parameters().map((p) => p.shape),
    [[3, 2], [2]],
  );
  assert.equal(new Linear(3, 2, { bias: false }).bias, null);
});

test('Dense gradients reach the weight and bias (finite differences)', () => {
  manualSeed(7);
  const layer = new Dense({ units: 2, inputDim: 3, activation: 'tanh' });
  const x = randn([4, 3]);
  const w = layer.weight!,
    b = layer.bias!;
  layer.call(x).square().sum().backward();
  const loss = (): number => noGrad(() => layer.call(x).square().sum().item());
  for (const p of [w, b]) {
    for (let i = 0; i < p.size; i++) {
      const values = p.dataSync();
      const orig = values[i];
      values[i] = orig + 1e-2;
      p.copy_(values);
      const plus = loss();
      values[i] = orig - 1e-2;
      p.copy_(values);
      const minus = loss();
      values[i] = orig;
      p.copy_(values);
      assertClose([p.grad!.dataSync()[i]], [(plus - minus) / 2e-2], 2e-2, 2e-2, 'dense grad');
    }
  }
});

test('Sequential: add, at, length, iteration, forward and build', () => {
  manualSeed(8);
  const model = new Sequential([new Dense({ units: 8, activation: 'relu' })])
    .add(new Dropout(0.5))
    .add(new Dense({ units: 2 }));
  assert.equal(model.length, 3);
  assert.ok(model.at(-1) instanceof Dense);
  assert.deepEqual(
    [...model].map((m) => m.constructor.name),
    ['Dense', 'Dropout', 'Dense'],
  );
  assert.throws(
    () => model.at(3),
    (e: Error) => e instanceof ArgumentError && /expected an integer in \[-3, 2\]/.test(e.message),
  );
  assert.throws(
    () => model.add((() => 1) as never),
    (e: Error) => e instanceof ArgumentError && /expected a Module/.test(e.message),
  );
  model.build([-1, 5]);
  assert.ok(model.isBuilt());
  assert.ok(model.training && model.at(1).training, 'build restores the training mode');
  assert.deepEqual(Object.keys(model.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.deepEqual(model.at(2).parameters()[0].shape, [8, 2]);
  model.eval();
  const x = randn([3, 5]);
  const manual = model.at(2).call(model.at(0).call(x));
  assert.deepEqual(model.call(x).toFlatArray(), manual.toFlatArray());
});

test('Dropout: drops a fraction ≈ rate, keeps the mean, is the identity in eval', () => {
  manualSeed(9);
  const n = 20000;
  for (const rate of [0.2, 0.5]) {
    const drop = new Dropout(rate);
    const y = drop.call(ones([n]));
    const zeroed = y.toFlatArray().filter((v) => v === 0).length / n;
    assert.ok(Math.abs(zeroed - rate) < 0.015, `rate ${rate}: zeroed fraction ${zeroed}`);
    assert.ok(
      y.toFlatArray().every((v) => v === 0 || Math.abs(v - 1 / (1 - rate)) < 1e-6),
      'survivors are scaled by 1/(1 − rate)',
    );
    assert.ok(Math.abs(y.mean().item() - 1) < 0.03, `rate ${rate}: mean ${y.mean().item()}`);
    const x = randn([4, 5]);
    drop.eval();
    assert.equal(drop.call(x), x, 'eval mode returns the input itself');
  }
  // Gradients flow exactly through the kept elements.
  const x = tensor(new Float32Array(100).fill(1), { requiresGrad: true });
  const y = new Dropout(0.3).call(x);
  y.sum().backward();
  assert.deepEqual(x.grad!.toFlatArray(), y.toFlatArray());
  // Seeded by the global generator.
  manualSeed(10);
  const a = new Dropout(0.5).call(ones([50])).toFlatArray();
  manualSeed(10);
  assert.deepEqual(new Dropout(0.5).call(ones([50])).toFlatArray(), a);
  assert.throws(
    () => new Dropout(1),
    (e: Error) => e instanceof ArgumentError && /rate=1; expected a number in \[0, 1\)/.test(e.message),
  );
});

test('activation layers and the name table compute the closed forms', () => {
  const xs = [-3, -0.5, 0.25, 2];
  const x = tensor(xs);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const erf = (v: number) => {
    // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): an oracle independent of the op.
    const t = 1 / (1 + 0.3275911 * Math.abs(v));
    const y =
      1 -
      ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
        t *
        Math.exp(-v * v);
    return v < 0 ? -y : y;
  };
  const softplus = (v: number) => Math.log1p(Math.exp(v));
  const expected: Record<string, (v: number) => number> = {
    linear: (v) => v,
    relu: (v) => Math.max(v, 0),
    relu6: (v) => Math.min(Math.max(v, 0), 6),
    sigmoid: sig,
    hard_sigmoid: (v) => Math.min(Math.max(v + 3, 0), 6) / 6,
    tanh: Math.tanh,
    elu: (v) => (v > 0 ? v : Math.expm1(v)),
    selu: (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v)),
    gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
    silu: (v) => v * sig(v),
    swish: (v) => v * sig(v),
    softplus,
    softsign: (v) => v / (1 + Math.abs(v)),
    leaky_relu: (v) => (v > 0 ? v : 0.3 * v),
    leakyRelu: (v) => (v > 0 ? v : 0.3 * v),
    exponential: Math.exp,
    mish: (v) => v * Math.tanh(softplus(v)),
  };
  for (const [name, f] of Object.entries(expected)) {
    assertClose(getActivation(name as ActivationName)(x).dataSync(), xs.map(f), 1e-5, 1e-5, name);
    assertClose(
      new Activation(name as ActivationName).call(x).dataSync(),
      xs.map(f),
      1e-5,
      1e-5,
      `Activation(${name})`,
    );
  }
  const z = Math.log(xs.reduce((s, v) => s + Math.exp(v), 0));
  assertClose(
    getActivation('softmax')(x).dataSync(),
    xs.map((v) => Math.exp(v - z)),
    1e-6,
  );
  assertClose(
    getActivation('log_softmax')(x).dataSync(),
    xs.map((v) => v - z),
    1e-5,
  );
  const layers: [{ call(x: Tensor): Tensor }, (v: number) => number][] = [
    [new Identity(), (v) => v],
    [new ReLU(), expected.relu],
    [new Sigmoid(), sig],
    [new Tanh(), Math.tanh],
    [new LeakyReLU(), (v) => (v > 0 ? v : 0.3 * v)],
    [new LeakyReLU({ alpha: 0.1 }), (v) => (v > 0 ? v : 0.1 * v)],
    [new ELU({ alpha: 2 }), (v) => (v > 0 ? v : 2 * Math.expm1(v))],
    [new SiLU(), expected.silu],
    [new GELU(), expected.gelu],
    [
      new GELU({ approximate: 'tanh' }),
      (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    ],
    [new Softmax(), (v) => Math.exp(v - z)],
    [new LogSoftmax(), (v) => v - z],
  ];
  for (const [layer, f] of layers) assertClose(layer.call(x).dataSync(), xs.map(f), 1e-5, 1e-5, layer.constructor.name);
  const cols = new Softmax({ axis: 0 }).call(
    tensor([
      [1, 5],
      [1, 5],
    ]),
  );
  assertClose(cols.dataSync(), [0.5, 0.5, 0.5, 0.5], 1e-6);
  assert.throws(
    () => getActivation('sigmod' as ActivationName),
    (e: Error) => e instanceof ArgumentError && /sigmod.*relu/.test(e.message),
  );
  const custom = new Activation((t) => t.mul(3));
  assert.deepEqual(custom.call(tensor([1, 2])).toFlatArray(), [3, 6]);
});

test('initialisers: names resolve, shapes and statistics match their definitions', () => {
  manualSeed(12);
  const shape = [200, 100];
  const stdOf = (t: Tensor) => Math.sqrt(t.square().mean().item() - t.mean().item() ** 2);
  const cases: [string, number][] = [
    ['glorot_uniform', Math.sqrt(2 / 300)],
    ['glorotNormal', Math.sqrt(2 / 300)],
    ['he_uniform', Math.sqrt(2 / 200)],
    ['heNormal', Math.sqrt(2 / 200)],
    ['normal', 0.05],
    ['random_uniform', 0.1 / Math.sqrt(12)],
  ];
  for (const [name, std] of cases) {
    const t = getInitializer(name as never)(shape);
    assert.deepEqual(t.shape, shape);
    assert.equal(t.dtype, 'float32');
    assert.ok(Math.abs(stdOf(t) / std - 1) < 0.03, `${name}: std ${stdOf(t)} vs ${std}`);
    assert.ok(Math.abs(t.mean().item()) < 0.05 * std, `${name}: mean ${t.mean().item()}`);
  }
  assert.deepEqual(getInitializer('zeros')([2]).toFlatArray(), [0, 0]);
  assert.deepEqual(getInitializer('ones')([2]).toFlatArray(), [1, 1]);
  assert.deepEqual(init.constant(3)([2]).toFlatArray(), [3, 3]);
  const u = init.uniform({ low: 2, high: 3 })([1000]).toFlatArray();
  assert.ok(u.every((v) => v >= 2 && v < 3));
  assert.ok(Math.abs(stdOf(init.normal({ mean: 1, std: 2 })([5000])) - 2) < 0.1);
  manualSeed(13);
  const a = init.glorotUniform()([3, 3]).toFlatArray();
  manualSeed(13);
  assert.deepEqual(init.glorotUniform()([3, 3]).toFlatArray(), a, 'seeded');
  assert.throws(
    () => getInitializer('glorot' as never),
    (e: Error) => e instanceof ArgumentError && /glorot_uniform/.test(e.message),
  );
});

test('leaky ReLU has one default slope, 0.3, whether reached as the op, the method, the activation name or the layer', () => {
  const x = tensor([-2, -0.5, 0, 1.5]);
  const expected = [-0.6, -0.15, 0, 1.5];
  const faces: [string, Tensor][] = [
    ['leakyRelu(x)', leakyRelu(x)],
    ['x.leakyRelu()', x.leakyRelu()],
    ["getActivation('leaky_relu')", getActivation('leaky_relu')(x)],
    [
      "Dense activation 'leaky_relu'",
      new Dense({ units: 1, activation: 'leaky_relu', useBias: false, kernelInitializer: 'ones', inputShape: [1] })
        .call(x.reshape([4, 1]))
        .reshape([4]),
    ],
    ['new LeakyReLU()', new LeakyReLU().call(x)],
  ];
  for (const [face, y] of faces) assertClose(y.toFlatArray(), expected, 1e-6, 1e-6, face);
  assert.equal(new LeakyReLU().alpha, 0.3);
  assert.equal(LEAKY_RELU_ALPHA, 0.3);
});
