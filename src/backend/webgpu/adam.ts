/**
 * One Adam (AdamW, AMSGrad) step on the GPU, in place, one thread per weight. Unlike the CPU
 * backends, which compute in float64 and round only the stored moments, this runs in float32
 * throughout (WGSL has no f64), scalars included: a step differs from the CPU's by float32
 * rounding, about 1e-7 relative per step.
 */
import type { AdamStep } from '../types.js';
import { floatBits, type Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { MAIN_1D, PRELUDE, bindings } from './wgsl.js';

export function adamStep(
  q: Queue,
  p: GpuStorage,
  g: GpuStorage,
  m: GpuStorage,
  v: GpuStorage,
  vMax: GpuStorage | null,
  s: AdamStep,
): void {
  const ams = vMax !== null;
  const names: [string, 'f32'][] = [
    ['p', 'f32'],
    ['g', 'f32'],
    ['m', 'f32'],
    ['v', 'f32'],
  ];
  const k = q.kernel(
    `adam:${ams}`,
    () => `${PRELUDE}
${bindings(ams ? [...names, ['vMax', 'f32']] : names)}
${MAIN_1D}
  let beta1 = pf(1u); let beta2 = pf(2u); let c1 = pf(3u); let c2 = pf(4u); let l2 = pf(5u);
  let shrink = pf(6u); let stepSize = pf(7u); let invBc2Sqrt = pf(8u); let eps = pf(9u); let sgn = pf(10u);
  let pi = p[i];
  let gi = sgn * g[i] + l2 * pi;
  let mi = beta1 * m[i] + c1 * gi;
  let vi = beta2 * v[i] + c2 * gi * gi;
  m[i] = mi;
  v[i] = vi;
  ${ams ? 'let second = max(vMax[i], vi);\n  vMax[i] = second;' : 'let second = vi;'}
  p[i] = pi * shrink - (stepSize * mi) / (sqrt(second) * invBc2Sqrt + eps);
}`,
  );
  const { beta1, beta2, c1, c2, l2, shrink, stepSize, invBc2Sqrt, eps, sign } = s;
  const scalars = [beta1, beta2, c1, c2, l2, shrink, stepSize, invBc2Sqrt, eps, sign].map(floatBits);
  const buffers = [p.buffer, g.buffer, m.buffer, v.buffer];
  if (vMax !== null) buffers.push(vMax.buffer);
  q.dispatch1d(k, buffers, [p.size, ...scalars], p.size);
}
