/**
 * An LSTM training step: batch 32 sequences of 64 time steps × 64 random features → LSTM(256),
 * its last output → Dense 10 softmax; Adam, sparse categorical cross-entropy against random
 * classes. One timed call = one batch (forward, loss, backward through all 64 steps, Adam step).
 * tessera goes through its Keras API (compile + fit), TensorFlow.js through tf.sequential
 * (trainOnBatch), PyTorch through nn.LSTM + nn.Linear (the softmax folded into its loss).
 */
import { Dense, LSTM, Sequential, getBackend, manualSeed, randint, randn } from '../index.js';
import { measure, round, type Figures, type Timing } from './timing.js';
import { tfjsRow, type Tf } from './tfjs.js';
import type { BenchCase, BenchSettings, Row, TimingOptions } from './types.js';

export interface LstmShape {
  batch: number;
  time: number;
  features: number;
  units: number;
  classes: number;
}

export const LSTM_BENCH: LstmShape = { batch: 32, time: 64, features: 64, units: 256, classes: 10 };

export function lstmCaseName(s: LstmShape): string {
  return `lstm training batch ${s.batch}, ${s.time} steps × ${s.features} features, ${s.units} units, dense ${s.classes} on the last output`;
}

function samplesFigures(batch: number, t: Timing): Figures {
  return {
    samplesPerSecond: round(batch / (t.ms / 1000)),
    ms: round(t.ms),
    peakRssMiB: round(t.peakRssMiB),
    runs: t.runs,
  };
}

async function tesseraLstm(s: LstmShape, timing: TimingOptions): Promise<Figures> {
  manualSeed(0);
  const model = new Sequential([
    new LSTM({ units: s.units, inputShape: [s.time, s.features] }),
    new Dense({ units: s.classes, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  const x = randn([s.batch, s.time, s.features]);
  const y = randint(0, s.classes, [s.batch]);
  const call = () => model.fit(x, y, { epochs: 1, batchSize: s.batch, shuffle: false, verbose: 0 });
  return samplesFigures(s.batch, await measure(call, timing));
}

async function tfjsLstm(tf: Tf, s: LstmShape, timing: TimingOptions): Promise<Figures> {
  const model = tf.sequential();
  // Glorot rather than tfjs's default orthogonal recurrent weights: orthogonalising a 256×1024
  // matrix is slow (tfjs warns) and changes nothing about the speed of a step.
  model.add(
    tf.layers.lstm({ units: s.units, inputShape: [s.time, s.features], recurrentInitializer: 'glorotUniform' }),
  );
  model.add(tf.layers.dense({ units: s.classes, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomNormal([s.batch, s.time, s.features]);
  // tfjs's sparse cross-entropy wants class indices as whole-valued floats.
  const y = tf.tidy(() => tf.floor(tf.randomUniform([s.batch], 0, s.classes)));
  try {
    return samplesFigures(s.batch, await measure(() => model.trainOnBatch(x, y), timing));
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

export async function lstmRows(s: LstmShape, settings: BenchSettings): Promise<Row[]> {
  const name = lstmCaseName(s);
  const rows: Row[] = [
    { case: name, engine: 'tessera', backend: getBackend().name, ...(await tesseraLstm(s, settings.timing)) },
  ];
  if (settings.peers.includes('tfjs-cpu')) {
    // tfjs-cpu takes seconds a step (7–10 s for the full case here): left to the full run.
    rows.push(
      settings.quick
        ? {
            case: name,
            engine: 'tfjs-cpu',
            note: 'skipped under --quick: one step takes seconds; npm run bench measures it',
          }
        : await tfjsRow(name, 'tfjs-cpu', settings, (tf) => tfjsLstm(tf, s, settings.stepTiming)),
    );
  }
  if (settings.peers.includes('tfjs-wasm')) {
    rows.push(await tfjsRow(name, 'tfjs-wasm', settings, (tf) => tfjsLstm(tf, s, settings.stepTiming)));
  }
  return rows;
}

export function lstmCases(): BenchCase[] {
  return [
    {
      name: lstmCaseName(LSTM_BENCH),
      run: (settings) => lstmRows(LSTM_BENCH, settings),
      torch: { kind: 'lstm-train', ...LSTM_BENCH },
    },
  ];
}
