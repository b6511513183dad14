/**
 * The fused kernels of a transformer block (Backend.gelu, Backend.attentionSoftmax and their
 * backwards), one pass over each row or element, in float64 arithmetic rounded to float32 on
 * store: the reference the wasm kernels are tested against.
 */
import { erf } from './elementwise.js';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function gelu(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v * 0.5 * (1 + erf(v * Math.SQRT1_2));
  }
}

export function geluBackward(g: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const cdf = 0.5 * (1 + erf(v * Math.SQRT1_2));
    dx[i] = g[i] * (cdf + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI);
  }
}

export function attentionSoftmax(
  x: Float32Array,
  rows: number,
  cols: number,
  tq: number,
  scale: number,
  causal: boolean,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const seen = causal ? Math.min(cols, (r % tq) + 1) : cols;
    let max = -Infinity;
    for (let c = 0; c < seen; c++) max = Math.max(max, x[base + c] * scale);
    // A row of −∞ (or ∞) scores shifts by 0, as logSoftmax does.
    const m = Number.isFinite(max) ? max : 0;
    let sum = 0;
    for (let c = 0; c < seen; c++) {
      const e = Math.exp(x[base + c] * scale - m);
      out[base + c] = e;
      sum += e;
    }
    for (let c = 0; c < seen; c++) out[base + c] /= sum;
    out.fill(0, base + seen, base + cols);
  }
}

export function attentionSoftmaxBackward(
  g: Float32Array,
  y: Float32Array,
  rows: number,
  cols: number,
  scale: number,
  dx: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += g[base + c] * y[base + c];
    for (let c = 0; c < cols; c++) dx[base + c] = scale * y[base + c] * (g[base + c] - dot);
  }
}
