/**
 * The wasm strided copy (permute, slice, pad, broadcast) against the portable one, bit for bit:
 * float32 and int32 storage in the heap, offsets on both sides, up to four axes after coalescing,
 * one thread and two; and the cases it leaves to the portable loop (more axes, an ordinary array).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  contiguousStrides,
  createWasmBackend,
  portableBackend,
  type Backend,
  type TypedArray,
} from '../../src/index.js';
import { random } from '../helpers/seeded.js';

const rnd = random(11);

interface Case {
  what: string;
  shape: number[];
  srcStrides: number[];
  srcOffset: number;
  srcSize: number;
  dstStrides: number[];
  dstOffset: number;
  dstSize: number;
}

/** [b, t, h, d] → [b, h, t, d] as attention splits heads; a slice of the last axis; its pad; a broadcast row; five axes. */
function cases(): Case[] {
  const [b, t, h, d] = [3, 20, 4, 8];
  const permuted = [t * h * d, d, h * d, 1];
  const list: Case[] = [
    {
      what: 'split heads',
      shape: [b, h, t, d],
      srcStrides: permuted,
      srcOffset: 0,
      srcSize: b * t * h * d,
      dstStrides: contiguousStrides([b, h, t, d]),
      dstOffset: 0,
      dstSize: b * t * h * d,
    },
    {
      what: 'slice of the last axis',
      shape: [b, t, 40],
      srcStrides: [t * 120, 120, 1],
      srcOffset: 40,
      srcSize: b * t * 120,
      dstStrides: contiguousStrides([b, t, 40]),
      dstOffset: 0,
      dstSize: b * t * 40,
    },
    {
      what: 'pad (the slice written back)',
      shape: [b, t, 40],
      srcStrides: contiguousStrides([b, t, 40]),
      srcOffset: 0,
      srcSize: b * t * 40,
      dstStrides: [t * 120, 120, 1],
      dstOffset: 80,
      dstSize: b * t * 120,
    },
    {
      what: 'broadcast along rows',
      shape: [64, 50],
      srcStrides: [1, 0],
      srcOffset: 0,
      srcSize: 64,
      dstStrides: [50, 1],
      dstOffset: 0,
      dstSize: 64 * 50,
    },
    {
      what: 'transposed inner axis',
      shape: [40, 30],
      srcStrides: [1, 40],
      srcOffset: 3,
      srcSize: 40 * 30 + 3,
      dstStrides: [30, 1],
      dstOffset: 0,
      dstSize: 40 * 30,
    },
    {
      what: 'five axes (portable)',
      shape: [2, 3, 4, 5, 20],
      // Axes 1–3 permuted: nothing coalesces.
      srcStrides: [1200, 20, 60, 240, 1],
      srcOffset: 0,
      srcSize: 2 * 3 * 4 * 5 * 20,
      dstStrides: contiguousStrides([2, 3, 4, 5, 20]),
      dstOffset: 0,
      dstSize: 2 * 3 * 4 * 5 * 20,
    },
  ];
  return list;
}

function filled(be: Backend<TypedArray>, int: boolean, n: number): TypedArray {
  const a = be.allocate(int ? 'int32' : 'float32', n, false);
  for (let i = 0; i < n; i++) a[i] = int ? Math.floor(rnd() * 1e6) : rnd() * 2 - 1;
  return a;
}

for (const threads of [1, 2]) {
  test(`wasm copyStrided equals the portable one (${threads} thread${threads === 1 ? '' : 's'})`, () => {
    const be = createWasmBackend({ threads });
    for (const c of cases()) {
      for (const int of [false, true]) {
        const src = filled(be, int, c.srcSize);
        const got = filled(be, int, c.dstSize);
        const want = got.slice();
        be.copyStrided(src, c.srcOffset, c.srcStrides, got, c.dstOffset, c.dstStrides, c.shape);
        portableBackend.copyStrided(src, c.srcOffset, c.srcStrides, want, c.dstOffset, c.dstStrides, c.shape);
        assert.deepEqual(Array.from(got), Array.from(want), `${c.what} ${int ? 'int32' : 'float32'}`);
      }
    }
  });
}

test('wasm copyStrided from an ordinary array (not in the heap) takes the portable loop, same values', () => {
  const be = createWasmBackend({ threads: 1 });
  const src = new Float32Array(4096).map(() => rnd());
  const dst = be.allocate('float32', 2048, false);
  be.copyStrided(src, 1, [2], dst, 0, [1], [2048]);
  assert.deepEqual(
    Array.from(dst),
    Array.from(src).filter((_, i) => i % 2 === 1),
  );
});
