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
  const byLabel = new Map<number, number[]>();
  items.forEach((item, i) => {
    const label = item?.label;
    if (!Number.isInteger(label))
      throw new ArgumentError(`${fn}: item ${i} has label ${describe(label)}; expected an integer label`);
    const list = byLabel.get(label);
    if (list === undefined) byLabel.set(label, [i]);
    else list.push(i);
  });
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
