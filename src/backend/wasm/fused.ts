/**
 * The wasm side of the fused layer kernels (assembly/bias.ts). Each returns false for work too
 * small to pay for the copies (or operands that do not fit in the memory); the backend then runs
 * the portable loop.
 */
import type { FusedActivation } from '../types.js';
import type { WasmEngine } from './engine.js';

/** Below this many floats the copies and the call cost more than the TypeScript loop. */
const MIN_ELEMENTS = 128;

const ACT: Record<FusedActivation, number> = { linear: 0, relu: 1 };

const head = <T extends Float32Array | Int32Array>(a: T, n: number): T => (a.length === n ? a : (a.subarray(0, n) as T));

export function biasActivation(
  e: WasmEngine, x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: FusedActivation, out: Float32Array,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  const r = e.regions([n * 4, bias ? cols * 4 : 0]);
  if (r === null) return false;
  e.put(r[0], head(x, n));
  if (bias) e.put(r[1], head(bias, cols));
  // In place: the result overwrites x's copy.
  e.kernels.biasActivation(r[0], bias ? r[1] : 0, rows, cols, ACT[act], r[0]);
  e.take(r[0], head(out, n));
  return true;
}

export function biasActivationBackward(
  e: WasmEngine, g: Float32Array, y: Float32Array, rows: number, cols: number, act: FusedActivation,
  dx: Float32Array | null, dBias: Float32Array | null,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  // The linear case never reads y, so it is not copied in.
  const needY = act !== 'linear';
  const r = e.regions([n * 4, needY ? n * 4 : 0, dBias ? cols * 4 : 0]);
  if (r === null) return false;
  e.put(r[0], head(g, n));
  if (needY) e.put(r[1], head(y, n));
  // dx overwrites g's copy: each element of g is read before its dx is written.
  e.kernels.biasActivationBackward(r[0], r[1], rows, cols, ACT[act], dx ? r[0] : 0, dBias ? r[2] : 0);
  if (dx) e.take(r[0], head(dx, n));
  if (dBias) e.take(r[2], head(dBias, cols));
  return true;
}
