/**
 * compile: Keras's strings resolve to the right optimizer (with Keras's defaults), loss and
 * accuracy; bad strings and misuse give errors that list what is valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Sequential,
  Model,
  Dense,
  Identity,
  Adam,
  AdamW,
  SGD,
  RMSprop,
  GradientDescent,
  type Optimizer,
  ArgumentError,
  type Tensor,
  tensor,
  type OptimizerName,
} from '../../src/index.js';
import { blobs, blobModel } from './util.js';

const { x, y } = blobs(64);

test('optimizer names make the Keras optimizer with Keras defaults, once the parameters exist', async () => {
  const expected: [OptimizerName, new (...a: never[]) => Optimizer, Record<string, unknown>][] = [
    ['adam', Adam, { lr: 1e-3, eps: 1e-7 }],
    ['sgd', SGD, { lr: 1e-2, momentum: 0 }],
    ['rmsprop', RMSprop, { lr: 1e-3, alpha: 0.9, eps: 1e-7 }],
    ['adamw', AdamW, { lr: 1e-3, weightDecay: 0.004 }],
    ['gd', GradientDescent, { lr: 0.01 }],
  ];
  for (const [name, cls, defaults] of expected) {
    const model = new Sequential([new Dense({ units: 2, activation: 'softmax' })]);
    model.compile({ optimizer: name, loss: 'sparse_categorical_crossentropy' });
    assert.equal(model.optimizer, null, 'a lazy model has no parameters yet, so no optimizer');
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    const opt = model.optimizer!;
    assert.ok(opt instanceof cls, `${name} → ${opt.constructor.name}`);
    for (const [k, v] of Object.entries(defaults))
      assert.equal((opt.defaults as unknown as Record<string, unknown>)[k], v, `${name}.${k}`);
    assert.deepEqual(new Set(opt.paramGroups[0].params), new Set(model.parameters()));
  }
  // Keras's compile default is RMSprop.
  const model = blobModel();
  model.compile({ loss: 'sparse_categorical_crossentropy' });
  await model.fit(x, y, { verbose: 0 });
  assert.ok(model.optimizer instanceof RMSprop);
});

test('an optimizer instance or a factory is used as given; one not holding the parameters is refused', async () => {
  const model = blobModel();
  const opt = new SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });
  model.compile({ optimizer: opt, loss: 'sparse_categorical_crossentropy' });
  assert.equal(model.optimizer, opt);
  await model.fit(x, y, { verbose: 0 });
  assert.equal(model.optimizer, opt);

  const lazy = new Sequential([new Dense({ units: 2 })]);
  let made = 0;
  lazy.compile({
    optimizer: (p) => {
      made++;
      return new Adam(p, { lr: 0.05 });
    },
    loss: 'mse',
  });
  await lazy.fit(x, tensor(Array.from({ length: 64 }, () => [0, 1])), { epochs: 2, verbose: 0 });
  assert.equal(made, 1, 'the factory runs once, when the layers exist');
  assert.equal(lazy.optimizer!.lr, 0.05);

  const other = blobModel(2);
  other.compile({ optimizer: new Adam(blobModel(3).parameters()), loss: 'sparse_categorical_crossentropy' });
  await assert.rejects(
    other.fit(x, y, { verbose: 0 }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /the optimizer does not hold the model's parameters \["0\.weight", "0\.bias", "1\.weight", "1\.bias"\]/.test(
        e.message,
      ),
  );
  const bad = blobModel();
  bad.compile({ optimizer: (() => 'adam') as never, loss: 'mse' });
  await assert.rejects(bad.fit(x, y, { verbose: 0 }), /the optimizer factory returned "adam"; expected an Optimizer/);
});

test('bad strings list the valid names; compile checks its options', () => {
  const model = blobModel();
  assert.throws(
    () => model.compile({ optimizer: 'adamm' as never, loss: 'mse' }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /^Sequential\.compile: unknown optimizer "adamm"; expected one of 'Adam', 'AdamW', 'GradientDescent', 'RMSprop', 'SGD', 'adam', 'adamw', 'gd', 'rmsprop', 'sgd' \(a custom optimizer is added with registerOptimizer\)$/.test(
        e.message,
      ),
  );
  assert.throws(
    () => model.compile({ optimizer: 'adam', loss: 'crossentropy' as never }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /^Sequential\.compile: unknown loss "crossentropy"; expected one of .*'binary_crossentropy'.*'mse'.*'sparse_categorical_crossentropy'.* \(a custom loss is added with registerLoss\)$/.test(
        e.message,
      ),
  );
  assert.throws(
    () => model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy' as never] }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /^Sequential\.compile: unknown metric "acuracy"; expected one of 'acc', 'accuracy', .* \(a custom metric is added with registerMetric\)$/.test(
        e.message,
      ),
  );
  assert.throws(
    () => model.compile({ optimizer: 'adam', loss: 'mse', metrics: 'accuracy' as never }),
    /expected an array such as \['accuracy'\]/,
  );
  assert.throws(
    () => model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae', 'mae'] }),
    /two metrics are named "mae"/,
  );
  assert.throws(() => model.compile({ optimizer: 'adam' } as never), /got no loss/);
  assert.throws(
    () => model.compile({ optimizer: 'adam', loss: 'mse', metric: ['accuracy'] } as never),
    /compile: unknown option 'metric'; known options: optimizer, loss, metrics, clipNorm, globalClipNorm, clipValue$/,
  );
  assert.throws(() => model.evaluate(x, y), /the model is not compiled; call model.compile/);
  assert.throws(() => model.summary({ print: false, verbose: 1 } as never), /unknown option 'verbose'/);
});

test("'accuracy' is the accuracy that matches the loss, as in Keras", () => {
  // The model passes its input through, so the inputs are the predictions: probabilities whose
  // argmax is class 2, then class 0.
  const probs = tensor([
    [0.1, 0.2, 0.7],
    [0.5, 0.3, 0.2],
  ]);
  const identity = Model.wrap(new Identity());
  identity.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  assert.equal(identity.evaluate(probs, tensor([2, 1], { dtype: 'int32' })).accuracy, 0.5);
  identity.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['accuracy', 'acc'] });
  const onehot = identity.evaluate(
    probs,
    tensor([
      [0, 0, 1],
      [1, 0, 0],
    ]),
  );
  assert.equal(onehot.accuracy, 1);
  assert.equal(onehot.acc, 1);
  identity.compile({ optimizer: 'sgd', loss: 'binary_crossentropy', metrics: ['accuracy', 'mae', 'mse'] });
  const binary = identity.evaluate(tensor([[0.9], [0.4], [0.6]]), tensor([[1], [1], [0]]));
  assert.ok(Math.abs(binary.accuracy - 1 / 3) < 1e-9, `binary accuracy ${binary.accuracy}`);
  assert.ok(Math.abs(binary.mae - (0.1 + 0.6 + 0.6) / 3) < 1e-6);
  assert.ok(Math.abs(binary.mse - (0.01 + 0.36 + 0.36) / 3) < 1e-6);
  // A custom metric: a function, reported under its name.
  identity.compile({
    optimizer: 'sgd',
    loss: 'mse',
    metrics: [
      function maxError(p: Tensor, t: Tensor) {
        return p.sub(t).abs().max();
      },
    ],
  });
  assert.ok(Math.abs(identity.evaluate(tensor([[1], [3]]), tensor([[1.5], [1]])).maxError - 2) < 1e-6);
});
