/**
 * The sizes every zoo Transformer's config shares (GPTConfig, BertConfig), checked one way so the
 * two models' errors read alike: positive integers, a dropout rate in [0, 1), width a multiple of heads.
 */
import { ArgumentError, describe } from '../util/errors.js';

export interface TransformerDims {
  vocabSize: number;
  context: number;
  layers: number;
  heads: number;
  width: number;
  dropout: number;
}

/** The sizes of `o` checked (`dflt` fills the absent ones); errors name `fn`, the key and what it should be. */
export function transformerDims(fn: string, o: Partial<TransformerDims>, dflt: { dropout: number }): TransformerDims {
  const int = (key: 'vocabSize' | 'context' | 'layers' | 'heads' | 'width'): number => {
    const v = o[key];
    if (!Number.isInteger(v) || (v as number) < 1)
      throw new ArgumentError(`${fn}: got ${key}=${describe(v)}; expected a positive integer`);
    return v as number;
  };
  const d: TransformerDims = {
    vocabSize: int('vocabSize'),
    context: int('context'),
    layers: int('layers'),
    heads: int('heads'),
    width: int('width'),
    dropout: o.dropout ?? dflt.dropout,
  };
  if (typeof d.dropout !== 'number' || !(d.dropout >= 0 && d.dropout < 1))
    throw new ArgumentError(`${fn}: got dropout=${describe(o.dropout)}; expected a number in [0, 1)`);
  if (d.width % d.heads !== 0)
    throw new ArgumentError(
      `${fn}: got width=${d.width} and heads=${d.heads}; expected width to be a multiple of heads`,
    );
  return d;
}
