/**
 * Saving: model.save(dir) → loadModel(dir) rebuilds the architecture from config.json and the
 * weights from model.safetensors and predicts identically; every broken folder gives a clear error
 * naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Sequential,
  Model,
  Dense,
  Dropout,
  BatchNormalization,
  type Tensor,
  tensor,
  manualSeed,
  Adam,
  registerLayer,
  loadModel,
  saveModel,
  loadSafetensors,
  serializeSafetensors,
  modelToArtifacts,
  modelFromArtifacts,
  ArgumentError,
  FormatError,
  ShapeError,
  type AnyModule,
} from '../../src/index.js';
import { blobs, tempDir, weightsOf } from './util.js';

async function trainedModel(): Promise<Sequential> {
  manualSeed(21);
  const model = new Sequential([
    new Dense({ units: 12, activation: 'relu', inputShape: [2] }),
    new BatchNormalization(),
    new Dropout(0.2),
    new Dense({ units: 2, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const { x, y } = blobs(96);
  await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
  return model;
}

test('save → loadModel: the same architecture, weights, BatchNorm statistics, compile settings and predictions', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = await trainedModel();
    const target = join(dir, 'nested', 'mnist-model');
    await model.save(target);
    assert.deepEqual(
      readdirSync(target).sort(),
      ['config.json', 'history.json', 'model.safetensors'],
      'the trained model keeps its History; no temporary files left',
    );
    const config = JSON.parse(readFileSync(join(target, 'config.json'), 'utf8'));
    assert.equal(config.format, 'tessera-model');
    assert.equal(config.version, 1);
    assert.equal(config.className, 'Sequential');
    assert.equal(config.config.name, 'sequential');
    assert.deepEqual(
      config.config.layers.map((l: { className: string }) => l.className),
      ['Dense', 'BatchNormalization', 'Dropout', 'Dense'],
    );
    assert.deepEqual(config.config.layers[0].config.inputShape, [2]);
    assert.deepEqual(config.inputShape, [null, 2]);
    assert.deepEqual(config.compile, {
      optimizer: 'adam',
      loss: 'sparse_categorical_crossentropy',
      metrics: ['accuracy'],
    });
    const weights = loadSafetensors(join(target, 'model.safetensors')).tensors;
    assert.deepEqual(Object.keys(weights).sort(), Object.keys(model.stateDict()).sort());
    assert.ok(
      Object.keys(weights).some((k) => /^1\..*(mean|var)/i.test(k)),
      `BatchNorm statistics are saved: ${Object.keys(weights)}`,
    );

    const loaded = loadModel(target);
    assert.ok(loaded instanceof Sequential);
    assert.deepEqual(weightsOf(loaded), weightsOf(model));
    const { x, y } = blobs(50, 9);
    assert.deepEqual(loaded.predict(x).toFlatArray(), model.predict(x).toFlatArray());
    assert.deepEqual(loaded.evaluate(x, y), model.evaluate(x, y), 'recompiled from the saved settings');
    assert.equal(loaded.summary({ print: false }), model.summary({ print: false }));
    // The loaded model trains on (a fresh optimizer, as Keras's load_model without optimizer state).
    await loaded.fit(x, y, { epochs: 1, verbose: 0 });
    assert.ok(loaded.optimizer instanceof Adam);

    // Saving again over the folder replaces both files.
    await loaded.save(target);
    assert.deepEqual(weightsOf(loadModel(target)), weightsOf(loaded));
  } finally {
    cleanup();
  }
});

test('the same round trip in memory, for browsers: modelToArtifacts / modelFromArtifacts', async () => {
  const model = await trainedModel();
  const { config, weights } = modelToArtifacts(model);
  const copy = modelFromArtifacts(JSON.parse(JSON.stringify(config)), weights.slice());
  const { x } = blobs(20, 3);
  assert.deepEqual(copy.predict(x).toFlatArray(), model.predict(x).toFlatArray());
});

test('saveWeights / loadWeights move the weights alone; shapes and names must match', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = await trainedModel();
    const path = join(dir, 'w.safetensors');
    await model.saveWeights(path);
    manualSeed(99);
    const fresh = new Sequential([
      new Dense({ units: 12, activation: 'relu', inputShape: [2] }),
      new BatchNormalization(),
      new Dropout(0.2),
      new Dense({ units: 2, activation: 'softmax' }),
    ]);
    assert.notDeepEqual(weightsOf(fresh), weightsOf(model));
    await fresh.loadWeights(path);
    assert.deepEqual(weightsOf(fresh), weightsOf(model));
    const narrower = new Sequential([
      new Dense({ units: 3, inputShape: [2] }),
      new BatchNormalization(),
      new Dropout(0.2),
      new Dense({ units: 2 }),
    ]);
    await assert.rejects(
      narrower.loadWeights(path),
      (e: Error) =>
        e instanceof ShapeError &&
        e.message.startsWith(`loadWeights: ${path} does not fit the model: `) &&
        /"0\.weight" has shape \[2, 12\]/.test(e.message),
    );
    await assert.rejects(
      fresh.loadWeights(join(dir, 'none.safetensors')),
      /none\.safetensors does not exist; expected a safetensors weights file/,
    );
  } finally {
    cleanup();
  }
});

test('custom models save once registered: a Model subclass with getConfig, and Model.wrap', async () => {
  const { dir, cleanup } = tempDir();
  try {
    class Scaled extends Model {
      readonly factor: number;
      body = new Dense({ units: 3 });
      constructor(factor: number) {
        super();
        this.factor = factor;
      }
      forward(x: Tensor): Tensor {
        return this.body.call(x).mul(this.factor);
      }
      override getConfig(): Record<string, unknown> {
        return { factor: this.factor, body: this.body.getConfig() };
      }
    }
    manualSeed(5);
    const scaled = new Scaled(2);
    const x = blobs(10).x;
    scaled.predict(x);
    await assert.rejects(
      scaled.save(join(dir, 'a')),
      (e: Error) =>
        e instanceof ArgumentError &&
        /the layer class "Scaled" is not registered/.test(e.message) &&
        /registerLayer\('Scaled'/.test(e.message),
    );
    registerLayer('Scaled', (c) => new Scaled(c.factor as number), { layerClass: Scaled });
    await scaled.save(join(dir, 'a'));
    const back = loadModel(join(dir, 'a'));
    assert.ok(back instanceof Scaled && back.factor === 2);
    assert.deepEqual(back.predict(x).toFlatArray(), scaled.predict(x).toFlatArray());

    const wrapped = Model.wrap(new Sequential([new Dense({ units: 4, activation: 'tanh' }), new Dense({ units: 1 })]), {
      name: 'regressor',
    });
    wrapped.compile({ optimizer: (p) => new Adam(p, { lr: 0.02 }), loss: 'mse', metrics: ['mae'] });
    await wrapped.fit(x, tensor(new Float32Array(10).fill(1), { shape: [10, 1] }), { epochs: 1, verbose: 0 });
    await wrapped.save(join(dir, 'b'));
    const config = JSON.parse(readFileSync(join(dir, 'b', 'config.json'), 'utf8'));
    assert.equal(config.className, 'WrappedModel');
    assert.equal(config.compile.optimizer.className, 'Adam');
    assert.equal(config.compile.optimizer.config.lr, 0.02);
    const again = loadModel(join(dir, 'b'));
    assert.equal(again.name, 'regressor');
    assert.deepEqual(again.predict(x).toFlatArray(), wrapped.predict(x).toFlatArray());
    await again.fit(x, tensor(new Float32Array(10), { shape: [10, 1] }), { epochs: 1, verbose: 0 });
    assert.ok(again.optimizer instanceof Adam && again.optimizer.lr === 0.02);

    // A loss that is a function cannot be saved: the model loads uncompiled.
    wrapped.compile({ optimizer: 'sgd', loss: (p: Tensor, t: Tensor) => p.sub(t).abs().mean() });
    await wrapped.save(join(dir, 'c'));
    assert.equal(loadModel(join(dir, 'c')).isCompiled, false);
    await assert.rejects(
      new Sequential([new Dense({ units: 1 })]).save(join(dir, 'd')),
      /the model is not built yet, so it has no weights to save/,
    );
  } finally {
    cleanup();
  }
});

test('loadModel names the problem and the file: folders, config.json, layer classes, weights', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = await trainedModel();
    const good = join(dir, 'good');
    saveModel(model, good);
    const config = JSON.parse(readFileSync(join(good, 'config.json'), 'utf8'));
    const weights = loadSafetensors(join(good, 'model.safetensors')).tensors;
    const folder = (name: string, files: { config?: string; weights?: Uint8Array }): string => {
      const d = join(dir, name);
      mkdirSync(d);
      if (files.config !== undefined) writeFileSync(join(d, 'config.json'), files.config);
      if (files.weights !== undefined) writeFileSync(join(d, 'model.safetensors'), files.weights);
      return d;
    };
    const goodBytes = readFileSync(join(good, 'model.safetensors'));
    const withConfig = (change: (c: typeof config) => void): string => {
      const c = structuredClone(config);
      change(c);
      return JSON.stringify(c);
    };
    const without = (key: string): Record<string, Tensor> =>
      Object.fromEntries(Object.entries(weights).filter(([k]) => k !== key));

    const cases: [string, unknown, RegExp][] = [
      [
        join(dir, 'missing'),
        ArgumentError,
        /loadModel: .*missing does not exist; expected a folder written by model.save\(dir\), holding config.json and model.safetensors/,
      ],
      [join(good, 'config.json'), ArgumentError, /config\.json is a file; expected a folder/],
      [folder('empty', {}), ArgumentError, /empty\/config\.json does not exist; expected the model's config\.json/],
      [
        folder('notjson', { config: '{ "format": ', weights: goodBytes }),
        FormatError,
        /notjson\/config\.json is not valid JSON \(.*\); expected the config written by model\.save/,
      ],
      [
        folder('format', { config: withConfig((c) => (c.format = 'keras')), weights: goodBytes }),
        FormatError,
        /format\/config\.json: format is "keras"; expected "tessera-model"/,
      ],
      [
        folder('version', { config: withConfig((c) => (c.version = 2)), weights: goodBytes }),
        FormatError,
        /version\/config\.json: version is 2; this tessera reads version 1/,
      ],
      [
        folder('layer', {
          config: withConfig((c) => (c.config.layers[1].className = 'LayerNorm')),
          weights: goodBytes,
        }),
        ArgumentError,
        /layer\/config\.json: layerFromConfig: unknown layer class "LayerNorm"; expected one of .*BatchNormalization.*registerLayer\('LayerNorm', factory\)/,
      ],
      [
        folder('noweights', { config: JSON.stringify(config) }),
        ArgumentError,
        /noweights\/model\.safetensors does not exist; expected a safetensors weights file/,
      ],
      [
        folder('truncated', { config: JSON.stringify(config), weights: goodBytes.subarray(0, goodBytes.length - 5) }),
        FormatError,
        /^loadModel: parseSafetensors: .*truncated\/model\.safetensors: /,
      ],
      [
        folder('garbage', {
          config: JSON.stringify(config),
          weights: new TextEncoder().encode('not a safetensors file'),
        }),
        FormatError,
        /garbage\/model\.safetensors declares a .*-byte header/,
      ],
      [
        folder('missingkey', { config: JSON.stringify(config), weights: serializeSafetensors(without('3.bias')) }),
        ArgumentError,
        /missingkey\/model\.safetensors does not fit the model: .*missing keys \["3\.bias"\]/,
      ],
      [
        folder('extrakey', {
          config: JSON.stringify(config),
          weights: serializeSafetensors({ ...weights, 'head.weight': weights['3.weight'] }),
        }),
        ArgumentError,
        /extrakey\/model\.safetensors does not fit the model: .*unexpected keys \["head\.weight"\]/,
      ],
      [
        folder('shape', { config: withConfig((c) => (c.config.layers[3].config.units = 3)), weights: goodBytes }),
        ShapeError,
        /shape\/model\.safetensors does not fit the model: .*"3\.weight" has shape \[12, 2\] in the state dict; expected \[12, 3\]/,
      ],
      // A config whose layers do not fit together is refused while the architecture is rebuilt.
      [
        folder('layers', { config: withConfig((c) => (c.config.layers[0].config.units = 11)), weights: goodBytes }),
        ShapeError,
        /layers\/config\.json: BatchNormalization: got input shape \[null, 11\]/,
      ],
    ];
    for (const [path, cls, message] of cases) {
      assert.throws(
        () => loadModel(path),
        (e: Error) => e instanceof (cls as typeof Error) && message.test(e.message),
        `${path}: ${String(message)}`,
      );
    }
  } finally {
    cleanup();
  }
});

test('the layers a loaded model is made of are the registered ones', async () => {
  const model = await trainedModel();
  const copy = modelFromArtifacts(modelToArtifacts(model).config, modelToArtifacts(model).weights);
  assert.deepEqual(
    [...(copy as Sequential)].map((l: AnyModule) => l.constructor),
    [Dense, BatchNormalization, Dropout, Dense],
  );
});
