/**
 * Movement ops: they rearrange, select or combine elements without arithmetic. Storage is always
 * contiguous, so each materialises its result through the backend's strided copy or gather.
 */
import type { Backend, Shape } from '../backend/types.js';
import { contiguousStrides } from '../backend/strided.js';
import { Tensor } from '../tensor/tensor.js';
import { normalizeAxis, sameShape, sizeOf } from '../tensor/shape.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { record } from './record.js';
import { backendOf, empty, output } from './util.js';
import { max, min, sumTo } from './reduce.js';
import { add, cast, eq, lt, where } from './elementwise.js';
import { fromHostValues } from '../tensor/creation.js';

/** Same data, new shape; one dimension may be -1 and is inferred. Shares storage (no copy). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = inferReshape(x, shape);
  if (sameShape(target, x.shape)) return x;
  const out = new Tensor(x.storage, target, x.dtype, x.backend);
  return record('reshape', out, [x], (g) => [reshape(g, x.shape)]);
}

function inferReshape(x: Tensor, shape: Shape): number[] {
  const fn = 'reshape';
  if (!Array.isArray(shape)) throw new ArgumentError(`${fn}: got ${describe(shape)}; expected an array of dimensions`);
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (out.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== unknown))) {
    throw new ShapeError(
      `${fn}: got target shape ${describe(shape)}; expected non-negative integers and at most one -1`,
    );
  }
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(
        `${fn}: cannot reshape tensor of shape ${describe(x.shape)} (${x.size} elements) into ${describe(shape)}`,
      );
    }
    out[unknown] = x.size / known;
  }
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(
      `${fn}: cannot reshape tensor of shape ${describe(x.shape)} (${x.size} elements) into ${describe(shape)} (${sizeOf(out)} elements); expected the same number of elements`,
    );
  }
  return out;
}

/** Collapse axes startAxis..endAxis into one (default: all but the first, like Keras Flatten). */
export function flatten(x: Tensor, startAxis = 1, endAxis = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startAxis, x.rank);
  const e = normalizeAxis('flatten', endAxis, x.rank);
  if (e < s)
    throw new ArgumentError(`flatten: got startAxis=${startAxis} after endAxis=${endAxis}; expected start <= end`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Reorder axes: out.shape[i] = x.shape[perm[i]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const fn = 'permute';
  if (perm.length !== x.rank) {
    throw new ShapeError(
      `${fn}: got permutation ${describe(perm)} of length ${perm.length} for a tensor of rank ${x.rank}; expected length ${x.rank}`,
    );
  }
  const p = perm.map((a) => normalizeAxis(fn, a, x.rank));
  if (new Set(p).size !== p.length)
    throw new ArgumentError(`${fn}: got ${describe(perm)}; expected each axis exactly once`);
  if (p.every((a, i) => a === i)) return x;
  const shape = p.map((a) => x.shape[a]);
  // Moving only size-1 axes keeps every element where it is: a reshape, no copy (a single token's
  // [batch, 1, heads, size] → [batch, heads, 1, size] in attention, say).
  const moved = p.filter((a) => x.shape[a] !== 1);
  if (moved.every((a, i) => i === 0 || a > moved[i - 1])) return reshape(x, shape);
  const inStrides = contiguousStrides(x.shape);
  const be = backendOf(fn, x);
  const out = output(shape, x.dtype, be);
  be.copyStrided(
    x.storage,
    0,
    p.map((a) => inStrides[a]),
    out.storage,
    0,
    contiguousStrides(shape),
    shape,
  );
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  return record('permute', out, [x], (g) => [permute(g, inverse)]);
}

/** Swap two axes (default: the last two, i.e. matrix transpose). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.rank < 2) return x;
  const a = normalizeAxis('transpose', axis0, x.rank);
  const b = normalizeAxis('transpose', axis1, x.rank);
  const perm = [...Array(x.rank).keys()];
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Drop size-1 axes (all of them, or only those named). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  let drop: number[];
  if (axes === undefined) drop = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  else {
    drop = (typeof axes === 'number' ? [axes] : [...axes]).map((a) => normalizeAxis('squeeze', a, x.rank));
    for (const a of drop) {
      if (x.shape[a] !== 1)
        throw new ShapeError(
          `squeeze: axis ${a} has size ${x.shape[a]} in shape ${describe(x.shape)}; expected size 1`,
        );
    }
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !drop.includes(i)),
  );
}

/** Insert a size-1 axis at `axis` (which may be rank, to append). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Broadcast to a larger shape (materialised); the gradient sums back. */
export function expand(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = shape.length - x.rank;
  const ok = lead >= 0 && x.shape.every((d, i) => d === shape[lead + i] || d === 1);
  if (!ok)
    throw new ShapeError(
      `expand: cannot broadcast shape ${describe(x.shape)} to ${describe(shape)}; expected each axis to match or be 1`,
    );
  const strides = new Array<number>(shape.length).fill(0);
  const xs = contiguousStrides(x.shape);
  x.shape.forEach((d, i) => (strides[lead + i] = d === 1 ? 0 : xs[i]));
  // (Here and in permute, concat, slice and gather the copy writes every element: no zeroing.)
  const be = backendOf('expand', x);
  const out = output(shape, x.dtype, be);
  be.copyStrided(x.storage, 0, strides, out.storage, 0, contiguousStrides(shape), shape);
  return record('expand', out, [x], (g) => [sumTo(g, x.shape)]);
}

/** Join tensors along an existing axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const fn = 'concat';
  if (!tensors || tensors.length === 0)
    throw new ArgumentError(`${fn}: got ${describe(tensors)}; expected a non-empty array of tensors`);
  const first = tensors[0];
  const a = normalizeAxis(fn, axis, first.rank);
  for (const t of tensors) {
    if (t.dtype !== first.dtype)
      throw new DTypeError(`${fn}: got dtypes ${t.dtype} and ${first.dtype}; expected all the same`);
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(
        `${fn}: shapes ${describe(first.shape)} and ${describe(t.shape)} differ off axis ${a}; expected equal sizes except along it`,
      );
    }
  }
  const shape = [...first.shape];
  shape[a] = tensors.reduce((n, t) => n + t.shape[a], 0);
  const be = backendOf(fn, ...tensors);
  const out = output(shape, first.dtype, be);
  const outStrides = contiguousStrides(shape);
  let offset = 0;
  const starts: number[] = [];
  for (const t of tensors) {
    starts.push(offset);
    be.copyStrided(t.storage, 0, contiguousStrides(t.shape), out.storage, offset * outStrides[a], outStrides, t.shape);
    offset += t.shape[a];
  }
  return record(fn, out, tensors, (g) =>
    tensors.map((t, i) => (t.requiresGrad ? sliceAxis(g, a, starts[i], starts[i] + t.shape[a]) : null)),
  );
}

/** Join tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!tensors || tensors.length === 0)
    throw new ArgumentError(`stack: got ${describe(tensors)}; expected a non-empty array of tensors`);
  const first = tensors[0];
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape))
      throw new ShapeError(
        `stack: shapes ${describe(first.shape)} and ${describe(t.shape)} differ; expected all equal`,
      );
  }
  const a = normalizeAxis('stack', axis, first.rank + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, a)),
    a,
  );
}

/** Split along `axis` into pieces of the given sizes, or into `sections` equal pieces. */
export function split(x: Tensor, sizesOrSections: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const n = x.shape[a];
  let sizes: number[];
  if (typeof sizesOrSections === 'number') {
    if (!Number.isInteger(sizesOrSections) || sizesOrSections <= 0 || n % sizesOrSections !== 0) {
      throw new ArgumentError(`split: cannot split axis of size ${n} into ${describe(sizesOrSections)} equal sections`);
    }
    sizes = new Array(sizesOrSections).fill(n / sizesOrSections);
  } else {
    sizes = [...sizesOrSections];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((p, q) => p + q, 0) !== n) {
      throw new ArgumentError(`split: sizes ${describe(sizesOrSections)} do not add up to axis size ${n}`);
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(sliceAxis(x, a, start, start + s));
    start += s;
  }
  return out;
}

/** x[start:end] along one axis. */
export function sliceAxis(x: Tensor, axis: number, start: number, end: number): Tensor {
  const starts = new Array<number>(x.rank).fill(0);
  const ends = [...x.shape];
  const a = normalizeAxis('slice', axis, x.rank);
  starts[a] = start;
  ends[a] = end;
  return slice(x, starts, ends);
}

/**
 * A contiguous box: for each axis, elements start[i] ≤ j < end[i]. Negative values count from the
 * end, like Python; `end` entries may be omitted (to the end of the axis).
 */
export function slice(x: Tensor, start: readonly number[], end?: readonly (number | undefined)[]): Tensor {
  const fn = 'slice';
  if (start.length > x.rank || (end && end.length > x.rank)) {
    throw new ShapeError(
      `${fn}: got ${start.length} start indices for a tensor of rank ${x.rank}; expected at most ${x.rank}`,
    );
  }
  const lo: number[] = [];
  const shape: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const n = x.shape[i];
    const norm = (v: number | undefined, dflt: number): number => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v))
        throw new ArgumentError(`${fn}: got index ${describe(v)} on axis ${i}; expected an integer`);
      return Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    };
    const s = norm(start[i], 0);
    const e = Math.max(norm(end?.[i], n), s);
    lo.push(s);
    shape.push(e - s);
  }
  if (sameShape(shape, x.shape)) return x;
  const strides = contiguousStrides(x.shape);
  const offset = lo.reduce((o, s, i) => o + s * strides[i], 0);
  const be = backendOf(fn, x);
  const out = output(shape, x.dtype, be);
  be.copyStrided(x.storage, offset, strides, out.storage, 0, contiguousStrides(shape), shape);
  return record(fn, out, [x], (g) => [
    pad(
      g,
      lo.map((s, i) => [s, x.shape[i] - s - shape[i]] as [number, number]),
    ),
  ]);
}

