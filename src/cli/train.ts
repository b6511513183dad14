/** `tessera train mnist`: the seed's CNN on the real MNIST data — the main job. */
import { ArgumentError } from '../util/errors.js';
import { trainMnist } from '../zoo/mnist-cnn.js';
import type { Command } from './command.js';
import { intOption, parseCommand } from './args.js';

export const trainCommand: Command = {
  name: 'train',
  summary: "train a zoo model on its data set (mnist: the seed's CNN), report test accuracy, save it",
  usage: 'tessera train mnist [--epochs 5] [--batch-size 32] [--limit N] [--out out/mnist-cnn] [--seed 0] [--json]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommand('train', argv, {
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
    });
    const [target] = positionals;
    if (target !== 'mnist')
      throw new ArgumentError(`tessera train: got model ${JSON.stringify(target ?? null)}; expected "mnist"`);
    const epochs = intOption('train', 'epochs', values.epochs, 5);
    const batchSize = intOption('train', 'batch-size', values['batch-size'], 32);
    const limit = values.limit === undefined ? undefined : intOption('train', 'limit', values.limit, 0);
    const out = (values.out as string | undefined) ?? 'out/mnist-cnn';
    ctx.log(
      `tessera train mnist: the seed's CNN, ${epochs} epoch(s), batch ${batchSize}${limit ? `, first ${limit} training images` : ''}`,
    );
    // Under --json the progress goes to stderr, keeping stdout for the one JSON line.
    const stream = ctx.json ? process.stderr : process.stdout;
    const r = await trainMnist({
      epochs,
      batchSize,
      limit,
      out,
      seed: intOption('train', 'seed', values.seed, 0, 0),
      stream,
    });
    ctx.log(
      `test accuracy ${(r.testAccuracy * 100).toFixed(2)}%  test loss ${r.testLoss.toFixed(4)}  (${r.testSamples} test images)`,
    );
    ctx.log(
      `${r.trainSamples} training images × ${r.epochs} epoch(s) in ${r.seconds.toFixed(1)} s = ${r.samplesPerSecond.toFixed(1)} samples/s, ${r.params} parameters`,
    );
    ctx.log(`saved to ${r.savedTo}`);
    const { model: _model, ...result } = r;
    return result;
  },
};
