/** `tessera evaluate DIR` and `tessera predict DIR --image N`: use a saved MNIST model. */
import { ArgumentError, NonFiniteError } from '../util/errors.js';
import { loadModel } from '../keras/save.js';
import { loadMnist } from '../zoo/mnist-cnn.js';
import { sliceAxis } from '../ops/index.js';
import type { Command } from './command.js';
import { intOption, parseCommand } from './args.js';

function modelDir(command: string, positionals: string[]): string {
  const [dir] = positionals;
  if (!dir)
    throw new ArgumentError(
      `tessera ${command}: got no model folder; expected the folder written by "tessera train mnist" (e.g. out/mnist-cnn)`,
    );
  return dir;
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'evaluate a saved MNIST model on the 10,000 test images',
  usage: 'tessera evaluate DIR [--limit N] [--json]',
  arguments: [['DIR', 'a model folder written by tessera train mnist']],
  options: {
    limit: { type: 'string', value: 'N', help: 'evaluate on the first N of the 10,000 test images (default all)' },
  },
  async run(argv, ctx) {
    const { values, positionals } = parseCommand(evaluateCommand, argv);
    const dir = modelDir('evaluate', positionals);
    const model = loadModel(dir);
    const limit = values.limit === undefined ? undefined : intOption('evaluate', 'limit', values.limit, 1);
    const data = loadMnist({ limit: 0, testLimit: limit });
    const logs = model.evaluate(data.xTest, data.yTest, { batchSize: 256 });
    if (!Number.isFinite(logs.loss))
      throw new NonFiniteError(
        `tessera evaluate: the model in ${dir} gives a test loss of ${logs.loss}; expected a finite loss (its weights hold NaN or ∞: the training run that saved it diverged)`,
      );
    ctx.log(
      `${dir}: test accuracy ${(logs.accuracy * 100).toFixed(2)}%  test loss ${logs.loss.toFixed(4)}  (${data.xTest.shape[0]} images)`,
    );
    return { testAccuracy: logs.accuracy, testLoss: logs.loss, testSamples: data.xTest.shape[0], model: dir };
  },
};

/** A 28×28 image as text, dark to light, so a person can see what the model saw. */
function asciiDigit(pixels: ArrayLike<number>): string[] {
  const shades = ' .:-=+*#%@';
  const rows: string[] = [];
  for (let r = 0; r < 28; r += 2) {
    let line = '';
    for (let c = 0; c < 28; c++)
      line += shades[Math.min(9, Math.floor(((pixels[r * 28 + c] + pixels[(r + 1) * 28 + c]) / 2) * 10))];
    rows.push(line);
  }
  return rows;
}

export const predictCommand: Command = {
  name: 'predict',
  summary: 'predict the digit of MNIST test image N with a saved model',
  usage: 'tessera predict DIR --image N [--json]',
  arguments: [['DIR', 'a model folder written by tessera train mnist']],
  options: {
    image: { type: 'string', value: 'N', help: 'which of the 10,000 test images to classify, 0..9999 (required)' },
  },
  async run(argv, ctx) {
    const { values, positionals } = parseCommand(predictCommand, argv);
    const dir = modelDir('predict', positionals);
    if (values.image === undefined)
      throw new ArgumentError('tessera predict: got no --image; expected --image N with N in 0..9999');
    const index = intOption('predict', 'image', values.image, 0, 0);
    const model = loadModel(dir);
    // Read only the test images up to this one: no training images, not the whole test set.
    const data = loadMnist({ limit: 0, testLimit: index + 1 });
    const n = data.xTest.shape[0];
    // Fewer than asked for: n is the size of the test set.
    if (index >= n) throw new ArgumentError(`tessera predict: --image got ${index}; expected 0 <= N < ${n}`);
    const image = sliceAxis(data.xTest, 0, index, index + 1);
    const probabilities = model.predict(image).toFlatArray();
    if (!probabilities.every(Number.isFinite))
      throw new NonFiniteError(
        `tessera predict: the model in ${dir} gives [${probabilities.join(', ')}] for test image ${index}; expected finite probabilities (its weights hold NaN or ∞: the training run that saved it diverged)`,
      );
    const digit = probabilities.indexOf(Math.max(...probabilities));
    const label = sliceAxis(data.yTest, 0, index, index + 1).item();
    for (const line of asciiDigit(image.dataSync())) ctx.log(`  ${line}`);
    ctx.log(`test image ${index}: predicted ${digit} (p = ${probabilities[digit].toFixed(4)}), label ${label}`);
    ctx.log(probabilities.map((p, d) => `  ${d}: ${p.toFixed(4)}`).join('\n'));
    return { image: index, digit, label, correct: digit === label, probabilities };
  },
};
