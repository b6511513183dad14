/**
 * The LSTM and GRU cells on the wasm backend (assembly/rnn.ts), threaded by rows. Steps under
 * MIN_ELEMENTS units (or operands that do not fit in the memory) are declined, and the backend
 * runs the portable loop.
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

export function gruCell(
  e: WasmEngine,
  gx: Float32Array,
  gh: Float32Array,
  hPrev: Float32Array,
  rows: number,
  units: number,
  h: Float32Array,
  acts: Float32Array,
): boolean {
  const n = rows * units;
  if (n < MIN_ELEMENTS) return false;
  const call = e.call();
  const args = {
    gx: call.in(gx, 3 * n),
    gh: call.in(gh, 3 * n),
    hPrev: call.in(hPrev, n),
    units,
    h: call.out(h, n),
    acts: call.out(acts, 4 * n),
  };
  if (!call.ok) return call.abort();
  e.parallel('gruCell', args, rows, 5 * n);
  call.end();
  return true;
}

export function gruCellBackward(
  e: WasmEngine,
  dh: Float32Array,
  acts: Float32Array,
  hPrev: Float32Array,
  rows: number,
  units: number,
  dGx: Float32Array | null,
  dGh: Float32Array | null,
  dhPrev: Float32Array | null,
): boolean {
  const n = rows * units;
  if (n < MIN_ELEMENTS) return false;
  const call = e.call();
  const args = {
    dh: call.in(dh, n),
    acts: call.in(acts, 4 * n),
    hPrev: call.in(hPrev, n),
    units,
    dGx: dGx ? call.out(dGx, 3 * n) : 0,
    dGh: dGh ? call.out(dGh, 3 * n) : 0,
    dhPrev: dhPrev ? call.out(dhPrev, n) : 0,
  };
  if (!call.ok) return call.abort();
  e.parallel('gruCellBackward', args, rows, 7 * n);
  call.end();
  return true;
}
