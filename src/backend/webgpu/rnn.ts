/**
 * The recurrent cells' gate kernels (see Backend.lstmCell / gruCell), one thread per (row, unit):
 * each thread reads its unit's gates from every block of the row ([i | f | g | o] or
 * [r | z | n], `units` apart) and writes that unit's state, so a time step is one dispatch each
 * way. float32 throughout with wgsl.ts's sigmoid and tanh, so results are the portable backend's
 * within a few ulps. Optional inputs and outputs (a null gradient) select a kernel variant that
 * neither binds nor touches them.
 */
import type { Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { MAIN_1D, MATH, PRELUDE, bindings } from './wgsl.js';

type Binding = [name: string, type: 'f32'];

/** The thread's unit: row r, unit j; `s` its state index, `g` its first gate's index. */
const UNIT = (gates: number): string => `
  let units = pu(1u);
  let r = i / units;
  let s = i;
  let g = r * ${gates}u * units + (i - r * units);`;

export function lstmCell(
  q: Queue,
  gx: GpuStorage,
  gh: GpuStorage,
  cPrev: GpuStorage,
  rows: number,
  units: number,
  h: GpuStorage,
  c: GpuStorage,
  acts: GpuStorage,
): void {
  const k = q.kernel(
    'lstmCell',
    () => `${PRELUDE}${MATH}
${bindings([
  ['gx', 'f32'],
  ['gh', 'f32'],
  ['cPrev', 'f32'],
  ['h', 'f32'],
  ['c', 'f32'],
  ['acts', 'f32'],
])}
${MAIN_1D}${UNIT(4)}
  let ig = sigmoid_(gx[g] + gh[g]);
  let fg = sigmoid_(gx[g + units] + gh[g + units]);
  let gg = tanh_(gx[g + 2u * units] + gh[g + 2u * units]);
  let og = sigmoid_(gx[g + 3u * units] + gh[g + 3u * units]);
  acts[g] = ig;
  acts[g + units] = fg;
  acts[g + 2u * units] = gg;
  acts[g + 3u * units] = og;
  let cv = fg * cPrev[s] + ig * gg;
  c[s] = cv;
  h[s] = og * tanh_(cv);
}`,
  );
  const n = rows * units;
  q.dispatch1d(k, [gx.buffer, gh.buffer, cPrev.buffer, h.buffer, c.buffer, acts.buffer], [n, units], n);
}

export function lstmCellBackward(
  q: Queue,
  dh: GpuStorage | null,
  dc: GpuStorage | null,
  acts: GpuStorage,
  cPrev: GpuStorage,
  c: GpuStorage,
  rows: number,
  units: number,
  dGates: GpuStorage,
  dcPrev: GpuStorage | null,
): void {
  const list: Binding[] = [];
  const buffers: GPUBuffer[] = [];
  const bind = (name: string, s: GpuStorage | null): void => {
    if (s === null) return;
    list.push([name, 'f32']);
    buffers.push(s.buffer);
  };
  bind('dh', dh);
  bind('dc', dc);
  bind('acts', acts);
  bind('cPrev', cPrev);
  bind('c', c);
  bind('dGates', dGates);
  bind('dcPrev', dcPrev);
  const k = q.kernel(
    `lstmCellBackward:${dh !== null}:${dc !== null}:${dcPrev !== null}`,
    () => `${PRELUDE}${MATH}
${bindings(list)}
${MAIN_1D}${UNIT(4)}
  let ig = acts[g];
  let fg = acts[g + units];
  let gg = acts[g + 2u * units];
  let og = acts[g + 3u * units];
  let tc = tanh_(c[s]);
  let dhv = ${dh !== null ? 'dh[s]' : '0.0'};
  // The gradient reaching c: its own, plus h's through o·tanh(c).
  let dct = ${dc !== null ? 'dc[s]' : '0.0'} + dhv * og * (1.0 - tc * tc);
  dGates[g] = dct * gg * ig * (1.0 - ig);
  dGates[g + units] = dct * cPrev[s] * fg * (1.0 - fg);
  dGates[g + 2u * units] = dct * ig * (1.0 - gg * gg);
  dGates[g + 3u * units] = dhv * tc * og * (1.0 - og);
  ${dcPrev !== null ? 'dcPrev[s] = dct * fg;' : ''}
}`,
  );
  const n = rows * units;
  q.dispatch1d(k, buffers, [n, units], n);
}

export function gruCell(
  q: Queue,
  gx: GpuStorage,
  gh: GpuStorage,
  hPrev: GpuStorage,
  rows: number,
  units: number,
  h: GpuStorage,
  acts: GpuStorage,
): void {
  const k = q.kernel(
    'gruCell',
    () => `${PRELUDE}${MATH}
${bindings([
  ['gx', 'f32'],
  ['gh', 'f32'],
  ['hPrev', 'f32'],
  ['h', 'f32'],
  ['acts', 'f32'],
])}
${MAIN_1D}${UNIT(3)}
  let a = r * 4u * units + (i - r * units);
  let rg = sigmoid_(gx[g] + gh[g]);
  let zg = sigmoid_(gx[g + units] + gh[g + units]);
  let ghn = gh[g + 2u * units];
  let ng = tanh_(gx[g + 2u * units] + rg * ghn);
  acts[a] = rg;
  acts[a + units] = zg;
  acts[a + 2u * units] = ng;
  acts[a + 3u * units] = ghn;
  h[s] = (1.0 - zg) * ng + zg * hPrev[s];
}`,
  );
  const n = rows * units;
  q.dispatch1d(k, [gx.buffer, gh.buffer, hPrev.buffer, h.buffer, acts.buffer], [n, units], n);
}

export function gruCellBackward(
  q: Queue,
  dh: GpuStorage,
  acts: GpuStorage,
  hPrev: GpuStorage,
  rows: number,
  units: number,
  dGx: GpuStorage | null,
  dGh: GpuStorage | null,
  dhPrev: GpuStorage | null,
): void {
  if (dGx === null && dGh === null && dhPrev === null) return;
  const list: Binding[] = [
    ['dh', 'f32'],
    ['acts', 'f32'],
    ['hPrev', 'f32'],
  ];
  const buffers = [dh.buffer, acts.buffer, hPrev.buffer];
  for (const [name, s] of [
    ['dGx', dGx],
    ['dGh', dGh],
    ['dhPrev', dhPrev],
  ] as const) {
    if (s === null) continue;
    list.push([name, 'f32']);
    buffers.push(s.buffer);
  }
  const k = q.kernel(
    `gruCellBackward:${dGx !== null}:${dGh !== null}:${dhPrev !== null}`,
    () => `${PRELUDE}
${bindings(list)}
${MAIN_1D}${UNIT(3)}
  let a = r * 4u * units + (i - r * units);
  let rg = acts[a];
  let zg = acts[a + units];
  let ng = acts[a + 2u * units];
  let ghn = acts[a + 3u * units];
  let d = dh[s];
  let dn = d * (1.0 - zg) * (1.0 - ng * ng);
  let dz = d * (hPrev[s] - ng) * zg * (1.0 - zg);
  let dr = dn * ghn * rg * (1.0 - rg);
  ${dGx !== null ? 'dGx[g] = dr; dGx[g + units] = dz; dGx[g + 2u * units] = dn;' : ''}
  ${dGh !== null ? 'dGh[g] = dr; dGh[g + units] = dz; dGh[g + 2u * units] = dn * rg;' : ''}
  ${dhPrev !== null ? 'dhPrev[s] = d * zg;' : ''}
}`,
  );
  const n = rows * units;
  q.dispatch1d(k, buffers, [n, units], n);
}
