/**
 * Convolution end to end inside the wasm memory. The composed path (backend im2col, then matmul)
 * moved the patch matrix — the largest array of a conv layer, K = kH·kW·Cin times bigger than its
 * input — out of the memory and back in once per product. Here the products that read patches
 * (forward: patches · kernel; kernel gradient: patchesᵀ · dOut) pack their GEMM panels straight
 * from the image (assembly/conv-pack.ts), so the matrix is never built at all; only the input
 * gradient's patch gradient (dOut · kernelᵀ, folded back by col2im) needs a scratch block of its
 * size, returned to the heap after the call. 3×3 stride-1 layers may go by Winograd instead
 * (where the caller allows a transform: inference), see `winograd`.
 *
 * Short patches into few channels (an image's first layer) skip the GEMM altogether: the direct
 * kernels of assembly/conv-direct.ts read the taps from the image.
 */
import type { ConvTail, MatmulArgs, Window2dArgs } from '../types.js';
import { biasActivation } from './fused.js';
import { portableBackend } from '../portable/index.js';
import type { WasmEngine } from './engine.js';
import { CONV_BUILD_PATCHES, CONV_FOLD_PATCHES, CONV_INPUT_GRADIENT } from './protocol.js';
import { ActivationCode, geometryInts as geometry } from './generated/protocol.js';

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
function patches(e: WasmEngine, xPtr: number, gPtr: number, colsPtr: number, colsLen: number, batch: number): number {
  if (colsLen === 0) return xPtr;
  e.parallel('im2col', { x: xPtr, geometry: gPtr, cols: colsPtr }, batch, colsLen);
  return colsPtr;
}

/**
 * Whether Winograd F(2×2, 3×3) (assembly/winograd.ts) beats im2col + GEMM: a 3×3 kernel at stride 1
 * without dilation, channels in fours (its SIMD lanes), enough input channels for its 16 GEMMs
 * (their depth) and outputs of at least 6×6 (edge tiles waste less). The seed CNN's second conv:
 * 16 GEMMs of 1152×32×64 in 1.0–1.2 ms against 1.8–1.9 ms for the one of 3872×288×64.
 */
function winograd(a: Window2dArgs, cout: number): boolean {
  return (
    a.kH === 3 &&
    a.kW === 3 &&
    a.strideH === 1 &&
    a.strideW === 1 &&
    a.dilationH === 1 &&
    a.dilationW === 1 &&
    a.channels % 4 === 0 &&
    cout % 4 === 0 &&
    a.channels >= 16 &&
    a.outH >= 6 &&
    a.outW >= 6
  );
}

/** out [batch, outH, outW, cout] by Winograd F(2×2, 3×3); false when the operands do not fit. */
function conv2dWinograd(
  e: WasmEngine,
  x: Float32Array,
  kernel: Float32Array,
  a: Window2dArgs,
  cout: number,
  out: Float32Array,
): boolean {
  const C = a.channels;
  const tiles = a.batch * Math.ceil(a.outH / 2) * Math.ceil(a.outW / 2);
  const c = e.call();
  const gPtr = c.ints(geometry(a)),
    xPtr = c.in(x, a.batch * a.inH * a.inW * C),
    kPtr = c.in(kernel, 9 * C * cout);
  const uPtr = c.scratch(16 * C * cout * 4),
    vPtr = c.scratch(16 * tiles * C * 4),
    mPtr = c.scratch(16 * tiles * cout * 4);
  const outPtr = c.out(out, a.batch * a.outH * a.outW * cout);
  if (!c.ok) return c.abort();
  e.kernels.winogradKernel(kPtr, C, cout, uPtr);
  e.parallel('winogradInput', { x: xPtr, geometry: gPtr, v: vPtr }, a.batch, 16 * tiles * C);
  e.gemmAt(vPtr, uPtr, mPtr, {
    m: tiles,
    k: C,
    n: cout,
    transA: false,
    transB: false,
    batch: 16,
    aBatchStride: tiles * C,
    bBatchStride: C * cout,
  });
  e.parallel('winogradOutput', { m: mPtr, geometry: gPtr, cout, out: outPtr }, a.batch, 16 * tiles * cout);
  c.end();
  return true;
}

