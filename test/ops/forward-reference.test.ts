/**
 * Forward values of broadcasting, reductions and permutes against a naive reference written here
 * with plain index arithmetic (an independent oracle: no strides, no coalescing, no kernels).
 * Shapes are drawn at random, so odd mixes of size-1 axes and broadcast axes get exercised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import { manualSeed, uniform, randomPermutation, type Tensor } from '../../src/index.js';
import { assertClose } from '../helpers/gradcheck.js';

let seed = 1;
/** A small deterministic generator for shapes (independent of tessera's own RNG). */
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const prod = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);

/** Multi-index of flat position i in shape. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}
function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}
/** Read x at an output multi-index under NumPy broadcasting. */
function readBroadcast(x: Tensor, outIdx: readonly number[]): number {
  const lead = outIdx.length - x.rank;
  return x.dataSync()[
    ravel(
      x.shape.map((d, i) => (d === 1 ? 0 : outIdx[lead + i])),
      x.shape,
    )
  ];
}

/** A random pair of broadcast-compatible shapes and their result shape. */
function shapePair(): [number[], number[], number[]] {
  const rank = rnd(5);
  const out = Array.from({ length: rank }, () => 1 + rnd(3));
  const derive = (): number[] => {
    const s = out.map((d) => (rnd(3) === 0 ? 1 : d));
    return s.slice(rnd(rank + 1) === 0 ? rnd(rank + 1) : 0);
  };
  const a = derive(),
    b = derive();
  const r = Math.max(a.length, b.length);
  const res = Array.from({ length: r }, (_, i) => Math.max(a[a.length - r + i] ?? 1, b[b.length - r + i] ?? 1));
  return [a, b, res];
}

const BINARY: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ['add', T.add, (x, y) => x + y],
  ['sub', T.sub, (x, y) => x - y],
  ['mul', T.mul, (x, y) => x * y],
  ['div', T.div, (x, y) => x / y],
  ['maximum', T.maximum, Math.max],
  ['minimum', T.minimum, Math.min],
  ['lt', T.lt, (x, y) => (x < y ? 1 : 0)],
];

test('binary ops broadcast like NumPy over 200 random shape pairs', () => {
  manualSeed(70);
  seed = 70;
  for (let trial = 0; trial < 200; trial++) {
    const [sa, sb, so] = shapePair();
    const a = uniform(sa, -2, 2),
      b = uniform(sb, 0.5, 2);
    for (const [name, op, ref] of BINARY) {
      const out = op(a, b);
      assert.deepEqual([...out.shape], so, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      const expected = Array.from({ length: prod(so) }, (_, i) => {
        const idx = unravel(i, so);
        return Math.fround(ref(readBroadcast(a, idx), readBroadcast(b, idx)));
      });
      assertClose(out.dataSync(), expected, 0, 1e-6, `${name} ${JSON.stringify(sa)}·${JSON.stringify(sb)}`);
    }
    const cond = T.gt(a, 0);
    const w = T.where(cond, b, a);
    const wExpected = Array.from({ length: prod(so) }, (_, i) => {
      const idx = unravel(i, so);
      return readBroadcast(cond, idx) ? readBroadcast(b, idx) : readBroadcast(a, idx);
    });
    assert.deepEqual(w.toFlatArray(), wExpected, `where ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
  }
});

test('sum/max/min/mean over every axis subset of random tensors match a naive reduction', () => {
  manualSeed(71);
  seed = 71;
  for (let trial = 0; trial < 40; trial++) {
    const rank = 1 + rnd(4);
    const shape = Array.from({ length: rank }, () => 1 + rnd(4));
    const x = uniform(shape, -3, 3);
    for (let mask = 0; mask < 1 << rank; mask++) {
      const axes = [...Array(rank).keys()].filter((d) => mask & (1 << d));
      const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const acc = {
        sum: new Array(prod(outShape)).fill(0),
        max: new Array(prod(outShape)).fill(-Infinity),
        min: new Array(prod(outShape)).fill(Infinity),
      };
      for (let i = 0; i < x.size; i++) {
        const o = ravel(
          unravel(i, shape).map((v, d) => (axes.includes(d) ? 0 : v)),
          outShape,
        );
        const v = x.dataSync()[i];
        acc.sum[o] += v;
        acc.max[o] = Math.max(acc.max[o], v);
        acc.min[o] = Math.min(acc.min[o], v);
      }
      const count = prod(axes.map((a) => shape[a]));
      const what = `shape ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`;
      const s = T.sum(x, axes, { keepDims: true });
      assert.deepEqual([...s.shape], outShape, what);
      assertClose(s.dataSync(), acc.sum, 1e-5, 1e-5, `sum ${what}`);
      assertClose(
        T.mean(x, axes, { keepDims: true }).dataSync(),
        acc.sum.map((v) => v / count),
        1e-5,
        1e-5,
        `mean ${what}`,
      );
      assert.deepEqual(T.max(x, axes, { keepDims: true }).toFlatArray(), acc.max, `max ${what}`);
      assert.deepEqual(T.min(x, axes).toFlatArray(), acc.min, `min ${what}`);
    }
  }
});

test('permute matches naive index arithmetic for random ranks and orders', () => {
  manualSeed(72);
  seed = 72;
  for (let trial = 0; trial < 60; trial++) {
    const rank = 1 + rnd(5);
    const shape = Array.from({ length: rank }, () => 1 + rnd(4));
    const perm = [...randomPermutation(rank)];
    const x = uniform(shape, -1, 1);
    const out = T.permute(x, perm);
    const outShape = perm.map((p) => shape[p]);
    assert.deepEqual([...out.shape], outShape);
    for (let i = 0; i < out.size; i++) {
      const oi = unravel(i, outShape);
      const xi = new Array<number>(rank);
      perm.forEach((p, k) => (xi[p] = oi[k]));
      assert.equal(out.dataSync()[i], x.dataSync()[ravel(xi, shape)], `perm ${perm} shape ${shape} at ${oi}`);
    }
  }
});

test('argmax/argmin over each axis match a naive scan (first index wins ties)', () => {
  seed = 73;
  for (let trial = 0; trial < 30; trial++) {
    const rank = 1 + rnd(3);
    const shape = Array.from({ length: rank }, () => 1 + rnd(4));
    // Few distinct values, so ties are common.
    const x = T.tensor(
      Float32Array.from({ length: prod(shape) }, () => rnd(3)),
      { shape },
    );
    for (let axis = 0; axis < rank; axis++) {
      const outShape = shape.filter((_, i) => i !== axis);
      for (const [fn, better] of [
        [T.argmax, (v: number, b: number) => v > b],
        [T.argmin, (v: number, b: number) => v < b],
      ] as const) {
        const got = fn(x, axis).toFlatArray();
        const expected = Array.from({ length: prod(outShape) }, (_, o) => {
          const oi = unravel(o, outShape);
          const at = (j: number): number => x.dataSync()[ravel([...oi.slice(0, axis), j, ...oi.slice(axis)], shape)];
          let best = 0;
          for (let j = 1; j < shape[axis]; j++) if (better(at(j), at(best))) best = j;
          return best;
        });
        assert.deepEqual(got, expected, `${fn.name} axis ${axis} of ${JSON.stringify(shape)}`);
      }
    }
  }
});
