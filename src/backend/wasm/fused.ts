/**
 * The wasm side of the fused layer kernels (assembly/bias.ts). Each returns false for work too
 * small to pay for the call (or operands that do not fit in the memory); the backend then runs
 * the portable loop.
 */
import type { AdamStep, FusedActivation } from '../types.js';
import type { WasmEngine } from './engine.js';
import { ActivationCode, adamScalars } from './generated/protocol.js';

/** Below this many floats the copies and the call cost more than the TypeScript loop. */
const MIN_ELEMENTS = 128;

export function biasActivation(
  e: WasmEngine,
  x: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  act: FusedActivation,
  out: Float32Array,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const xPtr = c.in(x, n),
    biasPtr = bias ? c.in(bias, cols) : 0,
    outPtr = c.out(out, n);
  if (!c.ok) return c.abort();
  // Split over rows across the threads when large (the row count comes from the range).
  e.parallel('biasActivation', { x: xPtr, bias: biasPtr, cols, act: ActivationCode[act], out: outPtr }, rows, n);
  c.end();
  return true;
}

export function biasActivationBackward(
  e: WasmEngine,
  g: Float32Array,
  y: Float32Array,
  rows: number,
  cols: number,
  act: FusedActivation,
  dx: Float32Array | null,
  dBias: Float32Array | null,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  // The linear case never reads y, so it is not copied in.
  const needY = act !== 'linear';
  const c = e.call();
  const gPtr = c.in(g, n),
    yPtr = needY ? c.in(y, n) : 0;
  const dxPtr = dx ? c.out(dx, n) : 0,
    dBiasPtr = dBias ? c.out(dBias, cols) : 0;
  if (!c.ok) return c.abort();
  if (e.threads > 1 && n >= THREADED_BACKWARD_MIN) {
    // Shared by rows for dx, then by columns for dBias (each column's sum keeps its row order, so
    // the bits are those of the one-pass kernel). dBias then reads dx, already masked.
    if (dx) e.parallel('biasBackwardRows', { g: gPtr, y: yPtr, cols, act: ActivationCode[act], dx: dxPtr }, rows, n);
    if (dBias) {
      const from = dx ? { g: dxPtr, y: 0, act: ActivationCode.linear } : { g: gPtr, y: yPtr, act: ActivationCode[act] };
      e.parallel('biasGradientColumns', { ...from, rows, cols, dBias: dBiasPtr }, Math.ceil(cols / 16), n);
    }
  } else e.kernels.biasActivationBackward(gPtr, yPtr, rows, cols, ActivationCode[act], dxPtr, dBiasPtr);
  c.end();
  return true;
}

/**
 * From this many floats the backward pass is shared between threads. Alone it runs near memory
 * speed (one pass over g, y and dx), so two threads gain little per call: the seed CNN's first
 * layer at batch 32 (21,632 × 32), 0.37 → 0.34 ms; its whole training step at batch 128,
 * 48.3 → 47.4 ms (3 interleaved pairs); batch 32 unchanged within noise.
 */
const THREADED_BACKWARD_MIN = 1 << 16;

/** Below this many weights the Adam step stays in the TypeScript loop (the call and copies cost more). */
const ADAM_MIN = 256;

/** One Adam step in wasm (same bits as the portable loop); false for small or non-fitting parameters. */
export function adamStep(
  e: WasmEngine,
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vMax: Float32Array | null,
  s: AdamStep,
): boolean {
  const n = p.length;
  if (n < ADAM_MIN) return false;
  const c = e.call();
  // Each of p, m, v (and vMax) is read and written: in and out at the same address.
  const pPtr = c.inOut(p),
    gPtr = c.in(g, n),
    mPtr = c.inOut(m),
    vPtr = c.inOut(v),
    wPtr = vMax ? c.inOut(vMax) : 0;
  const sPtr = c.floats64(adamScalars(s));
  if (!c.ok) return c.abort();
  // Split over the threads in ranges of whole cache lines.
  e.parallel('adam', { p: pPtr, g: gPtr, m: mPtr, v: vPtr, vMax: wPtr, scalars: sPtr, n }, Math.ceil(n / 16), n * 4);
  c.end();
  return true;
}
