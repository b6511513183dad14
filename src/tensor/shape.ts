/** Shape arithmetic shared by creation, ops and kernels' callers. */
import type { Shape } from '../backend/types.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function checkShape(fn: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${fn}: got shape ${describe(shape)}; expected non-negative integer dimensions`);
    }
  }
}

/** NumPy broadcasting of two shapes, or a ShapeError naming `fn`. */
export function broadcastShapes(fn: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${fn}: shapes ${describe(a)} and ${describe(b)} cannot be broadcast together ` +
          `(axis ${i - rank} has sizes ${da} and ${db}; expected equal sizes or 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Element strides that read an array of `shape` as if it had `target` shape (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const strides = new Array<number>(target.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const t = target.length - shape.length + i;
    strides[t] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/** Turn a possibly negative axis into 0..rank-1, or throw naming `fn`. */
export function normalizeAxis(fn: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ArgumentError(
      `${fn}: axis ${describe(axis)} is out of range for a tensor of rank ${rank}; expected an integer in [${-rank}, ${rank - 1}]`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalise `axes` (undefined = all), sort them and reject duplicates. */
export function normalizeAxes(fn: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => normalizeAxis(fn, a, rank)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new ArgumentError(`${fn}: axis ${out[i]} appears twice in ${describe(axes)}`);
  }
  return out;
}

/** The multi-index of flat (row-major) position `i` in `shape`, e.g. for an error message. */
export function unravelIndex(i: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    index[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return index;
}
