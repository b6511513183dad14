/** Making tensors: from nested arrays and typed arrays, constant fills, ranges, identity. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  scalar,
  zeros,
  ones,
  full,
  arange,
  linspace,
  eye,
  zerosLike,
  onesLike,
  fullLike,
  ShapeError,
  ArgumentError,
} from '../../src/index.js';

test('tensor from nested arrays infers shape and defaults to float32', () => {
  const t = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.ok(t.dataSync() instanceof Float32Array);
  assert.deepEqual(t.toArray(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(t.size, 6);
  assert.equal(t.rank, 2);
  const s = tensor(2.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 2.5);
  assert.equal(s.toArray(), 2.5);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(tensor([[]]).shape, [1, 0]);
  assert.deepEqual(tensor([[[1], [2]]]).shape, [1, 2, 1]);
  assert.deepEqual(scalar(3, { dtype: 'int32' }).dtype, 'int32');
  // float32 rounding is applied on the way in.
  assert.equal(tensor([0.1]).dataSync()[0], Math.fround(0.1));
});

test('tensor from typed arrays copies the data and keeps its dtype', () => {
  const src = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = tensor(src, { shape: [3, 2] });
  assert.deepEqual(t.toArray(), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  src[0] = 99;
  assert.equal(t.dataSync()[0], 1, 'the tensor owns a copy');
  const i = tensor(new Int32Array([3, 1]));
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.shape, [2]);
  const converted = tensor(new Float32Array([1.7, -2.7]), { dtype: 'int32' });
  assert.deepEqual(converted.toArray(), [1, -2]);
  assert.throws(
    () => tensor(new Float32Array(5), { shape: [2, 3] }),
    (e: Error) => e instanceof ShapeError && /^tensor:/.test(e.message) && /5 values/.test(e.message),
  );
});

test('ragged nested arrays are refused', () => {
  assert.throws(
    () => tensor([[1, 2], [3]]),
    (e: Error) =>
      e instanceof ShapeError && /^tensor:/.test(e.message) && /ragged/.test(e.message) && /expected 2/.test(e.message),
  );
  assert.throws(
    () => tensor([[1, 2], 3] as never),
    (e: Error) => e instanceof ShapeError && /ragged/.test(e.message),
  );
  assert.throws(
    () => tensor([1, [2]] as never),
    (e: Error) => e instanceof ArgumentError && /^tensor:/.test(e.message),
  );
  assert.throws(() => tensor([[[1, 2]], [[3]]]), ShapeError);
});

test('zeros, ones, full and the *Like variants', () => {
  assert.deepEqual(zeros([2, 2]).toArray(), [
    [0, 0],
    [0, 0],
  ]);
  assert.deepEqual(ones([3]).toArray(), [1, 1, 1]);
  assert.deepEqual(full([2], 7, { dtype: 'int32' }).toArray(), [7, 7]);
  assert.equal(full([2], 7, { dtype: 'int32' }).dtype, 'int32');
  assert.deepEqual(zeros([]).shape, []);
  assert.equal(zeros([0, 3]).size, 0);
  const i = tensor([1, 2], { dtype: 'int32' });
  assert.equal(zerosLike(i).dtype, 'int32');
  assert.deepEqual(onesLike(i).toArray(), [1, 1]);
  assert.deepEqual(fullLike(tensor([[1, 2]]), -1.5).toArray(), [[-1.5, -1.5]]);
  assert.equal(ones([2], { requiresGrad: true }).requiresGrad, true);
});

test('arange and linspace', () => {
  assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(2, 5).toArray(), [2, 3, 4]);
  assert.deepEqual(arange(5, 0, -2).toArray(), [5, 3, 1]);
  assert.deepEqual(arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.equal(arange(0, 1, 0.1).size, 10);
  assert.equal(arange(3, 1).size, 0);
  assert.equal(arange(4, undefined, 1, { dtype: 'int32' }).dtype, 'int32');
  assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(linspace(2, 2, 1).toArray(), [2]);
  assert.equal(linspace(0, 1, 0).size, 0);
  // The last value is exactly `stop`, not an accumulation of rounded steps.
  assert.equal(linspace(0, 0.7, 8).dataSync()[7], Math.fround(0.7));
});

test('eye', () => {
  assert.deepEqual(eye(3).toArray(), [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  assert.deepEqual(eye(2, 3).toArray(), [
    [1, 0, 0],
    [0, 1, 0],
  ]);
  assert.deepEqual(eye(3, 2).toArray(), [
    [1, 0],
    [0, 1],
    [0, 0],
  ]);
  assert.equal(eye(2, 2, { dtype: 'int32' }).dtype, 'int32');
});
