/** Finite-difference gradient checks for movement ops, and their forward values on small cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import { tensor, uniform, manualSeed } from '../../src/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

const u = (shape: number[]) => uniform(shape, -2, 2);

test('grad: reshape, flatten, squeeze, unsqueeze (storage-sharing views)', () => {
  manualSeed(30);
  const x = u([2, 3, 4]);
  gradcheck((a) => T.reshape(a, [4, -1]), [x]);
  gradcheck((a) => T.reshape(a, [24]), [x]);
  gradcheck((a) => T.flatten(a), [x]);
  gradcheck((a) => T.flatten(a, 0, 1), [x]);
  gradcheck((a) => T.squeeze(a), [u([2, 1, 3, 1])]);
  gradcheck((a) => T.squeeze(a, 1), [u([2, 1, 3, 1])]);
  gradcheck((a) => T.unsqueeze(a, -1), [u([2, 3])]);
  gradcheck((a) => T.unsqueeze(a, 0), [u([2, 3])]);
});

test('grad: permute and transpose (non-trivial orders)', () => {
  manualSeed(31);
  const x = u([2, 3, 4]);
  for (const perm of [
    [2, 0, 1],
    [1, 2, 0],
    [0, 2, 1],
    [-1, 0, -2],
  ])
    gradcheck((a) => T.permute(a, perm), [x]);
  gradcheck((a) => T.transpose(a), [x]);
  gradcheck((a) => T.transpose(a, 0, 2), [x]);
  gradcheck((a) => a.T, [u([3, 5])]);
  // A permuted tensor fed to a reduction and a broadcast: the permute's copy must be read correctly.
  gradcheck(
    (a) => {
      const p = T.permute(a, [2, 0, 1]);
      return p.mul(p.sum(1, { keepDims: true })).add(p.mean(2, { keepDims: true }));
    },
    [x],
  );
});

test('grad: expand sums back over broadcast axes', () => {
  manualSeed(32);
  gradcheck((a) => T.expand(a, [3, 4]), [u([3, 1])]);
  gradcheck((a) => T.expand(a, [2, 3, 4]), [u([4])]);
  gradcheck((a) => T.expand(a, [2, 3, 4]), [u([2, 1, 4])]);
  gradcheck((a) => T.expand(a, [5]), [u([])]);
});

test('grad: concat, stack and split along each axis', () => {
  manualSeed(33);
  const a = u([2, 3]),
    b = u([2, 2]),
    c = u([2, 1]);
  gradcheck((x, y, z) => T.concat([x, y, z], 1), [a, b, c]);
  gradcheck((x, y) => T.concat([x, y], 0), [u([1, 3]), u([2, 3])]);
  gradcheck((x, y) => T.concat([x, y], -1), [a, b]);
  gradcheck((x, y) => T.stack([x, y], 0), [a, u([2, 3])]);
  gradcheck((x, y) => T.stack([x, y], 1), [a, u([2, 3])]);
  gradcheck((x, y) => T.stack([x, y], -1), [a, u([2, 3])]);
  // Recombine the pieces in another order with different weights, so each piece's gradient is distinct.
  gradcheck(
    (x) => {
      const [p, q, r] = T.split(x, [1, 3, 2], 1);
      return T.concat([r.mul(3), p, q.mul(-2)], 1);
    },
    [u([2, 6])],
  );
  gradcheck(
    (x) => {
      const [p, q] = T.split(x, 2, 0);
      return T.mul(p, q.exp());
    },
    [u([4, 3])],
  );
  // An unused piece receives zero gradient.
  gradcheck((x) => T.split(x, [2, 1], 0)[1], [u([3, 2])]);
});

test('grad: slice (negative and omitted bounds) and pad', () => {
  manualSeed(34);
  const x = u([3, 4, 2]);
  gradcheck((a) => T.slice(a, [1, 1], [3, -1]), [x]);
  gradcheck((a) => T.slice(a, [-2, 0, 1]), [x]);
  gradcheck((a) => T.slice(a, [0, 2], [undefined, undefined]), [x]);
  gradcheck((a) => T.sliceAxis(a, 1, 1, 3), [x]);
  gradcheck(
    (a) =>
      T.pad(a, [
        [1, 0],
        [0, 2],
      ]),
    [u([2, 3])],
  );
  gradcheck(
    (a) =>
      T.pad(
        a,
        [
          [0, 0],
          [1, 1],
          [2, 0],
        ],
        1.5,
      ),
    [x],
  );
});

test('grad: gather with 1-d, 2-d and repeated indices, on several axes', () => {
  manualSeed(35);
  const table = u([5, 3]);
  gradcheck((a) => T.gather(a, [4, 0, 2]), [table]);
  gradcheck((a) => T.gather(a, [1, 1, 3, 1]), [table]); // repeated rows accumulate
  gradcheck((a) => T.gather(a, [-1, 0]), [table]); // negative index counts from the end
  const ids = tensor(
    [
      [0, 4, 4],
      [2, 0, 1],
    ],
    { dtype: 'int32' },
  ); // an embedding lookup
  gradcheck((a) => T.gather(a, ids), [table]);
  gradcheck((a) => T.gather(a, [2, 0, 2], 1), [u([2, 3, 2])]);
  gradcheck((a) => T.gather(a, ids, 1), [u([2, 5])]);
});

test('gather forward: 2-d indices put their shape in place of the axis', () => {
  const x = T.arange(10).reshape([5, 2]);
  const ids = tensor(
    [
      [0, 4],
      [4, 1],
    ],
    { dtype: 'int32' },
  );
  const out = T.gather(x, ids);
  assert.deepEqual(out.shape, [2, 2, 2]);
  assert.deepEqual(out.toArray(), [
    [
      [0, 1],
      [8, 9],
    ],
    [
      [8, 9],
      [2, 3],
    ],
  ]);
  const g = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  T.gather(g, [1, 1, 0], 1).sum().backward();
  assert.deepEqual(g.grad!.toArray(), [
    [1, 2],
    [1, 2],
  ]);
});

test('grad: clone passes the gradient through and owns new storage', () => {
  manualSeed(36);
  gradcheck((a) => T.clone(a).mul(a), [u([2, 3])]);
  const x = tensor([1, 2]);
  const y = T.clone(x);
  y.copy_([9, 2]);
  assert.equal(x.dataSync()[0], 1);
});

test('movement forward values', () => {
  const x = T.arange(6).reshape([2, 3]);
  assert.deepEqual(T.transpose(x).toArray(), [
    [0, 3],
    [1, 4],
    [2, 5],
  ]);
  assert.deepEqual(
    T.permute(T.arange(24).reshape([2, 3, 4]), [2, 0, 1])
      .slice([1, 1, 0], [2, 2, 3])
      .toArray(),
    [[[13, 17, 21]]],
  );
  assert.deepEqual(T.concat([x, x.mul(10)], 1).toArray(), [
    [0, 1, 2, 0, 10, 20],
    [3, 4, 5, 30, 40, 50],
  ]);
  assert.deepEqual(T.stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [
    [1, 3],
    [2, 4],
  ]);
  assert.deepEqual(
    T.pad(
      tensor([[1]]),
      [
        [1, 0],
        [0, 1],
      ],
      7,
    ).toArray(),
    [
      [7, 7],
      [1, 7],
    ],
  );
  assert.deepEqual(T.slice(x, [0, -2]).toArray(), [
    [1, 2],
    [4, 5],
  ]);
  assert.deepEqual(T.expand(tensor([[1], [2]]), [2, 3]).toArray(), [
    [1, 1, 1],
    [2, 2, 2],
  ]);
  assert.deepEqual(
    T.split(T.arange(5), [2, 3]).map((t) => t.toArray()),
    [
      [0, 1],
      [2, 3, 4],
    ],
  );
  // reshape shares storage, as documented.
  const r = T.reshape(x, [3, 2]);
  assert.equal(r.storage, x.storage);
});

test('large broadcasts and copies write every element of storage that may hold old values', () => {
  // Outputs of expand, permute, slice, concat and gather are not zeroed first: on the wasm heap
  // they may reuse blocks full of old data, so every element must come from the copy.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 20; i++) T.full([64, 300], Number.NaN).add(1); // garbage for the heap to reuse
    const row = tensor(
      Array.from({ length: 300 }, (_, i) => i),
      { shape: [1, 300] },
    );
    const col = tensor(
      Array.from({ length: 300 }, (_, i) => -i),
      { shape: [300, 1] },
    );
    const r = T.expand(row, [64, 300]).dataSync(),
      c = T.expand(col, [300, 64]).dataSync();
    for (let i = 0; i < r.length; i++) assert.equal(r[i], i % 300, `expand row [${i}]`);
    for (let i = 0; i < c.length; i++) assert.equal(c[i], -Math.floor(i / 64), `expand column [${i}]`);
    const x = tensor(
      Array.from({ length: 64 * 300 }, (_, i) => i),
      { shape: [64, 300] },
    );
    const t = T.permute(x, [1, 0]).dataSync();
    for (let i = 0; i < t.length; i++) assert.equal(t[i], (i % 64) * 300 + Math.floor(i / 64), `permute [${i}]`);
    const s = T.slice(x, [1, 0], [63, 300]).dataSync();
    for (let i = 0; i < s.length; i++) assert.equal(s[i], i + 300, `slice [${i}]`);
    const j = T.concat([x, x], 0).dataSync();
    for (let i = 0; i < j.length; i++) assert.equal(j[i], i % (64 * 300), `concat [${i}]`);
    const g = T.gather(x, [3, 3, 0], 0).dataSync();
    for (let i = 0; i < g.length; i++)
      assert.equal(g[i], [3, 3, 0][Math.floor(i / 300)] * 300 + (i % 300), `gather [${i}]`);
    const y = T.rand([32, 26, 26, 32], { requiresGrad: true });
    y.sum().backward();
    assert.ok(
      y.grad!.dataSync().every((v) => v === 1),
      'sum backward is ones everywhere',
    );
  }
});
