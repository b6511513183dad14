/**
 * One registry per kind — layers, losses, metrics, optimizers — and compile, saved configs and
 * users name things through them the same way: a name compile takes is the name a saved model
 * writes, and adding one (a definition plus one register call) makes it work everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Sequential,
  Dense,
  Loss,
  SGD,
  Adam,
  Tensor,
  ArgumentError,
  tensor,
  manualSeed,
  registerLoss,
  registeredLosses,
  registerMetric,
  registeredMetrics,
  registerOptimizer,
  registeredOptimizers,
  registeredLayers,
  meanSquaredError,
  meanAbsoluteError,
  sparseCategoricalAccuracy,
  getLoss,
  modelToArtifacts,
  modelFromArtifacts,
} from '../../src/index.js';
import { abs, mean, sub, minimum, square, mul, add } from '../../src/ops/index.js';
import { blobs, blobModel } from './util.js';

const { x, y } = blobs(32);

/** A model saved and loaded in memory: what loadModel would recompile it with. */
function reloaded(model: Sequential): Sequential {
  const { config, weights } = modelToArtifacts(model);
  return modelFromArtifacts(JSON.parse(JSON.stringify(config)), weights) as Sequential;
}

test('each kind has one registry holding the built-ins under their Keras names', () => {
  assert.deepEqual(registeredLosses(), [
    'binary_crossentropy',
    'categorical_crossentropy',
    'mean_absolute_error',
    'mean_squared_error',
    'sequence_crossentropy',
    'sparse_categorical_crossentropy',
  ]);
  assert.deepEqual(registeredMetrics(), [
    'accuracy',
    'binary_accuracy',
    'categorical_accuracy',
    'mean_absolute_error',
    'mean_squared_error',
    'perplexity',
    'sparse_categorical_accuracy',
  ]);
  assert.deepEqual(registeredOptimizers(), ['Adam', 'AdamW', 'GradientDescent', 'RMSprop', 'SGD']);
  assert.ok(
    ['Dense', 'Conv2D', 'Embedding', 'Sequential', 'WrappedModel'].every((n) => registeredLayers().includes(n)),
  );
});

test('compile takes names or the objects themselves; a saved config names them as the registries do', async () => {
  const cases: [string, Parameters<Sequential['compile']>[0], unknown][] = [
    [
      'names',
      { optimizer: 'adam', loss: 'mse', metrics: ['mae'] },
      { optimizer: 'adam', loss: 'mse', metrics: ['mae'] },
    ],
    [
      'class names',
      { optimizer: 'SGD', loss: 'mean_squared_error', metrics: ['mean_absolute_error'] },
      { optimizer: 'SGD', loss: 'mean_squared_error', metrics: ['mean_absolute_error'] },
    ],
    [
      'a Loss with options, registered functions',
      {
        optimizer: { className: 'SGD', config: { lr: 0.05, momentum: 0.5 } },
        loss: new Loss('mse', { reduction: 'sum' }),
        metrics: [meanAbsoluteError],
      },
      {
        optimizer: { className: 'SGD', config: { lr: 0.05, momentum: 0.5 } },
        loss: { className: 'mean_squared_error', config: { reduction: 'sum' } },
        metrics: ['mean_absolute_error'],
      },
    ],
    [
      'a registered loss function, an unregistered metric function',
      {
        optimizer: 'sgd',
        loss: meanSquaredError,
        metrics: [
          function peak(p: Tensor) {
            return p.max();
          },
        ],
      },
      { optimizer: 'sgd', loss: 'mean_squared_error', metrics: [] },
    ],
  ];
  for (const [what, options, saved] of cases) {
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    model.compile(options);
    assert.deepEqual(model.compileConfig, saved, what);
    const back = reloaded(model);
    assert.deepEqual(back.compileConfig, saved, `${what}: reloaded`);
    const targets = tensor(Array.from({ length: 32 }, (_, i) => [i % 2]));
    // The same numbers, for what was saved (an unregistered metric function is not).
    const { loss, ...metrics } = model.evaluate(x, targets);
    const savedMetrics = Object.fromEntries(
      Object.entries(metrics).filter(([k]) => (saved as { metrics: string[] }).metrics.includes(k)),
    );
    assert.deepEqual(
      back.evaluate(x, targets),
      { loss, ...savedMetrics },
      `${what}: the reloaded model computes the same`,
    );
  }
  // An optimizer instance is saved by its registered class name and options.
  const model = blobModel();
  model.compile({
    optimizer: new SGD(model.parameters(), { lr: 0.3 }),
    loss: 'sparse_categorical_crossentropy',
    metrics: [sparseCategoricalAccuracy],
  });
  const config = model.compileConfig!;
  assert.equal((config.optimizer as { className: string }).className, 'SGD');
  assert.equal((config.optimizer as { config: Record<string, unknown> }).config.lr, 0.3);
  assert.deepEqual(config.metrics, ['sparse_categorical_accuracy']);
  await model.fit(x, y, { verbose: 0 });
  assert.ok(reloaded(model).optimizer === null, 'a reloaded model makes its optimizer at its first fit');
});

