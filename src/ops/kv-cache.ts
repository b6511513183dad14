/**
 * The ops of incremental (KV-cached) decoding:
 * - `writeAt` writes a tensor into a slice of another in place — a new token's keys and values go
 *   into a cache allocated once at full length, so nothing is copied or reallocated per token
 *   (growing the cache with `concat` copied all of it every token and, with a new size each time,
 *   left freed blocks that never fitted the next one); `writeHeads` does the same straight from the
 *   layer's stacked projection, split into heads on the way;
 * - `cachedAttention` attends over the first `length` positions of such a cache without slicing it:
 *   both products are one batched matmul whose key/value operand advances by the cache's full
 *   per-head stride, so only the `length` rows in use are read.
 * Both are backend primitives already (copyStrided with a destination offset, matmul with a batch
 * stride), so every backend, WebGPU included, runs them as they are.
 */
import { Tensor } from '../tensor/tensor.js';
import { arange } from '../tensor/creation.js';
import { isGradEnabled } from '../tensor/grad-mode.js';
import { contiguousStrides } from '../backend/strided.js';
import { sizeOf } from '../tensor/shape.js';
import { normalizeAxis } from '../tensor/shape.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { gt, mul, where } from './elementwise.js';
import { reshape, sliceAxis } from './movement.js';
import { softmax } from './activations.js';
import { scaledDotProductAttention } from './attention.js';
import { backendOf, output, requireFloat } from './util.js';

/**
 * Overwrite dst[..., offset : offset + src.shape[axis], ...] with src, in place, and return dst.
 * src has dst's shape except along `axis`. Like `Tensor.copy_`, it records no gradient: it is for
 * buffers such as a KV cache, not for values a loss is differentiated through.
 * @example writeAt(keys, newKeys, 2, position)   // keys [b, h, capacity, d], newKeys [b, h, t, d]
 */
export function writeAt(dst: Tensor, src: Tensor, axis: number, offset: number): Tensor {
  const fn = 'writeAt';
  if (!(dst instanceof Tensor) || !(src instanceof Tensor))
    throw new ArgumentError(`${fn}: got ${describe(dst)} and ${describe(src)}; expected two Tensors (dst, src)`);
  if (src.dtype !== dst.dtype)
    throw new DTypeError(`${fn}: got src of dtype ${src.dtype} for dst of dtype ${dst.dtype}; expected the same`);
  const a = normalizeAxis(fn, axis, dst.rank);
  if (src.rank !== dst.rank || src.shape.some((n, i) => i !== a && n !== dst.shape[i]))
    throw new ShapeError(
      `${fn}: got src ${describe(src.shape)} for dst ${describe(dst.shape)}; expected src to match dst on every axis but ${a}`,
    );
  const count = src.shape[a];
  if (!Number.isInteger(offset) || offset < 0 || offset + count > dst.shape[a])
    throw new ShapeError(
      `${fn}: got offset ${describe(offset)} for ${count} entries along axis ${a} of size ${dst.shape[a]}; expected an integer 0 <= offset <= ${dst.shape[a] - count}`,
    );
  if (src.size === 0) return dst;
  const be = backendOf(fn, dst, src);
  const strides = contiguousStrides(dst.shape);
  be.copyStrided(src.storage, 0, contiguousStrides(src.shape), dst.storage, offset * strides[a], strides, src.shape);
  return dst;
}

/**
 * Write the heads of one part of a stacked projection into a cache, in place: x [batch, t, P·d]
 * holds P parts of width d (a self-attention's queries, keys and values: P = 3), each d = heads ·
 * size wide; part `part` is split into dst's heads and written at positions offset .. offset + t
 * of dst [batch, heads, capacity, size]. Equals writeAt(dst, [part split into heads], 2, offset)
 * without the two copies in between (the slice, the transpose). Records no gradient; returns dst.
 */
export function writeHeads(dst: Tensor, x: Tensor, part: number, offset: number): Tensor {
  const fn = 'writeHeads';
  if (!(dst instanceof Tensor) || !(x instanceof Tensor))
    throw new ArgumentError(`${fn}: got ${describe(dst)} and ${describe(x)}; expected two Tensors (dst, x)`);
  if (x.dtype !== dst.dtype)
    throw new DTypeError(`${fn}: got x of dtype ${x.dtype} for dst of dtype ${dst.dtype}; expected the same`);
  const [batch, heads, capacity, size] = dst.shape;
  const d = heads * size;
  const width = x.shape[2];
  if (dst.rank !== 4 || x.rank !== 3 || x.shape[0] !== batch || width % d !== 0)
    throw new ShapeError(
      `${fn}: got dst ${describe(dst.shape)} and x ${describe(x.shape)}; expected dst [batch, heads, capacity, size] and x [batch, t, parts · heads · size]`,
    );
  if (!Number.isInteger(part) || part < 0 || part >= width / d)
    throw new ArgumentError(`${fn}: got part ${describe(part)}; expected an integer 0 <= part < ${width / d}`);
  const t = x.shape[1];
  if (!Number.isInteger(offset) || offset < 0 || offset + t > capacity)
    throw new ShapeError(
      `${fn}: got offset ${describe(offset)} for ${t} positions in a cache of ${capacity}; expected an integer 0 <= offset <= ${capacity - t}`,
    );
  if (x.size === 0) return dst;
  const be = backendOf(fn, dst, x);
  const strides = contiguousStrides(dst.shape);
  // x viewed as [batch, heads, t, size] from the part's first column: heads step by size, time by a row.
  be.copyStrided(x.storage, part * d, [t * width, size, width, 1], dst.storage, offset * size, strides, [
    batch,
    heads,
    t,
    size,
  ]);
  return dst;
}

