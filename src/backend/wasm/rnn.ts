/**
 * The LSTM cell on the wasm backend (assembly/rnn.ts), threaded by rows. Steps under
 * MIN_ELEMENTS units (or operands that do not fit in the memory) are declined, and the backend
 * runs the portable loop. The GRU cell stays on the portable loop.
 */
import type { WasmEngine } from './engine.js';

/** Below this many units the call costs more than the TypeScript loop. */
const MIN_ELEMENTS = 128;

export function lstmCell(
  e: WasmEngine,
  gx: Float32Array,
  gh: Float32Array,
  cPrev: Float32Array,
  rows: number,
  units: number,
  h: Float32Array,
  c: Float32Array,
  acts: Float32Array,
): boolean {
  const n = rows * units;
  if (n < MIN_ELEMENTS) return false;
  const call = e.call();
  const args = {
    gx: call.in(gx, 4 * n),
    gh: call.in(gh, 4 * n),
    cPrev: call.in(cPrev, n),
    units,
    h: call.out(h, n),
    c: call.out(c, n),
    acts: call.out(acts, 4 * n),
  };
  if (!call.ok) return call.abort();
  e.parallel('lstmCell', args, rows, 6 * n);
  call.end();
  return true;
}

export function lstmCellBackward(
  e: WasmEngine,
  dh: Float32Array | null,
  dc: Float32Array | null,
  acts: Float32Array,
  cPrev: Float32Array,
  c: Float32Array,
  rows: number,
  units: number,
  dGates: Float32Array,
  dcPrev: Float32Array | null,
): boolean {
  const n = rows * units;
  if (n < MIN_ELEMENTS) return false;
  const call = e.call();
  const args = {
    dh: dh ? call.in(dh, n) : 0,
    dc: dc ? call.in(dc, n) : 0,
    acts: call.in(acts, 4 * n),
    cPrev: call.in(cPrev, n),
    c: call.in(c, n),
    units,
    dGates: call.out(dGates, 4 * n),
    dcPrev: dcPrev ? call.out(dcPrev, n) : 0,
  };
  if (!call.ok) return call.abort();
  e.parallel('lstmCellBackward', args, rows, 5 * n);
  call.end();
  return true;
}
