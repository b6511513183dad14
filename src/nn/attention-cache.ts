/**
 * The keys and values one self-attention layer has seen, for incremental decoding
 * (`MultiHeadAttention.step`; PyTorch/Hugging Face call it past_key_values). Both are allocated
 * once at full capacity, [batch, heads, capacity, headSize], on the first step (on the query's
 * backend); each step writes its tokens' keys and values in place after the `length` cached, and
 * attention reads only those `length` positions. So a token costs no copy of the cache and no new
 * storage for it, and memory stays flat however long the generation.
 */
import type { Tensor } from '../tensor/tensor.js';
import { emptyTensor } from '../tensor/creation.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';

export class AttentionCache {
  /** Positions the cache holds at most (a model's context). */
  readonly capacity: number;
  /** Positions cached so far. */
  length = 0;
  /** [batch, heads, capacity, headSize]; null until the first step. */
  keys: Tensor | null = null;
  values: Tensor | null = null;
  /**
   * [batch, heads, 1, headSize]: one new token's queries split into heads, rewritten by each
   * single-token step (attention reads them and keeps nothing), so such a step allocates none.
   */
  query: Tensor | null = null;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new ArgumentError(`AttentionCache: got capacity ${describe(capacity)}; expected a positive integer`);
    this.capacity = capacity;
  }

  /** Forget the cached positions; the storage is kept for the next sequence. */
  reset(): void {
    this.length = 0;
  }

  /**
   * Storage for `t` more positions of a query like `query` split into `heads` heads of `headSize`:
   * allocated on first use, checked against its shape and the capacity after that.
   */
  reserve(fn: string, query: Tensor, heads: number, headSize: number, t: number): void {
    const batch = query.shape[0];
    const shape = [batch, heads, this.capacity, headSize];
    if (this.keys === null || this.values === null) {
      this.keys = emptyTensor(shape, 'float32', query.backend, true);
      this.values = emptyTensor(shape, 'float32', query.backend, true);
      this.query = emptyTensor([batch, heads, 1, headSize], 'float32', query.backend, false);
    } else if (this.keys.shape.some((n, i) => n !== shape[i]))
      throw new ShapeError(
        `${fn}: got a cache of shape ${describe(this.keys.shape)} for a query ${describe(query.shape)} with ${heads} heads; expected [${batch}, ${heads}, ${this.capacity}, ${headSize}] (use a new cache for another batch size or layer)`,
      );
    if (this.length + t > this.capacity)
      throw new ShapeError(
        `${fn}: got ${t} new positions after ${this.length} cached; expected at most capacity=${this.capacity} in all (reset the cache or make a larger one)`,
      );
  }
}
