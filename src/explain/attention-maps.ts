/**
 * Attention maps: the per-head attention weights of every MultiHeadAttention inside a model (a
 * TransformerEncoder, the GPT, a custom Module), in the order the layers ran. A forward hook on
 * each attention layer asks the layer for the weights of the very call it just made
 * (`attend` with the same query, key, value and masks) and leaves the call's output alone, so the
 * model computes exactly what it computes without the hooks.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sliceAxis, squeeze } from '../ops/movement.js';
import { noGrad } from '../autograd/mode.js';
import { Module, type AnyModule } from '../nn/module.js';
import { MultiHeadAttention, type AttentionCallOptions } from '../nn/attention.js';
import { ArgumentError, describe } from '../util/errors.js';
import { inspecting } from './score.js';
import { classNameOf } from '../util/class-names.js';

export interface AttentionMap {
  /** The attention layer's name in `model.namedModules()`, e.g. 'encoder.layers.0.self_attn'. */
  layer: string;
  /** [batch, heads, queries, keys]: softmax over the keys (rows sum to 1; masked keys are 0). */
  weights: Tensor;
  heads: number;
}

export interface AttentionMapsResult {
  /** The model's output, as a plain `call` gives it. */
  output: unknown;
  /** One map per attention call, in the order they ran (a layer called twice appears twice). */
  maps: AttentionMap[];
}

/**
 * Run `model.call(...inputs)` in eval mode, without a graph, and collect every attention layer's
 * per-head weights.
 * @example const { maps } = attentionMaps(gpt, ids); maps[0].weights // [batch, heads, t, t]
 */
export function attentionMaps(model: AnyModule, ...inputs: unknown[]): AttentionMapsResult {
  const fn = 'attentionMaps';
  if (!(model instanceof Module)) throw new ArgumentError(`${fn}: got model ${describe(model)}; expected a Module`);
  const layers = model
    .namedModules()
    .filter((e): e is [string, MultiHeadAttention] => e[1] instanceof MultiHeadAttention);
  if (layers.length === 0)
    throw new ArgumentError(
      `${fn}: the ${classNameOf(model)} has no MultiHeadAttention layer; expected a model with attention`,
    );
  const maps: AttentionMap[] = [];
  const removers = layers.map(([name, layer]) =>
    layer.registerForwardHook((m, args) => {
      const [query, key, value, options] = args as unknown as [Tensor, Tensor?, Tensor?, AttentionCallOptions?];
      const { weights } = (m as MultiHeadAttention).attend(query, key, value, options);
      maps.push({ layer: name, weights, heads: (m as MultiHeadAttention).numHeads });
    }),
  );
  try {
    const output = inspecting(model, () => noGrad(() => model.call(...inputs)));
    return { output, maps };
  } finally {
    for (const remove of removers) remove();
  }
}

/** One head's map [batch, queries, keys] out of a layer's weights [batch, heads, queries, keys]. */
export function attentionHead(map: AttentionMap, head: number): Tensor {
  if (!Number.isInteger(head) || head < 0 || head >= map.heads)
    throw new ArgumentError(`attentionHead: got head ${describe(head)}; expected 0 <= head < ${map.heads}`);
  return squeeze(sliceAxis(map.weights, 1, head, head + 1), 1);
}
