/**
 * Scaled dot-product attention, composed of ops (its gradient comes from theirs):
 *   weights = softmax(q·kᵀ · scale, masked),   output = weights · v,
 * over any batch axes (e.g. [batch, heads]). Both products are single batched `mm` calls with a
 * transpose flag (no transposed copy of k). Without a mask tensor (no mask, or only `causal`) the
 * scale, the causal mask and the softmax are one fused backend pass each way where the backend
 * has it (ops/fused-attention.ts); otherwise masked scores become −∞ through `where`, and the
 * softmax is the fused last-axis one. Nothing loops over time steps or heads on the host.
 *
 * A query row that may attend to no key at all (every key padded, say) gets all-zero weights and
 * hence a zero output, where PyTorch's formula gives NaN, which would spread through every
 * gradient of the batch.
 */
import { Tensor } from '../tensor/tensor.js';
import { arange, rand } from '../tensor/creation.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { add, cast, eq, ge, gt, mul, ne, where } from './elementwise.js';
import { min } from './reduce.js';
import { reshape } from './movement.js';
import { mm } from './matmul.js';
import { softmax } from './activations.js';
import { requireFloat } from './util.js';
import { fusedAttentionSoftmax } from './fused-attention.js';

export interface AttentionOptions {
  /**
   * Where a query may not look: nonzero at [..., query, key] (an int32 0/1 mask, or a float one
   * whose blocked entries are −∞ as in PyTorch's additive masks — the values are read as blocked or
   * not, never added), broadcast against the scores [...batch, tq, tk] (e.g. [batch, 1, 1, tk]).
   */
  mask?: Tensor | null;
  /** Query i sees only keys j <= i (default false). */
  causal?: boolean;
  /** Drop attention weights with this probability, scaling the rest by 1/(1 − rate) (default 0). */
  dropout?: number;
  /** Multiplies the scores (default 1/sqrt(head size), as in "Attention Is All You Need"). */
  scale?: number;
}

export interface AttentionResult {
  /** [...batch, tq, valueSize]. */
  output: Tensor;
  /** The softmax weights [...batch, tq, tk], before dropout. */
  weights: Tensor;
}

/** q [...batch, tq, d], k [...batch, tk, d], v [...batch, tk, dv] → output [...batch, tq, dv] and the weights. */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): AttentionResult {
  const fn = 'scaledDotProductAttention';
  for (const [what, t] of [
    ['query', q],
    ['key', k],
    ['value', v],
  ] as const) {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${fn}: got ${what} ${describe(t)}; expected a Tensor`);
    requireFloat(fn, t, what);
    if (t.rank < 2)
      throw new ShapeError(`${fn}: got ${what} of shape ${describe(t.shape)}; expected [..., time, size]`);
  }
  const batch = q.shape.slice(0, -2);
  const same = (t: Tensor): boolean => t.rank === q.rank && batch.every((d, i) => d === t.shape[i]);
  const [tq, d] = q.shape.slice(-2);
  const [tk, dk] = k.shape.slice(-2);
  if (!same(k) || !same(v) || dk !== d || v.shape[v.rank - 2] !== tk) {
    throw new ShapeError(
      `${fn}: got query ${describe(q.shape)}, key ${describe(k.shape)} and value ${describe(v.shape)}; expected [...batch, tq, d], [...batch, tk, d] and [...batch, tk, dv] with the same batch axes`,
    );
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const rate = options.dropout ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
    throw new ArgumentError(`${fn}: got dropout=${describe(options.dropout)}; expected a number in [0, 1)`);
  const mask = options.mask ?? null;
  if (mask !== null) checkMask(fn, mask, [...batch, tq, tk]);
  // Without a mask tensor the scale, the causal mask and the softmax are one backend pass.
  const fused =
    mask === null ? fusedAttentionSoftmax(mm(q, k, false, true, batch), scale, options.causal ?? false) : null;
  if (fused !== null) return { output: mm(dropWeights(fused, rate), v, false, false, batch), weights: fused };
  let scores = mm(mul(q, scale), k, false, true, batch);
  let blocked: Tensor | null = null;
  if (options.causal) blocked = gt(reshape(arange(tk), [1, tk]), reshape(arange(tq), [tq, 1]));
  if (mask !== null) blocked = blocked === null ? ne(mask, 0) : add(blocked, ne(mask, 0));
  // Causality alone always leaves key 0 visible; another mask may hide a whole row.
  const empty = mask !== null && tk > 0 ? min(blocked!, -1, { keepDims: true }) : null;
  if (blocked !== null) {
    // −∞ on the blocked keys as an added bias of the mask's own (small) shape: one broadcasting add
    // over the scores rather than selections over them (and their backward passes). A row whose
    // every key is blocked gets no −∞ (its softmax would be NaN) and zero weights below.
    const hide = empty === null ? blocked : mul(blocked, eq(empty, 0));
    scores = add(scores, where(hide, -Infinity, 0));
  }
  let weights = softmax(scores, -1);
  if (empty !== null) weights = mul(weights, cast(eq(empty, 0), 'float32'));
  return { output: mm(dropWeights(weights, rate), v, false, false, batch), weights };
}

/** Dropout on the attention weights: each kept with probability 1 − rate and scaled by 1/(1 − rate). */
function dropWeights(weights: Tensor, rate: number): Tensor {
  if (rate === 0) return weights;
  return mul(weights, mul(cast(ge(rand(weights.shape), rate), 'float32'), 1 / (1 - rate)));
}

/** A mask must broadcast against the scores: each of its trailing sizes 1 or the scores' size. */
function checkMask(fn: string, mask: Tensor, scores: readonly number[]): void {
  if (!(mask instanceof Tensor)) throw new ArgumentError(`${fn}: got mask ${describe(mask)}; expected a Tensor`);
  const offset = scores.length - mask.rank;
  if (offset < 0 || mask.shape.some((d, i) => d !== 1 && d !== scores[offset + i])) {
    throw new ShapeError(
      `${fn}: got a mask of shape ${describe(mask.shape)}; expected one that broadcasts against the scores ${describe(scores)} ([...batch, tq, tk])`,
    );
  }
}
