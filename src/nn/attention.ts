/**
 * MultiHeadAttention: self-attention (`call(x)`) and cross-attention (`call(query, keyValue)` or
 * `call(query, key, value)`) on batch-first sequences,
 *   query [batch, tq, dModel], key and value [batch, tk, dModel] → [batch, tq, dModel].
 * Each of `numHeads` heads attends with its own dModel/numHeads-wide slice of the projections
 * (see ops/attention.ts for the attention itself: batched products, masks through −∞, the fused
 * softmax). `attend` also returns the per-head attention weights [batch, heads, tq, tk].
 *
 * Weight layout — the same names, shapes and order as torch.nn.MultiheadAttention (with
 * batch_first=True and kdim = vdim = embed_dim), so a state dict exchanges with PyTorch's as is:
 *   in_proj_weight   [3·dModel, dModel]  rows 0..d-1 project the query, d..2d-1 the key,
 *                                         2d..3d-1 the value; each row is an output feature
 *                                         (torch's Linear layout [out, in]: q = x·Wqᵀ + bq)
 *   in_proj_bias     [3·dModel]          in the same order (absent when useBias is false)
 *   out_proj.weight  [dModel, dModel]    [out, in], applied to the heads concatenated in order
 *   out_proj.bias    [dModel]
 * Note that this is the transpose of `Dense`'s Keras layout ([in, out]).
 *
 * Masks (Tensors; tessera has no boolean dtype, so an int32 0/1 tensor stands for PyTorch's bool
 * one): `keyPaddingMask` [batch, tk] is nonzero (true/1) at padded keys, as PyTorch's
 * key_padding_mask (an additive float mask with −∞ at padded keys reads the same; a mask's values
 * are read as blocked or not, never added to the scores); `attentionMask`
 * [tq, tk] or [batch, tq, tk] is nonzero where a query may not look (PyTorch's boolean
 * attn_mask); `causal` lets query i see keys j <= i only. A query that may see no key at all gets
 * zero weights (and outputs out_proj.bias) where PyTorch gives NaN.
 */
import { Tensor } from '../tensor/tensor.js';
import { emptyTensor, glorotUniform, zeros } from '../tensor/creation.js';
import { add, ne } from '../ops/elementwise.js';
import { biasActivationOverProduct } from '../ops/fused.js';
import { mm } from '../ops/matmul.js';
import { permute, reshape, sliceAxis } from '../ops/movement.js';
import { scaledDotProductAttention, type AttentionResult } from '../ops/attention.js';
import { cachedAttention, writeHeads } from '../ops/kv-cache.js';
import { requireFloat } from '../ops/util.js';
import type { FusedActivation } from '../backend/types.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { noGrad } from '../autograd/mode.js';
import { registerLayer } from './registry.js';
import { AttentionCache } from './attention-cache.js';
import { booleanOption, checkLayerShape, checkOptions, positiveInt, type LayerShape } from './layer-util.js';
import { nameClass } from '../util/class-names.js';

/**
 * A linear map stored as torch.nn.Linear stores it — weight [out, in], bias [out] — so the
 * Transformer family's state dicts are PyTorch's. Internal to those layers (Dense is the public
 * linear layer, in Keras's [in, out] layout); x [..., in] → activation(x·Wᵀ + b) [..., out].
 */
