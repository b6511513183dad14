/**
 * The narrow waist between tensors and kernels. A backend implements these primitives on flat,
 * contiguous, row-major typed arrays; shapes and strides describe how to walk them. Everything
 * above (composite ops, autograd, layers) is written in terms of these, so a new backend
 * (WebAssembly SIMD, WebGPU) is one more implementation of `Backend` and nothing else changes.
 */

export type DType = 'float32' | 'int32';
export type TypedArray = Float32Array | Int32Array;
export type Shape = readonly number[];

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'square' | 'reciprocal'
  | 'sigmoid' | 'tanh' | 'relu' | 'step' | 'erf' | 'sin' | 'cos' | 'floor' | 'ceil' | 'round'
  | 'isnan';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/** Activations fused with a bias add; each one's derivative is a function of its output alone. */
export type FusedActivation = 'linear' | 'relu';

export interface MatmulArgs {
  /** Rows of op(A) and of C. */
  m: number;
  /** Inner dimension. */
  k: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** A is stored as [k, m] and used transposed. */
  transA: boolean;
  /** B is stored as [n, k] and used transposed. */
  transB: boolean;
  /** Number of independent products; A/B advance by their batch stride (0 = shared). */
  batch: number;
  aBatchStride: number;
  bBatchStride: number;
}

/**
 * Geometry of a sliding 2-d window over channels-last images [batch, inH, inW, channels]: the
 * shared description for convolution (im2col/col2im) and pooling kernels. Output position
 * (oh, ow) reads input rows oh*strideH - padTop + kh*dilationH (kh < kH) and likewise for
 * columns; taps that fall outside the image are padding (zero for conv, skipped for pooling, so
 * every pooling window must hold at least one tap inside the image).
 */
export interface Window2dArgs {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  kH: number;
  kW: number;
  outH: number;
  outW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

/**
 * The scalars of one Adam step (optim/adam.ts computes them): with gᵢ = sign·g + l2·θ,
 *   m ← f32(β₁m + c1·gᵢ),  v ← f32(β₂v + c2·gᵢ·gᵢ),  (AMSGrad: vMax ← max(vMax, v), used for v)
 *   θ ← θ·shrink − stepSize·m / (√v·invBc2Sqrt + eps)
 */
export interface AdamStep {
  beta1: number;
  beta2: number;
  c1: number;
  c2: number;
  l2: number;
  shrink: number;
  stepSize: number;
  invBc2Sqrt: number;
  eps: number;
  sign: number;
}

/** A conv layer's tail for Backend.conv2d: out = activation(out + bias), bias [cout] or none. */
export interface ConvTail {
  bias: Float32Array | null;
  activation: FusedActivation;
}

export interface Backend {
  readonly name: string;

  /**
   * Storage for a new tensor that this backend's kernels read and write in place (the wasm
   * backend's heap), or null for an ordinary typed array. Optional: without it every tensor is an
   * ordinary typed array. The storage must be reclaimed when unreachable, with no dispose().
   * `zeroed` false: the caller overwrites every element, so old contents may be left.
   */
  allocate?(dtype: DType, size: number, zeroed: boolean): TypedArray | null;

  /**
   * Optional, with `allocate`: give the storage `allocate` returned back now rather than when it is
   * garbage-collected (ignored for any other array, or where the backend prefers to wait). Only
   * for an op's own temporary: the caller guarantees that nothing reads it, or a view of it, again.
   */
  releaseStorage?(data: TypedArray): void;

  /** out[i] = op(x[i]); x and out have the same length (they may be the same array). */
  unary(op: UnaryOp, x: TypedArray, out: TypedArray): void;

  /**
   * out = a op b with broadcasting: `outShape` is the result shape, `aStrides`/`bStrides` are
   * element strides over outShape (0 on a broadcast axis). `out` is contiguous.
   */
  binary(op: BinaryOp, a: TypedArray, aStrides: Shape, b: TypedArray, bStrides: Shape, outShape: Shape, out: TypedArray): void;

