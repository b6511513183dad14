import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Conv2D,
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
  Flatten,
  Dense,
  Linear,
  Dropout,
  BatchNormalization,
  Activation,
  Identity,
  ReLU,
  Sigmoid,
  Tanh,
  SiLU,
  LeakyReLU,
  ELU,
  GELU,
  Softmax,
  LogSoftmax,
  Module,
  Sequential,
  type Tensor,
  randn,
  relu,
  manualSeed,
  noGrad,
  layerToConfig,
  layerFromConfig,
  registerLayer,
  registeredLayers,
  ArgumentError,
  ShapeError,
  type AnyModule,
} from '../../src/index.js';

/** The seed's MNIST model, layer for layer. */
function seedModel(inputShape?: number[]): Sequential {
  return new Sequential([
    new Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu', ...(inputShape ? { inputShape } : {}) }),
    new MaxPooling2D({ poolSize: [2, 2] }),
    new Conv2D({ filters: 64, kernelSize: [3, 3], activation: 'relu' }),
    new MaxPooling2D({ poolSize: [2, 2] }),
    new Conv2D({ filters: 64, kernelSize: [3, 3], activation: 'relu' }),
    new Flatten(),
    new Dense({ units: 64, activation: 'relu' }),
    new Dense({ units: 10, activation: 'softmax' }),
  ]);
}

test("the seed's MNIST model has 93,322 parameters, known from inputShape alone (no data runs)", () => {
  manualSeed(41);
  const model = seedModel([28, 28, 1]);
  assert.ok(model.isBuilt());
  assert.equal(model.numParameters(), 93322);
  // Layer by layer, as summary() prints them.
  let shape: (number | null)[] = [null, 28, 28, 1];
  const rows = [...model].map((layer) => {
    shape = layer.computeOutputShape(shape);
    return [layer.constructor.name, shape, layer.numParameters()];
  });
  assert.deepEqual(rows, [
    ['Conv2D', [null, 26, 26, 32], 320],
    ['MaxPooling2D', [null, 13, 13, 32], 0],
    ['Conv2D', [null, 11, 11, 64], 18496],
    ['MaxPooling2D', [null, 5, 5, 64], 0],
    ['Conv2D', [null, 3, 3, 64], 36928],
    ['Flatten', [null, 576], 0],
    ['Dense', [null, 64], 36928],
    ['Dense', [null, 10], 650],
  ]);
  assert.deepEqual(model.computeOutputShape([32, 28, 28, 1]), [32, 10]);

  // Without inputShape: build() works the shapes out layer by layer; no layer's forward runs.
  const lazy = seedModel();
  let calls = 0;
  for (const layer of lazy) layer.registerForwardHook(() => void calls++);
  assert.equal(lazy.isBuilt(), false);
  lazy.build([null, 28, 28, 1]);
  assert.equal(lazy.numParameters(), 93322);
  assert.equal(calls, 0);
  assert.deepEqual(lazy.buildInputShape, [null, 28, 28, 1]);
  assert.deepEqual(lazy.call(randn([2, 28, 28, 1])).shape, [2, 10]);
  assert.equal(calls, 8);
});

test('Sequential with a known input shape refuses, when it is added, a layer that does not fit', () => {
  const model = new Sequential([new Conv2D({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2] })]);
  assert.throws(
    () => model.add(new MaxPooling2D({ poolSize: 5 })),
    (e: Error) =>
      e instanceof ShapeError &&
      /MaxPooling2D: the pool window is 5 along height but the input \(shape \[null, 4, 4, 4\]\) has only 4/.test(
        e.message,
      ),
  );
  assert.equal(model.length, 1);
  model.add(new Flatten()).add(new Dense({ units: 3 }));
  assert.deepEqual(model.at(2).buildInputShape, [null, 64]);
  assert.throws(
    () => model.build([7]),
    (e: Error) => e instanceof ArgumentError && /expected the batch axis followed by the sample's axes/.test(e.message),
  );
  assert.throws(
    () => new Sequential([new Dense({ units: 2, inputShape: [3] })]).call(randn([4, 5])),
    (e: Error) => e instanceof ShapeError && /expected the last axis to have 3 features/.test(e.message),
  );
});

