/**
 * A BERT-style bidirectional encoder (Devlin et al. 2018, at any size):
 *   token `wte` [vocab, width] + position `wpe` [context, width] + segment `wse` [segments, width]
 *   → LayerNorm `ln_emb` → dropout → `layers` encoder blocks (post-LN as BERT, or pre-LN with a
 *   final LayerNorm `ln_f`) → hidden states [batch, time, width].
 * Padding is masked out of attention by the attention mask (1 on tokens, 0 on [PAD]).
 *
 * Two heads read the hidden states:
 * - `mlmLogits`: the masked-language-modelling head, BERT's: a GELU dense layer and a LayerNorm,
 *   then the token embedding transposed (tied: the head's matrix IS `wte`) plus a bias [vocab].
 * - `BertClassifier`: pools the hidden states — the [CLS] position (the first) or the mean over the
 *   real tokens — then dropout and a linear layer to class logits.
 *
 * The config is plain data (`BertConfig`, saved as config.json), so a model is rebuilt from its folder.
 */
import type { Tensor } from '../tensor/tensor.js';
import { normal, zeros } from '../tensor/creation.js';
import { add, cast, div, eq, maximum, mul } from '../ops/elementwise.js';
import { gelu } from '../ops/activations.js';
import { mm } from '../ops/matmul.js';
import { gather, reshape, sliceAxis } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { embedding } from '../ops/embedding.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Dropout } from '../nn/dropout.js';
import { LayerNormalization } from '../nn/layernorm.js';
import { TransformerEncoderLayer } from '../nn/transformer.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { transformerDims } from './transformer-dims.js';

/** A BERT's architecture, as saved in config.json. */
export interface BertConfig {
  /** Token ids run 0..vocabSize-1. */
  vocabSize: number;
  /** The longest sequence (the position table's length). */
  context: number;
  layers: number;
  /** Attention heads per block; must divide width. */
  heads: number;
  width: number;
  /** Segment (token type) ids run 0..segments-1 (default 2, BERT's sentence A / B). */
  segments: number;
  /** Pre-LN blocks and a final LayerNorm (true), or BERT's post-LN blocks (false, default). */
  normFirst: boolean;
  /** Dropout on embeddings, attention weights and residual branches in training (default 0.1). */
  dropout: number;
}

const CONFIG_KEYS = ['vocabSize', 'context', 'layers', 'heads', 'width', 'segments', 'normFirst', 'dropout'] as const;

/** The config checked, defaults filled in; errors name the key and what it should be. */
export function bertConfig(fn: string, config: unknown): BertConfig {
  const o = checkOptions(
    fn,
    config as Record<string, unknown>,
    CONFIG_KEYS,
    '{ vocabSize: 4000, context: 128, layers: 2, heads: 4, width: 128 }',
  ) as Partial<BertConfig>;
  const dims = transformerDims(fn, o, { dropout: 0.1 });
  const segments = o.segments ?? 2;
  if (!Number.isInteger(segments) || segments < 1)
    throw new ArgumentError(`${fn}: got segments=${describe(segments)}; expected a positive integer`);
  const c: BertConfig = { ...dims, segments, normFirst: o.normFirst ?? false, dropout: dims.dropout };
  if (typeof c.normFirst !== 'boolean')
    throw new ArgumentError(`${fn}: got normFirst=${describe(o.normFirst)}; expected true or false`);
  return c;
}

export interface BertCallOptions {
  /** int32 [batch, time]: 1 on tokens, 0 on padding (default: no padding). */
  attentionMask?: Tensor | null;
  /** int32 [batch, time] segment ids (default: all 0). */
  segments?: Tensor | null;
}

export type BertPooling = 'cls' | 'mean';

