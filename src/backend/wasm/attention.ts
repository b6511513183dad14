/**
 * The wasm side of the transformer block's fused kernels (assembly/gelu.ts, attentionSoftmax in
 * assembly/softmax.ts), threaded by blocks of elements or by rows. Each returns false for work
 * too small to pay for the call (or operands that do not fit in the memory); the backend then
 * runs the portable loop.
 */
import type { WasmEngine } from './engine.js';
import { MIN_ELEMENTS } from './elementwise.js';
import { ELEMENT_BLOCK } from './protocol.js';

const f32Bits = new Int32Array(1);
const f32View = new Float32Array(f32Bits.buffer);
/** The bits of x rounded to float32, as the i32 argument the kernels reinterpret. */
function bitsOf(x: number): number {
  f32View[0] = x;
  return f32Bits[0];
}

export function gelu(e: WasmEngine, x: Float32Array, out: Float32Array): boolean {
  const n = x.length;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const xPtr = c.in(x),
    outPtr = c.out(out);
  if (!c.ok) return c.abort();
  e.parallel('gelu', { x: xPtr, out: outPtr, n }, Math.ceil(n / ELEMENT_BLOCK), n);
  c.end();
  return true;
}

export function geluBackward(e: WasmEngine, g: Float32Array, x: Float32Array, dx: Float32Array): boolean {
  const n = x.length;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const gPtr = c.in(g),
    xPtr = c.in(x),
    dxPtr = c.out(dx);
  if (!c.ok) return c.abort();
  e.parallel('geluBackward', { g: gPtr, x: xPtr, dx: dxPtr, n }, Math.ceil(n / ELEMENT_BLOCK), n);
  c.end();
  return true;
}

export function attentionSoftmax(
  e: WasmEngine,
  x: Float32Array,
  rows: number,
  cols: number,
  tq: number,
  scale: number,
  causal: boolean,
  out: Float32Array,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const xPtr = c.in(x, n),
    outPtr = c.out(out, n);
  if (!c.ok) return c.abort();
  const args = { x: xPtr, out: outPtr, cols, tq, scaleBits: bitsOf(scale), causal: causal ? 1 : 0 };
  e.parallel('attentionSoftmax', args, rows, n);
  c.end();
  return true;
}

export function attentionSoftmaxBackward(
  e: WasmEngine,
  g: Float32Array,
  y: Float32Array,
  rows: number,
  cols: number,
  scale: number,
  dx: Float32Array,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const gPtr = c.in(g, n),
    yPtr = c.in(y, n),
    dxPtr = c.out(dx, n);
  if (!c.ok) return c.abort();
  e.parallel('attentionSoftmaxBackward', { g: gPtr, y: yPtr, cols, scaleBits: bitsOf(scale), dx: dxPtr }, rows, n);
  c.end();
  return true;
}
