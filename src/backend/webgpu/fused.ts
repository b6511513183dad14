/**
 * A layer's bias add and activation, forward and backward, in one pass each (see
 * Backend.biasActivation). The adds are float32 like the composed add's, and the bias gradient
 * sums each column from 0, row after row, with one thread per column — the portable order, so
 * every result is bit for bit the portable one.
 */
import type { FusedActivation } from '../types.js';
import type { Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { MAIN_1D, PRELUDE, bindings } from './wgsl.js';

/** relu as `v > 0 || v is NaN ? v : 0`, so NaN stays NaN and -0 gives +0 (as the relu kernel does). */
export const ACTIVATE: Record<FusedActivation, string> = { linear: 'v', relu: 'select(0.0, v, v > 0.0 || is_nan(v))' };
/** The gradient through the activation from its output y: a mask for relu (g = NaN still gives 0 where off). */
const MASK: Record<FusedActivation, (e: string) => string> = {
  linear: (e) => `g[${e}]`,
  relu: (e) => `select(0.0, g[${e}], y[${e}] > 0.0)`,
};

export function biasActivation(
  q: Queue,
  x: GpuStorage,
  bias: GpuStorage | null,
  rows: number,
  cols: number,
  act: FusedActivation,
  out: GpuStorage,
): void {
  const withBias = bias !== null;
  const k = q.kernel(
    `biasActivation:${act}:${withBias}`,
    () => `${PRELUDE}
${bindings(
  withBias
    ? [
        ['x', 'f32'],
        ['bias', 'f32'],
        ['out', 'f32'],
      ]
    : [
        ['x', 'f32'],
        ['out', 'f32'],
      ],
)}
${MAIN_1D}
  let v = x[i]${withBias ? ' + bias[i % pu(1u)]' : ''};
  out[i] = ${ACTIVATE[act]};
}`,
  );
  const buffers = bias !== null ? [x.buffer, bias.buffer, out.buffer] : [x.buffer, out.buffer];
  q.dispatch1d(k, buffers, [rows * cols, cols], rows * cols);
}

export function biasActivationBackward(
  q: Queue,
  g: GpuStorage,
  y: GpuStorage,
  rows: number,
  cols: number,
  act: FusedActivation,
  dx: GpuStorage | null,
  dBias: GpuStorage | null,
): void {
  // y is bound (and read) only where the mask needs it.
  const inputs: [string, 'f32'][] =
    act === 'relu'
      ? [
          ['g', 'f32'],
          ['y', 'f32'],
        ]
      : [['g', 'f32']];
  const buffers = act === 'relu' ? [g.buffer, y.buffer] : [g.buffer];
  if (dx !== null) {
    const k = q.kernel(
      `biasActivationBackward:dx:${act}`,
      () => `${PRELUDE}
${bindings([...inputs, ['dx', 'f32']])}
${MAIN_1D}
  dx[i] = ${MASK[act]('i')};
}`,
    );
    q.dispatch1d(k, [...buffers, dx.buffer], [rows * cols], rows * cols);
  }
  if (dBias !== null) {
    const k = q.kernel(
      `biasActivationBackward:dBias:${act}`,
      () => `${PRELUDE}
${bindings([...inputs, ['dBias', 'f32']])}
${MAIN_1D}
  let cols = pu(0u);
  var s = 0.0;
  for (var r = 0u; r < pu(1u); r++) {
    s += ${MASK[act]('r * cols + i')};
  }
  dBias[i] = s;
}`,
    );
    q.dispatch1d(k, [...buffers, dBias.buffer], [cols, rows], cols);
  }
}
