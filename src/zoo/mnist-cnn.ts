/**
 * The seed's CNN (section 4.2), layer for layer:
 *   Conv2D(32, 3×3, relu, input 28×28×1) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2)
 *   → Conv2D(64, 3×3, relu) → Flatten → Dense(64, relu) → Dense(10, softmax)
 * compiled with Adam, sparse categorical cross-entropy and accuracy: 93,322 parameters.
 */
import { seedMnistLayers } from './mnist-layers.js';
import { Sequential } from '../keras/sequential.js';
import type { Model } from '../keras/model.js';
import { checkModelDestination, saveModel } from '../keras/save.js';
import { BackupAndRestore } from '../keras/backup.js';
import { Callback, type History } from '../keras/history.js';
import { TerminateOnNaN } from '../keras/callbacks.js';
import type { ProgressStream } from '../keras/progress.js';
import { mnist } from '../data/mnist.js';
import { reshape } from '../ops/index.js';
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { ArgumentError, describe } from '../util/errors.js';

export { seedMnistLayers };

/** The seed's model, compiled as the seed compiles it. */
export function seedMnistCnn(): Sequential {
  const model = new Sequential(seedMnistLayers());
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

/** MNIST images already ÷255 (see loadMnist) with the channel axis Conv2D expects: [n, 28, 28, 1]. */
function withChannel(x: Tensor): Tensor {
  return reshape(x, [x.shape[0], 28, 28, 1]);
}

export interface MnistData {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/**
 * The real MNIST files, prepared as the seed prepares them (÷255, divided as the bytes are decoded:
 * the same values as div(x, 255) without a second copy of the 47M training pixels, see
 * mnist.loadData's divideBy); `limit` keeps the first N training images (the test set stays whole).
 */
export function loadMnist(options: { limit?: number; testLimit?: number } = {}): MnistData {
  // Only the images asked for are read from disk (`predict --image 3` reads 4 test images, no training ones).
  const [[xTrain, yTrain], [xTest, yTest]] = mnist.loadData({
    divideBy: 255,
    limit: options.limit,
    testLimit: options.testLimit ?? MNIST_TEST_IMAGES,
  });
  return { xTrain: withChannel(xTrain), yTrain, xTest: withChannel(xTest), yTest };
}

/** The sizes of the MNIST splits. */
export const MNIST_TRAIN_IMAGES = 60_000;
export const MNIST_TEST_IMAGES = 10_000;

export interface TrainMnistOptions {
  epochs?: number;
  batchSize?: number;
  limit?: number;
  /** Test images to evaluate on (default all 10,000). */
  testLimit?: number;
  /** Where to save the trained model (skipped when undefined); checked before training starts. */
  out?: string;
  /** Replace a model already saved in `out` (default false: refuse). */
  overwrite?: boolean;
  /**
   * A checkpoint folder: the run continues from the checkpoint there (same data settings, read
   * from its run.json), or starts one there. Checkpoints are written every epoch, every
   * `checkpointEvery` steps, and when the run is interrupted.
   */
  resume?: string;
  checkpointEvery?: number;
  /** Aborting it (Ctrl-C) ends training after the current step; the result says `interrupted`. */
  signal?: AbortSignal;
  /** A line about the run before training (its settings, a resume). */
  log?: (line: string) => void;
  verbose?: 0 | 1 | 2;
  stream?: ProgressStream;
  seed?: number;
}

export interface TrainMnistResult {
  testAccuracy: number;
  testLoss: number;
  epochs: number;
  batchSize: number;
  trainSamples: number;
  testSamples: number;
  seconds: number;
  samplesPerSecond: number;
  params: number;
  history: Record<string, number[]>;
  /** Why training stopped early (TerminateOnNaN: the loss became NaN or ∞), else null; nothing is saved then. */
  stopReason: string | null;
  savedTo: string | null;
  /** True when the signal stopped training early (nothing evaluated or saved to `out` then). */
  interrupted: boolean;
  /** Where training stopped: epoch and batches of it done. */
  stoppedAt: { epoch: number; batch: number } | null;
  /** The checkpoint folder, when `resume` was given; where the run resumed from, if it did. */
  checkpoint: string | null;
  resumedAt: { epoch: number; batch: number } | null;
  model: Model;
}

/** "first N training images" or "all 60000 training images", as many as there are. */
function trainImages(limit: number | null): string {
  const n = Math.min(limit ?? MNIST_TRAIN_IMAGES, MNIST_TRAIN_IMAGES);
  return n < MNIST_TRAIN_IMAGES ? `first ${n} training images` : `all ${n} training images`;
}

/** The settings that define a run's data and steps, kept beside its checkpoints (run.json). */
interface RunSettings {
  epochs: number;
  batchSize: number;
  limit: number | null;
  seed: number;
}

const RUN_FILE = 'run.json';

/** The run's settings: as asked, checked against (and completed from) a checkpoint folder's run.json. */
function runSettings(fn: string, options: TrainMnistOptions): RunSettings {
  const asked: Partial<RunSettings> = {
    epochs: options.epochs,
    batchSize: options.batchSize,
    limit: options.limit,
    seed: options.seed,
  };
  let saved: RunSettings | null = null;
  if (options.resume !== undefined) {
    try {
      saved = JSON.parse(readFileSync(join(options.resume, RUN_FILE), 'utf8')) as RunSettings;
    } catch {
      saved = null;
    }
  }
  if (saved !== null) {
    for (const key of ['batchSize', 'limit', 'seed'] as const) {
      const value = asked[key];
      if (value !== undefined && value !== saved[key])
        throw new ArgumentError(
          `${fn}: the checkpoint in ${options.resume} is a run with ${key}=${describe(saved[key])}; got ${key}=${describe(value)} (resume it with the same data settings, or use another folder)`,
        );
    }
  }
  return {
    epochs: asked.epochs ?? saved?.epochs ?? 5,
    batchSize: asked.batchSize ?? saved?.batchSize ?? 32,
    limit: asked.limit ?? saved?.limit ?? null,
    seed: asked.seed ?? saved?.seed ?? 0,
  };
}

/** Keeps where fit is: the epoch and the batches of it done. */
class Position extends Callback {
  at: { epoch: number; batch: number } | null = null;
  override onBatchEnd(): void {
    const run = this.model?.fitRun;
    if (run) this.at = { epoch: run.epoch, batch: run.batch };
  }
}

/** Save to `out`; if that fails after all, save beside the temp folder and say where. */
function saveOrKeep(model: Model, out: string): string {
  try {
    saveModel(model, out);
    return out;
  } catch (error) {
    const fallback = join(tmpdir(), `tessera-mnist-cnn-${process.pid}-${Date.now()}`);
    let kept = `and saving it to ${fallback} failed too`;
    try {
      saveModel(model, fallback);
      kept = `the trained model is saved in ${fallback} instead`;
    } catch {
      // Reported below.
    }
    throw new ArgumentError(`trainMnist: could not save the model to ${out} (${(error as Error).message}); ${kept}`);
  }
}

/**
 * Train the seed's model on real MNIST, evaluate on the test images, optionally save it. With
 * `resume`, the run checkpoints into that folder and continues from it exactly.
 */
export async function trainMnist(options: TrainMnistOptions = {}): Promise<TrainMnistResult> {
  const fn = 'trainMnist';
  const run = runSettings(fn, options);
  // Checked before hours of training, not after.
  if (options.out !== undefined) checkModelDestination(fn, options.out, { overwrite: options.overwrite });
  if (options.resume !== undefined) writeFileAtomic(join(options.resume, RUN_FILE), `${JSON.stringify(run)}\n`);
  options.log?.(
    `tessera train mnist: the seed's CNN, ${run.epochs} epoch(s), batch ${run.batchSize}, ${trainImages(run.limit)}${options.resume ? `, checkpoints in ${options.resume}` : ''}`,
  );
  manualSeed(run.seed);
  const data = loadMnist({ limit: run.limit ?? undefined, testLimit: options.testLimit });
  const model = seedMnistCnn();
  const backup =
    options.resume === undefined
      ? null
      : new BackupAndRestore(options.resume, { saveFreq: options.checkpointEvery ?? 'epoch', deleteCheckpoint: false });
  const position = new Position();
  const interrupt = (): void => model.interrupt();
  options.signal?.addEventListener('abort', interrupt, { once: true });
  const t0 = performance.now();
  let history: History;
  try {
    history = await model.fit(data.xTrain, data.yTrain, {
      epochs: run.epochs,
      batchSize: run.batchSize,
      verbose: options.verbose ?? 1,
      stream: options.stream,
      callbacks: backup ? [position, new TerminateOnNaN(), backup] : [position, new TerminateOnNaN()],
    });
  } finally {
    options.signal?.removeEventListener('abort', interrupt);
  }
  const seconds = (performance.now() - t0) / 1000;
  const stopReason = history.stopReason;
  const trainSamples = data.xTrain.shape[0];
  const interrupted = options.signal?.aborted === true;
  const logs = interrupted ? { accuracy: NaN, loss: NaN } : model.evaluate(data.xTest, data.yTest, { batchSize: 256 });
  // A diverged model is not worth keeping (nor overwriting a good one with).
  const savedTo =
    !interrupted && stopReason === null && options.out !== undefined ? saveOrKeep(model, options.out) : null;
  return {
    testAccuracy: logs.accuracy,
    testLoss: logs.loss,
    epochs: run.epochs,
    batchSize: run.batchSize,
    trainSamples,
    testSamples: data.xTest.shape[0],
    seconds,
    samplesPerSecond: (trainSamples * run.epochs) / seconds,
    params: model.numParameters(),
    history: history.history,
    stopReason,
    savedTo,
    interrupted,
    stoppedAt: interrupted ? position.at : null,
    checkpoint: options.resume ?? null,
    resumedAt: backup?.resumedAt ?? null,
    model,
  };
}
