/**
 * log-softmax over rows on the wasm backend (assembly/softmax.ts), threaded by rows. Inputs under
 * MIN_ELEMENTS are declined, as the elementwise kernels decline them: the composed op would then
 * run exp on the portable backend, and the fused one must give the same bits.
 */
import type { WasmEngine } from './engine.js';
import { MIN_ELEMENTS } from './elementwise.js';

export function logSoftmax(
  e: WasmEngine,
  x: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  stats: Float32Array,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const xPtr = c.in(x, n),
    statsPtr = c.out(stats, 2 * rows),
    lsePtr = c.scratch(rows * 4),
    outPtr = c.out(out, n);
  if (!c.ok) return c.abort();
  e.parallel('softmaxStats', { x: xPtr, cols, stats: statsPtr }, rows, n);
  // log S in JavaScript, as the composed op takes it (Math.log, rounded to float32).
  const s = e.floats(statsPtr, 2 * rows),
    lse = e.floats(lsePtr, rows);
  for (let r = 0; r < rows; r++) lse[r] = Math.log(s[2 * r + 1]);
  e.parallel('logSoftmaxApply', { x: xPtr, stats: statsPtr, lse: lsePtr, cols, out: outPtr }, rows, n);
  c.end();
  return true;
}

export function logSoftmaxBackward(
  e: WasmEngine,
  g: Float32Array,
  x: Float32Array,
  stats: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const gPtr = c.in(g, n),
    xPtr = c.in(x, n),
    statsPtr = c.in(stats, 2 * rows),
    dxPtr = c.out(dx, n);
  if (!c.ok) return c.abort();
  e.parallel('logSoftmaxBackward', { g: gPtr, x: xPtr, stats: statsPtr, cols, dx: dxPtr }, rows, n);
  c.end();
  return true;
}
