/**
 * Small dense linear algebra in float64, for closed-form references (least squares) that check
 * what gradient descent finds. Not a training path: plain arrays, O(n³), fine for n ≲ 100.
 */
import { ArgumentError } from './errors.js';

/** Solve A·x = b (A n×n, row-major number[][]) by Gaussian elimination with partial pivoting. */
export function solve(A: number[][], b: number[]): number[] {
  const n = A.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-12)
      throw new ArgumentError(`solve: the matrix is singular (pivot ${c} is ~0); expected a full-rank system`);
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      if (f === 0) continue;
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/**
 * Least squares: the x minimising ‖X·x − y‖² via the normal equations XᵀX·x = Xᵀy, with an
 * optional ridge term λ·I (λ = 0 gives ordinary least squares). X is rows × cols.
 */
export function leastSquares(
  X: ArrayLike<number>,
  rows: number,
  cols: number,
  y: ArrayLike<number>,
  ridge = 0,
): number[] {
  const XtX = Array.from({ length: cols }, () => new Array<number>(cols).fill(0));
  const Xty = new Array<number>(cols).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const xi = X[r * cols + i];
      Xty[i] += xi * y[r];
      for (let j = i; j < cols; j++) XtX[i][j] += xi * X[r * cols + j];
    }
  }
  for (let i = 0; i < cols; i++) {
    XtX[i][i] += ridge;
    for (let j = 0; j < i; j++) XtX[i][j] = XtX[j][i];
  }
  return solve(XtX, Xty);
}
