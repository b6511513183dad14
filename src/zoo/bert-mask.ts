/**
 * BERT's masked-language-modelling corruption, as ops (so any backend runs it): of the tokens
 * that may be masked (ids >= firstRegularId: never [PAD], [UNK], [CLS], [SEP], [MASK]), each is
 * chosen with probability `probability` (15 %); a chosen token is replaced by [MASK] 80 % of the
 * time, by a random regular token 10 %, and kept 10 %. The labels are the original ids at chosen
 * positions and `ignoreIndex` (−100) elsewhere, which sequenceCrossEntropy leaves out.
 * The draws come from the global generator (rand, randint), so a run's RNG state fixes them.
 */
import type { Tensor } from '../tensor/tensor.js';
import { rand, randint } from '../tensor/creation.js';
import { ge, lt, where } from '../ops/elementwise.js';
import { ArgumentError, DTypeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';

export interface MaskTokensOptions {
  vocabSize: number;
  /** The [MASK] id (default 4, BpeTokenizer's). */
  maskId?: number;
  /** The first id that is a real token (default 5: the BpeTokenizer's five special tokens come first). */
  firstRegularId?: number;
  /** The share of maskable tokens chosen (default 0.15). */
  probability?: number;
  /** The label of positions not chosen (default −100). */
  ignoreIndex?: number;
}

/** ids [batch, time] → the corrupted inputs and the labels, both int32 [batch, time]. */
export function maskTokens(ids: Tensor, options: MaskTokensOptions): { inputs: Tensor; labels: Tensor } {
  const fn = 'maskTokens';
  const o = checkOptions(
    fn,
    options,
    ['vocabSize', 'maskId', 'firstRegularId', 'probability', 'ignoreIndex'],
    '{ vocabSize: 4000 }',
  ) as unknown as MaskTokensOptions;
  if (ids?.dtype !== 'int32') throw new DTypeError(`${fn}: got ids of dtype ${describe(ids?.dtype)}; expected int32`);
  const maskId = o.maskId ?? 4;
  const first = o.firstRegularId ?? 5;
  const p = o.probability ?? 0.15;
  if (!Number.isInteger(o.vocabSize) || o.vocabSize <= first)
    throw new ArgumentError(
      `${fn}: got vocabSize=${describe(o.vocabSize)}; expected an integer > firstRegularId (${first})`,
    );
  if (!(typeof p === 'number' && p >= 0 && p <= 1))
    throw new ArgumentError(`${fn}: got probability=${describe(p)}; expected a number in [0, 1]`);
  // A draw of 2 can never be below a probability: special tokens and unchosen tokens get it.
  const choose = where(ge(ids, first), rand(ids.shape), 2);
  const chosen = lt(choose, p);
  const how = where(chosen, rand(ids.shape), 2);
  const random = randint(first, o.vocabSize, ids.shape);
  const inputs = where(lt(how, 0.8), maskId, where(lt(how, 0.9), random, ids));
  return { inputs, labels: where(chosen, ids, o.ignoreIndex ?? -100) };
}
