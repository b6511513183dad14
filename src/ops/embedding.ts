/**
 * The embedding lookup (torch.nn.functional.embedding): rows of a table picked by token id. The
 * forward is the backend's gather; the backward is its adjoint, a scatter-add of the output's
 * gradient into a zeroed table — the size of the table, never a dense one-hot of the tokens. With a
 * padding index, that row is looked up like any other but gets no gradient: the gradient rows of
 * the padding tokens are zeroed before the scatter (a mask over the tokens, not over the table).
 */
import { Tensor } from '../tensor/tensor.js';
import { unravelIndex } from '../tensor/shape.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { record } from './record.js';
import { backendOf, empty, output, requireFloat } from './util.js';
import { argmax, max, min } from './reduce.js';
import { add, cast, ge, lt, mul, ne } from './elementwise.js';
import { reshape, sliceAxis } from './movement.js';

export interface EmbeddingOpOptions {
  /**
   * A row that gets no gradient (PyTorch's padding_idx); negative counts from the end. The row is
   * still looked up: it is zero only if the table holds zeros there (the Embedding layer sees to that).
   */
  paddingIdx?: number | null;
}

/**
 * weight [numEmbeddings, dim], ids int32 of any shape → [...ids.shape, dim]. Ids must lie in
 * [0, numEmbeddings): on the CPU backends an id outside it is an error naming the id and where it
 * is; on a device (which cannot stop its queue to say so) it reads a row of zeros.
 */
export function embedding(weight: Tensor, ids: Tensor, options: EmbeddingOpOptions = {}): Tensor {
  const fn = 'embedding';
  if (!(weight instanceof Tensor))
    throw new ArgumentError(`${fn}: got weight ${describe(weight)}; expected a Tensor [numEmbeddings, dim]`);
  if (!(ids instanceof Tensor))
    throw new ArgumentError(`${fn}: got ids ${describe(ids)}; expected an int32 Tensor of token ids`);
  requireFloat(fn, weight, 'weight');
  if (weight.rank !== 2)
    throw new ShapeError(`${fn}: got weight of shape ${describe(weight.shape)}; expected [numEmbeddings, dim]`);
  if (ids.dtype !== 'int32')
    throw new DTypeError(
      `${fn}: got token ids of dtype ${ids.dtype}; expected int32 (convert with ids.int(), or make them with { dtype: 'int32' })`,
    );
  const rows = weight.shape[0];
  const paddingIdx = paddingIndex(fn, options.paddingIdx, rows);
  checkIds(fn, ids, rows);
  return lookUp(weight, ids, paddingIdx);
}

/**
 * `embedding` of ids the caller has already checked on the host (0 <= id < rows): without the two
 * reductions and host reads of the check — per token of incremental decoding they cost about as
 * much as the lookup's layer. Not part of the public API (ops/index.ts does not export it).
 */
export function embeddingOfCheckedIds(weight: Tensor, ids: Tensor): Tensor {
  return lookUp(weight, ids, null);
}

function lookUp(weight: Tensor, ids: Tensor, paddingIdx: number | null): Tensor {
  const fn = 'embedding';
  const [rows, dim] = weight.shape;
  const be = backendOf(fn, weight, ids);
  const out = output([...ids.shape, dim], 'float32', be);
  be.gather(weight.storage, 1, rows, dim, ids.storage, out.storage);
  return record(fn, out, [weight], (g) => {
    let gRows = g;
    // Zero the padding tokens' gradient rows: [..., dim] times a [..., 1] mask of the other tokens.
    if (paddingIdx !== null) gRows = mul(g, cast(reshape(ne(ids, paddingIdx), [...ids.shape, 1]), 'float32'));
    const gbe = backendOf(fn, gRows, ids);
    const gw = empty(weight.shape, 'float32', gbe);
    gbe.scatterAdd(gRows.storage, 1, rows, dim, ids.storage, gw.storage);
    return [gw];
  });
}

/** A padding index as a row number in [0, rows), or null for none (PyTorch's rule: −rows ≤ i < rows). */
export function paddingIndex(fn: string, value: unknown, rows: number): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -rows || value >= rows) {
    throw new ArgumentError(
      `${fn}: got paddingIdx=${describe(value)}; expected an integer in [${-rows}, ${rows}) (a row of the ${rows}-row table), or null for none`,
    );
  }
  return value < 0 ? value + rows : value;
}

/**
 * Every id in [0, rows), checked by two reductions where storage can be read synchronously; the
 * error names the first bad id and its position, since a bad id is usually a tokenizer/vocabulary
 * mismatch that the position helps find.
 */
function checkIds(fn: string, ids: Tensor, rows: number): void {
  if (ids.size === 0 || !ids.backend.hostStorage) return;
  const lo = min(ids).item(),
    hi = max(ids).item();
  if (lo >= 0 && hi < rows) return;
  const flat = reshape(ids, [ids.size]);
  const at = argmax(add(lt(flat, 0), ge(flat, rows))).item();
  const id = sliceAxis(flat, 0, at, at + 1).item();
  const where =
    ids.rank > 1 ? ` at position ${describe(unravelIndex(at, ids.shape))}` : ids.rank === 1 ? ` at position ${at}` : '';
  throw new ArgumentError(
    `${fn}: token id ${id}${where} is out of range for a table of ${rows} rows; expected 0 <= id < ${rows} (the vocabulary size, inputDim); is the tokenizer's vocabulary larger than the layer's?`,
  );
}
