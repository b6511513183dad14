/** Preparing tabular data for training: splitting and feature scaling. Pure, browser-safe. */
import { cast, div, eq, sqrt, square, sub, where } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { takeRows } from './rows.js';
import { ShuffleRng, shuffledIndices } from './shuffle.js';

export interface Standardized {
  readonly train: Tensor;
  /** The test set scaled with the train set's statistics (undefined when no test set was given). */
  readonly test: Tensor | undefined;
  /** Per-feature mean and standard deviation of the train set, shape = one row. */
  readonly mean: Tensor;
  readonly std: Tensor;
}

/**
 * Scale each feature (column) to mean 0 and standard deviation 1 using statistics of `train` only,
 * so nothing about the test set leaks into training. A constant feature keeps std 1 (it becomes 0).
 * @example const { train, test } = standardize(xTrain, xTest);
 */
export function standardize(train: Tensor, test?: Tensor): Standardized {
  const fn = 'standardize';
  if (train.rank < 1 || train.shape[0] === 0)
    throw new ShapeError(`${fn}: got train ${describe(train)}; expected at least one row`);
  if (test && !(test.rank === train.rank && test.shape.slice(1).every((d, i) => d === train.shape[i + 1]))) {
    throw new ShapeError(
      `${fn}: got train ${describe(train)} and test ${describe(test)}; expected the same shape after the first axis`,
    );
  }
  const x = cast(train.detach(), 'float32');
  const mu = mean(x, 0);
  // Population std (divide by n), as scikit-learn's StandardScaler; a constant feature keeps 1.
  const spread = sqrt(mean(square(sub(x, mu)), 0));
  const std = where(eq(spread, 0), 1, spread);
  const scale = (t: Tensor): Tensor => div(sub(cast(t.detach(), 'float32'), mu), std);
  return { train: scale(train), test: test ? scale(test) : undefined, mean: mu, std };
}

export interface SplitOptions {
  /** Share of samples that go to the test set, in (0, 1); default 0.2. */
  testFraction?: number;
  /** Fixed seed for a reproducible split; without it the global generator (manualSeed) decides. */
  seed?: number;
}

/**
 * Shuffle samples and split them into `[[xTrain, yTrain], [xTest, yTest]]`, keeping x and y aligned.
 * The test set gets ceil(n × testFraction) samples.
 * @example const [[xTrain, yTrain], [xTest, yTest]] = trainTestSplit(x, y, { testFraction: 0.2, seed: 42 });
 */
export function trainTestSplit(x: Tensor, y: Tensor, options: SplitOptions = {}): [[Tensor, Tensor], [Tensor, Tensor]] {
  const fn = 'trainTestSplit';
  const { testFraction = 0.2, seed } = options;
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `${fn}: got x ${describe(x)} and y ${describe(y)}; expected the same number of samples on the first axis`,
    );
  }
  if (!(testFraction > 0 && testFraction < 1))
    throw new ArgumentError(
      `${fn}: got testFraction=${describe(testFraction)}; expected a number strictly between 0 and 1`,
    );
  const n = x.shape[0];
  const nTest = Math.ceil(n * testFraction);
  if (nTest >= n)
    throw new ArgumentError(
      `${fn}: ${n} samples with testFraction=${testFraction} leave no training samples; expected more samples or a smaller fraction`,
    );
  const order = shuffledIndices(n, seed === undefined ? undefined : new ShuffleRng(seed, fn));
  const testIdx = order.subarray(0, nTest);
  const trainIdx = order.subarray(nTest);
  return [
    [takeRows(x, trainIdx, fn), takeRows(y, trainIdx, fn)],
    [takeRows(x, testIdx, fn), takeRows(y, testIdx, fn)],
  ];
}
