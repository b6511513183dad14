/**
 * GloVe's co-occurrence counts, prepared on the host from the token ids: for every pair of tokens
 * at most `window` apart, X[i][j] and X[j][i] grow by 1/distance (so near words weigh more, as in
 * the GloVe paper). Returned sparse: the non-zero entries as three parallel arrays, in row-major
 * order. Browser-safe; host data only.
 */
import { ArgumentError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';

export interface CooccurrenceOptions {
  /** The largest distance between two words that counts (default 10). */
  window?: number;
}

/** The non-zero co-occurrence entries: X[rows[n]][cols[n]] = values[n]. */
export interface Cooccurrences {
  rows: Int32Array;
  cols: Int32Array;
  values: Float32Array;
}

export function cooccurrences(ids: Int32Array, vocabSize: number, options?: CooccurrenceOptions): Cooccurrences {
  const fn = 'cooccurrences';
  const o = checkOptions(fn, options, ['window'], '{ window: 10 }');
  const window = (o.window as number | undefined) ?? 10;
  if (!Number.isInteger(window) || window < 1)
    throw new ArgumentError(`${fn}: got window=${describe(window)}; expected a positive integer`);
  if (!Number.isInteger(vocabSize) || vocabSize < 1)
    throw new ArgumentError(`${fn}: got vocabSize=${describe(vocabSize)}; expected a positive integer`);
  if (!(ids instanceof Int32Array))
    throw new ArgumentError(`${fn}: got ids ${describe(ids)}; expected an Int32Array of word ids`);
  // Keyed by i·V + j: below 2^53 for any vocabulary that fits in memory.
  const counts = new Map<number, number>();
  for (let a = 0; a < ids.length; a++) {
    const i = ids[a];
    if (i < 0 || i >= vocabSize)
      throw new ArgumentError(`${fn}: id ${i} at position ${a} is outside the vocabulary of ${vocabSize} words`);
    for (let d = 1; d <= window && a - d >= 0; d++) {
      const j = ids[a - d];
      const w = 1 / d;
      counts.set(i * vocabSize + j, (counts.get(i * vocabSize + j) ?? 0) + w);
      counts.set(j * vocabSize + i, (counts.get(j * vocabSize + i) ?? 0) + w);
    }
  }
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const rows = new Int32Array(keys.length);
  const cols = new Int32Array(keys.length);
  const values = new Float32Array(keys.length);
  keys.forEach((key, n) => {
    rows[n] = Math.floor(key / vocabSize);
    cols[n] = key % vocabSize;
    values[n] = counts.get(key) as number;
  });
  return { rows, cols, values };
}
