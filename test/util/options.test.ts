/**
 * The one options check: every place that takes an options object refuses an unknown key with
 * the function's name, the key and the known keys. Layers are found through their registry, so a
 * layer registered later is checked here without editing this file (a layer whose config needs
 * more than {} to build must add its smallest config to MINIMAL, or the first test says so).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError,
  Dense,
  Conv2D,
  Sequential,
  EarlyStopping,
  ModelCheckpoint,
  CSVLogger,
  LearningRateScheduler,
  ProgbarLogger,
  layerFromConfig,
  registeredLayers,
  registeredOptimizers,
  optimizerFactory,
  registeredLosses,
  Loss,
  meanSquaredError,
  meanAbsoluteError,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  categoricalCrossEntropy,
  sparseCategoricalCrossEntropy,
  binaryAccuracy,
  accuracy,
  tensor,
} from '../../src/index.js';
import { checkOptions, unknownOptionError } from '../../src/util/options.js';
import { parseCommand } from '../../src/cli/args.js';
import { blobs, blobModel } from '../keras/util.js';

/** The smallest config each registered layer needs; any other builds from {}. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  Activation: { activation: 'relu' },
  Dense: { units: 2 },
  Linear: { inFeatures: 2, outFeatures: 2 },
  Dropout: { rate: 0.5 },
  Conv2D: { filters: 1, kernelSize: 1 },
  Embedding: { inputDim: 2, outputDim: 2 },
  Sequential: { layers: [] },
  WrappedModel: { module: { className: 'Identity', config: {} } },
  SimpleRNN: { units: 2 },
  LSTM: { units: 2 },
  GRU: { units: 2 },
  Bidirectional: { layer: { className: 'LSTM', config: { units: 2 } } },
  MultiHeadAttention: { numHeads: 1 },
  PositionalEmbedding: { maxLength: 4 },
  TransformerEncoderLayer: { numHeads: 1 },
  TransformerDecoderLayer: { numHeads: 1 },
  TransformerEncoder: { numLayers: 1, numHeads: 1 },
  TransformerDecoder: { numLayers: 1, numHeads: 1 },
  Transformer: { numHeads: 1 },
};

/** The error an unknown key `key` gets from `fn`: the exact first part, then the known keys. */
function unknown(fn: string, key: string): RegExp {
  const quote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${quote(fn)}: unknown option '${quote(key)}'.*; known options: `);
}

function refuses(call: () => unknown, fn: string, key: string): void {
  assert.throws(
    call,
    (e: Error) => e instanceof ArgumentError && unknown(fn, key).test(e.message),
    `${fn} should refuse '${key}'`,
  );
}

test('every registered layer refuses an unknown option, naming itself, the key and the known keys', () => {
  const names = registeredLayers();
  assert.ok(names.length >= 20, `only ${names.length} layers registered`);
  for (const className of names) {
    const config = MINIMAL[className] ?? {};
    assert.doesNotThrow(
      () => layerFromConfig({ className, config }),
      `${className} builds from ${JSON.stringify(config)}; if it needs more, add it to MINIMAL`,
    );
    refuses(() => layerFromConfig({ className, config: { ...config, notAnOption: 1 } }), className, 'notAnOption');
  }
});

test('every registered optimizer refuses an unknown option, by name or from a config', () => {
  const names = registeredOptimizers();
  assert.ok(names.length >= 5);
  for (const className of names) {
    const own = optimizerFactory('t', className)([tensor([1], { requiresGrad: true })]).name;
    refuses(() => optimizerFactory('t', { className, config: { notAnOption: 1 } }), own, 'notAnOption');
  }
});

test('every registered loss refuses an unknown option', () => {
  for (const name of registeredLosses())
    refuses(() => new Loss(name, { notAnOption: 1 }), `Loss '${name}'`, 'notAnOption');
});

test('the message lists the known options and points at the one meant when only the spelling differs', () => {
  assert.throws(
    () => new Dense({ units: 2, kernel_initializer: 'zeros' } as never),
    (e: Error) =>
      e instanceof ArgumentError &&
      e.message ===
        "Dense: unknown option 'kernel_initializer' (did you mean 'kernelInitializer'?); known options: units, activation, useBias, kernelInitializer, biasInitializer, inputDim, inputShape",
  );
  assert.throws(
    () => new Conv2D({ filters: 1, kernelSize: 1, Strides: 2 } as never),
    (e: Error) => /^Conv2D: unknown option 'Strides' \(did you mean 'strides'\?\)/.test(e.message),
  );
  assert.equal(unknownOptionError('f', 'zzz', ['a', 'b']).message, "f: unknown option 'zzz'; known options: a, b");
  assert.deepEqual(checkOptions('f', undefined, ['a']), {});
  assert.throws(
    () => checkOptions('f', 3, ['a', 'b'], '{ a: 1 }'),
    /: f: got options 3; expected an object like \{ a: 1 \} with some of: a, b$/,
  );
  assert.throws(() => checkOptions('f', [1], ['a']), ArgumentError);
});

test('losses and metrics refuse unknown options', () => {
  const p = tensor([[0.2, 0.8]]),
    t = tensor([[0, 1]]),
    labels = tensor([1], { dtype: 'int32' });
  const cases: [string, (o: never) => unknown][] = [
    ['meanSquaredError', (o) => meanSquaredError(p, t, o)],
    ['meanAbsoluteError', (o) => meanAbsoluteError(p, t, o)],
    ['binaryCrossEntropy', (o) => binaryCrossEntropy(p, t, o)],
    ['binaryCrossEntropyWithLogits', (o) => binaryCrossEntropyWithLogits(p, t, o)],
    ['categoricalCrossEntropy', (o) => categoricalCrossEntropy(p, t, o)],
    ['sparseCategoricalCrossEntropy', (o) => sparseCategoricalCrossEntropy(p, labels, o)],
    ['binaryAccuracy', (o) => binaryAccuracy(p, t, o)],
    ['accuracy', (o) => accuracy(p, t, o)],
  ];
  for (const [fn, call] of cases) refuses(() => call({ from_logits: true } as never), fn, 'from_logits');
});

test('compile, fit, evaluate, predict, summary, the model constructors and the callbacks refuse unknown options', async () => {
  const { x, y } = blobs(8);
  const model = blobModel();
  refuses(() => model.compile({ loss: 'mse', metric: [] } as never), 'Sequential.compile', 'metric');
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  await assert.rejects(
    model.fit(x, y, { epoch: 1 } as never),
    (e: Error) => e instanceof ArgumentError && unknown('Sequential.fit', 'epoch').test(e.message),
  );
  refuses(() => model.evaluate(x, y, { batch_size: 2 } as never), 'Sequential.evaluate', 'batch_size');
  refuses(() => model.predict(x, { verbose: 0 } as never), 'Sequential.predict', 'verbose');
  refuses(() => model.summary({ print: false, lineLength: 80 } as never), 'Sequential.summary', 'lineLength');
  refuses(() => new Sequential([], { nam: 'x' } as never), 'Sequential', 'nam');
  refuses(() => new EarlyStopping({ patience: 1, min_delta: 0 } as never), 'EarlyStopping', 'min_delta');
  refuses(
    () => new ModelCheckpoint({ filepath: 'x', save_best_only: true } as never),
    'ModelCheckpoint',
    'save_best_only',
  );
  refuses(() => new CSVLogger('x.csv', { sep: ';' } as never), 'CSVLogger', 'sep');
  refuses(
    () => new LearningRateScheduler((_e: number, lr: number) => lr, { verbosity: 1 } as never),
    'LearningRateScheduler',
    'verbosity',
  );
  refuses(() => new ProgbarLogger({ interval: 1 } as never), 'ProgbarLogger', 'interval');
});

test('the command line refuses an unknown option the same way', () => {
  refuses(
    () =>
      parseCommand({ name: 'train', options: { 'batch-size': { type: 'string', help: '' } } }, ['--batch_size', '8']),
    'tessera train',
    '--batch_size',
  );
  assert.throws(
    () =>
      parseCommand({ name: 'train', options: { 'batch-size': { type: 'string', help: '' } } }, ['--batch_size', '8']),
    /did you mean '--batch-size'\?\); known options: --json, --help, --batch-size$/,
  );
});
