/**
 * Convolution composed from im2col and a GEMM, for the CPU backends (the portable one always; the
 * wasm one where its fused kernels decline):
 *   forward   out      = cols @ K            cols [N·OH·OW, KH·KW·Cin], K [KH·KW·Cin, Cout]
 *   backward  dK       = colsᵀ @ dOut        matmul's transA flag: no transposed copy
 *             dInput   = col2im(dOut @ Kᵀ)   matmul's transB flag
 * The patch matrix lives in one module-level scratch buffer, reused by every call and rebuilt
 * in backward rather than kept from forward, so a training run's memory stays flat. Large
 * batches are processed in chunks of images so that buffer stays bounded too.
 */
import type { ConvTail, FusedActivation, MatmulArgs, Window2dArgs } from '../types.js';

/** The kernels the composition needs, from whichever CPU backend runs it. */
export interface ConvKernels {
  im2col(x: Float32Array, a: Window2dArgs, cols: Float32Array): void;
  col2im(cols: Float32Array, a: Window2dArgs, dx: Float32Array): void;
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, args: MatmulArgs): void;
  biasActivation(
    x: Float32Array,
    bias: Float32Array | null,
    rows: number,
    cols: number,
    act: FusedActivation,
    out: Float32Array,
  ): void;
  /** Optional fused convolution of a chunk; false when it declines (then the composition runs). */
  fusedConv2d?(
    x: Float32Array,
    kernel: Float32Array,
    a: Window2dArgs,
    cout: number,
    out: Float32Array,
    transformed: boolean,
    tail: ConvTail<Float32Array> | null,
  ): boolean;
  fusedConv2dBackward?(
    x: Float32Array,
    kernel: Float32Array,
    dOut: Float32Array,
    a: Window2dArgs,
    cout: number,
    dx: Float32Array | null,
    dk: Float32Array | null,
  ): boolean;
}

/** Most floats the patch matrix may hold (16 MiB) before a batch is split into chunks of images. */
const SCRATCH_LIMIT = 1 << 22;
let scratch = new Float32Array(0);

/** A view of `size` floats of the shared scratch buffer, grown (never shrunk) on demand. */
function scratchOf(size: number): Float32Array {
  if (scratch.length < size) scratch = new Float32Array(size);
  return scratch.subarray(0, size);
}

/** A 1×1 kernel at stride 1 without padding: the patch matrix is the input itself. */
function isPointwise(a: Window2dArgs): boolean {
  return a.kH === 1 && a.kW === 1 && a.strideH === 1 && a.strideW === 1 && a.padTop === 0 && a.padLeft === 0;
}

interface Chunk {
  /** The geometry restricted to this chunk's images. */
  part: Window2dArgs;
  /** Rows of the patch matrix (output positions) in this chunk. */
  rows: number;
  /** [start, end) of the chunk's images in the input. */
  inStart: number;
  inEnd: number;
  /** [start, end) of the chunk's rows in the output, per output channel. */
  outStart: number;
  outEnd: number;
}

function* chunks(a: Window2dArgs, cout: number): Generator<Chunk> {
  const rowsPerImage = a.outH * a.outW;
  const imageSize = a.inH * a.inW * a.channels;
  const perImage = rowsPerImage * a.kH * a.kW * a.channels;
  const step = Math.max(1, Math.floor(SCRATCH_LIMIT / Math.max(1, perImage)));
  for (let n0 = 0; n0 < a.batch; n0 += step) {
    const nb = Math.min(step, a.batch - n0);
    yield {
      part: { ...a, batch: nb },
      rows: nb * rowsPerImage,
      inStart: n0 * imageSize,
      inEnd: (n0 + nb) * imageSize,
      outStart: n0 * rowsPerImage * cout,
      outEnd: (n0 + nb) * rowsPerImage * cout,
    };
  }
}

/** One un-batched product op(A)[m, k] @ op(B)[k, n]. */
function gemm(m: number, k: number, n: number, transA: boolean, transB: boolean): MatmulArgs {
  return { m, k, n, transA, transB, batch: 1, aBatchStride: 0, bBatchStride: 0 };
}

/** out = conv(x, kernel), then the layer's tail when given (see Backend.conv2d), chunk by chunk. */
export function conv2dComposed(
  be: ConvKernels,
  x: Float32Array,
  kernel: Float32Array,
  a: Window2dArgs,
  cout: number,
  out: Float32Array,
  transformed: boolean,
  tail: ConvTail<Float32Array> | null,
): void {
  const K = a.kH * a.kW * a.channels;
  for (const c of chunks(a, cout)) {
    const xs = x.subarray(c.inStart, c.inEnd);
    const os = out.subarray(c.outStart, c.outEnd);
    if (be.fusedConv2d?.(xs, kernel, c.part, cout, os, transformed, tail)) continue;
    let cols = xs;
    if (!isPointwise(a)) {
      cols = scratchOf(c.rows * K);
      be.im2col(xs, c.part, cols);
    }
    be.matmul(cols, kernel, os, gemm(c.rows, K, cout, false, false));
    if (tail) be.biasActivation(os, tail.bias, c.rows, cout, tail.activation, os);
  }
}

/** dx and dk (each when not null, overwritten) from the upstream gradient g, chunk by chunk. */
export function conv2dBackwardComposed(
  be: ConvKernels,
  x: Float32Array,
  kernel: Float32Array,
  g: Float32Array,
  a: Window2dArgs,
  cout: number,
  dx: Float32Array | null,
  dk: Float32Array | null,
): void {
  let partial: Float32Array | null = null;
  let first = true;
  for (const c of chunks(a, cout)) {
    const xs = x.subarray(c.inStart, c.inEnd);
    const gs = g.subarray(c.outStart, c.outEnd);
    const dxs = dx === null ? null : dx.subarray(c.inStart, c.inEnd);
    // Each chunk's kernel gradient overwrites its target, so chunks after the first go through
    // `partial` and are added.
    if (dk !== null && !first) partial ??= new Float32Array(dk.length);
    const dkc = dk === null ? null : first ? dk : partial;
    if (!be.fusedConv2dBackward?.(xs, kernel, gs, c.part, cout, dxs, dkc)) {
      if (dkc) kernelGradient(be, xs, gs, c, cout, dkc);
      if (dxs) inputGradient(be, gs, kernel, c, cout, dxs);
    }
    if (dk && dkc !== dk) for (let i = 0; i < dk.length; i++) dk[i] += dkc![i];
    first = false;
  }
}

/** dk = colsᵀ @ g for one chunk, through the backend's im2col and matmul. */
function kernelGradient(
  be: ConvKernels,
  xs: Float32Array,
  gs: Float32Array,
  c: Chunk,
  cout: number,
  dk: Float32Array,
): void {
  const a = c.part;
  const K = a.kH * a.kW * a.channels;
  let cols = xs;
  if (!isPointwise(a)) {
    cols = scratchOf(c.rows * K);
    be.im2col(xs, a, cols);
  }
  be.matmul(cols, gs, dk, gemm(K, c.rows, cout, true, false));
}

/** dx = col2im(g @ Kᵀ) for one chunk. */
function inputGradient(
  be: ConvKernels,
  gs: Float32Array,
  kernel: Float32Array,
  c: Chunk,
  cout: number,
  dxs: Float32Array,
): void {
  const a = c.part;
  const K = a.kH * a.kW * a.channels;
  const pointwise = isPointwise(a);
  const dcols = pointwise ? dxs : scratchOf(c.rows * K);
  be.matmul(gs, kernel, dcols, gemm(c.rows, cout, K, false, true));
  if (!pointwise) be.col2im(dcols, a, dxs);
}
