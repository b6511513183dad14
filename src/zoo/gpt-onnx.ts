/**
 * The GPT's ONNX mapping: the whole model is one mapped unit, because its forward reads its own
 * embedding tables (no layer produces the embeddings the export could follow). Token ids
 * [batch, time] → Gather from wte + the first `time` rows of wpe → each pre-LN causal block through
 * the TransformerEncoderLayer mapping → ln_f through LayerNormalization's → logits by MatMul with
 * wte transposed (the tied head: one initializer, read by both Gather and the head) or lm_head.
 * Batch and time stay variable (time up to context: the position table has that many rows).
 */
import type { GPT } from './gpt.js';
import { attr } from '../io/onnx/graph.js';
import { rowsForTime } from '../io/onnx/attention.js';
import { emitLayer, registerOnnxMapping } from '../io/onnx/registry.js';

registerOnnxMapping<GPT>(
  'GPT',
  (gpt, [ids], g, site) => {
    const p = site.path === '' ? '' : `${site.path}.`;
    const wte = g.weight(gpt.wte, `${p}wte`);
    const tokens = g.op('Gather', [wte, ids.name], { axis: attr.int(0) }, `${p}wte`);
    const positions = rowsForTime(g, g.weight(gpt.wpe, `${p}wpe`), ids, `${p}wpe`);
    const shape = [...ids.shape, gpt.config.width];
    let x = g.op('Add', [tokens, positions], {}, `${p}embed`);
    gpt.blocks.forEach((block, i) => {
      x = emitLayer(block, [{ name: x, shape }], g, { path: `${p}blocks.${i}`, className: '' });
    });
    x = emitLayer(gpt.ln_f, [{ name: x, shape }], g, { path: `${p}ln_f`, className: '' });
    const head = gpt.lm_head === null ? wte : g.weight(gpt.lm_head, `${p}lm_head`);
    return g.op('MatMul', [x, g.transpose(head, [1, 0], `${p}head`)], {}, `${p}logits`);
  },
  { inputDType: 'int32' },
);
