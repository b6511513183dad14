/**
 * The narrow waist between tensors and kernels. A backend owns the storage of its tensors — a
 * typed array for the CPU backends (portable, wasm), a GPU buffer for WebGPU — and implements
 * the primitives on it: flat, contiguous, row-major storage, with shapes and strides describing
 * how to walk it. Code above src/backend holds storage only as an opaque handle (Tensor.storage)
 * and reads values only through `readSync`/`read` (Tensor.dataSync / await Tensor.data), so a
 * new backend is one more implementation of `Backend<S>`, with S its own storage type.
 */

export type DType = 'float32' | 'int32';
export type TypedArray = Float32Array | Int32Array;
export type Shape = readonly number[];

export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'sign'
  | 'square'
  | 'reciprocal'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'step'
  | 'erf'
  | 'sin'
  | 'cos'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'isnan';

export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge';

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
export interface ConvTail<S = Float32Array> {
  bias: S | null;
  activation: FusedActivation;
}

/**
 * A backend: storage of type S and the primitive kernels on it. Every storage argument is a
 * handle this backend made (allocate / fromHost); kernels never see another backend's storage.
 * Methods are written in method syntax on purpose: the registry holds backends as Backend<unknown>.
 */
export interface Backend<S = unknown> {
  readonly name: string;
  /**
   * Whether the storage is an ordinary host typed array (portable, wasm). Such backends can run
   * each other's storage, so tensors made under one run on another after setBackend; a device
   * backend's tensors move only through an explicit `await tensor.to(...)`.
   */
  readonly hostStorage: boolean;

  // ---- storage ----------------------------------------------------------------------------------

  /**
   * Storage for a new tensor of `size` elements. It must be reclaimed when unreachable, with no
   * dispose(). `zeroed` false: the caller overwrites every element, so old contents may be left.
   */
  allocate(dtype: DType, size: number, zeroed: boolean): S;
  /**
   * Storage holding a copy of `values` (an upload, for a device). `owned`: the caller gives the
   * array up, so a host backend may keep it as the storage itself instead of copying.
   */
  fromHost(values: TypedArray, owned: boolean): S;
  /** The number of elements of a storage handle. */
  sizeOf(s: S): number;
  /** A fresh host copy of the values; a device backend that cannot answer synchronously throws. */
  readSync(s: S): TypedArray;
  /** A fresh host copy of the values, on any backend. */
  read(s: S): Promise<TypedArray>;
  /** Overwrite the storage with host values of the same length and dtype (an upload, for a device). */
  write(s: S, values: TypedArray): void;
  /** Set every element to `value`. */
  fill(s: S, value: number): void;
  /** out = x converted to out's dtype (float→int truncates toward zero); same length. */
  cast(x: S, out: S): void;
  /**
   * Optional: give storage back now rather than when it is garbage-collected (a backend may
   * ignore it). Only for an op's own temporary: nothing reads it, or a view of it, again.
   */
  releaseStorage?(s: S): void;

  // ---- kernels ----------------------------------------------------------------------------------

  /** out[i] = op(x[i]); x and out have the same length (they may be the same array). */
  unary(op: UnaryOp, x: S, out: S): void;

  /**
   * out = a op b with broadcasting: `outShape` is the result shape, `aStrides`/`bStrides` are
   * element strides over outShape (0 on a broadcast axis). `out` is contiguous.
   */
  binary(op: BinaryOp, a: S, aStrides: Shape, b: S, bStrides: Shape, outShape: Shape, out: S): void;

  /** out = cond != 0 ? a : b, broadcasting like `binary`. */
  where(cond: S, cStrides: Shape, a: S, aStrides: Shape, b: S, bStrides: Shape, outShape: Shape, out: S): void;

  /**
   * Reduce the middle axis of x viewed as [outer, size, inner] into out viewed as [outer, inner].
   * argmax/argmin write indices (into int32 storage).
   */
  reduce(op: ReduceOp, x: S, outer: number, size: number, inner: number, out: S): void;

  /**
   * log-softmax of each row of x [rows, cols]: out = (x − m) − log Σ exp(x − m), m the row's max
   * (0 where that is ±∞ or NaN). Must give exactly what ops/activations.ts would compose from this
   * backend's max, sub, exp, sum and log (and Math.log for the log), so that fusing never changes a
   * result. stats [rows·2] receives each row's m and Σ exp(x − m), which the backward reads.
   */
  logSoftmax(x: S, rows: number, cols: number, out: S, stats: S): void;

  /**
   * The gradient of logSoftmax: dx = g + (−Σ g / S)·exp(x − m) per row, rounded step by step as the
   * composition's backward is.
   */
  logSoftmaxBackward(g: S, x: S, stats: S, rows: number, cols: number, dx: S): void;

