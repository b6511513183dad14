/**
 * Walking strided views. Kernels that take strides first merge adjacent axes that are laid out
 * contiguously for every operand (so a plain same-shape add becomes one flat loop), then visit
 * the remaining index space one innermost row at a time.
 */
import type { Shape } from './types.js';

export interface Coalesced {
  shape: number[];
  strides: number[][];
}

/** Merge axis d into axis d+1 wherever every operand steps through them as one axis; drop size-1 axes. */
export function coalesce(shape: Shape, strides: readonly Shape[]): Coalesced {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, i) => outStrides[i][last] === s[d] * size);
    if (mergeable) {
      outShape[last] = outShape[last] * size;
      strides.forEach((s, i) => (outStrides[i][last] = s[d]));
    } else {
      outShape.push(size);
      strides.forEach((s, i) => outStrides[i].push(s[d]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    strides.forEach((_, i) => outStrides[i].push(0));
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Call `row(offsets, length)` for every innermost row of the index space; `offsets[i]` is the
 * element offset of operand i at the row start, and operand i steps by strides[i][last] inside it.
 * Offsets are updated incrementally (an odometer), so there is no division per element.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  baseOffsets: readonly number[],
  row: (offsets: number[], length: number) => void,
): void {
  const rank = shape.length;
  const n = strides.length;
  const offsets = baseOffsets.slice();
  const inner = shape[rank - 1];
  if (rank === 1) {
    row(offsets, inner);
    return;
  }
  const counter = new Array<number>(rank - 1).fill(0);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d];
  for (let r = 0; r < rows; r++) {
    row(offsets, inner);
    // advance the odometer over axes rank-2 .. 0
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      for (let i = 0; i < n; i++) offsets[i] += strides[i][d];
      if (counter[d] < shape[d]) break;
      for (let i = 0; i < n; i++) offsets[i] -= strides[i][d] * shape[d];
      counter[d] = 0;
    }
  }
}

/** Row-major strides of a contiguous array of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}
