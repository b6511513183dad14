/**
 * How a range task is cut into chunks (protocol.ts chunkArgs): equal chunks, and guided ones where
 * one chunk per thread takes half the units and smaller chunks share the rest. Either way the
 * chunks must tile [0, units) in order, each unit exactly once.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { ARG_COUNT, CHUNKS, CONTROL_INTS, SPLIT, SPLIT_RANGE, SPLIT_RANGE_GUIDED, UNITS, UNIT_SIZE, chunkArgs } from '../../src/backend/wasm/protocol.js';

function ranges(kind: number, units: number, unitSize: number, chunks: number): [number, number][] {
  const control = new Int32Array(CONTROL_INTS);
  control[SPLIT] = kind;
  control[UNITS] = units;
  control[UNIT_SIZE] = unitSize;
  control[CHUNKS] = chunks;
  const args = new Array<number>(ARG_COUNT).fill(0);
  return Array.from({ length: chunks }, (_, i) => {
    chunkArgs(control, i, args);
    return [args[14], args[15]] as [number, number];
  });
}

function assertTiles(r: [number, number][], units: number): void {
  assert.equal(r[0][0], 0);
  for (let i = 0; i < r.length; i++) {
    assert.ok(r[i][1] >= r[i][0], `chunk ${i} ${JSON.stringify(r[i])}`);
    if (i > 0) assert.equal(r[i][0], r[i - 1][1], `chunk ${i} starts where chunk ${i - 1} ends`);
  }
  assert.equal(r[r.length - 1][1], units);
}

test('range tasks: equal chunks, and guided chunks (half the units in one chunk per thread, the rest in smaller ones)', () => {
  assert.deepEqual(ranges(SPLIT_RANGE, 32, 1, 4), [[0, 8], [8, 16], [16, 24], [24, 32]]);
  // Two threads, 32 images: 8 + 8, then 4 × 4.
  assert.deepEqual(ranges(SPLIT_RANGE_GUIDED, 32, 2, 6), [[0, 8], [8, 16], [16, 20], [20, 24], [24, 28], [28, 32]]);
  for (const [units, threads] of [[12, 2], [13, 2], [128, 2], [37, 3], [1000, 4], [18, 3]]) {
    const r = ranges(SPLIT_RANGE_GUIDED, units, threads, 3 * threads);
    assertTiles(r, units);
    const size = ([a, b]: [number, number]): number => b - a;
    const big = r.slice(0, threads).map(size), small = r.slice(threads).map(size);
    assert.equal(big.reduce((p, q) => p + q, 0), units >> 1, `${units} units, ${threads} threads: the big chunks hold half`);
    assert.ok(Math.min(...big) >= Math.max(...small), `${units}/${threads}: big ${big}, small ${small}`);
    assert.ok(Math.min(...small) >= 1);
  }
  assertTiles(ranges(SPLIT_RANGE, 7, 1, 4), 7);
});