  /** C[b] = op(A[b]) @ op(B[b]) for each batch b; C is contiguous [batch, m, n] and overwritten. */
  matmul(a: S, b: S, out: S, args: MatmulArgs): void;

  /**
   * Copy a strided view of src into a strided view of dst, both walked over `shape`.
   * This one kernel serves permute, expand, slice, pad and concat.
   */
  copyStrided(
    src: S,
    srcOffset: number,
    srcStrides: Shape,
    dst: S,
    dstOffset: number,
    dstStrides: Shape,
    shape: Shape,
  ): void;

  /** out[o, j, i] = src[o, indices[j], i] with src viewed as [outer, axisSize, inner]. */
  gather(src: S, outer: number, axisSize: number, inner: number, indices: S, out: S): void;

  /** out[o, indices[j], i] += src[o, j, i]; the adjoint of `gather`. */
  scatterAdd(src: S, outer: number, axisSize: number, inner: number, indices: S, out: S): void;

  /**
   * 2-d convolution (cross-correlation) over channels-last images: x [batch, inH, inW, channels],
   * kernel [kH·kW·channels, cout], out [batch·outH·outW, cout] (overwritten). The CPU backends
   * compose it from im2col and their GEMM (host/conv.ts), or run it fused in their own memory.
   * `transformed`: the backend may use a fast transform (Winograd), whose rounding differs from the
   * direct products by about 1e-6 relative. ops/conv.ts allows it only where no gradient is taken
   * (inference): training keeps the direct products, so a training run's trajectory does not depend
   * on which layers qualify (a different trajectory moved the seed CNN's MNIST result 99.02 → 98.89 %).
   * `tail`: also apply a layer's bias and activation to out, exactly as `biasActivation` would
   * (the backend does it while each part of out is still in cache, in the same threaded task).
   */
  conv2d(
    x: S,
    kernel: S,
    args: Window2dArgs,
    cout: number,
    out: S,
    transformed: boolean,
    tail: ConvTail<S> | null,
  ): void;

  /**
   * Both gradients of `conv2d` in one call: dk = colsᵀ · dOut and dx = col2im(dOut · kernelᵀ),
   * each computed only when given (not null) and overwritten.
   */
  conv2dBackward(x: S, kernel: S, dOut: S, args: Window2dArgs, cout: number, dx: S | null, dk: S | null): void;

  /**
   * Max over each window, per channel; padding taps are ignored. out is [batch, outH, outW,
   * channels]. When `argmax` is given (same length as out) it receives the flat index into x of each
   * maximum, which is all its backward pass needs.
   */
  maxPool2d(x: S, args: Window2dArgs, out: S, argmax: S | null): void;

  /**
   * The adjoint of maxPool2d: dx (overwritten, the input's size) receives each dOut[i] at the flat
   * index argmax[i] recorded by the forward pass, summed where overlapping windows share a tap.
   */
  maxPool2dBackward(dOut: S, argmax: S, args: Window2dArgs, dx: S): void;

  /** Mean over each window, per channel, counting only taps inside the image (TensorFlow's rule). */
  avgPool2d(x: S, args: Window2dArgs, out: S): void;

  /** The adjoint of avgPool2d: dx (overwritten) receives each dOut spread evenly over its window's taps. */
  avgPool2dBackward(dOut: S, args: Window2dArgs, dx: S): void;

  /*
   * A layer's bias add and activation in one pass each way (Dense, Conv2D): composed from `binary`
   * and `unary` they cost two passes forward and three backward (relu's step mask, the product,
   * the bias gradient's column sum), each a fresh array and, on wasm, a copy in and out.
   */

  /** out[r, c] = act(x[r, c] + bias[c]) over x viewed as [rows, cols]; bias null adds nothing. */
  biasActivation(x: S, bias: S | null, rows: number, cols: number, act: FusedActivation, out: S): void;

  /**
   * The gradients of biasActivation from its output y and the output's gradient g: dx = g for
   * 'linear', and for relu dx[r, c] = y[r, c] > 0 ? g[r, c] : 0 (a mask, not a product: where the
   * unit is off, g = NaN or ±∞ still gives 0, as PyTorch's threshold_backward does); dBias[c] =
   * Σ_r dx[r, c], summed in float32 from 0, row after row. Each output is computed only when not
   * null, and overwritten.
   */
  biasActivationBackward(
    g: S,
    y: S,
    rows: number,
    cols: number,
    act: FusedActivation,
    dx: S | null,
    dBias: S | null,
  ): void;

