/**
 * The KV-cache ops: writeAt (an in-place write of a slice, its bounds checked) and cachedAttention
 * (attention over the first `length` positions of a preallocated cache), against hand-written
 * values, scaledDotProductAttention on the sliced caches, and finite differences, on the portable
 * backend and the active one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cachedAttention,
  getBackend,
  manualSeed,
  randn,
  scaledDotProductAttention,
  setBackend,
  sliceAxis,
  tensor,
  writeAt,
  writeHeads,
  zeros,
  permute,
  ShapeError,
  DTypeError,
  arange,
  gt,
  reshape,
} from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

const backends = ['portable', getBackend().name.split(' ')[0].startsWith('wasm') ? 'wasm' : 'portable'] as const;

function onEach(body: () => void): void {
  const before = getBackend();
  try {
    for (const b of new Set(backends)) {
      setBackend(b);
      body();
    }
  } finally {
    setBackend(before);
  }
}

test('writeAt writes a slice in place along any axis and returns dst', () => {
  onEach(() => {
    const dst = zeros([2, 3, 4]);
    const src = tensor([[[1, 2, 3, 4]], [[5, 6, 7, 8]]]);
    assert.equal(writeAt(dst, src, 1, 2), dst);
    assert.deepEqual(
      Array.from(dst.toFlatArray()),
      [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 7, 8],
    );
    // Last axis, a negative axis, and an int32 buffer.
    const ints = zeros([2, 5], { dtype: 'int32' });
    writeAt(ints, tensor([[7], [9]]).int(), -1, 4);
    assert.deepEqual(Array.from(ints.toFlatArray()), [0, 0, 0, 0, 7, 0, 0, 0, 0, 9]);
    // A large write (heap-sized on wasm) into a cache-shaped buffer, at its last position.
    const cache = zeros([1, 4, 64, 32]);
    const token = randn([1, 4, 1, 32]);
    writeAt(cache, token, 2, 63);
    assert.deepEqual(Array.from(sliceAxis(cache, 2, 63, 64).toFlatArray()), Array.from(token.toFlatArray()));
    assert.equal(sliceAxis(cache, 2, 0, 63).abs().sum().item(), 0);
  });
});

test('writeAt refuses offsets out of range, mismatched shapes and dtypes, by name', () => {
  const dst = zeros([1, 2, 8, 4]);
  const src = zeros([1, 2, 3, 4]);
  assert.throws(
    () => writeAt(dst, src, 2, 6),
    (e: Error) => {
      assert.ok(e instanceof ShapeError);
      assert.match(
        e.message,
        /writeAt: got offset 6 for 3 entries along axis 2 of size 8; expected an integer 0 <= offset <= 5/,
      );
      return true;
    },
  );
  assert.throws(() => writeAt(dst, src, 2, -1), /writeAt: got offset -1/);
  assert.throws(() => writeAt(dst, src, 2, 1.5), /writeAt: got offset 1\.5/);
  assert.throws(() => writeAt(dst, zeros([1, 3, 1, 4]), 2, 0), /writeAt: got src \[1, ?3, ?1, ?4\].*every axis but 2/);
  assert.throws(() => writeAt(dst, zeros([2, 1, 4]), 2, 0), /writeAt: got src/);
  assert.throws(() => writeAt(dst, zeros([1, 2, 1, 4], { dtype: 'int32' }), 2, 0), DTypeError);
  assert.throws(() => writeAt(dst, src, 4, 0), /axis/);
});

test('writeHeads equals writeAt of the part split into heads, and checks its arguments by name', () => {
  onEach(() => {
    manualSeed(8);
    // batch 2, t 3, three parts of 2 heads × 4.
    const x = randn([2, 3, 24]);
    for (const part of [0, 1, 2]) {
      const want = zeros([2, 2, 7, 4]);
      const heads = permute(reshape(sliceAxis(x, 2, part * 8, (part + 1) * 8), [2, 3, 2, 4]), [0, 2, 1, 3]);
      writeAt(want, heads, 2, 4);
      const got = zeros([2, 2, 7, 4]);
      assert.equal(writeHeads(got, x, part, 4), got);
      assert.deepEqual(Array.from(got.toFlatArray()), Array.from(want.toFlatArray()), `part ${part}`);
    }
  });
  const dst = zeros([1, 2, 5, 4]);
  assert.throws(
    () => writeHeads(dst, zeros([1, 2, 24]), 3, 0),
    /writeHeads: got part 3; expected an integer 0 <= part < 3/,
  );
  assert.throws(
    () => writeHeads(dst, zeros([1, 2, 24]), 1, 4),
    /writeHeads: got offset 4 for 2 positions in a cache of 5; expected an integer 0 <= offset <= 3/,
  );
  assert.throws(() => writeHeads(dst, zeros([1, 2, 20]), 0, 0), /writeHeads: got dst .* and x .*parts · heads · size/);
  assert.throws(() => writeHeads(dst, zeros([2, 1, 24]), 0, 0), /writeHeads: got dst/);
});

/** scaledDotProductAttention over the first `length` positions, the last tq of them as queries. */
function reference(
  q: ReturnType<typeof randn>,
  k: ReturnType<typeof randn>,
  v: ReturnType<typeof randn>,
  length: number,
) {
  const tq = q.shape[q.rank - 2];
  const blocked = gt(reshape(arange(length), [1, length]), reshape(arange(length - tq, length), [tq, 1]));
  return scaledDotProductAttention(q, sliceAxis(k, -2, 0, length), sliceAxis(v, -2, 0, length), { mask: blocked })
    .output;
}

test('cachedAttention equals scaledDotProductAttention on the sliced caches (one query and several)', () => {
  onEach(() => {
    manualSeed(3);
    const keys = randn([2, 3, 10, 8]);
    const values = randn([2, 3, 10, 8]);
    for (const [tq, length] of [
      [1, 1],
      [1, 7],
      [3, 7],
      [4, 10],
    ]) {
      const q = randn([2, 3, tq, 8]);
      const got = cachedAttention(q, keys, values, length);
      assert.deepEqual(got.shape, [2, 3, tq, 8]);
      assertClose(
        got.toFlatArray(),
        reference(q, keys, values, length).toFlatArray(),
        1e-5,
        1e-5,
        `tq=${tq} length=${length}`,
      );
    }
  });
});

test('cachedAttention: gradients by finite differences; bad lengths and shapes are refused', () => {
  manualSeed(4);
  const keys = randn([1, 2, 6, 4]).requiresGrad_();
  const values = randn([1, 2, 6, 4]).requiresGrad_();
  const q = randn([1, 2, 2, 4]).requiresGrad_();
  gradcheck((a, b, c) => cachedAttention(a, b, c, 5), [q, keys, values]);
  assert.throws(
    () => cachedAttention(q, keys, values, 7),
    /cachedAttention: got length 7 with 2 queries and a cache of 6; expected an integer 2 <= length <= 6/,
  );
  assert.throws(() => cachedAttention(q, keys, values, 1), /got length 1/);
  assert.throws(
    () => cachedAttention(q, zeros([1, 2, 6, 3]), values, 4),
    /cachedAttention: got query .*expected \[\.\.\.batch, tq, d\]/,
  );
});