export class Projection extends Module<[x: Tensor, activation?: FusedActivation]> {
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, useBias = true) {
    super();
    this.weight = new Parameter(glorotUniform([outFeatures, inFeatures]));
    this.bias = useBias ? new Parameter(zeros([outFeatures])) : null;
  }

  forward(x: Tensor, activation: FusedActivation = 'linear'): Tensor {
    return linearLastAxis(x, this.weight, this.bias, activation);
  }

  protected override describeSelf(): string {
    return `inFeatures=${this.weight.shape[1]}, outFeatures=${this.weight.shape[0]}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * activation(x·Wᵀ + b) over the last axis of x, W in [out, in] layout: one GEMM with a transpose
 * flag, its bias and activation written over the product (a temporary of this function's own that
 * no backward reads), which saves an array and a pass of fresh memory per projection.
 */
function linearLastAxis(x: Tensor, weight: Tensor, bias: Tensor | null, activation: FusedActivation): Tensor {
  const [out, inFeatures] = weight.shape;
  const rows = reshape(x, [x.size / inFeatures, inFeatures]);
  // The bias goes over the product's own storage: no second array per projection.
  return reshape(biasActivationOverProduct(mm(rows, weight, false, true), bias, activation), [
    ...x.shape.slice(0, -1),
    out,
  ]);
}

export interface MultiHeadAttentionOptions {
  /** Number of heads; must divide dModel. */
  numHeads: number;
  /** Width of queries, keys, values and output (torch's embed_dim); taken from the first query when omitted. */
  dModel?: number;
  /** Dropout on the attention weights in training (torch's dropout; default 0). */
  dropout?: number;
  /** Biases on the projections (torch's bias; default true). */
  useBias?: boolean;
  /** Apply the causal mask on every call unless a call says otherwise (default false). */
  causal?: boolean;
  /** One sample's query shape [time, dModel] (no batch axis); builds the layer now. */
  inputShape?: readonly (number | null)[];
}

/** Per-call masks (see the file's comment for their meaning). */
export interface AttentionCallOptions {
  /** [batch, tk], nonzero (true/1) at padded keys. */
  keyPaddingMask?: Tensor | null;
  /** [tq, tk] or [batch, tq, tk], nonzero where a query may not look. */
  attentionMask?: Tensor | null;
  /** Override the layer's `causal` option for this call. */
  causal?: boolean;
}

const MHA_KEYS = ['numHeads', 'dModel', 'dropout', 'useBias', 'causal', 'inputShape'] as const;

/**
 * A Module of one tensor (so it fits a `Sequential` as self-attention) whose `call` and `forward`
 * also take the key, the value and the masks.
 */
export class MultiHeadAttention extends Module {
  /** [3·dModel, dModel]: the query, key and value projections stacked, [out, in]; null until built. */
  in_proj_weight: Parameter | null = null;
  /** [3·dModel]; null until built or when useBias is false. */
  in_proj_bias: Parameter | null = null;
  /** The output projection, weight [dModel, dModel] ([out, in]) and bias [dModel]; null until built. */
  out_proj: Projection | null = null;
  readonly numHeads: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly causal: boolean;
  readonly #dModelOption: number | undefined;

  constructor(options: MultiHeadAttentionOptions) {
    super();
    const fn = 'MultiHeadAttention';
    const o = checkOptions(fn, options, MHA_KEYS, '{ numHeads: 4 }') as Partial<MultiHeadAttentionOptions>;
    this.numHeads = positiveInt(fn, 'numHeads', o.numHeads);
    this.dropout = rateOption(fn, 'dropout', o.dropout, 0);
    this.useBias = booleanOption(fn, 'useBias', o.useBias, true);
    this.causal = booleanOption(fn, 'causal', o.causal, false);
    this.#dModelOption = o.dModel === undefined ? undefined : positiveInt(fn, 'dModel', o.dModel);
    this.setInputShape(o.inputShape);
    if (this.#dModelOption !== undefined) this.build([null, null, this.#dModelOption]);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.in_proj_weight !== null;
  }

  /** The model width, once known. */
  get dModel(): number | null {
    return this.in_proj_weight ? this.in_proj_weight.shape[1] : null;
  }

  /** Width of one head: dModel / numHeads, once known. */
  get headSize(): number | null {
    const d = this.dModel;
    return d === null ? null : d / this.numHeads;
  }

  /** Create the projections for queries of shape [batch, time, dModel]. */
  override build(inputShape: LayerShape): void {
    const fn = 'MultiHeadAttention.build';
    const d = this.#widthOf(fn, inputShape);
    if (this.in_proj_weight) return;
    if (d % this.numHeads !== 0) {
      throw new ShapeError(
        `${fn}: got dModel ${d} with numHeads=${this.numHeads}; expected dModel to be a multiple of numHeads (each head takes dModel / numHeads features)`,
      );
    }
    this.rememberBuildShape(inputShape);
    this.in_proj_weight = new Parameter(glorotUniform([3 * d, d]));
    if (this.useBias) this.in_proj_bias = new Parameter(zeros([3 * d]));
    this.out_proj = new Projection(d, d, this.useBias);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    this.#widthOf('MultiHeadAttention.computeOutputShape', inputShape);
    return [...inputShape];
  }

  #widthOf(fn: string, inputShape: LayerShape): number {
    const shape = checkLayerShape(fn, inputShape);
    const d = shape[2];
    if (shape.length !== 3 || d === null || d <= 0) {
      throw new ShapeError(
        `${fn}: got query shape ${describe(inputShape)}; expected [batch, time, dModel] with a known, positive dModel`,
      );
    }
    if (this.dModel !== null && d !== this.dModel) {
      throw new ShapeError(
        `${fn}: got query shape ${describe(inputShape)}; expected [batch, time, ${this.dModel}] (the layer was built for dModel ${this.dModel})`,
      );
    }
    return d;
  }

  /** Run forward and the forward hooks; `key` defaults to the query and `value` to the key. */
  override call(query: Tensor, key?: Tensor | null, value?: Tensor | null, options?: AttentionCallOptions): Tensor {
    return super.call(...([query, key, value, options] as unknown as [Tensor]));
  }

  forward(query: Tensor, key?: Tensor | null, value?: Tensor | null, options: AttentionCallOptions = {}): Tensor {
    return this.attend(query, key, value, options).output;
  }

  /**
   * The attention output [batch, tq, dModel] and the per-head weights [batch, numHeads, tq, tk]
   * (softmax over the keys, before dropout). `key` defaults to the query (self-attention) and
   * `value` to the key.
   */
  attend(
    query: Tensor,
    key?: Tensor | null,
    value?: Tensor | null,
    options: AttentionCallOptions = {},
  ): AttentionResult {
    const fn = 'MultiHeadAttention';
    const o = checkOptions(fn, options, ['keyPaddingMask', 'attentionMask', 'causal']) as AttentionCallOptions;
    const k = key ?? query;
    const v = value ?? k;
    for (const [what, t] of [
      ['query', query],
      ['key', k],
      ['value', v],
    ] as const) {
      if (!(t instanceof Tensor)) throw new ArgumentError(`${fn}: got ${what} ${describe(t)}; expected a Tensor`);
      requireFloat(fn, t, what);
    }
    if (!this.in_proj_weight) this.build(query.shape);
    const d = this.#widthOf(fn, query.shape);
    const [batch, tq] = query.shape;
    const tk = k.shape[1];
    for (const [what, t] of [
      ['key', k],
      ['value', v],
    ] as const) {
      if (t.rank !== 3 || t.shape[0] !== batch || t.shape[1] !== tk || t.shape[2] !== d) {
        throw new ShapeError(
          `${fn}: got query ${describe(query.shape)}, key ${describe(k.shape)} and value ${describe(v.shape)}; expected the ${what} to be [${batch}, tk, ${d}] (the query's batch and width) with key and value of the same length`,
        );
      }
    }
    const mask = this.#mask(fn, o, batch, tq, tk);
    const [q, kh, vh] = this.#project(query, k, v);
    const attention = scaledDotProductAttention(q, kh, vh, {
      mask,
      causal: o.causal ?? this.causal,
      dropout: this.training ? this.dropout : 0,
    });
    return { output: this.out_proj!.call(this.#merge(attention.output)), weights: attention.weights };
  }

  /** A cache for `step`, for sequences of up to `capacity` positions. */
  createCache(capacity: number): AttentionCache {
    return new AttentionCache(capacity);
  }

  /**
   * Causal self-attention of `query` [batch, t, dModel] — the t positions after the
   * `cache.length` already in `cache` — over those and itself, for incremental decoding: the
   * result equals the last t positions of `call(sequence, null, null, { causal: true })` on the
   * whole sequence, at the cost of the new positions only. Their keys and values are written into
   * the cache, and its length advances by t. Inference only: no masks, no attention dropout, and
   * no gradient (it runs under noGrad: the cache is written in place, outside the graph).
   */
  step(query: Tensor, cache: AttentionCache): Tensor {
    return noGrad(() => this.#step(query, cache));
  }

  #step(query: Tensor, cache: AttentionCache): Tensor {
    const fn = 'MultiHeadAttention.step';
    if (!(query instanceof Tensor)) throw new ArgumentError(`${fn}: got query ${describe(query)}; expected a Tensor`);
    requireFloat(fn, query, 'query');
    if (!(cache instanceof AttentionCache))
      throw new ArgumentError(`${fn}: got cache ${describe(cache)}; expected an AttentionCache (layer.createCache(n))`);
    if (!this.in_proj_weight) this.build(query.shape);
    const d = this.#widthOf(fn, query.shape);
    const t = query.shape[1];
    const heads = this.numHeads;
    cache.reserve(fn, query, heads, d / heads, t);
    const qkv = linearLastAxis(query, this.in_proj_weight!, this.in_proj_bias, 'linear');
    const position = cache.length;
    writeHeads(cache.keys!, qkv, 1, position);
    writeHeads(cache.values!, qkv, 2, position);
    cache.length = position + t;
    // The queries split into heads straight from the projection: one copy (not a slice and a
    // transpose), into the cache's own buffer for a single token.
    const q = writeHeads(
      t === 1 ? cache.query! : emptyTensor([query.shape[0], heads, t, d / heads], 'float32', query.backend, false),
      qkv,
      0,
      0,
    );
    const out = cachedAttention(q, cache.keys!, cache.values!, cache.length);
    return this.out_proj!.call(this.#merge(out));
  }

  /** [batch, heads, time, headSize] → [batch, time, heads·headSize], heads concatenated in order. */
  #merge(x: Tensor): Tensor {
    const [batch, heads, time, headSize] = x.shape;
    return reshape(permute(x, [0, 2, 1, 3]), [batch, time, heads * headSize]);
  }

  /** The query, key and value projected and split into heads, each [batch, heads, time, headSize]. */
  #project(query: Tensor, key: Tensor, value: Tensor): [Tensor, Tensor, Tensor] {
    const w = this.in_proj_weight!;
    const b = this.in_proj_bias;
    const d = w.shape[1];
    // Rows from·d .. to·d of the stacked weight: 0 the query's, 1 the key's, 2 the value's.
    const project = (x: Tensor, from: number, to: number): Tensor =>
      linearLastAxis(x, sliceAxis(w, 0, from * d, to * d), b ? sliceAxis(b, 0, from * d, to * d) : null, 'linear');
    if (key === query && value === query) {
      // Self-attention: a GEMM per projection against its rows of the stacked weight. One GEMM
      // against all of it would then slice its output three ways, and backward pad three
      // gradients to its full width and add them: more passes over memory than the GEMMs save.
      return [0, 1, 2].map((i) => this.#heads(project(query, i, i + 1))) as [Tensor, Tensor, Tensor];
    }
    const q = this.#heads(project(query, 0, 1));
    if (value === key) {
      const kv = project(key, 1, 3);
      return [q, this.#heads(sliceAxis(kv, 2, 0, d)), this.#heads(sliceAxis(kv, 2, d, 2 * d))];
    }
    return [q, this.#heads(project(key, 1, 2)), this.#heads(project(value, 2, 3))];
  }

  /** [batch, time, dModel] → [batch, heads, time, headSize]. */
  #heads(x: Tensor): Tensor {
    const [batch, time, d] = x.shape;
    return permute(reshape(x, [batch, time, this.numHeads, d / this.numHeads]), [0, 2, 1, 3]);
  }

  /** The padding and attention masks, checked, as one mask over [batch, 1, tq, tk] (or null). */
  #mask(fn: string, o: AttentionCallOptions, batch: number, tq: number, tk: number): Tensor | null {
    let mask: Tensor | null = null;
    const padding = o.keyPaddingMask ?? null;
    if (padding !== null) {
      checkMaskShape(fn, 'keyPaddingMask', padding, [[batch, tk]], '[batch, tk], nonzero (true/1) at padded keys');
      mask = reshape(ne(padding, 0), [batch, 1, 1, tk]);
    }
    const attention = o.attentionMask ?? null;
    if (attention !== null) {
      checkMaskShape(
        fn,
        'attentionMask',
        attention,
        [
          [tq, tk],
          [batch, tq, tk],
        ],
        '[tq, tk] or [batch, tq, tk], nonzero where a query may not look',
      );
      const m = ne(attention, 0);
      const shaped = m.rank === 3 ? reshape(m, [batch, 1, tq, tk]) : m;
      mask = mask === null ? shaped : add(mask, shaped);
    }
    return mask;
  }

  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {
      ...super.getConfig(),
      numHeads: this.numHeads,
      dropout: this.dropout,
      useBias: this.useBias,
      causal: this.causal,
    };
    if (this.#dModelOption !== undefined) config.dModel = this.#dModelOption;
    return config;
  }

  protected override describeSelf(): string {
    const parts = [`numHeads=${this.numHeads}`];
    if (this.dModel !== null) parts.unshift(`dModel=${this.dModel}`);
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (!this.useBias) parts.push('useBias=false');
    if (this.causal) parts.push('causal=true');
    return parts.join(', ');
  }
}

registerLayer('MultiHeadAttention', (c) => new MultiHeadAttention(c as unknown as MultiHeadAttentionOptions), {
  layerClass: MultiHeadAttention,
});

/** A mask must be a Tensor of one of the given shapes; its meaning goes in the message. */
export function checkMaskShape(
  fn: string,
  name: string,
  mask: unknown,
  shapes: readonly (readonly number[])[],
  meaning: string,
): void {
  if (!(mask instanceof Tensor))
    throw new ArgumentError(`${fn}: got ${name} ${describe(mask)}; expected a Tensor of shape ${meaning}`);
  const fits = shapes.some((s) => s.length === mask.rank && s.every((d, i) => d === mask.shape[i]));
  if (!fits) {
    throw new ShapeError(
      `${fn}: got ${name} of shape ${describe(mask.shape)}; expected ${shapes.map((s) => describe(s)).join(' or ')}: ${meaning}`,
    );
  }
}

/** A probability in [0, 1). */
export function rateOption(fn: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value < 1))
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected a number in [0, 1)`);
  return value;
}

nameClass(Projection, 'Projection');
