/**
 * Matrix products. `matmul` follows NumPy: 1-d operands are promoted to matrices and squeezed
 * back, leading batch axes broadcast. Underneath, `mm` multiplies op(A)·op(B) with optional
 * transposes handled by the kernel, so backward passes need no transposed copies.
 */
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { record } from './record.js';
import { empty, output, requireFloat, backendOf } from './util.js';
import { sum } from './reduce.js';
import { expand, reshape, squeeze } from './movement.js';

export function matmul(a: Tensor, b: Tensor): Tensor {
  const fn = 'matmul';
  if (!(a instanceof Tensor) || !(b instanceof Tensor))
    throw new ArgumentError(`${fn}: got ${describe(a)} and ${describe(b)}; expected two Tensors`);
  requireFloat(fn, a, 'left operand');
  requireFloat(fn, b, 'right operand');
  if (a.rank === 0 || b.rank === 0)
    throw new ShapeError(
      `${fn}: got a 0-d operand (shapes ${describe(a.shape)} and ${describe(b.shape)}); expected at least 1-d; use mul for scalars`,
    );
  const A = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const B = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const k = A.shape[A.rank - 1];
  if (B.shape[B.rank - 2] !== k) {
    throw new ShapeError(
      `${fn}: shapes ${describe(a.shape)} and ${describe(b.shape)} are not aligned: ${k} (last axis of the left) != ${B.shape[B.rank - 2]} (${b.rank === 1 ? 'only' : 'second-to-last'} axis of the right); expected them equal`,
    );
  }
  let out: Tensor;
  if (B.rank === 2 && A.rank > 2) {
    // [..., m, k] @ [k, n]: fold the batch into rows, one big GEMM (the Linear-layer case).
    const m = sizeOf(A.shape.slice(0, -1));
    out = reshape(mm(reshape(A, [m, k]), B), [...A.shape.slice(0, -1), B.shape[1]]);
  } else {
    out = batchedMatmul(A, B);
  }
  if (a.rank === 1) out = squeeze(out, out.rank - 2);
  if (b.rank === 1) out = squeeze(out, out.rank - 1);
  return out;
}

function batchedMatmul(A: Tensor, B: Tensor): Tensor {
  const batchShape = broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
  const fit = (t: Tensor): Tensor => {
    const own = t.shape.slice(0, -2);
    const size = sizeOf(own);
    // A batch of size 1 is shared (stride 0); a partial broadcast is materialised.
    if (size === 1 || (own.length === batchShape.length && own.every((d, i) => d === batchShape[i]))) return t;
    return expand(t, [...batchShape, ...t.shape.slice(-2)]);
  };
  const out = mm(fit(A), fit(B), false, false, batchShape);
  return out;
}

/**
 * op(A) @ op(B) over a batch. A is [..., m, k] (or [..., k, m] when transA), B likewise; each
 * operand's batch is either the full `batchShape` or of size 1 (shared).
 */
export function mm(a: Tensor, b: Tensor, transA = false, transB = false, batchShape: readonly number[] = []): Tensor {
  const m = transA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const k = transA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const n = transB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  const kb = transB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  if (k !== kb)
    throw new ShapeError(
      `mm: inner dimensions differ (${k} vs ${kb}) for shapes ${describe(a.shape)} and ${describe(b.shape)}`,
    );
  const batch = sizeOf(batchShape);
  const aShared = sizeOf(a.shape.slice(0, -2)) === 1;
  const bShared = sizeOf(b.shape.slice(0, -2)) === 1;
  // An empty inner dimension gives zeros, which a kernel may not write: only then zeroed storage.
  const be = backendOf('matmul', a, b);
  const out = k === 0 ? empty([...batchShape, m, n], 'float32', be) : output([...batchShape, m, n], 'float32', be);
  be.matmul(a.storage, b.storage, out.storage, {
    m,
    k,
    n,
    transA,
    transB,
    batch,
    aBatchStride: aShared ? 0 : m * k,
    bBatchStride: bShared ? 0 : k * n,
  });
  return record('matmul', out, [a, b], (g) => {
    // With C = op(A)·op(B): dop(A) = G·op(B)ᵀ and dop(B) = op(A)ᵀ·G, arranged so that each
    // product is again one mm call with transpose flags instead of a transposed copy.
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      ga = transA ? mm(b, g, transB, true, batchShape) : mm(g, b, false, !transB, batchShape);
      if (aShared && batch > 1) ga = sum(ga, [...batchShape.keys()]);
      ga = reshape(ga, a.shape);
    }
    if (b.requiresGrad) {
      gb = transB ? mm(g, a, true, transA, batchShape) : mm(a, g, !transA, false, batchShape);
      if (bShared && batch > 1) gb = sum(gb, [...batchShape.keys()]);
      gb = reshape(gb, b.shape);
    }
    return [ga, gb];
  });
}
