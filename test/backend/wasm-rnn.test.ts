/**
 * The wasm LSTM and GRU cell kernels (assembly/rnn.ts) against the portable loop: forward within a few
 * float32 ulps (sigmoid and tanh are polynomials there, float64 here), backward within float32
 * rounding of the portable's float64 arithmetic; every optional gradient present or absent;
 * widths with a remainder past the SIMD width, whose last units take the scalar path and give the
 * bits the vector path gives; and split over two threads by rows.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, portableBackend, type Backend, type TypedArray } from '../../src/index.js';
import { random } from '../helpers/seeded.js';
import { assertClose } from '../helpers/gradcheck.js';

const rnd = random(17);

/** Gate pre-activations mostly in ±4, every seventh far out (±30) where σ and tanh saturate. */
function gates(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (rnd() * 2 - 1) * (i % 7 === 3 ? 30 : 4));
}

function grads(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * 2);
}

interface Forward {
  h: Float32Array;
  c: Float32Array;
  acts: Float32Array;
}

function forward(
  be: Backend<TypedArray>,
  gx: Float32Array,
  gh: Float32Array,
  cPrev: Float32Array,
  rows: number,
  units: number,
): Forward {
  const n = rows * units;
  const out = { h: new Float32Array(n), c: new Float32Array(n), acts: new Float32Array(4 * n) };
  be.lstmCell(gx, gh, cPrev, rows, units, out.h, out.c, out.acts);
  return out;
}

function checkAgainstPortable(be: Backend<TypedArray>, rows: number, units: number, what: string): void {
  const n = rows * units;
  const [gx, gh, cPrev] = [gates(4 * n), gates(4 * n), gates(n)];
  const want = forward(portableBackend, gx, gh, cPrev, rows, units);
  const got = forward(be, gx, gh, cPrev, rows, units);
  assertClose(got.acts, want.acts, 1e-7, 1e-6, `${what} acts`);
  assertClose(got.c, want.c, 1e-6, 1e-6, `${what} c`);
  assertClose(got.h, want.h, 1e-6, 1e-6, `${what} h`);
  for (const [withDh, withDc, withDcPrev] of [
    [true, true, true],
    [true, false, false],
    [false, true, true],
  ]) {
    const dh = withDh ? grads(n) : null;
    const dc = withDc ? grads(n) : null;
    const wantG = new Float32Array(4 * n),
      gotG = new Float32Array(4 * n).fill(7);
    const wantDc = withDcPrev ? new Float32Array(n) : null,
      gotDc = withDcPrev ? new Float32Array(n).fill(7) : null;
    portableBackend.lstmCellBackward(dh, dc, want.acts, cPrev, want.c, rows, units, wantG, wantDc);
    be.lstmCellBackward(dh, dc, want.acts, cPrev, want.c, rows, units, gotG, gotDc);
    const which = `${what} backward dh=${withDh} dc=${withDc}`;
    // 1 − tanh²(c) cancels where c saturates: 1e-5 absolute.
    assertClose(gotG, wantG, 1e-5, 1e-4, `${which} dGates`);
    if (gotDc) assertClose(gotDc, wantDc!, 1e-5, 1e-4, `${which} dcPrev`);
  }
}

function gruForward(
  be: Backend<TypedArray>,
  gx: Float32Array,
  gh: Float32Array,
  hPrev: Float32Array,
  rows: number,
  units: number,
) {
  const n = rows * units;
  const out = { h: new Float32Array(n), acts: new Float32Array(4 * n) };
  be.gruCell(gx, gh, hPrev, rows, units, out.h, out.acts);
  return out;
}

/** dGx, dGh, dhPrev of gruCellBackward; `wanted` says which are computed. */
function gruBackward(
  be: Backend<TypedArray>,
  dh: Float32Array,
  acts: Float32Array,
  hPrev: Float32Array,
  rows: number,
  units: number,
  wanted: readonly boolean[],
): (Float32Array | null)[] {
  const n = rows * units;
  const outs = [3 * n, 3 * n, n].map((k, i) => (wanted[i] ? new Float32Array(k).fill(7) : null));
  be.gruCellBackward(dh, acts, hPrev, rows, units, outs[0], outs[1], outs[2]);
  return outs;
}

function checkGruAgainstPortable(be: Backend<TypedArray>, rows: number, units: number, what: string): void {
  const n = rows * units;
  const [gx, gh, hPrev] = [gates(3 * n), gates(3 * n), gates(n)];
  const want = gruForward(portableBackend, gx, gh, hPrev, rows, units);
  const got = gruForward(be, gx, gh, hPrev, rows, units);
  // r's few ulps reach n through r·gh_n, with gh_n up to 30 here: 1e-5 absolute.
  assertClose(got.acts, want.acts, 1e-5, 1e-5, `${what} GRU acts`);
  assertClose(got.h, want.h, 1e-5, 1e-5, `${what} GRU h`);
  const dh = grads(n);
  for (const wanted of [
    [true, true, true],
    [true, false, false],
    [false, true, true],
  ]) {
    const w = gruBackward(portableBackend, dh, want.acts, hPrev, rows, units, wanted);
    const g = gruBackward(be, dh, want.acts, hPrev, rows, units, wanted);
    for (let i = 0; i < 3; i++)
      if (w[i]) assertClose(g[i]!, w[i]!, 1e-5, 1e-4, `${what} GRU backward ${wanted.join('/')} output ${i}`);
  }
}