/**
 * Whether to hand each thread whole images — its patches, then its rows of the product (and in
 * backward its rows of the patch gradient, folded back) — in one task, rather than one threaded
 * call per step. One task instead of two or three: each call costs the threads a hand-over and
 * the wait for the slowest, and a thread finds its own patches still in its cache. Needs a few
 * images per thread; below that the steps are split along their rows instead.
 */
function byImages(e: WasmEngine, a: Window2dArgs): boolean {
  if (e.threads < 2 || a.batch < 2 * e.threads) return false;
  // Each task packs the whole kernel for its product: worth it only over enough rows (the chunks
  // are those of WasmEngine.parallel). Small outputs (a deep layer's 1×1 or 2×2) split by rows.
  const imagesPerTask = a.batch / Math.min(a.batch, 2 * e.threads);
  return imagesPerTask * a.outH * a.outW >= BY_IMAGES_MIN_ROWS;
}

/** Fewest product rows per by-images task (the seed CNN's third conv: 8 images × 9 = 72). */
const BY_IMAGES_MIN_ROWS = 64;

/** Whether a by-images task may take guided chunks (engine.parallel): its smallest holds enough rows too. */
function guidedImages(e: WasmEngine, a: Window2dArgs): boolean {
  const smallest = Math.floor((a.batch - (a.batch >> 1)) / (2 * e.threads));
  return smallest * a.outH * a.outW >= BY_IMAGES_MIN_ROWS;
}

/**
 * out [rows, cout] = patches(x) · kernel [K, cout], then the layer's tail when given; false when
 * the operands do not fit. The direct and by-images tasks apply the tail to each image range
 * right after computing it; the other paths in one pass after.
 */
export function conv2d(
  e: WasmEngine,
  x: Float32Array,
  kernel: Float32Array,
  a: Window2dArgs,
  cout: number,
  out: Float32Array,
  transformed = false,
  tail?: ConvTail,
): boolean {
  const rows = a.batch * a.outH * a.outW;
  const after = (): true => {
    if (tail && !biasActivation(e, out, tail.bias, rows, cout, tail.activation, out))
      portableBackend.biasActivation(out, tail.bias, rows, cout, tail.activation, out);
    return true;
  };
  if (transformed && winograd(a, cout) && conv2dWinograd(e, x, kernel, a, cout, out)) return after();
  const { xLen, K, colsLen } = sizes(a);
  const viaDirect = direct(a, cout);
  const inTask = viaDirect || byImages(e, a);
  const c = e.call();
  const gPtr = c.ints(geometry(a)),
    xPtr = c.in(x, xLen),
    kPtr = c.in(kernel, K * cout);
  const biasPtr = inTask && tail?.bias ? c.in(tail.bias, cout) : 0;
  // No scratch block: the direct kernel's tap list goes in each thread's packing buffer, and the
  // other paths pack the product's patches straight from x.
  const outPtr = c.out(out, rows * cout);
  if (!c.ok) return c.abort();
  const tailArgs =
    inTask && tail
      ? { tailApply: 1, tailBias: biasPtr, tailAct: ActivationCode[tail.activation] }
      : { tailApply: 0, tailBias: 0, tailAct: 0 };
  const common = {
    x: xPtr,
    geometry: gPtr,
    kernel: kPtr,
    cout,
    out: outPtr,
    rowsPerImage: a.outH * a.outW,
    ...tailArgs,
  };
  if (viaDirect) e.parallel('convDirect', common, a.batch, rows * cout);
  else if (inTask) {
    e.parallel(
      'convForward',
      { ...common, rows, patchLength: K, packPatches: colsLen > 0 ? 1 : 0 },
      a.batch,
      colsLen + rows * cout,
      guidedImages(e, a),
    );
  } else if (colsLen > 0) e.gemmConvAt(false, xPtr, gPtr, kPtr, outPtr, rows, K, cout);
  else e.gemmAt(xPtr, kPtr, outPtr, product(rows, K, cout, false, false));
  c.end();
  return inTask ? true : after();
}

