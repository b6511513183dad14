/**
 * A layer's bias add and activation in one pass each way (see Backend.biasActivation). The
 * additions are float32 (rounded as the composed add would store them) and the bias gradient adds
 * rows in order, so results equal the composed ops' exactly.
 */
import type { FusedActivation } from '../types.js';

export function biasActivation(
  x: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  act: FusedActivation,
  out: Float32Array,
): void {
  const relu = act === 'relu';
  let i = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      const v = bias === null ? x[i] : Math.fround(x[i] + bias[c]);
      // NaN stays NaN and -0 gives +0, as the relu kernel does.
      out[i] = relu ? (v > 0 || v !== v ? v : 0) : v;
    }
  }
}

export function biasActivationBackward(
  g: Float32Array,
  y: Float32Array,
  rows: number,
  cols: number,
  act: FusedActivation,
  dx: Float32Array | null,
  dBias: Float32Array | null,
): void {
  const relu = act === 'relu';
  if (dBias !== null) dBias.fill(0, 0, cols);
  let i = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) {
      const d = relu ? (y[i] > 0 ? g[i] : 0) : g[i];
      if (dx !== null) dx[i] = d;
      if (dBias !== null) dBias[c] += d;
    }
  }
}
