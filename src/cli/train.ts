/** `tessera train mnist`: the seed's CNN on the real MNIST data — the main job. */
import { ArgumentError, NonFiniteError } from '../util/errors.js';
import { MNIST_TRAIN_IMAGES, trainMnist } from '../zoo/mnist-cnn.js';
import type { Command } from './command.js';
import { intOption, numberOption, parseCommand } from './args.js';

let checkpointingTo: string | null = null;

export const trainCommand: Command = {
  name: 'train',
  summary: "train a zoo model on its data set (mnist: the seed's CNN), report test accuracy, save it",
  usage:
    'tessera train mnist [--epochs 5] [--batch-size 32] [--limit N] [--validation-split F] [--test-limit N] [--out out/mnist-cnn] [--overwrite] ' +
    '[--resume DIR] [--checkpoint-every STEPS] [--seed 0] [--json]',
  arguments: [['mnist', "the model to train: the seed's CNN on MNIST (the only one so far)"]],
  options: {
    epochs: { type: 'string', value: 'N', help: 'passes over the training images (default 5)' },
    'batch-size': { type: 'string', value: 'N', help: 'images per optimizer step (default 32)' },
    limit: {
      type: 'string',
      value: 'N',
      help: `train on the first N of the ${MNIST_TRAIN_IMAGES.toLocaleString('en')} training images (default all)`,
    },
    'validation-split': {
      type: 'string',
      value: 'F',
      help: 'hold out the last fraction F of the training images for val_loss/val_accuracy each epoch (default 0)',
    },
    'test-limit': {
      type: 'string',
      value: 'N',
      help: 'evaluate on the first N of the 10,000 test images (default all)',
    },
    out: { type: 'string', value: 'DIR', help: 'folder to save the trained model in (default out/mnist-cnn)' },
    overwrite: { type: 'boolean', help: 'replace a model already saved in --out' },
    resume: {
      type: 'string',
      value: 'DIR',
      help: 'checkpoint the run in DIR (every epoch, every --checkpoint-every steps, and on Ctrl-C) and continue from the checkpoint there when there is one',
    },
    'checkpoint-every': {
      type: 'string',
      value: 'STEPS',
      help: 'with --resume: also checkpoint every STEPS optimizer steps',
    },
    seed: { type: 'string', value: 'N', help: 'seed of the weight initialisation and the shuffling (default 0)' },
  },
  interrupted: () =>
    checkpointingTo === null
      ? 'stopping after the current step; the model is not saved (run with --resume DIR to keep a checkpoint you can continue from)'
      : `stopping after the current step and checkpointing the run in ${checkpointingTo} (Ctrl-C again to quit at once)`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommand(trainCommand, argv);
    const [target] = positionals;
    if (target !== 'mnist')
      throw new ArgumentError(`tessera train: got model ${JSON.stringify(target ?? null)}; expected "mnist"`);
    // Every option is checked before the banner, so a bad one is the only thing printed.
    const optional = (name: string, min = 1): number | undefined =>
      values[name] === undefined ? undefined : intOption('train', name, values[name], 0, min);
    const epochs = optional('epochs');
    const batchSize = optional('batch-size');
    const limit = optional('limit');
    const testLimit = optional('test-limit');
    const seed = optional('seed', 0);
    const validationSplit = numberOption('train', 'validation-split', values['validation-split'], 0);
    if (!(validationSplit >= 0 && validationSplit < 1))
      throw new ArgumentError(
        `tessera train: --validation-split got ${validationSplit}; expected a fraction in [0, 1), e.g. 0.1`,
      );
    const checkpointEvery = optional('checkpoint-every');
    const out = (values.out as string | undefined) ?? 'out/mnist-cnn';
    if (out === '') throw new ArgumentError('tessera train: --out got ""; expected the folder to save the model in');
    const resume = values.resume as string | undefined;
    if (resume === '') throw new ArgumentError('tessera train: --resume got ""; expected a checkpoint folder');
    // Ctrl-C (main.ts says so): finish the current step, checkpoint (with --resume), and say how to go on.
    const abort = new AbortController();
    const onSigint = (): void => {
      process.removeListener('SIGINT', onSigint);
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    checkpointingTo = resume ?? null;
    // Under --json the progress goes to stderr, keeping stdout for the one JSON line.
    const stream = ctx.json ? process.stderr : process.stdout;
    let r: Awaited<ReturnType<typeof trainMnist>>;
    try {
      r = await trainMnist({
        epochs,
        batchSize,
        limit,
        validationSplit,
        testLimit,
        seed,
        out,
        overwrite: values.overwrite === true,
        resume,
        checkpointEvery,
        signal: abort.signal,
        stream,
        log: (line) => ctx.log(line),
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const { model: _model, ...result } = r;
    if (r.resumedAt) ctx.log(`resumed from ${resume} at epoch ${r.resumedAt.epoch + 1}, batch ${r.resumedAt.batch}`);
    if (r.stopReason !== null)
      throw new NonFiniteError(`tessera train mnist: ${r.stopReason}; the model was not saved`);
    if (r.interrupted) {
      const at = r.stoppedAt ? ` at epoch ${r.stoppedAt.epoch + 1}, batch ${r.stoppedAt.batch}` : '';
      ctx.log(
        resume
          ? `interrupted${at}: the run is checkpointed in ${resume}; continue it with: tessera train mnist --resume ${resume}`
          : `interrupted${at}: nothing was saved (run with --resume DIR to keep a checkpoint you can continue from)`,
      );
      ctx.exitCode = 130;
      return result;
    }
    ctx.log(
      `test accuracy ${(r.testAccuracy * 100).toFixed(2)}%  test loss ${r.testLoss.toFixed(4)}  (${r.testSamples} test images)`,
    );
    ctx.log(
      `${r.trainSamples} training images × ${r.epochs} epoch(s) in ${r.seconds.toFixed(1)} s = ${r.samplesPerSecond.toFixed(1)} samples/s, ${r.params} parameters`,
    );
    ctx.log(`saved to ${r.savedTo} (with its training history: tessera report ${r.savedTo} draws it)`);
    return result;
  },
};
