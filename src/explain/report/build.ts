/**
 * What a training report shows, gathered as plain data: the History's curves, the run's facts,
 * the model's scorecard on test data, its worst-classified test images with their saliency, and
 * its summary. Browser-safe: `reportHtml` turns it into a page, the CLI writes that to disk.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Model } from '../../keras/model.js';
import type { History, RunInfo, TrainingParams } from '../../keras/history.js';
import { argmax, sum } from '../../ops/reduce.js';
import { mul } from '../../ops/elementwise.js';
import { softmax } from '../../ops/activations.js';
import { gather, oneHot, squeeze } from '../../ops/movement.js';
import { noGrad } from '../../autograd/mode.js';
import { ArgumentError, ShapeError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';
import { saliency } from '../gradients.js';
import { encodePng, heatmapOverlay } from '../heatmap.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';

/** A test image the model got most wrong: lowest probability for its true class. */
export interface WorstImage {
  /** Its index in the test data. */
  index: number;
  label: number;
  predicted: number;
  /** The probability the model gave the true class, and the class it chose. */
  labelProbability: number;
  predictedProbability: number;
  /** The image in grey with the saliency of the predicted class over it (PNG bytes). */
  png: Uint8Array;
}

export interface ReportData {
  title: string;
  /** The History as data: epoch indices and a value per epoch for each key (null: not finite). */
  epochs: number[];
  curves: Record<string, (number | null)[]>;
  params: TrainingParams | null;
  stopReason: string | null;
  run: RunInfo;
  metrics: ClassificationMetrics;
  classNames: string[];
  worst: WorstImage[];
  /** model.summary() text, or null when the model cannot say (not built). */
  summary: string | null;
}

export interface BuildReportOptions {
  /** Shown at the top of the page (default the model's name). */
  title?: string;
  /** Worst-classified test images to show (default 12). */
  worst?: number;
  /** Names of the classes (default '0', '1', …). */
  classNames?: string[];
  /** Batch size for predicting the test data (default 256). */
  batchSize?: number;
}

/**
 * Score `model` on test images `x` with int32 labels `y`, explain its worst mistakes, and gather
 * everything with `history` into report data.
 * @example const html = reportHtml(await buildReport(model, model.history!, xTest, yTest));
 */
export async function buildReport(
  model: Model,
  history: History,
  x: Tensor,
  y: Tensor,
  options: BuildReportOptions = {},
): Promise<ReportData> {
  const fn = 'buildReport';
  const o = checkOptions(fn, options, ['title', 'worst', 'classNames', 'batchSize']) as BuildReportOptions;
  const worstCount = o.worst ?? 12;
  if (!Number.isInteger(worstCount) || worstCount < 0)
    throw new ArgumentError(`${fn}: got worst=${describe(o.worst)}; expected an integer >= 0`);
  if (y.rank !== 1 || y.dtype !== 'int32' || y.shape[0] !== x.shape[0])
    throw new ShapeError(
      `${fn}: got labels of shape ${describe(y.shape)} (${y.dtype}) for ${x.shape[0]} images; expected int32 class indices [${x.shape[0]}]`,
    );
  if (x.shape[0] === 0) throw new ArgumentError(`${fn}: got no test images; expected at least one`);
  const output = model.predict(x, { batchSize: o.batchSize ?? 256 });
  if (output.rank !== 2)
    throw new ShapeError(
      `${fn}: the model outputs shape ${describe(output.shape)}; expected [samples, classes] (class probabilities or logits) from a classifier`,
    );
  const { probabilities, predicted, labelProbability } = noGrad(() => {
    const p = model.finalActivation === 'softmax' ? output : softmax(output, -1);
    return { probabilities: p, predicted: argmax(p, 1), labelProbability: sum(mul(p, oneHot(y, p.shape[1])), [1]) };
  });
  const numClasses = probabilities.shape[1];
  const metrics = await classificationMetrics(y, predicted, numClasses);
  const worst = await worstImages(model, x, y, probabilities, predicted, labelProbability, worstCount);
  let summary: string | null = null;
  try {
    summary = model.summary({ print: false });
  } catch {
    summary = null;
  }
  const curves = Object.fromEntries(
    Object.entries(history.history).map(([k, vs]) => [k, vs.map((v) => (Number.isFinite(v) ? v : null))]),
  );
  return {
    title: o.title ?? model.name,
    epochs: [...history.epoch],
    curves,
    params: history.params,
    stopReason: history.stopReason,
    run: { ...history.run },
    metrics,
    classNames: o.classNames ?? Array.from({ length: numClasses }, (_, c) => String(c)),
    worst,
    summary,
  };
}

async function worstImages(
  model: Model,
  x: Tensor,
  y: Tensor,
  probabilities: Tensor,
  predicted: Tensor,
  labelProbability: Tensor,
  count: number,
): Promise<WorstImage[]> {
  if (count === 0) return [];
  // Picking which images to show is a sort of one number per image, done on the host.
  const scores = await labelProbability.data();
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
  const chosen = order.slice(0, Math.min(count, order.length));
  const images = gather(x, chosen, 0);
  const classes = [...(await gather(predicted, chosen, 0).data())];
  const labels = [...(await gather(y, chosen, 0).data())];
  const top = await gather(probabilities, chosen, 0).data();
  const numClasses = probabilities.shape[1];
  // The saliency of the class the model chose: which pixels pushed it there.
  const { attributions } = saliency(model, images, { target: classes });
  const out: WorstImage[] = [];
  for (let k = 0; k < chosen.length; k++) {
    const image = squeeze(gather(images, [k], 0), 0);
    const map = squeeze(gather(attributions, [k], 0), 0);
    const picture = await heatmapOverlay(image, map, { scale: 4 });
    out.push({
      index: chosen[k],
      label: labels[k],
      predicted: classes[k],
      labelProbability: scores[chosen[k]],
      predictedProbability: top[k * numClasses + classes[k]],
      png: encodePng(picture),
    });
  }
  return out;
}
