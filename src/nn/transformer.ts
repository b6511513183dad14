/**
 * The Transformer family on batch-first sequences [batch, time, dModel], with PyTorch's semantics
 * and state-dict names (torch.nn.TransformerEncoderLayer / DecoderLayer / Encoder / Decoder /
 * Transformer with batch_first=True), so weights exchange with PyTorch unchanged:
 *
 *   TransformerEncoderLayer   self_attn (MultiHeadAttention), linear1 [dimFeedforward, dModel],
 *                             linear2 [dModel, dimFeedforward] (both [out, in], as torch.nn.Linear),
 *                             norm1, norm2 (LayerNormalization: weight, bias)
 *   TransformerDecoderLayer   self_attn, multihead_attn (cross-attention), linear1, linear2,
 *                             norm1, norm2, norm3
 *   TransformerEncoder        layers.0 … layers.{n-1}, norm (the final LayerNorm, when present)
 *   TransformerDecoder        layers.0 …, norm
 *   Transformer               encoder, decoder (both with their final norm, as torch's)
 *
 * `normFirst` chooses where the normalisation sits (PyTorch's norm_first):
 *   post-LN (false, the default, the original paper):  x = norm(x + sublayer(x))
 *   pre-LN  (true, GPT-2 and most recent models):      x = x + sublayer(norm(x))
 * where a sublayer is dropout(attention(…)) or dropout(feedForward(…)), and
 *   feedForward(x) = linear2(dropout(activation(linear1(x)))),  activation 'relu' or 'gelu'.
 *
 * Defaults are PyTorch's (dimFeedforward 2048, dropout 0.1, relu, layerNormEps 1e-5, post-LN)
 * with one exception: a decoder's self-attention is causal unless `causal: false` is given
 * (PyTorch applies no mask unless a tgt_mask is passed; forgetting it lets every position see the
 * answer). dModel is taken from the first input when not given, as Keras layers do.
 */
import { Tensor } from '../tensor/tensor.js';
import { gelu } from '../ops/activations.js';
import { add } from '../ops/elementwise.js';
import { requireFloat } from '../ops/util.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Dropout } from './dropout.js';
import { LayerNormalization } from './layernorm.js';
import { MultiHeadAttention, Projection, rateOption, type AttentionCallOptions } from './attention.js';
import { noGrad } from '../autograd/mode.js';
import type { AttentionCache } from './attention-cache.js';
import { registerLayer } from './registry.js';
import { booleanOption, checkLayerShape, checkOptions, positiveInt, type LayerShape } from './layer-util.js';
import { classNameOf } from '../util/class-names.js';

export type TransformerActivation = 'relu' | 'gelu';

