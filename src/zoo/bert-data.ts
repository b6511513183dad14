/**
 * Text for a BERT, as fixed-length rows of token ids (Node-only: it reads the bundled corpora).
 * A document's ids are cut into pieces of maxLength − 2, each wrapped as [CLS] piece [SEP] and
 * padded with [PAD] (0) to maxLength; the attention mask is then `ids != [PAD]`, one op. Rows are
 * host arrays of token ids from the tokenizer (data preparation); a batch becomes a tensor.
 */
import { fromHostValues } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast, ne } from '../ops/elementwise.js';
import type { BpeTokenizer } from '../data/text/bpe.js';
import { sotu } from '../data/text/corpora.js';
import { spamAssassin } from '../data/text/spam-assassin.js';
import { spamSplit } from '../data/text/spam-split.js';
import { ArgumentError, describe } from '../util/errors.js';

export const BERT_CORPORA = ['spam-unlabelled', 'sotu'] as const;
export type BertCorpus = (typeof BERT_CORPORA)[number];

/**
 * The documents of a pre-training corpus. "spam-unlabelled": the text of the TRAINING e-mails of
 * `spamSplit(spamAssassin(), { seed: 0 })` without labels, so fine-tuning tests on e-mails the
 * encoder never read; "sotu": the State of the Union addresses, one document each.
 */
export function bertCorpusDocuments(name: string): string[] {
  if (name === 'spam-unlabelled') return spamSplit(spamAssassin(), { seed: 0 }).train.map((e) => e.text);
  if (name === 'sotu') return sotu.loadSpeeches().map((s) => s.text);
  throw new ArgumentError(
    `bertCorpusDocuments: got corpus ${describe(name)}; expected one of ${BERT_CORPORA.map((c) => `"${c}"`).join(', ')}`,
  );
}

/** Token rows [count, maxLength] (flat), [PAD] = 0 after each row's end. */
export interface TokenRows {
  ids: Int32Array;
  count: number;
  maxLength: number;
}

/**
 * Documents → rows: every piece of every document (`firstOnly`: only each document's first
 * piece, one row per document, as a classifier reads an e-mail). Empty documents give no row
 * unless `firstOnly` (then a row of [CLS] [SEP], so rows stay aligned with the documents).
 */
export function documentRows(
  tokenizer: BpeTokenizer,
  documents: readonly string[],
  maxLength: number,
  options: { firstOnly?: boolean } = {},
): TokenRows {
  const fn = 'documentRows';
  if (!Number.isInteger(maxLength) || maxLength < 3)
    throw new ArgumentError(
      `${fn}: got maxLength=${describe(maxLength)}; expected an integer >= 3 ([CLS], a token, [SEP])`,
    );
  const cls = tokenizer.specialId('[CLS]');
  const sep = tokenizer.specialId('[SEP]');
  const pad = tokenizer.specialId('[PAD]');
  if (cls === undefined || sep === undefined || pad !== 0)
    throw new ArgumentError(
      `${fn}: the tokenizer lacks [CLS]/[SEP] or [PAD] is not id 0; expected BpeTokenizer's special tokens`,
    );
  const piece = maxLength - 2;
  const rows: Int32Array[] = [];
  for (const doc of documents) {
    const ids = tokenizer.encode(doc, { specialTokens: false });
    const pieces = options.firstOnly ? 1 : Math.ceil(ids.length / piece);
    for (let p = 0; p < pieces; p++) {
      const part = ids.subarray(p * piece, (p + 1) * piece);
      const row = new Int32Array(maxLength);
      row[0] = cls;
      row.set(part, 1);
      row[part.length + 1] = sep;
      rows.push(row);
    }
  }
  const flat = new Int32Array(rows.length * maxLength);
  rows.forEach((row, i) => flat.set(row, i * maxLength));
  return { ids: flat, count: rows.length, maxLength };
}

/** The rows at `indices` as int32 ids [n, maxLength] and their attention mask (ids != [PAD]). */
export function rowBatch(rows: TokenRows, indices: ArrayLike<number>): { ids: Tensor; attentionMask: Tensor } {
  const L = rows.maxLength;
  const out = new Int32Array(indices.length * L);
  for (let i = 0; i < indices.length; i++) out.set(rows.ids.subarray(indices[i] * L, (indices[i] + 1) * L), i * L);
  const ids = fromHostValues(out, [indices.length, L]);
  return { ids, attentionMask: cast(ne(ids, 0), 'int32') };
}

/** Held-out documents: every 20th (a fixed, spread-out 5 %), the rest for training. */
export function splitDocuments(documents: readonly string[]): { train: string[]; validation: string[] } {
  const train: string[] = [];
  const validation: string[] = [];
  documents.forEach((d, i) => (i % 20 === 19 ? validation : train).push(d));
  return { train, validation };
}
