/**
 * Elementwise and reduction kernels on the wasm backend, for float32 data of at least
 * MIN_ELEMENTS (below that the call costs more than the TypeScript loop). Each
 * function returns false for a case it does not take — another dtype, an op without a wasm kernel
 * (transcendentals other than exp, sigmoid and tanh, comparisons, pow, argmax), a broadcast pattern
 * beyond "contiguous, or one value repeated along the inner axis" — and the backend then calls
 * the portable kernel. Large unary, binary and reduction ops are shared between the threads
 * (engine.parallel); each element's result is the same whichever thread computes it.
 */
import type { BinaryOp, ReduceOp, Shape, TypedArray, UnaryOp } from '../types.js';
import { coalesce, contiguousStrides } from '../strided.js';
import type { WasmEngine } from './engine.js';
import { ELEMENT_BLOCK } from './protocol.js';
import { BinaryCode, ReduceCode, UnaryCode } from './generated/protocol.js';

export const MIN_ELEMENTS = 128;

// The ops with a kernel, by name: any other is declined.
const UNARY: Partial<Record<UnaryOp, number>> = UnaryCode;
const BINARY: Partial<Record<BinaryOp, number>> = BinaryCode;
const REDUCE: Partial<Record<ReduceOp, number>> = ReduceCode;

export function unary(e: WasmEngine, op: UnaryOp, x: TypedArray, out: TypedArray): boolean {
  const code = UNARY[op];
  const n = x.length;
  if (code === undefined || n < MIN_ELEMENTS || !(x instanceof Float32Array) || !(out instanceof Float32Array))
    return false;
  const c = e.call();
  const xPtr = c.in(x),
    outPtr = c.out(out);
  if (!c.ok) return c.abort();
  e.parallel('unary', { op: code, x: xPtr, out: outPtr, n }, Math.ceil(n / ELEMENT_BLOCK), n);
  c.end();
  return true;
}

export function binary(
  e: WasmEngine,
  op: BinaryOp,
  a: TypedArray,
  aStrides: Shape,
  b: TypedArray,
  bStrides: Shape,
  outShape: Shape,
  out: TypedArray,
): boolean {
  const code = BINARY[op];
  if (
    code === undefined ||
    out.length < MIN_ELEMENTS ||
    !(a instanceof Float32Array) ||
    !(b instanceof Float32Array) ||
    !(out instanceof Float32Array)
  )
    return false;
  const walk = coalesce(outShape, [aStrides, bStrides, contiguousStrides(outShape)]);
  if (walk.shape.length > 2) return false;
  const [as, bs] = walk.strides;
  const last = walk.shape.length - 1;
  const cols = walk.shape[last];
  const rows = last === 1 ? walk.shape[0] : 1;
  const ta = as[last],
    tb = bs[last];
  const sa = last === 1 ? as[0] : 0,
    sb = last === 1 ? bs[0] : 0;
  if ((ta !== 0 && ta !== 1) || (tb !== 0 && tb !== 1) || sa < 0 || sb < 0) return false;
  const aLen = (rows - 1) * sa + (cols - 1) * ta + 1;
  const bLen = (rows - 1) * sb + (cols - 1) * tb + 1;
  const c = e.call();
  const aPtr = c.in(a, aLen),
    bPtr = c.in(b, bLen),
    outPtr = c.out(out);
  if (!c.ok) return c.abort();
  // Rows go to the threads whole; a single row (same-shape operands coalesce into one) in blocks.
  const byBlocks = rows === 1 ? 1 : 0;
  e.parallel(
    'binary',
    { op: code, a: aPtr, sa, ta, b: bPtr, sb, tb, out: outPtr, rows, cols, byBlocks },
    byBlocks ? Math.ceil(cols / ELEMENT_BLOCK) : rows,
    rows * cols,
  );
  c.end();
  return true;
}

export function reduce(
  e: WasmEngine,
  op: ReduceOp,
  x: TypedArray,
  outer: number,
  size: number,
  inner: number,
  out: TypedArray,
): boolean {
  const code = REDUCE[op];
  const n = outer * size * inner;
  if (
    code === undefined ||
    size === 0 ||
    n < MIN_ELEMENTS ||
    !(x instanceof Float32Array) ||
    !(out instanceof Float32Array)
  )
    return false;
  const outLen = outer * inner;
  const c = e.call();
  const xPtr = c.in(x, n),
    outPtr = c.out(out, outLen);
  if (!c.ok) return c.abort();
  e.parallel('reduce', { op: code, x: xPtr, size, inner, out: outPtr }, outer, n);
  c.end();
  return true;
}
