/**
 * `tessera linreg`: the seed's linear-regression example, or (--dataset boston) the same model on
 * real data checked against the closed-form least-squares solution.
 */
import { ArgumentError, NonFiniteError } from '../util/errors.js';
import { trainBostonLinearRegression, trainSeedLinearRegression } from '../zoo/linear-regression.js';
import type { Command } from './command.js';
import { intOption, numberOption, parseCommand } from './args.js';

export const linregCommand: Command = {
  name: 'linreg',
  summary: "train the seed's linear regression (or --dataset boston) by gradient descent",
  usage: 'tessera linreg [--dataset seed|boston] [--epochs N] [--lr X] [--optimizer adam|gd] [--json]',
  options: {
    dataset: {
      type: 'string',
      value: 'NAME',
      help: "seed (the seed's four points, default) or boston (house prices, beside the closed form)",
    },
    epochs: { type: 'string', value: 'N', help: 'gradient steps (default 1000 for seed, 3000 for boston)' },
    lr: { type: 'string', value: 'X', help: "learning rate (default 0.01 for seed; boston: the optimizer's)" },
    optimizer: { type: 'string', value: 'NAME', help: 'boston only: adam (default) or gd' },
  },
  async run(argv, ctx) {
    const { values } = parseCommand(linregCommand, argv);
    const dataset = (values.dataset as string | undefined) ?? 'seed';
    if (dataset === 'seed') {
      const r = trainSeedLinearRegression({
        epochs: intOption('linreg', 'epochs', values.epochs, 1000),
        learningRate: numberOption('linreg', 'lr', values.lr, 0.01),
      });
      ctx.log(`X = [[1,2],[2,4],[3,6],[4,8]], y = [3,6,9,12], lr ${r.learningRate}, ${r.epochs} epochs`);
      if (![...r.theta, r.prediction].every(Number.isFinite))
        throw new NonFiniteError(
          `tessera linreg: training diverged: theta = [${r.theta.join(', ')}] after ${r.epochs} epochs at lr ${r.learningRate}; expected finite values (lower --lr: 0.01 converges)`,
        );
      ctx.log(`theta      = [${r.theta.map((v) => v.toFixed(6)).join(', ')}]`);
      ctx.log(`prediction for [[5, 10]] = ${r.prediction.toFixed(6)}`);
      return { dataset, ...r };
    }
    if (dataset === 'boston') {
      const optimizer = (values.optimizer as string | undefined) ?? 'adam';
      if (optimizer !== 'adam' && optimizer !== 'gd')
        throw new ArgumentError(`tessera linreg: --optimizer got "${optimizer}"; expected "adam" or "gd"`);
      const r = trainBostonLinearRegression({
        epochs: intOption('linreg', 'epochs', values.epochs, 3000),
        learningRate: values.lr === undefined ? undefined : numberOption('linreg', 'lr', values.lr, 0),
        optimizer,
      });
      ctx.log(
        `Boston house prices: ${r.trainSamples} train / ${r.testSamples} test, ${r.optimizer} lr ${r.learningRate}, ${r.epochs} epochs`,
      );
      if (!Number.isFinite(r.testMse) || !Number.isFinite(r.trainMse))
        throw new NonFiniteError(
          `tessera linreg --dataset boston: training diverged: train MSE ${r.trainMse}, test MSE ${r.testMse} after ${r.epochs} epochs at lr ${r.learningRate}; expected finite values (lower --lr)`,
        );
      ctx.log(`              test MSE   test R²   train MSE`);
      ctx.log(
        `tessera      ${r.testMse.toFixed(4).padStart(9)} ${r.testR2.toFixed(4).padStart(9)} ${r.trainMse.toFixed(4).padStart(10)}`,
      );
      ctx.log(
        `closed form  ${r.closedForm.testMse.toFixed(4).padStart(9)} ${r.closedForm.testR2.toFixed(4).padStart(9)} ${r.closedForm.trainMse.toFixed(4).padStart(10)}`,
      );
      ctx.log(`max |weight difference| = ${r.maxWeightDifference.toExponential(3)}`);
      return { dataset, ...r };
    }
    throw new ArgumentError(`tessera linreg: --dataset got "${dataset}"; expected "seed" or "boston"`);
  },
};