  /** out = cond != 0 ? a : b, broadcasting like `binary`. */
  where(cond: TypedArray, cStrides: Shape, a: TypedArray, aStrides: Shape, b: TypedArray, bStrides: Shape, outShape: Shape, out: TypedArray): void;

  /**
   * Reduce the middle axis of x viewed as [outer, size, inner] into out viewed as [outer, inner].
   * argmax/argmin write indices (into an Int32Array).
   */
  reduce(op: ReduceOp, x: TypedArray, outer: number, size: number, inner: number, out: TypedArray): void;

  /**
   * log-softmax of each row of x [rows, cols]: out = (x − m) − log Σ exp(x − m), m the row's max
   * (0 where that is ±∞ or NaN). Must give exactly what ops/activations.ts would compose from this
   * backend's max, sub, exp, sum and log (and Math.log for the log), so that fusing never changes a
   * result. stats [rows·2] receives each row's m and Σ exp(x − m), which the backward reads.
   */
  logSoftmax(x: Float32Array, rows: number, cols: number, out: Float32Array, stats: Float32Array): void;

  /** The gradient of logSoftmax: dx = g + (−Σ g / S)·exp(x − m) per row, rounded step by step as the composition's backward is. */
  logSoftmaxBackward(g: Float32Array, x: Float32Array, stats: Float32Array, rows: number, cols: number, dx: Float32Array): void;

  /** C[b] = op(A[b]) @ op(B[b]) for each batch b; C is contiguous [batch, m, n] and overwritten. */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, args: MatmulArgs): void;

  /**
   * Copy a strided view of src into a strided view of dst, both walked over `shape`.
   * This one kernel serves permute, expand, slice, pad and concat.
   */
  copyStrided(src: TypedArray, srcOffset: number, srcStrides: Shape, dst: TypedArray, dstOffset: number, dstStrides: Shape, shape: Shape): void;

  /** out[o, j, i] = src[o, indices[j], i] with src viewed as [outer, axisSize, inner]. */
  gather(src: TypedArray, outer: number, axisSize: number, inner: number, indices: Int32Array, out: TypedArray): void;

  /** out[o, indices[j], i] += src[o, j, i]; the adjoint of `gather`. */
  scatterAdd(src: TypedArray, outer: number, axisSize: number, inner: number, indices: Int32Array, out: TypedArray): void;

  /*
   * Convolution is im2col + the backend's own matmul, composed in ops/conv.ts: forward is
   * cols @ kernel, the kernel gradient colsᵀ @ dOut (transA), the input gradient
   * col2im(dOut @ kernelᵀ) (transB). So a backend adds only two data-movement loops and gets
   * convolution at the speed of its GEMM; a WASM backend ports two simple loops, not three conv
   * kernels. (A backend that wants a direct or Winograd conv can later add an optional method.)
   */

  /**
   * Unfold image patches: cols[(n, oh, ow), (kh, kw, c)] = x[n, ih, iw, c], 0 where the tap falls in
   * the padding. x is [batch, inH, inW, channels]; cols is [batch*outH*outW, kH*kW*channels] and
   * overwritten. The column order matches a channels-last kernel [kH, kW, Cin, Cout] read as [K, Cout].
   */
  im2col(x: Float32Array, args: Window2dArgs, cols: Float32Array): void;

  /** The adjoint of im2col: dx (overwritten) = Σ over patches of cols, taps in the padding dropped. */
  col2im(cols: Float32Array, args: Window2dArgs, dx: Float32Array): void;

