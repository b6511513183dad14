/**
 * ONNX mappings of the sequence layers built on attention: MultiHeadAttention (composed of MatMul,
 * Softmax and reshapes: opset 17 has no attention op), TransformerEncoderLayer and
 * TransformerDecoderLayer (attention, the feed-forward block, the residual additions and
 * LayerNormalizations; the stacks and Transformer are containers of them), and the positional layers.
 * Batch and time stay variable: heads are split with Reshape [0, -1, heads, headSize], and the
 * causal mask and the positional tables are cut to the input's length inside the graph.
 * Padding and attention masks are not exported (refused, naming the layer).
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { MultiHeadAttention, Projection } from '../../nn/attention.js';
import type { TransformerDecoderLayer, TransformerEncoderLayer } from '../../nn/transformer.js';
import type { PositionalEmbedding, SinusoidalPositionalEncoding } from '../../nn/positional.js';
import type { AnyModule } from '../../nn/module.js';
import { arange } from '../../tensor/creation.js';
import { exp, mul } from '../../ops/elementwise.js';
import { permute, reshape, sliceAxis } from '../../ops/movement.js';
import { attr, type OnnxGraph, type OnnxValue } from './graph.js';
import { emitActivation } from './activations.js';
import { emitLayer, registerOnnxMapping, unsupported, type OnnxSite } from './registry.js';

/** TensorProto.DataType BOOL, for Cast. */
const BOOL = 9;

/** The call's options object (the last non-tensor argument), checked: no masks; returns `causal` if given. */
function causalOption(site: OnnxSite, masks: readonly string[]): boolean | undefined {
  const options = (site.options ?? []).filter((o) => typeof o === 'object' && o !== null) as Record<string, unknown>[];
  let causal: boolean | undefined;
  for (const o of options) {
    for (const [key, value] of Object.entries(o)) {
      if (value === undefined || value === null) continue;
      if (key === 'causal' && typeof value === 'boolean') causal = value;
      else if (masks.includes(key))
        throw unsupported(site, `was called with ${key}; masks are not exported to ONNX (only causal attention is)`);
      else throw unsupported(site, `was called with the option ${key}, which its ONNX mapping does not know`);
    }
  }
  return causal;
}

const MASKS = ['keyPaddingMask', 'attentionMask'];

/** x·Wᵀ + b over the last axis, W stored [out, in] (torch.nn.Linear's layout). */
function linear(g: OnnxGraph, x: string, weight: Tensor, bias: Tensor | null, hint: string): string {
  const y = g.op('MatMul', [x, g.weight(permute(weight, [1, 0]), `${hint}.weight`)], {}, hint);
  return bias ? g.op('Add', [y, g.weight(bias, `${hint}.bias`)], {}, hint) : y;
}

function projection(g: OnnxGraph, p: Projection, x: string, hint: string): string {
  return linear(g, x, p.weight, p.bias, hint);
}

/** Multi-head attention of query q over key k and value v (all [batch, time, dModel]). */
function attention(
  layer: MultiHeadAttention,
  [q, k, v]: readonly string[],
  g: OnnxGraph,
  path: string,
  causal: boolean,
): string {
  const d = layer.dModel!;
  const heads = layer.numHeads;
  const size = d / heads;
  const w = layer.in_proj_weight!;
  const b = layer.in_proj_bias;
  const part = (x: string, i: number, what: string): string =>
    linear(g, x, sliceAxis(w, 0, i * d, (i + 1) * d), b && sliceAxis(b, 0, i * d, (i + 1) * d), `${path}.${what}`);
  const split = g.int64s([0, -1, heads, size], `${path}.heads`);
  // [batch, time, d] → [batch, time, heads, size] → [batch, heads, time, size] (keys: [batch, heads, size, time]).
  const toHeads = (x: string, perm: number[], what: string): string =>
    g.op('Transpose', [g.op('Reshape', [x, split])], { perm: attr.ints(perm) }, `${path}.${what}Heads`);
  const qh = toHeads(part(q, 0, 'q'), [0, 2, 1, 3], 'q');
  const kh = toHeads(part(k, 1, 'k'), [0, 2, 3, 1], 'k');
  const vh = toHeads(part(v, 2, 'v'), [0, 2, 1, 3], 'v');
  let scores = g.op('Mul', [g.op('MatMul', [qh, kh]), g.scalar(1 / Math.sqrt(size))], {}, `${path}.scores`);
  if (causal) {
    // Query i sees keys j <= i: the strict upper triangle of a [tq, tk] matrix of ones is blocked.
    const size2d = g.op('Shape', [scores], { start: attr.int(2) });
    const ones = g.op('Expand', [g.scalar(1), size2d]);
    const blocked = g.op('Cast', [g.op('Trilu', [ones, g.int64(1)], { upper: attr.int(1) })], { to: attr.int(BOOL) });
    scores = g.op('Where', [blocked, g.scalar(Number.NEGATIVE_INFINITY), scores], {}, `${path}.causal`);
  }
  const weights = g.op('Softmax', [scores], { axis: attr.int(-1) }, `${path}.weights`);
  const merged = g.op(
    'Reshape',
    [g.transpose(g.op('MatMul', [weights, vh]), [0, 2, 1, 3]), g.int64s([0, -1, d], `${path}.merge`)],
    {},
    `${path}.merged`,
  );
  return projection(g, layer.out_proj!, merged, `${path}.out_proj`);
}

