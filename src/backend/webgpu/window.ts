/**
 * Convolution and pooling over channels-last images (see Window2dArgs), as direct kernels: one
 * thread per output element forward, and one per input (or kernel) element backward, each
 * summing what reaches it (the kernel gradient's long sums split in slices, see kernelGradient). Gathering instead of scattering needs no atomics and keeps every sum in
 * a fixed order, so the max-pool and average-pool gradients add their terms in the portable
 * backend's order. Convolution sums its products in a different order than the portable GEMM
 * (float32 rounding, about 1e-6 relative).
 *
 * A thread of a backward kernel finds the windows that cover its position axis by axis: tap t of
 * output o reads o·stride − pad + t·dilation, so position p is tap t of o = (p + pad − t·dilation)
 * / stride wherever that divides exactly and lands in [0, out). Taps run from the last to the first
 * so that o ascends.
 */
import type { ConvTail, Window2dArgs } from '../types.js';
import type { Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { ACTIVATE } from './fused.js';
import { MAIN_1D, PRELUDE, bindings } from './wgsl.js';

/** Temporary storage for partial sums: taken for one call, given back at its end. */
export interface Scratch {
  take(size: number): GpuStorage;
  give(s: GpuStorage): void;
}

/** The parameter words: the thread count, the geometry, the output channels (conv only). */
function params(threads: number, a: Window2dArgs, cout = 0): number[] {
  return [
    threads,
    a.batch,
    a.inH,
    a.inW,
    a.channels,
    a.kH,
    a.kW,
    a.outH,
    a.outW,
    a.strideH,
    a.strideW,
    a.dilationH,
    a.dilationW,
    a.padTop,
    a.padLeft,
    cout,
  ];
}

/** The geometry as i32s, and `ii`, the thread's element as an i32. */
const GEOMETRY = /* wgsl */ `
  let batch = pi(1u); let inH = pi(2u); let inW = pi(3u); let C = pi(4u);
  let kH = pi(5u); let kW = pi(6u); let outH = pi(7u); let outW = pi(8u);
  let sH = pi(9u); let sW = pi(10u); let dH = pi(11u); let dW = pi(12u);
  let pT = pi(13u); let pL = pi(14u); let cout = pi(15u);
  let ii = i32(i);`;

/** The output (or, backward, input) position from the element index: n, row, column, channel. */
const POSITION = (h: string, w: string, H: string, W: string, ch: string, CH: string): string => `
  let ${ch} = ii % ${CH};
  let q0 = ii / ${CH};
  let ${w} = q0 % ${W};
  let q1 = q0 / ${W};
  let ${h} = q1 % ${H};
  let n = q1 / ${H};`;

/** The window's output index along an axis whose tap `t` covers position p, or -1 where none does. */
const WINDOWS = /* wgsl */ `
fn window_of(p: i32, t: i32, stride: i32, dilation: i32, pad: i32, outLen: i32) -> i32 {
  let s = p + pad - t * dilation;
  if (s < 0 || s % stride != 0 || s / stride >= outLen) { return -1; }
  return s / stride;
}
// Taps of window o along an axis that fall inside [0, size): what an average divides by.
fn taps_inside(o: i32, k: i32, stride: i32, dilation: i32, pad: i32, size: i32) -> i32 {
  var c = 0;
  for (var t = 0; t < k; t++) {
    let p = o * stride - pad + t * dilation;
    if (p >= 0 && p < size) { c++; }
  }
  return c;
}
`;

/**
 * Outputs per thread along a contiguous channel axis: 4 where they divide it, so that each load
 * of the other operand serves four sums (SwiftShader runs a thread's work serially; index
 * arithmetic and loads, not multiply-adds, are what cost there). Each sum keeps its order.
 */
function lanesOf(channels: number): 1 | 4 {
  return channels % 4 === 0 ? 4 : 1;
}

/** The WGSL type of a thread's sums. */
const sums = (v: 1 | 4): string => (v === 4 ? 'vec4<f32>' : 'f32');

/** Elements at, at + step, … (v of them) of `arr`, as one value of type sums(v). */
function lanes(v: 1 | 4, arr: string, at: string, step: string): string {
  if (v === 1) return `${arr}[${at}]`;
  return `vec4<f32>(${[0, 1, 2, 3].map((j) => `${arr}[${at} + ${j} * ${step}]`).join(', ')})`;
}

/** Store lane j of the sums `s` as `store(j, value)` for each lane. */
function storeLanes(v: 1 | 4, store: (j: number, value: string) => string): string {
  return Array.from({ length: v }, (_, j) => store(j, v === 1 ? 's' : `s[${j}]`)).join('\n  ');
}

export function conv2d(
  q: Queue,
  x: GpuStorage,
  kernel: GpuStorage,
  a: Window2dArgs,
  cout: number,
  out: GpuStorage,
  tail: ConvTail<GpuStorage> | null,
): void {
  const bias = tail?.bias ?? null;
  const act = tail?.activation ?? 'linear';
  const v = lanesOf(cout);
  const list: [string, 'f32'][] = [
    ['x', 'f32'],
    ['k', 'f32'],
  ];
  if (bias !== null) list.push(['bias', 'f32']);
  list.push(['out', 'f32']);
  // A thread's outputs are channels co … co + v − 1 at one position: elements ii·v … of out.
  const k = q.kernel(
    `conv2d:${act}:${bias !== null}:${v}`,
    () => `${PRELUDE}
${bindings(list)}
${MAIN_1D}${GEOMETRY}${POSITION('oh', 'ow', 'outH', 'outW', 'cb', `(cout / ${v})`)}
  let co = cb * ${v};
  var s = ${sums(v)}(0.0);
  for (var kh = 0; kh < kH; kh++) {
    let ih = oh * sH - pT + kh * dH;
    if (ih < 0 || ih >= inH) { continue; }
    for (var kw = 0; kw < kW; kw++) {
      let iw = ow * sW - pL + kw * dW;
      if (iw < 0 || iw >= inW) { continue; }
      let xb = ((n * inH + ih) * inW + iw) * C;
      let kb = (kh * kW + kw) * C * cout + co;
      for (var ci = 0; ci < C; ci++) {
        s += x[xb + ci] * ${lanes(v, 'k', 'kb + ci * cout', '1')};
      }
    }
  }
  ${storeLanes(v, (j, sum) => `{ let v = ${sum}${bias !== null ? ` + bias[co + ${j}]` : ''}; out[ii * ${v} + ${j}] = ${ACTIVATE[act]}; }`)}
}`,
  );
  const buffers = [x.buffer, kernel.buffer];
  if (bias !== null) buffers.push(bias.buffer);
  buffers.push(out.buffer);
  const n = (a.batch * a.outH * a.outW * cout) / v;
  q.dispatch1d(k, buffers, params(n, a, cout), n);
}

export function conv2dBackward(
  q: Queue,
  x: GpuStorage,
  kernel: GpuStorage,
  g: GpuStorage,
  a: Window2dArgs,
  cout: number,
  dx: GpuStorage | null,
  dk: GpuStorage | null,
  scratch: Scratch,
): void {
  if (dx !== null) {
    // dx[n, ih, iw, ci] = Σ over the windows covering (ih, iw) and over co of g · k; a thread
    // owns input channels ci … ci + v − 1.
    const v = lanesOf(a.channels);
    const k = q.kernel(
      `conv2dBackward:dx:${v}`,
      () => `${PRELUDE}${WINDOWS}
${bindings([
  ['g', 'f32'],
  ['k', 'f32'],
  ['dx', 'f32'],
])}
${MAIN_1D}${GEOMETRY}${POSITION('ih', 'iw', 'inH', 'inW', 'cb', `(C / ${v})`)}
  let ci = cb * ${v};
  var s = ${sums(v)}(0.0);
  for (var kh = kH - 1; kh >= 0; kh--) {
    let oh = window_of(ih, kh, sH, dH, pT, outH);
    if (oh < 0) { continue; }
    for (var kw = kW - 1; kw >= 0; kw--) {
      let ow = window_of(iw, kw, sW, dW, pL, outW);
      if (ow < 0) { continue; }
      let gb = ((n * outH + oh) * outW + ow) * cout;
      let kb = ((kh * kW + kw) * C + ci) * cout;
      for (var co = 0; co < cout; co++) {
        s += g[gb + co] * ${lanes(v, 'k', 'kb + co', 'cout')};
      }
    }
  }
  ${storeLanes(v, (j, sum) => `dx[ii * ${v} + ${j}] = ${sum};`)}
}`,
    );
    const n = (a.batch * a.inH * a.inW * a.channels) / v;
    q.dispatch1d(k, [g.buffer, kernel.buffer, dx.buffer], params(n, a, cout), n);
  }
  if (dk !== null) kernelGradient(q, scratch, x, g, a, cout, dk);
}

/** Threads a kernel-gradient dispatch aims for: fewer leave most of a GPU idle. */
const DK_THREADS = 4096;
/** Fewest (image, output row) pairs a slice of the kernel gradient's sum takes. */
const DK_MIN_ROWS = 4;

/**
 * dk[kh, kw, ci, co] = Σ over images and output positions of x at the tap · g; a thread owns
 * output channels co … co + v − 1. A kernel has few elements (a first layer's 3×3×1×32 is 288)
 * against many terms each, so where its threads would be few the sum is split over slices of
 * the (image, output row) pairs: each slice's partial sums go to scratch, and a second pass adds
 * the slices in order.
 */
function kernelGradient(
  q: Queue,
  scratch: Scratch,
  x: GpuStorage,
  g: GpuStorage,
  a: Window2dArgs,
  cout: number,
  dk: GpuStorage,
): void {
  const v = lanesOf(cout);
  const nk = a.kH * a.kW * a.channels * cout;
  const threads = nk / v;
  const rows = a.batch * a.outH;
  const slices = Math.max(1, Math.min(Math.ceil(DK_THREADS / threads), Math.ceil(rows / DK_MIN_ROWS)));
  const rowsPerSlice = Math.ceil(rows / slices);
  const k = q.kernel(
    `conv2dBackward:dk:${v}`,
    () => `${PRELUDE}
${bindings([
  ['x', 'f32'],
  ['g', 'f32'],
  ['dk', 'f32'],
])}
${MAIN_1D}${GEOMETRY}
  let perSlice = pi(17u);
  let slice = ii / perSlice;
  let t = ii % perSlice;
  let blocks = cout / ${v};
  let co = (t % blocks) * ${v};
  let q0 = t / blocks;
  let ci = q0 % C;
  let q1 = q0 / C;
  let kw = q1 % kW;
  let kh = q1 / kW;
  let r0 = slice * pi(16u);
  let r1 = min(r0 + pi(16u), batch * outH);
  var s = ${sums(v)}(0.0);
  for (var r = r0; r < r1; r++) {
    let n = r / outH;
    let oh = r % outH;
    let ih = oh * sH - pT + kh * dH;
    if (ih < 0 || ih >= inH) { continue; }
    for (var ow = 0; ow < outW; ow++) {
      let iw = ow * sW - pL + kw * dW;
      if (iw < 0 || iw >= inW) { continue; }
      let gb = (r * outW + ow) * cout + co;
      s += x[((n * inH + ih) * inW + iw) * C + ci] * ${lanes(v, 'g', 'gb', '1')};
    }
  }
  ${storeLanes(v, (j, sum) => `dk[ii * ${v} + ${j}] = ${sum};`)}
}`,
  );
  const all = threads * slices;
  const partial = slices === 1 ? dk : scratch.take(nk * slices);
  q.dispatch1d(k, [x.buffer, g.buffer, partial.buffer], [...params(all, a, cout), rowsPerSlice, threads], all);
  if (partial === dk) return;
  const add = q.kernel(
    'conv2dBackward:dk:slices',
    () => `${PRELUDE}
${bindings([
  ['partial', 'f32'],
  ['dk', 'f32'],
])}
${MAIN_1D}
  let n = pu(0u);
  var s = 0.0;
  for (var sl = 0u; sl < pu(1u); sl++) {
    s += partial[sl * n + i];
  }
  dk[i] = s;
}`,
  );
  q.dispatch1d(add, [partial.buffer, dk.buffer], [nk, slices], nk);
  scratch.give(partial);
}

export function maxPool2d(q: Queue, x: GpuStorage, a: Window2dArgs, out: GpuStorage, argmax: GpuStorage | null): void {
  const list: [string, 'f32' | 'i32'][] = [
    ['x', 'f32'],
    ['out', 'f32'],
  ];
  if (argmax !== null) list.push(['argmax', 'i32']);
  const k = q.kernel(
    `maxPool2d:${argmax !== null}`,
    () => `${PRELUDE}
${bindings(list)}
${MAIN_1D}${GEOMETRY}${POSITION('oh', 'ow', 'outH', 'outW', 'ch', 'C')}
  var best = 0.0;
  var at = -1;
  for (var kh = 0; kh < kH; kh++) {
    let ih = oh * sH - pT + kh * dH;
    if (ih < 0 || ih >= inH) { continue; }
    for (var kw = 0; kw < kW; kw++) {
      let iw = ow * sW - pL + kw * dW;
      if (iw < 0 || iw >= inW) { continue; }
      let p = ((n * inH + ih) * inW + iw) * C + ch;
      let v = x[p];
      // Larger, or a NaN over a number (NaN propagates); ties keep the first tap.
      if (at < 0 || v > best || (is_nan(v) && !is_nan(best))) {
        best = v;
        at = p;
      }
    }
  }
  out[i] = best;
  ${argmax !== null ? 'argmax[i] = at;' : ''}
}`,
  );
  const buffers = [x.buffer, out.buffer];
  if (argmax !== null) buffers.push(argmax.buffer);
  const n = a.batch * a.outH * a.outW * a.channels;
  q.dispatch1d(k, buffers, params(n, a), n);
}

export function maxPool2dBackward(q: Queue, g: GpuStorage, argmax: GpuStorage, a: Window2dArgs, dx: GpuStorage): void {
  // Each input element adds the gradients of the windows whose maximum it was, in output order.
  const k = q.kernel(
    'maxPool2dBackward',
    () => `${PRELUDE}${WINDOWS}
${bindings([
  ['g', 'f32'],
  ['argmax', 'i32'],
  ['dx', 'f32'],
])}
${MAIN_1D}${GEOMETRY}${POSITION('ih', 'iw', 'inH', 'inW', 'ch', 'C')}
  var s = 0.0;
  for (var kh = kH - 1; kh >= 0; kh--) {
    let oh = window_of(ih, kh, sH, dH, pT, outH);
    if (oh < 0) { continue; }
    for (var kw = kW - 1; kw >= 0; kw--) {
      let ow = window_of(iw, kw, sW, dW, pL, outW);
      if (ow < 0) { continue; }
      let o = ((n * outH + oh) * outW + ow) * C + ch;
      if (argmax[o] == ii) { s += g[o]; }
    }
  }
  dx[i] = s;
}`,
  );
  const n = a.batch * a.inH * a.inW * a.channels;
  q.dispatch1d(k, [g.buffer, argmax.buffer, dx.buffer], params(n, a), n);
}

export function avgPool2d(q: Queue, x: GpuStorage, a: Window2dArgs, out: GpuStorage): void {
  const k = q.kernel(
    'avgPool2d',
    () => `${PRELUDE}${WINDOWS}
${bindings([
  ['x', 'f32'],
  ['out', 'f32'],
])}
${MAIN_1D}${GEOMETRY}${POSITION('oh', 'ow', 'outH', 'outW', 'ch', 'C')}
  var s = 0.0;
  for (var kh = 0; kh < kH; kh++) {
    let ih = oh * sH - pT + kh * dH;
    if (ih < 0 || ih >= inH) { continue; }
    for (var kw = 0; kw < kW; kw++) {
      let iw = ow * sW - pL + kw * dW;
      if (iw < 0 || iw >= inW) { continue; }
      s += x[((n * inH + ih) * inW + iw) * C + ch];
    }
  }
  let count = taps_inside(oh, kH, sH, dH, pT, inH) * taps_inside(ow, kW, sW, dW, pL, inW);
  out[i] = s * (1.0 / f32(count));
}`,
  );
  const n = a.batch * a.outH * a.outW * a.channels;
  q.dispatch1d(k, [x.buffer, out.buffer], params(n, a), n);
}

export function avgPool2dBackward(q: Queue, g: GpuStorage, a: Window2dArgs, dx: GpuStorage): void {
  const k = q.kernel(
    'avgPool2dBackward',
    () => `${PRELUDE}${WINDOWS}
${bindings([
  ['g', 'f32'],
  ['dx', 'f32'],
])}
${MAIN_1D}${GEOMETRY}${POSITION('ih', 'iw', 'inH', 'inW', 'ch', 'C')}
  var s = 0.0;
  for (var kh = kH - 1; kh >= 0; kh--) {
    let oh = window_of(ih, kh, sH, dH, pT, outH);
    if (oh < 0) { continue; }
    let rows = taps_inside(oh, kH, sH, dH, pT, inH);
    for (var kw = kW - 1; kw >= 0; kw--) {
      let ow = window_of(iw, kw, sW, dW, pL, outW);
      if (ow < 0) { continue; }
      let count = rows * taps_inside(ow, kW, sW, dW, pL, inW);
      s += g[((n * outH + oh) * outW + ow) * C + ch] * (1.0 / f32(count));
    }
  }
  dx[i] = s;
}`,
  );
  const n = a.batch * a.inH * a.inW * a.channels;
  q.dispatch1d(k, [g.buffer, dx.buffer], params(n, a), n);
}
