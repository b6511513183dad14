/**
 * The seed's CNN (section 4.2), layer for layer:
 *   Conv2D(32, 3×3, relu, input 28×28×1) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2)
 *   → Conv2D(64, 3×3, relu) → Flatten → Dense(64, relu) → Dense(10, softmax)
 * compiled with Adam, sparse categorical cross-entropy and accuracy: 93,322 parameters.
 */
import { Conv2D, Dense, Flatten, MaxPooling2D, type Module } from '../nn/index.js';
import { Sequential } from '../keras/sequential.js';
import type { Model } from '../keras/model.js';
import { saveModel } from '../keras/save.js';
import type { History } from '../keras/history.js';
import { TerminateOnNaN } from '../keras/callbacks.js';
import type { ProgressStream } from '../keras/progress.js';
import { mnist } from '../data/mnist.js';
import { reshape } from '../ops/index.js';
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** The seed's layers, fresh and unbuilt-but-shaped (the first has inputShape [28, 28, 1]). */
export function seedMnistLayers(): Module[] {
  return [
    new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new Flatten(),
    new Dense({ units: 64, activation: 'relu' }),
    new Dense({ units: 10, activation: 'softmax' }),
  ];
}

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
  /** Where to save the trained model (skipped when undefined). */
  out?: string;
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
  model: Model;
}

/** Train the seed's model on real MNIST, evaluate on the 10,000 test images, optionally save it. */
export async function trainMnist(options: TrainMnistOptions = {}): Promise<TrainMnistResult> {
  const epochs = options.epochs ?? 5;
  const batchSize = options.batchSize ?? 32;
  manualSeed(options.seed ?? 0);
  const data = loadMnist({ limit: options.limit });
  const model = seedMnistCnn();
  const t0 = performance.now();
  const history: History = await model.fit(data.xTrain, data.yTrain, {
    epochs,
    batchSize,
    verbose: options.verbose ?? 1,
    stream: options.stream,
    callbacks: [new TerminateOnNaN()],
  });
  const stopReason = history.stopReason;
  const seconds = (performance.now() - t0) / 1000;
  const logs = model.evaluate(data.xTest, data.yTest, { batchSize: 256 });
  // A diverged model is not worth keeping (nor overwriting a good one with).
  if (options.out && stopReason === null) saveModel(model, options.out);
  const trainSamples = data.xTrain.shape[0];
  return {
    testAccuracy: logs.accuracy,
    testLoss: logs.loss,
    epochs,
    batchSize,
    trainSamples,
    testSamples: data.xTest.shape[0],
    seconds,
    samplesPerSecond: (trainSamples * epochs) / seconds,
    params: model.numParameters(),
    history: history.history,
    stopReason,
    savedTo: stopReason === null ? (options.out ?? null) : null,
    model,
  };
}
