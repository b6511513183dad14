/** toArray, item and a readable toString for scalars, vectors, matrices and large tensors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { tensor, arange, zeros } from '../../src/index.js';

test('toArray and toFlatArray', () => {
  const t = arange(6).reshape([2, 3]);
  assert.deepEqual(t.toArray(), [
    [0, 1, 2],
    [3, 4, 5],
  ]);
  assert.deepEqual(t.toFlatArray(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(zeros([2, 0]).toArray(), [[], []]);
  assert.equal(tensor(4).toArray(), 4);
  assert.equal(tensor([4]).item(), 4);
});

test('toString of a scalar, a vector and an int vector', () => {
  assert.equal(tensor(3).toString(), 'tensor(3.0, shape=[], dtype=float32)');
  assert.equal(tensor([1, 0.5, -2.25]).toString(), 'tensor([1.0, 0.5, -2.25], shape=[3], dtype=float32)');
  assert.equal(tensor([1, -2], { dtype: 'int32' }).toString(), 'tensor([1, -2], shape=[2], dtype=int32)');
  assert.equal(
    tensor([1], { requiresGrad: true }).toString(),
    'tensor([1.0], shape=[1], dtype=float32, requiresGrad=true)',
  );
  // float32 noise is hidden: 0.1 prints as 0.1, not 0.10000000149011612.
  assert.equal(tensor([0.1, 1 / 3]).toString(), 'tensor([0.1, 0.333333], shape=[2], dtype=float32)');
  assert.equal(
    tensor([1e-6, 3e9, NaN, -Infinity]).toString(),
    'tensor([1.0000e-6, 3.0000e+9, NaN, -Infinity], shape=[4], dtype=float32)',
  );
});

test('toString of a matrix aligns rows; util.inspect uses it', () => {
  const m = tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.equal(m.toString(), 'tensor([[1.0, 2.0],\n        [3.0, 4.0]], shape=[2, 2], dtype=float32)');
  assert.equal(inspect(m), m.toString());
  const cube = arange(8, undefined, 1, { dtype: 'int32' }).reshape([2, 2, 2]);
  assert.equal(
    cube.toString(),
    'tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], shape=[2, 2, 2], dtype=int32)',
  );
});

test('a large tensor is elided to its edges', () => {
  const v = arange(5000, undefined, 1, { dtype: 'int32' });
  assert.equal(v.toString(), 'tensor([0, 1, 2, ..., 4997, 4998, 4999], shape=[5000], dtype=int32)');
  const m = arange(10000, undefined, 1, { dtype: 'int32' }).reshape([100, 100]);
  const s = m.toString();
  assert.ok(s.length < 400, `printed ${s.length} characters`);
  const lines = s.split('\n');
  assert.equal(lines.length, 7, s); // 3 rows, '...', 3 rows
  assert.equal(lines[0], 'tensor([[0, 1, 2, ..., 97, 98, 99],');
  assert.equal(lines[3].trim(), '...,');
  assert.ok(lines[6].startsWith('        [9900, 9901, 9902, ..., 9997, 9998, 9999]], shape=[100, 100]'));
  // Small tensors are never elided.
  assert.ok(!arange(1000).toString().includes('...'));
});
