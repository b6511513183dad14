/**
 * A decoder-only GPT language model (GPT-2's layout, at any size):
 *   token embedding `wte` [vocab, width] + learned position embedding `wpe` [context, width]
 *   → dropout → `layers` pre-LN blocks → final LayerNorm `ln_f` → head
 * Each block is a `TransformerEncoderLayer` with normFirst, causal self-attention, a GELU MLP of
 * 4·width and residuals: x = x + attn(norm1(x)); x = x + mlp(norm2(x)). The head is the token
 * embedding transposed (`tied`, GPT-2's) or its own `lm_head` [vocab, width].
 *
 * The config is plain data (`GPTConfig`), saved beside the weights, so a model is rebuilt from
 * its folder. Generation (`generate`) runs with a KV cache: the prompt is run once, and each new
 * token is one step of the same weights over the cached keys and values of every layer (each
 * block's `step`, whose MultiHeadAttention keeps its own preallocated AttentionCache). Once the
 * sequence fills the context the window slides, and the cache is rebuilt from the last `context`
 * tokens for each further token — exactly what a run without the cache computes, so both give the
 * same tokens.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromHostValues, normal } from '../tensor/creation.js';
import { add } from '../ops/elementwise.js';
import { mm } from '../ops/matmul.js';
import { reshape, sliceAxis } from '../ops/movement.js';
import { embedding, embeddingOfCheckedIds } from '../ops/embedding.js';
import { noGrad } from '../autograd/mode.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Dropout } from '../nn/dropout.js';
import { LayerNormalization } from '../nn/layernorm.js';
import { TransformerEncoderLayer } from '../nn/transformer.js';
import { registerLayer } from '../nn/registry.js';
import type { AttentionCache } from '../nn/attention-cache.js';
import { ShuffleRng } from '../data/shuffle.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { transformerDims } from './transformer-dims.js';
// The GPT's ONNX mapping and PyTorch form (they need only its type, so there is no import cycle).
import './gpt-onnx.js';
import './gpt-pytorch.js';

/** A GPT's architecture, as saved in config.json. */
export interface GPTConfig {
  /** Token ids run 0..vocabSize-1. */
  vocabSize: number;
  /** The longest sequence the model reads (the position table's length). */
  context: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Attention heads per block; must divide width. */
  heads: number;
  /** Model width (embedding size). */
  width: number;
  /** Head tied to the token embedding (default true). */
  tied: boolean;
  /** Dropout on embeddings, attention weights and residual branches in training (default 0). */
  dropout: number;
}

const CONFIG_KEYS = ['vocabSize', 'context', 'layers', 'heads', 'width', 'tied', 'dropout'] as const;

/** The config checked, defaults filled in; errors name the key and what it should be. */
export function gptConfig(fn: string, config: unknown): GPTConfig {
  const o = checkOptions(
    fn,
    config as Record<string, unknown>,
    CONFIG_KEYS,
    '{ vocabSize: 81, context: 128, layers: 4, heads: 4, width: 128 }',
  ) as Partial<GPTConfig>;
  const dims = transformerDims(fn, o, { dropout: 0 });
  const c: GPTConfig = { ...dims, tied: o.tied ?? true, dropout: dims.dropout };
  if (typeof c.tied !== 'boolean')
    throw new ArgumentError(`${fn}: got tied=${describe(o.tied)}; expected true or false`);
  return c;
}

/** The keys and values of the tokens seen so far: each block's attention cache (preallocated, written in place). */
export interface KVCache {
  readonly layers: AttentionCache[];
  /** Tokens cached. */
  readonly length: number;
  /** Forget the tokens, keeping the storage. */
  reset(): void;
}

/** GPT.step for ids already known to lie in the vocabulary (set by GPT's static block; generate's). */
let stepCheckedIds: (model: GPT, ids: Tensor, cache: KVCache) => Tensor;

export class GPT extends Module<[ids: Tensor], Tensor> {
  readonly config: GPTConfig;
  /** Token embedding [vocabSize, width]. */
  wte: Parameter;
  /** Position embedding [context, width]. */
  wpe: Parameter;
  drop: Dropout;
  blocks: TransformerEncoderLayer[];
  ln_f: LayerNormalization;
  /** The untied head [vocabSize, width], or null when tied to wte. */
  lm_head: Parameter | null;

