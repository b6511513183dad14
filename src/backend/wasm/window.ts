/**
 * im2col / col2im and pooling on the wasm backend: copy the input in, run the kernel over the
 * channel runs with bulk copies and SIMD, copy the result out. Measured on the seed CNN's shapes
 * (bench/wasm-gemm.ts) these beat the TypeScript loops even with both copies counted.
 */
import type { Window2dArgs } from '../types.js';
import type { WasmEngine } from './engine.js';

const GEOMETRY_BYTES = 14 * 4;

function geometry(a: Window2dArgs): number[] {
  return [a.batch, a.inH, a.inW, a.channels, a.kH, a.kW, a.outH, a.outW, a.strideH, a.strideW, a.dilationH, a.dilationW, a.padTop, a.padLeft];
}

const imageLength = (a: Window2dArgs): number => a.batch * a.inH * a.inW * a.channels;
const colsLength = (a: Window2dArgs): number => a.batch * a.outH * a.outW * a.kH * a.kW * a.channels;
const pooledLength = (a: Window2dArgs): number => a.batch * a.outH * a.outW * a.channels;

/** The kernels below return false when the operands do not fit in the memory; the caller falls back. */
export function im2col(e: WasmEngine, x: Float32Array, a: Window2dArgs, cols: Float32Array): boolean {
  const xLen = imageLength(a), cLen = colsLength(a);
  const r = e.regions([GEOMETRY_BYTES, xLen * 4, cLen * 4]);
  if (r === null) return false;
  e.putInts(r[0], geometry(a));
  e.put(r[1], x.length === xLen ? x : x.subarray(0, xLen));
  e.kernels.im2col(r[1], r[0], r[2]);
  e.take(r[2], cols.length === cLen ? cols : cols.subarray(0, cLen));
  return true;
}

export function col2im(e: WasmEngine, cols: Float32Array, a: Window2dArgs, dx: Float32Array): boolean {
  const xLen = imageLength(a), cLen = colsLength(a);
  const r = e.regions([GEOMETRY_BYTES, cLen * 4, xLen * 4]);
  if (r === null) return false;
  e.putInts(r[0], geometry(a));
  e.put(r[1], cols.length === cLen ? cols : cols.subarray(0, cLen));
  e.kernels.col2im(r[1], r[0], r[2]);
  e.take(r[2], dx.length === xLen ? dx : dx.subarray(0, xLen));
  return true;
}

export function maxPool2d(e: WasmEngine, x: Float32Array, a: Window2dArgs, out: Float32Array, argmax: Int32Array | null): boolean {
  const xLen = imageLength(a), oLen = pooledLength(a);
  const r = e.regions([GEOMETRY_BYTES, xLen * 4, oLen * 4, argmax ? oLen * 4 : 0]);
  if (r === null) return false;
  e.putInts(r[0], geometry(a));
  e.put(r[1], x.length === xLen ? x : x.subarray(0, xLen));
  e.kernels.maxPool2d(r[1], r[0], r[2], argmax ? r[3] : 0);
  e.take(r[2], out.length === oLen ? out : out.subarray(0, oLen));
  if (argmax) e.take(r[3], argmax.length === oLen ? argmax : argmax.subarray(0, oLen));
  return true;
}

export function avgPool2d(e: WasmEngine, x: Float32Array, a: Window2dArgs, out: Float32Array): boolean {
  const xLen = imageLength(a), oLen = pooledLength(a);
  const r = e.regions([GEOMETRY_BYTES, xLen * 4, oLen * 4]);
  if (r === null) return false;
  e.putInts(r[0], geometry(a));
  e.put(r[1], x.length === xLen ? x : x.subarray(0, xLen));
  e.kernels.avgPool2d(r[1], r[0], r[2]);
  e.take(r[2], out.length === oLen ? out : out.subarray(0, oLen));
  return true;
}

export function avgPool2dBackward(e: WasmEngine, dOut: Float32Array, a: Window2dArgs, dx: Float32Array): boolean {
  const xLen = imageLength(a), oLen = pooledLength(a);
  const r = e.regions([GEOMETRY_BYTES, oLen * 4, xLen * 4]);
  if (r === null) return false;
  e.putInts(r[0], geometry(a));
  e.put(r[1], dOut.length === oLen ? dOut : dOut.subarray(0, oLen));
  e.kernels.avgPool2dBackward(r[1], r[0], r[2]);
  e.take(r[2], dx.length === xLen ? dx : dx.subarray(0, xLen));
  return true;
}