/**
 * Attention of the queries q [...batch, tq, d] over the first `length` positions of a key and a
 * value cache [...batch, capacity, d] (tq <= length <= capacity). The queries are the last tq of
 * those positions and see only keys up to their own (causal), so with tq = 1 the one new token
 * sees every cached key. Returns [...batch, tq, d]: what scaledDotProductAttention (causal, the
 * default scale 1/sqrt(d)) gives on the caches sliced to `length`. When a gradient is wanted it
 * is that composition (slices included); otherwise nothing is sliced.
 */
export function cachedAttention(q: Tensor, keys: Tensor, values: Tensor, length: number): Tensor {
  const fn = 'cachedAttention';
  for (const [what, t] of [
    ['query', q],
    ['keys', keys],
    ['values', values],
  ] as const) {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${fn}: got ${what} ${describe(t)}; expected a Tensor`);
    requireFloat(fn, t, what);
  }
  const rank = q.rank;
  const [tq, d] = q.shape.slice(-2);
  const capacity = keys.shape[rank - 2];
  const batchShape = q.shape.slice(0, -2);
  const fits = (t: Tensor): boolean =>
    t.rank === rank &&
    t.shape[rank - 1] === d &&
    t.shape[rank - 2] === capacity &&
    batchShape.every((n, i) => n === t.shape[i]);
  if (rank < 2 || !fits(keys) || !fits(values))
    throw new ShapeError(
      `${fn}: got query ${describe(q.shape)}, keys ${describe(keys.shape)} and values ${describe(values.shape)}; expected [...batch, tq, d] and two caches [...batch, capacity, d]`,
    );
  if (!Number.isInteger(length) || length < tq || length > capacity)
    throw new ShapeError(
      `${fn}: got length ${describe(length)} with ${tq} queries and a cache of ${capacity}; expected an integer ${tq} <= length <= ${capacity}`,
    );
  // Query i sits at position length − tq + i and may not see the keys after it.
  const blocked = () =>
    tq > 1 ? gt(reshape(arange(length), [1, length]), reshape(arange(length - tq, length), [tq, 1])) : null;
  if (isGradEnabled() && (q.requiresGrad || keys.requiresGrad || values.requiresGrad)) {
    const k = sliceAxis(keys, -2, 0, length);
    const v = sliceAxis(values, -2, 0, length);
    return scaledDotProductAttention(q, k, v, { mask: blocked() }).output;
  }
  const be = backendOf(fn, q, keys, values);
  const batch = sizeOf(batchShape);
  const cacheStride = capacity * d;
  const scale = 1 / Math.sqrt(d);
  // One new query sees every cached key, and queries that fill the cache from empty see it
  // causally from the first key: both are the fused scale, mask and softmax where the backend
  // has it (as scaledDotProductAttention does) — one pass and one array instead of four.
  const fusable = be.attentionSoftmax !== undefined && (tq === 1 || tq === length);
  let scores = output([...batchShape, tq, length], 'float32', be);
  be.matmul((fusable ? q : mul(q, scale)).storage, keys.storage, scores.storage, {
    m: tq,
    k: d,
    n: length,
    transA: false,
    transB: true,
    batch,
    aBatchStride: tq * d,
    bBatchStride: cacheStride,
  });
  let weights: Tensor;
  if (fusable) {
    weights = output(scores.shape, 'float32', be);
    be.attentionSoftmax!(scores.storage, batch * tq, length, tq, scale, tq > 1, weights.storage);
  } else {
    const mask = blocked();
    if (mask !== null) scores = where(mask, -Infinity, scores);
    weights = softmax(scores, -1);
  }
  const out = output([...batchShape, tq, d], 'float32', be);
  be.matmul(weights.storage, values.storage, out.storage, {
    m: tq,
    k: length,
    n: d,
    transA: false,
    transB: false,
    batch,
    aBatchStride: tq * length,
    bBatchStride: cacheStride,
  });
  return out;
}
