/**
 * Storage for the CPU backends: an ordinary typed array (or, on wasm, a view of its heap). These
 * are the storage methods of Backend<TypedArray> that the portable and wasm backends share.
 */
import type { DType, TypedArray } from '../types.js';

/** A fresh ordinary array of the same dtype holding a copy (never a view of the wasm heap). */
export function hostCopy(s: TypedArray): TypedArray {
  return s instanceof Int32Array ? new Int32Array(s) : new Float32Array(s);
}

export function newHostArray(dtype: DType, size: number): TypedArray {
  return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}

export const hostStorageMethods = {
  hostStorage: true as const,
  sizeOf: (s: TypedArray): number => s.length,
  readSync: hostCopy,
  read: async (s: TypedArray): Promise<TypedArray> => hostCopy(s),
  write(s: TypedArray, values: TypedArray): void {
    s.set(values);
  },
  fill(s: TypedArray, value: number): void {
    s.fill(value);
  },
  /** Typed-array conversion: float→int32 truncates toward zero (NaN → 0), as cast documents. */
  cast(x: TypedArray, out: TypedArray): void {
    out.set(x);
  },
};
