/**
 * Backend.copyStrided on the wasm backend (assembly/movement.ts), for storage that lives in the
 * heap on both sides (a copy from an ordinary array — a slice of a whole data set, say — would
 * first copy all of it in) and shapes that coalesce to at most four axes. Returns false for any
 * other case, and the backend runs the portable loop.
 */
import type { Shape, TypedArray } from '../types.js';
import { coalesce } from '../strided.js';
import type { WasmEngine } from './engine.js';

/** Below this many elements the TypeScript loop is as quick as the call. */
const MIN_ELEMENTS = 1024;
const RANK = 4;

export function copyStrided(
  e: WasmEngine,
  src: TypedArray,
  srcOffset: number,
  srcStrides: Shape,
  dst: TypedArray,
  dstOffset: number,
  dstStrides: Shape,
  shape: Shape,
): boolean {
  let total = 1;
  for (const d of shape) total *= d;
  if (total < MIN_ELEMENTS) return false;
  const from = e.heap.addressOf(src),
    to = e.heap.addressOf(dst);
  if (from < 0 || to < 0) return false;
  const c = coalesce(shape, [srcStrides, dstStrides]);
  const rank = c.shape.length;
  if (rank > RANK || c.strides.some((s) => s.some((v) => v < 0))) return false;
  // Axes of size 1 (stride 0) after the first, up to four: the first stays the one the threads share.
  const widen = (v: readonly number[], fill: number): number[] => [
    v[0],
    ...new Array<number>(RANK - rank).fill(fill),
    ...v.slice(1),
  ];
  const n = widen(c.shape, 1),
    ss = widen(c.strides[0], 0),
    ds = widen(c.strides[1], 0);
  const args = {
    src: from + 4 * srcOffset,
    dst: to + 4 * dstOffset,
    n1: n[1],
    n2: n[2],
    n3: n[3],
    ss0: ss[0],
    ss1: ss[1],
    ss2: ss[2],
    ss3: ss[3],
    ds0: ds[0],
    ds1: ds[1],
    ds2: ds[2],
    ds3: ds[3],
  };
  e.parallel('copyStrided', args, n[0], total);
  return true;
}
