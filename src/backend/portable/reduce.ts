/** Reduction kernel: x viewed as [outer, size, inner] reduced over the middle axis. */
import type { ReduceOp, TypedArray } from '../types.js';

export function reduce(op: ReduceOp, x: TypedArray, outer: number, size: number, inner: number, out: TypedArray): void {
  if (inner === 1) {
    reduceRows(op, x, outer, size, out);
    return;
  }
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    const ob = o * inner;
    switch (op) {
      case 'sum': {
        for (let i = 0; i < inner; i++) out[ob + i] = 0;
        for (let r = 0; r < size; r++) {
          const xb = base + r * inner;
          for (let i = 0; i < inner; i++) out[ob + i] += x[xb + i];
        }
        break;
      }
      case 'max':
      case 'min': {
        const isMax = op === 'max';
        for (let i = 0; i < inner; i++) out[ob + i] = x[base + i];
        for (let r = 1; r < size; r++) {
          const xb = base + r * inner;
          for (let i = 0; i < inner; i++) {
            const v = x[xb + i],
              cur = out[ob + i];
            // NaN propagates, as in NumPy and PyTorch.
            if (v !== v || (isMax ? v > cur : v < cur)) out[ob + i] = v;
          }
        }
        break;
      }
      case 'argmax':
      case 'argmin': {
        const isMax = op === 'argmax';
        for (let i = 0; i < inner; i++) {
          let best = x[base + i],
            at = 0;
          for (let r = 1; r < size; r++) {
            const v = x[base + r * inner + i];
            if (best !== best) break;
            if (v !== v || (isMax ? v > best : v < best)) {
              best = v;
              at = r;
            }
          }
          out[ob + i] = at;
        }
        break;
      }
    }
  }
}

/** The common case of reducing the last axis: one contiguous row per output. */
function reduceRows(op: ReduceOp, x: TypedArray, rows: number, size: number, out: TypedArray): void {
  for (let o = 0; o < rows; o++) {
    const base = o * size;
    switch (op) {
      case 'sum':
        out[o] = rowSum(x, base, size);
        break;
      case 'max':
        out[o] = rowMax(x, base, size);
        break;
      case 'min': {
        let best = x[base];
        for (let r = 1; r < size; r++) {
          const v = x[base + r];
          if (v < best || v !== v) best = v;
        }
        out[o] = best;
        break;
      }
      case 'argmax':
      case 'argmin': {
        const isMax = op === 'argmax';
        let best = x[base],
          at = 0;
        for (let r = 1; r < size && best === best; r++) {
          const v = x[base + r];
          if (v !== v || (isMax ? v > best : v < best)) {
            best = v;
            at = r;
          }
        }
        out[o] = at;
        break;
      }
    }
  }
}

/**
 * Σ x[base .. base + size): four partial sums in float64 (fewer dependent adds, a little less
 * rounding drift), the leftover elements into the first. The wasm kernels add in this same order,
 * so every backend's row sums agree bit for bit.
 */
export function rowSum(x: ArrayLike<number>, base: number, size: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let r = 0;
  for (; r + 3 < size; r += 4) {
    s0 += x[base + r];
    s1 += x[base + r + 1];
    s2 += x[base + r + 2];
    s3 += x[base + r + 3];
  }
  for (; r < size; r++) s0 += x[base + r];
  return s0 + s1 + s2 + s3;
}

/** max of x[base .. base + size) (size ≥ 1); the first NaN wins, as in NumPy and PyTorch. */
export function rowMax(x: ArrayLike<number>, base: number, size: number): number {
  let best = x[base];
  for (let r = 1; r < size; r++) {
    const v = x[base + r];
    if (v > best || v !== v) best = v;
  }
  return best;
}