  /**
   * Optional fused convolution: the same products as im2col + matmul, for a backend whose kernels
   * work in memory of their own (wasm), where the patch matrix then never crosses into JS. x is
   * [batch, inH, inW, channels], kernel [kH·kW·channels, cout], out [batch·outH·outW, cout]
   * (overwritten). Returns false when it declines (operands too large for its memory); ops/conv.ts
   * then composes im2col + matmul, as it does for a backend without these methods.
   * `transformed`: the backend may use a fast transform (Winograd), whose rounding differs from the
   * direct products by about 1e-6 relative. ops/conv.ts allows it only where no gradient is taken
   * (inference): training keeps the direct products, so a training run's trajectory does not depend
   * on which layers qualify (a different trajectory moved the seed CNN's MNIST result 99.02 → 98.89 %).
   * `tail`: also apply a layer's bias and activation to out, exactly as `biasActivation` would
   * (the backend does it while each part of out is still in cache, in the same threaded task).
   */
  conv2d?(x: Float32Array, kernel: Float32Array, args: Window2dArgs, cout: number, out: Float32Array, transformed?: boolean, tail?: ConvTail): boolean;

  /**
   * Both gradients of `conv2d` in one call, so the operands are copied in once: dk = colsᵀ · dOut
   * and dx = col2im(dOut · kernelᵀ), each computed only when given (not null) and overwritten.
   * Returns false when it declines, like `conv2d`.
   */
  conv2dBackward?(
    x: Float32Array, kernel: Float32Array, dOut: Float32Array, args: Window2dArgs, cout: number,
    dx: Float32Array | null, dk: Float32Array | null,
  ): boolean;

  /**
   * Max over each window, per channel; padding taps are ignored. out is [batch, outH, outW,
   * channels]. When `argmax` is given (same length as out) it receives the flat index into x of each
   * maximum, which is all its backward pass needs.
   */
  maxPool2d(x: Float32Array, args: Window2dArgs, out: Float32Array, argmax: Int32Array | null): void;

  /**
   * The adjoint of maxPool2d: dx (overwritten, the input's size) receives each dOut[i] at the flat
   * index argmax[i] recorded by the forward pass, summed where overlapping windows share a tap.
   */
  maxPool2dBackward(dOut: Float32Array, argmax: Int32Array, args: Window2dArgs, dx: Float32Array): void;

  /** Mean over each window, per channel, counting only taps inside the image (TensorFlow's rule). */
  avgPool2d(x: Float32Array, args: Window2dArgs, out: Float32Array): void;

  /** The adjoint of avgPool2d: dx (overwritten) receives each dOut spread evenly over its window's taps. */
  avgPool2dBackward(dOut: Float32Array, args: Window2dArgs, dx: Float32Array): void;

  /*
   * A layer's bias add and activation in one pass each way (Dense, Conv2D): composed from `binary`
   * and `unary` they cost two passes forward and three backward (relu's step mask, the product,
   * the bias gradient's column sum), each a fresh array and, on wasm, a copy in and out.
   */

  /** out[r, c] = act(x[r, c] + bias[c]) over x viewed as [rows, cols]; bias null adds nothing. */
  biasActivation(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: FusedActivation, out: Float32Array): void;

  /**
   * The gradients of biasActivation from its output y and the output's gradient g: dx = g for
   * 'linear', and for relu dx[r, c] = y[r, c] > 0 ? g[r, c] : 0 (a mask, not a product: where the
   * unit is off, g = NaN or ±∞ still gives 0, as PyTorch's threshold_backward does); dBias[c] =
   * Σ_r dx[r, c], summed in float32 from 0, row after row. Each output is computed only when not
   * null, and overwritten.
   */
  biasActivationBackward(
    g: Float32Array, y: Float32Array, rows: number, cols: number, act: FusedActivation,
    dx: Float32Array | null, dBias: Float32Array | null,
  ): void;

  /**
   * One Adam (or AdamW, AMSGrad when vMax is given) step over parameter p with gradient g and
   * moments m, v, all updated in place (see AdamStep). float64 arithmetic, float32 storage: every
   * backend gives the same bits.
   */
  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vMax: Float32Array | null, s: AdamStep): void;
}
