/**
 * The fused kernels of a transformer block (Backend.gelu, Backend.attentionSoftmax,
 * Backend.layerNorm and their backwards), one pass over each row or element, in float64 arithmetic rounded to float32 on
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

export function layerNorm(
  x: Float32Array,
  w: Float32Array | null,
  b: Float32Array | null,
  rows: number,
  cols: number,
  eps: number,
  out: Float32Array,
  stats: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += x[base + c];
    const mean = sum / cols;
    let sq = 0;
    for (let c = 0; c < cols; c++) sq += (x[base + c] - mean) ** 2;
    const rstd = 1 / Math.sqrt(sq / cols + eps);
    for (let c = 0; c < cols; c++) {
      const y = (x[base + c] - mean) * rstd;
      out[base + c] = (w === null ? y : y * w[c]) + (b === null ? 0 : b[c]);
    }
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
  }
}

export function layerNormBackward(
  g: Float32Array,
  x: Float32Array,
  w: Float32Array | null,
  stats: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
): void {
  dw?.fill(0);
  db?.fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mean = stats[2 * r],
      rstd = stats[2 * r + 1];
    let s = 0,
      t = 0;
    for (let c = 0; c < cols; c++) {
      const gc = g[base + c];
      const gw = w === null ? gc : gc * w[c];
      const xh = (x[base + c] - mean) * rstd;
      s += gw;
      t += gw * xh;
      if (dw !== null) dw[c] += gc * xh;
      if (db !== null) db[c] += gc;
    }
    if (dx === null) continue;
    const a = s / cols,
      bb = t / cols;
    for (let c = 0; c < cols; c++) {
      const gw = w === null ? g[base + c] : g[base + c] * w[c];
      dx[base + c] = rstd * (gw - a - (x[base + c] - mean) * rstd * bb);
    }
  }
}
