/** int32 behaviour: what stays int, what becomes float, and what carries gradients. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import { tensor } from '../../src/index.js';

const i = (v: number[]) => tensor(v, { dtype: 'int32' });

test('int32 with int32 stays int32 (add, sub, mul, maximum, neg, abs, square)', () => {
  const a = i([7, -3, 2]),
    b = i([2, 2, -5]);
  for (const [name, out, expected] of [
    ['add', T.add(a, b), [9, -1, -3]],
    ['sub', T.sub(a, b), [5, -5, 7]],
    ['mul', T.mul(a, b), [14, -6, -10]],
    ['maximum', T.maximum(a, b), [7, 2, 2]],
    ['neg', T.neg(a), [-7, 3, -2]],
    ['abs', T.abs(a), [7, 3, 2]],
    ['square', T.square(a), [49, 9, 4]],
    ['add scalar', T.add(a, 1), [8, -2, 3]],
    ['mul scalar first', T.mul(3, a), [21, -9, 6]],
  ] as [string, T.Tensor, number[]][]) {
    assert.equal(out.dtype, 'int32', name);
    assert.deepEqual(out.toArray(), expected, name);
  }
});

test('int32 with float32, or with a fractional number, promotes to float32', () => {
  const a = i([1, 2]);
  assert.equal(T.add(a, tensor([0.5, 0.5])).dtype, 'float32');
  assert.deepEqual(T.add(tensor([0.5, 0.5]), a).toArray(), [1.5, 2.5]);
  assert.equal(T.add(a, 0.5).dtype, 'float32');
  assert.deepEqual(T.mul(a, 1.5).toArray(), [1.5, 3]);
  assert.equal(T.where(tensor([1, 0], { dtype: 'int32' }), a, 0.5).dtype, 'float32');
});

test('div of int32 is true division and gives float32', () => {
  const out = T.div(i([7, -7, 1]), i([2, 2, 3]));
  assert.equal(out.dtype, 'float32');
  assert.deepEqual(out.toFlatArray(), [3.5, -3.5, Math.fround(1 / 3)]);
  assert.equal(T.div(i([4]), 2).dtype, 'float32');
});

test('comparisons give int32 masks of 0/1, for float and int operands', () => {
  const x = tensor([1, 2, 3]),
    y = tensor([3, 2, 1]);
  const cases: [string, T.Tensor, number[]][] = [
    ['eq', T.eq(x, y), [0, 1, 0]],
    ['ne', T.ne(x, y), [1, 0, 1]],
    ['lt', T.lt(x, y), [1, 0, 0]],
    ['le', T.le(x, y), [1, 1, 0]],
    ['gt', T.gt(x, y), [0, 0, 1]],
    ['ge', T.ge(x, y), [0, 1, 1]],
    ['int vs float', T.lt(i([1, 2]), 1.5), [1, 0]],
    ['broadcast', T.gt(tensor([[0], [2]]), tensor([1, 3])), [0, 0, 1, 0]],
  ];
  for (const [name, out, expected] of cases) {
    assert.equal(out.dtype, 'int32', name);
    assert.deepEqual(out.toFlatArray(), expected, name);
  }
  assert.equal(T.eq(tensor([NaN]), tensor([NaN])).item(), 0, 'NaN is not equal to itself');
});

test('cast converts both ways; float → int truncates toward zero', () => {
  assert.deepEqual(tensor([1.9, -1.9, 0.5]).int().toArray(), [1, -1, 0]);
  assert.equal(i([3]).float().dtype, 'float32');
  const f = tensor([1]);
  assert.equal(f.float(), f, 'a cast to the same dtype is the tensor itself');
});

test('comparisons and int tensors carry no gradient', () => {
  const x = tensor([1, -2, 3], { requiresGrad: true });
  const mask = T.gt(x, 0);
  assert.equal(mask.requiresGrad, false);
  assert.equal(mask.gradFn, null);
  // The mask used as a multiplier still lets x's own gradient through.
  T.mul(x, mask).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [1, 0, 1]);
});