/**
 * The gradients of conv2d from dOut [rows, cout]: dk = patches(x)ᵀ · dOut (when dk is given) and
 * dx = col2im(dOut · kernelᵀ) (when dx is given), each overwritten; false when they do not fit.
 * The patch matrix's scratch block serves dk's patches, then dx's.
 */
export function conv2dBackward(
  e: WasmEngine,
  x: Float32Array,
  kernel: Float32Array,
  dOut: Float32Array,
  a: Window2dArgs,
  cout: number,
  dx: Float32Array | null,
  dk: Float32Array | null,
): boolean {
  const { xLen, rows, K, colsLen } = sizes(a);
  const viaDirect = dk !== null && direct(a, cout);
  // dk's product packs its patches from x (gemmConvAt) where a tile of rows spans two taps at most.
  const implicitDk = dk !== null && !viaDirect && colsLen > 0 && a.channels >= e.tileRows;
  const c = e.call();
  // x is read for dk only, the kernel for dx only.
  const gPtr = c.ints(geometry(a)),
    gradPtr = c.in(dOut, rows * cout);
  const xPtr = dk ? c.in(x, xLen) : 0,
    kPtr = dx ? c.in(kernel, K * cout) : 0;
  // The patch matrix block: dx's patch gradient, and dk's patches unless packed from x.
  const colsPtr = c.scratch(dx || (dk && !viaDirect && !implicitDk) ? colsLen * 4 : 0);
  const dkPtr = dk ? c.out(dk, K * cout) : 0,
    dxPtr = dx ? c.out(dx, xLen) : 0;
  if (!c.ok) return c.abort();
  if (!viaDirect && byImages(e, a)) {
    // dk's patches (when built) and dx's patch gradient both live through the one task: two blocks.
    const buildPatches = dk !== null && colsLen > 0 && !implicitDk;
    const gradColsPtr = buildPatches && dx ? c.scratch(colsLen * 4) : colsPtr;
    if (!c.ok) return c.abort();
    const flags =
      (buildPatches ? CONV_BUILD_PATCHES : 0) | (dx ? CONV_INPUT_GRADIENT : 0) | (colsLen > 0 ? CONV_FOLD_PATCHES : 0);
    const work = (buildPatches ? colsLen : 0) + (dx ? colsLen + xLen : 0);
    if (work > 0) {
      e.parallel(
        'convBackwardImages',
        {
          x: xPtr,
          geometry: gPtr,
          patches: colsPtr,
          dOut: gradPtr,
          kernel: kPtr,
          patchGradient: colsLen > 0 ? gradColsPtr : dxPtr,
          dx: dxPtr,
          rows,
          patchLength: K,
          cout,
          rowsPerImage: a.outH * a.outW,
          flags,
        },
        a.batch,
        work,
        guidedImages(e, a),
      );
    }
    if (implicitDk) e.gemmConvAt(true, xPtr, gPtr, gradPtr, dkPtr, K, rows, cout);
    else if (dk) e.gemmAt(colsLen > 0 ? colsPtr : xPtr, gradPtr, dkPtr, product(K, rows, cout, true, false));
    c.end();
    return true;
  }
  if (dk) {
    // Split over the threads by taps (each owns its rows of dk).
    if (viaDirect)
      e.parallel(
        'convDirectKernelGrad',
        { x: xPtr, geometry: gPtr, dOut: gradPtr, cout, dk: dkPtr },
        a.kH * a.kW,
        xLen * a.kH * a.kW,
      );
    else if (implicitDk) e.gemmConvAt(true, xPtr, gPtr, gradPtr, dkPtr, K, rows, cout);
    else
      e.gemmAt(patches(e, xPtr, gPtr, colsPtr, colsLen, a.batch), gradPtr, dkPtr, product(K, rows, cout, true, false));
  }
  if (dx) {
    // A pointwise conv's patch gradient is dx itself.
    e.gemmAt(gradPtr, kPtr, colsLen > 0 ? colsPtr : dxPtr, product(rows, cout, K, false, true));
    if (colsLen > 0) e.parallel('col2im', { cols: colsPtr, geometry: gPtr, dx: dxPtr }, a.batch, xLen);
  }
  c.end();
  return true;
}
