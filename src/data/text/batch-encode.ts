/**
 * Many texts to one padded batch: token ids [n, L] and an attention mask [n, L] (1 on real tokens,
 * 0 on padding), both int32 tensors, padded on the right. Browser-safe.
 */
import { fromHostValues } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ArgumentError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';

export interface EncodeBatchOptions {
  /** The longest a row may be (with the special tokens); required for padding 'max_length'. */
  maxLength?: number;
  /** 'longest' (default): pad to the longest row; 'max_length': pad every row to maxLength. */
  padding?: 'longest' | 'max_length';
  /** Cut rows longer than maxLength (default false: such a row is an error that names it). */
  truncation?: boolean;
  /** Wrap each text as [CLS] text [SEP] (default false). */
  addSpecialTokens?: boolean;
}

export interface EncodedBatch {
  /** int32 [n, L]: token ids, [PAD] after the end of each text. */
  ids: Tensor;
  /** int32 [n, L]: 1 where ids is a token of the text (or [CLS]/[SEP]), 0 on padding. */
  attentionMask: Tensor;
  /** Each row's length before padding (what the mask sums to). */
  lengths: number[];
}

/** The ids `encodeBatch` needs from a tokenizer. */
export interface BatchTokens {
  pad: number;
  cls?: number;
  sep?: number;
}

/** `encodeBatch` for a tokenizer whose `encode` and special ids are given (fn names the caller). */
export function encodeBatchWith(
  fn: string,
  texts: readonly string[],
  options: EncodeBatchOptions | undefined,
  encode: (text: string) => Int32Array,
  special: BatchTokens,
): EncodedBatch {
  const opts = checkOptions(
    fn,
    options,
    ['maxLength', 'padding', 'truncation', 'addSpecialTokens'],
    "{ maxLength: 128, padding: 'max_length', truncation: true, addSpecialTokens: true }",
  );
  if (!Array.isArray(texts) || texts.length === 0)
    throw new ArgumentError(`${fn}: got ${describe(texts)}; expected a non-empty array of strings`);
  const maxLength = opts.maxLength as number | undefined;
  const padding = (opts.padding as string | undefined) ?? 'longest';
  const wrap = opts.addSpecialTokens === true;
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < (wrap ? 3 : 1)))
    throw new ArgumentError(
      `${fn}: got maxLength=${describe(maxLength)}; expected an integer ≥ ${wrap ? '3 (room for [CLS], [SEP] and a token)' : 1}`,
    );
  if (padding !== 'longest' && padding !== 'max_length')
    throw new ArgumentError(`${fn}: got padding=${describe(padding)}; expected 'longest' or 'max_length'`);
  if (padding === 'max_length' && maxLength === undefined)
    throw new ArgumentError(`${fn}: got padding='max_length' without maxLength; expected maxLength too`);
  if (opts.truncation === true && maxLength === undefined)
    throw new ArgumentError(`${fn}: got truncation=true without maxLength; expected maxLength too`);
  if (wrap && (special.cls === undefined || special.sep === undefined))
    throw new ArgumentError(`${fn}: got addSpecialTokens=true; the tokenizer has no [CLS] and [SEP] tokens`);
  const rows = texts.map((text, i) => {
    if (typeof text !== 'string') throw new ArgumentError(`${fn}: text ${i} is ${describe(text)}; expected a string`);
    let ids: ArrayLike<number> = encode(text);
    const room = maxLength === undefined ? Infinity : maxLength - (wrap ? 2 : 0);
    if (ids.length > room) {
      if (opts.truncation !== true)
        throw new ArgumentError(
          `${fn}: text ${i} is ${ids.length + (wrap ? 2 : 0)} tokens, more than maxLength=${maxLength}; expected truncation: true or a larger maxLength`,
        );
      ids = (ids as Int32Array).subarray(0, room);
    }
    return wrap ? [special.cls as number, ...Array.from(ids), special.sep as number] : Array.from(ids);
  });
  const lengths = rows.map((r) => r.length);
  const width = padding === 'max_length' ? (maxLength as number) : Math.max(1, ...lengths);
  const ids = new Int32Array(rows.length * width).fill(special.pad);
  const mask = new Int32Array(rows.length * width);
  rows.forEach((row, i) => {
    ids.set(row, i * width);
    mask.fill(1, i * width, i * width + row.length);
  });
  return {
    ids: fromHostValues(ids, [rows.length, width]),
    attentionMask: fromHostValues(mask, [rows.length, width]),
    lengths,
  };
}
