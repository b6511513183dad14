/**
 * Mistakes are refused with the right error class and a message that names the function, what it
 * got and what it expected, so the user can fix the call without a debugger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import { tensor, zeros, ArgumentError, DTypeError, GradError, ShapeError } from '../../src/index.js';

/** Assert that `fn` throws an instance of `cls` whose message matches every pattern. */
function throwsWith(fn: () => unknown, cls: new (...args: never[]) => Error, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(
      e instanceof cls,
      `expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`,
    );
    for (const p of patterns) assert.match((e as Error).message, p);
    assert.ok((e as Error).name === cls.name, `error name ${(e as Error).name}`);
    return true;
  });
}

const f23 = () => zeros([2, 3]);
const ints = () => tensor([1, 2, 3], { dtype: 'int32' });

test('mismatched shapes in add and other binary ops', () => {
  throwsWith(() => T.add(f23(), zeros([4])), ShapeError, /^add:/, /\[2, 3\]/, /\[4\]/, /expected/);
  throwsWith(() => f23().mul(zeros([3, 2])), ShapeError, /^mul:/, /\[2, 3\]/, /\[3, 2\]/, /expected/);
  throwsWith(() => T.where(tensor([1, 0], { dtype: 'int32' }), f23(), 0), ShapeError, /^where:/);
});

test('mismatched shapes in matmul', () => {
  throwsWith(() => T.matmul(f23(), zeros([4, 5])), ShapeError, /^matmul:/, /\[2, 3\]/, /\[4, 5\]/, /expected/);
  throwsWith(() => T.matmul(zeros([3]), zeros([4])), ShapeError, /^matmul:/, /\[3\]/, /\[4\]/, /expected/);
  throwsWith(() => T.matmul(zeros([2, 2, 3]), zeros([3, 3, 1])), ShapeError, /^matmul:/, /\[2\]/, /\[3\]/, /expected/);
  throwsWith(() => T.matmul(zeros([]), zeros([3])), ShapeError, /^matmul:/, /0-d/, /expected/);
});

test('axis out of range in sum, softmax, concat and friends', () => {
  throwsWith(() => T.sum(f23(), 2), ArgumentError, /^sum:/, /axis 2/, /rank 2/, /expected/);
  throwsWith(() => f23().sum([0, -3]), ArgumentError, /^sum:/, /axis -3/, /expected/);
  throwsWith(() => T.softmax(f23(), 5), ArgumentError, /^softmax:/, /axis 5/, /expected/);
  throwsWith(() => T.logSoftmax(f23(), -3), ArgumentError, /^logSoftmax:/, /axis -3/, /expected/);
  throwsWith(() => T.concat([f23(), f23()], 2), ArgumentError, /^concat:/, /axis 2/, /expected/);
  throwsWith(() => T.concat([f23(), zeros([3, 3])], 1), ShapeError, /^concat:/, /\[2, 3\]/, /\[3, 3\]/, /expected/);
  throwsWith(() => T.mean(f23(), 1.5), ArgumentError, /^mean:/, /1\.5/);
  throwsWith(() => T.argmax(f23(), 3), ArgumentError, /^argmax:/, /axis 3/);
  throwsWith(() => T.sum(f23(), [1, -1]), ArgumentError, /^sum:/, /twice/);
});

test('reshape to an incompatible size', () => {
  throwsWith(() => T.reshape(f23(), [4]), ShapeError, /^reshape:/, /\[2, 3\]/, /6 elements/, /\[4\]/, /expected/);
  throwsWith(() => T.reshape(f23(), [4, -1]), ShapeError, /^reshape:/, /\[4, -1\]/);
  throwsWith(() => T.reshape(f23(), [-1, -1]), ShapeError, /^reshape:/, /at most one -1/);
});

test('int32 where a float is required (exp, matmul, softmax, …)', () => {
  throwsWith(() => T.exp(ints()), DTypeError, /^exp:/, /int32/, /float32/);
  throwsWith(() => T.matmul(ints(), tensor([1, 2, 3])), DTypeError, /^matmul:/, /int32/, /float32/);
  throwsWith(() => T.matmul(tensor([1, 2, 3]), ints()), DTypeError, /^matmul:/, /right operand/, /int32/);
  throwsWith(() => T.softmax(ints()), DTypeError, /^softmax:/, /int32/, /float32/);
  throwsWith(() => T.logSoftmax(ints()), DTypeError, /^logSoftmax:/, /int32/);
  throwsWith(() => T.log(ints()), DTypeError, /^log:/);
  throwsWith(() => T.gelu(ints()), DTypeError, /^gelu:/);
  throwsWith(() => T.variance(ints()), DTypeError, /^variance:/);
});

test('requiresGrad on an int32 tensor', () => {
  throwsWith(
    () => tensor([1, 2], { dtype: 'int32', requiresGrad: true }),
    DTypeError,
    /requiresGrad/,
    /int32/,
    /float32/,
  );
  throwsWith(() => ints().requiresGrad_(), DTypeError, /requiresGrad_/, /int32/, /float32/);
  throwsWith(() => zeros([2], { dtype: 'int32', requiresGrad: true }), DTypeError, /int32/);
});

test('gather with an index out of range, or float indices', () => {
  throwsWith(() => T.gather(f23(), [0, 2]), ArgumentError, /^gather:/, /index 2/, /size 2/, /expected/);
  throwsWith(() => T.gather(f23(), [-4], 1), ArgumentError, /^gather:/, /index -4/, /size 3/, /expected/);
  throwsWith(() => T.gather(f23(), tensor([0])), DTypeError, /^gather:/, /float32/, /int32/);
  throwsWith(() => T.oneHot(tensor([0, 3], { dtype: 'int32' }), 3), ArgumentError, /^oneHot:/, /label 3/, /expected/);
});

test('item() on a multi-element tensor', () => {
  throwsWith(() => f23().item(), ArgumentError, /item/, /\[2, 3\]/, /6 elements/, /expected exactly one/);
  assert.equal(tensor([[7]]).item(), 7);
});

test('autograd misuse: backward without grad, wrong gradient shape', () => {
  throwsWith(() => tensor([1]).backward(), GradError, /^backward:/, /requiresGrad/);
  const x = tensor([1, 2], { requiresGrad: true });
  throwsWith(() => x.mul(2).backward(tensor([1, 2, 3])), ShapeError, /^backward:/, /\[2\]/, /expected/);
});

test('bad arguments to creation and movement ops', () => {
  throwsWith(() => zeros([2, -1]), ShapeError, /^full:/, /\[2, -1\]/, /expected/);
  throwsWith(() => T.arange(0, 5, 0), ArgumentError, /^arange:/, /step=0/);
  throwsWith(() => T.permute(f23(), [0]), ShapeError, /^permute:/, /expected length 2/);
  throwsWith(() => T.permute(f23(), [0, 0]), ArgumentError, /^permute:/, /exactly once/);
  throwsWith(() => T.squeeze(f23(), 0), ShapeError, /^squeeze:/, /size 2/, /expected size 1/);
  throwsWith(() => T.expand(f23(), [4, 3]), ShapeError, /^expand:/, /\[2, 3\]/, /\[4, 3\]/);
  throwsWith(() => T.split(f23(), 4, 1), ArgumentError, /^split:/, /size 3/);
  throwsWith(() => T.pad(f23(), [[-1, 0]]), ArgumentError, /^pad:/, /expected/);
  throwsWith(() => T.clamp(f23(), 1, 0), ArgumentError, /^clamp:/, /min=1/, /max=0/);
  throwsWith(() => T.stack([f23(), zeros([3, 2])]), ShapeError, /^stack:/);
});