export class BERT extends Module<[ids: Tensor, options?: BertCallOptions], Tensor> {
  readonly config: BertConfig;
  /** Token embedding [vocabSize, width]; also the MLM head's output matrix (tied). */
  wte: Parameter;
  wpe: Parameter;
  wse: Parameter;
  ln_emb: LayerNormalization;
  drop: Dropout;
  blocks: TransformerEncoderLayer[];
  /** The final LayerNorm of a pre-LN stack; null for post-LN (each block ends in one). */
  ln_f: LayerNormalization | null;
  /** MLM head: dense [width, width] (as [out, in]) + bias, GELU, LayerNorm, then wteᵀ + mlm_bias. */
  mlm_dense_weight: Parameter;
  mlm_dense_bias: Parameter;
  mlm_ln: LayerNormalization;
  mlm_bias: Parameter;

  constructor(config: Partial<BertConfig> & Pick<BertConfig, 'vocabSize' | 'context' | 'layers' | 'heads' | 'width'>) {
    super();
    const c = bertConfig('BERT', config);
    this.config = c;
    this.wte = new Parameter(normal([c.vocabSize, c.width], 0, 0.02));
    this.wpe = new Parameter(normal([c.context, c.width], 0, 0.02));
    this.wse = new Parameter(normal([c.segments, c.width], 0, 0.02));
    this.ln_emb = layerNorm(c.width);
    this.drop = new Dropout(c.dropout);
    this.blocks = Array.from(
      { length: c.layers },
      () =>
        new TransformerEncoderLayer({
          numHeads: c.heads,
          dModel: c.width,
          dimFeedforward: 4 * c.width,
          dropout: c.dropout,
          activation: 'gelu',
          normFirst: c.normFirst,
        }),
    );
    this.ln_f = c.normFirst ? layerNorm(c.width) : null;
    this.mlm_dense_weight = new Parameter(normal([c.width, c.width], 0, 0.02));
    this.mlm_dense_bias = new Parameter(zeros([c.width]));
    this.mlm_ln = layerNorm(c.width);
    this.mlm_bias = new Parameter(zeros([c.vocabSize]));
  }

  override get built(): boolean {
    return true;
  }

  override call(ids: Tensor, options?: BertCallOptions): Tensor {
    return super.call(ids, options);
  }

  /** int32 ids [batch, time] → hidden states [batch, time, width]. */
  forward(ids: Tensor, options: BertCallOptions = {}): Tensor {
    const fn = 'BERT';
    checkIds(fn, ids, 'ids');
    const o = checkOptions(fn, options, ['attentionMask', 'segments']) as BertCallOptions;
    const [batch, t] = ids.shape;
    if (t > this.config.context)
      throw new ShapeError(
        `${fn}: got a sequence of ${t} tokens; expected at most context=${this.config.context} (the longest sequence the model was made for)`,
      );
    for (const [name, m] of [
      ['attentionMask', o.attentionMask],
      ['segments', o.segments],
    ] as const) {
      if (m === undefined || m === null) continue;
      checkIds(fn, m, name);
      if (m.shape[0] !== batch || m.shape[1] !== t)
        throw new ShapeError(
          `${fn}: got ${name} of shape ${describe(m.shape)}; expected [${batch}, ${t}] like the ids`,
        );
    }
    let x = add(embedding(this.wte, ids), sliceAxis(this.wpe, 0, 0, t));
    x = add(x, o.segments ? embedding(this.wse, o.segments) : sliceAxis(this.wse, 0, 0, 1));
    x = this.drop.call(this.ln_emb.call(x));
    const keyPaddingMask = o.attentionMask ? eq(o.attentionMask, 0) : null;
    for (const block of this.blocks) x = block.call(x, { keyPaddingMask });
    return this.ln_f ? this.ln_f.call(x) : x;
  }

  /**
   * Hidden states [batch, time, width] → MLM logits [batch, time, vocabSize] (the head tied to wte).
   * With `positions` (int32 [M], flat indices row × time + t), only those positions are scored and
   * the logits are [M, vocabSize]: training needs the ~15 % masked ones, and the head's product
   * with the [vocab, width] matrix is the largest in a small BERT.
   */
  mlmLogits(hidden: Tensor, positions?: Tensor): Tensor {
    const [batch, t, d] = hidden.shape;
    let flat = reshape(hidden, [batch * t, d]);
    if (positions) flat = gather(flat, positions, 0);
    const rows = flat.shape[0];
    const dense = reshape(gelu(add(mm(flat, this.mlm_dense_weight, false, true), this.mlm_dense_bias)), [1, rows, d]);
    const h = reshape(this.mlm_ln.call(dense), [rows, d]);
    const logits = add(mm(h, this.wte, false, true), this.mlm_bias);
    return positions ? logits : reshape(logits, [batch, t, this.config.vocabSize]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...this.config };
  }