/** Options shared by every member of the family. */
export interface TransformerLayerOptions {
  /** Attention heads; must divide dModel. */
  numHeads: number;
  /** Model width; taken from the first input's last axis when omitted. */
  dModel?: number;
  /** Width of the feed-forward block's hidden layer (default 2048, PyTorch's). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on attention weights (default 0.1). */
  dropout?: number;
  /** The feed-forward activation: 'relu' (default) or 'gelu' (exact). */
  activation?: TransformerActivation;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Pre-LN when true, post-LN when false (default false, PyTorch's norm_first). */
  normFirst?: boolean;
  /** Biases in the projections and the feed-forward layers (default true). */
  useBias?: boolean;
  /** Self-attention sees only earlier positions (default false for encoders, true for decoders). */
  causal?: boolean;
  /** One sample's shape [time, dModel]; builds the layer now. */
  inputShape?: readonly (number | null)[];
}

const LAYER_KEYS = [
  'numHeads',
  'dModel',
  'dimFeedforward',
  'dropout',
  'activation',
  'layerNormEps',
  'normFirst',
  'useBias',
  'causal',
  'inputShape',
] as const;

/** The checked options of one layer, with defaults filled in. */
interface Settings {
  numHeads: number;
  dModel: number | undefined;
  dimFeedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layerNormEps: number;
  normFirst: boolean;
  useBias: boolean;
  causal: boolean;
}

function settings(fn: string, o: Partial<TransformerLayerOptions>, causalDefault: boolean): Settings {
  const activation = o.activation ?? 'relu';
  if (activation !== 'relu' && activation !== 'gelu')
    throw new ArgumentError(`${fn}: got activation=${describe(o.activation)}; expected 'relu' or 'gelu'`);
  const layerNormEps = o.layerNormEps ?? 1e-5;
  if (typeof layerNormEps !== 'number' || !(layerNormEps > 0) || !Number.isFinite(layerNormEps))
    throw new ArgumentError(`${fn}: got layerNormEps=${describe(o.layerNormEps)}; expected a small positive number`);
  return {
    numHeads: positiveInt(fn, 'numHeads', o.numHeads),
    dModel: o.dModel === undefined ? undefined : positiveInt(fn, 'dModel', o.dModel),
    dimFeedforward: o.dimFeedforward === undefined ? 2048 : positiveInt(fn, 'dimFeedforward', o.dimFeedforward),
    dropout: rateOption(fn, 'dropout', o.dropout, 0.1),
    activation,
    layerNormEps,
    normFirst: booleanOption(fn, 'normFirst', o.normFirst, false),
    useBias: booleanOption(fn, 'useBias', o.useBias, true),
    causal: booleanOption(fn, 'causal', o.causal, causalDefault),
  };
}

/** The settings as a config (dModel only when it was given; the build shape carries it otherwise). */
function settingsConfig(s: Settings): Record<string, unknown> {
  const { dModel, ...rest } = s;
  return dModel === undefined ? rest : { ...rest, dModel };
}

/** [batch, time, d] → d, checked against the width the layer has (if any) and against numHeads. */
function widthOf(fn: string, inputShape: LayerShape, numHeads: number, built: number | null, what = 'input'): number {
  const shape = checkLayerShape(fn, inputShape, `${what} shape`);
  const d = shape[2];
  if (shape.length !== 3 || d === null || d <= 0 || (built !== null && d !== built)) {
    const width = built === null ? 'dModel' : String(built);
    throw new ShapeError(`${fn}: got ${what} shape ${describe(inputShape)}; expected [batch, time, ${width}]`);
  }
  if (d % numHeads !== 0)
    throw new ShapeError(
      `${fn}: got dModel ${d} with numHeads=${numHeads}; expected dModel to be a multiple of numHeads`,
    );
  return d;
}

function checkSequence(fn: string, x: unknown, what: string, numHeads: number, built: number | null): Tensor {
  if (!(x instanceof Tensor))
    throw new ArgumentError(`${fn}: got ${what} ${describe(x)}; expected a Tensor [batch, time, dModel]`);
  requireFloat(fn, x, what);
  widthOf(fn, x.shape, numHeads, built, what);
  return x;
}

/** What the layers of the family have in common: the settings, the feed-forward block, the norms. */
abstract class TransformerBlock<In extends unknown[]> extends Module<In, Tensor> {
  readonly settings: Settings;

  constructor(settings: Settings) {
    super();
    this.settings = settings;
  }

  protected abstract get linear(): [Projection | null, Projection | null];

  /** Build the attention blocks and norms for `inputShape` and create linear1 and linear2 for width d. */
  protected abstract buildParts(inputShape: LayerShape, d: number): void;

