import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor,
  Module,
  Parameter,
  Dense,
  Linear,
  Dropout,
  ReLU,
  Sequential,
  tensor,
  zeros,
  randn,
  manualSeed,
  noGrad,
  ArgumentError,
  DTypeError,
  ShapeError,
} from '../../src/index.js';

/** A model with every kind of field the walk must understand. */
class Block extends Module {
  scale = new Parameter(tensor([1]));
  encoder = new Linear(3, 4);
  note = 'not state';
  cache: Tensor = zeros([2]); // a plain tensor field: ignored
  layers = [new Linear(4, 4), new ReLU(), new Linear(4, 2, { bias: false })];
  drop = new Dropout(0.5);
  forward(x: Tensor): Tensor {
    let y = this.encoder.call(x).mul(this.scale);
    for (const layer of this.layers) y = layer.call(y);
    return this.drop.call(y);
  }
}

class Outer extends Module {
  block = new Block();
  head = new Sequential([new Dense({ units: 3, inputDim: 2 }), new ReLU(), new Dense({ units: 1, inputDim: 3 })]);
  forward(x: Tensor): Tensor {
    return this.head.call(this.block.call(x));
  }
}

/** A module with buffers, as BatchNorm has. */
class Counter extends Module {
  weight = new Parameter(tensor([1, 2]));
  declare runningMean: Tensor;
  declare steps: Tensor;
  declare scratch: Tensor;
  constructor() {
    super();
    this.registerBuffer('runningMean', zeros([2]));
    this.registerBuffer('steps', tensor([0], { dtype: 'int32' }));
    this.registerBuffer('scratch', zeros([2]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.weight);
  }
}

test('namedParameters: dotted names in field order, own parameters before children', () => {
  const names = new Outer().namedParameters().map(([n]) => n);
  assert.deepEqual(names, [
    'block.scale',
    'block.encoder.weight',
    'block.encoder.bias',
    'block.layers.0.weight',
    'block.layers.0.bias',
    'block.layers.2.weight',
    'head.0.weight',
    'head.0.bias',
    'head.2.weight',
    'head.2.bias',
  ]);
  const model = new Outer();
  assert.equal(model.parameters().length, 10);
  assert.ok(model.parameters().every((p) => p instanceof Parameter && p.requiresGrad));
  assert.equal(model.numParameters(), 1 + (12 + 4) + (16 + 4) + 8 + (6 + 3) + (3 + 1));
});

test('children, namedChildren and modules walk the tree', () => {
  const model = new Outer();
  assert.deepEqual(
    model.namedChildren().map(([n]) => n),
    ['block', 'head'],
  );
  assert.deepEqual(
    model.block.namedChildren().map(([n]) => n),
    ['encoder', 'layers.0', 'layers.1', 'layers.2', 'drop'],
  );
  assert.deepEqual(
    model.namedModules().map(([n]) => n),
    [
      '',
      'block',
      'block.encoder',
      'block.layers.0',
      'block.layers.1',
      'block.layers.2',
      'block.drop',
      'head',
      'head.0',
      'head.1',
      'head.2',
    ],
  );
  assert.equal(model.modules()[0], model);
  assert.equal(model.children()[1], model.head);
});

test('a shared (tied) parameter or module is listed once', () => {
  class Tied extends Module {
    a = new Linear(2, 2);
    b = this.a;
    extra = new Parameter(zeros([1]));
    again = [this.extra];
    forward(x: Tensor): Tensor {
      return this.b.call(this.a.call(x));
    }
  }
  const m = new Tied();
  assert.deepEqual(
    m.namedParameters().map(([n]) => n),
    ['extra', 'a.weight', 'a.bias'],
  );
  assert.equal(m.modules().length, 2);
});

test('train() and eval() reach every descendant', () => {
  const model = new Outer();
  assert.ok(
    model.modules().every((m) => m.training),
    'modules start in training mode',
  );
  assert.equal(model.eval(), model);
  assert.ok(model.modules().every((m) => !m.training));
  model.train();
  assert.ok(model.modules().every((m) => m.training));
  model.block.train(false);
  assert.equal(model.training, true);
  assert.equal(model.block.drop.training, false);
});

test('stateDict → loadStateDict into a fresh model reproduces the outputs exactly', () => {
  manualSeed(1);
  const a = new Outer().eval();
  manualSeed(2);
  const b = new Outer().eval();
  const x = randn([5, 3]);
  const ya = noGrad(() => a.call(x));
  assert.notDeepEqual(noGrad(() => b.call(x)).toFlatArray(), ya.toFlatArray());
  const dict = a.stateDict();
  assert.deepEqual(
    Object.keys(dict),
    a.namedParameters().map(([n]) => n),
  );
  assert.ok(Object.values(dict).every((t) => !t.requiresGrad));
  const bParams = b.parameters();
  const result = b.loadStateDict(dict);
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
  assert.deepEqual(noGrad(() => b.call(x)).toFlatArray(), ya.toFlatArray());
  // Loaded in place: the parameter objects an optimizer holds are still the model's.
  assert.ok(b.parameters().every((p, i) => p === bParams[i]));
  // And copied, not aliased: changing a's weights later does not change b.
  a.block.encoder.weight!.copy_(a.block.encoder.weight!.add(1));
  assert.notEqual(a.block.encoder.weight!.dataSync()[0], b.block.encoder.weight!.dataSync()[0]);
});

test('buffers are in the state dict (persistent ones only) and round-trip; they are not parameters', () => {
  const a = new Counter();
  a.runningMean.copy_([0.5, -0.5]);
  a.steps.copy_([7]);
  assert.deepEqual(
    a.parameters().map((p) => p.shape),
    [[2]],
  );
  assert.deepEqual(
    a.namedBuffers().map(([n]) => n),
    ['runningMean', 'steps', 'scratch'],
  );
  const dict = a.stateDict();
  assert.deepEqual(Object.keys(dict), ['weight', 'runningMean', 'steps']);
  const b = new Counter();
  b.loadStateDict(dict);
  assert.deepEqual(b.runningMean.toFlatArray(), [0.5, -0.5]);
  assert.deepEqual(b.steps.toFlatArray(), [7]);
  // A reassigned buffer field is followed.
  a.runningMean = tensor([9, 9]);
  assert.deepEqual(a.stateDict().runningMean.toFlatArray(), [9, 9]);
});

test('loadStateDict: strict refuses missing and unexpected keys, naming them', () => {
  const model = new Sequential([new Linear(2, 3), new Linear(3, 1)]);
  const dict = model.stateDict();
  const { '1.bias': _dropped, ...missing } = dict;
  assert.throws(
    () => model.loadStateDict(missing),
    (e: Error) =>
      e instanceof ArgumentError && /missing keys \["1\.bias"\]/.test(e.message) && /strict: false/.test(e.message),
  );
  assert.throws(
    () => model.loadStateDict({ ...dict, 'extra.weight': zeros([1]) }),
    (e: Error) => e instanceof ArgumentError && /unexpected keys \["extra\.weight"\]/.test(e.message),
  );
  // Non-strict loads what matches and reports the rest.
  const other = new Sequential([new Linear(2, 3), new Linear(3, 1)]);
  const result = other.loadStateDict({ ...missing, 'extra.weight': zeros([1]) }, { strict: false });
  assert.deepEqual(result, { missingKeys: ['1.bias'], unexpectedKeys: ['extra.weight'] });
  assert.deepEqual(other.at(0).stateDict().weight.toFlatArray(), dict['0.weight'].toFlatArray());
});

test('loadStateDict: shape and dtype mismatches name the key, got and expected, and change nothing', () => {
  const model = new Sequential([new Linear(2, 3), new Linear(3, 1)]);
  const before = model.parameters().map((p) => p.toFlatArray());
  const dict = { ...new Sequential([new Linear(2, 3), new Linear(3, 1)]).stateDict(), '1.weight': zeros([1, 3]) };
  assert.throws(
    () => model.loadStateDict(dict),
    (e: Error) =>
      e instanceof ShapeError && /"1\.weight" has shape \[1, 3\] in the state dict; expected \[3, 1\]/.test(e.message),
  );
  assert.throws(
    () => model.loadStateDict(dict, { strict: false }),
    ShapeError,
    'shape mismatches throw even when not strict',
  );
  assert.deepEqual(
    model.parameters().map((p) => p.toFlatArray()),
    before,
    'a failed load writes nothing',
  );
  const intDict = { ...model.stateDict(), '0.bias': zeros([3], { dtype: 'int32' }) };
  assert.throws(
    () => model.loadStateDict(intDict),
    (e: Error) => e instanceof DTypeError && /"0\.bias" has dtype int32/.test(e.message),
  );
});

test('zeroGrad clears gradients; frozen parameters are counted apart', () => {
  const model = new Sequential([new Linear(2, 2), new Linear(2, 1)]);
  model
    .call(randn([4, 2]))
    .sum()
    .backward();
  assert.ok(model.parameters().every((p) => p.grad !== null));
  model.zeroGrad();
  assert.ok(model.parameters().every((p) => p.grad === null));
  model
    .at(0)
    .parameters()
    .forEach((p) => p.requiresGrad_(false));
  assert.equal(model.numParameters(), 9);
  assert.equal(model.numParameters({ trainableOnly: true }), 3);
  model
    .call(randn([4, 2]))
    .sum()
    .backward();
  assert.equal(model.at(0).parameters()[0].grad, null, 'a frozen parameter gets no gradient');
});

test('Parameter is a float32 leaf that requires grad', () => {
  const p = new Parameter(tensor([1, 2]));
  assert.ok(p instanceof Tensor && p.requiresGrad && p.isLeaf);
  assert.equal(new Parameter(tensor([1]), false).requiresGrad, false);
  assert.throws(
    () => new Parameter(tensor([1], { dtype: 'int32' })),
    (e: Error) => e instanceof DTypeError && /float32/.test(e.message),
  );
});

test('forward hooks see inputs and output, can replace it, and can be removed', () => {
  const layer = new Linear(2, 1);
  const seen: number[][] = [];
  const remove = layer.registerForwardHook((_m, [x], out) => {
    seen.push([...x.shape, ...out.shape]);
  });
  const double = layer.registerForwardHook((_m, _in, out) => out.mul(2));
  const x = randn([3, 2]);
  const plain = noGrad(() => layer.forward(x));
  const hooked = noGrad(() => layer.call(x));
  assert.deepEqual(seen, [[3, 2, 3, 1]]);
  assert.deepEqual(hooked.toFlatArray(), plain.mul(2).toFlatArray());
  remove();
  double();
  assert.deepEqual(noGrad(() => layer.call(x)).toFlatArray(), plain.toFlatArray());
  assert.equal(seen.length, 1);
});

test('toString prints the module tree', () => {
  const text = new Sequential([
    new Dense({ units: 4, activation: 'relu' }),
    new Dropout(0.2),
    new Linear(4, 1),
  ]).toString();
  assert.equal(
    text,
    [
      'Sequential(',
      '  (0): Dense(units=4, activation=relu)',
      '  (1): Dropout(rate=0.2)',
      '  (2): Linear(inputDim=4, units=1)',
      ')',
    ].join('\n'),
  );
});
