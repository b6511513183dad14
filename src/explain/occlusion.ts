/**
 * Occlusion sensitivity (Zeiler & Fergus 2014): slide a window over each input, replace what it
 * covers by a baseline value, and record how much the target score drops. An element's attribution
 * is the mean drop over the windows that cover it. Every occluded copy of every input runs as one
 * batch [windows·batch, ...]; the per-element means are one product, drops [batch, windows] ×
 * masks [windows, elements], divided by how many windows cover each element.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Backend } from '../backend/types.js';
import { fromHostValues } from '../tensor/creation.js';
import { add, div, mul, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { reshape, squeeze, transpose, unsqueeze } from '../ops/movement.js';
import { noGrad } from '../autograd/mode.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import {
  checkInput,
  inspecting,
  predictScores,
  resolveTargets,
  scoreFunction,
  targetScores,
  type Attribution,
  type Explainable,
  type TargetOptions,
} from './score.js';

export interface OcclusionOptions extends TargetOptions {
  /**
   * The window, per sample axis, or one number: for an image [height, width, channels] it is the
   * height and width and the window spans every channel; for other samples it applies to every axis.
   * Default 4 (clipped to the sample's size).
   */
  window?: number | readonly number[];
  /** Step between windows, per sample axis or one number like `window` (default half the window, at least 1). */
  strides?: number | readonly number[];
  /** The value put in place of what a window covers (default 0). */
  baseline?: number;
}

/**
 * Occlusion attributions of each input of x [batch, ...sample].
 * @example const { attributions } = occlusion(model, images, { window: 4, strides: 2 });
 */
export function occlusion(model: Explainable, x: Tensor, options: OcclusionOptions = {}): Attribution {
  const fn = 'occlusion';
  const o = checkOptions(fn, options, ['target', 'logits', 'window', 'strides', 'baseline']) as OcclusionOptions;
  checkInput(fn, x);
  const sample = x.shape.slice(1);
  const window = perAxis(fn, 'window', o.window ?? 4, sample).map((w, i) => Math.min(w, sample[i]));
  const strides = perAxis(
    fn,
    'strides',
    o.strides ?? window.map((w) => Math.max(1, Math.floor(w / 2))),
    sample,
    window,
  );
  const baseline = o.baseline ?? 0;
  if (typeof baseline !== 'number' || !Number.isFinite(baseline))
    throw new ArgumentError(`${fn}: got baseline=${describe(o.baseline)}; expected a finite number`);
  const f = scoreFunction(fn, model, o.logits);
  return inspecting(model, () =>
    noGrad(() => {
      const outputs = predictScores(fn, f, x);
      const targets = resolveTargets(fn, o.target, outputs);
      const scores = squeeze(targetScores(outputs, targets, 1), 0);
      const { masks, windows, coverage } = windowMasks(sample, window, strides, x.backend);
      // [windows, 1, ...sample]: 1 where the window covers, broadcast over the batch.
      const m = reshape(masks, [windows, 1, ...sample]);
      const occluded = add(mul(unsqueeze(x, 0), sub(1, m)), mul(m, baseline));
      const batch = x.shape[0];
      const occludedScores = targetScores(
        predictScores(fn, f, reshape(occluded, [windows * batch, ...sample])),
        targets,
        windows,
      );
      const drops = sub(unsqueeze(scores, 0), occludedScores); // [windows, batch]
      const perElement = div(matmul(transpose(drops), masks), coverage); // [batch, elements]
      return { attributions: reshape(perElement, x.shape), targets, scores };
    }),
  );
}

/** A per-axis size: a number (images: height and width, every channel), or one per axis. */
function perAxis(
  fn: string,
  name: string,
  value: number | readonly number[],
  sample: readonly number[],
  fallback?: readonly number[],
): number[] {
  const ok = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
  if (typeof value === 'number' && ok(value)) {
    if (sample.length === 3) return [value, value, name === 'window' ? sample[2] : (fallback?.[2] ?? sample[2])];
    return sample.map(() => value);
  }
  if (Array.isArray(value) && value.length === sample.length && value.every(ok)) return [...value];
  throw new ArgumentError(
    `${fn}: got ${name}=${describe(value)}; expected a positive integer or ${sample.length} of them (one per sample axis of ${describe(sample)})`,
  );
}

/** Window starts along one axis: every `stride`, plus a last one flush with the end so every element is covered. */
function starts(size: number, window: number, stride: number): number[] {
  const out: number[] = [];
  for (let s = 0; s + window <= size; s += stride) out.push(s);
  if (out.at(-1)! + window < size) out.push(size - window);
  return out;
}

/**
 * The windows as constant 0/1 masks [windows, elements] and the number of windows covering each
 * element [elements]: built on the host from the sample's shape alone (no tensor is read).
 */
function windowMasks(
  sample: readonly number[],
  window: readonly number[],
  strides: readonly number[],
  backend: Backend,
): { masks: Tensor; windows: number; coverage: Tensor } {
  const axisStarts = sample.map((size, i) => starts(size, window[i], strides[i]));
  const elements = sample.reduce((a, b) => a * b, 1);
  const corners: number[][] = axisStarts.reduce<number[][]>(
    (acc, list) => acc.flatMap((prefix) => list.map((s) => [...prefix, s])),
    [[]],
  );
  const masks = new Float32Array(corners.length * elements);
  const coverage = new Float32Array(elements);
  const strideOf = sample.map((_, i) => sample.slice(i + 1).reduce((a, b) => a * b, 1));
  corners.forEach((corner, w) => {
    // Every element of the box corner .. corner + window, by its flat index.
    let offsets = [0];
    corner.forEach((c, axis) => {
      const next: number[] = [];
      for (const base of offsets) for (let j = c; j < c + window[axis]; j++) next.push(base + j * strideOf[axis]);
      offsets = next;
    });
    for (const e of offsets) {
      masks[w * elements + e] = 1;
      coverage[e] += 1;
    }
  });
  return {
    masks: fromHostValues(masks, [corners.length, elements], {}, backend),
    windows: corners.length,
    coverage: fromHostValues(coverage, [elements], {}, backend),
  };
}