/** Pad each axis with `value`: widths[i] = [before, after] (missing trailing axes are not padded). */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  const fn = 'pad';
  if (widths.length > x.rank)
    throw new ShapeError(
      `${fn}: got ${widths.length} pad widths for a tensor of rank ${x.rank}; expected at most ${x.rank}`,
    );
  const w = x.shape.map((_, i) => widths[i] ?? [0, 0]);
  for (const [b, a] of w) {
    if (!Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0) {
      throw new ArgumentError(
        `${fn}: got widths ${describe(widths)}; expected non-negative integer [before, after] pairs`,
      );
    }
  }
  const shape = x.shape.map((d, i) => d + w[i][0] + w[i][1]);
  const be = backendOf(fn, x);
  const out = empty(shape, x.dtype, be);
  if (value !== 0) be.fill(out.storage, value);
  const outStrides = contiguousStrides(shape);
  const offset = w.reduce((o, [b], i) => o + b * outStrides[i], 0);
  be.copyStrided(x.storage, 0, contiguousStrides(x.shape), out.storage, offset, outStrides, x.shape);
  return record(fn, out, [x], (g) => [
    slice(
      g,
      w.map(([b]) => b),
      w.map(([b], i) => b + x.shape[i]),
    ),
  ]);
}

/**
 * Indices as an int32 tensor on `be`, negatives counted from the end, each checked against the
 * axis size. The check reads two reductions (min, max), so it runs where storage can be read
 * synchronously; on a device an out-of-range index reads 0 rather than stopping the queue.
 */
