/**
 * Fused kernels of the transformer block, used by ops/activations.ts (gelu), ops/attention.ts and
 * ops/normalization.ts where the backend has them (Backend.gelu, Backend.attentionSoftmax,
 * Backend.layerNorm: optional) and composed
 * from primitives elsewhere (the WebGPU backend). Each returns null when the backend lacks the
 * kernel, so the caller falls back to the composition; not part of the public API (the ops that
 * use them are). On the wasm backend they replaced about 60 % of a GPT training step's time in
 * erf, where, exp and log-softmax passes (scripts/profile-gpt-step.mjs).
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Backend } from '../backend/types.js';
import { needsGrad, record } from './record.js';
import { backendOf, output } from './util.js';

/**
 * The exact GELU x·Φ(x) in one backend pass each way, or null where the backend has no such
 * kernel (the caller then composes it). The backward recomputes Φ and φ from the saved input.
 */
export function fusedGelu(x: Tensor): Tensor | null {
  const be = backendOf('gelu', x);
  if (!be.gelu || !be.geluBackward) return null;
  const out = output(x.shape, 'float32', be);
  be.gelu(x.storage, out.storage);
  return record('gelu', out, [x], (g) => {
    const dx = output(x.shape, 'float32', be);
    be.geluBackward!(g.storage, x.storage, dx.storage);
    return [dx];
  });
}

/**
 * Attention's weights softmax(scores·scale) over the last axis of scores [..., tq, tk], with the
 * causal mask (key j hidden from query i when j > i) applied inside: one backend pass each way
 * instead of mul, where and softmax with their arrays; or null where the backend has no such
 * kernel. The backward needs only the weights: dx = scale·w·(g − Σ g·w).
 */
export function fusedAttentionSoftmax(scores: Tensor, scale: number, causal: boolean): Tensor | null {
  const be = backendOf('scaledDotProductAttention', scores);
  if (!be.attentionSoftmax || !be.attentionSoftmaxBackward || scores.size === 0) return null;
  const [tq, tk] = scores.shape.slice(-2);
  const rows = scores.size / tk;
  const out = output(scores.shape, 'float32', be);
  be.attentionSoftmax(scores.storage, rows, tk, tq, scale, causal, out.storage);
  return record('attentionSoftmax', out, [scores], (g) => {
    const dx = output(scores.shape, 'float32', be);
    be.attentionSoftmaxBackward!(g.storage, out.storage, rows, tk, scale, dx.storage);
    return [dx];
  });
}

/**
 * Layer norm over the last axis of x [..., cols], weight and bias [cols] or null, in one backend
 * pass forward and one or two backward (dx by rows; the weight and bias gradients by columns), or
 * null where the backend has no such kernel. The forward keeps each row's mean and 1/std.
 */
export function fusedLayerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, epsilon: number): Tensor | null {
  const be = backendOf('layerNorm', x, weight, bias);
  if (!be.layerNorm || !be.layerNormBackward || x.size === 0) return null;
  const cols = x.shape[x.rank - 1];
  const rows = x.size / cols;
  const out = output(x.shape, 'float32', be);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const stats = needsGrad(inputs) ? be.allocate('float32', 2 * rows, false) : scratchStats(be, 2 * rows);
  be.layerNorm(x.storage, weight && weight.storage, bias && bias.storage, rows, cols, epsilon, out.storage, stats);
  return record('layerNorm', out, inputs, (g) => {
    const dx = x.requiresGrad ? output(x.shape, 'float32', be) : null;
    const dw = weight?.requiresGrad ? output(weight.shape, 'float32', be) : null;
    const db = bias?.requiresGrad ? output(bias.shape, 'float32', be) : null;
    be.layerNormBackward!(
      g.storage,
      x.storage,
      weight && weight.storage,
      stats,
      rows,
      cols,
      dx && dx.storage,
      dw && dw.storage,
      db && db.storage,
    );
    return [dx, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
  });
}

/** Per backend, where a layer norm with no backward writes its row statistics (nothing reads them). */
const statsScratch = new WeakMap<Backend, { storage: unknown; size: number }>();

/**
 * Room for `size` floats of statistics nobody reads, kept per backend: a layer norm under noGrad
 * (each token of incremental decoding runs nine) then allocates only its output. The kernels that
 * write it run synchronously (WebGPU has none: it composes the norm), so one buffer serves all.
 */
function scratchStats(be: Backend, size: number): unknown {
  let s = statsScratch.get(be);
  if (s === undefined || s.size < size) {
    s = { storage: be.allocate('float32', size, false), size };
    statsScratch.set(be, s);
  }
  return s.storage;
}
