/**
 * The seed's MNIST CNN (Conv2D 32 3×3 relu → MaxPool 2 → Conv2D 64 3×3 relu → MaxPool 2 →
 * Conv2D 64 3×3 relu → Flatten → Dense 64 relu → Dense 10 softmax; Adam; sparse categorical
 * cross-entropy) on random 28×28×1 images: training samples/second (one timed call = one batch:
 * forward, loss, backward, Adam step) and inference samples/second. tessera goes through its
 * Keras API (compile + fit / predict), TensorFlow.js through tf.sequential (trainOnBatch /
 * predict). No metrics are compiled, so every engine does the same work as PyTorch's loop.
 */
import { Sequential, getBackend, manualSeed, rand, randint } from '../index.js';
import { seedMnistLayers } from '../zoo/mnist-cnn.js';
import { measure, round, type Figures, type Timing } from './timing.js';
import { tfjsRow, type Tf, type TfLayersModel } from './tfjs.js';
import type { BenchCase, BenchSettings, Row, TimingOptions } from './types.js';

export type CnnMode = 'train' | 'infer';

export function cnnCaseName(mode: CnnMode, batch: number): string {
  return `mnist cnn ${mode === 'train' ? 'training' : 'inference'} batch ${batch}`;
}

/** The seed's layers, compiled without metrics so every engine does the same work as PyTorch's loop. */
export function seedCnn(): Sequential {
  const model = new Sequential(seedMnistLayers());
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  return model;
}

function tfjsSeedCnn(tf: Tf): TfLayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.flatten({}));
  model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return model;
}

function samplesFigures(batch: number, t: Timing): Figures {
  return {
    samplesPerSecond: round(batch / (t.ms / 1000)),
    ms: round(t.ms),
    peakRssMiB: round(t.peakRssMiB),
    runs: t.runs,
  };
}

async function tesseraCnn(mode: CnnMode, batch: number, timing: TimingOptions): Promise<Figures> {
  manualSeed(0);
  const model = seedCnn();
  const x = rand([batch, 28, 28, 1]);
  const y = randint(0, 10, [batch]);
  const call =
    mode === 'train'
      ? () => model.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0 })
      : () => model.predict(x, { batchSize: batch });
  return samplesFigures(batch, await measure(call, timing));
}

async function tfjsCnn(tf: Tf, mode: CnnMode, batch: number, timing: TimingOptions): Promise<Figures> {
  const model = tfjsSeedCnn(tf);
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1);
  // tfjs's sparse cross-entropy wants class indices as whole-valued floats.
  const y = tf.tidy(() => tf.floor(tf.randomUniform([batch], 0, 10)));
  try {
    const call =
      mode === 'train'
        ? () => model.trainOnBatch(x, y)
        : () => {
            const p = model.predict(x);
            p.dataSync();
            p.dispose();
          };
    return samplesFigures(batch, await measure(call, timing));
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

export async function cnnRows(mode: CnnMode, batch: number, settings: BenchSettings): Promise<Row[]> {
  const name = cnnCaseName(mode, batch);
  const rows: Row[] = [
    { case: name, engine: 'tessera', backend: getBackend().name, ...(await tesseraCnn(mode, batch, settings.timing)) },
  ];
  if (settings.peers.includes('tfjs-cpu')) {
    // One tfjs-cpu training step takes seconds (its convolution backward), so it gets the few-runs
    // timing; under --quick only the batch-32 step is timed, once.
    const timing = mode === 'train' ? settings.slowTiming : settings.timing;
    rows.push(
      settings.quick && mode === 'train' && batch > 32
        ? {
            case: name,
            engine: 'tfjs-cpu',
            note: 'skipped under --quick: one step takes tens of seconds; npm run bench measures it',
          }
        : await tfjsRow(name, 'tfjs-cpu', settings, (tf) => tfjsCnn(tf, mode, batch, timing)),
    );
  }
  if (settings.peers.includes('tfjs-wasm')) {
    rows.push(await tfjsRow(name, 'tfjs-wasm', settings, (tf) => tfjsCnn(tf, mode, batch, settings.timing)));
  }
  return rows;
}

export function cnnCases(): BenchCase[] {
  const cases: [CnnMode, number][] = [
    ['train', 32],
    ['train', 128],
    ['infer', 32],
  ];
  return cases.map(([mode, batch]) => ({
    name: cnnCaseName(mode, batch),
    run: (settings) => cnnRows(mode, batch, settings),
    torch: { kind: mode === 'train' ? 'cnn-train' : 'cnn-infer', batch },
  }));
}