/** Every built-in layer, with an input it accepts. */
function everyLayer(): [AnyModule, number[]][] {
  return [
    [
      new Conv2D({
        filters: 3,
        kernelSize: [2, 3],
        strides: [1, 2],
        padding: 'same',
        activation: 'tanh',
        kernelInitializer: 'he_normal',
      }),
      [2, 5, 6, 2],
    ],
    [new Conv2D({ filters: 2, kernelSize: 3, dilationRate: 2, useBias: false, inputShape: [7, 7, 1] }), [1, 7, 7, 1]],
    [new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }), [2, 5, 5, 2]],
    [new AveragePooling2D({ poolSize: [2, 1] }), [1, 4, 4, 3]],
    [new GlobalAveragePooling2D({ keepDims: true }), [2, 3, 3, 4]],
    [new Flatten({ inputShape: [2, 3] }), [4, 2, 3]],
    [new Dense({ units: 4, activation: 'leaky_relu', biasInitializer: 'random_normal' }), [3, 5]],
    [new Dense({ units: 2, inputDim: 3, useBias: false }), [2, 3]],
    [new Linear(3, 2, { activation: 'sigmoid' }), [2, 3]],
    [new Dropout(0.3, { inputShape: [5] }), [2, 5]],
    [new BatchNormalization({ momentum: 0.9, epsilon: 1e-2, center: false }), [4, 3, 3, 2]],
    [new Activation('gelu'), [2, 4]],
    [new Identity(), [2, 2]],
    [new ReLU(), [2, 2]],
    [new Sigmoid(), [2, 2]],
    [new Tanh(), [2, 2]],
    [new SiLU(), [2, 2]],
    [new LeakyReLU({ alpha: 0.1 }), [2, 2]],
    [new ELU({ alpha: 0.5 }), [2, 2]],
    [new GELU({ approximate: 'tanh' }), [2, 2]],
    [new Softmax({ axis: 0 }), [3, 2]],
    [new LogSoftmax(), [3, 2]],
    [
      new Sequential([
        new Conv2D({ filters: 2, kernelSize: 2 }),
        new BatchNormalization(),
        new ReLU(),
        new Flatten(),
        new Dropout(0.5),
        new Dense({ units: 3 }),
      ]),
      [2, 4, 4, 1],
    ],
  ];
}

test('every built-in layer round-trips: config → JSON → layerFromConfig gives the same config, and with the state dict the same outputs', () => {
  manualSeed(42);
  for (const [layer, shape] of everyLayer()) {
    const name = layer.constructor.name;
    const x = randn(shape);
    layer.call(x); // lazy layers build, BatchNormalization moves its statistics away from 0 and 1
    layer.eval();
    const config = layerToConfig(layer);
    assert.equal(config.className, name);
    const json = JSON.stringify(config);
    const rebuilt = layerFromConfig(JSON.parse(json));
    assert.equal(rebuilt.constructor, layer.constructor, name);
    assert.equal(JSON.stringify(layerToConfig(rebuilt)), json, `${name}: the rebuilt layer has the same config`);
    assert.ok(rebuilt.isBuilt(), `${name} is built from its config`);
    rebuilt.loadStateDict(layer.stateDict());
    rebuilt.eval();
    assert.deepEqual(noGrad(() => rebuilt.call(x)).toFlatArray(), noGrad(() => layer.call(x)).toFlatArray(), name);
  }
  assert.ok(
    ['BatchNormalization', 'Conv2D', 'Dense', 'Flatten', 'Linear', 'MaxPooling2D', 'Sequential'].every((n) =>
      registeredLayers().includes(n),
    ),
  );
});