  constructor(config: Partial<GPTConfig> & Pick<GPTConfig, 'vocabSize' | 'context' | 'layers' | 'heads' | 'width'>) {
    super();
    const c = gptConfig('GPT', config);
    this.config = c;
    this.wte = new Parameter(normal([c.vocabSize, c.width], 0, 0.02));
    this.wpe = new Parameter(normal([c.context, c.width], 0, 0.02));
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
          normFirst: true,
          causal: true,
        }),
    );
    this.ln_f = new LayerNormalization({ epsilon: 1e-5 });
    this.ln_f.build([null, null, c.width]);
    this.lm_head = c.tied ? null : new Parameter(normal([c.vocabSize, c.width], 0, 0.02));
  }

  override get built(): boolean {
    return true;
  }

  /** Token ids [batch, time] of any length up to context (not the first call's length): what exports take. */
  override get buildInputShape(): readonly (number | null)[] {
    return [null, null];
  }

  /** int32 ids [batch, time] → logits [batch, time, vocabSize] (position t predicts token t + 1). */
  forward(ids: Tensor): Tensor {
    this.#checkIds('GPT', ids, 0);
    let x = this.#embed(ids, 0);
    for (const block of this.blocks) x = block.call(x);
    return this.#head(this.ln_f.call(x));
  }

  /**
   * Run `ids` [batch, t] after the `cache.length` tokens already in `cache`, append their keys and
   * values to it, and return their logits [batch, t, vocabSize]. Same weights and result as
   * `forward` over the whole sequence, at the cost of the new tokens only. Inference only (run
   * under noGrad): the cache is written in place, outside the graph.
   */
  step(ids: Tensor, cache: KVCache): Tensor {
    return this.#step(ids, cache, false);
  }

  static {
    // `generate` checks its ids on the host as it makes them, so its steps skip the embedding's
    // check on the device (two reductions and two host reads a token).
    stepCheckedIds = (model, ids, cache) => model.#step(ids, cache, true);
  }

  #step(ids: Tensor, cache: KVCache, idsChecked: boolean): Tensor {
    const past = cache.length;
    this.#checkIds('GPT.step', ids, past);
    return noGrad(() => {
      let x = this.#embed(ids, past, idsChecked);
      this.blocks.forEach((block, l) => (x = block.step(x, cache.layers[l])));
      return this.#head(this.ln_f.call(x));
    });
  }

  /** An empty cache for `step`: one AttentionCache per block, each holding up to `context` tokens. */
  emptyCache(): KVCache {
    const layers = this.blocks.map((block) => block.self_attn.createCache(this.config.context));
    return {
      layers,
      get length() {
        return layers[0].length;
      },
      reset: () => layers.forEach((c) => c.reset()),
    };
  }

  #embed(ids: Tensor, past: number, idsChecked = false): Tensor {
    const t = ids.shape[1];
    const tokens = idsChecked ? embeddingOfCheckedIds(this.wte, ids) : embedding(this.wte, ids);
    return this.drop.call(add(tokens, sliceAxis(this.wpe, 0, past, past + t)));
  }

  #head(x: Tensor): Tensor {
    const [batch, t, d] = x.shape;
    const w = this.lm_head ?? this.wte;
    return reshape(mm(reshape(x, [batch * t, d]), w, false, true), [batch, t, this.config.vocabSize]);
  }

  #checkIds(fn: string, ids: Tensor, past: number): void {
    if (ids === null || typeof ids !== 'object' || !Array.isArray(ids.shape) || ids.rank !== 2)
      throw new ShapeError(
        `${fn}: got ${describe(ids?.shape ?? ids)}; expected int32 token ids [batch, time] (a Tensor)`,
      );
    if (ids.dtype !== 'int32') throw new DTypeError(`${fn}: got token ids of dtype ${ids.dtype}; expected int32`);
    const { context } = this.config;
    if (past + ids.shape[1] > context)
      throw new ShapeError(
        `${fn}: got a sequence of ${past + ids.shape[1]} tokens${past ? ` (${past} cached + ${ids.shape[1]} new)` : ''}; expected at most context=${context} (the longest sequence the model was made for)`,
      );
  }

  override getConfig(): Record<string, unknown> {
    return { ...this.config };
  }

  protected override describeSelf(): string {
    const c = this.config;
    return `vocabSize=${c.vocabSize}, context=${c.context}, layers=${c.layers}, heads=${c.heads}, width=${c.width}${c.tied ? ', tied' : ''}`;
  }
}

// A GPT is a registered layer, so its config round-trips as data (layerToConfig / layerFromConfig:
// the PyTorch hand-off's tessera-model.json), and its exports register themselves with it.
registerLayer('GPT', (config) => new GPT(config as unknown as GPTConfig), { layerClass: GPT });

export interface SampleOptions {
  /** Divides the logits; 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (default: all). */
  topK?: number;
  /** Keep the most likely tokens whose probabilities add up to at least p (default 1: all). */
  topP?: number;
}

