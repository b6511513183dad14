/**
 * im2col / col2im and pooling on the wasm backend: the kernels run over the channel runs with
 * bulk copies and SIMD. Measured on the seed CNN's shapes (bench/wasm-gemm.ts) these beat the
 * TypeScript loops even when the operands had to be copied in and out.
 */
import type { Window2dArgs } from '../types.js';
import type { WasmEngine } from './engine.js';
import { geometryInts as geometry } from './generated/protocol.js';

const imageLength = (a: Window2dArgs): number => a.batch * a.inH * a.inW * a.channels;
const colsLength = (a: Window2dArgs): number => a.batch * a.outH * a.outW * a.kH * a.kW * a.channels;
const pooledLength = (a: Window2dArgs): number => a.batch * a.outH * a.outW * a.channels;

/** The kernels below return false when the operands do not fit in the memory; the caller falls back. */
export function im2col(e: WasmEngine, x: Float32Array, a: Window2dArgs, cols: Float32Array): boolean {
  const c = e.call();
  const gPtr = c.ints(geometry(a)),
    xPtr = c.in(x, imageLength(a)),
    colsPtr = c.out(cols, colsLength(a));
  if (!c.ok) return c.abort();
  e.parallel('im2col', { x: xPtr, geometry: gPtr, cols: colsPtr }, a.batch, colsLength(a));
  c.end();
  return true;
}

export function col2im(e: WasmEngine, cols: Float32Array, a: Window2dArgs, dx: Float32Array): boolean {
  const c = e.call();
  const gPtr = c.ints(geometry(a)),
    colsPtr = c.in(cols, colsLength(a)),
    dxPtr = c.out(dx, imageLength(a));
  if (!c.ok) return c.abort();
  e.parallel('col2im', { cols: colsPtr, geometry: gPtr, dx: dxPtr }, a.batch, imageLength(a));
  c.end();
  return true;
}

export function maxPool2d(
  e: WasmEngine,
  x: Float32Array,
  a: Window2dArgs,
  out: Float32Array,
  argmax: Int32Array | null,
): boolean {
  const oLen = pooledLength(a);
  const c = e.call();
  const gPtr = c.ints(geometry(a)),
    xPtr = c.in(x, imageLength(a)),
    outPtr = c.out(out, oLen);
  const argmaxPtr = argmax ? c.out(argmax, oLen) : 0;
  if (!c.ok) return c.abort();
  e.parallel('maxPool', { x: xPtr, geometry: gPtr, out: outPtr, argmax: argmaxPtr }, a.batch, imageLength(a));
  c.end();
  return true;
}

export function maxPool2dBackward(
  e: WasmEngine,
  dOut: Float32Array,
  argmax: Int32Array,
  a: Window2dArgs,
  dx: Float32Array,
): boolean {
  const oLen = pooledLength(a);
  const c = e.call();
  const gPtr = c.ints(geometry(a)),
    dOutPtr = c.in(dOut, oLen),
    argmaxPtr = c.in(argmax, oLen),
    dxPtr = c.out(dx, imageLength(a));
  if (!c.ok) return c.abort();
  e.parallel(
    'maxPoolBackward',
    { dOut: dOutPtr, argmax: argmaxPtr, geometry: gPtr, dx: dxPtr },
    a.batch,
    imageLength(a),
  );
  c.end();
  return true;
}

export function avgPool2d(e: WasmEngine, x: Float32Array, a: Window2dArgs, out: Float32Array): boolean {
  const c = e.call();
  const gPtr = c.ints(geometry(a)),
    xPtr = c.in(x, imageLength(a)),
    outPtr = c.out(out, pooledLength(a));
  if (!c.ok) return c.abort();
  e.kernels.avgPool2d(xPtr, gPtr, outPtr);
  c.end();
  return true;
}

export function avgPool2dBackward(e: WasmEngine, dOut: Float32Array, a: Window2dArgs, dx: Float32Array): boolean {
  const c = e.call();
  const gPtr = c.ints(geometry(a)),
    dOutPtr = c.in(dOut, pooledLength(a)),
    dxPtr = c.out(dx, imageLength(a));
  if (!c.ok) return c.abort();
  e.kernels.avgPool2dBackward(dOutPtr, gPtr, dxPtr);
  c.end();
  return true;
}