test("configs hold plain options by name: the seed model's config", () => {
  const config = layerToConfig(seedModel([28, 28, 1]));
  const layers = config.config.layers as { className: string; config: Record<string, unknown> }[];
  assert.deepEqual(
    layers.map((l) => l.className),
    ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dense'],
  );
  assert.deepEqual(layers[0].config, {
    inputShape: [28, 28, 1],
    filters: 32,
    kernelSize: [3, 3],
    strides: 1,
    padding: 'valid',
    dilationRate: 1,
    activation: 'relu',
    useBias: true,
    kernelInitializer: 'glorot_uniform',
    biasInitializer: 'zeros',
  });
  assert.deepEqual(layers[1].config, { poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
  assert.deepEqual(layers[7].config, {
    units: 10,
    activation: 'softmax',
    useBias: true,
    kernelInitializer: 'glorot_uniform',
    biasInitializer: 'zeros',
  });
  // The activation op itself is serialised by its name.
  assert.equal(layerToConfig(new Dense({ units: 2, activation: relu })).config.activation, 'relu');
  // A rebuilt seed model has the seed's 93,322 parameters before any data.
  assert.equal(layerFromConfig(JSON.parse(JSON.stringify(config))).numParameters(), 93322);
});

test('what cannot be saved as data is refused with a message that says how to fix it', () => {
  const square = (x: Tensor): Tensor => x.mul(x);
  assert.throws(
    () => layerToConfig(new Dense({ units: 2, activation: square })),
    (e: Error) =>
      e instanceof ArgumentError &&
      /Dense.getConfig: the activation is a custom function \(square\)/.test(e.message) &&
      /registerLayer/.test(e.message),
  );
  assert.throws(
    () => layerToConfig(new Sequential([new Activation(square)])),
    (e: Error) => e instanceof ArgumentError && /Activation.getConfig: .*custom function/.test(e.message),
  );
  assert.throws(
    () => layerToConfig(new Conv2D({ filters: 1, kernelSize: 1, activation: (x) => x })),
    (e: Error) => e instanceof ArgumentError && /Conv2D.getConfig: the activation is a custom function/.test(e.message),
  );

  class Residual extends Module {
    inner = new Dense({ units: 3 });
    forward(x: Tensor): Tensor {
      return x.add(this.inner.call(x));
    }
  }
  class MyDense extends Dense {}
  for (const [layer, cls] of [
    [new Residual(), 'Residual'],
    [new MyDense({ units: 2 }), 'MyDense'],
    [new Sequential([new ReLU(), new Residual()]), 'Residual'],
  ] as const) {
    assert.throws(
      () => layerToConfig(layer),
      (e: Error) =>
        e instanceof ArgumentError &&
        new RegExp(`the layer class "${cls}" is not registered`).test(e.message) &&
        new RegExp(`registerLayer\\('${cls}'`).test(e.message),
    );
  }
  assert.throws(
    () => layerFromConfig({ className: 'Conv3D', config: {} }),
    (e: Error) =>
      e instanceof ArgumentError && /unknown layer class "Conv3D"; expected one of .*Conv2D/.test(e.message),
  );
  assert.throws(
    () => layerFromConfig({ className: 'Conv2D', config: { filters: 2, kernelSize: 3, kernal: 1 } }),
    (e: Error) => e instanceof ArgumentError && /Conv2D: unknown option 'kernal'/.test(e.message),
  );
  assert.throws(
    () => layerFromConfig({ className: 'Dense', config: null as never }),
    (e: Error) => e instanceof ArgumentError && /expected an object of options/.test(e.message),
  );
  assert.throws(
    () => layerFromConfig({ className: 'Sequential', config: { layers: 3 } }),
    (e: Error) => e instanceof ArgumentError && /expected an array of layer configs/.test(e.message),
  );
  assert.throws(
    () => layerFromConfig('Dense' as never),
    (e: Error) => e instanceof ArgumentError && /expected \{ className: string, config: object \}/.test(e.message),
  );
  assert.throws(
    () => registerLayer('Dense', () => new Identity()),
    (e: Error) => e instanceof ArgumentError && /"Dense" is already registered/.test(e.message),
  );
  assert.throws(() => registerLayer('my layer', () => new Identity()), ArgumentError);
});

test('a custom layer, once registered with a getConfig, round-trips like a built-in one, also inside Sequential', () => {
  manualSeed(43);
  class Scale extends Module {
    constructor(readonly factor: number) {
      super();
    }
    forward(x: Tensor): Tensor {
      return x.mul(this.factor);
    }
    override getConfig(): Record<string, unknown> {
      return { ...super.getConfig(), factor: this.factor };
    }
  }
  /** Named by a bundler-proof name, not its constructor's. */
  const Renamed = class extends Scale {};
  registerLayer('Scale', (c) => new Scale(c.factor as number), { layerClass: Scale });
  registerLayer('tests.Halve', () => new Renamed(0.5), { layerClass: Renamed });
  const model = new Sequential([new Dense({ units: 3 }), new Scale(3), new Renamed(0.5)]);
  const x = randn([2, 4]);
  const y = model.call(x);
  const config = layerToConfig(model);
  assert.deepEqual(
    (config.config.layers as { className: string }[]).map((l) => l.className),
    ['Dense', 'Scale', 'tests.Halve'],
  );
  const rebuilt = layerFromConfig(JSON.parse(JSON.stringify(config)));
  rebuilt.loadStateDict(model.stateDict());
  assert.deepEqual(rebuilt.call(x).toFlatArray(), y.toFlatArray());

  class Bad extends Module {
    forward(x: Tensor): Tensor {
      return x;
    }
    override getConfig(): Record<string, unknown> {
      return { fn: () => 1 };
    }
  }
  registerLayer('Bad', () => new Bad(), { layerClass: Bad });
  assert.throws(
    () => layerToConfig(new Bad()),
    (e: Error) =>
      e instanceof ArgumentError && /Bad.getConfig\(\): config.fn is a function; expected plain JSON/.test(e.message),
  );
  registerLayer('Bad', () => new Identity(), { override: true });
  assert.ok(layerFromConfig({ className: 'Bad', config: {} }) instanceof Identity);
});

test("a custom module's output shape comes from a trial run, which needs every size but the batch", () => {
  class Pair extends Module {
    forward(x: Tensor): Tensor {
      return x.reshape([x.shape[0], -1, 2]);
    }
  }
  assert.deepEqual(new Pair().computeOutputShape([null, 6]), [null, 3, 2]);
  assert.deepEqual(new Pair().computeOutputShape([10, 4]), [10, 2, 2]);
  assert.throws(
    () => new Pair().computeOutputShape([null, null]),
    (e: Error) =>
      e instanceof ShapeError &&
      /a trial run needs every size but the batch size/.test(e.message) &&
      /override computeOutputShape and build in Pair/.test(e.message),
  );
  assert.throws(
    () => new Pair().build([null, 'a'] as never),
    (e: Error) => e instanceof ShapeError && /expected an array of sizes/.test(e.message),
  );
});
