/**
 * The wasm side of the transformer block's fused kernels (assembly/gelu.ts, attentionSoftmax in
 * assembly/softmax.ts, assembly/layernorm.ts), threaded by blocks of elements or by rows. Each returns false for work
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

export function layerNorm(
  e: WasmEngine,
  x: Float32Array,
  w: Float32Array | null,
  b: Float32Array | null,
  rows: number,
  cols: number,
  eps: number,
  out: Float32Array,
  stats: Float32Array,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const xPtr = c.in(x, n),
    wPtr = w ? c.in(w, cols) : 0,
    bPtr = b ? c.in(b, cols) : 0,
    outPtr = c.out(out, n),
    statsPtr = c.out(stats, 2 * rows);
  if (!c.ok) return c.abort();
  const args = { x: xPtr, w: wPtr, b: bPtr, cols, epsBits: bitsOf(eps), out: outPtr, stats: statsPtr };
  e.parallel('layerNorm', args, rows, n);
  c.end();
  return true;
}

export function layerNormBackward(
  e: WasmEngine,
  g: Float32Array,
  x: Float32Array,
  w: Float32Array | null,
  stats: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
): boolean {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) return false;
  const c = e.call();
  const gPtr = c.in(g, n),
    xPtr = c.in(x, n),
    wPtr = w ? c.in(w, cols) : 0,
    statsPtr = c.in(stats, 2 * rows),
    dxPtr = dx ? c.out(dx, n) : 0,
    dwPtr = dw ? c.out(dw, cols) : 0,
    dbPtr = db ? c.out(db, cols) : 0;
  if (!c.ok) return c.abort();
  if (dx) e.parallel('layerNormBackward', { g: gPtr, x: xPtr, w: wPtr, stats: statsPtr, cols, dx: dxPtr }, rows, n);
  if (dw || db) {
    const args = { g: gPtr, x: xPtr, stats: statsPtr, rows, cols, dw: dwPtr, db: dbPtr };
    e.parallel('layerNormParamGrads', args, Math.ceil(cols / 16), n, false);
  }
  c.end();
  return true;
}