test('a new loss, metric or optimizer is one definition and one register call, and then works by name everywhere', async () => {
  // Huber loss (δ = 1) as a composition of ops.
  function huber(yPred: Tensor, yTrue: Tensor, options: { reduction?: 'mean' } = {}): Tensor {
    void options;
    const e = abs(sub(yPred, yTrue));
    const q = minimum(e, 1);
    return mean(add(mul(square(q), 0.5), sub(e, q)));
  }
  registerLoss('huber', { fn: huber, options: ['reduction'], kind: 'regression' }, { aliases: ['Huber'] });
  function maxError(yPred: Tensor, yTrue: Tensor): Tensor {
    return abs(sub(yPred, yTrue)).max();
  }
  registerMetric('max_error', maxError);
  // An optimizer class of its own (here SGD under another name, so the test leans on no step rule).
  class NesterovSGD extends SGD {}
  registerOptimizer('NesterovSGD', NesterovSGD, {
    aliases: ['nesterov'],
    defaults: { lr: 0.02, momentum: 0.9, nesterov: true },
  });

  assert.ok(
    registeredLosses().includes('huber') &&
      registeredMetrics().includes('max_error') &&
      registeredOptimizers().includes('NesterovSGD'),
  );
  manualSeed(3);
  const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
  model.compile({ optimizer: 'nesterov', loss: 'Huber', metrics: ['max_error'] });
  const targets = tensor(Array.from({ length: 32 }, (_, i) => [i % 2 ? 3 : -3]));
  const history = await model.fit(x, targets, { epochs: 3, verbose: 0 });
  const made = model.optimizer as NesterovSGD;
  assert.ok(
    made instanceof NesterovSGD && made.lr === 0.02 && made.defaults.nesterov,
    'made by name with its registered defaults',
  );
  assert.ok(history.history.loss[2] < history.history.loss[0], `huber falls: ${history.history.loss}`);
  assert.deepEqual(model.compileConfig, { optimizer: 'nesterov', loss: 'Huber', metrics: ['max_error'] });
  const back = reloaded(model);
  assert.deepEqual(back.evaluate(x, targets), model.evaluate(x, targets));
  assert.equal(getLoss('huber')(tensor([0, 3]), tensor([0, 0])).item(), 1.25);
  // The function itself, given to compile, is known by its registered name.
  model.compile({ optimizer: 'nesterov', loss: huber, metrics: [maxError] });
  assert.deepEqual(model.compileConfig, { optimizer: 'nesterov', loss: 'huber', metrics: ['max_error'] });
});

test('a name is registered once: a second registration is refused unless it says override', () => {
  assert.throws(
    () => registerLoss('mse', { fn: meanSquaredError, options: [], kind: 'regression' }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /registerLoss: "mse" already names the loss "mean_squared_error"; pick another name or pass \{ override: true \}/.test(
        e.message,
      ),
  );
  assert.throws(() => registerOptimizer('Adam', SGD), /registerOptimizer: "Adam" is already registered/);
  assert.throws(() => registerMetric('accuracy', () => 1), /registerMetric: "accuracy" is already registered/);
  assert.throws(() => registerOptimizer('NotOne', Tensor as never), /expected a subclass of Optimizer/);
  assert.throws(
    () => registerOptimizer('BadDefaults', Adam, { defaults: { learningRate: 0.1 } }),
    /Adam: unknown option 'learningRate'/,
  );
  registerMetric('accuracy', () => 1, { override: true });
});
