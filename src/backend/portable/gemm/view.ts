/**
 * A strided 2-d view of a flat Float32Array: element (r, c) is data[off + r·rowStride + c·colStride].
 * op(A) and op(B) of every transpose combination are such views of the stored arrays, so the GEMM
 * code below never branches on transA/transB: a transpose is just swapped strides.
 */
export interface MatrixView {
  data: Float32Array;
  off: number;
  rowStride: number;
  colStride: number;
}

/**
 * The view of op(X) where X is stored row-major with `cols` columns at `off`: transposing swaps
 * the strides instead of copying.
 */
export function viewOf(data: Float32Array, off: number, cols: number, transposed: boolean): MatrixView {
  return transposed ? { data, off, rowStride: 1, colStride: cols } : { data, off, rowStride: cols, colStride: 1 };
}