  /** For the constructors: keep `inputShape`, and build now when dModel or inputShape says the width. */
  protected buildIfSized(inputShape: unknown): void {
    this.setInputShape(inputShape);
    if (this.settings.dModel !== undefined) this.build([null, null, this.settings.dModel]);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  /** Create the weights for inputs of shape [batch, time, dModel]. */
  override build(inputShape: LayerShape): void {
    const d = widthOf(`${classNameOf(this)}.build`, inputShape, this.settings.numHeads, this.dModel);
    if (this.built) return;
    this.rememberBuildShape(inputShape);
    this.buildParts(inputShape, d);
  }

  override get built(): boolean {
    return this.linear[0] !== null;
  }

  get dModel(): number | null {
    return this.linear[0] ? this.linear[0].weight.shape[1] : null;
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    widthOf(`${classNameOf(this)}.computeOutputShape`, inputShape, this.settings.numHeads, this.dModel);
    return [...inputShape];
  }

  /** linear2(dropout(activation(linear1(x)))), then the sublayer's dropout. */
  protected feedForward(x: Tensor, dropout: Dropout, after: Dropout): Tensor {
    const [linear1, linear2] = this.linear;
    const hidden = this.settings.activation === 'relu' ? linear1!.call(x, 'relu') : gelu(linear1!.call(x, 'linear'));
    return after.call(linear2!.call(dropout.call(hidden)));
  }

  /** One residual sublayer, pre-LN (x + f(norm(x))) or post-LN (norm(x + f(x))). */
  protected residual(x: Tensor, norm: LayerNormalization, f: (y: Tensor) => Tensor): Tensor {
    return this.settings.normFirst ? add(x, f(norm.call(x))) : norm.call(add(x, f(x)));
  }

  protected projections(d: number): [Projection, Projection] {
    const { dimFeedforward, useBias } = this.settings;
    return [new Projection(d, dimFeedforward, useBias), new Projection(dimFeedforward, d, useBias)];
  }

  protected attention(): MultiHeadAttention {
    const { numHeads, dropout, useBias } = this.settings;
    return new MultiHeadAttention({ numHeads, dropout, useBias });
  }

  protected norm(): LayerNormalization {
    return new LayerNormalization({ epsilon: this.settings.layerNormEps });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...settingsConfig(this.settings) };
  }

  protected override describeSelf(): string {
    const s = this.settings;
    const parts = [`numHeads=${s.numHeads}`, `dimFeedforward=${s.dimFeedforward}`, `dropout=${s.dropout}`];
    if (this.dModel !== null) parts.unshift(`dModel=${this.dModel}`);
    if (s.activation !== 'relu') parts.push(`activation=${s.activation}`);
    parts.push(s.normFirst ? 'pre-LN' : 'post-LN');
    if (s.causal) parts.push('causal');
    return parts.join(', ');
  }
}

/** Self-attention and a feed-forward block, each in a residual sublayer. */
export class TransformerEncoderLayer extends TransformerBlock<[Tensor]> {
  self_attn: MultiHeadAttention;
  linear1: Projection | null = null;
  dropout: Dropout;
  linear2: Projection | null = null;
  norm1: LayerNormalization;
  norm2: LayerNormalization;
  dropout1: Dropout;
  dropout2: Dropout;

  constructor(options: TransformerLayerOptions) {
    const fn = 'TransformerEncoderLayer';
    const o = checkOptions(fn, options, LAYER_KEYS, '{ numHeads: 4, dimFeedforward: 64 }');
    super(settings(fn, o as Partial<TransformerLayerOptions>, false));
    this.self_attn = this.attention();
    this.dropout = new Dropout(this.settings.dropout);
    this.norm1 = this.norm();
    this.norm2 = this.norm();
    this.dropout1 = new Dropout(this.settings.dropout);
    this.dropout2 = new Dropout(this.settings.dropout);
    this.buildIfSized(o.inputShape);
  }

  protected get linear(): [Projection | null, Projection | null] {
    return [this.linear1, this.linear2];
  }

  protected buildParts(inputShape: LayerShape, d: number): void {
    for (const m of [this.self_attn, this.norm1, this.norm2]) m.build(inputShape);
    [this.linear1, this.linear2] = this.projections(d);
  }

  /**
   * src [batch, time, dModel] → the same shape. Options: `keyPaddingMask` [batch, time] (nonzero
   * at padding), `attentionMask` [time, time] or [batch, time, time], `causal` (overrides the layer's).
   */
  override call(src: Tensor, options?: AttentionCallOptions): Tensor {
    return super.call(...([src, options] as unknown as [Tensor]));
  }

