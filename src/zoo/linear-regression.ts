/**
 * Linear regression, the seed's first model (sections 3.4.1 and 4.1), trained with tessera's
 * autograd and optimizer rather than a hand-written gradient.
 */
import { tensor, zeros } from '../tensor/creation.js';
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { mean, square, matmul, sub, mul, reshape } from '../ops/index.js';
import { noGrad } from '../autograd/index.js';
import { Dense, meanSquaredError } from '../nn/index.js';
import { Adam, GradientDescent } from '../optim/index.js';
import { standardize, trainTestSplit } from '../data/index.js';
import { bostonHousing } from '../data/node.js';
import { leastSquares } from '../util/linalg.js';

export interface SeedLinearRegressionResult {
  theta: number[];
  prediction: number;
  finalLoss: number;
  epochs: number;
  learningRate: number;
}

/**
 * The seed's numpy program: X=[[1,2],[2,4],[3,6],[4,8]], y=[3,6,9,12], θ=0, no bias, lr 0.01,
 * 1000 full-batch epochs, predict [[5,10]]. The seed's gradient Xᵀ(Xθ−y)/m is exactly the
 * gradient of ½·mean((Xθ−y)²), so that is the loss autograd differentiates here.
 */
export function trainSeedLinearRegression(
  options: { epochs?: number; learningRate?: number } = {},
): SeedLinearRegressionResult {
  const epochs = options.epochs ?? 1000;
  const learningRate = options.learningRate ?? 0.01;
  const X = tensor([
    [1, 2],
    [2, 4],
    [3, 6],
    [4, 8],
  ]);
  const y = tensor([3, 6, 9, 12]);
  const theta = zeros([2], { requiresGrad: true });
  const optimizer = new GradientDescent([theta], { lr: learningRate });
  const halfMse = (): Tensor => mul(mean(square(sub(matmul(X, theta), y))), 0.5);
  let loss = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    optimizer.zeroGrad();
    const l = halfMse();
    l.backward();
    optimizer.step();
    loss = l.item();
  }
  const prediction = matmul(tensor([[5, 10]]), theta.detach()).item();
  return { theta: theta.toFlatArray(), prediction, finalLoss: loss, epochs, learningRate };
}

export interface BostonOptions {
  /** Full-batch epochs (default 3000). */
  epochs?: number;
  /** Learning rate (default 0.05 for Adam, 0.1 for plain gradient descent). */
  learningRate?: number;
  /** 'adam' (default) or 'gd' (the seed's plain rule). */
  optimizer?: 'adam' | 'gd';
  /** Share of the 506 towns held out (default 0.2). */
  testFraction?: number;
  /** Seed of the train/test split and of the weight initialisation (default 42). */
  seed?: number;
}

export interface BostonResult {
  trainSamples: number;
  testSamples: number;
  epochs: number;
  optimizer: string;
  learningRate: number;
  trainMse: number;
  testMse: number;
  testR2: number;
  /** The same figures for the closed-form least-squares fit on the same split. */
  closedForm: { trainMse: number; testMse: number; testR2: number };
  /** max |w_gd − w_closed| over weights and bias. */
  maxWeightDifference: number;
}

/**
 * Linear regression on the Boston house prices: standardised features, a fixed seeded split,
 * a `Dense` layer trained full-batch with tessera's optimizer on the MSE, checked against the
 * closed-form least-squares solution (normal equations in float64) on the same split.
 */
export function trainBostonLinearRegression(options: BostonOptions = {}): BostonResult {
  const seed = options.seed ?? 42;
  const kind = options.optimizer ?? 'adam';
  const epochs = options.epochs ?? 3000;
  const lr = options.learningRate ?? (kind === 'adam' ? 0.05 : 0.1);
  const { features, targets } = bostonHousing.loadData();
  const [[xTrainRaw, yTrain], [xTestRaw, yTest]] = trainTestSplit(features, targets, {
    testFraction: options.testFraction ?? 0.2,
    seed,
  });
  const { train: xTrain, test } = standardize(xTrainRaw, xTestRaw);
  const xTest = test!;
  manualSeed(seed);
  const model = new Dense({ units: 1, inputDim: xTrain.shape[1] });
  const params = model.parameters();
  const optimizer = kind === 'adam' ? new Adam(params, { lr }) : new GradientDescent(params, { lr });
  const predict = (x: Tensor): Tensor => reshape(model.forward(x), [x.shape[0]]);
  for (let epoch = 0; epoch < epochs; epoch++) {
    optimizer.zeroGrad();
    meanSquaredError(predict(xTrain), yTrain).backward();
    optimizer.step();
  }
  const [trainMse, testMse] = noGrad(() => [mse(predict(xTrain), yTrain), mse(predict(xTest), yTest)]);

  // Closed form on the same standardised split, in float64 on the host: an independent check of
  // what training found, so it reads the data out rather than running as ops.
  const n = xTrain.shape[0],
    f = xTrain.shape[1];
  const xTrainValues = xTrain.dataSync(),
    yTrainValues = yTrain.dataSync(),
    yTestValues = yTest.dataSync();
  const design = new Float64Array(n * (f + 1));
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < f; c++) design[r * (f + 1) + c] = xTrainValues[r * f + c];
    design[r * (f + 1) + f] = 1;
  }
  const w = leastSquares(design, n, f + 1, yTrainValues);
  const closedPredict = (x: Tensor): Float64Array => {
    const values = x.dataSync();
    const out = new Float64Array(x.shape[0]);
    for (let r = 0; r < x.shape[0]; r++) {
      let s = w[f];
      for (let c = 0; c < f; c++) s += w[c] * values[r * f + c];
      out[r] = s;
    }
    return out;
  };
  const closedTrainMse = mseOf(closedPredict(xTrain), yTrainValues);
  const closedTestMse = mseOf(closedPredict(xTest), yTestValues);
  const learned = [...model.weight!.dataSync(), ...model.bias!.dataSync()];
  const maxWeightDifference = Math.max(...learned.map((v, i) => Math.abs(v - w[i])));
  return {
    trainSamples: n,
    testSamples: xTest.shape[0],
    epochs,
    optimizer: kind,
    learningRate: lr,
    trainMse,
    testMse,
    testR2: 1 - testMse / varianceOf(yTestValues),
    closedForm: {
      trainMse: closedTrainMse,
      testMse: closedTestMse,
      testR2: 1 - closedTestMse / varianceOf(yTestValues),
    },
    maxWeightDifference,
  };
}

function mse(pred: Tensor, target: Tensor): number {
  return meanSquaredError(pred, target).item();
}

function mseOf(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i] - target[i]) ** 2;
  return s / pred.length;
}

/** Population variance: R² = 1 − MSE / Var(y). */
function varianceOf(y: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) m += y[i];
  m /= y.length;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - m) ** 2;
  return s / y.length;
}