function indexTensor(fn: string, indices: Tensor | readonly number[], size: number, be: Backend): Tensor {
  let idx: Tensor;
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32') throw new DTypeError(`${fn}: got indices of dtype ${indices.dtype}; expected int32`);
    idx = indices;
  } else {
    if (!Array.isArray(indices))
      throw new ArgumentError(
        `${fn}: got indices ${describe(indices)}; expected an int32 Tensor or an array of integers`,
      );
    idx = fromHostValues(Int32Array.from(indices), [indices.length], {}, be);
  }
  if (idx.size === 0) return idx;
  let negative = true;
  if (idx.backend.hostStorage) {
    const lo = min(idx).item(),
      hi = max(idx).item();
    for (const v of [lo, hi]) {
      if (v < -size || v >= size)
        throw new ArgumentError(
          `${fn}: index ${v} is out of range for an axis of size ${size}; expected ${-size} <= index < ${size}`,
        );
    }
    negative = lo < 0;
  }
  return negative ? where(lt(idx, 0), add(idx, size), idx) : idx;
}

/**
 * Pick entries along `axis` by index: the result has indices.shape in place of that axis
 * (torch.index_select for 1-d indices; an embedding lookup for 2-d ones).
 */
export function gather(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  const fn = 'gather';
  const a = normalizeAxis(fn, axis, x.rank);
  const be = backendOf(fn, x, indices instanceof Tensor ? indices : null);
  const idx = indexTensor(fn, indices, x.shape[a], be);
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const shape = [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)];
  const out = output(shape, x.dtype, be);
  be.gather(x.storage, outer, x.shape[a], inner, idx.storage, out.storage);
  return record(fn, out, [x], (g) => {
    const gbe = backendOf(fn, g, idx);
    const gx = empty(x.shape, 'float32', gbe);
    gbe.scatterAdd(g.storage, outer, x.shape[a], inner, idx.storage, gx.storage);
    return [gx];
  });
}

/** Alias of `gather` with PyTorch's name. */
export const indexSelect = gather;

/** int32 class labels → float32 one-hot rows (no gradient): labels compared with 0..numClasses−1. */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  const fn = 'oneHot';
  if (labels.dtype !== 'int32')
    throw new DTypeError(`${fn}: got labels of dtype ${labels.dtype}; expected int32 class indices`);
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new ArgumentError(`${fn}: got numClasses=${describe(numClasses)}; expected a positive integer`);
  if (labels.size > 0 && labels.backend.hostStorage) {
    for (const v of [min(labels).item(), max(labels).item()]) {
      if (v < 0 || v >= numClasses)
        throw new ArgumentError(`${fn}: got label ${v}; expected 0 <= label < ${numClasses}`);
    }
  }
  const classes = fromHostValues(
    Int32Array.from({ length: numClasses }, (_, i) => i),
    [numClasses],
    {},
    labels.backend,
  );
  return cast(eq(reshape(labels, [...labels.shape, 1]), classes), 'float32');
}

/** A copy with its own storage; gradients flow through. */
export function clone(x: Tensor): Tensor {
  const be = backendOf('clone', x);
  const out = output(x.shape, x.dtype, be);
  be.copyStrided(x.storage, 0, [1], out.storage, 0, [1], [x.size]);
  return record('clone', out, [x], (g) => [g]);
}
