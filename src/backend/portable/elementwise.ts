/**
 * Elementwise kernels of the portable backend. Each op gets its own tight loop (the switch is
 * outside the loop), so V8 compiles straight-line float code with no per-element calls.
 */
import type { BinaryOp, Shape, TypedArray, UnaryOp } from '../types.js';
import { coalesce, forEachRow } from '../strided.js';

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      return;
    case 'sign':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? 1 : v < 0 ? -1 : v;
      }
      return;
    case 'square':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v * v;
      }
      return;
    case 'reciprocal':
      for (let i = 0; i < n; i++) out[i] = 1 / x[i];
      return;
    case 'sigmoid':
      // Two branches keep exp's argument non-positive, so neither overflows.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return;
    case 'relu':
      // NaN stays NaN (as in PyTorch: a NaN input must not vanish); -0 gives +0.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 || v !== v ? v : 0;
      }
      return;
    case 'step':
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : 0;
      return;
    case 'erf':
      for (let i = 0; i < n; i++) out[i] = erf(x[i]);
      return;
    case 'sin':
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]);
      return;
    case 'cos':
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]);
      return;
    case 'floor':
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]);
      return;
    case 'ceil':
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]);
      return;
    case 'round':
      for (let i = 0; i < n; i++) out[i] = Math.round(x[i]);
      return;
    case 'isnan':
      for (let i = 0; i < n; i++) out[i] = Number.isNaN(x[i]) ? 1 : 0;
      return;
  }
}

/**
 * erf to float32 precision: a Maclaurin series near 0 (where 1 - erfc would lose digits) and the
 * Chebyshev fit of erfc from Numerical Recipes elsewhere (fractional error < 1.2e-7).
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Maclaurin series: converges fast for small |x|.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 12; k++) {
      term *= -x2 / k;
      sum += term / (2 * k + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc via Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7 everywhere).
  const t = 1 / (1 + 0.5 * ax);
  const y =
    t *
    Math.exp(
      -ax * ax -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - y : y - 1;
}

export function binary(
  op: BinaryOp,
  a: TypedArray,
  aStrides: Shape,
  b: TypedArray,
  bStrides: Shape,
  outShape: Shape,
  out: TypedArray,
): void {
  const rank = outShape.length;
  const outStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    outStrides[d] = s;
    s *= outShape[d];
  }
  const c = coalesce(outShape, [aStrides, bStrides, outStrides]);
  const [as, bs, os] = c.strides as [number[], number[], number[]];
  const last = c.shape.length - 1;
  const sa = as[last],
    sb = bs[last],
    so = os[last];
  forEachRow(c.shape, c.strides, [0, 0, 0], (off, len) => {
    binaryRow(op, a, off[0], sa, b, off[1], sb, out, off[2], so, len);
  });
}

function binaryRow(
  op: BinaryOp,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  out: TypedArray,
  io: number,
  so: number,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] + b[ib];
      return;
    case 'sub':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] - b[ib];
      return;
    case 'mul':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] * b[ib];
      return;
    case 'div':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] / b[ib];
      return;
    case 'pow':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] ** b[ib];
      return;
    case 'maximum':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) {
        const x = a[ia],
          y = b[ib];
        out[io] = x >= y || x !== x ? x : y;
      }
      return;
    case 'minimum':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) {
        const x = a[ia],
          y = b[ib];
        out[io] = x <= y || x !== x ? x : y;
      }
      return;
    case 'eq':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] === b[ib] ? 1 : 0;
      return;
    case 'ne':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] !== b[ib] ? 1 : 0;
      return;
    case 'lt':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] < b[ib] ? 1 : 0;
      return;
    case 'le':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] <= b[ib] ? 1 : 0;
      return;
    case 'gt':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] > b[ib] ? 1 : 0;
      return;
    case 'ge':
      for (let i = 0; i < n; i++, ia += sa, ib += sb, io += so) out[io] = a[ia] >= b[ib] ? 1 : 0;
      return;
  }
}

export function where(
  cond: TypedArray,
  cStrides: Shape,
  a: TypedArray,
  aStrides: Shape,
  b: TypedArray,
  bStrides: Shape,
  outShape: Shape,
  out: TypedArray,
): void {
  const rank = outShape.length;
  const outStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    outStrides[d] = s;
    s *= outShape[d];
  }
  const c = coalesce(outShape, [cStrides, aStrides, bStrides, outStrides]);
  const last = c.shape.length - 1;
  const [sc, sa, sb, so] = c.strides.map((st) => st[last]) as [number, number, number, number];
  forEachRow(c.shape, c.strides, [0, 0, 0, 0], (off, n) => {
    let ic = off[0],
      ia = off[1],
      ib = off[2],
      io = off[3];
    for (let i = 0; i < n; i++, ic += sc, ia += sa, ib += sb, io += so) out[io] = cond[ic] !== 0 ? a[ia] : b[ib];
  });
}
