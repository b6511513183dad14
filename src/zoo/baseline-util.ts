/** What the spam-task baselines share: their inputs, their scores, and option checks. */
import type { BinaryMetrics } from '../nn/metrics.js';
import { ArgumentError, describe } from '../util/errors.js';

/** A text with a 0/1 label (1 = the positive class: spam). A SpamEmail is one. */
export interface LabelledText {
  text: string;
  label: number;
}

/** A baseline's test scores (label 1 positive) and its wall time, training included, in seconds. */
export interface BaselineScore extends BinaryMetrics {
  seconds: number;
}

export function checkLabelledTexts(fn: string, name: string, items: unknown): void {
  const ok =
    Array.isArray(items) &&
    items.length > 0 &&
    items.every((e) => typeof e?.text === 'string' && (e.label === 0 || e.label === 1));
  if (!ok)
    throw new ArgumentError(
      `${fn}: got ${name}=${describe(items)}; expected a non-empty array of { text, label: 0 | 1 }`,
    );
}

export function positiveIntegerOption(fn: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected a positive integer`);
  return value as number;
}

/**
 * Epochs for a budget of about `steps` optimizer steps (at least `minEpochs`): a few labelled
 * examples then get as many updates as many do, instead of a handful of steps.
 */
export function stepsToEpochs(steps: number, stepsPerEpoch: number, minEpochs: number): number {
  return Math.max(minEpochs, Math.ceil(steps / stepsPerEpoch));
}
