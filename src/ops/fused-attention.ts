/**
 * Fused kernels of the transformer block, used by ops/activations.ts (gelu) and ops/attention.ts
 * where the backend has them (Backend.gelu, Backend.attentionSoftmax: optional) and composed
 * from primitives elsewhere (the WebGPU backend). Each returns null when the backend lacks the
 * kernel, so the caller falls back to the composition; not part of the public API (the ops that
 * use them are). On the wasm backend they replaced about 60 % of a GPT training step's time in
 * erf, where, exp and log-softmax passes (scripts/profile-gpt-step.mjs).
 */
import type { Tensor } from '../tensor/tensor.js';
import { record } from './record.js';
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
