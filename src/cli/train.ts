/** `tessera train mnist`: the seed's CNN on the real MNIST data — the main job. */
import { ArgumentError, NonFiniteError } from '../util/errors.js';
import { MNIST_TRAIN_IMAGES, trainMnist } from '../zoo/mnist-cnn.js';
import type { Command } from './command.js';
import { intOption, parseCommand } from './args.js';

let savingTo: string | null = null;

export const trainCommand: Command = {
  name: 'train',
  summary: "train a zoo model on its data set (mnist: the seed's CNN), report test accuracy, save it",
  usage: 'tessera train mnist [--epochs 5] [--batch-size 32] [--limit N] [--out out/mnist-cnn] [--seed 0] [--json]',
  arguments: [['mnist', "the model to train: the seed's CNN on MNIST (the only one so far)"]],
  options: {
    epochs: { type: 'string', value: 'N', help: 'passes over the training images (default 5)' },
    'batch-size': { type: 'string', value: 'N', help: 'images per optimizer step (default 32)' },
    limit: {
      type: 'string',
      value: 'N',
      help: `train on the first N of the ${MNIST_TRAIN_IMAGES.toLocaleString('en')} training images (default all)`,
    },
    out: { type: 'string', value: 'DIR', help: 'folder to save the trained model in (default out/mnist-cnn)' },
    seed: { type: 'string', value: 'N', help: 'seed of the weight initialisation and the shuffling (default 0)' },
  },
  interrupted: () =>
    savingTo === null
      ? 'nothing was saved'
      : `the model is saved only when training ends, so nothing was written to ${savingTo}`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommand(trainCommand, argv);
    const [target] = positionals;
    if (target !== 'mnist')
      throw new ArgumentError(`tessera train: got model ${JSON.stringify(target ?? null)}; expected "mnist"`);
    // Every option is checked before the banner, so a bad one is the only thing printed.
    const epochs = intOption('train', 'epochs', values.epochs, 5);
    const batchSize = intOption('train', 'batch-size', values['batch-size'], 32);
    const limit = values.limit === undefined ? undefined : intOption('train', 'limit', values.limit, 1);
    const seed = intOption('train', 'seed', values.seed, 0, 0);
    const out = (values.out as string | undefined) ?? 'out/mnist-cnn';
    const images = Math.min(limit ?? MNIST_TRAIN_IMAGES, MNIST_TRAIN_IMAGES);
    ctx.log(
      `tessera train mnist: the seed's CNN, ${epochs} epoch(s), batch ${batchSize}, ${images < MNIST_TRAIN_IMAGES ? `first ${images}` : `all ${images}`} training images`,
    );
    // Under --json the progress goes to stderr, keeping stdout for the one JSON line.
    const stream = ctx.json ? process.stderr : process.stdout;
    savingTo = out;
    const r = await trainMnist({ epochs, batchSize, limit, out, seed, stream });
    if (r.stopReason !== null) {
      throw new NonFiniteError(`tessera train mnist: ${r.stopReason}; the model was not saved`);
    }
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