  /*
   * Recurrent cells: one time step's gate nonlinearities in one pass each way, so that a step of an
   * LSTM or GRU is one GEMM (h·W_hhᵀ) plus one kernel, not a dozen elementwise ops. Gate order and
   * layout are PyTorch's: rows of width 4·units (LSTM: i, f, g, o) or 3·units (GRU: r, z, n).
   */

  /**
   * LSTM step over `rows` sequences of `units` cells, with gates = gx + gh ([rows, 4·units]):
   *   i = σ(gates_i), f = σ(gates_f), g = tanh(gates_g), o = σ(gates_o),
   *   c = f·cPrev + i·g,  h = o·tanh(c).
   * h and c [rows, units] are overwritten; acts [rows, 4·units] receives i, f, g, o (the backward
   * pass reads them). The sum and the products are rounded to float32 as they are stored.
   */
  lstmCell(gx: S, gh: S, cPrev: S, rows: number, units: number, h: S, c: S, acts: S): void;

  /**
   * The gradient of lstmCell with respect to the gate pre-activations (dGates [rows, 4·units],
   * overwritten) and cPrev (dcPrev, when not null), given the gradients of h (dh) and of c (dc),
   * either of which may be null (no gradient), from the forward pass's acts, cPrev and c.
   */
  lstmCellBackward(
    dh: S | null,
    dc: S | null,
    acts: S,
    cPrev: S,
    c: S,
    rows: number,
    units: number,
    dGates: S,
    dcPrev: S | null,
  ): void;

  /**
   * GRU step (PyTorch's formulation) with gx = x·W_ihᵀ + b_ih and gh = hPrev·W_hhᵀ + b_hh, both
   * [rows, 3·units]: r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r·gh_n),
   * h = (1 − z)·n + z·hPrev. h [rows, units] is overwritten; acts [rows, 4·units] receives r, z,
   * n and gh_n for the backward pass.
   */
  gruCell(gx: S, gh: S, hPrev: S, rows: number, units: number, h: S, acts: S): void;

  /**
   * The gradients of gruCell from dh: dGx and dGh [rows, 3·units] (they differ only in the n
   * block, where dGh_n = dGx_n·r) and dhPrev's direct part z·dh (the part through gh is the
   * GEMM's). Each output is computed only when not null, and overwritten.
   */
  gruCellBackward(
    dh: S,
    acts: S,
    hPrev: S,
    rows: number,
    units: number,
    dGx: S | null,
    dGh: S | null,
    dhPrev: S | null,
  ): void;

  /**
   * One Adam (or AdamW, AMSGrad when vMax is given) step over parameter p with gradient g and
   * moments m, v, all updated in place (see AdamStep). float64 arithmetic, float32 storage: every
   * backend gives the same bits.
   */
  adamStep(p: S, g: S, m: S, v: S, vMax: S | null, s: AdamStep): void;

  /*
   * Optional fused kernels: an op whose backend lacks one composes the same result from the
   * primitives above (the WebGPU backend has none of these yet).
   */

  /** out = x·Φ(x), the exact GELU (Φ the standard normal CDF); same length. */
  gelu?(x: S, out: S): void;

  /** dx = g·(Φ(x) + x·φ(x)), GELU's backward from its input x. */
  geluBackward?(g: S, x: S, dx: S): void;

  /**
   * Attention's weights from its scores x [rows, cols] (rows = batch·tq, cols = tk): per row
   * out = softmax(x·scale), where with `causal` row r (query i = r mod tq) sees keys c ≤ i only and
   * is exactly 0 at the others.
   */
  attentionSoftmax?(x: S, rows: number, cols: number, tq: number, scale: number, causal: boolean, out: S): void;

  /** attentionSoftmax's backward from its output y: dx = scale·y·(g − Σ g·y) per row. */
  attentionSoftmaxBackward?(g: S, y: S, rows: number, cols: number, scale: number, dx: S): void;

  /**
   * Layer norm over the rows of x [rows, cols]: out = (x − mean)·rstd·w + b, rstd =
   * 1/sqrt(biased variance + eps), w and b [cols] or null (none); stats receives each row's mean
   * and rstd (2·rows floats) for the backward.
   */
  layerNorm?(x: S, w: S | null, b: S | null, rows: number, cols: number, eps: number, out: S, stats: S): void;

  /**
   * layerNorm's backward from its input and stats: dx (overwritten), and where not null the
   * weight and bias gradients dw = Σ_rows g·x̂, db = Σ_rows g (overwritten).
   */
  layerNormBackward?(
    g: S,
    x: S,
    w: S | null,
    stats: S,
    rows: number,
    cols: number,
    dx: S | null,
    dw: S | null,
    db: S | null,
  ): void;
}
