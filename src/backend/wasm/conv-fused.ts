/**
 * Convolution end to end inside the wasm memory: the operands are copied in once, the patch
 * matrix is built, multiplied (threaded GEMM) and folded back in place, and only the results are
 * copied out. The composed path (backend im2col, then matmul) moved the patch matrix — the
 * largest array of a conv layer, K = kH·kW·Cin times bigger than its input — out of the memory and
 * back in once per product: twice in forward, four times in backward.
 *
 * Short patches into few channels (an image's first layer) skip the patch matrix altogether:
 * the direct kernels of assembly/conv-direct.ts read the taps from the image.
 *
 * Layout: every region sits past the GEMM threads' packing buffers (engine.gemmRegions), and the
 * patch matrix region is shared by the kernel gradient (patches) and the input gradient (their
 * gradient), so the memory grows to one layer's need and is reused by every call after.
 */
import type { MatmulArgs, Window2dArgs } from '../types.js';
import type { WasmEngine } from './engine.js';

const GEOMETRY_BYTES = 14 * 4;

function geometry(a: Window2dArgs): number[] {
  return [a.batch, a.inH, a.inW, a.channels, a.kH, a.kW, a.outH, a.outW, a.strideH, a.strideW, a.dilationH, a.dilationW, a.padTop, a.padLeft];
}

/**
 * Whether the direct kernels beat im2col + GEMM: for short patches into few output channels.
 * Measured with the copies on a one-channel 28×28 batch of 32, 3×3 into 32 channels: 1.7 vs
 * 2.0 ms forward and 1.5 vs 2.3 ms kernel gradient on one thread (the GEMM splits such thin
 * products badly across two threads); ahead too at 3×3 into 16 and 5×5 into 32; behind at 64
 * output channels and at a patch of 27 (three input channels).
 */
function direct(a: Window2dArgs, cout: number): boolean {
  return !isPointwise(a) && a.kH * a.kW * a.channels <= 25 && cout <= 32;
}

/** A 1×1 kernel at stride 1 without padding: the patch matrix is the input itself. */
function isPointwise(a: Window2dArgs): boolean {
  return a.kH === 1 && a.kW === 1 && a.strideH === 1 && a.strideW === 1 && a.padTop === 0 && a.padLeft === 0;
}

function product(m: number, k: number, n: number, transA: boolean, transB: boolean): MatmulArgs {
  return { m, k, n, transA, transB, batch: 1, aBatchStride: 0, bBatchStride: 0 };
}

/** The first `n` elements of `a` (inputs may be longer views; only their start is read). */
const head = (a: Float32Array, n: number): Float32Array => (a.length === n ? a : a.subarray(0, n));

interface Sizes {
  /** Input elements, output positions, patch length, patch-matrix elements. */
  xLen: number;
  rows: number;
  K: number;
  colsLen: number;
}

function sizes(a: Window2dArgs): Sizes {
  const rows = a.batch * a.outH * a.outW;
  const K = a.kH * a.kW * a.channels;
  return { xLen: a.batch * a.inH * a.inW * a.channels, rows, K, colsLen: isPointwise(a) ? 0 : rows * K };
}

/** The patch matrix of the image at xPtr, built at colsPtr; a pointwise conv's is the image itself. */
function patches(e: WasmEngine, xPtr: number, gPtr: number, colsPtr: number, colsLen: number): number {
  if (colsLen === 0) return xPtr;
  e.kernels.im2col(xPtr, gPtr, colsPtr);
  return colsPtr;
}

/** out [rows, cout] = patches(x) · kernel [K, cout]; false when the operands do not fit. */
export function conv2d(e: WasmEngine, x: Float32Array, kernel: Float32Array, a: Window2dArgs, cout: number, out: Float32Array): boolean {
  const { xLen, rows, K, colsLen } = sizes(a);
  const viaDirect = direct(a, cout);
  // The direct kernel needs K i32 of scratch where the patch matrix would go.
  const r = e.gemmRegions([GEOMETRY_BYTES, xLen * 4, K * cout * 4, (viaDirect ? K : colsLen) * 4, rows * cout * 4]);
  if (r === null) return false;
  const [gPtr, xPtr, kPtr, colsPtr, outPtr] = r;
  e.putInts(gPtr, geometry(a));
  e.put(xPtr, head(x, xLen));
  e.put(kPtr, head(kernel, K * cout));
  if (viaDirect) e.kernels.convDirect(xPtr, gPtr, kPtr, cout, outPtr, colsPtr);
  else e.gemmAt(patches(e, xPtr, gPtr, colsPtr, colsLen), kPtr, outPtr, product(rows, K, cout, false, false));
  e.take(outPtr, head(out, rows * cout));
  return true;
}

/**
 * The gradients of conv2d from dOut [rows, cout]: dk = patches(x)ᵀ · dOut (when dk is given) and
 * dx = col2im(dOut · kernelᵀ) (when dx is given), each overwritten; false when they do not fit.
 * dOut is copied in once for both; the patch matrix region serves dk's patches, then dx's.
 */
export function conv2dBackward(
  e: WasmEngine, x: Float32Array, kernel: Float32Array, dOut: Float32Array, a: Window2dArgs, cout: number,
  dx: Float32Array | null, dk: Float32Array | null,
): boolean {
  const { xLen, rows, K, colsLen } = sizes(a);
  const viaDirect = dk !== null && direct(a, cout);
  // x is read for dk only, the kernel for dx only.
  const r = e.gemmRegions([
    GEOMETRY_BYTES, dk ? xLen * 4 : 0, dx ? K * cout * 4 : 0, rows * cout * 4,
    dx || !viaDirect ? colsLen * 4 : 0, dk ? K * cout * 4 : 0, dx ? xLen * 4 : 0,
  ]);
  if (r === null) return false;
  const [gPtr, xPtr, kPtr, gradPtr, colsPtr, dkPtr, dxPtr] = r;
  e.putInts(gPtr, geometry(a));
  e.put(gradPtr, head(dOut, rows * cout));
  if (dk) {
    e.put(xPtr, head(x, xLen));
    if (viaDirect) e.kernels.convDirectKernelGrad(xPtr, gPtr, gradPtr, cout, dkPtr);
    else e.gemmAt(patches(e, xPtr, gPtr, colsPtr, colsLen), gradPtr, dkPtr, product(K, rows, cout, true, false));
    e.take(dkPtr, head(dk, K * cout));
  }
  if (dx) {
    e.put(kPtr, head(kernel, K * cout));
    // A pointwise conv's patch gradient is dx itself.
    e.gemmAt(gradPtr, kPtr, colsLen > 0 ? colsPtr : dxPtr, product(rows, cout, K, false, true));
    if (colsLen > 0) e.kernels.col2im(colsPtr, gPtr, dxPtr);
    e.take(dxPtr, head(dx, xLen));
  }
  return true;
}