// Units below, at and past the SIMD width with remainders; row counts around where the wasm side
// stops declining (under 128 units a step runs the portable loop).
const SHAPES: [number, number][] = [
  [1, 1],
  [3, 5],
  [32, 5],
  [3, 64],
  [50, 130],
  [7, 257],
];

test('wasm lstmCell, gruCell and their backwards agree with the portable loop (every optional gradient, remainders)', () => {
  const wasm = createWasmBackend({ threads: 1 });
  for (const [rows, units] of SHAPES) {
    checkAgainstPortable(wasm, rows, units, `[${rows}, ${units}]`);
    checkGruAgainstPortable(wasm, rows, units, `[${rows}, ${units}]`);
  }
});

test('wasm lstmCell: a unit in the scalar remainder gives the bits the four-lane path gives it', () => {
  const wasm = createWasmBackend({ threads: 1 });
  // 40 rows of 5 units (unit 4 takes the scalar path) and the same gates padded to 8 units
  // (unit 4 in the second vector).
  const rows = 40;
  const gx5 = gates(rows * 20),
    gh5 = gates(rows * 20),
    c5 = gates(rows * 5);
  // Every block of 5 (a gate block of a row, or a row of states) padded with zeros to 8.
  const widen = (a: Float32Array): Float32Array => {
    const out = new Float32Array((a.length / 5) * 8);
    for (let b = 0; b < a.length / 5; b++) out.set(a.subarray(b * 5, b * 5 + 5), b * 8);
    return out;
  };
  const f5 = forward(wasm, gx5, gh5, c5, rows, 5);
  const f8 = forward(wasm, widen(gx5), widen(gh5), widen(c5), rows, 8);
  const dh5 = grads(rows * 5),
    dc5 = grads(rows * 5);
  const [g5, g8] = [new Float32Array(rows * 20), new Float32Array(rows * 32)];
  const [p5, p8] = [new Float32Array(rows * 5), new Float32Array(rows * 8)];
  wasm.lstmCellBackward(dh5, dc5, f5.acts, c5, f5.c, rows, 5, g5, p5);
  wasm.lstmCellBackward(widen(dh5), widen(dc5), f8.acts, widen(c5), f8.c, rows, 8, g8, p8);
  for (const [a5, a8, what] of [
    [f5.h, f8.h, 'h'],
    [f5.c, f8.c, 'c'],
    [f5.acts, f8.acts, 'acts'],
    [g5, g8, 'dGates'],
    [p5, p8, 'dcPrev'],
  ] as const) {
    const narrow = new Float32Array(a5.length);
    for (let b = 0; b < a5.length / 5; b++) narrow.set(a8.subarray(b * 8, b * 8 + 5), b * 5);
    assert.deepEqual(a5, narrow, `${what}: the remainder path equals the vector path`);
  }
});

test('wasm gruCell: a unit in the scalar remainder gives the bits the four-lane path gives it', () => {
  const wasm = createWasmBackend({ threads: 1 });
  const rows = 40;
  const widen = (a: Float32Array): Float32Array => {
    const out = new Float32Array((a.length / 5) * 8);
    for (let b = 0; b < a.length / 5; b++) out.set(a.subarray(b * 5, b * 5 + 5), b * 8);
    return out;
  };
  const narrow = (a: Float32Array): Float32Array => {
    const out = new Float32Array((a.length / 8) * 5);
    for (let b = 0; b < a.length / 8; b++) out.set(a.subarray(b * 8, b * 8 + 5), b * 5);
    return out;
  };
  const [gx, gh, hPrev, dh] = [gates(rows * 15), gates(rows * 15), gates(rows * 5), grads(rows * 5)];
  const f5 = gruForward(wasm, gx, gh, hPrev, rows, 5);
  const f8 = gruForward(wasm, widen(gx), widen(gh), widen(hPrev), rows, 8);
  assert.deepEqual(f5.h, narrow(f8.h), 'h');
  assert.deepEqual(f5.acts, narrow(f8.acts), 'acts');
  const b5 = gruBackward(wasm, dh, f5.acts, hPrev, rows, 5, [true, true, true]);
  const b8 = gruBackward(wasm, widen(dh), f8.acts, widen(hPrev), rows, 8, [true, true, true]);
  b5.forEach((g, i) => assert.deepEqual(g, narrow(b8[i]!), `backward output ${i}`));
});

test('wasm lstmCell and gruCell split over two threads by rows agree with the portable loop', async () => {
  const threaded = createWasmBackend({ threads: 2 });
  await threaded.whenReady();
  const before = threaded.workerChunks;
  checkAgainstPortable(threaded, 400, 36, '2 threads [400, 36]');
  checkGruAgainstPortable(threaded, 400, 36, '2 threads [400, 36]');
  // A worker asleep when a short call starts may find every chunk taken: retry a few times.
  const n = 400 * 36;
  const [gx, gh, cPrev] = [gates(4 * n), gates(4 * n), gates(n)];
  for (let i = 0; i < 200 && threaded.workerChunks === before; i++) forward(threaded, gx, gh, cPrev, 400, 36);
  assert.ok(threaded.workerChunks > before, 'no chunk ran on the worker thread');
  threaded.setThreads(1);
});
