/**
 * One thread per element of an index space walked by several strided operands (binary, where,
 * copyStrided). The host merges axes that every operand walks contiguously (../strided.ts), so
 * most calls are rank 1 or 2; the shader turns the thread's flat index into each operand's offset
 * with one division per axis. Up to MAX_RANK axes go to one dispatch; a rarer deeper view is
 * split on the host over its leading axes.
 */
/// <reference types="@webgpu/types" />
import type { Shape } from '../types.js';
import { coalesce } from '../strided.js';
import type { Kernel, Queue } from './device.js';

export const MAX_RANK = 8;

/**
 * WGSL `fn offsets(i: u32) -> array<i32, K>`: the element offset of each of K operands at flat
 * index i. Parameter words: 0 = element count, 1 = rank, 2.. = K base offsets, then the shape
 * (MAX_RANK words), then each operand's strides (MAX_RANK words each).
 */
export function offsetsFn(k: number): string {
  const shape = 2 + k;
  const strides = (j: number): number => shape + MAX_RANK * (1 + j);
  const init = Array.from({ length: k }, (_, j) => `o[${j}] = pi(${2 + j}u);`).join(' ');
  const step = Array.from({ length: k }, (_, j) => `o[${j}] += c * pi(${strides(j)}u + d);`).join(' ');
  return /* wgsl */ `
fn offsets(i: u32) -> array<i32, ${k}> {
  var o: array<i32, ${k}>;
  ${init}
  var rem = i;
  for (var d = pu(1u); d > 0u; ) {
    d -= 1u;
    let size = pu(${shape}u + d);
    let c = i32(rem % size);
    rem = rem / size;
    ${step}
  }
  return o;
}`;
}

/**
 * Run `kernel` (whose shader uses offsetsFn(strides.length)) over `shape`, operand j walking
 * strides[j] from offsets[j]; `buffers` bind in the kernel's order; `extra` words follow the
 * strides in the parameter block.
 */
export function runStrided(
  q: Queue,
  kernel: Kernel,
  buffers: readonly GPUBuffer[],
  shape: Shape,
  strides: readonly Shape[],
  offsets: readonly number[],
  extra: readonly number[] = [],
): void {
  for (const d of shape) if (d === 0) return;
  const c = coalesce(shape, strides);
  const k = strides.length;
  const split = Math.max(0, c.shape.length - MAX_RANK);
  const lead = c.shape.slice(0, split);
  const inner = c.shape.slice(split);
  const n = inner.reduce((a, b) => a * b, 1);
  const counter = new Array<number>(split).fill(0);
  const base = offsets.slice();
  for (;;) {
    const params = new Array<number>(extraWord(k) + extra.length).fill(0);
    params[0] = n;
    params[1] = inner.length;
    base.forEach((o, j) => (params[2 + j] = o));
    inner.forEach((size, d) => (params[2 + k + d] = size));
    for (let j = 0; j < k; j++) {
      c.strides[j].slice(split).forEach((s, d) => (params[2 + k + MAX_RANK * (1 + j) + d] = s));
    }
    extra.forEach((w, e) => (params[extraWord(k) + e] = w));
    q.dispatch1d(kernel, buffers, params, n);
    // Next index over the leading axes (an odometer), or done.
    let d = split - 1;
    for (; d >= 0; d--) {
      counter[d]++;
      for (let j = 0; j < k; j++) base[j] += c.strides[j][d];
      if (counter[d] < lead[d]) break;
      for (let j = 0; j < k; j++) base[j] -= c.strides[j][d] * lead[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Word index of the first `extra` parameter for K operands. */
export function extraWord(k: number): number {
  return 2 + k + MAX_RANK * (1 + k);
}