  protected override describeSelf(): string {
    const c = this.config;
    return `vocabSize=${c.vocabSize}, context=${c.context}, layers=${c.layers}, heads=${c.heads}, width=${c.width}${c.normFirst ? ', pre-LN' : ', post-LN'}`;
  }
}

function layerNorm(width: number): LayerNormalization {
  const ln = new LayerNormalization({ epsilon: 1e-12 });
  ln.build([null, null, width]);
  return ln;
}

function checkIds(fn: string, ids: Tensor, name: string): void {
  if (ids === null || typeof ids !== 'object' || !Array.isArray(ids.shape) || ids.rank !== 2)
    throw new ShapeError(`${fn}: got ${name} ${describe(ids?.shape ?? ids)}; expected int32 [batch, time] (a Tensor)`);
  if (ids.dtype !== 'int32') throw new DTypeError(`${fn}: got ${name} of dtype ${ids.dtype}; expected int32`);
}

/**
 * One vector per sequence from hidden states [batch, time, width]: the first ([CLS]) position, or
 * the mean over the positions where attentionMask is 1 (all positions without a mask).
 */
export function poolHidden(hidden: Tensor, pooling: BertPooling, attentionMask?: Tensor | null): Tensor {
  const [batch, t, d] = hidden.shape;
  if (pooling === 'cls') return reshape(sliceAxis(hidden, 1, 0, 1), [batch, d]);
  if (pooling !== 'mean')
    throw new ArgumentError(`poolHidden: got pooling=${describe(pooling)}; expected "cls" or "mean"`);
  const weights = attentionMask ? reshape(cast(attentionMask, 'float32'), [batch, t, 1]) : null;
  if (!weights) return div(sum(hidden, 1), t);
  return div(sum(mul(hidden, weights), 1), maximum(sum(weights, 1), 1));
}

/** A BERT encoder with a classification head over the pooled [CLS] position or the token mean. */
export class BertClassifier extends Module<[ids: Tensor, options?: BertCallOptions], Tensor> {
  bert: BERT;
  readonly pooling: BertPooling;
  readonly classes: number;
  drop: Dropout;
  /** [classes, width] (as [out, in]). */
  cls_weight: Parameter;
  cls_bias: Parameter;

  constructor(bert: BERT, options: { classes: number; pooling?: BertPooling }) {
    super();
    const fn = 'BertClassifier';
    const o = checkOptions(fn, options, ['classes', 'pooling'], "{ classes: 2, pooling: 'cls' }");
    const classes = o.classes as number;
    if (!Number.isInteger(classes) || classes < 2)
      throw new ArgumentError(`${fn}: got classes=${describe(classes)}; expected an integer >= 2`);
    const pooling = (o.pooling as BertPooling | undefined) ?? 'cls';
    if (pooling !== 'cls' && pooling !== 'mean')
      throw new ArgumentError(`${fn}: got pooling=${describe(pooling)}; expected "cls" or "mean"`);
    this.bert = bert;
    this.pooling = pooling;
    this.classes = classes;
    this.drop = new Dropout(bert.config.dropout);
    this.cls_weight = new Parameter(normal([classes, bert.config.width], 0, 0.02));
    this.cls_bias = new Parameter(zeros([classes]));
  }

  override get built(): boolean {
    return true;
  }

  override call(ids: Tensor, options?: BertCallOptions): Tensor {
    return super.call(ids, options);
  }

  /** int32 ids [batch, time] → class logits [batch, classes]. */
  forward(ids: Tensor, options: BertCallOptions = {}): Tensor {
    const pooled = this.drop.call(poolHidden(this.bert.call(ids, options), this.pooling, options.attentionMask));
    return add(mm(pooled, this.cls_weight, false, true), this.cls_bias);
  }
}
