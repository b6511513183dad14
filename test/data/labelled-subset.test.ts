import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, labelledSubset } from '../../src/index.js';

/** 70 items of label 0 and 30 of label 1, interleaved. */
const items = Array.from({ length: 100 }, (_, i) => ({ id: i, label: i % 10 < 3 ? 1 : 0 }));
const count = (xs: { label: number }[], label: number): number => xs.filter((x) => x.label === label).length;

test('labelledSubset: stratified — each label keeps its share of n, and the total is n', () => {
  for (const n of [1, 2, 7, 10, 33, 99, 100]) {
    const s = labelledSubset(items, n, 3);
    assert.equal(s.length, n, `n=${n}`);
    if (n >= 2) assert.ok(count(s, 1) >= 1 && count(s, 0) >= 1, `n=${n}: both labels present`);
    assert.ok(Math.abs(count(s, 1) - 0.3 * n) <= 1, `n=${n}: ${count(s, 1)} of label 1, expected ≈ ${0.3 * n}`);
  }
  assert.equal(count(labelledSubset(items, 10, 0), 1), 3);
  assert.deepEqual(labelledSubset(items, 100, 5), items, 'all of them, in order');
});

test('labelledSubset: deterministic for a seed, different across seeds, nested as n grows, in original order', () => {
  const ids = (n: number, seed: number): number[] => labelledSubset(items, n, seed).map((x) => x.id);
  assert.deepEqual(ids(20, 1), ids(20, 1));
  assert.notDeepEqual(ids(20, 1), ids(20, 2));
  const small = new Set(ids(20, 1));
  const large = new Set(ids(50, 1));
  assert.ok(
    [...small].every((id) => large.has(id)),
    'the 20 are among the 50',
  );
  const a = ids(50, 1);
  assert.deepEqual(
    a,
    [...a].sort((x, y) => x - y),
  );
});

test('labelledSubset: refuses n out of range and bad labels, naming itself', () => {
  assert.throws(
    () => labelledSubset(items, 0, 0),
    (e: Error) => e instanceof ArgumentError && /labelledSubset: got n=0/.test(e.message),
  );
  assert.throws(() => labelledSubset(items, 101, 0), /expected an integer from 1 to 100/);
  assert.throws(() => labelledSubset([{ label: 0.5 }], 1, 0), /labelledSubset: item 0 has label 0.5/);
  assert.throws(() => labelledSubset(items, 5, 1.5), /seed=1.5/);
});
