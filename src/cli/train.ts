/** `tessera train mnist`: the seed's CNN on the real MNIST data — the main job. */
import { ArgumentError } from '../util/errors.js';
import { trainMnist } from '../zoo/mnist-cnn.js';
import type { Command } from './command.js';
import { intOption, parseCommand } from './args.js';

export const trainCommand: Command = {
  name: 'train',
  summary: "train a zoo model on its data set (mnist: the seed's CNN), report test accuracy, save it",
  usage:
    'tessera train mnist [--epochs 5] [--batch-size 32] [--limit N] [--test-limit N] [--out out/mnist-cnn] [--overwrite] ' +
    '[--resume DIR] [--checkpoint-every STEPS] [--seed 0] [--json]\n' +
    '  --resume DIR  checkpoint the run in DIR (every epoch, every --checkpoint-every steps, and on Ctrl-C)\n' +
    '                and continue from the checkpoint there when there is one',
  async run(argv, ctx) {
    const { values, positionals } = parseCommand('train', argv, {
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      limit: { type: 'string' },
      'test-limit': { type: 'string' },
      out: { type: 'string' },
      overwrite: { type: 'boolean' },
      resume: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      seed: { type: 'string' },
    });
    const [target] = positionals;
    if (target !== 'mnist')
      throw new ArgumentError(`tessera train: got model ${JSON.stringify(target ?? null)}; expected "mnist"`);
    const optional = (name: string, min = 1): number | undefined =>
      values[name] === undefined ? undefined : intOption('train', name, values[name], 0, min);
    const out = (values.out as string | undefined) ?? 'out/mnist-cnn';
    if (out === '') throw new ArgumentError('tessera train: --out got ""; expected the folder to save the model in');
    const resume = values.resume as string | undefined;
    if (resume === '') throw new ArgumentError('tessera train: --resume got ""; expected a checkpoint folder');
    // Ctrl-C: finish the current step, checkpoint (with --resume), and say how to go on.
    const abort = new AbortController();
    const onSigint = (): void => {
      ctx.log('\ninterrupted: stopping after the current step (Ctrl-C again to quit at once)');
      process.removeListener('SIGINT', onSigint);
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    // Under --json the progress goes to stderr, keeping stdout for the one JSON line.
    const stream = ctx.json ? process.stderr : process.stdout;
    let r: Awaited<ReturnType<typeof trainMnist>>;
    try {
      r = await trainMnist({
        epochs: optional('epochs'),
        batchSize: optional('batch-size'),
        limit: optional('limit', 0),
        testLimit: optional('test-limit'),
        seed: optional('seed', 0),
        out,
        overwrite: values.overwrite === true,
        resume,
        checkpointEvery: optional('checkpoint-every'),
        signal: abort.signal,
        stream,
        log: (line) => ctx.log(line),
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const { model: _model, ...result } = r;
    if (r.resumedAt) ctx.log(`resumed from ${resume} at epoch ${r.resumedAt.epoch + 1}, batch ${r.resumedAt.batch}`);
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
    ctx.log(`saved to ${r.savedTo}`);
    return result;
  },
};