export interface GenerateOptions extends SampleOptions {
  /** New tokens to generate. */
  tokens: number;
  /** Seed of the sampling stream (default 0). */
  seed?: number;
  /** Use the KV cache (default true); false re-runs the whole window for every token. */
  cache?: boolean;
}

const GENERATE_KEYS = ['tokens', 'seed', 'cache', 'temperature', 'topK', 'topP'] as const;

/**
 * Continue `prompt` (token ids, at least one) by `options.tokens` sampled tokens; returns the new
 * ids. Deterministic for a seed: the draws come from a seeded stream of their own.
 * @example generate(model, tok.encode('Call me'), { tokens: 200, temperature: 0.8, topK: 40, seed: 1 })
 */
export function generate(model: GPT, prompt: ArrayLike<number>, options: GenerateOptions): Int32Array {
  const fn = 'generate';
  const o = checkOptions(fn, options, GENERATE_KEYS, '{ tokens: 200 }') as unknown as GenerateOptions;
  if (!Number.isInteger(o.tokens) || o.tokens < 0)
    throw new ArgumentError(`${fn}: got tokens=${describe(o.tokens)}; expected an integer >= 0`);
  checkSampleOptions(fn, o);
  const { vocabSize, context } = model.config;
  const ids = Array.from(prompt);
  if (ids.length === 0) throw new ArgumentError(`${fn}: got an empty prompt; expected at least one token`);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
      throw new ArgumentError(
        `${fn}: prompt id ${describe(id)} at position ${i} is outside the vocabulary; expected integer ids in 0..${vocabSize - 1}`,
      );
  });
  const rng = new ShuffleRng(o.seed ?? 0, fn);
  const useCache = o.cache ?? true;
  const start = ids.length;
  const row = (t: number[]): Tensor => fromHostValues(Int32Array.from(t), [1, t.length]);
  const lastLogits = (logits: Tensor): Float32Array =>
    reshape(sliceAxis(logits, 1, logits.shape[1] - 1, logits.shape[1]), [vocabSize]).dataSync() as Float32Array;
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      const cache = model.emptyCache();
      let logits: Float32Array | null = null;
      for (let n = 0; n < o.tokens; n++) {
        if (!useCache) logits = lastLogits(model.call(row(ids.slice(-context))));
        else if (logits === null || cache.length >= context) {
          // First token, or the window slides: (re)build the cache from the last `context` tokens.
          cache.reset();
          logits = lastLogits(stepCheckedIds(model, row(ids.slice(-context)), cache));
        }
        const next = sampleLogits(logits!, o, () => rng.next());
        ids.push(next);
        if (useCache && cache.length < context && n + 1 < o.tokens)
          logits = lastLogits(stepCheckedIds(model, row([next]), cache));
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return Int32Array.from(ids.slice(start));
}

function checkSampleOptions(fn: string, o: SampleOptions): void {
  if (o.temperature !== undefined && !(typeof o.temperature === 'number' && o.temperature >= 0))
    throw new ArgumentError(`${fn}: got temperature=${describe(o.temperature)}; expected a number >= 0`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1))
    throw new ArgumentError(`${fn}: got topK=${describe(o.topK)}; expected an integer >= 1`);
  if (o.topP !== undefined && !(typeof o.topP === 'number' && o.topP > 0 && o.topP <= 1))
    throw new ArgumentError(`${fn}: got topP=${describe(o.topP)}; expected a number in (0, 1]`);
}

/**
 * One token from next-token logits: greedy at temperature 0, otherwise softmax(logits / T)
 * restricted to the top-k tokens and then to the smallest set whose probability reaches topP,
 * renormalised, drawn with `uniform()` in [0, 1). Ties go to the lower id.
 */
export function sampleLogits(logits: ArrayLike<number>, options: SampleOptions, uniform: () => number): number {
  const fn = 'sampleLogits';
  checkSampleOptions(fn, options);
  const temperature = options.temperature ?? 1;
  if (temperature === 0) {
    // Greedy: the first largest logit, found in one pass rather than by sorting them all.
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = order.slice(0, Math.min(options.topK ?? order.length, order.length));
  const top = logits[kept[0]];
  const weights = kept.map((i) => Math.exp((logits[i] - top) / temperature));
  let total = weights.reduce((s, w) => s + w, 0);
  const topP = options.topP ?? 1;
  if (topP < 1) {
    let cumulative = 0;
    let n = 0;
    while (n < weights.length && cumulative < topP * total) cumulative += weights[n++];
    kept.length = n;
    weights.length = n;
    total = cumulative;
  }
  let u = uniform() * total;
  for (let i = 0; i < kept.length; i++) {
    u -= weights[i];
    if (u < 0) return kept[i];
  }
  return kept[kept.length - 1];
}
