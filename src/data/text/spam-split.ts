/**
 * A labelled e-mail set split for classification: a fixed, seeded, stratified train/test split
 * (each label keeps its share in both halves), and the unlabelled text of e-mails for
 * pre-training a language model (take it from the training half only, so the test e-mails stay
 * unseen). Browser-safe.
 */
import { ArgumentError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';
import { ShuffleRng } from '../shuffle.js';

export interface SpamSplitOptions {
  /** The share of each label that goes to the test set (default 0.2), rounded to whole e-mails. */
  testFraction?: number;
  /** Seed of the split's own random stream (default 0): the same seed gives the same split. */
  seed?: number;
}

/**
 * Split labelled items (e-mails from `spamAssassin()`, or anything with an integer `label`) into
 * train and test, stratified by label: from each label, `testFraction` of its items chosen at
 * random (seeded) go to test. Both halves keep the items' original order.
 * @example const { train, test } = spamSplit(spamAssassin(), { testFraction: 0.2, seed: 0 })
 */
export function spamSplit<T extends { label: number }>(
  items: readonly T[],
  options?: SpamSplitOptions,
): { train: T[]; test: T[] } {
  const fn = 'spamSplit';
  const opts = checkOptions(fn, options, ['testFraction', 'seed'], '{ testFraction: 0.2, seed: 0 }');
  const fraction = (opts.testFraction as number | undefined) ?? 0.2;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1))
    throw new ArgumentError(`${fn}: got testFraction=${describe(fraction)}; expected a number in (0, 1)`);
  const seed = (opts.seed as number | undefined) ?? 0;
  if (!Number.isInteger(seed)) throw new ArgumentError(`${fn}: got seed=${describe(seed)}; expected an integer`);
  if (!Array.isArray(items)) throw new ArgumentError(`${fn}: got ${describe(items)}; expected an array of { label }`);
  const byLabel = indicesByLabel(fn, items);
  const rng = new ShuffleRng(seed, fn);
  const inTest = new Uint8Array(items.length);
  // Labels in ascending order so that the stream is used the same way whatever the items' order.
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const indices = byLabel.get(label) as number[];
    const order = rng.permutation(indices.length);
    const nTest = Math.round(indices.length * fraction);
    for (let k = 0; k < nTest; k++) inTest[indices[order[k]]] = 1;
  }
  const train = items.filter((_, i) => inTest[i] === 0);
  const test = items.filter((_, i) => inTest[i] === 1);
  if (train.length === 0 || test.length === 0)
    throw new ArgumentError(
      `${fn}: ${items.length} items with testFraction=${fraction} leave ${train.length} for training and ${test.length} for testing; expected at least one in each`,
    );
  return { train, test };
}

/** The items' indices grouped by their integer label (fn names the caller in the error for another label). */
function indicesByLabel(fn: string, items: readonly { label: number }[]): Map<number, number[]> {
  const byLabel = new Map<number, number[]>();
  items.forEach((item, i) => {
    const label = item?.label;
    if (!Number.isInteger(label))
      throw new ArgumentError(`${fn}: item ${i} has label ${describe(label)}; expected an integer label`);
    const list = byLabel.get(label);
    if (list === undefined) byLabel.set(label, [i]);
    else list.push(i);
  });
  return byLabel;
}

/**
 * `n` labelled training items out of `items`, stratified and deterministic: each label gets its
 * share of `n` (largest remainders, at least one per label when `n` allows), drawn from a seeded
 * permutation of that label's items; the items keep their original order. The same seed gives
 * nested subsets as `n` grows (a label's first k of its permutation), so runs with more labels
 * only add e-mails. `n` equal to the number of items gives them all.
 * @example const few = labelledSubset(spamSplit(spamAssassin()).train, 200, 0)
 */
export function labelledSubset<T extends { label: number }>(items: readonly T[], n: number, seed = 0): T[] {
  const fn = 'labelledSubset';
  if (!Array.isArray(items)) throw new ArgumentError(`${fn}: got ${describe(items)}; expected an array of { label }`);
  if (!Number.isInteger(n) || n < 1 || n > items.length)
    throw new ArgumentError(`${fn}: got n=${describe(n)}; expected an integer from 1 to ${items.length} (the items)`);
  if (!Number.isInteger(seed)) throw new ArgumentError(`${fn}: got seed=${describe(seed)}; expected an integer`);
  const byLabel = indicesByLabel(fn, items);
  const labels = [...byLabel.keys()].sort((a, b) => a - b);
  const sizes = labels.map((l) => (byLabel.get(l) as number[]).length);
  const quotas = stratifiedQuotas(n, sizes);
  const rng = new ShuffleRng(seed, fn);
  const chosen = new Uint8Array(items.length);
  labels.forEach((label, j) => {
    const indices = byLabel.get(label) as number[];
    const order = rng.permutation(indices.length);
    for (let k = 0; k < quotas[j]; k++) chosen[indices[order[k]]] = 1;
  });
  return items.filter((_, i) => chosen[i] === 1);
}

/** How many of `n` each group of these sizes gets: its share, largest remainders first, each ≥ 1 when n allows. */
function stratifiedQuotas(n: number, sizes: readonly number[]): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (n * s) / total);
  const quotas = exact.map((e, j) => Math.min(sizes[j], Math.max(n >= sizes.length ? 1 : 0, Math.floor(e))));
  // Hand out what is left by largest remainder (ties: the smaller label), then take back any excess from the largest.
  const byRemainder = exact
    .map((_, j) => j)
    .sort((a, b) => exact[b] - Math.floor(exact[b]) - (exact[a] - Math.floor(exact[a])) || a - b);
  let left = n - quotas.reduce((a, b) => a + b, 0);
  for (let k = 0; left > 0; k = (k + 1) % sizes.length) {
    const j = byRemainder[k];
    if (quotas[j] < sizes[j]) {
      quotas[j]++;
      left--;
    }
  }
  while (left < 0) {
    const j = quotas.indexOf(Math.max(...quotas));
    quotas[j]--;
    left++;
  }
  return quotas;
}

/** What joins e-mails in `emailsText`: a blank line and a form feed, which no e-mail text holds. */
export const EMAIL_SEPARATOR = '\n\f\n';

/**
 * The unlabelled text of e-mails for pre-training: their `text` joined by `separator` (default
 * EMAIL_SEPARATOR), with one after the last.
 * @example const corpus = emailsText(spamSplit(spamAssassin()).train)
 */
export function emailsText(emails: readonly { text: string }[], separator = EMAIL_SEPARATOR): string {
  if (!Array.isArray(emails))
    throw new ArgumentError(`emailsText: got ${describe(emails)}; expected an array of { text } e-mails`);
  return emails
    .map((e, i) => {
      if (typeof e?.text !== 'string')
        throw new ArgumentError(`emailsText: e-mail ${i} has text ${describe(e?.text)}; expected a string`);
      return e.text + separator;
    })
    .join('');
}
