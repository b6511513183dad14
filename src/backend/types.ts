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

export interface Backend {
  readonly name: string;

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
}