  forward(src: Tensor, options: AttentionCallOptions = {}): Tensor {
    const fn = 'TransformerEncoderLayer';
    checkSequence(fn, src, 'src', this.settings.numHeads, this.dModel);
    if (!this.linear1) this.build(src.shape);
    const o = checkOptions(fn, options, ['keyPaddingMask', 'attentionMask', 'causal']) as AttentionCallOptions;
    const attend = { ...o, causal: o.causal ?? this.settings.causal };
    let x = this.residual(src, this.norm1, (y) => this.dropout1.call(this.self_attn.call(y, y, y, attend)));
    x = this.residual(x, this.norm2, (y) => this.feedForward(y, this.dropout, this.dropout2));
    return x;
  }

  /**
   * The layer on `src` [batch, t, dModel], the t positions after those in `cache`, with causal
   * self-attention over the cached ones and itself (MultiHeadAttention.step): the last t positions
   * of `call` on the whole sequence with causal: true. For incremental decoding: inference only,
   * run under noGrad.
   */
  step(src: Tensor, cache: AttentionCache): Tensor {
    checkSequence('TransformerEncoderLayer.step', src, 'src', this.settings.numHeads, this.dModel);
    if (!this.linear1) this.build(src.shape);
    return noGrad(() => {
      const x = this.residual(src, this.norm1, (y) => this.dropout1.call(this.self_attn.step(y, cache)));
      return this.residual(x, this.norm2, (y) => this.feedForward(y, this.dropout, this.dropout2));
    });
  }
}

/** Masks for a decoder layer: its own (target) sequence's and the encoder output's (memory). */
export interface DecoderCallOptions {
  /** [batch, tgtTime], nonzero at padded target positions. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [batch, srcTime], nonzero at padded memory positions. */
  memoryKeyPaddingMask?: Tensor | null;
  /** [tgtTime, tgtTime] or [batch, tgtTime, tgtTime], nonzero where self-attention may not look. */
  tgtAttentionMask?: Tensor | null;
  /** [tgtTime, srcTime] or [batch, tgtTime, srcTime], nonzero where cross-attention may not look. */
  memoryAttentionMask?: Tensor | null;
  /** Override the layer's causal setting for the self-attention. */
  causal?: boolean;
}

const DECODER_CALL_KEYS = [
  'tgtKeyPaddingMask',
  'memoryKeyPaddingMask',
  'tgtAttentionMask',
  'memoryAttentionMask',
  'causal',
] as const;

/** Masked self-attention, cross-attention to the encoder's output, and a feed-forward block. */
export class TransformerDecoderLayer extends TransformerBlock<
  [tgt: Tensor, memory: Tensor, options?: DecoderCallOptions]
> {
  self_attn: MultiHeadAttention;
  multihead_attn: MultiHeadAttention;
  linear1: Projection | null = null;
  dropout: Dropout;
  linear2: Projection | null = null;
  norm1: LayerNormalization;
  norm2: LayerNormalization;
  norm3: LayerNormalization;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;

  constructor(options: TransformerLayerOptions) {
    const fn = 'TransformerDecoderLayer';
    const o = checkOptions(fn, options, LAYER_KEYS, '{ numHeads: 4, dimFeedforward: 64 }');
    super(settings(fn, o as Partial<TransformerLayerOptions>, true));
    this.self_attn = this.attention();
    this.multihead_attn = this.attention();
    this.dropout = new Dropout(this.settings.dropout);
    this.norm1 = this.norm();
    this.norm2 = this.norm();
    this.norm3 = this.norm();
    this.dropout1 = new Dropout(this.settings.dropout);
    this.dropout2 = new Dropout(this.settings.dropout);
    this.dropout3 = new Dropout(this.settings.dropout);
    this.buildIfSized(o.inputShape);
  }

  protected get linear(): [Projection | null, Projection | null] {
    return [this.linear1, this.linear2];
  }

  /** Built for targets [batch, time, dModel]; the memory has the same width. */
  protected buildParts(inputShape: LayerShape, d: number): void {
    for (const m of [this.self_attn, this.multihead_attn, this.norm1, this.norm2, this.norm3]) m.build(inputShape);
    [this.linear1, this.linear2] = this.projections(d);
  }

  /** tgt [batch, tgtTime, dModel] attending to memory [batch, srcTime, dModel] → [batch, tgtTime, dModel]. */
  forward(tgt: Tensor, memory: Tensor, options: DecoderCallOptions = {}): Tensor {
    const fn = 'TransformerDecoderLayer';
    const { numHeads } = this.settings;
    checkSequence(fn, tgt, 'tgt', numHeads, this.dModel);
    checkSequence(fn, memory, 'memory', numHeads, tgt.shape[2]);
    if (memory.shape[0] !== tgt.shape[0]) {
      throw new ShapeError(
        `${fn}: got tgt ${describe(tgt.shape)} and memory ${describe(memory.shape)}; expected the same batch size`,
      );
    }
    if (!this.linear1) this.build(tgt.shape);
    const o = checkOptions(fn, options, DECODER_CALL_KEYS) as DecoderCallOptions;
    const own: AttentionCallOptions = {
      keyPaddingMask: o.tgtKeyPaddingMask,
      attentionMask: o.tgtAttentionMask,
      causal: o.causal ?? this.settings.causal,
    };
    const cross: AttentionCallOptions = {
      keyPaddingMask: o.memoryKeyPaddingMask,
      attentionMask: o.memoryAttentionMask,
      causal: false,
    };
    let x = this.residual(tgt, this.norm1, (y) => this.dropout1.call(this.self_attn.call(y, y, y, own)));
    x = this.residual(x, this.norm2, (y) => this.dropout2.call(this.multihead_attn.call(y, memory, memory, cross)));
    x = this.residual(x, this.norm3, (y) => this.feedForward(y, this.dropout, this.dropout3));
    return x;
  }
}

export interface TransformerStackOptions extends TransformerLayerOptions {
  /** Number of layers. */
  numLayers: number;
  /** A LayerNorm after the last layer (default: normFirst — pre-LN stacks need it, post-LN ones end in one). */
  finalNorm?: boolean;
}

const STACK_KEYS = [...LAYER_KEYS, 'numLayers', 'finalNorm'] as const;

/** Stack options → one layer's options, the number of layers, and whether a final norm follows. */
function stackParts(
  fn: string,
  options: TransformerStackOptions,
): { layer: TransformerLayerOptions; numLayers: number; finalNorm: boolean } {
  const {
    numLayers,
    finalNorm,
    inputShape: _,
    ...layer
  } = checkOptions(fn, options, STACK_KEYS, '{ numLayers: 2, numHeads: 4 }') as Partial<TransformerStackOptions>;
  return {
    layer: layer as TransformerLayerOptions,
    numLayers: positiveInt(fn, 'numLayers', numLayers),
    finalNorm: booleanOption(fn, 'finalNorm', finalNorm, layer.normFirst ?? false),
  };
}

/** Layers applied in turn, then an optional final LayerNorm: what the two stacks share. */
abstract class TransformerStack<
  L extends TransformerEncoderLayer | TransformerDecoderLayer,
  In extends unknown[],
> extends Module<In, Tensor> {
  layers: L[];
  norm: LayerNormalization | null;
  readonly #inputShapeOption: readonly (number | null)[] | undefined;

  constructor(fn: string, options: TransformerStackOptions, makeLayer: (o: TransformerLayerOptions) => L) {
    super();
    const { layer, numLayers, finalNorm } = stackParts(fn, options);
    this.layers = Array.from({ length: numLayers }, () => makeLayer(layer));
    const { layerNormEps, dModel } = this.layers[0].settings;
    this.norm = finalNorm ? new LayerNormalization({ epsilon: layerNormEps }) : null;
    this.#inputShapeOption = options.inputShape;
    this.setInputShape(options.inputShape);
    if (dModel !== undefined) this.build([null, null, dModel]);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.layers[0].built;
  }

  /** Build every layer (and the final norm) for inputs of `inputShape` [batch, time, dModel]. */
  override build(inputShape: LayerShape): void {
    for (const layer of this.layers) layer.build(inputShape);
    this.norm?.build(inputShape);
    this.rememberBuildShape(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    return this.layers[0].computeOutputShape(inputShape);
  }

  protected finish(x: Tensor): Tensor {
    return this.norm ? this.norm.call(x) : x;
  }

  /** One layer's config, the number of layers and whether the final norm is there. */
  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {
      ...this.layers[0].getConfig(),
      numLayers: this.layers.length,
      finalNorm: this.norm !== null,
    };
    delete config.inputShape;
    if (this.#inputShapeOption) config.inputShape = [...this.#inputShapeOption];
    return config;
  }
}

/** `numLayers` encoder layers, then an optional final LayerNorm (a one-tensor Module, for a Sequential). */
export class TransformerEncoder extends TransformerStack<TransformerEncoderLayer, [Tensor]> {
  constructor(options: TransformerStackOptions) {
    super('TransformerEncoder', options, (o) => new TransformerEncoderLayer(o));
  }

  /** src [batch, time, dModel] → the same shape; the options as TransformerEncoderLayer's. */
  override call(src: Tensor, options?: AttentionCallOptions): Tensor {
    return super.call(...([src, options] as unknown as [Tensor]));
  }

  forward(src: Tensor, options: AttentionCallOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers) x = layer.call(x, options);
    return this.finish(x);
  }
}

/** `numLayers` decoder layers, then an optional final LayerNorm. */
export class TransformerDecoder extends TransformerStack<
  TransformerDecoderLayer,
  [tgt: Tensor, memory: Tensor, options?: DecoderCallOptions]
> {
  constructor(options: TransformerStackOptions) {
    super('TransformerDecoder', options, (o) => new TransformerDecoderLayer(o));
  }

  forward(tgt: Tensor, memory: Tensor, options: DecoderCallOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.call(x, memory, options);
    return this.finish(x);
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  /** Encoder layers (default 6, PyTorch's). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
}

/** Masks for a whole encoder–decoder pass. */
export interface TransformerCallOptions {
  /** [batch, srcTime], nonzero at padded source positions. */
  srcKeyPaddingMask?: Tensor | null;
  /** [batch, tgtTime], nonzero at padded target positions. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [batch, srcTime] for the cross-attention; defaults to srcKeyPaddingMask (the memory is the encoded source). */
  memoryKeyPaddingMask?: Tensor | null;
  /** [srcTime, srcTime] or [batch, srcTime, srcTime], nonzero where the encoder may not look. */
  srcAttentionMask?: Tensor | null;
  /** [tgtTime, tgtTime] or [batch, …], nonzero where the decoder's self-attention may not look. */
  tgtAttentionMask?: Tensor | null;
  /** [tgtTime, srcTime] or [batch, …], nonzero where the cross-attention may not look. */
  memoryAttentionMask?: Tensor | null;
  /** Override the decoder's causal setting (default true). */
  causal?: boolean;
}

const TRANSFORMER_KEYS = [...LAYER_KEYS, 'numEncoderLayers', 'numDecoderLayers'] as const;
const TRANSFORMER_CALL_KEYS = [
  'srcKeyPaddingMask',
  'tgtKeyPaddingMask',
  'memoryKeyPaddingMask',
  'srcAttentionMask',
  'tgtAttentionMask',
  'memoryAttentionMask',
  'causal',
] as const;

/**
 * The encoder–decoder Transformer (PyTorch's nn.Transformer, batch first): `call(src, tgt)` →
 * decoder output [batch, tgtTime, dModel]. Both stacks end in a LayerNorm, pre-LN or post-LN.
 * `encode` and `decode` run the halves apart (encode once, decode step by step).
 */
export class Transformer extends Module<[src: Tensor, tgt: Tensor, options?: TransformerCallOptions], Tensor> {
  encoder: TransformerEncoder;
  decoder: TransformerDecoder;
  readonly #options: TransformerOptions;

  constructor(options: TransformerOptions) {
    super();
    const fn = 'Transformer';
    const o = checkOptions(fn, options, TRANSFORMER_KEYS, '{ numHeads: 4, dModel: 32 }') as Partial<TransformerOptions>;
    const { numEncoderLayers, numDecoderLayers, causal, inputShape, ...layer } = o;
    const numLayers = (name: string, n: number | undefined): number => (n === undefined ? 6 : positiveInt(fn, name, n));
    const common = { ...layer, finalNorm: true } as TransformerStackOptions;
    this.encoder = new TransformerEncoder({ ...common, numLayers: numLayers('numEncoderLayers', numEncoderLayers) });
    this.decoder = new TransformerDecoder({
      ...common,
      numLayers: numLayers('numDecoderLayers', numDecoderLayers),
      ...(causal === undefined ? {} : { causal }),
    });
    this.#options = { ...options };
    this.setInputShape(inputShape);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.encoder.layers[0].built;
  }

  /** Build both stacks from the source shape [batch, srcTime, dModel] (the target has the same width). */
  override build(inputShape: LayerShape): void {
    this.rememberBuildShape(inputShape);
    this.encoder.build(inputShape);
    this.decoder.build(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    return this.encoder.computeOutputShape(inputShape);
  }

  /** src [batch, srcTime, dModel] → memory [batch, srcTime, dModel]. */
  encode(src: Tensor, options: AttentionCallOptions = {}): Tensor {
    return this.encoder.call(src, options);
  }

  /** tgt [batch, tgtTime, dModel] attending to memory → [batch, tgtTime, dModel]. */
  decode(tgt: Tensor, memory: Tensor, options: DecoderCallOptions = {}): Tensor {
    return this.decoder.call(tgt, memory, options);
  }

  forward(src: Tensor, tgt: Tensor, options: TransformerCallOptions = {}): Tensor {
    const o = checkOptions('Transformer', options, TRANSFORMER_CALL_KEYS) as TransformerCallOptions;
    const memory = this.encode(src, { keyPaddingMask: o.srcKeyPaddingMask, attentionMask: o.srcAttentionMask });
    return this.decode(tgt, memory, {
      tgtKeyPaddingMask: o.tgtKeyPaddingMask,
      memoryKeyPaddingMask: o.memoryKeyPaddingMask === undefined ? o.srcKeyPaddingMask : o.memoryKeyPaddingMask,
      tgtAttentionMask: o.tgtAttentionMask,
      memoryAttentionMask: o.memoryAttentionMask,
      causal: o.causal,
    });
  }

  override getConfig(): Record<string, unknown> {
    const config = { ...this.decoder.getConfig() };
    delete config.numLayers;
    delete config.finalNorm;
    config.numEncoderLayers = this.encoder.layers.length;
    config.numDecoderLayers = this.decoder.layers.length;
    if (this.#options.inputShape) config.inputShape = [...this.#options.inputShape];
    return config;
  }

  protected override describeSelf(): string {
    return `numEncoderLayers=${this.encoder.layers.length}, numDecoderLayers=${this.decoder.layers.length}`;
  }
}

registerLayer('TransformerEncoderLayer', (c) => new TransformerEncoderLayer(c as unknown as TransformerLayerOptions), {
  layerClass: TransformerEncoderLayer,
});
registerLayer('TransformerDecoderLayer', (c) => new TransformerDecoderLayer(c as unknown as TransformerLayerOptions), {
  layerClass: TransformerDecoderLayer,
});
registerLayer('TransformerEncoder', (c) => new TransformerEncoder(c as unknown as TransformerStackOptions), {
  layerClass: TransformerEncoder,
});
registerLayer('TransformerDecoder', (c) => new TransformerDecoder(c as unknown as TransformerStackOptions), {
  layerClass: TransformerDecoder,
});
registerLayer('Transformer', (c) => new Transformer(c as unknown as TransformerOptions), { layerClass: Transformer });