registerOnnxMapping<MultiHeadAttention>(
  'MultiHeadAttention',
  (layer, inputs, g, site) => {
    const causal = causalOption(site, MASKS) ?? layer.causal;
    const q = inputs[0].name;
    const k = inputs[1]?.name ?? q;
    const v = inputs[2]?.name ?? k;
    return attention(layer, [q, k, v], g, site.path, causal);
  },
  { readsOptions: true },
);

/** What both Transformer blocks are made of: LayerNorms, the feed-forward block and residual sublayers. */
function blockParts(
  layer: TransformerEncoderLayer | TransformerDecoderLayer,
  g: OnnxGraph,
  site: OnnxSite,
  x: OnnxValue,
) {
  const s = layer.settings;
  const p = site.path;
  const norm = (module: AnyModule, y: string, name: string): string =>
    emitLayer(module, [{ name: y, shape: x.shape }], g, { path: `${p}.${name}`, className: '' });
  return {
    /** linear2(activation(linear1(y))); the dropouts are the identity in inference. */
    feedForward(y: string): string {
      const hidden = projection(g, layer.linear1!, y, `${p}.linear1`);
      const activated = emitActivation(g, s.activation, hidden, site, { hint: `${p}.activation` });
      return projection(g, layer.linear2!, activated, `${p}.linear2`);
    },
    /** Pre-LN y + f(norm(y)), or post-LN norm(y + f(y)). */
    residual(y: string, normLayer: AnyModule, name: string, f: (z: string) => string): string {
      return s.normFirst
        ? g.op('Add', [y, f(norm(normLayer, y, name))], {}, `${p}.${name}.residual`)
        : norm(normLayer, g.op('Add', [y, f(y)], {}, `${p}.${name}.residual`), name);
    },
  };
}

registerOnnxMapping<TransformerEncoderLayer>(
  'TransformerEncoderLayer',
  (layer, [src], g, site) => {
    const causal = causalOption(site, MASKS) ?? layer.settings.causal;
    const { feedForward, residual } = blockParts(layer, g, site, src);
    const selfAttention = (y: string): string =>
      attention(layer.self_attn, [y, y, y], g, `${site.path}.self_attn`, causal);
    return residual(residual(src.name, layer.norm1, 'norm1', selfAttention), layer.norm2, 'norm2', feedForward);
  },
  { readsOptions: true },
);

const DECODER_MASKS = ['tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtAttentionMask', 'memoryAttentionMask'];

registerOnnxMapping<TransformerDecoderLayer>(
  'TransformerDecoderLayer',
  (layer, [tgt, memory], g, site) => {
    const p = site.path;
    const causal = causalOption(site, DECODER_MASKS) ?? layer.settings.causal;
    const { feedForward, residual } = blockParts(layer, g, site, tgt);
    const selfAttention = (y: string): string => attention(layer.self_attn, [y, y, y], g, `${p}.self_attn`, causal);
    const crossAttention = (y: string): string =>
      attention(layer.multihead_attn, [y, memory.name, memory.name], g, `${p}.multihead_attn`, false);
    const x = residual(tgt.name, layer.norm1, 'norm1', selfAttention);
    return residual(residual(x, layer.norm2, 'norm2', crossAttention), layer.norm3, 'norm3', feedForward);
  },
  { readsOptions: true },
);

/** The first `length of x's time axis` rows of `table` [rows, d] (a Slice whose end is read from x's shape). */
export function rowsForTime(g: OnnxGraph, table: string, x: OnnxValue, hint: string): string {
  const time = g.op('Shape', [x.name], { start: attr.int(1), end: attr.int(2) });
  return g.op('Slice', [table, g.int64s([0]), time, g.int64s([0])], {}, hint);
}

registerOnnxMapping<PositionalEmbedding>('PositionalEmbedding', (layer, [x], g, site) => {
  const table = g.weight(layer.weight!, `${site.path}.weight`);
  return g.op('Add', [x.name, rowsForTime(g, table, x, `${site.path}.positions`)], {}, site.path);
});

registerOnnxMapping<SinusoidalPositionalEncoding>('SinusoidalPositionalEncoding', (layer, [x], g, site) => {
  // The table is computed in the graph for the input's length, as the layer computes it:
  // angles = position · base^(−2i/d), sin in the even columns and cos in the odd ones.
  const p = site.path;
  const d = x.shape[2]!;
  const half = Math.ceil(d / 2);
  const frequencies = exp(mul(arange(0, 2 * half, 2), -Math.log(layer.base) / d));
  const time = g.op('Cast', [g.op('Shape', [x.name], { start: attr.int(1), end: attr.int(2) })], { to: attr.int(1) });
  const positions = g.op('Range', [g.scalar(0), g.op('Squeeze', [time, g.int64s([0])]), g.scalar(1)]);
  const angles = g.op('Mul', [
    g.op('Unsqueeze', [positions, g.int64s([1])]),
    g.weight(reshape(frequencies, [1, half]), `${p}.frequencies`),
  ]);
  const column = (op: 'Sin' | 'Cos'): string => g.op('Unsqueeze', [g.op(op, [angles]), g.int64s([2])]);
  let table = g.op('Reshape', [
    g.op('Concat', [column('Sin'), column('Cos')], { axis: attr.int(2) }),
    g.int64s([0, -1]),
  ]);
  if (2 * half !== d) table = g.op('Slice', [table, g.int64s([0]), g.int64s([d]), g.int64s([1])]);
  return g.op('Add', [x.name, table], {}, p);
});
